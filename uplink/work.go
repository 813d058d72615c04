package uplink

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/storage"
)

// drain sends one batch of pending operations, oldest first, and records the results. It
// reports whether it sent anything.
//
// Sending writes nothing to the store: only the server's answers are recorded (Complete), so
// an outage of any length leaves the file as it was. The batch read from the outbox is kept
// while the outbox does not change, so a long outage does not decrypt it again on every try.
func (e *Engine) drain(ctx context.Context) (bool, error) {
	ops, err := e.pendingBatch()
	if err != nil {
		return false, local("read outbox", err)
	}
	if len(ops) == 0 {
		return false, nil
	}
	rctx, cancel := context.WithTimeout(ctx, e.cfg.RequestTimeout)
	defer cancel()
	e.countSent(len(ops))
	sent := e.cfg.Clock.Local()
	resp, err := e.cfg.Client.Ops(rctx, ops)
	e.tried()
	if err != nil {
		return false, e.clockRefused(err, sent)
	}
	if len(resp.Results) != len(ops) {
		return false, errors.New("server answered a different number of results")
	}
	if err := e.cfg.Store.Complete(resp.Results); err != nil {
		return false, local("record results", err)
	}
	deferred := 0
	for _, r := range resp.Results {
		if r.Outcome == api.OutcomeDeferred {
			deferred++
		}
	}
	e.countDone(len(resp.Results) - deferred)
	e.succeeded()
	if deferred == len(resp.Results) {
		// The server waits for an operation this kiosk no longer has; the next attempts resend
		// from the oldest pending one. Back off so as not to spin.
		return false, errors.New("operations deferred by the server")
	}
	return true, nil
}

// pendingBatch returns the oldest pending operations, at most a batch, from memory when the
// outbox has not changed since they were read.
func (e *Engine) pendingBatch() ([]api.Op, error) {
	version := e.cfg.Store.OutboxVersion()
	if e.batch.valid && e.batch.version == version {
		return e.batch.ops, nil
	}
	pending, err := e.cfg.Store.Pending(e.cfg.BatchSize)
	if err != nil {
		return nil, err
	}
	ops := make([]api.Op, len(pending))
	for i, p := range pending {
		ops[i] = p.Op
	}
	e.batch.ops, e.batch.version, e.batch.valid = ops, version, true
	return ops, nil
}

// pullReference fetches reference-data changes and stores them with the new cursor, after
// checking that each document parses: a broken document from the server must not break the
// kiosk's rules.
func (e *Engine) pullReference(ctx context.Context) error {
	cursor, _, err := e.cfg.Store.Reference()
	if err != nil {
		return local("read reference", err)
	}
	rctx, cancel := context.WithTimeout(ctx, e.cfg.RequestTimeout)
	defer cancel()
	sent := e.cfg.Clock.Local()
	ch, err := e.cfg.Client.Changes(rctx, cursor)
	e.tried()
	if err != nil {
		return e.clockRefused(err, sent)
	}
	docs := make([]storage.RefDoc, 0, len(ch.Changes))
	for _, c := range ch.Changes {
		if err := validDoc(c); err != nil {
			e.cfg.Log.Error("reference document refused", "kind", c.Kind, "key", c.Key, "err", err)
			return fmt.Errorf("reference document %s %s: %w", c.Kind, c.Key, err)
		}
		docs = append(docs, storage.RefDoc{Kind: c.Kind, Key: c.Key, Body: c.Body})
	}
	if err := e.cfg.Store.PutReference(ch.Cursor, ch.Full, docs); err != nil {
		return local("store reference", err)
	}
	e.succeeded()
	return nil
}

func validDoc(c api.RefChange) error {
	var err error
	switch c.Kind {
	case "profile":
		_, err = model.ParseProfile(c.Body)
	case "catalogue":
		_, err = model.ParseCatalogue(c.Body)
	case "texts":
		_, err = model.ParseTexts(c.Body)
	default:
		err = errors.New("unknown kind")
	}
	return err
}

// heartbeat tells the server how the kiosk is doing, and measures the clock on its answer.
func (e *Engine) heartbeat(ctx context.Context) error {
	hb := e.Report()
	rctx, cancel := context.WithTimeout(ctx, min(e.cfg.RequestTimeout, 3*time.Second))
	defer cancel()
	sent := e.cfg.Clock.Local()
	reply, err := e.cfg.Client.Heartbeat(rctx, hb)
	received := e.cfg.Clock.Local()
	e.tried()
	if err != nil {
		return e.clockRefused(err, sent)
	}
	if !reply.ServerTime.IsZero() {
		e.cfg.Clock.Observe(reply.ServerTime, sent, received)
		e.noteSkew()
	}
	e.succeeded()
	return nil
}

// Report is the heartbeat's body: the engine's status, without personal data.
func (e *Engine) Report() api.Heartbeat {
	st := e.Status()
	hb := api.Heartbeat{OutboxDepth: st.OutboxDepth, Version: e.cfg.Version, Rejected: st.Rejected,
		FailedAttempts: st.LastOutage}
	if !st.LastSuccess.IsZero() {
		hb.LastSync = &st.LastSuccess
	}
	if !st.OldestPending.IsZero() {
		hb.OldestPending = &st.OldestPending
	}
	if st.ClockKnown {
		ms := st.ClockSkew.Milliseconds()
		hb.ClockSkewMS = &ms
	}
	if f := st.Fill; f.Level != "" {
		hb.Store = &api.StoreStatus{FileBytes: f.FileBytes, UsedBytes: f.UsedBytes, MaxBytes: f.MaxBytes,
			DiskFreeBytes: max(f.DiskFreeBytes, 0), Level: f.Level}
	}
	if cp := st.Checkpoint; cp.HeadSeq > 0 {
		hb.Journal = &api.JournalCheckpoint{Seq: cp.Seq, Hash: cp.Hash, At: cp.At, HeadSeq: cp.HeadSeq, HeadHash: cp.HeadHash}
	}
	if e.cfg.Devices != nil {
		hb.DeviceStates = e.cfg.Devices()
	}
	return hb
}

// clockRefused reads a refusal of a stale timestamp: when it proves the server's time, the
// clock is corrected and the error marked, so that the next attempt comes at once, signed
// with the corrected time. Any other error comes back as it was.
func (e *Engine) clockRefused(err error, sent time.Time) error {
	server, ok := e.cfg.Client.StaleClock(err)
	if !ok {
		return err
	}
	before, known := e.cfg.Clock.Skew()
	e.cfg.Clock.Observe(server, sent, e.cfg.Clock.Local())
	after, _ := e.cfg.Clock.Skew()
	e.noteSkew()
	if known && after == before || e.corrected {
		// Measured already and still refused, or refused again right after a correction: the
		// server's clock is moving. Back off like any failure.
		return err
	}
	e.corrected = true
	e.cfg.Log.Warn("kiosk clock corrected from the server's refusal", "skew_ms", after.Milliseconds())
	return &clockCorrected{err: err}
}

// clockCorrected is a refusal after which the clock was corrected: try again at once.
type clockCorrected struct{ err error }

func (e *clockCorrected) Error() string { return "clock corrected: " + e.err.Error() }
func (e *clockCorrected) Unwrap() error { return e.err }

// noteSkew copies the clock's measured skew into the status.
func (e *Engine) noteSkew() {
	skew, known := e.cfg.Clock.Skew()
	e.mu.Lock()
	changed := e.status.ClockKnown != known || (e.status.ClockSkew-skew).Abs() >= time.Second
	e.status.ClockSkew, e.status.ClockKnown = skew, known
	e.mu.Unlock()
	if changed {
		e.notify()
	}
}
