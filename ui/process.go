package ui

import (
	"context"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/device"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/uplink"
)

// process is the flow that takes violations onto the driver's own licence: select (with a
// running forecast of points and fines, and the refusal of any selection that would reach the
// full score), the owner's verification where the rules ask for it, the driver's face, a review
// with the legal notice, and the platform's answer with decision numbers.
type process struct {
	c    *Common
	s    *session
	w, h int
	lang model.Lang

	phase    processPhase
	cands    []int // indices into the judgement's items: the undecided violations
	list     *itemList
	selected map[int]bool // by position in cands
	sel      model.Selection
	prob     *problem
	discard  discardAsk

	owners []ownerCheck // owners who must verify, in order
	owner  int          // the one verifying now
	ow     ownerStep    // how the owner verifies now (process_owner.go)
	faceOf int          // whose face the camera is checking: an index into owners, or -1 for the driver
	faceOK bool
	// ownerFaceRefused is set once an owner's face was refused: the owner goes to a counter,
	// never round the loop again.
	ownerFaceRefused textKey
	pending          uint64 // the request waited for
	outcome          submitted
	late             lateWaiter // the answer after "pending confirmation"
	printed          string     // where the receipt went
	printErr         error      // the printer failed: the receipt is shown on screen instead
	// docsReq and docsErr are the printing of the decisions a late answer brought, apart from
	// the receipt's: one's outcome never stands for the other's.
	docsReq uint64
	docsErr error
	// receiptText is the receipt as rendered for the screen, kept until the answer changes it.
	receiptText []string
	docs        docPane    // the decisions (and an unprinted receipt) on screen
	detail      detailPane // everything about the highlighted violation
	// review lists the chosen violations in full on the confirmation screen, scrolling when
	// they do not fit: nobody confirms what they could not read. reviewH is its last height.
	review  *itemList
	reviewH int
}

type processPhase int

const (
	procSelect processPhase = iota
	procOwner
	procFace
	procConfirm
	procSubmit
	procResult
)

// ownerCheck is a vehicle owner who must verify at the kiosk before its violations are
// processed on someone else's licence (rule 9): their numbers with the server, which answers a
// token the process op carries as proof, then their face where the kiosk has a camera.
type ownerCheck struct {
	id       model.IDNumber
	plate    model.Plate
	verified bool
	token    string
	face     string // api.FaceMatch or api.FaceNoCamera once checked; "" before
}

// submitted is what came of queuing an operation: refused by the offline policy (reasons),
// queued and answered, or queued and still pending.
type submitted struct {
	op      api.Op
	refused []model.Reason
	result  *api.OpResult
	err     error
	receipt Receipt
}

type (
	processFaceMsg struct {
		req    uint64
		result device.FaceResult
		err    error
	}
	ownerVerifiedMsg struct {
		req   uint64
		token string
		err   error
		face  string // the face result the proof carried (the card way), "" for none
	}
	submittedMsg struct {
		req uint64
		sub submitted
	}
	printedMsg struct {
		req   uint64
		where string
		err   error
	}
)

// awaitFor is how long a screen waits for the platform's answer before it says "pending
// confirmation" and lets the person go on.
const awaitFor = 8 * time.Second

func newProcess(c *Common, s *session) *process {
	p := &process{c: c, s: s, lang: c.Lang, selected: map[int]bool{}}
	for i, it := range s.judged.items {
		if it.v.Status == model.StatusRecorded {
			p.cands = append(p.cands, i)
		}
	}
	p.list = pickList(c, s, p.cands, p.renderItem)
	p.evaluate()
	return p
}

func (p *process) Init() tea.Cmd          { return nil }
func (p *process) SetSize(w, h int)       { p.w, p.h = w, h }
func (p *process) Timeout() time.Duration { return p.c.IdleTimeout }
func (p *process) HelpText() textKey      { return txtHelpProcess }

