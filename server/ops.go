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

// incoming is one operation of a batch as it arrived: decoded when it could be, with the JSON
// path of what is wrong with its form when something is.
type incoming struct {
	op        api.Op
	hash      string // fingerprint of the content: the same op id must always carry it
	malformed bool
	path      string // below the operation, when malformed ("" for the operation as a whole)
	// person is whom the operation names as acting (personOf), "" when it names nobody in a
	// valid ID number: the one told when it is rejected.
	person model.IDNumber
}

// applyBatch applies a kiosk's operations in one database transaction: for each operation it
// deduplicates (by operation id, and by the kiosk's epoch and sequence), re-checks the rules
// against current data, applies, stores the result and advances the kiosk's sequence. Either all
// of that commits or none of it does; a retry of any operation returns its stored result.
//
// An operation the database refuses to apply (a constraint it breaks, or data it cannot be
// applied to) must not block the kiosk's queue. The batch is run again once as it is (the
// refusal may come from a transaction that committed meanwhile, such as an import taking a
// decision number, and the new run sees its data); if the same operation is refused again, the
// batch runs with that operation stored as rejected (ReasonOpFailed) instead of applied, so the
// operations after it go on. Each operation can cause at most two runs more.
func (s *Server) applyBatch(ctx context.Context, kioskID string, ins []incoming) ([]api.OpResult, error) {
	refusals, poisoned := map[int]int{}, map[int]bool{}
	for {
		results, counted, err := s.tryBatch(ctx, kioskID, ins, poisoned)
		var failed *opFailure
		if errors.As(err, &failed) && failed.poison() && !poisoned[failed.index] {
			if refusals[failed.index]++; refusals[failed.index] < 2 {
				continue
			}
			poisoned[failed.index] = true
			s.metrics.op(safeOpType(ins[failed.index].op.Type), "failed")
			s.log.Error("operation cannot be applied: stored as rejected", "kiosk", kioskID,
				"type", safeOpType(ins[failed.index].op.Type), "err", failed.err)
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, c := range counted {
			s.metrics.op(c.typ, c.outcome)
		}
		// Operations not reached after a deferral are deferred as well.
		for i := len(results); i < len(ins); i++ {
			results = append(results, deferred(ins[i].op))
		}
		return results, nil
	}
}

// opFailure is an error of applying one operation of a batch.
type opFailure struct {
	index int
	err   error
}

func (f *opFailure) Error() string { return fmt.Sprintf("apply op %d: %v", f.index, f.err) }
func (f *opFailure) Unwrap() error { return f.err }

// poison reports whether applying the operation failed for a reason that would fail it again
// on every retry: a constraint the database enforces, or data the rules cannot be applied to.
// Other failures (a lost connection, a full disk, a conflict with another transaction) are the
// server's and are answered as errors, so that the kiosk sends the batch again later.
func (f *opFailure) poison() bool {
	var bad *dataError
	return store.IsConstraint(f.err) || errors.As(f.err, &bad)
}

// dataError is a failure to apply an operation to data that cannot take it (a stored record the
// rules cannot handle): the same operation would fail again.
type dataError struct{ err error }

func (e *dataError) Error() string { return e.err.Error() }
func (e *dataError) Unwrap() error { return e.err }

func (s *Server) tryBatch(ctx context.Context, kioskID string, ins []incoming, poisoned map[int]bool) ([]api.OpResult, []opCount, error) {
	var results []api.OpResult
	var counted []opCount
	err := s.store.Tx(ctx, func(tx store.Tx) error {
		results, counted = results[:0], counted[:0] // the store may retry this function
		k, err := tx.LockKiosk(kioskID)
		if err != nil {
			return fmt.Errorf("lock kiosk: %w", err)
		}
		now := s.now()
		if err := prelock(tx, ins, now); err != nil {
			return fmt.Errorf("lock records: %w", err)
		}
		// The batch's operations already stored, read together; applyOne adds those it stores.
		ids := make([]string, 0, len(ins))
		for _, in := range ins {
			if in.op.Epoch >= 1 && in.op.Seq >= 1 {
				ids = append(ids, storeIDOf(k.ID, in.op.ID))
			}
		}
		stored, err := tx.Ops(ids)
		if err != nil {
			return fmt.Errorf("stored operations: %w", err)
		}
		epoch, lastSeq := k.Epoch, k.LastSeq
		for i, in := range ins {
			res, fresh, err := s.applyOne(tx, &k, stored, in, now, poisoned[i])
			if err != nil {
				return &opFailure{index: i, err: err}
			}
			results = append(results, res)
			if fresh {
				counted = append(counted, opCount{safeOpType(in.op.Type), res.Outcome})
			}
			if res.Outcome == api.OutcomeDeferred {
				break // later operations wait for the missing one too
			}
		}
		if k.Epoch != epoch || k.LastSeq != lastSeq {
			if err := tx.SetKioskProgress(k.ID, k.Epoch, k.LastSeq); err != nil {
				return fmt.Errorf("kiosk progress: %w", err)
			}
		}
		return tx.TouchKiosk(kioskID, now)
	})
	return results, counted, err
}

type opCount struct{ typ, outcome string }

// storeIDOf is the id an operation is stored under. An id outside the alphabet is stored under
// a name of the server's own, which no client id can take, so that its rejection is kept and
// its sequence number used like any other's.
func storeIDOf(kioskID, opID string) string {
	if !api.ValidClientID(opID) {
		return foreignOpID(kioskID, opID)
	}
	return opID
}

// applyOne applies one operation inside the batch's transaction. stored holds the batch's
// operations found stored when it began, and gets each one applyOne stores: the kiosk's row,
// locked for the batch, keeps any other transaction from storing operations of this kiosk. fresh
// reports whether it was applied now (rather than found already applied, refused or deferred).
// A poisoned operation is stored as rejected without being applied.
func (s *Server) applyOne(tx store.Tx, k *store.Kiosk, stored map[string]store.OpRecord, in incoming, now time.Time,
	poisoned bool) (api.OpResult, bool, error) {
	op := in.op
	if op.Epoch < 1 || op.Seq < 1 {
		// Without a place in the kiosk's sequence the operation can be neither stored nor
		// waited for; the answer is the same on every resend.
		path := "epoch"
		if op.Epoch >= 1 {
			path = "seq"
		}
		return malformed(op, path), false, nil
	}
	storeID := storeIDOf(k.ID, op.ID)
	if prior, ok := stored[storeID]; ok {
		if prior.RequestHash != in.hash || prior.KioskID != k.ID {
			return refused(op, model.ReasonOpIDReused), false, nil
		}
		return storedResult(prior)
	}

	// Sequence: the kiosk's operations apply in order within an epoch. An operation of an older
	// epoch (delivered late from a store the kiosk has since replaced) is applied without moving
	// the current epoch's progress: it is still something a user did, and a payment is a fact;
	// but its sequence number must still be free in that epoch.
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
	default:
		switch _, err := tx.OpAt(k.ID, op.Epoch, op.Seq); {
		case err == nil:
			return refused(op, model.ReasonOpIDReused), false, nil
		case !errors.Is(err, store.ErrNotFound):
			return api.OpResult{}, false, err
		}
	}

	var res api.OpResult
	switch {
	case in.malformed:
		res = malformedStored(in.path)
	case poisoned:
		res = rejected(model.Reason{Code: model.ReasonOpFailed})
	default:
		var err error
		if res, err = s.apply(tx, k, op, now); err != nil {
			return api.OpResult{}, false, err
		}
	}
	res.OpID, res.Seq, res.AppliedAt = op.ID, op.Seq, now
	body, err := json.Marshal(res)
	if err != nil {
		return api.OpResult{}, false, err
	}
	if advance {
		// Recorded once for the batch, at its end (tryBatch): in the same transaction as this
		// operation's record, so the two still commit together.
		k.LastSeq = op.Seq
	}
	rec := store.OpRecord{
		OpID: storeID, KioskID: k.ID, Epoch: op.Epoch, Seq: op.Seq, Type: safeOpType(op.Type),
		RequestHash: in.hash, Outcome: res.Outcome, Result: body, AppliedAt: now,
	}
	inserted, err := tx.InsertOp(rec)
	if err != nil {
		return api.OpResult{}, false, err
	}
	if !inserted {
		// Another transaction stored this operation between our check and our insert; the
		// kiosk lock makes that impossible for one kiosk, so this is a bug worth a retry.
		return api.OpResult{}, false, errors.New("operation stored concurrently")
	}
	stored[storeID] = rec
	if res.Outcome == api.OutcomeRejected && in.person != "" && storeID == op.ID {
		if err := insertNotice(tx, k.ID, in.person, op, res, now); err != nil {
			return api.OpResult{}, false, err
		}
	}
	// The operation's writes that wait to be sent go now, so that a failure among them is
	// charged to this operation and not to the next one.
	if err := tx.Flush(); err != nil {
		return api.OpResult{}, false, err
	}
	return res, true, nil
}

