package uplink

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/storage"
)

func (e *Engine) tried() {
	e.mu.Lock()
	e.lastTry = e.cfg.Now()
	e.mu.Unlock()
}

func (e *Engine) countSent(n int) {
	e.mu.Lock()
	e.status.OpsSent += n
	e.mu.Unlock()
}

func (e *Engine) countDone(n int) {
	e.mu.Lock()
	e.status.OpsDone += n
	e.mu.Unlock()
}

// succeeded records a working exchange: the server is online and backoff resets.
func (e *Engine) succeeded() {
	now := e.cfg.Now()
	e.mu.Lock()
	e.failures = 0
	e.status.FailedAttempts = 0
	e.status.LastSuccess = now
	e.status.LastError = ""
	changed := e.setState(Online, now)
	e.mu.Unlock()
	e.refreshCounts()
	if changed {
		e.notify()
	}
}

// failed records a failed exchange and returns the backoff before the next attempt: exponential
// from MinBackoff, capped at MaxBackoff, with full jitter so that a hall's kiosks coming back
// together do not arrive together.
func (e *Engine) failed(err error) time.Duration {
	now := e.cfg.Now()
	e.mu.Lock()
	e.failures++
	e.status.FailedAttempts = e.failures
	e.status.LastError = category(err)
	next := Offline
	if !e.status.LastSuccess.IsZero() && now.Sub(e.status.LastSuccess) < e.cfg.DegradedFor {
		next = Degraded
	}
	changed := e.setState(next, now)
	ceiling := e.cfg.MinBackoff << min(e.failures-1, 20)
	if ceiling > e.cfg.MaxBackoff || ceiling <= 0 {
		ceiling = e.cfg.MaxBackoff
	}
	wait := time.Duration(e.rng.Int64N(int64(ceiling))) + e.cfg.MinBackoff/2
	e.mu.Unlock()
	e.cfg.Log.Warn("sync attempt failed", "error", category(err), "retry_in_ms", wait.Milliseconds())
	e.refreshCounts()
	if changed {
		e.notify()
	}
	return wait
}

// setState changes the state; the caller holds mu. It reports whether anything changed.
func (e *Engine) setState(s State, now time.Time) bool {
	if e.status.State == s {
		return false
	}
	e.status.State, e.status.Since = s, now
	return true
}

// refreshCounts updates the outbox figures and notifies when they changed.
func (e *Engine) refreshCounts() {
	depth, err1 := e.cfg.Store.Depth()
	rejected, err2 := e.cfg.Store.Entries(storage.StateRejected)
	if err1 != nil || err2 != nil {
		return
	}
	e.mu.Lock()
	changed := e.status.OutboxDepth != depth || e.status.Rejected != len(rejected)
	e.status.OutboxDepth, e.status.Rejected = depth, len(rejected)
	e.mu.Unlock()
	if changed {
		e.notify()
	}
}

func (e *Engine) notify() {
	if e.cfg.OnStatus != nil {
		e.cfg.OnStatus(e.Status())
	}
}

// category names an error for logs and the maintenance view without its content.
func category(err error) string {
	var se *api.StatusError
	var ne net.Error
	switch {
	case errors.As(err, &se):
		return "server answered " + se.Body.Code
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return "timeout"
	case errors.As(err, &ne):
		return "network"
	}
	return "error"
}
