package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/device"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/uplink"
)

var keySpace = tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
var keyF9 = tea.KeyPressMsg{Code: tea.KeyF9}
var keyDown = tea.KeyPressMsg{Code: tea.KeyDown}

// candidate returns the position in the process list of the candidate with these points.
func (p *process) candidateWithPoints(t *testing.T, points int) int {
	t.Helper()
	for k, i := range p.cands {
		if p.s.judged.items[i].v.Points == points {
			return k
		}
	}
	t.Fatalf("no candidate with %d points", points)
	return -1
}

// candidatesWithPoints lists every candidate carrying that many points.
func (p *process) candidatesWithPoints(t *testing.T, points int) []int {
	t.Helper()
	var out []int
	for k, i := range p.cands {
		if p.s.judged.items[i].v.Points == points {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no candidate with %d points", points)
	}
	return out
}

// The nine-point driver: the 3-point violation is refused with its reason, the 1-point one is
// processed (decision number, points now 10), then paid by phone, marked paid by the staff key,
// and the receipt is shown and printed.
func TestProcessThenPayByQR(t *testing.T) {
	s := newStack(t, "national")
	h := newStackHarness(t, s)
	h.identifyAs(s.persona(t, "nine-points"))
	h.typeText("1")
	if h.m.id != processID {
		t.Fatalf("not on the process screen:\n%s", h.view())
	}
	p := h.m.screen.(*process)
	three, one := p.candidateWithPoints(t, 3), p.candidateWithPoints(t, 1)

	p.list.move(three - p.list.cursor)
	h.press(keySpace)
	h.mustShow(h.text(model.ZH, txtVerdictNotHere)) // the list says why it cannot be processed
	if p.selected[three] {
		t.Fatal("the 3-point violation was selected")
	}
	reason := p.prob
	if reason == nil || reason.reason == nil || reason.reason.Code != model.ReasonPointsReachFullAlone {
		t.Fatalf("refusal reason = %+v", reason)
	}
	h.mustShow(strings.SplitN(h.m.c.Reason(*reason.reason).Message, "，", 2)[0])

	p.list.move(one - p.list.cursor)
	h.press(keySpace)
	h.mustShow(h.text(model.ZH, txtProcessForecast, "n", "1", "adding", "1", "fine", model.Fen(p.sel.Fine).YuanText(),
		"current", "9", "after", "10", "full", "12"))
	h.press(keyEnter)
	h.mustShow(h.text(model.ZH, txtProcessLegal)[:30])
	h.typeText("1")
	h.mustShow(h.text(model.ZH, txtProcessApplied), h.text(model.ZH, txtProcessPointsNow, "n", "10"))
	if p.outcome.result == nil || len(p.outcome.result.Decisions) != 1 {
		t.Fatalf("no decision: %+v", p.outcome)
	}
	h.mustShow(p.outcome.result.Decisions[0].Number)

	h.typeText("1") // pay now
	if h.m.id != payID {
		t.Fatalf("not on the pay screen:\n%s", h.view())
	}
	pay := h.m.screen.(*pay)
	if len(pay.chosen()) != 1 || pay.chosen()[0].wire.ID != p.outcome.result.Decisions[0].ViolationID {
		t.Fatalf("the decided violation is not preselected: %d chosen", len(pay.chosen()))
	}
	h.press(keyEnter)
	h.typeText("1")
	if pay.phase != payQR || pay.qr == "" {
		t.Fatalf("no QR code: phase %d, problem %+v\n%s", pay.phase, pay.prob, h.view())
	}
	h.mustShow(h.text(model.ZH, txtPayQRWaiting))
	h.advance(pollEvery) // a poll: still waiting
	if pay.phase != payQR {
		t.Fatalf("left the QR screen before payment:\n%s", h.view())
	}
	h.press(keyF9)
	if pay.phase != payDone {
		t.Fatalf("not done after the staff key:\n%s", h.view())
	}
	h.mustShow(h.text(model.ZH, txtPayDone), h.text(model.ZH, txtReceiptPrinted))
	files, _ := os.ReadDir(s.receipts)
	if len(files) != 3 { // the processing's receipt, the penalty decision and the payment's receipt
		t.Fatalf("%d receipts printed, want 3", len(files))
	}
	var all string
	for _, f := range files {
		b, _ := os.ReadFile(s.receipts + "/" + f.Name())
		all += string(b)
	}
	for _, want := range []string{h.text(model.ZH, txtDecisionTitle), "行政复议", "行政诉讼", "未缴纳", "决定书 4403", "滞纳金 0.00元"} {
		if !strings.Contains(all, want) {
			t.Errorf("the printed documents lack %q:\n%s", want, all)
		}
	}
	for _, f := range files {
		b, _ := os.ReadFile(s.receipts + "/" + f.Name())
		if strings.Contains(string(b), string(s.persona(t, "nine-points").ID)) {
			t.Errorf("receipt %s holds the full ID number", f.Name())
		}
	}
	h.typeText("2") // back to the records: refreshed, the violation is paid
	h.mustShow(h.text(model.ZH, txtVerdictPaid))
}

// A decided, overdue fine paid by card: the late fee is in the amount, the payment goes through
// the outbox, and the receipt carries the card's reference.
func TestPayOverdueByCard(t *testing.T) {
	s := newStack(t, "national")
	h := newStackHarness(t, s)
	h.identifyAs(s.persona(t, "overdue"))
	h.mustShow("150.00元")
	h.typeText("2")
	pay := h.m.screen.(*pay)
	if len(pay.chosen()) != 1 || pay.total() != 35000 {
		t.Fatalf("chosen %d, total %v", len(pay.chosen()), pay.total())
	}
	h.press(keyEnter)
	h.typeText("2")
	if pay.phase != payDone {
		t.Fatalf("card payment did not finish: %+v\n%s", pay.prob, h.view())
	}
	h.mustShow("SIMCARD-", h.text(model.ZH, txtPayDone))
	if pay.sub.result == nil {
		t.Fatal("the platform did not confirm the card payment")
	}
}

// While a phone payment is under way the screen waits as long as the order can be paid, the one
// deadline it shows: two minutes without a key leave the code on screen (the list's 90 s would
// have wiped it); the idle warning comes before the order's end without covering the code; and
// the session ends with the order.
func TestQRPaymentWaitsLongerThanAList(t *testing.T) {
	h, pay := overdueAtQR(t)
	if pay.phase != payQR || pay.qr == "" {
		t.Fatalf("no QR code:\n%s", h.view())
	}
	h.mustShow(h.text(model.ZH, txtPayQRExpires, "time", pay.order.ExpiresAt.In(model.ChinaZone()).Format("15:04")))
	for i := 0; i < 4; i++ {
		h.advance(30 * time.Second)
	}
	if h.m.id != payID || pay.phase != payQR || h.m.idle.warning {
		t.Fatalf("after 2 minutes the QR screen is gone or warned:\n%s", h.view())
	}
	codeLines := 0
	for _, l := range strings.Split(h.view(), "\n") {
		if strings.ContainsAny(l, qrGlyphs) {
			codeLines++
		}
	}
	for h.m.id == payID && !h.m.idle.warning && h.now.Before(pay.order.ExpiresAt) {
		h.advance(10 * time.Second)
	}
	if !h.m.idle.warning || !h.now.Before(pay.order.ExpiresAt) {
		t.Fatalf("no warning before the order's end (%v, order until %v):\n%s", h.now, pay.order.ExpiresAt, h.view())
	}
	covered := codeLines
	for _, l := range strings.Split(h.view(), "\n") {
		if strings.ContainsAny(l, qrGlyphs) {
			covered--
		}
	}
	if codeLines == 0 || covered != 0 {
		t.Fatalf("the warning covers %d of the code's %d lines:\n%s", covered, codeLines, h.view())
	}
	for i := 0; i < 10 && h.m.id != welcomeID; i++ {
		h.advance(10 * time.Second)
	}
	if h.m.id != welcomeID || h.m.session != nil {
		t.Fatalf("the payment screen never timed out:\n%s", h.view())
	}
}

// countingCard is a card terminal that counts its charges.
type countingCard struct {
	device.SimCard
	charges int
}

func (c *countingCard) Charge(ctx context.Context, amount model.Fen, order string) (string, error) {
	c.charges++
	return c.SimCard.Charge(ctx, amount, order)
}

// Offline, the policy is asked before the card is charged: a payment above the offline limit
// is refused with its reason and the card is never charged (money taken could not be refused
// afterwards: it is a fact to record).
func TestOfflineCardPaymentOverTheLimitChargesNothing(t *testing.T) {
	s := newStack(t, "national")
	pol := s.profile.Offline.Ops[api.OpPay]
	pol.MaxAmount = 10000 // 100 yuan; the overdue fine is 350
	s.profile.Offline.Ops[api.OpPay] = pol
	card := &countingCard{}
	h := newStackHarness(t, s, func(o *Options) { o.Devices.Card = card })
	h.identifyAs(s.persona(t, "overdue"))
	s.http.Close()
	for start := time.Now(); s.engine.Status().State == uplink.Online; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatal("the kiosk never noticed the server was gone")
		}
	}
	h.typeText("2")
	h.press(keyEnter)
	h.typeText("2")
	pay := h.m.screen.(*pay)
	if card.charges != 0 {
		t.Fatalf("the card was charged %d times", card.charges)
	}
	if pay.phase != payMethod || pay.prob == nil || pay.prob.reason == nil {
		t.Fatalf("no refusal with a reason: %+v\n%s", pay.prob, h.view())
	}
	h.mustShow("! " + strings.SplitN(h.m.c.Reason(*pay.prob.reason).Message, "，", 2)[0])
}

