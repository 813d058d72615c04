package reliability

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// TestCrashKioskAndServer kills the kiosk process with SIGKILL at random moments while it
// queues and sends operations (KIOSK_CRASH_KILLS times, 200 by default), and the server every
// tenth time, restarting both; then lets the kiosk drain and checks, in the server's database:
// every operation acknowledged to a user applied exactly once, sequence numbers gap-free, points
// equal to the sum of the deductions applied, and the kiosk's outbox empty.
func TestCrashKioskAndServer(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash suite takes minutes")
	}
	kills := envInt("KIOSK_CRASH_KILLS", 200)
	w := newWorld(t)
	w.startServer()
	rng := rand.New(rand.NewPCG(42, uint64(time.Now().UnixNano())))
	var acked []string
	start := time.Now()
	for i := 0; i < kills; i++ {
		s := w.startSim("--work", w.workFile, "--seed", strconv.Itoa(i))
		time.Sleep(time.Duration(20+rng.IntN(230)) * time.Millisecond)
		if i%10 == 5 {
			// The server dies while the kiosk is sending, and comes back a little later.
			w.killServer()
			time.Sleep(time.Duration(rng.IntN(100)) * time.Millisecond)
			w.startServer()
			time.Sleep(time.Duration(rng.IntN(100)) * time.Millisecond)
		}
		acked = append(acked, s.kill()...)
	}
	s := w.startSim("--drain", "--timeout", "3m")
	last, err := s.wait()
	if err != nil || last != "DRAINED" {
		t.Fatalf("draining after the crashes: %v, last line %q", err, last)
	}
	w.stopServer()
	t.Logf("%d kiosk kills, %d server kills, %d operations acknowledged, in %s", kills, w.serverKills, len(acked), time.Since(start).Round(time.Second))
	if w.serverKills < kills/10 || len(acked) < kills {
		t.Fatalf("the run did too little to prove anything: %d server kills, %d operations", w.serverKills, len(acked))
	}
	checkServer(t, w, acked, start)
}

// checkServer opens the server's database and checks the invariants.
func checkServer(t *testing.T, w *world, acked []string, start time.Time) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(w.serverData, "server.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.Read(ctx, func(r store.Reader) error {
		for _, id := range acked {
			if _, err := r.Op(id); err != nil {
				t.Errorf("operation %s was acknowledged to the user but is not on the server: %v", id, err)
			}
		}
		k, err := r.Kiosk(w.kioskID)
		if err != nil {
			return err
		}
		stored := 0
		for seq := int64(1); ; seq++ {
			if _, err := r.OpAt(w.kioskID, k.Epoch, seq); errors.Is(err, store.ErrNotFound) {
				if seq-1 != k.LastSeq {
					t.Errorf("sequence has a gap or an end beyond the kiosk's progress: found 1..%d, last applied %d", seq-1, k.LastSeq)
				}
				break
			} else if err != nil {
				return err
			}
			stored++
		}
		counts, err := r.OpCounts()
		if err != nil {
			return err
		}
		total := 0
		for _, n := range counts {
			total += int(n)
		}
		if total != stored || stored < len(acked) {
			t.Errorf("%d operations stored, %d in the epoch's sequence, %d acknowledged", total, stored, len(acked))
		}
		t.Logf("operations stored: %d, by outcome %v", total, counts)
		return checkPoints(t, w, r, start)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// checkPoints: every points entry belongs to exactly one decided violation of its driver with
// the same points, and every violation the server decided during the run has its entry: the
// points total is the sum of the deductions applied, nothing doubled, nothing lost. (Decisions
// imported with the demo data carry only the ledger history the data set gives them.)
func checkPoints(t *testing.T, w *world, r store.Reader, start time.Time) error {
	deductions, entries, issued := 0, 0, 0
	for _, p := range w.data.People {
		if p.Licence == nil {
			continue
		}
		decided, err := r.ViolationsDecidedAgainst(p.Driver.ID)
		if err != nil {
			return err
		}
		byDecision := map[model.DecisionNumber]model.Violation{}
		for _, v := range decided {
			if _, dup := byDecision[v.Decision]; dup {
				t.Errorf("decision %s issued for two violations", v.Decision)
			}
			byDecision[v.Decision] = v
		}
		ledger, err := r.PointsEntries(p.Driver.ID)
		if err != nil {
			return err
		}
		seen := map[model.DecisionNumber]bool{}
		for _, e := range ledger {
			v, ok := byDecision[e.Decision]
			if !ok || v.Points != e.Points || seen[e.Decision] {
				t.Errorf("points entry %s does not match exactly one decided violation", e.Decision)
			}
			seen[e.Decision] = true
			entries += e.Points
		}
		for n, v := range byDecision {
			if !seen[n] && !v.DecidedAt.Before(start) {
				t.Errorf("violation %s was decided but its points were never entered", v.ID)
			}
			if seen[n] {
				deductions += v.Points
			}
			if !v.DecidedAt.Before(start) {
				issued++
			}
		}
	}
	if entries != deductions {
		t.Errorf("points entered %d, deductions applied %d", entries, deductions)
	}
	t.Logf("points entered: %d, equal to the deductions applied; %d decisions issued during the run", entries, issued)
	if issued == 0 {
		t.Error("no violation was processed during the run: the check proved nothing")
	}
	return nil
}
