package store

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

func channelPayment(tx, order string, amount model.Fen, paid string) ChannelPayment {
	return ChannelPayment{Channel: "bank", TransactionID: tx, OrderID: order, Amount: amount, PaidAt: at(paid),
		RecordedAt: at(paid).Add(1500 * time.Millisecond)}
}

func TestChannelPaymentsRoundTrip(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		a := channelPayment("4200002026112110031200000001", "order-1", 20000, "2026-11-21 10:03:12.000")
		b := channelPayment("4200002026112123595900000002", "order-2", 5000, "2026-11-21 23:59:59.999")
		c := channelPayment("4200002026112200000000000003", "order-1", 100, "2026-11-22 00:00:00.000")
		other := a
		other.Channel = "unionpay" // the same transaction id at another channel is another payment
		mustTx(t, s, func(tx Tx) error {
			for _, p := range []ChannelPayment{c, b, a, other} {
				if ok, err := tx.InsertChannelPayment(p); !ok || err != nil {
					t.Errorf("insert %s/%s: %v %v", p.Channel, p.TransactionID, ok, err)
				}
			}
			// The same transaction again inserts nothing, whatever it says.
			again := a
			again.Amount, again.OrderID = 1, "order-9"
			if ok, err := tx.InsertChannelPayment(again); ok || err != nil {
				t.Errorf("second insert of a transaction: %v %v", ok, err)
			}
			return nil
		})
		mustRead(t, s, func(r Reader) error {
			got, err := r.ChannelPayment("bank", a.TransactionID)
			same(t, "payment", got, a)
			if _, err := r.ChannelPayment("bank", "nope"); !errors.Is(err, ErrNotFound) {
				t.Errorf("unknown transaction: %v", err)
			}
			day, err2 := r.ChannelPaymentsPaid("bank", at("2026-11-21 00:00:00.000"), at("2026-11-22 00:00:00.000"))
			same(t, "a day's payments", day, []ChannelPayment{a, b})
			ofOrder, err3 := r.ChannelPaymentsOfOrder("order-1")
			same(t, "an order's payments", ofOrder, []ChannelPayment{a, other, c})
			none, err4 := r.ChannelPaymentsOfOrder("order-404")
			if none == nil || len(none) != 0 {
				t.Errorf("no payments: %#v, want an empty list", none)
			}
			return errors.Join(err, err2, err3, err4)
		})
	})
}

// Twenty transactions insert the same channel payment at once: exactly one inserts it.
func TestConcurrentChannelPaymentInsert(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		p := channelPayment("4200002026112110031200000001", "order-1", 20000, "2026-11-21 10:03:12.000")
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			inserted int
		)
		for range 20 {
			wg.Go(func() {
				err := s.Tx(t.Context(), func(tx Tx) error {
					ok, err := tx.InsertChannelPayment(p)
					if err == nil && ok {
						mu.Lock()
						inserted++
						mu.Unlock()
					}
					return err
				})
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if inserted != 1 {
			t.Errorf("%d transactions inserted the payment, want 1", inserted)
		}
	})
}

// The channel and the channel's answer of an order are stored; only the answer changes later.
func TestPayOrderChannelColumns(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		o := waitingOrder("order-1", "K7Q2M4X9TB3R")
		o.Channel = "bank"
		mustTx(t, s, func(tx Tx) error { return errors.Join(tx.InsertKiosk(kiosk("K-001")), insertPayOrder(tx, o)) })
		answered := o
		answered.QR, answered.ChannelRef = "HKCS:7Q2M4XK9PZ3B", "P20261121100000000001"
		moved := answered
		moved.Channel = "elsewhere"
		mustTx(t, s, func(tx Tx) error { return tx.UpdatePayOrder(moved) })
		mustRead(t, s, func(r Reader) error {
			got, err := r.PayOrder(o.ID)
			same(t, "order after the channel answered", got, answered)
			return err
		})
	})
}

// TestMigrationToChannelPayments opens a database as version 7 left it, with an order: version
// 8 adds the channel columns (the old order was the simulated channel's, without a stored QR
// text) and the channel_payments table.
func TestMigrationToChannelPayments(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		o := waitingOrder("order-1", "K7Q2M4X9TB3R")
		mustTx(t, s, func(tx Tx) error { return errors.Join(tx.InsertKiosk(kiosk("K-001")), insertPayOrder(tx, o)) })
		d := s.(*db)
		for _, q := range []string{`DROP TABLE channel_payments`, `ALTER TABLE pay_orders DROP COLUMN channel`,
			`ALTER TABLE pay_orders DROP COLUMN channel_ref`, `ALTER TABLE pay_orders DROP COLUMN qr`,
			`DELETE FROM schema_migrations WHERE version = 8`} {
			if _, err := d.writer.ExecContext(t.Context(), q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := d.migrate(t.Context()); err != nil {
			t.Fatalf("migrate from version 7: %v", err)
		}
		same(t, "schema versions", schemaVersions(t, s), latestVersions())
		want := o
		want.Channel = "simulated"
		mustRead(t, s, func(r Reader) error {
			got, err := r.PayOrder(o.ID)
			same(t, "order from version 7", got, want)
			return err
		})
		mustTx(t, s, func(tx Tx) error {
			_, err := tx.InsertChannelPayment(channelPayment("T1", "order-1", 1, "2026-11-21 10:03:12.000"))
			return err
		})
	})
}