// Esc on a selection with ticked items asks first: any key but 1 keeps the ticks, 1 drops them
// and goes back. Nothing ticked (or the pay screen's own preselection untouched) leaves at once.
func TestEscAsksBeforeDroppingTicks(t *testing.T) {
	s := newStack(t, "national")
	h := newStackHarness(t, s)
	h.identifyAs(s.persona(t, "nine-points"))
	ask := strings.SplitN(h.text(model.ZH, txtDiscardAsk, "n", "1"), "？", 2)[0]

	h.typeText("1")
	p := h.m.screen.(*process)
	h.press(keyEsc)
	if h.m.id != overviewID {
		t.Fatalf("Esc with nothing ticked did not go back:\n%s", h.view())
	}

	h.typeText("1")
	p = h.m.screen.(*process)
	p.list.move(p.candidateWithPoints(t, 1) - p.list.cursor)
	h.press(keySpace)
	for _, keep := range []tea.KeyPressMsg{keyEsc, keyEnter} {
		h.press(keyEsc)
		h.mustShow(ask)
		h.press(keep)
		if h.m.id != processID || len(p.selected) != 1 {
			t.Fatalf("%s after the question dropped the ticks (screen %v, %d ticked)", keep, h.m.id, len(p.selected))
		}
		h.mustNotShow(ask)
	}
	h.press(keyEsc)
	h.typeText("1")
	if h.m.id != overviewID {
		t.Fatalf("1 did not drop the ticks and go back:\n%s", h.view())
	}

	h.typeText("2") // pay: every payable fine is preselected
	if h.m.id != payID {
		t.Fatalf("not on the pay screen:\n%s", h.view())
	}
	h.press(keyEsc)
	if h.m.id != overviewID {
		t.Fatalf("Esc on an untouched pay selection did not go back:\n%s", h.view())
	}
}

