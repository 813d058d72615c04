package server

import (
	"errors"
	"fmt"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// applyPay records money the kiosk took on its card terminal, at the time apply accepted (see
// acceptTime). A payment dated before a decision it pays (beyond the clock skew a request may
// have) is refused whole: that kiosk's clock cannot be trusted, and staff settle the money at a
// counter with the person's receipt.
func (s *Server) applyPay(tx store.Tx, p *model.Profile, kioskID string, op api.Op, _ time.Time) (api.OpResult, error) {
	paid, err := lockPaid(tx, op.Pay.Items)
	if err != nil {
		return api.OpResult{}, err
	}
	for _, v := range paid {
		if v != nil && !v.DecidedAt.IsZero() && op.At.Before(v.DecidedAt.Add(-api.MaxClockSkew)) {
			return rejected(model.Reason{Code: model.ReasonOpTimeBeforeDecision, Args: model.Args{At: op.At}}), nil
		}
	}
	return s.recordPaymentFrom(tx, p, op, paid, refundOrigin{kioskID: kioskID, opID: op.ID})
}

// lockPaid locks the violations a payment's items name, each read once; an unknown violation
// maps to nil (its money is recorded as a refund).
func lockPaid(tx store.Tx, items []api.PayItem) (map[string]*model.Violation, error) {
	out := make(map[string]*model.Violation, len(items))
	for _, it := range items {
		if _, done := out[it.ViolationID]; done {
			continue
		}
		v, err := tx.LockViolation(it.ViolationID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			out[it.ViolationID] = nil
		case err != nil:
			return nil, err
		default:
			out[it.ViolationID] = &v
		}
	}
	return out, nil
}

// recordPayment records a payment (a kiosk's card payment, or a phone order the channel paid)
// at op.At. A payment is a fact: it is always recorded. Money for a violation that is not
// payable (paid already, not decided, under objection, unknown) and money beyond what is due
// become refund records, and the outcome says so; each refund record gets its refund (see
// refunds.go) in the same transaction. A payment is never dated before the decision it pays (a
// clock a little behind the server's would otherwise make it so). paid holds the items'
// violations as lockPaid read them, or is nil to have them read here. Where the money came from
// (for its refunds) is read from the operation: a phone order's payment names its order.
func (s *Server) recordPayment(tx store.Tx, p *model.Profile, op api.Op, paid map[string]*model.Violation) (api.OpResult, error) {
	origin, err := paymentOrigin(tx, op)
	if err != nil {
		return api.OpResult{}, err
	}
	return s.recordPaymentFrom(tx, p, op, paid, origin)
}

// recordPaymentFrom is recordPayment with the payment's origin given.
func (s *Server) recordPaymentFrom(tx store.Tx, p *model.Profile, op api.Op, paid map[string]*model.Violation, origin refundOrigin) (api.OpResult, error) {
	if paid == nil {
		var err error
		if paid, err = lockPaid(tx, op.Pay.Items); err != nil {
			return api.OpResult{}, err
		}
	}
	paidAt := op.At
	res := api.OpResult{Outcome: api.OutcomeApplied}
	for i, item := range op.Pay.Items {
		pay := model.Payment{ID: fmt.Sprintf("%s/%d", op.ID, i+1), Fine: model.Fen(item.FineFen),
			LateFee: model.Fen(item.LateFeeFen), PaidAt: paidAt, Method: model.PaymentMethod(op.Pay.Method)}
		reasons, records, err := s.settle(tx, p, paid[item.ViolationID], pay)
		if err != nil {
			return api.OpResult{}, err
		}
		for _, r := range reasons {
			res.Reasons = append(res.Reasons, api.FromReason(r, item.ViolationID))
		}
		for _, rec := range records {
			if err := tx.InsertPayment(item.ViolationID, rec); err != nil {
				return api.OpResult{}, err
			}
			if rec.Refund {
				// settle gives an item with a refund record exactly one reason: why the money is
				// owed back.
				var why model.ReasonCode
				if len(reasons) == 1 {
					why = reasons[0].Code
				}
				if err := createRefund(tx, item.ViolationID, rec, why, pay.Total(), origin); err != nil {
					return api.OpResult{}, err
				}
			}
			res.Payments = append(res.Payments, api.FromPayment(item.ViolationID, rec))
		}
	}
	if len(res.Reasons) > 0 {
		res.Outcome = api.OutcomeWithChanges
	}
	return res, nil
}

// settle decides how one item's money is recorded and updates the violation when it is paid.
// vp is the item's violation, locked (nil: unknown). It is updated in place, so that a later
// item of the same payment sees what this one did.
func (s *Server) settle(tx store.Tx, p *model.Profile, vp *model.Violation, pay model.Payment) ([]model.Reason, []model.Payment, error) {
	refund := func(code model.ReasonCode, a model.Args) ([]model.Reason, []model.Payment, error) {
		pay.Refund = true
		return []model.Reason{{Code: code, Args: a}}, []model.Payment{pay}, nil
	}
	if vp == nil {
		return refund(model.ReasonPayUnknown, model.Args{})
	}
	v := *vp
	pay.Decision = v.Decision
	if pay.PaidAt.Before(v.DecidedAt) {
		pay.PaidAt = v.DecidedAt
	}
	for _, r := range model.PayCheck(v) {
		return refund(r.Code, r.Args)
	}
	due := model.AmountAt(v.Fine, v.DecidedAt, pay.PaidAt, p.Payment)
	prior, err := tx.Payments(v.ID)
	if err != nil {
		return nil, nil, err
	}
	received := pay.Total()
	for _, q := range prior {
		if !q.Refund {
			received += q.Total()
		}
	}
	if received < due.Total() {
		return []model.Reason{{Code: model.ReasonPayShort, Args: model.Args{Fen: received, LimitFen: due.Total()}}},
			[]model.Payment{pay}, nil
	}
	v.Status, v.PaidAt = model.StatusPaid, pay.PaidAt
	if err := tx.UpdateViolation(v); err != nil {
		return nil, nil, err
	}
	*vp = v
	if err := tx.MarkPointsPaid(v.Decision, pay.PaidAt); err != nil {
		return nil, nil, err
	}
	records := []model.Payment{pay}
	if excess := received - due.Total(); excess > 0 {
		// Keep what was received as one fact and record the excess as owed back.
		back := model.Payment{ID: pay.ID + "/refund", Decision: v.Decision, Fine: excess,
			PaidAt: pay.PaidAt, Method: pay.Method, Refund: true}
		return []model.Reason{{Code: model.ReasonPayOverpaid, Args: model.Args{Fen: excess}}}, append(records, back), nil
	}
	return nil, records, nil
}