func (p *process) Help() []key.Binding {
	k := p.c.Keys
	switch p.phase {
	case procSelect:
		if p.discard.asking {
			return p.discard.help(k)
		}
		if p.detail.open {
			return []key.Binding{k.Move, k.PageDown, k.Back}
		}
		return []key.Binding{k.Move, k.Toggle, k.Detail, k.Confirm, k.Back}
	case procOwner:
		return p.ownerHelp()
	case procFace:
		return []key.Binding{k.Back}
	case procConfirm:
		return []key.Binding{k.Agree, k.PageDown, k.Back}
	case procResult:
		return []key.Binding{k.Finish}
	}
	return nil // submitting: no key does anything until the answer or the time limit
}

// chosen lists the selected violations in list order.
func (p *process) chosen() []judged {
	var out []judged
	for k, i := range p.cands {
		if p.selected[k] {
			out = append(out, p.s.judged.items[i])
		}
	}
	return out
}

func (p *process) evaluate() {
	if p.s.judged.eval == nil {
		p.sel = model.Selection{}
		return
	}
	var vs []model.Violation
	for _, it := range p.chosen() {
		vs = append(vs, it.v)
	}
	p.sel = p.s.judged.eval.EvaluateSet(vs)
}

// toggle selects or unselects the k-th candidate. An ineligible one is refused with its
// reasons; one that would take the selection to the full score is refused with that reason.
func (p *process) toggle(k int) {
	if k < 0 || k >= len(p.cands) {
		return
	}
	p.prob = nil
	defer p.list.redraw(k)
	if p.selected[k] {
		delete(p.selected, k)
		p.evaluate()
		return
	}
	it := p.s.judged.items[p.cands[k]]
	if !it.el.Eligible {
		if p.prob = reasonProblem(it.el.Reasons); p.prob == nil {
			p.prob = &problem{text: txtVerdictCounter}
		} else {
			rs := it.el.Reasons
			p.prob.advice = func(c *Common, w int) []string { return adviceLines(c, rs, w) }
		}
		return
	}
	p.selected[k] = true
	p.evaluate()
	if !p.sel.Allowed && len(p.sel.Reasons) > 0 {
		p.prob = reasonProblem(p.sel.Reasons)
		p.prob.advice = p.roomAdvice(p.sel)
		delete(p.selected, k)
		p.evaluate()
	}
}

// roomAdvice is the advice for a selection refused by its sum of points: how many points the
// kiosk can still take this cycle and a set of the violations that can be processed and carry
// points whose sum fits (by their numbers on the list), then what study could take off.
// Violations without points never count against the room and are not named.
func (p *process) roomAdvice(sel model.Selection) func(c *Common, w int) []string {
	room := max(sel.Full-1-sel.Current, 0)
	var ks, points []int
	for k, i := range p.cands {
		if it := p.s.judged.items[i]; it.el.Eligible && it.v.Points > 0 {
			ks = append(ks, k)
			points = append(points, it.v.Points)
		}
	}
	keep := fitPoints(points, room)
	reasons := sel.Reasons
	return func(c *Common, w int) []string {
		text := c.T(txtAdviceRoomZero)
		if room > 0 {
			text = c.T(txtAdviceRoom, "room", strconv.Itoa(room))
			var names []string
			sum := 0
			for i, k := range ks {
				if keep[i] {
					names = append(names, "["+strconv.Itoa(k+1)+"]")
					sum += points[i]
				}
			}
			if sum > 0 {
				text += c.T(txtAdviceRoomExample, "items", strings.Join(names, " "), "n", strconv.Itoa(sum))
			}
		}
		out := styledLines(c.Styles.Remedy.Render, indent(wrap("> "+text, max(w-2, 10)), 2))
		return append(out, adviceLines(c, reasons, w)...)
	}
}

// fitPoints chooses, among items of the given points, a set whose sum is the largest that
// stays within room (a small knapsack: room is below 12).
func fitPoints(points []int, room int) []bool {
	// best[s] is a set summing to s, as the indices chosen; nil when no set sums to s.
	best := make([][]int, room+1)
	best[0] = []int{}
	for i, pt := range points {
		if pt <= 0 {
			continue
		}
		for s := room; s >= pt; s-- {
			if best[s] == nil && best[s-pt] != nil {
				best[s] = append(append([]int{}, best[s-pt]...), i)
			}
		}
	}
	keep := make([]bool, len(points))
	for s := room; s >= 0; s-- {
		if best[s] != nil {
			for _, i := range best[s] {
				keep[i] = true
			}
			break
		}
	}
	return keep
}

