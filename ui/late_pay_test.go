package ui

import (
	"context"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/device"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/service"
)

// decidedFake is the late platform whose records hold a decided fine, due in ten days.
type decidedFake struct{ *lateService }

func (f decidedFake) Lookup(ctx context.Context, id model.IDNumber, file model.FileNumber) (service.Looked, error) {
	l, err := f.lateService.Lookup(ctx, id, file)
	if err == nil && len(l.Violations) > 0 {
		decided := testNow.AddDate(0, 0, -5)
		v := &l.Violations[0]
		v.Status, v.Decision, v.DriverID, v.DecidedAt = string(model.StatusProcessed), "4403052026000000101", string(id), &decided
		v.DueDate = decided.AddDate(0, 0, 15).In(model.ChinaZone()).Format("2006-01-02")
	}
	return l, err
}

// cardPaidPending pays a decided fine by card while the platform is silent: the
// payment's result says "pending confirmation".
func cardPaidPending(t *testing.T, f *lateService, printer *countingPrinter) (*harness, *pay) {
	t.Helper()
	h := &harness{t: t, svc: f.fakeService, now: testNow}
	h.start(testOptions(t), decidedFake{f}, []func(*Options){func(o *Options) {
		o.Devices = device.Set{Face: device.SimFace{}, Card: &device.SimCard{}, Printer: printer}
	}})
	h.identifyAs(persona(t, "borrower-late"))
	h.typeText("2")
	p, ok := h.m.screen.(*pay)
	if !ok {
		t.Fatalf("not on the payment:\n%s", h.view())
	}
	h.press(keyEnter)
	h.typeText("2")
	if p.phase != payDone || p.sub.op.ID == "" {
		t.Fatalf("the card payment did not finish: %+v\n%s", p.prob, h.view())
	}
	h.mustShow(pendingStart(h, p.sub.op.ID))
	return h, p
}

// pendingStart is the first sentence of "pending confirmation" for op.
func pendingStart(h *harness, op string) string {
	return strings.SplitN(h.text(model.ZH, txtSubmitPending, "op", op), "。", 2)[0]
}

// A card payment the platform answers only after the screen said "pending confirmation": the
// screen keeps waiting while the person is on it, then says the answer (payment complete, or
// refused with the reasons), says the receipt was not printed again, and stops waiting.
func TestCardPaymentShowsTheLateAnswer(t *testing.T) {
	for _, reject := range []bool{false, true} {
		f := &lateService{fakeService: newFakeService(t)}
		if reject {
			f.reject = []api.Reason{{Code: string(model.ReasonOpTimeTooOld)}}
		}
		printer := &countingPrinter{}
		h, p := cardPaidPending(t, f, printer)
		h.advance(lateRetry) // still silent: the screen keeps waiting
		h.mustShow(pendingStart(h, p.sub.op.ID))
		before := f.waits
		f.answer = true
		h.advance(lateRetry)
		if f.waits <= before {
			t.Fatal("the screen stopped waiting for the answer")
		}
		h.mustNotShow(pendingStart(h, p.sub.op.ID))
		if reject {
			h.mustShow(prefix(h.text(model.ZH, txtPayRejected), 8),
				strings.SplitN(h.m.c.Reason(model.Reason{Code: model.ReasonOpTimeTooOld}).Message, "，", 2)[0])
		} else {
			h.mustShow(h.text(model.ZH, txtPayDone))
		}
		h.mustShow(strings.SplitN(h.text(model.ZH, txtResultAnsweredLate), "。", 2)[0])
		h.mustShow(h.text(model.ZH, txtBackToRecords), h.text(model.ZH, txtMenuFinish)) // the ways on still show
		h.press(keyF2)
		h.mustShow(h.text(model.EN, txtBackToRecords), h.text(model.EN, txtMenuFinish))
		h.press(keyF2)
		if printer.n != 1 {
			t.Fatalf("%d receipts printed, want the one with 'pending confirmation'", printer.n)
		}
		waits := f.waits
		h.advance(lateRetry)
		if f.waits != waits {
			t.Fatal("the screen kept waiting after the answer came")
		}
	}
}