// Once the phone has paid, the receipt has the normal timeout again, not the QR code's longer
// one: the answer that ends the wait (not a key) restarts the timer.
func TestReceiptAfterQRPaymentTimesOutNormally(t *testing.T) {
	h, pay := overdueAtQR(t)
	h.press(keyF9)
	if pay.phase != payDone {
		t.Fatalf("not paid:\n%s", h.view())
	}
	h.advance(h.m.opts.IdleTimeout - h.m.opts.IdleWarning + time.Second)
	if !h.m.idle.warning {
		t.Fatalf("no idle warning on the receipt after %s:\n%s", h.m.opts.IdleTimeout-h.m.opts.IdleWarning, h.view())
	}
	h.advance(h.m.opts.IdleWarning)
	if h.m.id != welcomeID || h.m.session != nil {
		t.Fatalf("the receipt did not time out:\n%s", h.view())
	}
}

// overdueAtQR is the overdue persona on the real stack, paying the overdue fine by QR code.
func overdueAtQR(t *testing.T) (*harness, *pay) {
	s := newStack(t, "national")
	h := newStackHarness(t, s)
	h.identifyAs(s.persona(t, "overdue"))
	h.typeText("2")
	h.press(keyEnter)
	h.typeText("1")
	return h, h.m.screen.(*pay)
}

