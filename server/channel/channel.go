// Package channel is the server's side of payment channels (a bank, a payment platform or a
// collection platform for non-tax revenue): one interface, Channel, through which the server
// creates a phone payment order at the channel, queries it, asks for a refund, and verifies and
// parses the channel's signed notification of a payment. Two implementations: Simulated (demo
// and training servers: the QR text is made here and nobody pays) and HTTP, the generic HTTP
// channel whose protocol docs/payment-channel.md writes out for a bank's integrator, signed with
// RSA2 (RSA-SHA256) or SM2 with SM3.
//
// The package knows nothing of the store: what a verified notice means for an order is the
// server's business.
package channel

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// Kinds of channel in the configuration.
const (
	KindGenericHTTP = "generic-http"
	KindSimulated   = "simulated"
)

// Channel is one configured payment channel.
type Channel interface {
	// Name is the channel's name in the configuration (and in /v1/channels/{name}/notify).
	Name() string
	// Kind is KindGenericHTTP or KindSimulated.
	Kind() string
	// CreateOrder asks the channel for an order; it is idempotent by Order.ID at the channel, so
	// the server may ask again after a failure.
	CreateOrder(ctx context.Context, o Order) (Created, error)
	// QueryOrder asks the channel how an order stands.
	QueryOrder(ctx context.Context, orderID string) (OrderStatus, error)
	// Refund asks the channel to pay money of a payment back; it is idempotent by Refund.ID at
	// the channel, and asking again is how the refund's later state is learnt.
	Refund(ctx context.Context, r Refund) (RefundResult, error)
	// VerifyNotice checks a notification's signature (with the channel's public key) and
	// timestamp (within MaxSkew of now) and parses its body. The nonce is returned for the
	// caller to remember: a replay is refused there, where nonces are stored.
	VerifyNotice(h http.Header, body []byte, now time.Time) (Notice, error)
}

// Order is what the server asks a channel to collect.
type Order struct {
	ID        string // our order id (out_trade_no)
	AmountFen int64
	Subject   string // what is paid, shown by the payer's app
	ExpiresAt time.Time
	// Token is random and unique among our orders, and names neither the person nor the order:
	// the simulated channel makes its QR text of it; a real channel ignores it.
	Token string
}

// Created is the channel's answer to an order.
type Created struct {
	QR  string // the text the kiosk draws as a QR code
	Ref string // the channel's id of the order ("" when it has none)
}

// Trade states of an order at the channel.
const (
	TradeWaiting = "NOTPAY"
	TradePaid    = "SUCCESS"
	TradeClosed  = "CLOSED"
)

// OrderStatus is how an order stands at the channel.
type OrderStatus struct {
	State         string // TradeWaiting, TradePaid or TradeClosed
	Ref           string // the channel's id of the order
	TransactionID string // the payment, once paid
	AmountFen     int64  // paid, once paid; else the order's amount
	PaidAt        time.Time
}

// Refund is a refund the server asks for. The ID is ours, and the same ID always names the same
// refund: asking again never refunds twice.
type Refund struct {
	ID            string // out_refund_no
	OrderID       string // out_trade_no
	TransactionID string // the payment the money goes back from
	AmountFen     int64
	Reason        string // a short code, no personal data
}

// Refund states at the channel.
const (
	RefundProcessing = "PROCESSING"
	RefundSucceeded  = "SUCCESS"
	RefundClosed     = "CLOSED"
	RefundAbnormal   = "ABNORMAL"
)

// RefundResult is the channel's answer about a refund.
type RefundResult struct {
	Ref    string // the channel's refund id
	State  string // one of the Refund states
	DoneAt time.Time
}

// Notice is a verified notification of a payment. It names no payer: the order says who pays.
type Notice struct {
	Channel       string // the configured channel's name
	NotifyID      string // the channel's id of the notification (the same on every retry)
	TransactionID string // the channel's id of the payment: the record's idempotency key
	OrderID       string // out_trade_no, our order id
	AmountFen     int64  // what the payer actually paid
	PaidAt        time.Time
	// Nonce and SignedAt come from the signature headers: the caller refuses a nonce it has seen.
	Nonce    string
	SignedAt time.Time
}

// MaxSkew is how far a signed message's timestamp may be from the receiver's clock.
const MaxSkew = 5 * time.Minute

// Errors of VerifyNotice and of the HTTP channel; callers tell them apart with errors.Is. The
// wrapped text says what is wrong without personal data (a notice carries none).
var (
	// ErrMalformed: the body or a header is not what the protocol says.
	ErrMalformed = errors.New("malformed message")
	// ErrSignature: missing or wrong signature, wrong algorithm or key.
	ErrSignature = errors.New("bad signature")
	// ErrStale: the timestamp is outside MaxSkew.
	ErrStale = errors.New("timestamp outside the window")
	// ErrNotOurs: the message names another merchant.
	ErrNotOurs = errors.New("message for another merchant")
	// ErrNoNotices: the channel sends no notices (the simulated channel).
	ErrNoNotices = errors.New("this channel sends no notices")
	// ErrUnavailable: the channel could not be reached or failed; asking again may work.
	ErrUnavailable = errors.New("payment channel unavailable")
	// ErrRefused: the channel refused the request for good (see the wrapped code).
	ErrRefused = errors.New("payment channel refused the request")
)

// RefundFunc adapts a channel's Refund to the shape of a refund issuer: the refund's id, its
// order, the payment's transaction id and the amount in, the channel's refund id and state out.
func RefundFunc(ch Channel) func(ctx context.Context, refundID, orderID, transactionID string, amountFen int64) (string, string, error) {
	return func(ctx context.Context, refundID, orderID, transactionID string, amountFen int64) (string, string, error) {
		r, err := ch.Refund(ctx, Refund{ID: refundID, OrderID: orderID, TransactionID: transactionID,
			AmountFen: amountFen, Reason: "refund"})
		return r.Ref, r.State, err
	}
}
