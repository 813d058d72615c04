package uplink

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/storage"
)

// Calls for staff go before the outbox: a person waiting for help must not wait behind a
// backlog of operations. Every live call (storage.Call.Live) is sent in each round, newest
// first (the person at the kiosk now), at most api.MaxCallsPerRequest a request: sending again
// is harmless, and the answers are how the kiosk learns that staff are coming. A round runs when
// a call was added or ended since the last one (so a call made leaves at once), and otherwise
// at most every Probe while any call is live.

// callsUnsupportedWait is how long the engine waits before asking again a server that did not
// know POST /v1/calls.
const callsUnsupportedWait = 5 * time.Minute

// callRounds is the engine's memory of its rounds of calls (only the engine's goroutine).
type callRounds struct {
	version int64     // the store's CallsVersion at the last round that worked
	last    time.Time // when that round was
	none    bool      // it found no live call
}

// sendCalls runs a round of calls when one is due.
func (e *Engine) sendCalls(ctx context.Context) error {
	version, now := e.cfg.Store.CallsVersion(), e.cfg.Now()
	r := &e.calls
	if version == r.version && (r.none || now.Sub(r.last) < e.cfg.Probe) {
		return nil
	}
	live, err := e.cfg.Store.LiveCalls()
	if err != nil {
		return local("read calls", err)
	}
	slices.Reverse(live) // newest first
	news, left := 0, len(live)
	for chunk := range slices.Chunk(live, api.MaxCallsPerRequest) {
		changed, err := e.callRound(ctx, chunk)
		var se *api.StatusError
		if errors.As(err, &se) && refusedForGood(se.Status) {
			// A server older than calls (404), or one that refuses these calls as they are
			// (400: they would be refused every time): the outbox must not wait behind them, so
			// they are asked about again only after a while. The calls stay in the store, live,
			// and the person is still told they have not reached anyone.
			e.cfg.Log.Warn("the server does not take these calls for staff; trying again later", "status", se.Status,
				"live_calls", len(live))
			r.version, r.last, r.none = version, now.Add(callsUnsupportedWait), false
			return nil
		}
		if err != nil {
			return err
		}
		news += len(changed)
		for _, c := range changed {
			if !c.Live() {
				left-- // answered for good: closed, refused, or its end delivered
			}
		}
	}
	r.version, r.last, r.none = version, now, len(live) == 0
	e.mu.Lock()
	changed := news > 0 || e.status.LiveCalls != left
	e.status.LiveCalls = left
	e.status.CallUpdates += int64(news)
	e.mu.Unlock()
	if changed {
		e.notify()
	}
	return nil
}

// callRound sends one request of calls and records the answers; it returns the calls the
// answers changed, as they are now.
func (e *Engine) callRound(ctx context.Context, chunk []storage.Call) ([]storage.Call, error) {
	req := api.CallsRequest{Calls: make([]api.StaffCall, len(chunk))}
	for i, c := range chunk {
		req.Calls[i] = c.StaffCall
	}
	rctx, cancel := context.WithTimeout(ctx, e.cfg.RequestTimeout)
	defer cancel()
	sent := e.cfg.Clock.Local()
	reply, err := e.cfg.Client.Calls(rctx, req)
	e.tried()
	if err != nil {
		return nil, e.clockRefused(err, sent)
	}
	changed, err := e.cfg.Store.RecordCalls(req.Calls, reply.Calls)
	switch {
	case errors.Is(err, storage.ErrInvalidCall):
		return nil, errors.New("server answered calls that do not match the request")
	case err != nil:
		return nil, local("record calls", err)
	}
	for _, c := range changed {
		e.cfg.Log.Info("call for staff answered", "call_id", c.ID, "state", c.State)
	}
	e.succeeded()
	return changed, nil
}

// refusedForGood reports an answer to calls that sending them again at once would not change:
// anything the server refuses as a client's fault, except being unknown or refused for the
// moment (401 and 429 concern every request, and the engine's status names them).
func refusedForGood(status int) bool {
	return status >= 400 && status < 500 && status != http.StatusUnauthorized && status != http.StatusTooManyRequests
}
