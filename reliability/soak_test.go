package reliability

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
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

// The store fills while the server answers but fails (500 to everything): the kiosk queues
// payments until its store reaches the stop watermark, then refuses new offline work with the
// store-full reason (and the status says so); when the server recovers it drains everything it
// holds, exactly once, prunes early under the tighter retention, and takes work again. Then the
// disk under the store runs low while the server answers, and the server learns of it from the
// heartbeats.
func TestStoreFillsWhileTheServerFails(t *testing.T) {
	var diskFree atomic.Int64
	diskFree.Store(1 << 40)
	h := newHall(t, hallOptions{storage: storage.Options{MaxSize: 256 << 10, Reserve: -1,
		DiskFree: func(string) (int64, error) { return diskFree.Load(), nil }}})
	svc := h.service()
	receipt := make([]byte, 8<<10)
	var queued []string
	var refused []model.Reason
	var sawStop, drained, acceptedAgain, diskSeen bool
	var diskLowAt time.Time
	var failingSince time.Time
	h.hook = func(now time.Time) bool {
		st := h.engine.Status()
		switch {
		case st.LastSuccess.IsZero():
			return true // first the kiosk syncs (and measures its clock)
		case failingSince.IsZero():
			failingSince = now
			h.link.Store(link500)
		case st.State == uplink.Online && h.link.Load() == link500:
			return true // not yet noticed
		case refused == nil && h.link.Load() == link500:
			op := h.payOp(len(queued))
			op.Pay.Items[0].FineFen = 5000
			got, rs, err := svc.Submit(op, receipt, 5000)
			if err != nil {
				t.Errorf("submit %d: %v", len(queued), err)
				return false
			}
			if len(rs) > 0 {
				refused = rs
				sawStop = st.Fill.Level == storage.LevelStop
				h.link.Store(linkUp)
				return true
			}
			queued = append(queued, got.ID)
		case !drained:
			drained = st.OutboxDepth == 0 && st.State == uplink.Online
		case !acceptedAgain:
			if st.Fill.Level != storage.LevelOK {
				return now.Before(failingSince.Add(6 * time.Hour))
			}
			rs, err := svc.Check(api.OpPay, 5000)
			if err != nil {
				t.Error(err)
			}
			acceptedAgain = len(rs) == 0
			return acceptedAgain || now.Before(failingSince.Add(6*time.Hour))
		case diskLowAt.IsZero():
			// Now the disk under the store runs low while the server answers: the heartbeats
			// tell the server, which shows staff the level and the free space.
			diskLowAt = now
			diskFree.Store(20 << 20)
		default:
			ks := h.kioskStatus()
			diskSeen = ks.Store.Level == storage.LevelStop && ks.Store.DiskFreeBytes == 20<<20
			return !diskSeen && now.Before(diskLowAt.Add(10*time.Minute))
		}
		return true
	}
	h.run(2 * time.Minute)
	t.Logf("%d payments queued before the store was full; refused with %v", len(queued), codesOf(refused))
	if len(queued) < 5 || len(codesOf(refused)) != 1 || refused[0].Code != model.ReasonOfflineStoreFull || !sawStop {
		t.Fatalf("queued %d, refused with %v (status at stop: %v); want the store-full reason alone", len(queued), codesOf(refused), sawStop)
	}
	if !drained {
		t.Fatal("the kiosk did not drain after the server recovered")
	}

	for _, id := range queued {
		if got := h.serverOutcome(id); got != api.OutcomeApplied && got != api.OutcomeWithChanges {
			t.Errorf("op %s: server outcome %q", id, got)
		}
	}
	// Offline again: the policy takes work once more (the store was pruned back below its
	// watermarks).
	if !acceptedAgain {
		f, _ := h.kiosk.Fill()
		t.Fatalf("the kiosk did not take work again after draining: fill %+v", f)
	}
	if ks := h.kioskStatus(); !diskSeen || ks.Store.MaxBytes != 256<<10 {
		t.Errorf("the server's view of the store when the disk ran low: %+v", ks.Store)
	}
}

func codesOf(rs []model.Reason) []model.ReasonCode {
	var out []model.ReasonCode
	for _, r := range rs {
		out = append(out, r.Code)
	}
	return out
}

