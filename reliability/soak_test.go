package reliability

import (
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
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
