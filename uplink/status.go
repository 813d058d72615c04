package uplink

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
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

// succeeded records a working exchange: the server is online and backoff resets. An outage
// whose start the journal recorded gets its end recorded, with its count of attempts: the one
// trace an outage leaves in the store besides its start.
func (e *Engine) succeeded() {
	now := e.cfg.Now()
	e.mu.Lock()
	attempts := e.failures
	e.failures = 0
	e.status.FailedAttempts = 0
	e.status.LastSuccess = now
	e.status.LastError = ""
	e.status.Problem = NoProblem
	changed := e.setState(Online, now)
	e.mu.Unlock()
	if attempts > 0 && e.outage.journaled {
		e.journal(storage.EventOutageEnded, fmt.Sprintf("%d failed attempts over %s; last: %s",
			attempts, now.Sub(e.outage.since).Round(time.Second), e.outage.lastError))
		e.cfg.Log.Info("server reachable again", "failed_attempts", attempts,
			"outage_s", int64(now.Sub(e.outage.since).Seconds()))
	}
	e.corrected = false
	if attempts > 0 {
		e.outage.journaled = false
		e.lastLog = time.Time{}
	}
	e.refreshCounts()
	if changed {
		e.notify()
	}
}

// failed records a failed exchange and returns the backoff before the next attempt: exponential
// from MinBackoff, capped at MaxBackoff, with full jitter so that a hall's kiosks coming back
// together do not arrive together. Nothing is written to the store per attempt: the outage's
// start is journaled once, when it has lasted long enough to count as offline.
func (e *Engine) failed(err error) time.Duration {
	now := e.cfg.Now()
	e.mu.Lock()
	e.failures++
	failures := e.failures
	e.status.FailedAttempts = failures
	e.status.LastOutage = failures
	e.status.LastError = category(err)
	e.status.Problem = problemOf(err)
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
	if failures == 1 {
		e.outage.since = now
	}
	e.outage.lastError = category(err)
	if next == Offline && !e.outage.journaled {
		e.outage.journaled = true
		e.journal(storage.EventOutageBegan, "first failed attempt at "+e.outage.since.UTC().Format(time.RFC3339)+
			"; "+category(err))
	}
	if e.lastLog.IsZero() || now.Sub(e.lastLog) >= logEvery {
		e.lastLog = now
		e.cfg.Log.Warn("sync attempt failed", "error", category(err), "problem", problemOf(err).String(),
			"failed_attempts", failures, "retry_in_ms", wait.Milliseconds())
	}
	e.refreshCounts()
	if changed {
		e.notify()
	}
	return wait
}

// journal records an event of the engine; a store that cannot write it is logged, not fatal.
func (e *Engine) journal(event, detail string) {
	if err := e.cfg.Store.AppendJournal(storage.JournalEntry{At: e.cfg.Clock.Now(), Event: event, Detail: detail}); err != nil {
		e.cfg.Log.Error("journal write failed", "event", event, "err", err)
	}
}

// problemOf sorts a failure into what the kiosk tells people and staff.
func problemOf(err error) Problem {
	var se *api.StatusError
	var ne net.Error
	var le *localError
	switch {
	case errors.As(err, &le):
		return LocalStore
	case errors.As(err, &se) && se.Status == http.StatusUnauthorized && se.Body.Code == api.CodeStaleTimestamp:
		return ClockOff
	case errors.As(err, &se) && (se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden):
		return NotEnrolled
	case errors.As(err, &se):
		return ServerError
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne):
		return Unreachable
	}
	return ServerError
}

// localError marks a failure of the kiosk's own store, as opposed to the exchange.
type localError struct{ err error }

func (e *localError) Error() string { return e.err.Error() }
func (e *localError) Unwrap() error { return e.err }

func local(context string, err error) error {
	return &localError{err: fmt.Errorf("%s: %w", context, err)}
}

// setState changes the state; the caller holds mu. It reports whether anything changed.
func (e *Engine) setState(s State, now time.Time) bool {
	if e.status.State == s {
		return false
	}
	e.status.State, e.status.Since = s, now
	return true
}

// refreshCounts updates the outbox figures and notifies when they changed. It reads the store
// only when the outbox changed since the last count.
func (e *Engine) refreshCounts() {
	version := e.cfg.Store.OutboxVersion()
	e.mu.Lock()
	fresh := e.counted && e.countedVersion == version
	e.mu.Unlock()
	if fresh {
		return
	}
	counts, err := e.cfg.Store.Counts()
	if err != nil {
		return
	}
	var oldest time.Time
	if pending, err := e.cfg.Store.Pending(1); err == nil && len(pending) > 0 {
		oldest = pending[0].QueuedAt
	}
	depth := counts[storage.StateQueued] + counts[storage.StateSent]
	rejected := counts[storage.StateRejected]
	e.mu.Lock()
	changed := e.status.OutboxDepth != depth || e.status.Rejected != rejected || !e.status.OldestPending.Equal(oldest)
	e.status.OutboxDepth, e.status.Rejected, e.status.OldestPending = depth, rejected, oldest
	e.counted, e.countedVersion = true, version
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