func (p *process) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return p, p.onKey(msg)
	case ownerVerifiedMsg:
		if answered(&p.pending, msg.req) {
			return p, p.onOwnerVerified(msg)
		}
	case processFaceMsg:
		if !answered(&p.pending, msg.req) {
			return p, nil
		}
		var refused textKey
		switch {
		case msg.err != nil:
			refused = txtFaceError
		case msg.result == device.FaceNoMatch:
			refused = txtFaceFailed
		case msg.result != device.FaceMatch:
			refused = txtFaceUncertain
		case p.faceOf >= 0:
			p.owners[p.faceOf].face = api.FaceMatch
			return p, p.nextVerification()
		default:
			p.faceOK, p.phase = true, procConfirm
			return p, nil
		}
		if p.faceOf >= 0 {
			p.ownerFaceRefused = refused
		} else {
			p.s.faceRefused = refused
		}
		p.prob = &problem{text: refused}
	case submittedMsg:
		if answered(&p.pending, msg.req) {
			return p, p.onSubmitted(msg.sub)
		}
	case lateAnswerMsg, lateRetryMsg:
		r, cmd := p.late.update(p.c, msg)
		if r != nil && p.phase == procResult {
			p.outcome.result, p.outcome.receipt.Result = r, r
			p.receiptText = nil
			// The receipt was printed when the operation was queued; the decisions the late
			// answer brings are printed now, on a request of their own.
			if docs := p.c.DecisionDocs(p.outcome.receipt); len(docs) > 0 {
				p.docsReq = p.c.newRequest()
				cmd = tea.Batch(cmd, printDocsCmd(p.c, p.docsReq, docs))
			}
		}
		return p, cmd
	case printedMsg:
		switch {
		case answered(&p.pending, msg.req):
			p.printed, p.printErr = msg.where, msg.err
		case answered(&p.docsReq, msg.req):
			p.docsErr = msg.err
		}
	case ownerCardMsg, ownerCardRetryMsg, ownerFaceMsg:
		return p, p.onOwnerCard(msg)
	}
	return p, nil
}

// answered reports whether req is the request *pending waits for, and if so clears it: the
// answer is taken. Any other answer is stale (the person went back, or asked again) and is
// dropped by the caller.
func answered(pending *uint64, req uint64) bool {
	if req == 0 || req != *pending {
		return false
	}
	*pending = 0
	return true
}

func (p *process) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := p.c.Keys
	switch p.phase {
	case procSelect:
		return p.onSelectKey(msg)
	case procOwner:
		if p.pending != 0 && p.ow.proof != api.ProofCard {
			if key.Matches(msg, k.Back) {
				p.pending = 0 // the answer, when it comes, is dropped
			}
			return nil
		}
		return p.ownerKey(msg)
	case procFace:
		if key.Matches(msg, k.Back) {
			p.pending, p.phase, p.prob = 0, procSelect, nil
		}
		return nil
	case procConfirm:
		switch {
		case p.review != nil && p.review.scroll(msg, k, p.reviewH):
		case key.Matches(msg, k.Back):
			p.phase = procSelect
		case key.Matches(msg, k.Agree):
			return p.submit()
		}
		return nil
	case procResult:
		return p.onResultKey(msg)
	}
	return nil // procSubmit: nothing to do but wait; the answer or the time limit comes
}

func (p *process) onSelectKey(msg tea.KeyPressMsg) tea.Cmd {
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
		if p.discard.back(len(p.selected) > 0) {
			return navigate(navOverview{})
		}
	case key.Matches(msg, k.Confirm):
		return p.next()
	default:
		if i := pickedItem(p.list, msg, k); i >= 0 {
			p.toggle(i)
		}
	}
	return nil
}

// next moves from the selection to the verifications, or says why it cannot.
func (p *process) next() tea.Cmd {
	if len(p.selected) == 0 {
		p.prob = &problem{text: txtProcessNothingSelected}
		return nil
	}
	if !p.sel.Allowed {
		p.prob = reasonProblem(p.sel.Reasons)
		return nil
	}
	if p.c.Devices.Face == nil && p.c.Profile != nil && !p.c.Profile.NoCameraAllowed(p.sel.Verify) {
		// The platform would refuse it: say so before anyone types their numbers.
		p.prob = reasonProblem([]model.Reason{{Code: model.ReasonNoCamera}})
		return nil
	}
	p.prob, p.review = nil, nil
	p.owners = p.ownersToVerify()
	return p.nextVerification()
}

