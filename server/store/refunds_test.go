package store

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hallkiosk/kiosk/model"
)

func owedRefund(paymentID string) Refund {
	return Refund{ID: RefundIDFor(paymentID), PaymentID: paymentID, ViolationID: "5001120000000001",
		Amount: 5050, Reason: string(model.ReasonPayPaid), Method: "qr", KioskID: "K-001",
		OrderID: "order-1", Channel: "generic", ChannelTxnID: "2026112122001400001", State: RefundOwed,
		CreatedAt: at("2026-11-21 10:03:07.125")}
}

func TestRefundIDs(t *testing.T) {
	a, b := RefundIDFor("op-1/1"), RefundIDFor("op-1/1/refund")
	if a == b || a != RefundIDFor("op-1/1") {
		t.Errorf("refund ids must be one per payment and stable: %s %s", a, b)
	}
	for _, id := range []string{a, b} {
		if !ValidRefundID(id) || len(id) != 18 {
			t.Errorf("%q is not a valid refund id", id)
		}
	}
	for _, bad := range []string{"", "RF", "rf" + a[2:], a + "0", "RF" + strings.Repeat("G", 16), "XX" + a[2:]} {
		if ValidRefundID(bad) {
			t.Errorf("%q passed as a refund id", bad)
		}
	}
}

func TestRefundsRoundTrip(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		r := owedRefund("payorder:order-1/1")
		mustTx(t, s, func(tx Tx) error { return tx.InsertRefund(r, "platform") })
		mustRead(t, s, func(rd Reader) error {
			got, err := rd.Refund(r.ID)
			same(t, "refund as inserted", got, r)
			return err
		})

		// Issuing: the state and the step's fields change, what it pays back does not.
		issuing := r
		issuing.State, issuing.Attempts, issuing.IssuingAt = RefundIssuing, 1, at("2026-11-22 09:00:00.000")
		tampered := issuing
		tampered.Amount, tampered.PaymentID, tampered.KioskID, tampered.ChannelTxnID = 1, "other", "K-404", "forged"
		issued := issuing
		issued.State, issued.IssuingAt = RefundIssued, at("2026-11-22 09:00:00.000")
		issued.IssuedAt, issued.IssuedBy, issued.IssuedRef = at("2026-11-22 09:00:01.500"), "channel", "RFD-778899"
		tamperedIssued := issued
		tamperedIssued.Amount, tamperedIssued.Reason = 999999, "x"
		mustTx(t, s, func(tx Tx) error {
			got, err := tx.LockRefund(r.ID)
			same(t, "locked refund", got, r)
			if err != nil {
				return err
			}
			return errors.Join(
				tx.UpdateRefund(tampered, RefundEvent{At: issuing.IssuingAt, From: RefundOwed, To: RefundIssuing, Who: "S-017"}),
				tx.UpdateRefund(tamperedIssued, RefundEvent{At: issued.IssuedAt, From: RefundIssuing, To: RefundIssued,
					Who: "channel", Ref: "RFD-778899"}))
		})
		mustRead(t, s, func(rd Reader) error {
			got, err := rd.Refund(r.ID)
			same(t, "refund after its issue", got, issued)
			if err != nil {
				return err
			}
			events, err := rd.RefundEvents(r.ID)
			same(t, "events", events, []RefundEvent{
				{RefundID: r.ID, Seq: 1, At: r.CreatedAt, To: RefundOwed, Who: "platform"},
				{RefundID: r.ID, Seq: 2, At: issuing.IssuingAt, From: RefundOwed, To: RefundIssuing, Who: "S-017"},
				{RefundID: r.ID, Seq: 3, At: issued.IssuedAt, From: RefundIssuing, To: RefundIssued, Who: "channel", Ref: "RFD-778899"},
			})
			if err != nil {
				return err
			}
			byRef, err := rd.RefundsByIssuedRef("channel", "RFD-778899")
			same(t, "by the channel's reference", byRef, []Refund{issued})
			if err != nil {
				return err
			}
			if none, err := rd.RefundsByIssuedRef("S-017", "RFD-778899"); err != nil || len(none) != 0 {
				t.Errorf("a staff member's reference of the same text: %v %v", none, err)
			}
			return nil
		})

		// A second one, owed: lists by state and counts.
		second := owedRefund("op-7/2")
		second.CreatedAt = at("2026-11-23 08:00:00.000")
		mustTx(t, s, func(tx Tx) error { return tx.InsertRefund(second, "platform") })
		mustRead(t, s, func(rd Reader) error {
			all, err := rd.Refunds(RefundFilter{})
			same(t, "all refunds, oldest first", all, []Refund{issued, second})
			owed, err2 := rd.Refunds(RefundFilter{State: RefundOwed})
			same(t, "owed refunds", owed, []Refund{second})
			counts, err3 := rd.RefundCounts()
			same(t, "counts", counts, map[string]int64{RefundOwed: 1, RefundIssued: 1})
			return errors.Join(err, err2, err3)
		})

		for what, bad := range map[string]func(Tx) error{
			"a second refund of one payment": func(tx Tx) error {
				dup := owedRefund("op-7/2")
				dup.ID = "RF0000000000000000"
				return tx.InsertRefund(dup, "platform")
			},
			"a refund of nothing":        func(tx Tx) error { z := owedRefund("op-8/1"); z.Amount = 0; return tx.InsertRefund(z, "platform") },
			"a refund of a negative sum": func(tx Tx) error { z := owedRefund("op-8/1"); z.Amount = -1; return tx.InsertRefund(z, "platform") },
		} {
			if err := s.Tx(t.Context(), bad); err == nil {
				t.Errorf("%s was stored", what)
			}
		}
		err := s.Tx(t.Context(), func(tx Tx) error {
			return tx.UpdateRefund(owedRefund("op-404/1"), RefundEvent{To: RefundIssued})
		})
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("update of an unknown refund: %v, want ErrNotFound", err)
		}
		if _, err := readRefund(s, "RF0000000000000000"); !errors.Is(err, ErrNotFound) {
			t.Errorf("an unknown refund: %v, want ErrNotFound", err)
		}
	})
}

