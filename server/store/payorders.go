package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// PayOrder is a phone payment order (扫码缴款) as the server stored it. The store keeps the
// fields; what the states mean and when they change is the server's business.
type PayOrder struct {
	ID      string // chosen by the kiosk
	KioskID string // the kiosk that created the order; only it may read the order
	PayerID model.IDNumber
	// RequestHash is the SHA-256 of the creating request, hex: the same order id with other
	// content is refused.
	RequestHash string
	Status      string // waiting, paid, expired or cancelled, as in package api
	Items       []PayOrderItem
	Amount      model.Fen // the sum of the items
	// Token is a random text unique among orders. Orders made before schema version 8 show
	// "HKPAY:" and it as their QR text.
	Token     string
	CreatedAt time.Time
	ExpiresAt time.Time
	PaidAt    time.Time // zero until paid
	Reference string    // the payment channel's transaction reference, once paid
	// Channel is the payment channel the order was created at, ChannelRef the channel's id of
	// the order, and QR the text the channel gave for the QR code ("" until it answered).
	Channel, ChannelRef, QR string
	// Result is what the server answers about the payment once paid (the payments and refund
	// records it produced, with their reasons), as JSON the store does not read: the records
	// themselves are in the payments table.
	Result []byte
}

// PayOrderItem is what an order charges for one violation, as the server computed it.
type PayOrderItem struct {
	ViolationID string
	Fine        model.Fen
	LateFee     model.Fen
}

// The JSON of the items column. The tags are the stored format: they change only with a
// migration that rewrites the column.
type itemJSON struct {
	ViolationID string `json:"violation_id"`
	Fine        int64  `json:"fine"`
	LateFee     int64  `json:"late_fee"`
}

func encodeItems(items []PayOrderItem) (string, error) {
	out := make([]itemJSON, len(items))
	for i, it := range items {
		out[i] = itemJSON{ViolationID: it.ViolationID, Fine: int64(it.Fine), LateFee: int64(it.LateFee)}
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func decodeItems(s string) ([]PayOrderItem, error) {
	var in []itemJSON
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, err
	}
	out := make([]PayOrderItem, len(in))
	for i, it := range in {
		out[i] = PayOrderItem{ViolationID: it.ViolationID, Fine: model.Fen(it.Fine), LateFee: model.Fen(it.LateFee)}
	}
	return out, nil
}

const payOrderColumns = `order_id, kiosk_id, payer_id, request_hash, status, amount, items, token,
	created_at, expires_at, paid_at, reference, result, channel, channel_ref, qr`

func scanPayOrder(r scanner) (PayOrder, error) {
	var (
		o                      PayOrder
		payer, items           string
		amount                 int64
		created, expires, paid int64
	)
	err := r.Scan(&o.ID, &o.KioskID, &payer, &o.RequestHash, &o.Status, &amount, &items, &o.Token,
		&created, &expires, &paid, &o.Reference, &o.Result, &o.Channel, &o.ChannelRef, &o.QR)
	if err != nil {
		return PayOrder{}, err
	}
	if o.Items, err = decodeItems(items); err != nil {
		return PayOrder{}, errors.New("items column is not a JSON list of items")
	}
	o.PayerID = model.IDNumber(payer)
	o.Amount = model.Fen(amount)
	o.CreatedAt, o.ExpiresAt, o.PaidAt = fromMillis(created), fromMillis(expires), fromMillis(paid)
	return o, nil
}

func (c *conn) PayOrder(id string) (PayOrder, error) {
	return getOne(c, "pay order", scanPayOrder,
		`SELECT `+payOrderColumns+` FROM pay_orders WHERE order_id = $1`, id)
}

// LockPayOrder takes the order's row lock on PostgreSQL: two payment notices for one order
// (a channel's retries, or simulated payments at once) then record the payment once, the second
// finding the order already paid.
func (c *conn) LockPayOrder(id string) (PayOrder, error) {
	return getOne(c, "lock pay order", scanPayOrder,
		`SELECT `+payOrderColumns+` FROM pay_orders WHERE order_id = $1`+c.d.forUpdate(), id)
}

// InsertPayOrder relies on ON CONFLICT (order_id) DO NOTHING: a concurrent insert of the same
// order id waits for the first transaction on PostgreSQL and then inserts nothing. A token that
// collides with another order's is an error, not a silent no-op.
func (c *conn) InsertPayOrder(o PayOrder) (bool, error) {
	items, err := encodeItems(o.Items)
	if err != nil {
		return false, fmt.Errorf("store: insert pay order: %w", err)
	}
	res, err := c.exec(`INSERT INTO pay_orders (`+payOrderColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
		ON CONFLICT (order_id) DO NOTHING`,
		o.ID, o.KioskID, string(o.PayerID), o.RequestHash, o.Status, int64(o.Amount), items, o.Token,
		millis(o.CreatedAt), millis(o.ExpiresAt), millis(o.PaidAt), o.Reference, blob(o.Result),
		o.Channel, o.ChannelRef, o.QR)
	if err != nil {
		return false, fmt.Errorf("store: insert pay order: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: insert pay order: %w", err)
	}
	return n == 1, nil
}

// UpdatePayOrder writes what changes in an order's life: status, paid time, reference,
// result, and the channel's answer (QR text and order id). What the order charges, and at which
// channel, is fixed at creation and never rewritten.
func (c *conn) UpdatePayOrder(o PayOrder) error {
	return c.execOne("update pay order", `UPDATE pay_orders SET status = $2, paid_at = $3,
		reference = $4, result = $5, qr = $6, channel_ref = $7 WHERE order_id = $1`,
		o.ID, o.Status, millis(o.PaidAt), o.Reference, blob(o.Result), o.QR, o.ChannelRef)
}
