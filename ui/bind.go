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
// following instead, asks to follow one (关注). Steps: the plate; the owner verifies at the
// kiosk (ID number and file number, checked by the server); the kiosk checks the rules with the
// model and says every reason it finds; review and confirm; the operation is queued and the
// server's answer shown. The server checks everything again.
type bindFlow struct {
	c      *Common
	s      *session
	follow bool // a follow request, not a binding
	step   bindStep
	plate  plateEntry
	owner  personEntry

	vehicle    model.Plate      // the plate, once entered
	ownerID    model.IDNumber   // the owner, once the server verified them
	ownerFile  model.FileNumber //
	registered bool             // the owner is registered on the platform
	refusal    []model.Reason   // what the kiosk's check refused, at step bindRefused
	refusedAt  bindStep         // the step a refusal goes back to
	verifying  uint64           // the verification request waited for
	discarding bool             // asking whether to drop what was typed
	run        *linkRun         // set once confirmed
}

type bindStep int

const (
	bindPlate bindStep = iota
	bindOwner
	bindVerifying
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
	req        uint64
	registered bool
	err        error
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
	return &bindFlow{c: c, s: s, follow: follow, plate: newPlateEntry(c, home), owner: newPersonEntry(c)}
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
			} else {
				f.step = bindOwner
			}
		}
	case bindOwner:
		done, back := f.owner.Update(msg)
		switch {
		case back:
			f.owner.Wipe()
			f.step = bindPlate
		case done:
			return f.verify(), false
		}
	case bindVerifying:
		if key.Matches(msg, k.Back) {
			f.verifying, f.step = 0, bindOwner // the answer, when it comes, is dropped
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
			f.step = bindOwner
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

// verify asks the server whether the owner's numbers match, off the event loop.
func (f *bindFlow) verify() tea.Cmd {
	id, file := f.owner.Values()
	svc := f.c.Services
	switch {
	case id == f.s.id:
		f.owner.SetProblem(txtBindOwnerIsYou) // the owner is someone else, present in person
		return nil
	case svc == nil:
		f.owner.SetProblem(txtIdentifyStarting)
		return nil
	}
	f.verifying, f.step = f.c.newRequest(), bindVerifying
	req := f.verifying
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), verifyTimeout)
		defer cancel()
		ok, err := svc.Verify(ctx, id, file)
		return bindVerifiedMsg{req: req, registered: ok, err: err}
	}
}

func (f *bindFlow) onVerified(msg bindVerifiedMsg) {
	if msg.req != f.verifying || f.step != bindVerifying {
		return // an answer nobody waits for any more
	}
	f.verifying, f.step = 0, bindOwner
	switch {
	case errors.Is(msg.err, service.ErrNoMatch):
		f.owner.SetReason(model.Reason{Code: model.ReasonOwnerCheckFailed})
		return
	case errors.Is(msg.err, service.ErrUnreachable):
		f.owner.SetProblem(txtBindVerifyUnreachable)
		return
	case msg.err != nil:
		f.owner.SetProblem(txtBindVerifyFailed)
		return
	}
	f.ownerID, f.ownerFile = f.owner.Values()
	f.registered = msg.registered
	if rs := f.check(true); len(rs) > 0 {
		f.refuse(rs, bindOwner)
		return
	}
	f.step = bindReview
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

// submit queues the confirmed operation; the owner's numbers leave the entry for the op.
func (f *bindFlow) submit() tea.Cmd {
	what := txtOpBind
	op := newLinkOp(f.c, api.OpBind)
	pt, pn := string(f.vehicle.Type), string(f.vehicle.Number)
	if f.follow {
		what, op.Type = txtOpFollow, api.OpFollow
		op.Follow = &api.FollowOp{FollowerID: string(f.s.id), PlateType: pt, PlateNumber: pn,
			OwnerID: string(f.ownerID), OwnerFile: string(f.ownerFile)}
	} else {
		op.Bind = &api.BindOp{DriverID: string(f.s.id), PlateType: pt, PlateNumber: pn,
			OwnerID: string(f.ownerID), OwnerFile: string(f.ownerFile)}
	}
	f.forgetOwner()
	var cmd tea.Cmd
	f.run, cmd = startLinkRun(f.c, f.s, op, linkReceipt(f.c, f.s, op, what, f.vehicle))
	f.step = bindSend
	return cmd
}

// forgetOwner drops the owner's numbers: typed, verified, or both.
func (f *bindFlow) forgetOwner() {
	f.owner.Wipe()
	f.ownerID, f.ownerFile, f.registered = "", "", false
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
