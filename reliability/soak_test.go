package reliability

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/storage"
	"github.com/hallkiosk/kiosk/uplink"
)

// soakFileBound is the size the kiosk's file must stay under through a week offline with the
// 40 operations the offline policy allows: the operations with their receipts, the journal, the
// reference data and bbolt's own pages come to a few hundred KiB; the bound leaves room and is
// still far below what one attempt per operation per try used to add (17 KB per attempt, 5 GB
// a week).
const soakFileBound = 2 << 20

// Seven days offline in compressed time, with the real retry schedule (the engine's default
// backoff, 250 ms doubling to 4 s, with jitter): the kiosk queues 40 operations during the first
// day, the server is unreachable for seven days in all, and comes back. The file stays under
// soakFileBound and does not grow at all while nothing is queued; the outage leaves two journal
// entries (its start and its end); the journal verifies; every operation is applied exactly once.
func TestSoakWeekOffline(t *testing.T) {
	h := newHall(t, hallOptions{})
	const ops = 40
	var ids []string
	var sizeAfterQueue int64
	var journalAfterQueue int64
	back := h.time.Now().Add(7 * 24 * time.Hour)
	h.link.Store(linkDown)
	h.hook = func(now time.Time) bool {
		elapsed := now.Sub(back.Add(-7 * 24 * time.Hour))
		switch {
		case len(ids) < ops && elapsed >= time.Duration(len(ids)+1)*30*time.Minute:
			ids = append(ids, h.enqueue(h.payOp(len(ids))).ID)
			if len(ids) == ops {
				sizeAfterQueue = fileSize(t, h.kiosk)
				journalAfterQueue = journalHead(t, h.kiosk)
			}
		case now.Before(back):
			if size := fileSize(t, h.kiosk); len(ids) == ops && size != sizeAfterQueue {
				t.Errorf("the file changed from %d to %d bytes at %s while nothing was queued", sizeAfterQueue, size, now)
				return false
			}
		case h.link.Load() == linkDown:
			h.link.Store(linkUp)
			t.Logf("offline for %s: %d engine steps; file %d bytes, journal head %d", 7*24*time.Hour, h.steps,
				fileSize(t, h.kiosk), journalHead(t, h.kiosk))
		default:
			st := h.engine.Status()
			return st.OutboxDepth > 0 || st.State != uplink.Online || now.Before(back.Add(10*time.Minute))
		}
		return true
	}
	h.run(5 * time.Minute)

	st := h.engine.Status()
	t.Logf("after the week: %d engine steps, %d operation sends for %d answers; file %d bytes", h.steps, st.OpsSent, st.OpsDone, fileSize(t, h.kiosk))
	if len(ids) != ops {
		t.Fatalf("queued %d operations of %d", len(ids), ops)
	}
	if h.steps < 100_000 {
		t.Errorf("only %d engine steps in a week: the real retry schedule was not used", h.steps)
	}
	if size := fileSize(t, h.kiosk); size > soakFileBound || sizeAfterQueue > soakFileBound {
		t.Errorf("file %d bytes (%d when all was queued), bound %d", size, sizeAfterQueue, soakFileBound)
	}
	// The outage's trace: its start and its end, nothing per attempt.
	entries, err := h.kiosk.Journal(journalAfterQueue+1, 0)
	if err != nil {
		t.Fatal(err)
	}
	outage := map[string]int{}
	for _, e := range entries {
		outage[e.Event]++
	}
	if outage[storage.EventOutageBegan] != 0 || outage[storage.EventOutageEnded] != 1 {
		t.Errorf("journal after queuing: %v; want the outage's end once (its start came before the last op)", outage)
	}
	all, _ := h.kiosk.Journal(0, 0)
	began := 0
	for _, e := range all {
		if e.Event == storage.EventOutageBegan {
			began++
		}
	}
	if began != 1 {
		t.Errorf("outage_began %d times, want once", began)
	}
	if n, err := h.kiosk.VerifyJournal(); err != nil {
		t.Fatalf("journal verify after %d entries: %v", n, err)
	}
	// Exactly once: the kiosk has every op acknowledged, the server applied each (it stores
	// one result per op id), and no op was answered twice.
	acked, err := h.kiosk.Entries(storage.StateAcked)
	if err != nil || len(acked) != ops {
		t.Fatalf("acked %d of %d, %v", len(acked), ops, err)
	}
	for _, id := range ids {
		if got := h.serverOutcome(id); got != api.OutcomeApplied && got != api.OutcomeWithChanges {
			t.Errorf("op %s: server outcome %q", id, got)
		}
	}
	if st.OpsDone != ops {
		t.Errorf("the engine recorded %d answers for %d operations", st.OpsDone, ops)
	}
}

