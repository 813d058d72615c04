package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// applyBatch applies a kiosk's operations in one database transaction: for each operation it
// deduplicates (by operation id, and by the kiosk's epoch and sequence), re-checks the rules
// against current data, applies, stores the result and advances the kiosk's sequence. Either all
// of that commits or none of it does; a retry of any operation returns its stored result.
func (s *Server) applyBatch(ctx context.Context, kioskID string, ops []api.Op) ([]api.OpResult, error) {
	var results []api.OpResult
	var counted []opCount
	err := s.store.Tx(ctx, func(tx store.Tx) error {
		results, counted = results[:0], counted[:0] // the store may retry this function
		k, err := tx.LockKiosk(kioskID)
		if err != nil {
			return fmt.Errorf("lock kiosk: %w", err)
		}
		now := s.now()
		if err := prelock(tx, ops, now); err != nil {
			return fmt.Errorf("lock records: %w", err)
		}
		for _, op := range ops {
			res, fresh, err := s.applyOne(tx, &k, op, now)
			if err != nil {
				return fmt.Errorf("apply op %s: %w", op.ID, err)
			}
			results = append(results, res)
			if fresh {
				counted = append(counted, opCount{op.Type, res.Outcome})
			}
			if res.Outcome == api.OutcomeDeferred {
				break // later operations wait for the missing one too
			}
		}
		return tx.TouchKiosk(kioskID, now)
	})
	if err != nil {
		return nil, err
	}
	for _, c := range counted {
		s.metrics.op(c.typ, c.outcome)
	}
	// Operations not reached after a deferral are deferred as well.
	for i := len(results); i < len(ops); i++ {
		results = append(results, deferred(ops[i]))
	}
	return results, nil
}

type opCount struct{ typ, outcome string }

// applyOne applies one operation inside the batch's transaction. fresh reports whether it was
// applied now (rather than found already applied, refused or deferred).
func (s *Server) applyOne(tx store.Tx, k *store.Kiosk, op api.Op, now time.Time) (api.OpResult, bool, error) {
	hash, err := requestHash(op)
	if err != nil {
		return api.OpResult{}, false, err
	}
	prior, err := tx.Op(op.ID)
	switch {
	case err == nil:
		if prior.RequestHash != hash || prior.KioskID != k.ID {
			return refused(op, model.ReasonOpIDReused), false, nil
		}
		return storedResult(prior)
	case !errors.Is(err, store.ErrNotFound):
		return api.OpResult{}, false, err
	}

	// Sequence: the kiosk's operations apply in order within an epoch. An operation of an older
	// epoch (delivered late from a store the kiosk has since replaced) is applied without moving
	// the current epoch's progress: it is still something a user did, and a payment is a fact.
	advance := false
	switch {
	case op.Epoch > k.Epoch:
		if op.Seq != 1 {
			return deferred(op), false, nil
		}
		k.Epoch, k.LastSeq, advance = op.Epoch, 0, true
	case op.Epoch == k.Epoch:
		if op.Seq <= k.LastSeq {
			// That sequence number was applied under another operation id.
			return refused(op, model.ReasonOpIDReused), false, nil
		}
		if op.Seq > k.LastSeq+1 {
			return deferred(op), false, nil
		}
		advance = true
	}

	res, err := s.apply(tx, k, op, now)
	if err != nil {
		return api.OpResult{}, false, err
	}
	res.OpID, res.Seq, res.AppliedAt = op.ID, op.Seq, now
	body, err := json.Marshal(res)
	if err != nil {
		return api.OpResult{}, false, err
	}
	inserted, err := tx.InsertOp(store.OpRecord{
		OpID: op.ID, KioskID: k.ID, Epoch: op.Epoch, Seq: op.Seq, Type: op.Type,
		RequestHash: hash, Outcome: res.Outcome, Result: body, AppliedAt: now,
	})
	if err != nil {
		return api.OpResult{}, false, err
	}
	if !inserted {
		// Another transaction stored this operation between our check and our insert; the
		// kiosk lock makes that impossible for one kiosk, so this is a bug worth a retry.
		return api.OpResult{}, false, errors.New("operation stored concurrently")
	}
	if advance {
		k.LastSeq = op.Seq
		if err := tx.SetKioskProgress(k.ID, k.Epoch, k.LastSeq); err != nil {
			return api.OpResult{}, false, err
		}
	}
	return res, true, nil
}

