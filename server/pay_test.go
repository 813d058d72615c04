package server

import (
	"context"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

func (e *env) payments(violation string) []model.Payment {
	e.t.Helper()
	var ps []model.Payment
	if err := e.store.Read(context.Background(), func(r store.Reader) error {
		var err error
		ps, err = r.Payments(violation)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return ps
}

func TestPaymentIsAFact(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		now := e.clock.Now() // V-DECIDED was decided 2026-09-10: due 09-25, so 57 days late: fee capped at the fine
		r := e.send(payOp("op-1", 1, now, "V-DECIDED", 10000, 10000))[0]
		if r.Outcome != api.OutcomeApplied || len(r.Payments) != 1 || r.Payments[0].Refund {
			t.Fatalf("first payment: %+v", r)
		}
		v := e.violation("V-DECIDED")
		if v.Status != model.StatusPaid || !v.PaidAt.Equal(now) {
			t.Errorf("after payment: %+v", v)
		}
		// A second kiosk payment of the same fine is recorded as a refund, never dropped.
		r = e.send(payOp("op-2", 2, now, "V-DECIDED", 10000, 10000))[0]
		if r.Outcome != api.OutcomeWithChanges || r.Reasons[0].Code != string(model.ReasonPayPaid) || !r.Payments[0].Refund {
			t.Fatalf("duplicate payment: %+v", r)
		}
		if ps := e.payments("V-DECIDED"); len(ps) != 2 || ps[0].Refund || !ps[1].Refund {
			t.Errorf("stored payments: %+v", ps)
		}
		// Money for a violation not yet decided, or unknown, is kept as a refund record.
		r = e.send(payOp("op-3", 3, now, "V-A-1", 5000, 0))[0]
		if !r.Payments[0].Refund || r.Reasons[0].Code != string(model.ReasonPayNotDecided) {
			t.Errorf("not decided: %+v", r)
		}
		r = e.send(payOp("op-4", 4, now, "NO-SUCH-VIOLATION", 5000, 0))[0]
		if !r.Payments[0].Refund || r.Reasons[0].Code != string(model.ReasonPayUnknown) {
			t.Errorf("unknown violation: %+v", r)
		}
		if ps := e.payments("NO-SUCH-VIOLATION"); len(ps) != 1 {
			t.Errorf("the payment for an unknown violation must still be stored: %+v", ps)
		}
	})
}

// The late fee is computed at payment time: short and excess payments are stated.
func TestPaymentLateFeeAtPaymentTime(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		// A fresh decision today: processing V-A-1 (50 yuan).
		r := e.send(processOp("op-1", 1, e.clock.Now(), 1, "V-A-1"))[0]
		if r.Outcome != api.OutcomeApplied {
			t.Fatalf("process: %+v", r)
		}
		due := r.Decisions[0].DueDate // 2026-12-06
		// Pay 2 days after the due date: 50 yuan + 2 x 1.50 = 53 yuan due; the kiosk took 51.
		e.clock.Add(17 * 24 * time.Hour)
		r = e.send(payOp("op-2", 2, e.clock.Now(), "V-A-1", 5000, 100))[0]
		if r.Outcome != api.OutcomeWithChanges || r.Reasons[0].Code != string(model.ReasonPayShort) ||
			r.Reasons[0].Fen != 5100 || r.Reasons[0].LimitFen != 5300 {
			t.Fatalf("short payment after %s: %+v", due, r)
		}
		if e.violation("V-A-1").Status != model.StatusProcessed {
			t.Error("a short payment must not clear the violation")
		}
		// The rest, and one yuan too much: cleared, and the excess recorded as owed back.
		r = e.send(payOp("op-3", 3, e.clock.Now(), "V-A-1", 0, 300))[0]
		if r.Outcome != api.OutcomeWithChanges || r.Reasons[0].Code != string(model.ReasonPayOverpaid) || r.Reasons[0].Fen != 100 {
			t.Fatalf("completing payment: %+v", r)
		}
		if e.violation("V-A-1").Status != model.StatusPaid {
			t.Error("paid in full: the violation must be paid")
		}
		var entries []model.PointsEntry
		_ = e.store.Read(ctx, func(rd store.Reader) error { entries, _ = rd.PointsEntries(idA); return nil })
		for _, en := range entries {
			if en.Decision == model.DecisionNumber(r.Payments[0].Decision) && en.PaidAt.IsZero() {
				t.Error("the points entry must be marked paid (so that its points do not carry over)")
			}
		}
	})
}