// apply judges the operation's time, then dispatches on its type, whose member checkOp has
// already found present and well-formed. Rejections are results (stored, so that they do not
// block the kiosk's queue); only storage failures are errors.
func (s *Server) apply(tx store.Tx, k *store.Kiosk, op api.Op, now time.Time) (api.OpResult, error) {
	p, err := s.profileOf(k)
	if err != nil {
		return api.OpResult{}, err
	}
	at, bad := acceptTime(op.At, now, p)
	if bad != nil {
		return rejected(*bad), nil
	}
	op.At = at // from here on, the time the server accepted
	switch op.Type {
	case api.OpProcess:
		return s.applyProcess(tx, p, k.ID, op, now)
	case api.OpPay:
		return s.applyPay(tx, p, k.ID, op, now)
	case api.OpBind:
		return s.applyBind(tx, p, k.ID, op, now)
	case api.OpUnbind:
		return s.applyUnbind(tx, op, now)
	case api.OpFollow:
		return s.applyFollow(tx, p, k.ID, op, now)
	case api.OpUnfollow:
		return s.applyUnfollow(tx, op, now)
	}
	return malformedStored("type"), nil
}

// acceptTime judges the time a kiosk reports for an operation (when the person confirmed it)
// against the server's clock. The kiosk's time is taken only inside a window the server can
// justify: not later than the server's clock plus the skew a signed request may have, and not
// older than the profile's acceptance bound (a week: an operation queued before an outage is
// delivered after it) plus that skew. A time inside the skew ahead of the server's clock is
// read as now. Outside the window the operation is rejected with a reason that says which bound
// it broke, never silently moved: a payment dated before its late fee began would otherwise owe
// none.
func acceptTime(at, now time.Time, p *model.Profile) (time.Time, *model.Reason) {
	switch {
	case at.After(now.Add(api.MaxClockSkew)):
		return time.Time{}, &model.Reason{Code: model.ReasonOpTimeFuture, Args: model.Args{At: at}}
	case at.Before(now.Add(-p.Offline.AcceptAge() - api.MaxClockSkew)):
		return time.Time{}, &model.Reason{Code: model.ReasonOpTimeTooOld,
			Args: model.Args{At: at, Limit: p.Offline.AcceptAgeHours}}
	case at.After(now):
		return now, nil
	}
	return at, nil
}

