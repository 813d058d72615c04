package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/api"
)

// A result screen that said "pending confirmation" keeps waiting for the platform's answer
// while the person is still on it, and shows the answer when it comes: applied, applied with
// changes, or rejected with reasons. The receipt printed with "pending confirmation" is not
// printed again; the screen says so. Each wait is bounded, and the next one is started only
// while the screen still waits for the same request, so a session that ended leaves at most
// one wait behind, for at most lateWait.
const (
	lateWait  = 30 * time.Second
	lateRetry = 2 * time.Second
)

type (
	// lateAnswerMsg is the platform's answer to a queued operation, nil when the wait ended first.
	lateAnswerMsg struct {
		req    uint64
		result *api.OpResult
		err    error
	}
	// lateRetryMsg starts the next wait.
	lateRetryMsg struct{ req uint64 }
)

// awaitLateCmd waits up to lateWait for the answer to the queued operation seq.
func awaitLateCmd(c *Common, req uint64, seq int64) tea.Cmd {
	svc := c.Services
	if svc == nil {
		return nil
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), lateWait)
		defer cancel()
		r, err := svc.Await(ctx, seq)
		return lateAnswerMsg{req: req, result: r, err: err}
	}
}

// lateWaiter follows one operation's answer for a result screen.
type lateWaiter struct {
	req      uint64
	seq      int64
	answered bool // the answer came after the screen first said "pending confirmation"
}

// start begins waiting for the answer to seq.
func (l *lateWaiter) start(c *Common, seq int64) tea.Cmd {
	l.req, l.seq, l.answered = c.newRequest(), seq, false
	return awaitLateCmd(c, l.req, seq)
}

// stop drops any answer still to come (the person left the result).
func (l *lateWaiter) stop() { l.req = 0 }

// update handles the waiter's messages: it returns the answer when one came for its request,
// and the command that goes on waiting otherwise.
func (l *lateWaiter) update(c *Common, msg tea.Msg) (*api.OpResult, tea.Cmd) {
	switch msg := msg.(type) {
	case lateAnswerMsg:
		if l.req == 0 || msg.req != l.req {
			return nil, nil
		}
		if msg.result != nil {
			l.req, l.answered = 0, true
			return msg.result, nil
		}
		if msg.err != nil {
			l.req = 0 // the store failed: the screen keeps "pending confirmation", which is true
			return nil, nil
		}
		return nil, c.After(lateRetry, lateRetryMsg{req: l.req})
	case lateRetryMsg:
		if l.req != 0 && msg.req == l.req {
			return nil, awaitLateCmd(c, l.req, l.seq)
		}
	}
	return nil, nil
}
