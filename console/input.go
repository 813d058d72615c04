package console

import (
	"context"
	"errors"

	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/model"
)

// onKey handles a key press. Keys that work everywhere come first; then the y/n question, the
// help, the detail view and the main screen each take theirs.
func (m *Model) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := msg.String()
	if k == "ctrl+c" {
		return tea.Quit
	}
	if m.confirm != nil {
		c := *m.confirm
		m.confirm = nil
		if k == "y" || k == "Y" {
			return m.closeCall(c)
		}
		m.setStatus(statusInfo, m.t(txtCancelled))
		return nil
	}
	switch k {
	case "q":
		return tea.Quit
	case "?":
		m.help = !m.help
		return nil
	case "l", "f2":
		if m.lang == model.ZH {
			m.lang = model.EN
		} else {
			m.lang = model.ZH
		}
		return nil
	}
	if m.help {
		if k == "esc" {
			m.help = false
		}
		return nil
	}
	if m.detail != "" {
		return m.onDetailKey(k)
	}
	return m.onMainKey(k)
}

func (m *Model) onMainKey(k string) tea.Cmd {
	switch k {
	case "tab", "shift+tab":
		if m.focus == focusCalls {
			m.focus = focusFleet
		} else {
			m.focus = focusCalls
		}
		return nil
	case "1":
		m.focus = focusCalls
		return nil
	case "2":
		m.focus = focusFleet
		return nil
	case "s":
		m.sortBy = (m.sortBy + 1) % sortKeys
		m.sortFleet()
		m.clampAll()
		return nil
	}
	if m.focus == focusCalls {
		return m.onCallsKey(k)
	}
	return m.onFleetKey(k)
}

func (m *Model) onCallsKey(k string) tea.Cmd {
	i := m.callIndex()
	if move := m.moveBy(k, m.callRows()); move != 0 {
		if len(m.calls) > 0 {
			m.callSel = callKey(m.calls[clamp(i+move, 0, len(m.calls)-1)])
			m.clampAll()
		}
		return nil
	}
	if k != "a" && k != "c" && k != "enter" {
		return nil
	}
	if i < 0 {
		m.setStatus(statusInfo, m.t(txtNoCallSel))
		return nil
	}
	c := m.calls[i]
	switch k {
	case "a":
		return m.acknowledge(c)
	case "c":
		m.confirm = &c
		return nil
	default: // enter: the kiosk the call came from
		return m.openDetail(c.KioskID)
	}
}

func (m *Model) onFleetKey(k string) tea.Cmd {
	i := m.kioskIndex()
	if move := m.moveBy(k, m.fleetRows()); move != 0 {
		if len(m.fleet) > 0 {
			m.kioskSel = m.fleet[clamp(i+move, 0, len(m.fleet)-1)].ID
			m.clampAll()
		}
		return nil
	}
	switch {
	case k == "enter" && i >= 0:
		return m.openDetail(m.fleet[i].ID)
	case k == "a" || k == "c":
		m.setStatus(statusInfo, m.t(txtFocusCalls))
	}
	return nil
}

func (m *Model) onDetailKey(k string) tea.Cmd {
	i := m.rejIndex()
	if move := m.moveBy(k, m.rejRows()); move != 0 {
		if len(m.rej) > 0 {
			m.rejSel = m.rej[clamp(i+move, 0, len(m.rej)-1)].OpID
			m.clampAll()
		}
		return nil
	}
	switch k {
	case "esc", "backspace":
		m.detail, m.rej, m.rejFor, m.rejErr, m.rejLoaded, m.rejSel, m.rejTop = "", nil, "", nil, false, "", 0
		return nil
	case "f":
		if i < 0 {
			m.setStatus(statusInfo, m.t(txtNoRejSel))
			return nil
		}
		r := m.rej[i]
		if !r.FollowedUpAt.IsZero() {
			m.setStatus(statusInfo, m.tf(txtAlreadyDone, "op", narrowSafe(r.OpID), "who", narrowSafe(r.FollowedUpBy)))
			return nil
		}
		return m.followUp(m.detail, r)
	}
	return nil
}

// openDetail shows a kiosk's detail and reads its rejections at once.
func (m *Model) openDetail(id string) tea.Cmd {
	m.detail, m.rej, m.rejFor, m.rejErr, m.rejLoaded, m.rejSel, m.rejTop = id, nil, "", nil, false, "", 0
	return m.refresh()
}

// moveBy is how far a key moves the highlight in a list showing page rows; 0 for any other key.
func (m *Model) moveBy(k string, page int) int {
	page = max(page, 1)
	switch k {
	case "up", "k":
		return -1
	case "down", "j":
		return 1
	case "pgup":
		return -page
	case "pgdown":
		return page
	case "home":
		return -1 << 30
	case "end":
		return 1 << 30
	}
	return 0
}

func clamp(v, lo, hi int) int {
	if hi < lo {
		return lo
	}
	return min(max(v, lo), hi)
}

// callIndex is the index of the highlighted call: the remembered one if still listed, else the
// first; -1 when there are none.
func (m *Model) callIndex() int {
	for i, c := range m.calls {
		if callKey(c) == m.callSel {
			return i
		}
	}
	if len(m.calls) == 0 {
		return -1
	}
	return 0
}

func (m *Model) kioskIndex() int {
	for i, k := range m.fleet {
		if k.ID == m.kioskSel {
			return i
		}
	}
	if len(m.fleet) == 0 {
		return -1
	}
	return 0
}

func (m *Model) rejIndex() int {
	for i, r := range m.rej {
		if r.OpID == m.rejSel {
			return i
		}
	}
	if len(m.rej) == 0 {
		return -1
	}
	return 0
}

// clampAll keeps each list's highlight listed and its first row such that the highlight shows.
func (m *Model) clampAll() {
	if i := m.callIndex(); i >= 0 {
		m.callSel = callKey(m.calls[i])
		m.callTop = scrollTop(m.callTop, i, m.callRows(), len(m.calls))
	}
	if i := m.kioskIndex(); i >= 0 {
		m.kioskSel = m.fleet[i].ID
		m.fleetTop = scrollTop(m.fleetTop, i, m.fleetRows(), len(m.fleet))
	}
	if i := m.rejIndex(); i >= 0 {
		m.rejSel = m.rej[i].OpID
		m.rejTop = scrollTop(m.rejTop, i, m.rejRows(), len(m.rej))
	}
}

// scrollTop moves top as little as needed for row sel to show among rows rows of n.
func scrollTop(top, sel, rows, n int) int {
	rows = max(rows, 1)
	if sel < top {
		top = sel
	}
	if sel >= top+rows {
		top = sel - rows + 1
	}
	return clamp(top, 0, max(n-rows, 0))
}

// errText words a Source's error for staff: what happened and what to do. The error's own text
// is never shown (it may be a database's).
func (m *Model) errText(err error) string {
	switch {
	case errors.Is(err, ErrNotAllowed):
		return m.t(txtErrNotAllowed)
	case errors.Is(err, ErrNotFound):
		return m.t(txtErrNotFound)
	case errors.Is(err, ErrConflict):
		return m.t(txtErrConflict)
	case errors.Is(err, context.DeadlineExceeded):
		return m.t(txtErrTimeout)
	default:
		return m.t(txtErrOther)
	}
}
