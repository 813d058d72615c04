package ui

import (
	"context"
	"errors"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/service"
)

// bindFlow binds a vehicle the person does not own (备案), or, under a profile that offers
// following instead, asks to follow one (关注). Steps: the plate; the kiosk checks the rules it
// can with the model and the server checks the vehicle's (owner kind, type, binders), before
// the owner is asked for anything; the owner chooses how to verify (ID number with the VIN's
// last six characters or the registration certificate number, or the ID card on the reader and
// the face) and the server judges the proof against the vehicle; review and confirm; the
// operation is queued with the server's token and its answer shown. The server checks
// everything again. Nothing says "verified" before the server did.
type bindFlow struct {
	c      *Common
	s      *session
	follow bool // a follow request, not a binding
	step   bindStep
	plate  plateEntry
	owner  ownerEntry

	vehicle    model.Plate    // the plate, once entered
	proofs     []string       // the owner's ways to verify, in the order offered
	proof      string         // the way chosen
	ownerID    model.IDNumber // the owner, once the server verified them
	ownerName  string         // and their name as the platform holds it
	token      string         // the server's token for the owner's check
	registered bool           // the owner is registered on the platform
	refusal    []model.Reason // what the kiosk's check refused, at step bindRefused
	refusedAt  bindStep       // the step a refusal goes back to
	checking   uint64         // the link check waited for
	verifying  uint64         // the verification request waited for
	card       ownerCard      // the ID-card way
	plateProb  textKey        // why the plate step could not go on (the platform unreachable)
	discarding bool           // asking whether to drop what was typed
	run        *linkRun       // set once confirmed
}

type bindStep int

const (
	bindPlate     bindStep = iota
	bindChecking           // the server checks the vehicle
	bindProof              // the owner chooses how to verify
	bindOwner              // typing the ID number and the vehicle's number
	bindCard               // the ID card on the reader, then the face
	bindVerifying          // the server judges the proof
	bindRefused
	bindReview
	bindSend
)

// bindSteps is the number of steps the indicator counts: plate, owner, review, result.
const bindSteps = 4

// verifyTimeout bounds the owner's verification with the server.
const verifyTimeout = 10 * time.Second

// bindVerifiedMsg is the server's answer to the owner's verification request req.
type bindVerifiedMsg struct {
	req uint64
	v   service.OwnerVerified
	err error
}

// bindCheckedMsg is the server's answer to the link check req.
type bindCheckedMsg struct {
	req     uint64
	reasons []model.Reason
	proofs  []string
	err     error
}

// linkOffer says what a new link is under the profile: a binding, a follow, or nothing.
func linkOffer(p *model.Profile) (offered, follow bool) {
	switch {
	case p == nil:
		return false, false
	case p.Binding.Enabled:
		return true, false
	case p.Follow.Enabled:
		return true, true
	}
	return false, false
}

func newBindFlow(c *Common, s *session, follow bool) *bindFlow {
	home := ""
	if lic := s.lookup.Licence; lic != nil {
		home = string([]rune(lic.Issuer + " ")[0]) // "粤B" -> 粤; the entry ignores what is no province
	}
	return &bindFlow{c: c, s: s, follow: follow, plate: newPlateEntry(c, home), owner: newOwnerEntry(c, api.ProofVIN)}
}