// countingFace answers every check with result (or err) and counts the checks.
type countingFace struct {
	result device.FaceResult
	err    error
	checks *int
}

func (countingFace) Info() device.Info { return device.Info{Name: "test camera"} }
func (f countingFace) Verify(context.Context, model.IDNumber) (device.FaceResult, error) {
	*f.checks++
	return f.result, f.err
}

// A face check that does not match, cannot decide or fails sends the person to a counter with
// the cause, and never checks again in the session: going back and trying again leads to the
// same counter message without a second check.
func TestFaceCheckFailureSendsToACounterOnce(t *testing.T) {
	cases := []struct {
		name   string
		result device.FaceResult
		err    error
		why    textKey
	}{
		{"no match", device.FaceNoMatch, nil, txtFaceFailed},
		{"uncertain", device.FaceUncertain, nil, txtFaceUncertain},
		{"device error", 0, errors.New("camera unplugged"), txtFaceError},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newStack(t, "national")
			checks := 0
			h := newStackHarness(t, s, func(o *Options) {
				o.Devices.Face = countingFace{result: tc.result, err: tc.err, checks: &checks}
			})
			h.identifyAs(s.persona(t, "nine-points"))
			for attempt := 1; attempt <= 2; attempt++ {
				h.typeText("1")
				p := h.m.screen.(*process)
				p.list.move(p.candidateWithPoints(t, 1) - p.list.cursor)
				h.press(keySpace, keyEnter)
				if p.phase != procFace {
					t.Fatalf("attempt %d: not at the face check:\n%s", attempt, h.view())
				}
				h.mustShow(h.text(model.ZH, tc.why), strings.SplitN(h.text(model.ZH, txtFaceCounter), "，", 2)[0])
				h.press(keyEnter) // no retry
				if p.phase != procFace || checks != 1 {
					t.Fatalf("attempt %d: phase %d after Enter, %d checks; want the counter message and 1 check", attempt, p.phase, checks)
				}
				h.press(keyEsc) // back to the selection
				h.press(keyEsc) // asks: drop the ticked one?
				h.typeText("1") // yes: back to the records
				if h.m.id != overviewID {
					t.Fatalf("attempt %d: not back on the overview:\n%s", attempt, h.view())
				}
			}
		})
	}
}

// failingPrinter fails every print with err.
type failingPrinter struct{ err error }

func (failingPrinter) Info() device.Info                                   { return device.Info{Name: "test printer"} }
func (p failingPrinter) Print(context.Context, device.Doc) (string, error) { return "", p.err }