// A person who leaves the pending payment leaves its wait behind: the answer that comes later
// is dropped, and nothing waits on.
func TestCardPaymentLateAnswerAfterLeavingIsDropped(t *testing.T) {
	f := &lateService{fakeService: newFakeService(t)}
	h, _ := cardPaidPending(t, f, &countingPrinter{})
	h.typeText("2") // back to the records
	if _, onPay := h.m.screen.(*pay); onPay {
		t.Fatalf("still on the payment:\n%s", h.view())
	}
	f.answer = true
	waits := f.waits
	h.advance(lateRetry)
	h.advance(lateRetry)
	if f.waits != waits {
		t.Fatalf("%d more waits after the person left", f.waits-waits)
	}
	h.mustNotShow(strings.SplitN(h.text(model.ZH, txtResultAnsweredLate), "。", 2)[0])
}

// A binding and an unbinding the platform answers after the screen said "pending
// confirmation": the screen keeps waiting while the person is on it and then says the outcome.
// Leaving the result first drops the answer and ends the waiting.
func TestLinkRunShowsTheLateAnswer(t *testing.T) {
	runs := []struct {
		name  string
		start func(h *harness)
		done  textKey
	}{
		{"bind", func(h *harness) {
			toOwnerStep(h)
			owner := persona(h.t, "owner-lent")
			h.enterOwnerVIN(owner.ID)
			h.press(keyEnter)
		}, txtLinkBound},
		{"unbind", func(h *harness) {
			h.identifyAs(persona(h.t, "borrower-late"))
			h.openVehicles()
			h.press(keyEnter)
			h.mustShow(h.text(model.ZH, txtEndFlowUnbind))
			h.typeText("1")
		}, txtLinkUnbound},
	}
	for _, r := range runs {
		for _, leave := range []bool{false, true} {
			t.Run(r.name+map[bool]string{false: "/stays", true: "/leaves"}[leave], func(t *testing.T) {
				h, f := newLinkHarness(t, "national", func(o *Options) {
					inner := o.Connect
					o.Connect = func(ctx context.Context) (Services, error) {
						svc, err := inner(ctx)
						return boundFake{linkFake: svc.(*linkFake), owner: persona(t, "owner-lent").ID}, err
					}
				})
				answer := f.result
				f.result = nil
				r.start(h)
				if len(f.submitted) != 1 {
					t.Fatalf("%d operations queued:\n%s", len(f.submitted), h.view())
				}
				pending := h.text(model.ZH, txtLinkPending, "op", f.submitted[0].ID)
				h.mustShow(pending[:strings.Index(pending, "。")])
				done := strings.Split(h.text(model.ZH, r.done, "time", "|"), "|")[0]

				h.advance(lateRetry) // still silent
				h.mustShow(pending[:strings.Index(pending, "。")])
				if !waitingLate(h) {
					t.Fatal("the screen stopped waiting for the answer")
				}
				if leave {
					h.press(keyEnter) // back to the list
					h.mustShow(h.text(model.ZH, txtVehTitle))
				}
				f.mu.Lock()
				f.result = answer
				f.mu.Unlock()
				h.advance(lateRetry)
				if leave {
					h.mustNotShow(done)
					h.mustShow(h.text(model.ZH, txtVehTitle))
				} else {
					h.mustShow(done)
					h.mustNotShow(pending[:strings.Index(pending, "。")])
				}
				h.advance(lateRetry)
				if waitingLate(h) {
					t.Fatal("still waiting after the answer or after the person left")
				}
			})
		}
	}
}

// waitingLate reports whether a late answer's next wait is due.
func waitingLate(h *harness) bool {
	for _, m := range h.timers {
		if _, ok := m.(lateRetryMsg); ok {
			return true
		}
	}
	return false
}

