package store

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

func waitingOrder(id, token string) PayOrder {
	created := at("2026-11-21 10:00:00.250")
	return PayOrder{
		ID: id, KioskID: "K-001", PayerID: idZhang, RequestHash: "5e884898da28047151d0e56f8dc62927",
		Status: "waiting",
		Items: []PayOrderItem{
			{ViolationID: "5001120000000001", Fine: model.Yuan(200), LateFee: 600},
			{ViolationID: "5001120000000002", Fine: 5050},
		},
		Amount: model.Yuan(200) + 600 + 5050, Token: token,
		CreatedAt: created, ExpiresAt: created.Add(15 * time.Minute),
	}
}

func TestPayOrdersRoundTrip(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		o := waitingOrder("9b2f6c1e-2d7a-4c1b-8a51-3f0e9d1c7a42", "K7Q2M4X9TB3R")
		mustTx(t, s, func(tx Tx) error {
			return errors.Join(tx.InsertKiosk(kiosk("K-001")), insertPayOrder(tx, o))
		})
		mustRead(t, s, func(r Reader) error {
			got, err := r.PayOrder(o.ID)
			same(t, "order as inserted", got, o)
			return err
		})

		// The same id again inserts nothing and leaves the first order as it was.
		other := waitingOrder(o.ID, "OTHERTOKEN12")
		other.Status, other.Amount = "cancelled", 1
		mustTx(t, s, func(tx Tx) error {
			ok, err := tx.InsertPayOrder(other)
			if ok {
				t.Error("a second order with the same id was inserted")
			}
			return err
		})

		// Paying it: status, paid time, reference and payments change, nothing else does.
		paid := o
		paid.Status, paid.PaidAt, paid.Reference = "paid", at("2026-11-21 10:03:07.125"), "SIMQR-0a1b2c3d4e5f6789"
		paid.Result = []byte(`{"payments":[{"id":"payorder:x/1","refund":false}],"说明":"已缴款"}`)
		tampered := paid
		tampered.Amount, tampered.Items, tampered.KioskID = 1, nil, "K-404"
		mustTx(t, s, func(tx Tx) error {
			got, err := tx.LockPayOrder(o.ID)
			same(t, "locked order", got, o)
			if err != nil {
				return err
			}
			return tx.UpdatePayOrder(tampered)
		})
		mustRead(t, s, func(r Reader) error {
			got, err := r.PayOrder(o.ID)
			same(t, "order after payment", got, paid)
			return err
		})

		if err := s.Tx(t.Context(), func(tx Tx) error { return tx.UpdatePayOrder(waitingOrder("nope", "X")) }); !errors.Is(err, ErrNotFound) {
			t.Errorf("update of an unknown order: %v, want ErrNotFound", err)
		}
		// Tokens are unique: a collision is an error, not a silent no-op.
		if err := s.Tx(t.Context(), func(tx Tx) error {
			_, err := tx.InsertPayOrder(waitingOrder("another-order", o.Token))
			return err
		}); err == nil {
			t.Error("a second order with the same token was accepted")
		}
		// An order belongs to an enrolled kiosk.
		stray := waitingOrder("stray-order", "STRAYTOKEN00")
		stray.KioskID = "K-404"
		if err := s.Tx(t.Context(), func(tx Tx) error { return insertPayOrder(tx, stray) }); err == nil {
			t.Error("an order of an unknown kiosk was committed")
		}
	})
}

// An order without items reads back an empty list, not nil; without a result, an empty one.
func TestPayOrderEmptyLists(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		o := PayOrder{ID: "o", KioskID: "K-001", Status: "waiting", Token: "T"}
		mustTx(t, s, func(tx Tx) error { return errors.Join(tx.InsertKiosk(kiosk("K-001")), insertPayOrder(tx, o)) })
		mustRead(t, s, func(r Reader) error {
			got, err := r.PayOrder("o")
			// A nil result and an empty one are the same (a NOT NULL column, as for secrets).
			if got.Items == nil || len(got.Items) != 0 || len(got.Result) != 0 {
				t.Errorf("items %#v, result %#v: want an empty list and no result", got.Items, got.Result)
			}
			return err
		})
	})
}

// TestConcurrentPayOrderInsert creates one order from 10 transactions at once: one inserts.
func TestConcurrentPayOrderInsert(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		mustTx(t, s, func(tx Tx) error { return tx.InsertKiosk(kiosk("K-001")) })
		var inserted atomic.Int32
		err := race(10, func(i int) error {
			return s.Tx(context.Background(), func(tx Tx) error {
				o := waitingOrder("order-1", strings.Repeat(string(rune('A'+i)), 12))
				ok, err := tx.InsertPayOrder(o)
				if ok {
					inserted.Add(1)
				}
				time.Sleep(5 * time.Millisecond)
				return err
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := inserted.Load(); n != 1 {
			t.Errorf("%d transactions inserted the order, want exactly 1", n)
		}
	})
}

// TestConcurrentPayOrderLock has 10 transactions pay one order at once, each checking the
// status under the lock: exactly one finds it waiting.
func TestConcurrentPayOrderLock(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		mustTx(t, s, func(tx Tx) error {
			return errors.Join(tx.InsertKiosk(kiosk("K-001")), insertPayOrder(tx, waitingOrder("order-1", "TOKEN")))
		})
		var payers atomic.Int32
		err := race(10, func(i int) error {
			return s.Tx(context.Background(), func(tx Tx) error {
				o, err := tx.LockPayOrder("order-1")
				if err != nil || o.Status != "waiting" {
					return err
				}
				time.Sleep(5 * time.Millisecond) // widen the window a double payment needs
				o.Status = "paid"
				if err := tx.UpdatePayOrder(o); err != nil {
					return err
				}
				payers.Add(1)
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := payers.Load(); n != 1 {
			t.Errorf("%d transactions found the order waiting, want exactly 1", n)
		}
	})
}

// TestMigrationToPayOrders opens a database as schema version 1 left it (no pay_orders table,
// no version 2, nor version 8, which adds to it): opening it again adds the table and keeps the
// data.
func TestMigrationToPayOrders(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		mustTx(t, s, func(tx Tx) error { return tx.InsertKiosk(kiosk("K-001")) })
		d := s.(*db)
		for _, q := range []string{`DROP TABLE pay_orders`, `DROP TABLE channel_payments`,
			`DELETE FROM schema_migrations WHERE version IN (2, 8)`} {
			if _, err := d.writer.ExecContext(t.Context(), q); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.migrate(t.Context()); err != nil {
			t.Fatalf("migrate from version 1: %v", err)
		}
		same(t, "schema versions", schemaVersions(t, s), latestVersions())
		mustTx(t, s, func(tx Tx) error {
			if _, err := tx.Kiosk("K-001"); err != nil {
				return err
			}
			return insertPayOrder(tx, waitingOrder("order-1", "TOKEN"))
		})
	})
}
