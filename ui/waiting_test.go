package ui

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/uplink"
)

// goOffline closes the stack's server and waits until the engine and the UI know.
func goOffline(t *testing.T, s *liveStack, h *harness) {
	t.Helper()
	s.http.Close()
	for start := time.Now(); s.engine.Status().State == uplink.Online; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatal("the kiosk never noticed the server was gone")
		}
	}
	h.send(netStatusMsg{status: s.engine.Status()})
}

// A processing queued offline shows in the person's record as submitted here and awaiting the
// platform, never as "already processed"; the violation cannot be picked again, and the points
// forecast starts from the total with the waiting points added.
func TestWaitingProcessingIsMarkedAndCounted(t *testing.T) {
	s := newStack(t, "national")
	h := newStackHarness(t, s, func(o *Options) {
		o.Connect = func(context.Context) (Services, error) { return unansweredService{s.svc}, nil }
	})
	h.identifyAs(s.persona(t, "nine-points"))
	if got := h.m.session.lookup.Points.Total; got != 9 {
		t.Fatalf("the persona starts with %d points, want 9", got)
	}
	goOffline(t, s, h)

	h.typeText("1")
	p := h.m.screen.(*process)
	one := p.candidateWithPoints(t, 1)
	id := h.m.session.judged.items[p.cands[one]].wire.ID
	p.list.move(one - p.list.cursor)
	h.press(keySpace)
	h.press(keyEnter)
	h.typeText("1")
	if p.outcome.result != nil || len(p.outcome.refused) > 0 || p.outcome.err != nil {
		t.Fatalf("the processing was not queued to wait: %+v\n%s", p.outcome, h.view())
	}
	h.typeText("2") // back to the record, looked up again (from the cache, overlaid)
	if h.m.id != overviewID {
		t.Fatalf("not on the overview:\n%s", h.view())
	}
	if _, ok := h.m.session.waiting[id]; !ok {
		t.Fatalf("the lookup does not name the waiting violation %s: %v", id, h.m.session.waiting)
	}
	h.mustShow(h.text(model.ZH, txtVerdictWaiting))

	h.typeText("1")
	p = h.m.screen.(*process)
	for _, i := range p.cands {
		if h.m.session.judged.items[i].wire.ID == id {
			t.Fatalf("the waiting violation can be picked again:\n%s", h.view())
		}
	}
	if p.sel.Current != 10 {
		t.Fatalf("the forecast starts from %d points, want 10 (9 and the waiting 1)", p.sel.Current)
	}
}

// The kiosk judges with the catalogue as the server does: a code that carries a measure (6086,
// the vehicle is held: driving without the licence on one) is refused here, at 100 yuan, with
// the measure named, instead of being offered and then rejected by the platform.
func TestKioskRefusesWhatTheSimpleProcedureCannotDecide(t *testing.T) {
	h := newHarness(t)
	p := persona(t, "parking")
	looked, err := h.svc.Lookup(context.Background(), p.ID, p.File)
	if err != nil {
		t.Fatal(err)
	}
	looked.Violations[0].Code, looked.Violations[0].FineFen, looked.Violations[0].Points = "6086", 10000, 0
	s := newSession(h.m.c, p.ID, p.File, looked)
	for _, it := range s.judged.items {
		if it.wire.ID != looked.Violations[0].ID {
			continue
		}
		if it.el.Eligible || !slices.ContainsFunc(it.el.Reasons, func(r model.Reason) bool { return r.Code == model.ReasonProcedureMeasure }) {
			t.Fatalf("6086 at 100 yuan judged %+v, want refused for its measure", it.el)
		}
		return
	}
	t.Fatal("the violation was not judged")
}
