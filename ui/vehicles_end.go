package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
)

// endFlow ends a link: the person unbinds a vehicle they are bound to or unfollows one they
// follow, or, as the owner, revokes someone's binding or follow of their vehicle. One review
// step, then the operation is queued and the server's answer shown.
type endFlow struct {
	c       *Common
	s       *session
	row     vehRow
	refusal []model.Reason // what the model says against it, before anything is sent
	run     *linkRun       // set once confirmed
}

func newEndFlow(c *Common, s *session, row vehRow) *endFlow {
	f := &endFlow{c: c, s: s, row: row}
	me, now := s.id, recordTime(c, s)
	switch row.kind {
	case rowMyBinding:
		b := model.Binding{Driver: me, Plate: row.plate, Owner: row.person, Since: row.since}
		f.refusal = model.CheckUnbind(me, b, true, now)
	case rowBoundToMine:
		b := model.Binding{Driver: row.person, Plate: row.plate, Owner: me, Since: row.since}
		f.refusal = model.CheckUnbind(me, b, true, now)
	case rowMyFollow:
		fl := model.Follow{Follower: me, Plate: row.plate, Owner: row.person, Since: row.since, Until: row.until}
		f.refusal = model.CheckUnfollow(me, fl, true, now)
	case rowFollowOfMine:
		fl := model.Follow{Follower: row.person, Plate: row.plate, Owner: me, Since: row.since, Until: row.until}
		f.refusal = model.CheckUnfollow(me, fl, true, now)
	}
	return f
}

// key handles a key; leave is true when the flow is over.
func (f *endFlow) key(msg tea.KeyPressMsg) (cmd tea.Cmd, leave bool) {
	if f.run != nil {
		return nil, linkRunKey(f.c, msg, f.run)
	}
	k := f.c.Keys
	d, isDigit := digit(msg)
	switch {
	case key.Matches(msg, k.Back):
		return nil, true
	case len(f.refusal) == 0 && ((isDigit && d == '1') || key.Matches(msg, k.Confirm)):
		return f.submit(), false
	}
	return nil, false
}

func (f *endFlow) submit() tea.Cmd {
	me, r := string(f.s.id), f.row
	pt, pn := string(r.plate.Type), string(r.plate.Number)
	var op api.Op
	switch r.kind {
	case rowMyBinding, rowBoundToMine:
		op = newLinkOp(f.c, api.OpUnbind)
		driver := me
		if r.kind == rowBoundToMine {
			driver = string(r.person)
		}
		op.Unbind = &api.UnbindOp{ActorID: me, DriverID: driver, PlateType: pt, PlateNumber: pn}
	default:
		op = newLinkOp(f.c, api.OpUnfollow)
		follower := me
		if r.kind == rowFollowOfMine {
			follower = string(r.person)
		}
		op.Unfollow = &api.UnfollowOp{ActorID: me, FollowerID: follower, PlateType: pt, PlateNumber: pn}
	}
	what := txtOpUnbind
	if op.Unfollow != nil {
		what = txtOpUnfollow
	}
	var cmd tea.Cmd
	f.run, cmd = startLinkRun(f.c, f.s, op, linkReceipt(f.c, f.s, op, what, r.plate))
	return cmd
}

func (f *endFlow) changed() bool { return f.run != nil && f.run.queued() }

func (f *endFlow) submission() *linkRun { return f.run }

func (f *endFlow) helpText() textKey { return txtVehHelpEnd }

func (f *endFlow) help() []key.Binding {
	if f.run != nil {
		return linkRunHelp(f.c, f.run)
	}
	if len(f.refusal) > 0 {
		return []key.Binding{f.c.Keys.Back}
	}
	return []key.Binding{f.c.Keys.Confirm, f.c.Keys.Back}
}

// names are the flow's name, its confirm option and what happens after, by the row's kind.
func (f *endFlow) names() (flow, option, after textKey) {
	switch f.row.kind {
	case rowMyBinding:
		return txtEndFlowUnbind, txtEndConfirmUnbind, txtEndAfterUnbind
	case rowBoundToMine:
		return txtEndFlowRevokeBind, txtEndConfirmRevoke, txtEndAfterRevokeBind
	case rowMyFollow:
		return txtEndFlowUnfollow, txtEndConfirmUnfollow, txtEndAfterUnfollow
	}
	return txtEndFlowRevokeFollow, txtEndConfirmRevoke, txtEndAfterRevokeFollow
}

func (f *endFlow) view(w, h int) string {
	c, st := f.c, f.c.Styles
	flow, option, after := f.names()
	step, title := 1, txtLinkStepReview
	if f.run != nil {
		step, title = 2, txtLinkStepResult
	}
	head := linkStepLine(c, flow, step, 2, title)
	facts := [][2]string{{c.T(txtLinkFactPlate), plateText(c, f.row.plate)}}
	switch f.row.kind {
	case rowMyBinding, rowMyFollow:
		facts = append(facts, [2]string{c.T(txtLinkFactOwner), ownerText(f.row)})
	case rowBoundToMine:
		facts = append(facts, [2]string{c.T(txtLinkFactDriver), f.row.person.Masked()})
	case rowFollowOfMine:
		facts = append(facts, [2]string{c.T(txtLinkFactFollower), f.row.person.Masked()})
	}
	facts = append(facts, [2]string{c.T(txtLinkFactPeriod), periodText(c, f.row)})
	blocks := []string{head, joinLines(factLines(c, facts, w))}
	switch {
	case f.run != nil:
		body := f.run.lines(w)
		if f.run.stage == runDone {
			body = append(body, "", optionLine(c, "Enter", c.T(txtLinkBackToList)))
		}
		blocks = append(blocks, joinLines(body))
	case len(f.refusal) > 0:
		blocks = append(blocks, joinLines(reasonLines(c, f.refusal, w)))
	default:
		blocks = append(blocks, joinLines(styledLines(st.Text.Render, wrap(c.T(after), w))),
			optionLine(c, "1", c.T(option))+"   "+optionLine(c, "Esc", c.T(txtLinkGoBack)))
	}
	return stack(blocks, st.SpaceBetween, h)
}
