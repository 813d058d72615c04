package ui

import (
	"errors"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/service"
)

// The call for staff (F3). The kiosk never says "called" before the platform has the call: F3
// asks the service to save the call (fsynced) and to have the sync engine send it, and a panel
// says what actually happened: saved and waiting for the network, received by the platform and
// for how many minutes nobody has come (after a few, what to do then), acknowledged by staff,
// or closed. The panel follows the engine's status messages (each one has the call read again)
// and a minute tick. Any key closes it; the call stays, the notice line keeps it in view, and
// F3 shows the panel again (and rings the call again). A session's end forgets the call, so
// the next person starts with none.

// callAdviceAfter is how long a person waits before the panel says what to do if nobody comes.
const callAdviceAfter = 3 * time.Minute

// callHold is the shortest idle timeout of a screen while the person's call is live: a person
// waiting for staff must not have their session wiped, and their call ended, after the usual
// minute and a half.
const callHold = 5 * time.Minute

// staffCall is the root's state of the person's call.
type staffCall struct {
	view    service.CallView
	known   bool // view holds the service's last answer
	pending bool // F3 was pressed and the service has not answered yet
	failed  textKey
	open    bool // the panel is shown
	// gen is the session's generation: answers that belong to an earlier session are dropped.
	gen     int
	ticking bool // a minute tick is pending
	// deferred is the screen F3 was pressed on while the last session's end was still being
	// recorded: the call is made once it is, so that it cannot be taken for the last person's.
	deferred string
}

// live reports a call the person may still be waiting on.
func (c staffCall) live() bool { return c.known && c.view.Live() }

// Messages of the call.
type (
	callDoneMsg struct {
		gen    int
		view   service.CallView
		exists bool
		err    error
	}
	callTickMsg struct{ gen int }
)

// screenName names a screen for the call staff receive (a-z and '_').
func screenName(id screenID) string {
	names := map[screenID]string{welcomeID: "welcome", identifyID: "identify", overviewID: "overview",
		processID: "process", payID: "pay", vehiclesID: "vehicles", pendingID: "pending",
		receiptID: "receipt", maintID: "maintenance"}
	if n, ok := names[id]; ok {
		return n
	}
	return "other"
}

// onStaffKey handles F3: it shows the panel and makes the call, or rings the live one again.
func (m *Model) onStaffKey() tea.Cmd {
	if m.c.Services == nil {
		return m.showNotice(txtCallNotReady)
	}
	m.call.open, m.call.failed = true, ""
	m.call.pending = !m.call.known || !m.call.view.Live()
	if m.ending {
		m.call.deferred = screenName(m.id)
		return nil
	}
	return m.makeCall(screenName(m.id))
}

// makeCall asks the service to call staff from screen.
func (m *Model) makeCall(screen string) tea.Cmd {
	svc, gen := m.c.Services, m.call.gen
	return func() tea.Msg {
		v, err := svc.CallStaff(screen)
		return callDoneMsg{gen: gen, view: v, exists: err == nil, err: err}
	}
}

// refreshCall reads the call again (after a status message of the engine).
func (m *Model) refreshCall() tea.Cmd {
	if !m.call.known || !m.call.view.Live() || m.c.Services == nil {
		return nil
	}
	svc, gen := m.c.Services, m.call.gen
	return func() tea.Msg {
		v, ok, err := svc.Call()
		return callDoneMsg{gen: gen, view: v, exists: ok, err: err}
	}
}

