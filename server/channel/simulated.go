package channel

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"
)

// SimulatedQRPrefix starts the QR text of the simulated channel. The token after it is 12
// characters of base32's upper-case alphabet (60 random bits), so the whole text (18 characters)
// stays in the QR code's alphanumeric mode and fits a version 1 code, small enough to draw beside
// the text of an 80x24 terminal.
const SimulatedQRPrefix = "HKPAY:"

// simulatedTokenLen is the length of the random part of a simulated QR text.
const simulatedTokenLen = 12

// Simulated is the channel of demo and training servers: the QR text is made here, nobody can
// pay it with a phone, and a payment happens only when the server is told to play the channel
// (POST /v1/payorders/{id}/simulate-paid on a server started with simulated payments), which
// records the notice PaidNotice makes. It sends no notices and keeps no orders.
type Simulated struct {
	name string
	now  func() time.Time
}

// SimulatedName is the name of the simulated channel a server without configured channels has.
const SimulatedName = "simulated"

// NewSimulated builds a simulated channel; now is its clock (nil: time.Now).
func NewSimulated(name string, now func() time.Time) *Simulated {
	if now == nil {
		now = time.Now
	}
	return &Simulated{name: name, now: now}
}

// Name implements Channel.
func (s *Simulated) Name() string { return s.name }

// Kind implements Channel.
func (s *Simulated) Kind() string { return KindSimulated }

// CreateOrder implements Channel: the QR text is the prefix and the order's token (a random one
// when the order has none), which names neither the person nor the order.
func (s *Simulated) CreateOrder(_ context.Context, o Order) (Created, error) {
	token := o.Token
	if token == "" {
		token = rand.Text()[:simulatedTokenLen]
	}
	return Created{QR: SimulatedQRPrefix + token}, nil
}

// QueryOrder implements Channel. The simulated channel keeps no orders: the server's own record
// is all there is.
func (s *Simulated) QueryOrder(context.Context, string) (OrderStatus, error) {
	return OrderStatus{}, fmt.Errorf("%w: the simulated channel keeps no orders", ErrRefused)
}

// Refund implements Channel: a simulated refund succeeds at once.
func (s *Simulated) Refund(_ context.Context, r Refund) (RefundResult, error) {
	if !ValidID(r.ID, 64) || r.AmountFen < 1 || r.AmountFen > MaxAmountFen {
		return RefundResult{}, fmt.Errorf("%w: refund id or amount", ErrMalformed)
	}
	return RefundResult{Ref: "SIMRF-" + randomHex(8), State: RefundSucceeded, DoneAt: s.now()}, nil
}

// VerifyNotice implements Channel: the simulated channel sends none.
func (s *Simulated) VerifyNotice(http.Header, []byte, time.Time) (Notice, error) {
	return Notice{}, ErrNoNotices
}

// PaidNotice is the notice the simulated channel would send for an order paid in full at at.
// The transaction id is derived from the channel and the order, so that the phone pays an order
// once however often it is told to: a repeated simulate-paid is the same transaction again.
func (s *Simulated) PaidNotice(orderID string, amountFen int64, at time.Time) Notice {
	sum := sha256.Sum256([]byte(s.name + "/" + orderID))
	tx := "SIMQR-" + hex.EncodeToString(sum[:8])
	return Notice{Channel: s.name, NotifyID: tx, TransactionID: tx, OrderID: orderID, AmountFen: amountFen,
		PaidAt: at, SignedAt: at}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
