package ui

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/device"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/service"
	"github.com/hallkiosk/kiosk/uplink"
)

// pay is the payment flow: choose the decided fines to pay (late fees included up to today),
// then how: by phone with a QR code (the platform records the payment when the channel
// confirms it; the kiosk polls), by bank card through the card terminal (the kiosk records the
// payment as an operation, so it works offline too), or later (the due date and the late-fee
// rule are stated). A receipt ends it.
type pay struct {
	c    *Common
	s    *session
	w, h int
	lang model.Lang
	only []string // violation ids to preselect (just decided); nil selects every payable one

	detail   detailPane // everything about the highlighted violation
	phase    payPhase
	cands    []int
	list     *itemList
	selected map[int]bool
	changed  bool // the person ticked or unticked something
	discard  discardAsk
	prob     *problem
	pending  uint64

	order         api.PayOrder // the phone payment's order
	qr            string       // its code, drawn once
	polling       bool
	cardOp        api.Op     // the card payment's operation, made before the card is charged
	sub           submitted  // the card payment's operation as queued
	late          lateWaiter // the card payment's answer after "pending confirmation"
	rec           Receipt    // the receipt as recorded
	receipt       string     // the receipt as shown (and printed, until a late answer)
	printed       string
	printErr      error // the printer failed: the receipt is shown on screen
	confirmCancel bool  // Esc was pressed on the QR screen once: a second Esc gives the order up
	// cardUnknown is the order of a card payment whose outcome nobody could tell: the card is
	// not offered again in this payment, so money is never taken twice.
	cardUnknown string
}

type payPhase int

const (
	payLoading payPhase = iota // the record is being refreshed after processing
	paySelect
	payMethod
	payQR
	payCard
	payLater
	payDone
)

type (
	orderMsg struct {
		req   uint64
		order api.PayOrder
		err   error
	}
	pollMsg struct{ req uint64 }
	// chargedMsg is the card terminal's answer, or the offline policy's refusal before it
	// was asked.
	chargedMsg struct {
		req     uint64
		ref     string
		refused []model.Reason
		err     error // the card terminal's error (declined, no answer)
		unknown bool  // neither the charge nor the terminal's status could say what happened
	}
)

// pollEvery is how often the QR screen asks the platform whether the order was paid.
const pollEvery = 2 * time.Second

func newPay(c *Common, s *session, only []string) *pay {
	p := &pay{c: c, s: s, lang: c.Lang, only: only, phase: paySelect}
	if s.stale {
		p.phase = payLoading
		return p
	}
	p.build()
	return p
}

func (p *pay) build() {
	p.cands, p.selected, p.changed = nil, map[int]bool{}, false
	want := map[string]bool{}
	for _, id := range p.only {
		want[id] = true
	}
	for i, it := range p.s.judged.items {
		if it.payable {
			// Ticked at the start: the decisions just made here, or else the person's own
			// decisions. Another person's decision on a vehicle this person may act for (a bound
			// or followed car) is listed, unticked: paying it is a choice.
			own := it.wire.DriverID == "" || it.wire.DriverID == string(p.s.id)
			if p.only == nil && own || want[it.wire.ID] {
				p.selected[len(p.cands)] = true
			}
			p.cands = append(p.cands, i)
		}
	}
	p.list = pickList(p.c, p.s, p.cands, p.renderItem)
}

func (p *pay) Init() tea.Cmd {
	if p.phase != payLoading || p.c.Services == nil {
		return nil
	}
	var cmd tea.Cmd
	p.pending, cmd = lookupAgain(p.c, p.s)
	return cmd
}

func (p *pay) SetSize(w, h int)  { p.w, p.h = w, h }
func (p *pay) HelpText() textKey { return txtHelpPay }

// Timeout is longer while a payment is under way: a phone payment takes a while, and wiping
// the screen then would leave the person without a receipt.
func (p *pay) Timeout() time.Duration {
	switch {
	case p.phase == payQR && !p.order.ExpiresAt.IsZero():
		// One deadline: the screen waits as long as the order can be paid (the time it shows),
		// and no less than a screen's usual wait.
		return max(p.order.ExpiresAt.Sub(p.c.Now()), p.c.IdleTimeout)
	case p.phase == payQR || p.phase == payCard:
		return max(p.c.IdleTimeout, 3*time.Minute)
	}
	return p.c.IdleTimeout
}

