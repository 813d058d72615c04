package store

import (
	"fmt"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// schemaV8 connects phone payment orders to payment channels.
//
// pay_orders gain the channel an order was created at (orders before this version were all made
// by the simulated channel), the channel's id of the order, and the QR text the channel gave
// ("" until the channel answered; orders before this version show "HKPAY:" and their token).
//
// channel_payments holds every payment a channel notified, once per channel and transaction
// id: the key that makes a notification idempotent however often and however concurrently it
// arrives. A row is written in the same transaction as the payment records it produced, and is
// what daily reconciliation matches the channel's statement against. It names no payer.
const schemaV8 = `
ALTER TABLE pay_orders ADD COLUMN channel TEXT NOT NULL DEFAULT 'simulated';
ALTER TABLE pay_orders ADD COLUMN channel_ref TEXT NOT NULL DEFAULT '';
ALTER TABLE pay_orders ADD COLUMN qr TEXT NOT NULL DEFAULT '';
CREATE TABLE channel_payments (
	channel        TEXT NOT NULL,
	transaction_id TEXT NOT NULL,
	order_id       TEXT NOT NULL,
	amount         BIGINT NOT NULL,
	paid_at        BIGINT NOT NULL,
	recorded_at    BIGINT NOT NULL,
	PRIMARY KEY (channel, transaction_id)
);
CREATE INDEX channel_payments_order ON channel_payments (order_id);
CREATE INDEX channel_payments_paid ON channel_payments (channel, paid_at)
`

// ChannelPayment is a payment a channel notified.
type ChannelPayment struct {
	Channel       string
	TransactionID string // the channel's id of the payment
	OrderID       string // our order it paid
	Amount        model.Fen
	PaidAt        time.Time // when the channel says it was paid
	RecordedAt    time.Time // when the server recorded it
}

const channelPaymentColumns = `channel, transaction_id, order_id, amount, paid_at, recorded_at`

func scanChannelPayment(r scanner) (ChannelPayment, error) {
	var (
		p                  ChannelPayment
		amount, paid, recd int64
	)
	if err := r.Scan(&p.Channel, &p.TransactionID, &p.OrderID, &amount, &paid, &recd); err != nil {
		return ChannelPayment{}, err
	}
	p.Amount, p.PaidAt, p.RecordedAt = model.Fen(amount), fromMillis(paid), fromMillis(recd)
	return p, nil
}

func (c *conn) ChannelPayment(channel, transactionID string) (ChannelPayment, error) {
	return getOne(c, "channel payment", scanChannelPayment,
		`SELECT `+channelPaymentColumns+` FROM channel_payments WHERE channel = $1 AND transaction_id = $2`,
		channel, transactionID)
}

func (c *conn) ChannelPaymentsOfOrder(orderID string) ([]ChannelPayment, error) {
	return list(c, "channel payments of order", scanChannelPayment,
		`SELECT `+channelPaymentColumns+` FROM channel_payments WHERE order_id = $1
		ORDER BY recorded_at, channel, transaction_id`, orderID)
}

func (c *conn) ChannelPaymentsPaid(channel string, from, to time.Time) ([]ChannelPayment, error) {
	return list(c, "channel payments paid", scanChannelPayment,
		`SELECT `+channelPaymentColumns+` FROM channel_payments WHERE channel = $1 AND paid_at >= $2 AND paid_at < $3
		ORDER BY paid_at, transaction_id`, channel, millis(from), millis(to))
}

// InsertChannelPayment relies on the primary key: a concurrent insert of the same transaction
// waits for the first transaction on PostgreSQL (and the embedded store has one writer), then
// inserts nothing.
func (c *conn) InsertChannelPayment(p ChannelPayment) (bool, error) {
	res, err := c.exec(`INSERT INTO channel_payments (`+channelPaymentColumns+`) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (channel, transaction_id) DO NOTHING`,
		p.Channel, p.TransactionID, p.OrderID, int64(p.Amount), millis(p.PaidAt), millis(p.RecordedAt))
	if err != nil {
		return false, fmt.Errorf("store: insert channel payment: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: insert channel payment: %w", err)
	}
	return n == 1, nil
}
