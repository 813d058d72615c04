package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// idleTimer wipes a session nobody attends. Each screen gets its own timeout. The generation
// counter changes whenever a screen is entered or the session ends, so a check scheduled for an
// earlier screen finds an old generation and does nothing; within one generation only one check
// is ever pending, however many keys are pressed.
type idleTimer struct {
	gen      int
	timeout  time.Duration // 0: the screen has no timeout
	deadline time.Time
	warning  bool // the warning is on screen
}

// idleCheckMsg asks the root to compare the clock with the deadline of generation gen.
type idleCheckMsg struct{ gen int }

// restartIdle starts the timer of a newly entered screen.
func (m *Model) restartIdle(timeout time.Duration) tea.Cmd {
	m.idle.gen++
	m.idle.timeout = timeout
	m.idle.warning = false
	m.idle.deadline = time.Time{}
	if timeout <= 0 {
		return nil
	}
	m.idle.deadline = m.c.Now().Add(timeout)
	return m.scheduleIdleCheck()
}

// touchIdle records activity. It moves the deadline only; the check already pending notices the
// new deadline and waits again. It reports whether the key ended a shown warning: that key
// asked for more time and does nothing else.
func (m *Model) touchIdle() (extended bool) {
	if m.idle.timeout <= 0 {
		return false
	}
	m.idle.deadline = m.c.Now().Add(m.idle.timeout)
	extended = m.idle.warning
	m.idle.warning = false
	return extended
}

// scheduleIdleCheck asks for a check when the warning is due, or every second while it shows so
// that the countdown moves. Nothing ticks while no warning is due.
func (m *Model) scheduleIdleCheck() tea.Cmd {
	now := m.c.Now()
	wait := m.idle.deadline.Add(-m.opts.IdleWarning).Sub(now)
	if wait <= 0 {
		wait = min(time.Second, m.idle.deadline.Sub(now))
	}
	wait = max(wait, 10*time.Millisecond)
	return m.opts.After(wait, idleCheckMsg{gen: m.idle.gen})
}

// onIdleCheck compares the clock with the deadline: too early, it waits again; inside the
// warning period, it shows the warning; past the deadline, it ends the session.
func (m *Model) onIdleCheck(msg idleCheckMsg) tea.Cmd {
	if msg.gen != m.idle.gen || m.idle.timeout <= 0 {
		return nil // a check of a screen or session that is gone
	}
	now := m.c.Now()
	switch {
	case !now.Before(m.idle.deadline):
		return m.endSession(true)
	case !now.Before(m.idle.deadline.Add(-m.opts.IdleWarning)):
		m.idle.warning = true
	}
	return m.scheduleIdleCheck()
}

// idleSecondsLeft is the countdown the warning shows, rounded up.
func (m *Model) idleSecondsLeft() int {
	left := m.idle.deadline.Sub(m.c.Now())
	return int((left + time.Second - 1) / time.Second)
}