// ownersToVerify lists the owners of the selected vehicles that are not the driver's own, when
// the rules ask for the owner (rule 9).
func (p *process) ownersToVerify() []ownerCheck {
	var out []ownerCheck
	seen := map[model.IDNumber]bool{}
	for i, it := range p.chosen() {
		if p.sel.Items[i].Verify != model.VerifyDriverAndOwner {
			continue
		}
		for _, veh := range p.s.lookup.Vehicles {
			if veh.PlateType == it.wire.PlateType && veh.PlateNumber == it.wire.PlateNumber && veh.OwnerID != "" {
				id := model.IDNumber(veh.OwnerID)
				if !seen[id] {
					seen[id] = true
					out = append(out, ownerCheck{id: id, plate: it.v.Plate})
				}
			}
		}
	}
	return out
}

// nextVerification goes to the next owner who must verify (numbers, then face), then to the
// driver's face, then to review.
func (p *process) nextVerification() tea.Cmd {
	for i := range p.owners {
		switch o := &p.owners[i]; {
		case !o.verified:
			p.startOwner(i)
			return nil
		case o.face == "" && p.c.Devices.Face == nil:
			o.face = api.FaceNoCamera
		case o.face == "":
			return p.startFace(i)
		}
	}
	if p.driverVerified() {
		p.phase = procConfirm
		return nil
	}
	return p.startFace(-1)
}

// driverVerified: the face check matched, or the hall has no face device (the op says so, and
// the platform judges whether the profile accepts that).
func (p *process) driverVerified() bool { return p.faceOK || p.c.Devices.Face == nil }

// driverFace is what the op says of the driver's face check.
func (p *process) driverFace() string {
	if p.faceOK {
		return api.FaceMatch
	}
	return api.FaceNoCamera
}

// startFace checks a face with the camera: the owner's at index who, or the driver's (-1).
func (p *process) startFace(who int) tea.Cmd {
	p.phase, p.prob, p.faceOf = procFace, nil, who
	refused, id := p.s.faceRefused, p.s.id
	if who >= 0 {
		refused, id = p.ownerFaceRefused, p.owners[who].id
	}
	if refused != "" {
		p.prob = &problem{text: refused} // once refused, the counter: never a loop
		return nil
	}
	p.pending = p.c.newRequest()
	req, face := p.pending, p.c.Devices.Face
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		result, err := face.Verify(ctx, id)
		return processFaceMsg{req: req, result: result, err: err}
	}
}

// submit queues the operation (durably: from here on it will reach the platform) and waits
// a few seconds for the answer.
func (p *process) submit() tea.Cmd {
	p.phase, p.prob = procSubmit, nil
	items := p.chosen()
	ids := make([]string, len(items))
	rec := Receipt{Hall: p.c.Hall, KioskID: p.c.KioskID, Name: p.s.lookup.Person.Name, ID: p.s.id, File: p.s.file}
	for i, it := range items {
		ids[i] = it.wire.ID
		rec.Items = append(rec.Items, ReceiptItem{ViolationID: it.wire.ID, Plate: it.v.Plate, Code: it.v.Code,
			Points: it.v.Points, Fine: it.v.Fine, Violation: it.v,
			Facts: model.Words{ZH: it.wire.CatalogueZH, EN: it.wire.CatalogueEN}})
	}
	var owners []api.OwnerProof
	for _, o := range p.owners {
		owners = append(owners, api.OwnerProof{Token: o.token, Face: o.face})
	}
	op := api.Op{Type: api.OpProcess, At: p.c.Now(), Process: &api.ProcessOp{DriverID: string(p.s.id),
		ViolationIDs: ids, DriverFace: p.driverFace(), Owners: owners, SeenPoints: p.s.lookup.Points.Total}}
	p.pending = p.c.newRequest()
	return submitCmd(p.c, p.pending, op, rec, 0)
}

