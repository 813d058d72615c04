package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/hallkiosk/kiosk/server/store"
)

const (
	// storageRetryAfter is what a request that failed for full or read-only storage is told to
	// wait. Freeing a disk or promoting a database takes an operator minutes; a kiosk's sync
	// engine retries sooner anyway (its backoff is capped at seconds), and loses nothing.
	storageRetryAfter = time.Minute
	// probeEvery bounds how often /healthz writes: it is unauthenticated, so without this a
	// flood of probes would be a flood of commits on the store's one writer. A probe every
	// few seconds (what load balancers do) costs one small commit each.
	probeEvery = time.Second
	// healthTimeout bounds each check of /healthz.
	healthTimeout = 2 * time.Second
)

// storageFailure is how a failure of the store that is no bug of ours is answered: its code, and
// a message that says what happened and what becomes of the request.
type storageFailure struct {
	code    string
	message string
}

// storageFailureOf classifies err: a full store, a read-only one, one short of other resources.
func storageFailureOf(err error) (storageFailure, bool) {
	const kept = "; operations a kiosk queued stay queued there and are sent again: retry in 60 seconds"
	switch {
	case store.IsFull(err):
		return storageFailure{"store_full", "the server's storage is full, so it cannot record anything now" + kept}, true
	case store.IsReadOnly(err):
		return storageFailure{"store_read_only", "the server's database is read-only now (a standby, or a file system " +
			"mounted read-only), so it cannot record anything" + kept}, true
	case store.IsOutOfResources(err):
		return storageFailure{"store_unavailable", "the server's database is out of resources (memory or connections) for now" + kept}, true
	}
	return storageFailure{}, false
}

// writeStorageFailure answers 503 with Retry-After.
func writeStorageFailure(w http.ResponseWriter, f storageFailure) {
	w.Header().Set("Retry-After", strconv.Itoa(int(storageRetryAfter/time.Second)))
	writeError(w, http.StatusServiceUnavailable, f.code, f.message)
}

// health remembers the last write probe of /healthz and the last storage failure a request met.
// A small probe proves less than a real write: a one-row update can still fit where a batch of
// operations no longer does (PostgreSQL updates the row in place on a full disk), so a request
// that failed for storage keeps /healthz failing for storageRetryAfter after it.
type health struct {
	// probeMu serialises probes and guards their result; a probe holds it while it runs, so
	// that concurrent callers share the probe instead of each making one.
	probeMu  sync.Mutex
	probedAt time.Time
	probe    error
	mu       sync.Mutex // guards the rest
	failedAt time.Time
	failure  storageFailure
	reported string // the cause last logged, so that a failing state is logged once
}

// sawFailure records a request that failed for storage.
func (h *health) sawFailure(f storageFailure, now time.Time) {
	h.mu.Lock()
	h.failedAt, h.failure = now, f
	h.mu.Unlock()
}

// probeWrite runs the store's write check, at most once per probeEvery; callers in between
// get the last result.
func (h *health) probeWrite(ctx context.Context, st store.Store, now time.Time) error {
	h.probeMu.Lock()
	defer h.probeMu.Unlock()
	if !h.probedAt.IsZero() && now.Sub(h.probedAt) < probeEvery && now.Sub(h.probedAt) >= 0 {
		return h.probe
	}
	h.probe = st.CheckWritable(ctx, now)
	h.probedAt = now
	return h.probe
}

// recentFailure is the storage failure a request met within storageRetryAfter, if any.
func (h *health) recentFailure(now time.Time) (storageFailure, time.Duration, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ago := now.Sub(h.failedAt)
	if h.failedAt.IsZero() || ago >= storageRetryAfter {
		return storageFailure{}, 0, false
	}
	return h.failure, ago, true
}

// report reports whether cause ("" for healthy) differs from the last one reported.
func (h *health) report(cause string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	changed := h.reported != cause
	h.reported = cause
	return changed
}

// handleHealth answers 200 when the store reads and writes: a read, then a small committed
// write (see store.CheckWritable), and no request has failed for storage within the last
// minute. Otherwise 503 with the cause: store_full and store_read_only (with Retry-After), or
// store_unavailable (the database does not answer, or lacks other resources).
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	now := s.now()
	err := s.store.Read(ctx, func(rd store.Reader) error {
		_, _, err := rd.Meta("epoch")
		return err
	})
	if err == nil {
		err = s.health.probeWrite(ctx, s.store, now)
	}
	f, classified := storageFailureOf(err)
	switch {
	case err != nil && classified:
		s.healthFailed(f.code, err)
		writeStorageFailure(w, storageFailure{f.code, "writes fail: " + f.message})
	case err != nil:
		s.healthFailed("store_unavailable", err)
		msg := "the database does not answer"
		if errors.Is(err, context.DeadlineExceeded) {
			msg = "the database did not answer within 2 seconds"
		}
		writeError(w, http.StatusServiceUnavailable, "store_unavailable", msg)
	default:
		if f, ago, ok := s.health.recentFailure(now); ok {
			s.healthFailed(f.code, nil)
			writeStorageFailure(w, storageFailure{f.code, "a request failed " + strconv.Itoa(int(ago/time.Second)) +
				" seconds ago: " + f.message})
			return
		}
		if s.health.report("") {
			s.log.Info("health check passes")
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "store": s.store.Kind()})
	}
}

// healthFailed logs a failing health check once per cause, so that a probe every few seconds
// does not flood the log.
func (s *Server) healthFailed(cause string, err error) {
	if s.health.report(cause) {
		s.log.Error("health check failed", "cause", cause, "err", err)
	}
}

// storeWritable reports what /healthz would say of the store's writes at now, for the metrics
// (kiosk_server_store_writable): false while the write probe fails (it runs at most once per
// probeEvery, shared with /healthz) or a request failed for storage within storageRetryAfter.
// It logs nothing: /healthz logs the cause.
func (s *Server) storeWritable(ctx context.Context, now time.Time) bool {
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	if err := s.health.probeWrite(ctx, s.store, now); err != nil {
		return false
	}
	_, _, recent := s.health.recentFailure(now)
	return !recent
}
