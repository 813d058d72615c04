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
		return false, fmt.Errorf("read outbox: %w", err)
	}
	if len(ops) == 0 {
		return false, nil
	}
	rctx, cancel := context.WithTimeout(ctx, e.cfg.RequestTimeout)
	defer cancel()
	e.countSent(len(ops))
	resp, err := e.cfg.Client.Ops(rctx, ops)
	e.tried()
	if err != nil {
		return false, err
	}
	if len(resp.Results) != len(ops) {
		return false, errors.New("server answered a different number of results")
	}
	if err := e.cfg.Store.Complete(resp.Results); err != nil {
		return false, fmt.Errorf("record results: %w", err)
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
		return fmt.Errorf("read reference: %w", err)
	}
	rctx, cancel := context.WithTimeout(ctx, e.cfg.RequestTimeout)
	defer cancel()
	ch, err := e.cfg.Client.Changes(rctx, cursor)
	e.tried()
	if err != nil {
		return err
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
		return fmt.Errorf("store reference: %w", err)
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

func (e *Engine) heartbeat(ctx context.Context) error {
	st := e.Status()
	hb := api.Heartbeat{OutboxDepth: st.OutboxDepth, Version: e.cfg.Version}
	if !st.LastSuccess.IsZero() {
		hb.LastSync = &st.LastSuccess
	}
	if e.cfg.Devices != nil {
		hb.Devices = e.cfg.Devices()
	}
	rctx, cancel := context.WithTimeout(ctx, min(e.cfg.RequestTimeout, 3*time.Second))
	defer cancel()
	_, err := e.cfg.Client.Heartbeat(rctx, hb)
	e.tried()
	if err != nil {
		return err
	}
	e.succeeded()
	return nil
}