// submitCmd queues op with its receipt and waits for the platform's answer (up to awaitFor).
// The receipt kept with the queued operation is rendered here, on the event loop.
func submitCmd(c *Common, req uint64, op api.Op, rec Receipt, amount model.Fen) tea.Cmd {
	svc := c.Services
	if op.ID == "" {
		op.ID = uplink.NewOpID()
	}
	rec.Op = op
	text := []byte(c.RenderReceipt(rec))
	return func() tea.Msg {
		sub := queueAndAwait(svc, rec, func() (api.Op, []model.Reason, error) { return svc.Submit(op, text, amount) })
		return submittedMsg{req: req, sub: sub}
	}
}

// queueAndAwait queues an operation with queue and waits up to awaitFor for the platform's
// answer; rec comes back completed with the queued op and its result. It blocks: call it
// inside a command only.
func queueAndAwait(svc Services, rec Receipt, queue func() (api.Op, []model.Reason, error)) submitted {
	queued, refused, err := queue()
	sub := submitted{op: queued, refused: refused, err: err}
	if err == nil && len(refused) == 0 {
		ctx, cancel := context.WithTimeout(context.Background(), awaitFor)
		defer cancel()
		sub.result, sub.err = svc.Await(ctx, queued.Seq)
	}
	rec.Op, rec.Result = queued, sub.result
	sub.receipt = rec
	return sub
}

func (p *process) onSubmitted(sub submitted) tea.Cmd {
	p.outcome, p.phase = sub, procResult
	if sub.err != nil || len(sub.refused) > 0 {
		return nil
	}
	p.s.stale = true
	p.pending = p.c.newRequest()
	if sub.result == nil {
		return tea.Batch(printCmd(p.c, p.pending, sub.receipt), p.late.start(p.c, sub.op.Seq))
	}
	// The receipt, then one penalty decision per decided violation.
	docs := append([]device.Doc{p.c.ReceiptDoc(sub.receipt)}, p.c.DecisionDocs(sub.receipt)...)
	return printDocsCmd(p.c, p.pending, docs)
}

// printCmd prints a receipt on the kiosk's printer.
func printCmd(c *Common, req uint64, rec Receipt) tea.Cmd {
	return printDocsCmd(c, req, []device.Doc{c.ReceiptDoc(rec)})
}

// printDocsCmd prints documents one after the other and stops at the first failure: the
// screen then says the printer's problem and shows them instead. where is the first
// document's.
func printDocsCmd(c *Common, req uint64, docs []device.Doc) tea.Cmd {
	pr := c.Devices.Printer
	if pr == nil || len(docs) == 0 {
		return nil
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		var first string
		for i, doc := range docs {
			where, err := pr.Print(ctx, doc)
			if err != nil {
				return printedMsg{req: req, where: first, err: err}
			}
			if i == 0 {
				first = where
			}
		}
		return printedMsg{req: req, where: first}
	}
}

func (p *process) onResultKey(msg tea.KeyPressMsg) tea.Cmd {
	if p.docs.scroll(p.c, msg) {
		return nil
	}
	d, ok := digit(msg)
	switch {
	case ok && d == '0':
		return navigate(navWelcome{})
	case ok && d == '1' && p.canPayNow():
		ids := p.decided()
		return navigate(navSession{id: payID, build: func(c *Common, s *session) Screen { return newPay(c, s, ids) }})
	case ok && d == '2', key.Matches(msg, p.c.Keys.Back):
		return navigate(navOverview{})
	}
	return nil
}

// decided lists the violations the platform decided in this operation.
func (p *process) decided() []string {
	var out []string
	if r := p.outcome.result; r != nil {
		for _, d := range r.Decisions {
			out = append(out, d.ViolationID)
		}
	}
	return out
}

func (p *process) canPayNow() bool { return len(p.decided()) > 0 }

func (p *process) listHeight() int { return max(p.h-6, 3) }

