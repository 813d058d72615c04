package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/hallkiosk/kiosk/model"
)

// schemaV9 gives money owed back a life of its own (refunds), and records every step of it
// (refund_events). A refund belongs to one payment record flagged as a refund (payment_id is
// unique); it names where the money came from (kiosk, order or operation, channel and the
// channel's transaction id, empty where unknown) and holds its state with the time, the actor
// and the reference of each step. It links to nothing of versions after 5 (payments have no
// foreign keys, and the kiosk and order are kept as plain ids), so it depends on no other
// version after 7: version 8 may be applied before or after it.
//
// Refunds of payments stored before this version are created by backfillRefunds in the same
// transaction.
const schemaV9 = `
CREATE TABLE refunds (
	refund_id      TEXT PRIMARY KEY,
	payment_id     TEXT NOT NULL UNIQUE,
	violation_id   TEXT NOT NULL,
	amount         BIGINT NOT NULL CHECK (amount > 0),
	reason         TEXT NOT NULL,
	method         TEXT NOT NULL,
	kiosk_id       TEXT NOT NULL,
	order_id       TEXT NOT NULL,
	op_id          TEXT NOT NULL,
	channel        TEXT NOT NULL,
	channel_txn_id TEXT NOT NULL,
	state          TEXT NOT NULL,
	created_at     BIGINT NOT NULL,
	attempts       INTEGER NOT NULL,
	issuing_at     BIGINT NOT NULL,
	issued_at      BIGINT NOT NULL,
	issued_by      TEXT NOT NULL,
	issued_ref     TEXT NOT NULL,
	settled_at     BIGINT NOT NULL,
	settled_by     TEXT NOT NULL,
	settled_ref    TEXT NOT NULL,
	failed_at      BIGINT NOT NULL,
	failure        TEXT NOT NULL
);
CREATE INDEX refunds_created ON refunds (created_at, refund_id);
CREATE INDEX refunds_state ON refunds (state, created_at, refund_id);
CREATE INDEX refunds_issued_ref ON refunds (issued_ref);
CREATE INDEX refunds_channel_state ON refunds (channel, state, settled_at);
CREATE TABLE refund_events (
	refund_id  TEXT NOT NULL REFERENCES refunds (refund_id) DEFERRABLE INITIALLY DEFERRED,
	seq        INTEGER NOT NULL,
	at         BIGINT NOT NULL,
	from_state TEXT NOT NULL,
	to_state   TEXT NOT NULL,
	who        TEXT NOT NULL,
	ref        TEXT NOT NULL,
	note       TEXT NOT NULL,
	PRIMARY KEY (refund_id, seq)
)
`

// How the server names payment records (server/pay.go, server/payorders.go): "OP_ID/N" for
// item N of a kiosk's pay operation, "payorder:ORDER_ID/N" for a phone order's, and a "/refund"
// suffix on the excess of an over-payment. Operation and order ids are letters, digits, '-'
// and '_' only (api.ValidClientID), so the separators cannot occur in them.
const (
	orderPaymentPrefix  = "payorder:"
	excessPaymentSuffix = "/refund"
)

// paymentOrigin reads a payment record's id: the operation or order it came from, and whether
// it is the excess of an over-payment.
func paymentOrigin(paymentID string) (opID, orderID string, excess bool) {
	id, excess := strings.CutSuffix(paymentID, excessPaymentSuffix)
	origin, _, _ := strings.Cut(id, "/")
	if order, ok := strings.CutPrefix(origin, orderPaymentPrefix); ok {
		return "", order, excess
	}
	return origin, "", excess
}