// A kiosk whose clock is 10 minutes off (fast or slow) is refused as stale on its first
// request; the refusal proves the server's time, the engine corrects its clock and signs with
// it, and operations queued before and after reach the server and are applied (dated by the
// corrected clock, so the server's time checks pass). The skew is measured and reported in the
// heartbeat.
func TestClockTenMinutesOff(t *testing.T) {
	for _, skew := range []time.Duration{10 * time.Minute, -10 * time.Minute} {
		t.Run(skew.String(), func(t *testing.T) {
			h := newHall(t, hallOptions{skew: skew})
			before := h.enqueue(h.payOp(0)) // dated by the uncorrected clock: nothing was measured yet
			var after api.Op
			var beats []api.Heartbeat
			h.hook = func(now time.Time) bool {
				st := h.engine.Status()
				if after.ID == "" && st.ClockKnown {
					after = h.enqueue(h.payOp(1))
				}
				if st.State == uplink.Online && after.ID != "" && st.OutboxDepth == 0 {
					beats = append(beats, h.engine.Report())
					return false
				}
				return now.Before(h.start.Add(10 * time.Minute))
			}
			h.run(time.Minute)
			st := h.engine.Status()
			if !st.ClockKnown || (st.ClockSkew-skew).Abs() > time.Second {
				t.Fatalf("measured skew %v (known %v), want %v", st.ClockSkew, st.ClockKnown, skew)
			}
			if got := h.serverOutcome(after.ID); got != api.OutcomeApplied && got != api.OutcomeWithChanges {
				t.Errorf("op queued after the correction: server outcome %q", got)
			}
			// The op queued before any measurement was dated by the wrong clock: ten minutes slow
			// is inside the server's window (it is simply older); ten minutes fast is in the
			// future, and the server says so rather than guessing.
			want := []string{api.OutcomeApplied, api.OutcomeWithChanges}
			if skew > 0 {
				want = []string{api.OutcomeRejected}
			}
			if got := h.serverOutcome(before.ID); !slices.Contains(want, got) {
				t.Errorf("op queued before the correction: server outcome %q, want one of %v", got, want)
			}
			if len(beats) != 1 || beats[0].ClockSkewMS == nil || (time.Duration(*beats[0].ClockSkewMS)*time.Millisecond-skew).Abs() > time.Second {
				t.Errorf("heartbeat reports skew %v", beats)
			}
			// The server stored what a heartbeat reported: staff see the skew there.
			if ks := h.kioskStatus(); !ks.ClockSkewKnown || (time.Duration(ks.ClockSkewMS)*time.Millisecond-skew).Abs() > time.Second {
				t.Errorf("the server has skew %d ms (known %v), want %v", ks.ClockSkewMS, ks.ClockSkewKnown, skew)
			}
		})
	}
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

// A processing queued offline that the platform rejects reaches its person everywhere: the
// kiosk that queued it lists it (with the reason) at the person's next identification, the
// receipt's verification page says why, and another kiosk's lookup carries it with where it
// happened, until the person acknowledges it; then no kiosk shows it again.
func TestRejectedQueuedOperationReachesThePerson(t *testing.T) {
	h := newHall(t, hallOptions{})
	svc := h.service()
	var person model.Licence
	for _, p := range h.data.People {
		if p.Licence != nil {
			person = *p.Licence
			break
		}
	}
	var queued api.Op
	h.hook = func(now time.Time) bool {
		st := h.engine.Status()
		switch {
		case st.LastSuccess.IsZero():
		case queued.ID == "" && h.link.Load() == linkUp:
			h.link.Store(linkDown)
		case queued.ID == "" && st.State == uplink.Online:
		case queued.ID == "":
			op := api.Op{Type: api.OpProcess, At: h.clock.Now(), Process: &api.ProcessOp{DriverID: string(person.ID),
				ViolationIDs: []string{"V-NOT-ON-RECORD"}, DriverFace: api.FaceMatch}}
			got, rs, err := svc.Submit(op, []byte("receipt"), 0)
			if err != nil || len(rs) > 0 {
				t.Errorf("offline processing: %v %v", rs, err)
				return false
			}
			queued = got
			h.link.Store(linkUp)
		default:
			return st.OutboxDepth > 0
		}
		return true
	}
	h.run(time.Minute)
	if got := h.serverOutcome(queued.ID); got != api.OutcomeRejected {
		t.Fatalf("server outcome %q, want rejected", got)
	}
	ctx := context.Background()
	// At this kiosk: the next identification lists it once (the outbox and the server's notice
	// name the same operation), with the server's reason.
	looked, err := svc.Lookup(ctx, person.ID, person.FileNumber)
	if err != nil {
		t.Fatal(err)
	}
	if len(looked.Rejections) != 1 || looked.Rejections[0].OpID != queued.ID || !looked.Rejections[0].Here ||
		len(looked.Rejections[0].Reasons) == 0 || looked.Rejections[0].Reasons[0].Code != model.ReasonViolationUnknown {
		t.Fatalf("rejections at the kiosk that queued it: %+v", looked.Rejections)
	}
	// The receipt's verification page says why.
	rec := httptest.NewRecorder()
	h.server.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/r/"+queued.ID, nil))
	page := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(page, "未受理") || !strings.Contains(page, h.reasonText(model.ReasonViolationUnknown)) {
		t.Errorf("receipt page %d:\n%s", rec.Code, page)
	}
	// Another kiosk of the province: the lookup carries it, with where it happened.
	other := h.otherKiosk()
	l, err := other.Lookup(ctx, api.Identify{IDNumber: string(person.ID), FileNumber: string(person.FileNumber)})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Rejections) != 1 || l.Rejections[0].OpID != queued.ID || !strings.Contains(l.Rejections[0].Kiosk, "soak kiosk") {
		t.Fatalf("rejections at another kiosk: %+v", l.Rejections)
	}
	// Acknowledged at the first kiosk: gone everywhere.
	if err := svc.AckRejections(ctx, person.ID, []string{queued.ID}); err != nil {
		t.Fatal(err)
	}
	if l, err = other.Lookup(ctx, api.Identify{IDNumber: string(person.ID), FileNumber: string(person.FileNumber)}); err != nil || len(l.Rejections) != 0 {
		t.Errorf("after the acknowledgement another kiosk still shows %+v (%v)", l.Rejections, err)
	}
	if looked, err = svc.Lookup(ctx, person.ID, person.FileNumber); err != nil || len(looked.Rejections) != 0 {
		t.Errorf("after the acknowledgement this kiosk still shows %+v (%v)", looked.Rejections, err)
	}
}
