package ui

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// vehicles shows the person's vehicles and links: their own vehicles with who is bound to or
// follows each, and the vehicles they are bound to or follow. From here they bind (or, under a
// profile that offers it, follow) a vehicle they do not own, end a link of their own, or, as
// an owner, revoke someone's link to their vehicle. Each of these is a flow with its own steps
// drawn in place of the list; Esc on the list returns to the overview.
type vehicles struct {
	c    *Common
	s    *session
	w, h int

	rows   []vehRow
	cursor int // the highlighted row, one that can be acted on; -1 when there is none
	top    int // first row shown

	flow linkFlow // the bind, follow or end flow under way, if any

	refreshing uint64 // the lookup request after a change; 0 when none
	refreshErr bool
	note       textKey // a one-off note on the list ("nothing selected"); "" for none
}

func newVehicles(c *Common, s *session) Screen {
	v := &vehicles{c: c, s: s}
	v.build()
	return v
}

// build lays the session's record out and highlights the first row that can be acted on.
// Which links are in force is judged at the record's own time: a link ended a moment ago at
// the server is gone from the record even when the kiosk's clock is a little behind.
func (v *vehicles) build() {
	v.rows = vehicleRows(v.s.lookup, v.s.id, recordTime(v.c, v.s))
	v.cursor, v.top = -1, 0
	for i, r := range v.rows {
		if r.actionable() {
			v.cursor = i
			break
		}
	}
}

func (v *vehicles) Init() tea.Cmd          { return nil }
func (v *vehicles) SetSize(w, h int)       { v.w, v.h = w, h }
func (v *vehicles) Timeout() time.Duration { return v.c.IdleTimeout }

// linkFlow is a flow the vehicles screen hands its keys and its screen to while it runs:
// binding or following a vehicle (bindFlow), or ending a binding or follow (endFlow).
type linkFlow interface {
	helpText() textKey
	help() []key.Binding
	key(msg tea.KeyPressMsg) (cmd tea.Cmd, leave bool)
	changed() bool // something was queued: the record must be asked for again
	view(w, h int) string
	submission() *linkRun // nil until confirmed
}

// HelpText is the F1 text of what is on screen.
func (v *vehicles) HelpText() textKey {
	if v.flow != nil {
		return v.flow.helpText()
	}
	return txtVehHelpList
}

func (v *vehicles) Help() []key.Binding {
	k := v.c.Keys
	switch {
	case v.flow != nil:
		return v.flow.help()
	case v.cursor >= 0:
		return []key.Binding{k.Up, k.Down, k.PageDown, k.Confirm, k.Back}
	}
	return []key.Binding{k.Up, k.Down, k.Back}
}

func (v *vehicles) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return v, v.onKey(msg)
	case refreshedMsg:
		v.onRefreshed(msg)
	case bindVerifiedMsg, bindCheckedMsg, ownerCardMsg, ownerCardRetryMsg, ownerFaceMsg:
		if b, ok := v.flow.(*bindFlow); ok {
			return v, b.onMsg(msg)
		}
	case linkSubmittedMsg, linkAnsweredMsg, lateAnswerMsg, lateRetryMsg:
		if v.flow != nil && v.flow.submission() != nil {
			return v, v.flow.submission().update(msg)
		}
	}
	return v, nil
}

func (v *vehicles) onKey(msg tea.KeyPressMsg) tea.Cmd {
	if v.flow == nil {
		return v.listKey(msg)
	}
	cmd, leave := v.flow.key(msg)
	if leave {
		changed := v.flow.changed()
		v.flow = nil
		return v.afterFlow(changed)
	}
	return cmd
}

func (v *vehicles) listKey(msg tea.KeyPressMsg) tea.Cmd {
	k := v.c.Keys
	v.note = ""
	page := max(v.listHeight()-1, 1)
	switch {
	case key.Matches(msg, k.Up):
		v.move(-1)
	case key.Matches(msg, k.Down):
		v.move(1)
	case key.Matches(msg, k.PageUp):
		v.move(-page)
	case key.Matches(msg, k.PageDown):
		v.move(page)
	case key.Matches(msg, k.Confirm):
		v.startEnd()
	case key.Matches(msg, k.Back):
		return navigate(navOverview{})
	}
	if d, ok := digit(msg); ok {
		switch d {
		case '1':
			if offered, follow := linkOffer(v.c.Profile); offered {
				v.flow = newBindFlow(v.c, v.s, follow)
			}
		case '2':
			v.startEnd()
		}
	}
	return nil
}

func (v *vehicles) startEnd() {
	if v.cursor < 0 {
		v.note = txtVehNothingSelected
		return
	}
	v.flow = newEndFlow(v.c, v.s, v.rows[v.cursor])
}

// move moves the highlight by about delta rows, to the row that can be acted on nearest the
// target on this side of it, else the first one beyond; a list with none scrolls.
func (v *vehicles) move(delta int) {
	if v.cursor < 0 {
		v.top = max(min(v.top+delta, len(v.rows)-v.listHeight()), 0)
		return
	}
	step := 1
	if delta < 0 {
		step = -1
	}
	target := max(min(v.cursor+delta, len(v.rows)-1), 0)
	for i := target; i != v.cursor; i -= step {
		if v.rows[i].actionable() {
			v.cursor = i
			return
		}
	}
	for i := target + step; i >= 0 && i < len(v.rows); i += step {
		if v.rows[i].actionable() {
			v.cursor = i
			return
		}
	}
}

// afterFlow shows the list again; after a change it asks the server for the record, so the
// list (and the overview) show what is now true.
func (v *vehicles) afterFlow(changed bool) tea.Cmd {
	if !changed || v.c.Services == nil {
		return nil
	}
	v.refreshErr = false
	var cmd tea.Cmd
	v.refreshing, cmd = lookupAgain(v.c, v.s)
	return cmd
}

func (v *vehicles) onRefreshed(msg refreshedMsg) {
	if msg.req != v.refreshing {
		return
	}
	v.refreshing = 0
	if msg.err != nil {
		v.refreshErr = true // the session stays stale: the overview tries again
		return
	}
	v.s.update(v.c, msg.looked)
	v.build()
}