// foreignOpID names the stored record of an operation whose id is outside the client alphabet.
// The ':' keeps it out of reach of every client id.
func foreignOpID(kioskID, opID string) string {
	sum := sha256.Sum256([]byte(kioskID + "\x00" + opID))
	return "bad-id:" + hex.EncodeToString(sum[:20])
}

// safeOpType keeps an operation type fit for a log line and a metric label: one of ours, or
// "other".
func safeOpType(t string) string {
	for _, known := range model.OpTypes() {
		if t == known {
			return t
		}
	}
	return "other"
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

// malformed rejects an operation that cannot be stored, naming what is wrong by path.
func malformed(op api.Op, path string) api.OpResult {
	res := malformedStored(path)
	res.OpID, res.Seq = op.ID, op.Seq
	return res
}

// malformedStored is the result of an operation whose form is wrong at path (below the operation).
func malformedStored(path string) api.OpResult {
	r := api.Reason{Code: string(model.ReasonOpMalformed), Path: "op"}
	if path != "" {
		r.Path = "op." + path
	}
	return api.OpResult{Outcome: api.OutcomeRejected, Reasons: []api.Reason{r}}
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
// the violations, each sorted (on PostgreSQL, where row locks are real, one statement each; the
// embedded store has a single writer and these are plain reads). Two batches that touch the same
// people and violations then queue behind each other instead of deadlocking. Locks taken again
// later in the transaction are already held. Decision numbers take no lock that lasts: each is
// drawn in a statement of its own (store.Tx.NextDecisionSeq), so batches that decide for one
// office do not queue behind each other's commits.
func prelock(tx store.Tx, ins []incoming, now time.Time) error {
	drivers, violations := map[model.IDNumber]bool{}, map[string]bool{}
	person := func(s string) {
		if id, err := model.ParseIDNumber(s, now); err == nil {
			drivers[id] = true
		}
	}
	for _, in := range ins {
		if in.malformed {
			continue
		}
		op := in.op
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
	if err := tx.LockDrivers(slices.Collect(maps.Keys(drivers))); err != nil {
		return err
	}
	_, err := tx.LockViolations(slices.Collect(maps.Keys(violations)))
	return err
}
