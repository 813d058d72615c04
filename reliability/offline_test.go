package reliability

import (
	"context"
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

// Offline scenarios of a hall in compressed time (harness in hall_test.go): a store that fills,
// a clock that is off, an operation the platform rejects after the person left.

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
				f, err := h.kiosk.Fill()
				sawStop = err == nil && f.Level == storage.LevelStop
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
	// How the drain made room, if it had to: pruned answered entries, dropped receipts.
	journal, _ := h.kiosk.Journal(0, 0)
	for _, e := range journal {
		if e.Event == storage.EventPruned || strings.Contains(e.Detail, "receipt dropped") {
			t.Logf("journal: %s %s", e.Event, e.Detail)
		}
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