// key handles a key; leave is true when the flow is over and the list shows again.
func (f *bindFlow) key(msg tea.KeyPressMsg) (cmd tea.Cmd, leave bool) {
	k := f.c.Keys
	d, isDigit := digit(msg)
	if f.discarding {
		switch {
		case (isDigit && d == '1') || key.Matches(msg, k.Confirm):
			f.wipe()
			return nil, true
		case key.Matches(msg, k.Back):
			f.discarding = false
		}
		return nil, false
	}
	switch f.step {
	case bindPlate:
		f.plateProb = ""
		done, back := f.plate.Update(msg)
		switch {
		case back && f.plate.Touched():
			f.discarding = true
		case back:
			f.wipe()
			return nil, true
		case done:
			f.vehicle = f.plate.Plate()
			if rs := f.check(false); len(rs) > 0 {
				f.refuse(rs, bindPlate)
				return nil, false
			}
			return f.checkLink(), false
		}
	case bindChecking:
		if key.Matches(msg, k.Back) {
			f.checking, f.step = 0, bindPlate // the answer, when it comes, is dropped
		}
	case bindProof:
		switch {
		case isDigit && int(d-'0') >= 1 && int(d-'0') <= len(f.proofs):
			return f.choose(f.proofs[d-'1']), false
		case key.Matches(msg, k.Back):
			f.step = bindPlate
		}
	case bindOwner:
		done, back := f.owner.Update(msg)
		switch {
		case back:
			f.owner.Wipe()
			f.step = bindProof
		case done:
			return f.verify(), false
		}
	case bindCard:
		if key.Matches(msg, k.Back) {
			f.card.stop()
			f.step = bindProof
		}
	case bindVerifying:
		if key.Matches(msg, k.Back) {
			f.verifying, f.step = 0, f.proofStep() // the answer, when it comes, is dropped
		}
	case bindRefused:
		switch {
		case (isDigit && d == '1') || key.Matches(msg, k.Back):
			f.refusal, f.step = nil, f.refusedAt
			f.forgetOwner()
		case (isDigit && d == '2') || key.Matches(msg, k.Confirm):
			f.wipe()
			return nil, true
		}
	case bindReview:
		switch {
		case (isDigit && d == '1') || key.Matches(msg, k.Confirm):
			return f.submit(), false
		case key.Matches(msg, k.Back):
			f.forgetOwner()
			f.step = bindProof
		}
	case bindSend:
		return nil, linkRunKey(f.c, msg, f.run)
	}
	return nil, false
}

// linkRunKey handles a key while an operation is sent or shown: Esc stops waiting (the
// operation stays queued), and once there is an outcome Enter or Esc leaves.
func linkRunKey(c *Common, msg tea.KeyPressMsg, r *linkRun) bool {
	k := c.Keys
	switch r.stage {
	case runWaiting:
		if key.Matches(msg, k.Back) {
			r.stopWaiting()
		}
	case runDone:
		return key.Matches(msg, k.Confirm, k.Back)
	}
	return false
}

// purpose is what the owner authorises, in the server's words.
func (f *bindFlow) purpose() string {
	if f.follow {
		return api.PurposeFollow
	}
	return api.PurposeBind
}

// checkLink asks the server, off the event loop, whether this vehicle can be linked at all: it
// alone knows the vehicle's owner kind, use and other links. Nobody is asked to verify for a
// link the rules refuse anyway.
func (f *bindFlow) checkLink() tea.Cmd {
	svc := f.c.Services
	if svc == nil {
		f.plateProb = txtIdentifyStarting
		return nil
	}
	f.checking, f.step = f.c.newRequest(), bindChecking
	req, driver, plate, purpose := f.checking, f.s.id, f.vehicle, f.purpose()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), verifyTimeout)
		defer cancel()
		rs, proofs, err := svc.LinkCheck(ctx, driver, plate, purpose)
		return bindCheckedMsg{req: req, reasons: rs, proofs: proofs, err: err}
	}
}

func (f *bindFlow) onChecked(msg bindCheckedMsg) {
	if msg.req != f.checking || f.step != bindChecking {
		return
	}
	f.checking, f.step = 0, bindPlate
	switch {
	case errors.Is(msg.err, service.ErrUnreachable):
		f.plateProb = txtBindVerifyUnreachable
		return
	case msg.err != nil:
		f.plateProb = txtBindVerifyFailed
		return
	case len(msg.reasons) > 0:
		f.refuse(msg.reasons, bindPlate)
		return
	}
	// The ways the owner can verify: the numbers the platform holds for the vehicle, and the
	// ID card where the kiosk has a reader.
	f.proofs = f.proofs[:0]
	for _, p := range msg.proofs {
		if p == api.ProofVIN || p == api.ProofRegCert {
			f.proofs = append(f.proofs, p)
		}
	}
	if f.c.Devices.IDReader != nil {
		f.proofs = append(f.proofs, api.ProofCard)
	}
	f.step = bindProof
}