func journalHead(t *testing.T, s *storage.Store) int64 {
	t.Helper()
	cp, err := s.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	return cp.HeadSeq
}

// The long soak runs only when asked (KIOSK_SOAK_DAYS=90): days of normal traffic in compressed
// time, about 150 sessions a day during opening hours (each a payment with its receipt), with
// outages of 10 minutes to 8 hours a few times a week, and the engine's default retention and
// upkeep. It prints the file size at the end of each week; docs/RELIABILITY.md records a run.
// The engine probes and beats every minute here rather than every 2 s: the server's answers are
// the slow part in process, and the file's growth does not depend on them.
func TestSoakLong(t *testing.T) {
	days := envInt("KIOSK_SOAK_DAYS", 0)
	if days == 0 {
		t.Skip("set KIOSK_SOAK_DAYS (for example 90) to run the long soak")
	}
	h := newHall(t, hallOptions{people: 400, engine: uplink.Config{Probe: time.Minute, HeartbeatEvery: 5 * time.Minute}})
	rng := rand.New(rand.NewPCG(uint64(days), 12))
	end := h.start.Add(time.Duration(days) * 24 * time.Hour)
	nextOp := h.start
	var outageEnd time.Time
	nextOutage := h.start.Add(time.Duration(rng.IntN(48)) * time.Hour)
	week, ops, outages := 0, 0, 0
	var offline time.Duration
	var maxSize int64
	h.hook = func(now time.Time) bool {
		if size := fileSize(t, h.kiosk); size > maxSize {
			maxSize = size
		}
		if w := int(now.Sub(h.start) / (7 * 24 * time.Hour)); w > week {
			week = w
			f, _ := h.kiosk.Fill()
			cp, _ := h.kiosk.Checkpoint()
			st := h.engine.Status()
			t.Logf("week %2d: file %7d bytes, used %7d, journal %5d entries after checkpoint %6d, outbox %d waiting; %d ops, %d outages (%s offline)",
				w, f.FileBytes, f.UsedBytes, cp.HeadSeq-cp.Seq, cp.Seq, st.OutboxDepth, ops, outages, offline.Round(time.Minute))
		}
		switch {
		case h.link.Load() == linkDown && !now.Before(outageEnd):
			h.link.Store(linkUp)
		case h.link.Load() == linkUp && !now.Before(nextOutage):
			d := time.Duration(10+rng.IntN(470)) * time.Minute
			outageEnd, offline = now.Add(d), offline+d
			nextOutage = outageEnd.Add(time.Duration(24+rng.IntN(72)) * time.Hour)
			outages++
			h.link.Store(linkDown)
		}
		for !now.Before(nextOp) {
			if hour := nextOp.In(model.ChinaZone()).Hour(); hour >= 9 && hour < 17 {
				h.enqueue(h.payOp(ops))
				ops++
			}
			nextOp = nextOp.Add(time.Duration(3+rng.IntN(3)) * time.Minute) // about 150 in 8 hours
		}
		return now.Before(end)
	}
	h.run(4 * time.Hour)
	if n, err := h.kiosk.VerifyJournal(); err != nil {
		t.Fatalf("journal after %d entries: %v", n, err)
	}
	f, _ := h.kiosk.Fill()
	t.Logf("%d days: %d ops, %d outages; largest file %d bytes, last %d", days, ops, outages, maxSize, f.FileBytes)
	// The server keeps the kiosk's last reported checkpoint: the trimmed prefix stays pinned.
	cp, _ := h.kiosk.Checkpoint()
	ks := h.kioskStatus()
	if days > 31 && (!ks.JournalKnown || ks.Journal.CheckpointSeq == 0 || ks.Journal.CheckpointSeq > cp.Seq ||
		ks.Journal.CheckpointSeq == cp.Seq && ks.Journal.CheckpointHash != cp.Hash) {
		t.Errorf("the server's checkpoint %+v, the kiosk's %+v", ks.Journal, cp)
	}
	if maxSize > 16<<20 {
		t.Errorf("the file reached %d bytes", maxSize)
	}
}
