package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/device"
	"github.com/hallkiosk/kiosk/model"
)

// lateService is the fake platform answering late: until answer is set, every wait for an
// operation's answer ends with nothing, as the real wait does when the platform is silent;
// then the answer is the fake's own, or reject's reasons when set.
type lateService struct {
	*fakeService
	answer bool
	reject []api.Reason
	waits  int
}

func (l *lateService) Await(ctx context.Context, seq int64) (*api.OpResult, error) {
	l.waits++
	if !l.answer {
		return nil, nil
	}
	r, err := l.fakeService.Await(ctx, seq)
	if r != nil && l.reject != nil {
		r = &api.OpResult{OpID: r.OpID, Seq: r.Seq, Outcome: api.OutcomeRejected, Reasons: l.reject}
	}
	return r, err
}

// A processing the platform answers only after the screen said "pending confirmation": the
// screen keeps waiting while the person is on it and then shows the answer, applied or
// rejected with its reasons, saying the receipt was not printed again.
func TestResultShowsTheLateAnswer(t *testing.T) {
	for _, reject := range []bool{false, true} {
		f := &lateService{fakeService: newFakeService(t)}
		if reject {
			f.reject = []api.Reason{{Code: string(model.ReasonAlreadyProcessed)}}
		}
		printer := &countingPrinter{}
		h := &harness{t: t, svc: f.fakeService, now: testNow}
		h.start(testOptions(t), f, []func(*Options){func(o *Options) {
			o.Profile = testProfile(t, "national")
			o.Devices = device.Set{Face: device.SimFace{}, Printer: printer}
		}})
		h.identifyAs(persona(t, "borrower-late"))
		h.typeText("1")
		p := h.m.screen.(*process)
		h.press(keySpace)
		h.press(keyEnter)
		h.typeText("1")
		if p.phase != procResult {
			t.Fatalf("not on the result:\n%s", h.view())
		}
		h.mustShow(strings.SplitN(h.text(model.ZH, txtSubmitPending, "op", p.outcome.op.ID), "。", 2)[0])
		h.advance(lateRetry) // still silent: the screen keeps waiting
		h.mustShow(strings.SplitN(h.text(model.ZH, txtSubmitPending, "op", p.outcome.op.ID), "。", 2)[0])
		before := f.waits
		f.answer = true
		h.advance(lateRetry)
		if f.waits <= before {
			t.Fatal("the screen stopped waiting for the answer")
		}
		if reject {
			h.mustShow(h.text(model.ZH, txtProcessRejected),
				strings.SplitN(h.m.c.Reason(model.Reason{Code: model.ReasonAlreadyProcessed}).Message, "，", 2)[0])
		} else {
			h.mustShow(h.text(model.ZH, txtProcessApplied), p.outcome.result.Decisions[0].Number)
		}
		h.mustShow(strings.SplitN(h.text(model.ZH, txtResultAnsweredLate), "。", 2)[0])
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

// countingPrinter counts the receipts printed.
type countingPrinter struct{ n int }

func (p *countingPrinter) Info() device.Info { return device.Info{Name: "test printer"} }
func (p *countingPrinter) Print(context.Context, device.Doc) (string, error) {
	p.n++
	return "test printer", nil
}

// flakyPrinter fails its first print (the receipt) and prints everything after.
type flakyPrinter struct{ n int }

func (p *flakyPrinter) Info() device.Info { return device.Info{Name: "test printer"} }
func (p *flakyPrinter) Print(context.Context, device.Doc) (string, error) {
	p.n++
	if p.n == 1 {
		return "", device.ErrPaperOut
	}
	return "test printer", nil
}

// The receipt did not print; the decisions a late answer brings then print: the screen keeps
// saying the receipt failed (and shows it), never that it was printed.
func TestLateDecisionsDoNotReportTheReceiptPrinted(t *testing.T) {
	f := &lateService{fakeService: newFakeService(t)}
	printer := &flakyPrinter{}
	h := &harness{t: t, svc: f.fakeService, now: testNow}
	h.start(testOptions(t), f, []func(*Options){func(o *Options) {
		o.Profile = testProfile(t, "national")
		o.Devices = device.Set{Face: device.SimFace{}, Printer: printer}
	}})
	h.identifyAs(persona(t, "borrower-late"))
	h.typeText("1")
	p := h.m.screen.(*process)
	h.press(keySpace)
	h.press(keyEnter)
	h.typeText("1")
	if p.phase != procResult || p.printErr == nil {
		t.Fatalf("the receipt's print did not fail: %v\n%s", p.printErr, h.view())
	}
	f.answer = true
	h.advance(lateRetry)
	if p.outcome.result == nil || p.printErr == nil {
		t.Fatalf("after the late answer: result %+v, receipt's print error %v", p.outcome.result, p.printErr)
	}
	// The decisions' print, on its own request, comes out: the receipt's failure stands.
	p.docsReq = h.m.c.newRequest()
	h.send(printedMsg{req: p.docsReq, where: "test printer"})
	if p.printErr == nil || p.docsReq != 0 {
		t.Fatalf("the decisions' print answered the receipt's: receipt error %v, decisions request %d", p.printErr, p.docsReq)
	}
	h.mustNotShow(h.text(model.ZH, txtReceiptPrinted))
	// And a decisions' print that fails is said, not hidden behind a printed receipt.
	p.printErr = nil
	p.docsReq = h.m.c.newRequest()
	h.send(printedMsg{req: p.docsReq, err: device.ErrPaperOut})
	h.mustShow(strings.SplitN(h.text(model.ZH, txtReceiptPaperOut), "，", 2)[0])
}