// renderItem draws a candidate: the box, the facts and, where it matters, the verdict.
func (p *process) renderItem(k, w int, cursor bool) []string {
	it := p.s.judged.items[p.cands[k]]
	box := "[ ]"
	if p.selected[k] {
		box = "[x]"
	}
	if !it.el.Eligible {
		box = "[-]"
	}
	out := []string{pickLine(p.c, it, box, cursor, w)}
	if !it.el.Eligible || it.el.Verify == model.VerifyDriverAndOwner {
		out = append(out, verdictLines(p.c, it, "       ", w)...)
	}
	return out
}

// forecast is the running total of the selection: points now, added, after; fines.
func (p *process) forecast() string {
	s := p.sel
	return p.c.T(txtProcessForecast, "n", strconv.Itoa(len(p.selected)), "adding", strconv.Itoa(s.Adding),
		"fine", p.c.Money(s.Fine), "current", strconv.Itoa(s.Current), "after", strconv.Itoa(s.After),
		"full", strconv.Itoa(s.Full))
}

func (p *process) View() string {
	p.lang = p.c.Lang
	p.list.restyle(p.c)
	if p.review != nil {
		p.review.restyle(p.c)
	}
	switch p.phase {
	case procOwner:
		return p.ownerView()
	case procFace:
		return p.faceView()
	case procConfirm:
		return p.confirmView()
	case procSubmit:
		return p.header(txtProcessStepSubmit) + "\n\n" + p.c.Styles.Value.Render(p.c.T(txtProcessSubmitting))
	case procResult:
		return p.resultView()
	}
	return p.selectView()
}

func (p *process) header(sub textKey) string {
	return stepLine(p.c, 3, txtStepProcess) + "  " + p.c.Styles.Label.Render(p.c.T(sub))
}

func (p *process) selectView() string {
	c, st, w := p.c, p.c.Styles, max(p.w, 20)
	out := []string{p.header(txtProcessStepSelect)}
	if p.detail.open {
		return out[0] + "\n" + p.detail.view(c, w, p.h-1)
	}
	if len(p.cands) == 0 {
		out = append(out, "", st.Text.Render(wrap(c.T(txtProcessNone), w)))
		return strings.Join(out, "\n")
	}
	out = append(out, st.Text.Render(fit(c.T(txtProcessIntro), w)))
	h := p.listHeight()
	out = append(out, pickFooter(c, p.list, w, h, []string{st.Value.Render(fit(p.forecast(), w))}, &p.discard, len(p.selected), p.prob, p.h-h-3,
		txtProcessNextHint)...)
	return strings.Join(out, "\n")
}

func (p *process) faceView() string {
	c, st, w := p.c, p.c.Styles, max(p.w, 20)
	out := []string{p.header(txtProcessStepFace), ""}
	if f := c.Devices.Face; f != nil && f.Info().Simulated {
		out = append(out, st.Demo.Render(" "+c.T(txtSimulatedDevice)+" "))
	}
	if p.pending != 0 && p.faceOf >= 0 {
		looking := c.T(txtFaceOwnerLooking, "plate", string(p.owners[p.faceOf].plate.Number))
		out = append(out, st.Value.Render(wrap(looking, w)))
	} else if p.pending != 0 {
		out = append(out, st.Value.Render(wrap(c.T(txtFaceLooking), w)))
	} else if p.prob != nil {
		out = append(out, atMost(problemLines(c, p.prob, w), 3)...)
		out = append(out, st.Text.Render(wrap(c.T(txtFaceCounter), w)))
	}
	return strings.Join(out, "\n")
}

func (p *process) confirmView() string {
	c, st, w := p.c, p.c.Styles, max(p.w, 20)
	out := []string{p.header(txtProcessStepConfirm), st.Title.Render(c.T(txtProcessReview))}
	items := p.chosen()
	if p.review == nil {
		p.review = newItemList(len(items), nil, false, func(i, w int, _ bool) []string {
			return fullViolationLines(p.c, items[i], "  ", w)
		}, nil)
	}
	tail := []string{st.Value.Render(fit(p.forecast(), w)), "",
		st.Error.Render(wrap(c.T(txtProcessLegal), w)),
		st.Option.Render("[1]") + " " + st.Value.Render(c.T(txtProcessConfirm))}
	// The violations get the room the rest leaves, less the line that counts what is out of
	// view.
	p.reviewH = max(p.h-screenLines(out)-screenLines(tail)-1, 2)
	lines := strings.Split(p.review.view(w, p.reviewH), "\n")
	for len(lines) < p.reviewH {
		lines = append(lines, "")
	}
	out = append(out, lines...)
	out = append(out, st.Placeholder.Render(fit(moreLine(c, p.review, p.reviewH), w)))
	return strings.Join(append(out, tail...), "\n")
}