// KeepMiddle says the screen's middle must stay visible: the idle warning goes below it rather
// than over the payment code.
func (p *pay) KeepMiddle() bool { return p.phase == payQR }

func (p *pay) Help() []key.Binding {
	k := p.c.Keys
	switch p.phase {
	case paySelect:
		if p.discard.asking {
			return p.discard.help(k)
		}
		if p.detail.open {
			return []key.Binding{k.Move, k.PageDown, k.Back}
		}
		return []key.Binding{k.Move, k.Toggle, k.Detail, k.Confirm, k.Back}
	case payQR:
		if p.c.SimulatedPayments {
			return []key.Binding{k.DemoPaid, k.Back}
		}
		return []key.Binding{k.Back}
	case payCard:
		return nil // the card terminal has the person's attention; keys wait for its answer
	case payLater:
		return []key.Binding{k.Finish, k.Back}
	case payDone:
		return []key.Binding{k.Finish}
	}
	return []key.Binding{k.Back}
}

func (p *pay) chosen() []judged {
	var out []judged
	for k, i := range p.cands {
		if p.selected[k] {
			out = append(out, p.s.judged.items[i])
		}
	}
	return out
}

func (p *pay) total() model.Fen {
	var t model.Fen
	for _, it := range p.chosen() {
		t += it.due.Total()
	}
	return t
}

// totalLine is the chosen count and total, naming the late fees in it when there are any.
func (p *pay) totalLine() string {
	var late model.Fen
	for _, it := range p.chosen() {
		late += it.due.LateFee
	}
	n, amount := strconv.Itoa(len(p.chosen())), p.c.Money(p.total())
	if late > 0 {
		return p.c.T(txtPayTotalLate, "n", n, "amount", amount, "late", p.c.Money(late))
	}
	return p.c.T(txtPayTotal, "n", n, "amount", amount)
}

func (p *pay) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return p, p.onKey(msg)
	case refreshedMsg:
		if !answered(&p.pending, msg.req) {
			return p, nil
		}
		if msg.err == nil {
			p.s.update(p.c, msg.looked)
		} else {
			p.prob = &problem{text: txtOverviewRefreshFailed}
		}
		p.phase = paySelect
		p.build()
	case orderMsg:
		if answered(&p.pending, msg.req) {
			return p, p.onOrder(msg)
		}
	case pollMsg:
		if msg.req == p.pending && p.phase == payQR {
			return p, p.poll()
		}
	case chargedMsg:
		if answered(&p.pending, msg.req) {
			return p, p.onCharged(msg)
		}
	case submittedMsg:
		if answered(&p.pending, msg.req) {
			return p, p.onRecorded(msg.sub)
		}
	case lateAnswerMsg, lateRetryMsg:
		r, cmd := p.late.update(p.c, msg)
		if r != nil && p.phase == payDone {
			p.onLateAnswer(r)
		}
		return p, cmd
	case printedMsg:
		if answered(&p.pending, msg.req) {
			p.printed, p.printErr = msg.where, msg.err
		}
	}
	return p, nil
}

func (p *pay) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := p.c.Keys
	switch p.phase {
	case paySelect:
		return p.onSelectKey(msg)
	case payMethod:
		return p.onMethodKey(msg)
	case payQR:
		switch {
		case p.c.SimulatedPayments && key.Matches(msg, k.DemoPaid):
			return p.orderCall(p.c.Services.SimulatePaid)
		case key.Matches(msg, k.Back):
			if !p.confirmCancel {
				p.confirmCancel = true
				return nil
			}
			p.confirmCancel = false
			return p.orderCall(p.c.Services.CancelPayOrder)
		case key.Matches(msg, k.Confirm):
			p.confirmCancel = false
		}
	case payLater:
		if key.Matches(msg, k.Back) {
			p.phase = payMethod
		} else if d, ok := digit(msg); ok && d == '0' {
			return navigate(navWelcome{})
		}
	case payDone:
		d, ok := digit(msg)
		switch {
		case ok && d == '0':
			return navigate(navWelcome{})
		case ok && d == '2', key.Matches(msg, k.Back):
			return navigate(navOverview{})
		}
	case payCard:
		// The card terminal has the person's attention; nothing here until it answers.
	}
	return nil
}