// choose starts the way of verifying the owner picked.
func (f *bindFlow) choose(proof string) tea.Cmd {
	f.proof = proof
	if proof == api.ProofCard {
		f.step = bindCard
		return f.card.start(f.c)
	}
	f.owner.Wipe()
	f.owner.kind, f.step = proof, bindOwner
	return nil
}

// proofStep is the step where the owner gives the chosen proof.
func (f *bindFlow) proofStep() bindStep {
	if f.proof == api.ProofCard {
		return bindCard
	}
	return bindOwner
}

// verify asks the server to judge the owner's typed proof, off the event loop.
func (f *bindFlow) verify() tea.Cmd {
	id, vin, cert := f.owner.proof()
	if id == f.s.id {
		f.owner.SetProblem(txtBindOwnerIsYou) // the owner is someone else, present in person
		return nil
	}
	return f.ask(service.OwnerProof{ID: id, VINTail: vin, RegCert: cert})
}

// ask sends an owner's proof for this driver, vehicle and purpose.
func (f *bindFlow) ask(p service.OwnerProof) tea.Cmd {
	svc := f.c.Services
	if svc == nil {
		f.setProblem(txtIdentifyStarting)
		return nil
	}
	p.Driver, p.Plate, p.Purpose = f.s.id, f.vehicle, f.purpose()
	f.verifying, f.step = f.c.newRequest(), bindVerifying
	req := f.verifying
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), verifyTimeout)
		defer cancel()
		v, err := svc.VerifyOwnerProof(ctx, p)
		return bindVerifiedMsg{req: req, v: v, err: err}
	}
}

// setProblem shows a problem where the owner gives the proof.
func (f *bindFlow) setProblem(text textKey) {
	if f.proof == api.ProofCard {
		f.card.prob = &problem{text: text}
		return
	}
	f.owner.SetProblem(text)
}

func (f *bindFlow) onVerified(msg bindVerifiedMsg) {
	if msg.req != f.verifying || f.step != bindVerifying {
		return // an answer nobody waits for any more
	}
	f.verifying, f.step = 0, f.proofStep()
	var refused *service.OwnerRefusedError
	switch {
	case errors.As(msg.err, &refused):
		if f.proof == api.ProofCard {
			f.card.prob = &problem{reason: &refused.Reason}
			f.card.done = true // the card was judged: it is not read again
			return
		}
		f.owner.SetReason(refused.Reason)
		return
	case errors.Is(msg.err, service.ErrUnreachable):
		f.setProblem(txtBindVerifyUnreachable)
		return
	case msg.err != nil:
		f.setProblem(txtBindVerifyFailed)
		return
	}
	f.ownerID, f.ownerName, f.token, f.registered = f.owner.id, msg.v.Name, msg.v.Token, msg.v.Registered
	if f.proof == api.ProofCard {
		f.ownerID = f.card.id
	}
	f.owner.Wipe()
	if rs := f.check(true); len(rs) > 0 {
		f.refuse(rs, bindProof)
		return
	}
	f.step = bindReview
}

// onMsg takes the answers the flow waits for: the server's, the reader's and the camera's.
func (f *bindFlow) onMsg(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case bindCheckedMsg:
		f.onChecked(msg)
	case bindVerifiedMsg:
		f.onVerified(msg)
	default:
		if f.step != bindCard {
			return nil
		}
		cmd, ready := f.card.update(msg)
		if !ready {
			return cmd
		}
		if f.card.id == f.s.id {
			f.card.prob, f.card.done = &problem{text: txtBindOwnerIsYou}, true
			return nil
		}
		return f.ask(service.OwnerProof{ID: f.card.id, Card: true, Face: f.card.face})
	}
	return nil
}

func (f *bindFlow) refuse(rs []model.Reason, at bindStep) {
	f.refusal, f.refusedAt, f.step = rs, at, bindRefused
}