// backfillRefunds creates the refund of every refund payment stored before version 9, owed
// since the payment. It writes the columns of version 9 itself, rather than through
// InsertRefund, so that later versions cannot change what it does. What it cannot know is left
// empty: the channel, the transaction id of a card payment, and the reason where the stored
// result does not say it.
func backfillRefunds(c *conn) error {
	type owed struct {
		id, violation, method string
		amount, paidAt        int64
	}
	pays, err := list(c, "refund payments", func(r scanner) (owed, error) {
		var o owed
		err := r.Scan(&o.id, &o.violation, &o.method, &o.amount, &o.paidAt)
		return o, err
	}, `SELECT id, violation_id, method, fine + late_fee, paid_at FROM payments
		WHERE refund AND id NOT IN (SELECT payment_id FROM refunds) ORDER BY paid_at, id`)
	if err != nil {
		return err
	}
	for _, p := range pays {
		if p.amount <= 0 {
			// Nothing is owed back for a record of no money (a kiosk may send zero items).
			continue
		}
		f, err := refundOrigin(c, p.id, p.violation)
		if err != nil {
			return err
		}
		f.ID, f.PaymentID, f.ViolationID, f.Method, f.State = RefundIDFor(p.id), p.id, p.violation, p.method, RefundOwed
		_, err = c.exec(`INSERT INTO refunds (refund_id, payment_id, violation_id, amount, reason, method,
			kiosk_id, order_id, op_id, channel, channel_txn_id, state, created_at, attempts, issuing_at,
			issued_at, issued_by, issued_ref, settled_at, settled_by, settled_ref, failed_at, failure)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', $10, $11, $12, 0, 0, 0, '', '', 0, '', '', 0, '')`,
			f.ID, f.PaymentID, f.ViolationID, p.amount, f.Reason, f.Method, f.KioskID, f.OrderID, f.OpID,
			f.ChannelTxnID, f.State, p.paidAt)
		if err != nil {
			return fmt.Errorf("backfill refunds: %w", err)
		}
		_, err = c.exec(`INSERT INTO refund_events (refund_id, seq, at, from_state, to_state, who, ref, note)
			VALUES ($1, 1, $2, '', $3, 'platform', '', 'migration')`, f.ID, p.paidAt, RefundOwed)
		if err != nil {
			return fmt.Errorf("backfill refund events: %w", err)
		}
	}
	return nil
}

// refundOrigin finds, for a refund payment stored before version 9, the kiosk, order or
// operation and channel transaction it came from, and its reason from the result stored with
// the order or operation.
func refundOrigin(c *conn, paymentID, violationID string) (Refund, error) {
	var (
		f      Refund
		result []byte
		excess bool
	)
	f.OpID, f.OrderID, excess = paymentOrigin(paymentID)
	var err error
	if f.OrderID != "" {
		err = c.queryRow(`SELECT kiosk_id, reference, result FROM pay_orders WHERE order_id = $1`, f.OrderID).
			Scan(&f.KioskID, &f.ChannelTxnID, &result)
	} else {
		// An operation stored under another id (a kiosk reusing another kiosk's op id) is not
		// found: its kiosk stays unknown.
		err = c.queryRow(`SELECT kiosk_id, result FROM ops WHERE op_id = $1`, f.OpID).Scan(&f.KioskID, &result)
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Refund{}, fmt.Errorf("backfill refunds: origin: %w", err)
	}
	switch {
	case excess:
		f.Reason = string(model.ReasonPayOverpaid)
	default:
		f.Reason = reasonInResult(result, violationID)
	}
	if f.Reason == "" {
		var n int
		if err := c.queryRow(`SELECT count(*) FROM violations WHERE id = $1`, violationID).Scan(&n); err != nil {
			return Refund{}, fmt.Errorf("backfill refunds: violation: %w", err)
		}
		if n == 0 {
			f.Reason = string(model.ReasonPayUnknown)
		}
	}
	return f, nil
}

// reasonInResult picks, from a stored pay result, the reason that made a violation's money
// owed back: the first of that violation's reasons other than a short or excess payment (which
// name money kept, or the excess record).
func reasonInResult(result []byte, violationID string) string {
	var res struct {
		Reasons []struct {
			Code        string `json:"code"`
			ViolationID string `json:"violation_id"`
		} `json:"reasons"`
	}
	if json.Unmarshal(result, &res) != nil {
		return ""
	}
	for _, r := range res.Reasons {
		if r.ViolationID == violationID && r.Code != string(model.ReasonPayShort) && r.Code != string(model.ReasonPayOverpaid) {
			return r.Code
		}
	}
	return ""
}