func (p *pay) onSelectKey(msg tea.KeyPressMsg) tea.Cmd {
	k := p.c.Keys
	switch {
	case p.detail.key(p.c, msg, p.h-2):
	case key.Matches(msg, k.Detail) && p.list.cursor >= 0 && !p.discard.asking:
		p.detail.show(p.s.judged.items[p.cands[p.list.cursor]])
	case p.discard.asking:
		if p.discard.answer(msg) {
			return navigate(navOverview{})
		}
	case p.list.scroll(msg, k, p.listHeight()):
	case key.Matches(msg, k.Back):
		if p.discard.back(p.changed && len(p.selected) > 0) {
			return navigate(navOverview{})
		}
	case key.Matches(msg, k.Confirm):
		if len(p.chosen()) == 0 {
			p.prob = &problem{text: txtPayNothingSelected}
			return nil
		}
		p.prob, p.phase = nil, payMethod
	default:
		if i := pickedItem(p.list, msg, k); i >= 0 {
			p.toggle(i)
		}
	}
	return nil
}

func (p *pay) toggle(k int) {
	if k < 0 || k >= len(p.cands) {
		return
	}
	p.prob, p.changed = nil, true
	p.selected[k] = !p.selected[k]
	if !p.selected[k] {
		delete(p.selected, k)
	}
	p.list.redraw(k)
}

func (p *pay) onMethodKey(msg tea.KeyPressMsg) tea.Cmd {
	if key.Matches(msg, p.c.Keys.Back) {
		p.phase, p.prob = paySelect, nil
		return nil
	}
	d, ok := digit(msg)
	if !ok {
		return nil
	}
	p.prob = nil
	ms := p.methods()
	i := int(d - '1')
	if i < 0 || i >= len(ms) {
		return nil
	}
	switch ms[i] {
	case txtPayByQR:
		return p.startQR()
	case txtPayByCard:
		if p.cardUnknown != "" {
			p.prob = &problem{text: txtPayCardUnknown, args: []string{"order", p.cardUnknown}}
			return nil
		}
		return p.startCard()
	case txtPayLater:
		p.phase = payLater
	}
	return nil
}

// methods lists the ways to pay this kiosk offers, in the order they are numbered on screen:
// without a card terminal there is no card choice, and no gap in the numbers either.
func (p *pay) methods() []textKey {
	ms := []textKey{txtPayByQR}
	if p.c.Devices.Card != nil {
		ms = append(ms, txtPayByCard)
	}
	return append(ms, txtPayLater)
}

func (p *pay) items() []api.PayItem {
	var out []api.PayItem
	for _, it := range p.chosen() {
		out = append(out, api.PayItem{ViolationID: it.wire.ID, FineFen: int64(it.due.Fine), LateFeeFen: int64(it.due.LateFee)})
	}
	return out
}

// startQR asks the platform for a payment order. It needs the network; offline the person is
// told so and offered the card or later.
func (p *pay) startQR() tea.Cmd {
	req := api.PayOrderRequest{OrderID: uplink.NewOpID(), PayerID: string(p.s.id), Items: p.items()}
	p.phase, p.order, p.qr, p.confirmCancel = payQR, api.PayOrder{OrderID: req.OrderID}, "", false
	p.pending = p.c.newRequest()
	id, svc := p.pending, p.c.Services
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
		defer cancel()
		o, err := svc.CreatePayOrder(ctx, req)
		return orderMsg{req: id, order: o, err: err}
	}
}

// orderCall runs a call on the current order (simulate paid, cancel) and delivers the answer.
func (p *pay) orderCall(call func(context.Context, string) (api.PayOrder, error)) tea.Cmd {
	p.pending = p.c.newRequest()
	id, order := p.pending, p.order.OrderID
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
		defer cancel()
		o, err := call(ctx, order)
		return orderMsg{req: id, order: o, err: err}
	}
}