// check runs the model's rules on what the kiosk knows: the plate, the person's own links
// (ended ones too: the limits count history) and, once verified, the owner. Before the owner
// came (verified false) it checks what does not depend on them, so that nobody is asked to
// verify for a binding the rules refuse anyway. The vehicle's other links are not known here:
// the server checks those.
func (f *bindFlow) check(verified bool) []model.Reason {
	p, l, now := f.c.Profile, f.s.lookup, recordTime(f.c, f.s)
	if p == nil {
		return nil
	}
	v := model.Vehicle{Plate: f.vehicle, OwnerKind: model.OwnerPersonal, Owner: f.ownerID, Use: model.UseNonOperating}
	if f.ownsPlate() {
		v.Owner = f.s.id
	}
	if f.follow {
		req := model.FollowRequest{Follower: f.s.id, Vehicle: v, OwnerConsented: true, At: now}
		return model.CheckFollow(p, req, model.FollowHistory{OfFollower: allFollows(l.MyFollows)})
	}
	req := model.BindRequest{Driver: f.s.id, Vehicle: v, OwnerRegistered: !verified || f.registered,
		OwnerVerified: true, Channel: model.ChannelSelfService, At: now}
	rs := model.CheckBind(p, req, model.BindingHistory{OfDriver: allBindings(l.MyBindings)})
	if verified || v.Owner != "" {
		return rs
	}
	// The owner is not known yet, so the limit on distinct owners cannot be judged: the new
	// owner may be one the driver had before.
	out := rs[:0]
	for _, r := range rs {
		if r.Code != model.ReasonBindOwnerHistory {
			out = append(out, r)
		}
	}
	return out
}

// ownsPlate reports whether the plate is one of the person's own vehicles.
func (f *bindFlow) ownsPlate() bool {
	for _, v := range f.s.lookup.Vehicles {
		if v.Relation == "own" && v.PlateType == string(f.vehicle.Type) && v.PlateNumber == string(f.vehicle.Number) {
			return true
		}
	}
	return false
}

// submit queues the confirmed operation with the server's token for the owner's check.
func (f *bindFlow) submit() tea.Cmd {
	what := txtOpBind
	op := newLinkOp(f.c, api.OpBind)
	pt, pn := string(f.vehicle.Type), string(f.vehicle.Number)
	if f.follow {
		what, op.Type = txtOpFollow, api.OpFollow
		op.Follow = &api.FollowOp{FollowerID: string(f.s.id), PlateType: pt, PlateNumber: pn, OwnerToken: f.token}
	} else {
		op.Bind = &api.BindOp{DriverID: string(f.s.id), PlateType: pt, PlateNumber: pn, OwnerToken: f.token}
	}
	f.forgetOwner()
	var cmd tea.Cmd
	f.run, cmd = startLinkRun(f.c, f.s, op, linkReceipt(f.c, f.s, op, what, f.vehicle))
	f.step = bindSend
	return cmd
}

// forgetOwner drops the owner's numbers and the server's check: typed, verified, or both.
func (f *bindFlow) forgetOwner() {
	f.owner.Wipe()
	f.card.stop()
	f.ownerID, f.ownerName, f.token, f.registered = "", "", "", false
}

// wipe drops everything typed in the flow.
func (f *bindFlow) wipe() {
	f.forgetOwner()
	f.plate.Wipe()
	f.vehicle, f.refusal = model.Plate{}, nil
}

// changed reports whether the flow queued an operation (the record changes).
func (f *bindFlow) changed() bool { return f.run != nil && f.run.queued() }

func (f *bindFlow) submission() *linkRun { return f.run }

func (f *bindFlow) helpText() textKey {
	if f.follow {
		return txtVehHelpFollow
	}
	return txtVehHelpBind
}

// help lists the keys of the current step.
func (f *bindFlow) help() []key.Binding {
	k := f.c.Keys
	switch {
	case f.discarding:
		return []key.Binding{k.Confirm, k.Back}
	case f.step == bindPlate:
		return f.plate.Help()
	case f.step == bindOwner:
		return f.owner.Help()
	case f.step == bindChecking || f.step == bindProof || f.step == bindCard || f.step == bindVerifying:
		return []key.Binding{k.Back}
	case f.step == bindSend:
		return linkRunHelp(f.c, f.run)
	}
	return []key.Binding{k.Confirm, k.Back}
}

func linkRunHelp(c *Common, r *linkRun) []key.Binding {
	switch r.stage {
	case runWaiting:
		return []key.Binding{c.Keys.Back}
	case runDone:
		return []key.Binding{c.Keys.Confirm}
	}
	return nil
}