// boundFake is the link fake whose every person is bound, since a month, to owner's 粤B9H6T1.
type boundFake struct {
	*linkFake
	owner model.IDNumber
}

func (f boundFake) Lookup(ctx context.Context, id model.IDNumber, file model.FileNumber) (service.Looked, error) {
	l, err := f.linkFake.Lookup(ctx, id, file)
	if err == nil {
		since := testNow.AddDate(0, -1, 0)
		l.Vehicles = append(l.Vehicles, api.Vehicle{PlateType: "02", PlateNumber: "粤B9H6T1", OwnerKind: "personal",
			OwnerID: string(f.owner), Use: "non_operating", Relation: "bound", Since: &since})
	}
	return l, err
}

// The pay screen starts from the person's own decisions: another person's decision on a car
// this person is bound to is listed but not ticked.
func TestPayStartsFromOwnDecisions(t *testing.T) {
	h := newHarness(t)
	p := persona(t, "parking")
	looked, err := h.svc.Lookup(context.Background(), p.ID, p.File)
	if err != nil {
		t.Fatal(err)
	}
	decided := testNow.AddDate(0, 0, -3)
	bound := api.Vehicle{PlateType: "02", PlateNumber: "粤B9H6T1", Relation: "bound", OwnerKind: "personal",
		OwnerID: "44030619630119128X", Use: "non_operating", Since: &decided}
	looked.Vehicles = append(looked.Vehicles, bound)
	decision := func(id, plate, driver string) api.Violation {
		return api.Violation{ID: id, Status: string(model.StatusProcessed), Points: 0, FineFen: 20000, PlateType: "02",
			PlateNumber: plate, Code: "1039", Source: "non_on_site", Time: testNow.AddDate(0, 0, -10), Place: "深南大道",
			Decision: "4403002026000001X", DriverID: driver, DecidedAt: &decided, DueDate: model.DateOf(testNow.AddDate(0, 0, 12)).String()}
	}
	looked.Violations = append(looked.Violations, decision("own-1", "粤B7Q2M5", string(p.ID)),
		decision("other-1", "粤B9H6T1", "44030619630119128X"))
	s := newSession(h.m.c, p.ID, p.File, looked)
	pay := newPay(h.m.c, s, nil)
	ticked := map[string]bool{}
	listed := map[string]bool{}
	for k, i := range pay.cands {
		id := s.judged.items[i].wire.ID
		listed[id] = true
		ticked[id] = pay.selected[k]
	}
	if !listed["own-1"] || !listed["other-1"] || !ticked["own-1"] || ticked["other-1"] {
		t.Fatalf("listed %v, ticked %v: want both listed, only the person's own ticked", listed, ticked)
	}
}

// Without a card terminal the payment menu has no card choice and no gap in its numbers: 2 is
// "pay later", and it works.
func TestPayMenuNumbersWithoutACardTerminal(t *testing.T) {
	h := newHarness(t)
	p := persona(t, "parking")
	looked, err := h.svc.Lookup(context.Background(), p.ID, p.File)
	if err != nil {
		t.Fatal(err)
	}
	c := h.m.c
	c.Devices.Card = nil
	pay := newPay(c, newSession(c, p.ID, p.File, looked), nil)
	pay.phase = payMethod
	view := ansi.Strip(pay.methodView())
	if !strings.Contains(view, "[1] "+c.T(txtPayByQR)) || !strings.Contains(view, "[2] "+c.T(txtPayLater)) ||
		strings.Contains(view, "[3]") || strings.Contains(view, c.T(txtPayByCard)) {
		t.Fatalf("menu without a card terminal:\n%s", view)
	}
	pay.onMethodKey(tea.KeyPressMsg{Code: '2', Text: "2"})
	if pay.phase != payLater {
		t.Fatalf("2 led to phase %v, want pay later", pay.phase)
	}
}