func (p *pay) poll() tea.Cmd {
	return p.orderCall(p.c.Services.PayOrder)
}

func (p *pay) onOrder(msg orderMsg) tea.Cmd {
	if msg.err != nil {
		if p.order.Status == api.PayOrderWaiting {
			// A poll failed (the network blinked): keep the code up and ask again.
			p.pending = p.c.newRequest()
			return p.c.After(pollEvery, pollMsg{req: p.pending})
		}
		p.phase = payMethod
		p.prob = &problem{text: txtPayQRNeedsNetwork, args: []string{"state", p.c.linkState()}}
		if !errors.Is(msg.err, service.ErrUnreachable) {
			p.prob = &problem{text: txtPayQRFailed}
		}
		return nil
	}
	p.order = msg.order
	switch msg.order.Status {
	case api.PayOrderWaiting:
		if p.qr == "" {
			qr, err := qrBlock(msg.order.QR)
			if err != nil {
				p.phase, p.prob = payMethod, &problem{text: txtPayQRFailed}
				return nil
			}
			p.qr = qr
		}
		p.pending = p.c.newRequest()
		return p.c.After(pollEvery, pollMsg{req: p.pending})
	case api.PayOrderPaid:
		p.s.stale = true
		rec := p.baseReceipt()
		rec.Order = &p.order
		return p.finish(rec)
	case api.PayOrderRefused:
		p.phase = payMethod
		if p.prob = reasonProblem(api.ModelReasons(msg.order.Reasons)); p.prob == nil {
			p.prob = &problem{text: txtPayQRFailed}
		}
	case api.PayOrderExpired:
		p.phase, p.prob = payMethod, &problem{text: txtPayQRExpired}
	case api.PayOrderCancelled:
		p.phase = payMethod
	}
	return nil
}

