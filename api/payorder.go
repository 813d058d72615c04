package api

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Phone payment (扫码缴款). The kiosk asks the server for a payment order and shows its QR code;
// the person pays with a phone, the payment channel tells the server (a signed notice, see
// docs/payment-channel.md), and the server records the payment in the same transaction that
// marks the order paid. The kiosk only polls the order's
// status: it never records a QR payment itself, so a kiosk that dies after the person paid loses
// nothing. (A bank card payment is different: the card terminal is at the kiosk, and the kiosk
// records it as a PayOp through the outbox.)

// Payment order states.
const (
	PayOrderWaiting   = "waiting"   // shown, not paid yet
	PayOrderPaid      = "paid"      // the channel confirmed; Payments holds what was recorded
	PayOrderExpired   = "expired"   // not paid in time; a new order is needed
	PayOrderCancelled = "cancelled" // the kiosk gave up (the person chose another way)
	PayOrderRefused   = "refused"   // nothing was created: Reasons say why (not decided, already paid...)
)

// PayOrderRequest is the body of POST /v1/payorders. The kiosk chooses the order id (a UUID;
// 1 to 64 letters, digits, '-' or '_') and sends the same request again after a lost answer; the
// server creates the order once, and refuses (409) the same id with other content.
type PayOrderRequest struct {
	OrderID string `json:"order_id"`
	PayerID string `json:"payer_id"` // the ID number of the person paying
	// Items are the violations to pay (1 to 50, each once) with the amounts the kiosk showed.
	// The order charges what the server computes at creation, which the kiosk shows instead.
	Items []PayItem `json:"items"`
}

// PayOrder is a payment order as the server sees it.
type PayOrder struct {
	OrderID   string    `json:"order_id"`
	Status    string    `json:"status"`
	AmountFen int64     `json:"amount_fen"`
	Items     []PayItem `json:"items,omitempty"` // what the order charges, as the server computed it
	// QR is the text the QR code encodes, as the payment channel gave it (the simulated
	// channel's is "HKPAY:" and a 12-character random token, 18 characters in the QR
	// alphanumeric set: a version 1 code, which fits beside the text at 80x24). It is present
	// only while the order is waiting and the channel has answered.
	QR string `json:"qr,omitempty"`
	// ExpiresAt is 15 minutes after creation; absent on a refused order, which has none.
	ExpiresAt time.Time  `json:"expires_at,omitzero"`
	PaidAt    *time.Time `json:"paid_at,omitempty"`
	// Reference is the payment channel's transaction id once paid (the receipt prints it; the
	// channel's statement lists the payment under it).
	Reference string    `json:"reference,omitempty"`
	Payments  []Payment `json:"payments,omitempty"` // recorded payments and refund records once paid
	// Reasons say why an order was refused; on a paid order, what recording the payment found
	// (already paid, short, overpaid: the matching refund records are in Payments).
	Reasons []Reason `json:"reasons,omitempty"`
}

// CreatePayOrder asks for a payment order (POST /v1/payorders).
func (c *Client) CreatePayOrder(ctx context.Context, req PayOrderRequest) (PayOrder, error) {
	return c.order(ctx, http.MethodPost, "/v1/payorders", req)
}

// PayOrder reads an order's state (GET /v1/payorders/{id}).
func (c *Client) PayOrder(ctx context.Context, id string) (PayOrder, error) {
	return c.order(ctx, http.MethodGet, "/v1/payorders/"+url.PathEscape(id), nil)
}

// CancelPayOrder gives an order up (POST /v1/payorders/{id}/cancel). An order that was paid
// meanwhile stays paid, and the answer says so.
func (c *Client) CancelPayOrder(ctx context.Context, id string) (PayOrder, error) {
	return c.order(ctx, http.MethodPost, "/v1/payorders/"+url.PathEscape(id)+"/cancel", nil)
}

// SimulatePaid plays the payment channel for a demo or test server (POST
// /v1/payorders/{id}/simulate-paid); a server without simulated payments answers 404.
func (c *Client) SimulatePaid(ctx context.Context, id string) (PayOrder, error) {
	return c.order(ctx, http.MethodPost, "/v1/payorders/"+url.PathEscape(id)+"/simulate-paid", nil)
}

// order sends a request that answers an order, and cleans the order's texts.
func (c *Client) order(ctx context.Context, method, path string, in any) (PayOrder, error) {
	var out PayOrder
	err := c.do(ctx, method, path, in, &out)
	out.Clean()
	return out, err
}