func readRefund(s Store, id string) (Refund, error) {
	var r Refund
	err := s.Read(context.Background(), func(rd Reader) error {
		var err error
		r, err = rd.Refund(id)
		return err
	})
	return r, err
}

// Two transactions that lock one owed refund at once: exactly one finds it owed.
func TestLockRefundSerialises(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		r := owedRefund("op-1/1")
		mustTx(t, s, func(tx Tx) error { return tx.InsertRefund(r, "platform") })
		var takers atomic.Int32
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.Tx(t.Context(), func(tx Tx) error {
					got, err := tx.LockRefund(r.ID)
					if err != nil || got.State != RefundOwed {
						return err
					}
					takers.Add(1)
					got.State, got.Attempts = RefundIssuing, got.Attempts+1
					return tx.UpdateRefund(got, RefundEvent{From: RefundOwed, To: RefundIssuing, Who: "S-1"})
				})
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if n := takers.Load(); n != 1 {
			t.Errorf("%d transactions found the refund owed, want 1", n)
		}
	})
}

// A database without version 9 gains the refund tables on opening, with a refund owed for every
// refund payment already stored: its reason from the stored result, its kiosk, operation or
// order, and the order's channel transaction id. It does not depend on version 8.
func TestMigrationBackfillsRefunds(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		paid := at("2026-11-21 10:00:00.000")
		later := at("2026-11-21 11:00:00.000")
		v := violation("V-1", plateA(), at("2026-10-01 08:00:00.000"))
		order := waitingOrder("order-1", "TOKEN1")
		order.Status, order.PaidAt, order.Reference = "paid", later, "2026112122001400001"
		order.Result = []byte(`{"reasons":[{"code":"pay.already_paid","violation_id":"V-1"}]}`)
		mustTx(t, s, func(tx Tx) error {
			op := func(r OpRecord) error {
				_, err := tx.InsertOp(r)
				return err
			}
			return errors.Join(
				tx.InsertKiosk(kiosk("K-001")),
				tx.PutViolation(v),
				insertPayOrder(tx, order),
				op(OpRecord{OpID: "op-1", KioskID: "K-001", Epoch: 1, Seq: 1, Type: "pay", RequestHash: "h1",
					Outcome: "applied_with_changes", AppliedAt: paid,
					Result: []byte(`{"reasons":[{"code":"pay.short","violation_id":"V-1"},{"code":"pay.already_paid","violation_id":"V-1"}]}`)}),
				op(OpRecord{OpID: "op-2", KioskID: "K-001", Epoch: 1, Seq: 2, Type: "pay", RequestHash: "h2",
					Outcome: "applied_with_changes", AppliedAt: paid,
					Result: []byte(`{"reasons":[{"code":"pay.overpaid","violation_id":"V-1","fen":100}]}`)}),
				tx.InsertPayment("V-1", model.Payment{ID: "op-1/1", Fine: 5000, PaidAt: paid, Method: "card", Refund: true}),
				tx.InsertPayment("V-1", model.Payment{ID: "op-1/2", Fine: 5000, PaidAt: paid, Method: "card"}),
				tx.InsertPayment("V-1", model.Payment{ID: "op-2/1", Fine: 5000, LateFee: 100, PaidAt: paid, Method: "card"}),
				tx.InsertPayment("V-1", model.Payment{ID: "op-2/1/refund", Fine: 100, PaidAt: paid, Method: "card", Refund: true}),
				tx.InsertPayment("V-1", model.Payment{ID: "payorder:order-1/1", Fine: 20000, LateFee: 600, PaidAt: later, Method: "qr", Refund: true}),
				// An operation whose record is not found, for a violation the platform does not know.
				tx.InsertPayment("V-404", model.Payment{ID: "op-9/1", Fine: 300, PaidAt: later, Method: "card", Refund: true}),
			)
		})
		d := s.(*db)
		for _, q := range []string{`DROP TABLE refund_events`, `DROP TABLE refunds`, `DELETE FROM schema_migrations WHERE version = 9`} {
			if _, err := d.writer.ExecContext(t.Context(), q); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.migrate(t.Context()); err != nil {
			t.Fatalf("migrate to version 9: %v", err)
		}
		same(t, "schema versions", schemaVersions(t, s), latestVersions())
		owed := func(pay, violation, reason, method, kiosk, op, orderID, txn string, amount model.Fen, when string) Refund {
			return Refund{ID: RefundIDFor(pay), PaymentID: pay, ViolationID: violation, Amount: amount, Reason: reason,
				Method: method, KioskID: kiosk, OpID: op, OrderID: orderID, ChannelTxnID: txn, State: RefundOwed,
				CreatedAt: at(when)}
		}
		want := []Refund{
			owed("op-1/1", "V-1", "pay.already_paid", "card", "K-001", "op-1", "", "", 5000, "2026-11-21 10:00:00.000"),
			owed("op-2/1/refund", "V-1", "pay.overpaid", "card", "K-001", "op-2", "", "", 100, "2026-11-21 10:00:00.000"),
			owed("op-9/1", "V-404", "pay.unknown_violation", "card", "", "op-9", "", "", 300, "2026-11-21 11:00:00.000"),
			owed("payorder:order-1/1", "V-1", "pay.already_paid", "qr", "K-001", "", "order-1", "2026112122001400001", 20600,
				"2026-11-21 11:00:00.000"),
		}
		mustRead(t, s, func(rd Reader) error {
			got, err := rd.Refunds(RefundFilter{})
			same(t, "backfilled refunds", got, want)
			if err != nil {
				return err
			}
			events, err := rd.RefundEvents(want[0].ID)
			same(t, "backfilled events", events, []RefundEvent{{RefundID: want[0].ID, Seq: 1, At: want[0].CreatedAt,
				To: RefundOwed, Who: "platform", Note: "migration"}})
			return err
		})
		// The refunds are live records: the next step appends to the backfilled history.
		mustTx(t, s, func(tx Tx) error {
			r, err := tx.LockRefund(want[1].ID)
			if err != nil {
				return err
			}
			r.State = RefundIssued
			return tx.UpdateRefund(r, RefundEvent{From: RefundOwed, To: RefundIssued, Who: "S-1", Ref: "CTR-1"})
		})
		// Opening again changes nothing.
		if err := d.migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		mustRead(t, s, func(rd Reader) error {
			counts, err := rd.RefundCounts()
			same(t, "counts after a second migrate", counts, map[string]int64{RefundOwed: 3, RefundIssued: 1})
			return err
		})
	})
}