// startCard asks the offline policy first, then charges the card; the payment is then a
// fact, recorded as an operation whatever happens (the platform refunds what was not owed).
func (p *pay) startCard() tea.Cmd {
	p.phase = payCard
	p.pending = p.c.newRequest()
	total, card, svc, id := p.total(), p.c.Devices.Card, p.c.Services, p.pending
	p.cardOp = api.Op{ID: uplink.NewOpID(), Type: api.OpPay, At: p.c.Now(),
		Pay: &api.PayOp{PayerID: string(p.s.id), Method: "card", Items: p.items()}}
	order := p.cardOp.ID
	return func() tea.Msg {
		if refused, err := svc.Check(api.OpPay, total); err != nil || len(refused) > 0 {
			return chargedMsg{req: id, refused: refused, err: err}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		ref, err := card.Charge(ctx, total, order)
		if err == nil || errors.Is(err, device.ErrDeclined) || errors.Is(err, context.Canceled) {
			return chargedMsg{req: id, ref: ref, err: err}
		}
		// The charge failed without saying whether money was taken (no answer, a broken
		// line): the terminal's record decides. A charge it approved is recorded like any
		// other; one it cannot tell about is a counter's matter, never a second try.
		sctx, scancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer scancel()
		state, sref, serr := card.Status(sctx, order)
		switch {
		case serr != nil:
			return chargedMsg{req: id, err: err, unknown: true}
		case state == device.ChargeApproved:
			return chargedMsg{req: id, ref: sref}
		}
		return chargedMsg{req: id, err: err}
	}
}

// onCharged records a charged card payment, with its receipt, through the outbox.
func (p *pay) onCharged(msg chargedMsg) tea.Cmd {
	switch {
	case len(msg.refused) > 0:
		p.phase, p.prob = payMethod, reasonProblem(msg.refused)
		return nil
	case errors.Is(msg.err, device.ErrDeclined):
		p.phase, p.prob = payMethod, &problem{text: txtPayCardDeclined}
		return nil
	case msg.unknown:
		p.phase, p.cardUnknown = payMethod, p.cardOp.ID
		p.prob = &problem{text: txtPayCardUnknown, args: []string{"order", p.cardOp.ID}}
		return nil
	case msg.err != nil:
		p.phase, p.prob = payMethod, &problem{text: txtPayCardFailed}
		return nil
	}
	op := p.cardOp
	op.Pay.Reference = msg.ref
	rec := p.baseReceipt()
	rec.Op = op
	text := []byte(p.c.RenderReceipt(rec))
	svc := p.c.Services
	p.pending = p.c.newRequest()
	req := p.pending
	return func() tea.Msg {
		sub := queueAndAwait(svc, rec, func() (api.Op, []model.Reason, error) {
			q, err := svc.Record(op, text)
			return q, nil, err
		})
		return submittedMsg{req: req, sub: sub}
	}
}

func (p *pay) onRecorded(sub submitted) tea.Cmd {
	p.sub = sub
	if sub.err != nil {
		// The card was charged but the kiosk could not record it: staff must know now.
		p.phase, p.prob = payMethod, &problem{text: txtPayCardNotRecorded}
		return nil
	}
	p.s.stale = true
	if sub.result == nil {
		// Pending confirmation: the screen goes on waiting for the platform's answer while
		// the person is on it.
		return tea.Batch(p.finish(sub.receipt), p.late.start(p.c, sub.op.Seq))
	}
	return p.finish(sub.receipt)
}

// onLateAnswer shows the platform's answer to a card payment that said "pending
// confirmation": the screen's status and its copy of the receipt say the answer; the receipt
// on paper is not printed again, and the screen says so.
func (p *pay) onLateAnswer(r *api.OpResult) {
	p.sub.result = r
	p.rec.Result = r
	p.receipt = p.c.RenderReceipt(p.rec)
}

func (p *pay) baseReceipt() Receipt {
	rec := Receipt{Hall: p.c.Hall, KioskID: p.c.KioskID, Name: p.s.lookup.Person.Name, ID: p.s.id}
	for _, it := range p.chosen() {
		rec.Items = append(rec.Items, ReceiptItem{ViolationID: it.wire.ID, Plate: it.v.Plate, Code: it.v.Code,
			Points: it.v.Points, Fine: it.due.Fine, LateFee: it.due.LateFee, Decision: it.v.Decision})
	}
	return rec
}

// finish shows the receipt and prints it.
func (p *pay) finish(rec Receipt) tea.Cmd {
	p.phase, p.prob = payDone, nil
	p.rec, p.receipt = rec, p.c.RenderReceipt(rec)
	p.pending = p.c.newRequest()
	return printCmd(p.c, p.pending, rec)
}

// listHeight is the list's room: the screen less the step line and the footer (the total,
// which is a large figure in the large mode, and the line for the hint, a problem or a question).
func (p *pay) listHeight() int { return max(p.h-4-len(p.totalBlock(max(p.w, 20))), 3) }

// totalBlock is the total of the chosen items as the footer and the method screen show it:
// one line normally; in the large mode the amount in large glyphs with the line beside it.
func (p *pay) totalBlock(w int) []string {
	st := p.c.Styles
	return figureBeside(st, bigMoney(p.total()), p.totalLine(), w)
}

func (p *pay) renderItem(k, w int, cursor bool) []string {
	it := p.s.judged.items[p.cands[k]]
	box := "[ ]"
	if p.selected[k] {
		box = "[x]"
	}
	return append([]string{pickLine(p.c, it, box, cursor, w)}, verdictLines(p.c, it, "       ", w)...)
}

func (p *pay) header(sub textKey) string {
	return stepLine(p.c, 4, txtStepPay) + "  " + p.c.Styles.Label.Render(p.c.T(sub))
}

func (p *pay) View() string {
	p.lang = p.c.Lang
	if p.list != nil {
		p.list.restyle(p.c)
	}
	c, st, w := p.c, p.c.Styles, max(p.w, 20)
	switch p.phase {
	case payLoading:
		return p.header(txtPayStepSelect) + "\n\n" + st.Placeholder.Render(c.T(txtOverviewRefreshing))
	case payMethod:
		return p.methodView()
	case payQR:
		return p.qrView()
	case payCard:
		out := []string{p.header(txtPayStepCard), ""}
		if card := c.Devices.Card; card != nil && card.Info().Simulated {
			out = append(out, st.Demo.Render(" "+c.T(txtSimulatedDevice)+" "))
		}
		out = append(out, st.Value.Render(wrap(c.T(txtPayCardInsert, "amount", c.Money(p.total())), w)))
		if st.HighContrast {
			out = append(append(out, ""), bigText(st.Figure, bigMoney(p.total()), w)...)
		}
		return strings.Join(out, "\n")
	case payLater:
		return p.laterView()
	case payDone:
		return p.doneView()
	}
	out := []string{p.header(txtPayStepSelect)}
	if len(p.cands) == 0 {
		out = append(out, "", st.Text.Render(wrap(c.T(txtPayNone), w)))
		if p.prob != nil {
			out = append(out, atMost(problemLines(c, p.prob, w), 2)...)
		}
		return strings.Join(out, "\n")
	}
	h, total := p.listHeight(), p.totalBlock(w)
	if p.detail.open {
		return out[0] + "\n" + p.detail.view(c, w, p.h-1)
	}
	// Under the list, the total block (one line in the normal mode, large figures in the large).
	foot := pickFooter(c, p.list, w, h, total, &p.discard, len(p.selected), p.prob, p.h-h-1-len(total),
		txtPayNextHint)
	return strings.Join(append(out, foot...), "\n")
}

func (p *pay) methodView() string {
	c, st, w := p.c, p.c.Styles, max(p.w, 20)
	out := append([]string{p.header(txtPayStepMethod), ""}, p.totalBlock(w)...)
	out = append(out, "")
	opt := func(n string, text textKey) string {
		return st.Option.Render("["+n+"]") + " " + st.Text.Render(c.T(text))
	}
	for i, m := range p.methods() {
		out = append(out, opt(strconv.Itoa(i+1), m))
	}
	out = append(out, "")
	if p.prob != nil {
		out = append(out, atMost(problemLines(c, p.prob, w), 3)...)
	}
	return strings.Join(out, "\n")
}

// qrView puts the code at the left and the amount, the order and what to do at the right, or
// the text under the code when the screen is too narrow for both.
func (p *pay) qrView() string {
	c, st, w := p.c, p.c.Styles, max(p.w, 20)
	head := p.header(txtPayStepQR)
	if p.qr == "" {
		return head + "\n\n" + st.Value.Render(c.T(txtPayQRCreating))
	}
	qrW := ansi.StringWidth(strings.SplitN(p.qr, "\n", 2)[0])
	side := w - qrW - 3
	if side < 24 {
		side = w // the text goes under the code
	}
	// The amount and the deadline are the figures a person checks: large in the large mode.
	amount, until := model.Fen(p.order.AmountFen), p.order.ExpiresAt.In(model.ChinaZone()).Format("15:04")
	text := figureBeside(st, bigMoney(amount), c.T(txtPayQRAmount, "amount", c.Money(amount)), side)
	text = append(text, st.Text.Render(c.T(txtPayQROrder, "order", shortOrder(p.order.OrderID))))
	if st.HighContrast {
		text = append(text, figureBeside(st, until, c.T(txtPayQRExpires, "time", until), side)...)
	} else {
		text = append(text, st.Text.Render(c.T(txtPayQRExpires, "time", until)))
	}
	text = append(text, "")
	for _, l := range strings.Split(wrap(c.T(txtPayQRScan), max(side, 20)), "\n") {
		text = append(text, st.Text.Render(l))
	}
	text = append(text, "", st.Placeholder.Render(c.T(txtPayQRWaiting)))
	if p.confirmCancel {
		text = append(text, "")
		for _, l := range strings.Split(wrap(c.T(txtPayQRCancelConfirm), max(side, 20)), "\n") {
			text = append(text, st.Error.Render(l))
		}
	}
	if c.SimulatedPayments {
		text = append(text, "", st.Demo.Render(" "+c.T(txtPayQRDemo)+" "))
	}
	qrLines := strings.Split(p.qr, "\n")
	if side == w {
		return head + "\n" + p.qr + "\n" + strings.Join(text, "\n")
	}
	out := []string{head}
	for i := 0; i < max(len(qrLines), len(text)); i++ {
		l := strings.Repeat(" ", qrW)
		if i < len(qrLines) {
			l = qrLines[i]
		}
		if i < len(text) {
			l += "   " + text[i]
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// shortOrder is the order id as a person reads it to staff: its first 8 characters.
func shortOrder(id string) string {
	if len(id) > 8 {
		return strings.ToUpper(id[:8])
	}
	return strings.ToUpper(id)
}

func (p *pay) laterView() string {
	c, st, w := p.c, p.c.Styles, max(p.w, 20)
	out := []string{p.header(txtPayStepLater), ""}
	rule := txtPayLaterRule
	for _, it := range p.chosen() {
		item, plate := txtPayLaterItem, string(it.v.Plate.Number)
		if it.due.LateDays > 0 {
			item, rule = txtPayLaterOverdue, txtPayLaterRuleLate
		}
		out = append(out, "  "+c.T(item, "plate", plate, "amount", c.Money(it.due.Total()),
			"due", it.due.Due.String(), "days", strconv.Itoa(it.due.LateDays)))
	}
	out = append(out, "", st.Text.Render(wrap(c.T(rule), w)), "",
		st.Option.Render("[0]")+" "+st.Text.Render(c.T(txtMenuFinish)))
	return strings.Join(out, "\n")
}

func (p *pay) doneView() string {
	c, st, w := p.c, p.c.Styles, max(p.w, 20)
	out := []string{p.header(txtPayStepDone)}
	switch res := p.sub.result; {
	case p.sub.op.ID != "" && res == nil:
		out = append(out, st.Value.Render(wrap(c.T(txtSubmitPending, "op", p.sub.op.ID), w)))
	case res != nil && res.Outcome == api.OutcomeRejected:
		// The money was taken but the platform refused the record (a kiosk clock it cannot
		// believe, say): the person must not read "payment complete", and must know what to do.
		out = append(out, st.Error.Render(wrap(c.T(txtPayRejected), w)))
		out = append(out, reasonLines(c, api.ModelReasons(res.Reasons), w)...)
	default:
		out = append(out, st.Value.Render(c.T(txtPayDone)))
	}
	if p.late.answered {
		out = append(out, st.Text.Render(wrap(c.T(txtResultAnsweredLate), w)))
	}
	var tail []string
	switch {
	case p.printErr != nil:
		tail = append(tail, printFailedLines(c, p.printErr, w)...)
	case p.printed != "" && c.paperless():
		tail = append(tail, st.Text.Render(wrap(c.T(txtReceiptSaved, "op", p.receiptRef()), w)))
	case p.printed != "":
		tail = append(tail, st.Text.Render(c.T(txtReceiptPrinted)))
	}
	tail = append(tail, strings.Join([]string{st.Option.Render("[2]") + " " + st.Text.Render(c.T(txtBackToRecords)),
		st.Option.Render("[0]") + " " + st.Text.Render(c.T(txtMenuFinish))}, "  "))
	// The receipt on screen gets the room the status above and the ways on below leave, counted
	// in screen lines (a status with reasons, or the late answer's note, wraps), and a line spare.
	room := max(p.h-screenLines(out)-screenLines(tail)-1, 0)
	rl := strings.Split(p.receipt, "\n")
	if len(rl) > room {
		rl = rl[:room]
	}
	for _, l := range rl {
		out = append(out, "  "+st.Text.Render(ansi.Truncate(l, w-2, "")))
	}
	return strings.Join(append(out, tail...), "\n")
}

// screenLines counts the lines of blocks that may each hold several.
func screenLines(blocks []string) int {
	n := 0
	for _, b := range blocks {
		n += strings.Count(b, "\n") + 1
	}
	return n
}

// receiptRef is the number a counter finds this payment by: the phone order's, or the card
// payment's operation.
func (p *pay) receiptRef() string {
	if p.order.OrderID != "" {
		return p.order.OrderID
	}
	return p.cardOp.ID
}