func (p *process) resultView() string {
	c, st, w := p.c, p.c.Styles, max(p.w, 20)
	out := []string{p.header(txtProcessStepResult)}
	sub := p.outcome
	switch {
	case sub.err != nil:
		out = append(out, st.Error.Render(wrap(c.T(txtSubmitFailed), w)))
	case len(sub.refused) > 0:
		out = append(out, st.Error.Render(wrap(c.T(txtSubmitRefusedOffline, "state", c.linkState()), w)))
		out = append(out, reasonLines(c, sub.refused, w)...)
	case sub.result == nil:
		out = append(out, st.Value.Render(wrap(c.T(txtSubmitPending, "op", sub.op.ID), w)))
	case sub.result.Outcome == api.OutcomeRejected:
		out = append(out, st.Error.Render(wrap(c.T(txtProcessRejected), w)))
		out = append(out, reasonLines(c, api.ModelReasons(sub.result.Reasons), w)...)
	default:
		out = append(out, st.Value.Render(c.T(txtProcessApplied)))
		for _, d := range sub.result.Decisions {
			out = append(out, "  "+c.T(txtProcessDecision, "number", d.Number, "points", strconv.Itoa(d.Points),
				"fine", c.Money(model.Fen(d.FineFen)), "due", d.DueDate))
		}
		if a := sub.result.PointsAfter; a != nil {
			out = append(out, st.Text.Render(c.T(txtProcessPointsNow, "n", strconv.Itoa(*a))))
		}
		// Applied with changes: what was left out, and why.
		out = append(out, reasonLines(c, api.ModelReasons(sub.result.Reasons), w)...)
	}
	if p.late.answered {
		out = append(out, st.Text.Render(wrap(c.T(txtResultAnsweredLate), w)))
	}
	switch {
	case p.printErr != nil:
		out = append(out, printFailedLines(c, p.printErr, w)...)
	case p.printed != "" && c.paperless():
		out = append(out, st.Text.Render(wrap(c.T(txtReceiptSaved, "op", p.outcome.op.ID), w)))
	case p.printed != "":
		out = append(out, st.Text.Render(c.T(txtReceiptPrinted)))
	}
	if p.docsErr != nil && p.printErr == nil {
		// The decisions did not come out: they are on screen below, and the printer's problem
		// is named.
		out = append(out, printFailedLines(c, p.docsErr, w)...)
	}
	out = append(out, "")
	var opts []string
	if p.canPayNow() {
		opts = append(opts, st.Option.Render("[1]")+" "+st.Text.Render(c.T(txtProcessPayNow)))
	}
	opts = append(opts, st.Option.Render("[2]")+" "+st.Text.Render(c.T(txtBackToRecords)),
		st.Option.Render("[0]")+" "+st.Text.Render(c.T(txtMenuFinish)))
	keys := packLine(opts, "  ", w)
	// The decisions, and the receipt when no paper came out, in the room left above the keys.
	var receipt []string
	if p.printErr != nil || c.paperless() {
		if p.receiptText == nil {
			p.receiptText = strings.Split(c.RenderReceipt(p.outcome.receipt), "\n")
		}
		receipt = p.receiptText
	}
	p.docs.fill(c, p.outcome.result, receipt, p.printErr == nil, w, func() []device.Doc { return c.DecisionDocs(p.outcome.receipt) })
	out = append(out, p.docs.view(c, w, p.h-screenLines(out)-screenLines(keys)-1)...)
	if len(p.docs.lines) > 0 {
		out = append(out, "")
	}
	return strings.Join(append(out, keys...), "\n")
}

// atMost keeps the first n lines: a problem under a list has a fixed room.
func atMost(lines []string, n int) []string {
	if n <= 0 {
		return nil // a screen too small for the block: nothing rather than a panic
	}
	if len(lines) > n {
		return lines[:n]
	}
	return lines
}