// A printer out of paper or offline is named as such on the result, and the receipt is shown
// on screen instead, with the decision number and the masked ID.
func TestPrinterFailureShowsTheReceiptOnScreen(t *testing.T) {
	for _, tc := range []struct {
		err  error
		says textKey
	}{
		{fmt.Errorf("%w: paper sensor", device.ErrPaperOut), txtReceiptPaperOut},
		{fmt.Errorf("%w: no answer from tcp://127.0.0.1:9100", device.ErrPrinterOffline), txtReceiptOffline},
		{errors.New("something else"), txtReceiptPrintFailed},
	} {
		s := newStack(t, "national")
		h := newStackHarness(t, s, func(o *Options) { o.Devices.Printer = failingPrinter{err: tc.err} })
		who := s.persona(t, "nine-points")
		h.identifyAs(who)
		h.typeText("1")
		p := h.m.screen.(*process)
		p.list.move(p.candidateWithPoints(t, 1) - p.list.cursor)
		h.press(keySpace, keyEnter)
		h.typeText("1")
		if p.phase != procResult || p.outcome.result == nil {
			t.Fatalf("no result:\n%s", h.view())
		}
		h.mustShow(strings.SplitN(h.text(model.ZH, tc.says), "。", 2)[0], h.text(model.ZH, txtReceiptProcess),
			who.ID.Masked(), p.outcome.result.Decisions[0].Number)
		h.mustNotShow(h.text(model.ZH, txtReceiptPrinted), string(who.ID))
	}
}

// brokenLineCard is a card terminal whose charge never says how it ended; its own record
// answers state (or statusErr).
type brokenLineCard struct {
	state     device.ChargeState
	statusErr error
	charges   *int
}

func (brokenLineCard) Info() device.Info { return device.Info{Name: "test card terminal"} }
func (c brokenLineCard) Charge(context.Context, model.Fen, string) (string, error) {
	*c.charges++
	return "", errors.New("no answer from the terminal")
}
func (c brokenLineCard) Status(context.Context, string) (device.ChargeState, string, error) {
	return c.state, "CARD-REF-1", c.statusErr
}
func (brokenLineCard) Refund(context.Context, string, model.Fen) error { return nil }

// A charge that ends without an answer is settled by the terminal's own record: approved is
// recorded as paid; not charged says nothing was taken; unknown sends the person to a counter
// with the order number, and the card is not offered again, so money is never taken twice.
func TestCardChargeWithoutAnAnswer(t *testing.T) {
	for _, tc := range []struct {
		name      string
		state     device.ChargeState
		statusErr error
		want      payPhase
		says      textKey
	}{
		{"approved", device.ChargeApproved, nil, payDone, txtPayDone},
		{"not charged", device.ChargeNone, nil, payMethod, txtPayCardFailed},
		{"unknown", 0, errors.New("terminal unreachable"), payMethod, txtPayCardUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStack(t, "national")
			charges := 0
			h := newStackHarness(t, s, func(o *Options) {
				o.Devices.Card = brokenLineCard{state: tc.state, statusErr: tc.statusErr, charges: &charges}
			})
			h.identifyAs(s.persona(t, "overdue"))
			h.typeText("2")
			pay := h.m.screen.(*pay)
			h.press(keyEnter)
			h.typeText("2")
			if pay.phase != tc.want {
				t.Fatalf("phase %d, want %d:\n%s", pay.phase, tc.want, h.view())
			}
			h.mustShow(strings.SplitN(h.text(model.ZH, tc.says, "order", pay.cardOp.ID), "。", 2)[0])
			if tc.name == "unknown" {
				h.mustShow(pay.cardOp.ID)
				h.typeText("2") // the card again
				if charges != 1 || pay.phase != payMethod {
					t.Fatalf("the card was charged again (%d charges, phase %d)", charges, pay.phase)
				}
			}
			if tc.name == "approved" && (pay.sub.result == nil || !strings.Contains(h.view(), "CARD-REF-1")) {
				t.Fatalf("the approved charge was not recorded with its reference:\n%s", h.view())
			}
		})
	}
}