// apply dispatches on the operation's type. A malformed operation is rejected (and stored, so
// that it does not block the kiosk's queue); only storage failures are errors.
func (s *Server) apply(tx store.Tx, k *store.Kiosk, op api.Op, now time.Time) (api.OpResult, error) {
	p, err := s.profileOf(k)
	if err != nil {
		return api.OpResult{}, err
	}
	switch {
	case op.Type == api.OpProcess && op.Process != nil:
		return s.applyProcess(tx, p, op, now)
	case op.Type == api.OpPay && op.Pay != nil:
		return s.applyPay(tx, p, op, now)
	case op.Type == api.OpBind && op.Bind != nil:
		return s.applyBind(tx, p, op, now)
	case op.Type == api.OpUnbind && op.Unbind != nil:
		return s.applyUnbind(tx, op, now)
	case op.Type == api.OpFollow && op.Follow != nil:
		return s.applyFollow(tx, p, op, now)
	case op.Type == api.OpUnfollow && op.Unfollow != nil:
		return s.applyUnfollow(tx, op, now)
	}
	return rejected(model.Reason{Code: model.ReasonOpMalformed}), nil
}

// requestHash fingerprints an operation's content: the same id must always carry it.
func requestHash(op api.Op) (string, error) {
	b, err := json.Marshal(op)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

func storedResult(rec store.OpRecord) (api.OpResult, bool, error) {
	var res api.OpResult
	if err := json.Unmarshal(rec.Result, &res); err != nil {
		return api.OpResult{}, false, fmt.Errorf("stored result of %s: %w", rec.OpID, err)
	}
	return res, false, nil
}

func deferred(op api.Op) api.OpResult {
	return api.OpResult{OpID: op.ID, Seq: op.Seq, Outcome: api.OutcomeDeferred,
		Reasons: []api.Reason{{Code: string(model.ReasonOpSeqGap)}}}
}

func refused(op api.Op, code model.ReasonCode) api.OpResult {
	return api.OpResult{OpID: op.ID, Seq: op.Seq, Outcome: api.OutcomeRejected,
		Reasons: []api.Reason{{Code: string(code)}}}
}

// rejected is a stored rejection with its reasons.
func rejected(rs ...model.Reason) api.OpResult {
	res := api.OpResult{Outcome: api.OutcomeRejected}
	for _, r := range rs {
		res.Reasons = append(res.Reasons, api.FromReason(r, ""))
	}
	return res
}

func (s *Server) profileOf(k *store.Kiosk) (*model.Profile, error) {
	name := k.Profile
	if name == "" {
		name = s.defaultProfile
	}
	return s.ref.Profile(name)
}

// prelock takes the row locks a batch will need in one global order: the drivers it names, then
// the violations, each sorted. Two batches that touch the same people and violations then
// queue behind each other instead of deadlocking (on PostgreSQL, where row locks are real; the
// embedded store has a single writer and these are plain reads). Locks taken again later in
// the transaction are already held.
func prelock(tx store.Tx, ops []api.Op, now time.Time) error {
	drivers, violations := map[model.IDNumber]bool{}, map[string]bool{}
	person := func(s string) {
		if id, err := model.ParseIDNumber(s, now); err == nil {
			drivers[id] = true
		}
	}
	for _, op := range ops {
		switch {
		case op.Process != nil:
			person(op.Process.DriverID)
			for _, v := range op.Process.ViolationIDs {
				violations[v] = true
			}
		case op.Pay != nil:
			for _, it := range op.Pay.Items {
				violations[it.ViolationID] = true
			}
		case op.Bind != nil:
			person(op.Bind.DriverID)
		case op.Follow != nil:
			person(op.Follow.FollowerID)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(drivers)) {
		if _, err := tx.LockDriver(id); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	for _, id := range slices.Sorted(maps.Keys(violations)) {
		if _, err := tx.LockViolation(id); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}