// onCallDone takes the service's answer. News (another state) opens the panel again: the
// person may have closed it and be looking elsewhere.
func (m *Model) onCallDone(msg callDoneMsg) tea.Cmd {
	if msg.gen != m.call.gen {
		return nil // the session it belongs to has ended
	}
	wasPending := m.call.pending
	m.call.pending = false
	switch {
	case msg.err != nil && wasPending:
		m.call.failed = txtCallFailed
		if errors.Is(msg.err, service.ErrCallsFull) {
			m.call.failed = txtCallFull
		}
		return nil
	case msg.err != nil || !msg.exists:
		return nil // a failed read: keep showing what was known
	}
	news := m.call.known && msg.view.State != m.call.view.State
	m.call.view, m.call.known = msg.view, true
	if news {
		m.call.open = true
	}
	var cmds []tea.Cmd
	if m.call.live() && !m.call.ticking {
		m.call.ticking = true
		cmds = append(cmds, m.opts.After(time.Minute, callTickMsg{gen: m.call.gen}))
	}
	if t := m.timeoutFor(m.screen); t != m.idle.timeout {
		cmds = append(cmds, m.restartIdle(t))
	}
	return tea.Batch(cmds...)
}

// onCallTick redraws the minutes waited, once a minute while the call is live.
func (m *Model) onCallTick(msg callTickMsg) tea.Cmd {
	if msg.gen != m.call.gen || !m.call.live() {
		return nil
	}
	return m.opts.After(time.Minute, callTickMsg{gen: m.call.gen})
}

// forgetCall drops the call at the end of a session.
func (m *Model) forgetCall() { m.call = staffCall{gen: m.call.gen + 1} }

// timeoutFor is s's idle timeout, held to callHold while the person's call is live.
func (m *Model) timeoutFor(s Screen) time.Duration {
	t := s.Timeout()
	if t > 0 && m.call.live() {
		t = max(t, callHold)
	}
	return t
}

// callWaited is how long the person has waited since F3, in whole minutes.
func (m *Model) callWaited() (time.Duration, string) {
	d := max(m.c.Now().Sub(m.call.view.MadeAt), 0)
	return d, strconv.Itoa(int(d / time.Minute))
}

// callPanelView is the panel: a title, what happened, and how to close it.
func (m *Model) callPanelView(w int) string {
	c := m.c
	var body []string
	v := m.call.view
	switch {
	case m.call.failed != "":
		body = []string{c.T(m.call.failed)}
	case m.call.pending || !m.call.known:
		body = []string{c.T(txtCallSaving)}
	case v.State == service.CallQueued && v.Offline:
		body = []string{c.T(txtCallQueuedOff)}
	case v.State == service.CallQueued:
		body = []string{c.T(txtCallSending)}
	case v.State == service.CallSent:
		waited, n := m.callWaited()
		if waited < time.Minute {
			body = []string{c.T(txtCallSent)}
		} else {
			body = []string{c.T(txtCallWaited, "n", n)}
		}
		if waited >= callAdviceAfter {
			body = append(body, c.T(txtCallNobodyCame))
		}
	case v.State == service.CallComing:
		body = []string{c.T(txtCallComing)}
	case v.State == service.CallClosed:
		body = []string{c.T(txtCallClosed)}
	case v.State == service.CallRefused:
		body = []string{c.T(txtCallRefused)}
	}
	inner := min(w, 70) - c.Styles.Call.GetHorizontalFrameSize()
	parts := []string{wrap(c.T(txtCallTitle), inner)}
	for _, b := range body {
		parts = append(parts, wrap(b, inner))
	}
	dismiss := txtCallDismiss
	if m.call.failed != "" || (m.call.known && !m.call.pending && !v.Live()) {
		dismiss = txtCallDismissDone // there is no call that stays
	}
	parts = append(parts, wrap(c.T(dismiss), inner))
	return c.Styles.Call.Render(strings.Join(parts, "\n\n"))
}

// callLine is the notice line's word on a live call while its panel is closed ("" for none).
func (m *Model) callLine() string {
	if m.call.open || !m.call.live() {
		return ""
	}
	c, v := m.c, m.call.view
	switch v.State {
	case service.CallQueued:
		if v.Offline {
			return c.T(txtCallLineQueued)
		}
		return c.T(txtCallLineSending)
	case service.CallSent:
		if waited, n := m.callWaited(); waited >= time.Minute {
			return c.T(txtCallLineWaited, "n", n)
		}
		return c.T(txtCallLineSent)
	case service.CallComing:
		return c.T(txtCallLineComing)
	}
	return ""
}
