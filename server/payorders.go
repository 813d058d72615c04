package server

// Phone payment orders (扫码缴款). The kiosk asks for an order, shows its QR code and polls its
// status; the payment channel tells the server when the person has paid, and the server marks
// the order paid and records the payment in one transaction. The kiosk never records a QR
// payment itself, so a kiosk that dies after the person paid loses nothing.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

const (
	// payOrderTTL is how long an order's QR code may be paid.
	payOrderTTL = 15 * time.Minute
	// maxOrderItems bounds one order: a person pays for a few violations at a time.
	maxOrderItems = 50
	// qrPrefix starts every QR text. The token after it is qrTokenLen characters of base32's
	// upper-case alphabet (60 random bits), so the whole text (18 characters) stays in the QR
	// code's alphanumeric mode and fits a version 1 code, small enough to draw beside the text
	// of an 80x24 terminal.
	qrPrefix   = "HKPAY:"
	qrTokenLen = 12
	// orderPaymentPrefix names an order's payment records "payorder:ORDER_ID/N", as a pay
	// operation's are "OP_ID/N". The payments table's primary key then refuses a second
	// recording of one order's payment, whatever happens above it.
	orderPaymentPrefix = "payorder:"
)

var (
	// errNoOrder: no such order, or the order belongs to another kiosk (which is told the same).
	errNoOrder = errors.New("no such payment order")
	// errOrderIDReused: the order id is taken by an order with other content.
	errOrderIDReused = errors.New("payment order id used with other content")
)

// orderResult is what an order keeps about its payment, as JSON in the store.
type orderResult struct {
	Payments []api.Payment `json:"payments,omitempty"`
	Reasons  []api.Reason  `json:"reasons,omitempty"`
}

// validOrderID reports whether id can name an order: a client id (api.ValidClientID).
func validOrderID(id string) bool { return api.ValidClientID(id) }

// createPayOrder creates the order the request asks for, or returns the one a previous
// identical request created. When an item cannot be paid it returns a refused order with the
// reasons, and stores nothing.
func (s *Server) createPayOrder(ctx context.Context, k store.Kiosk, payer model.IDNumber, req api.PayOrderRequest) (api.PayOrder, error) {
	p, err := s.profileOf(&k)
	if err != nil {
		return api.PayOrder{}, err
	}
	hash, err := payOrderHash(req)
	if err != nil {
		return api.PayOrder{}, err
	}
	var (
		out            api.PayOrder
		created, ended bool
	)
	err = s.store.Tx(ctx, func(tx store.Tx) error {
		created, ended = false, false // the store may retry this function
		now := s.now()
		// A retry (same content, same kiosk) gets the stored order, as it is now.
		existing := func(o store.PayOrder) error {
			if o.KioskID != k.ID || o.RequestHash != hash {
				return errOrderIDReused
			}
			if ended = expire(&o, now); ended {
				if err := tx.UpdatePayOrder(o); err != nil {
					return err
				}
			}
			var err error
			out, err = wireOrder(o)
			return err
		}
		prior, err := tx.PayOrder(req.OrderID)
		if err == nil {
			return existing(prior)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		items, reasons, err := owedNow(tx, p, req.Items, now)
		if err != nil {
			return err
		}
		if len(reasons) > 0 {
			out = api.PayOrder{OrderID: req.OrderID, Status: api.PayOrderRefused, Reasons: reasons}
			return nil
		}
		o := store.PayOrder{ID: req.OrderID, KioskID: k.ID, PayerID: payer, RequestHash: hash,
			Status: api.PayOrderWaiting, Items: items, Token: newQRToken(),
			CreatedAt: storeTime(now), ExpiresAt: storeTime(now.Add(payOrderTTL))}
		for _, it := range items {
			o.Amount += it.Fine + it.LateFee
		}
		inserted, err := tx.InsertPayOrder(o)
		if err != nil {
			return err
		}
		if !inserted {
			// The same order id was created meanwhile (a retry overtook its first attempt):
			// answer as to a retry.
			if prior, err = tx.PayOrder(req.OrderID); err != nil {
				return err
			}
			return existing(prior)
		}
		created = true
		out, err = wireOrder(o)
		return err
	})
	if err != nil {
		return api.PayOrder{}, err
	}
	if created {
		s.metrics.payOrder("created")
	}
	if ended {
		s.metrics.payOrder("expired")
	}
	return out, nil
}

// owedNow computes what each item owes at now, with the same rules a payment is judged by
// (model.PayCheck, then the fine and the late fee at now, less money already received), or the
// reasons why some item cannot be paid. The amounts the kiosk sent are not used: the kiosk shows
// the order's amount.
func owedNow(r store.Reader, p *model.Profile, items []api.PayItem, now time.Time) ([]store.PayOrderItem, []api.Reason, error) {
	var (
		out     []store.PayOrderItem
		reasons []api.Reason
		seen    = make(map[string]bool, len(items))
	)
	for _, it := range items {
		vid := it.ViolationID
		if seen[vid] {
			reasons = append(reasons, api.Reason{Code: string(model.ReasonOpMalformed), ViolationID: vid})
			continue
		}
		seen[vid] = true
		v, err := r.Violation(vid)
		if errors.Is(err, store.ErrNotFound) {
			reasons = append(reasons, api.Reason{Code: string(model.ReasonViolationUnknown), ViolationID: vid})
			continue
		} else if err != nil {
			return nil, nil, err
		}
		if rs := model.PayCheck(v); len(rs) > 0 {
			for _, reason := range rs {
				reasons = append(reasons, api.FromReason(reason, vid))
			}
			continue
		}
		prior, err := r.Payments(vid)
		if err != nil {
			return nil, nil, err
		}
		var received model.Fen
		for _, q := range prior {
			if !q.Refund {
				received += q.Total()
			}
		}
		due := model.AmountAt(v.Fine, v.DecidedAt, now, p.Payment)
		// Money received earlier (a short payment) counts against the fine first.
		fine := max(due.Fine-received, 0)
		fee := max(due.LateFee-max(received-due.Fine, 0), 0)
		if fine+fee == 0 {
			reasons = append(reasons, api.Reason{Code: string(model.ReasonPayPaid), ViolationID: vid})
			continue
		}
		out = append(out, store.PayOrderItem{ViolationID: vid, Fine: fine, LateFee: fee})
	}
	return out, reasons, nil
}

// payOrderHash fingerprints a creating request: the same order id must always carry it.
func payOrderHash(req api.PayOrderRequest) (string, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// expire marks a waiting order whose time is up as expired, and reports whether it did.
func expire(o *store.PayOrder, now time.Time) bool {
	if o.Status != api.PayOrderWaiting || now.Before(o.ExpiresAt) {
		return false
	}
	o.Status = api.PayOrderExpired
	return true
}

// payOrder returns a kiosk's order as it is now: a waiting order whose time is up is stored as
// expired first.
func (s *Server) payOrder(ctx context.Context, kioskID, id string) (api.PayOrder, error) {
	var o store.PayOrder
	err := s.store.Read(ctx, func(r store.Reader) error {
		var err error
		o, err = r.PayOrder(id)
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && o.KioskID != kioskID:
		return api.PayOrder{}, errNoOrder
	case err != nil:
		return api.PayOrder{}, err
	}
	if probe := o; expire(&probe, s.now()) {
		// Polling is read-only until the order's time is up; only then is it written.
		return s.changePayOrder(ctx, kioskID, id, nil)
	}
	return wireOrder(o)
}

// cancelPayOrder gives a waiting order up. A paid order stays paid (the money was received),
// and an expired or cancelled one stays as it is.
func (s *Server) cancelPayOrder(ctx context.Context, kioskID, id string) (api.PayOrder, error) {
	return s.changePayOrder(ctx, kioskID, id, func(o *store.PayOrder) bool {
		if o.Status != api.PayOrderWaiting {
			return false
		}
		o.Status = api.PayOrderCancelled
		return true
	})
}

// changePayOrder locks a kiosk's order, expires it if its time is up, applies change (which
// reports whether it changed the order; nil for none) and stores the result.
func (s *Server) changePayOrder(ctx context.Context, kioskID, id string, change func(*store.PayOrder) bool) (api.PayOrder, error) {
	var (
		out   api.PayOrder
		ended bool
	)
	err := s.store.Tx(ctx, func(tx store.Tx) error {
		o, err := tx.LockPayOrder(id)
		switch {
		case errors.Is(err, store.ErrNotFound) || err == nil && o.KioskID != kioskID:
			return errNoOrder
		case err != nil:
			return err
		}
		ended = expire(&o, s.now())
		changed := change != nil && change(&o)
		if ended || changed {
			if err := tx.UpdatePayOrder(o); err != nil {
				return err
			}
		}
		out, err = wireOrder(o)
		return err
	})
	if err != nil {
		return api.PayOrder{}, err
	}
	if ended {
		s.metrics.payOrder("expired")
	}
	return out, nil
}

// markOrderPaid records that the payment channel received the money for an order: the order
// becomes paid and the payment is recorded in the same transaction, through the code path of a
// kiosk's pay operation (applyPay), so that refunds, short and excess payments and the late
// fee at the time of payment are judged exactly as for a card payment. It is what the payment
// channel's callback calls once the channel's notice is authenticated; the simulated channel
// of demo servers calls it too.
//
// A payment is a fact: an order that expired or was cancelled is still marked paid, and money
// for what is no longer owed (paid meanwhile, for example) becomes refund records. It is
// idempotent: for an order already paid it returns the order as it is and records nothing (the
// order's row lock makes concurrent notices wait for each other). fresh reports whether this
// call recorded the payment.
func (s *Server) markOrderPaid(ctx context.Context, orderID, reference string, paidAt time.Time) (order api.PayOrder, fresh bool, err error) {
	var kioskID string
	err = s.store.Tx(ctx, func(tx store.Tx) error {
		fresh = false // the store may retry this function
		o, err := tx.LockPayOrder(orderID)
		if errors.Is(err, store.ErrNotFound) {
			return errNoOrder
		} else if err != nil {
			return err
		}
		if o.Status == api.PayOrderPaid {
			order, err = wireOrder(o)
			return err
		}
		k, err := tx.Kiosk(o.KioskID)
		if err != nil {
			return fmt.Errorf("kiosk of pay order: %w", err)
		}
		p, err := s.profileOf(&k)
		if err != nil {
			return err
		}
		now := s.now()
		at := storeTime(paidAt)
		if at.IsZero() || at.After(now) {
			at = storeTime(now) // a channel's clock ahead of ours must not make a payment look early
		}
		op := api.Op{ID: orderPaymentPrefix + o.ID, Type: api.OpPay, At: at, Pay: &api.PayOp{
			PayerID: string(o.PayerID), Method: string(model.PayQR), Reference: reference}}
		for _, it := range o.Items {
			op.Pay.Items = append(op.Pay.Items, api.PayItem{ViolationID: it.ViolationID,
				FineFen: int64(it.Fine), LateFeeFen: int64(it.LateFee)})
		}
		if err := prelock(tx, []incoming{{op: op}}, now); err != nil {
			return fmt.Errorf("lock violations: %w", err)
		}
		res, err := s.recordPayment(tx, p, op, nil)
		if err != nil {
			return fmt.Errorf("record payment of pay order: %w", err)
		}
		if o.Result, err = json.Marshal(orderResult{Payments: res.Payments, Reasons: res.Reasons}); err != nil {
			return err
		}
		o.Status, o.PaidAt, o.Reference = api.PayOrderPaid, at, reference
		if err := tx.UpdatePayOrder(o); err != nil {
			return err
		}
		fresh, kioskID = true, o.KioskID
		order, err = wireOrder(o)
		return err
	})
	if err != nil {
		return api.PayOrder{}, false, err
	}
	if fresh {
		s.metrics.payOrder("paid")
		s.log.Info("payment order paid", "order", order.OrderID, "kiosk", kioskID, "amount_fen", order.AmountFen)
	}
	return order, fresh, nil
}

// wireOrder is an order as the API answers it. The QR text is given only while the order
// can be paid, so that a kiosk never shows a dead code.
func wireOrder(o store.PayOrder) (api.PayOrder, error) {
	out := api.PayOrder{OrderID: o.ID, Status: o.Status, AmountFen: int64(o.Amount),
		ExpiresAt: o.ExpiresAt, Reference: o.Reference}
	for _, it := range o.Items {
		out.Items = append(out.Items, api.PayItem{ViolationID: it.ViolationID, FineFen: int64(it.Fine),
			LateFeeFen: int64(it.LateFee)})
	}
	if o.Status == api.PayOrderWaiting {
		out.QR = qrPrefix + o.Token
	}
	if !o.PaidAt.IsZero() {
		at := o.PaidAt
		out.PaidAt = &at
	}
	if len(o.Result) > 0 {
		var res orderResult
		if err := json.Unmarshal(o.Result, &res); err != nil {
			return api.PayOrder{}, fmt.Errorf("stored result of pay order: %w", err)
		}
		out.Payments, out.Reasons = res.Payments, res.Reasons
	}
	return out, nil
}

// storeTime is t as the store gives it back (UTC, whole milliseconds), so that the first
// answer about an order and every later one carry the same instants.
func storeTime(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// newQRToken draws the random part of an order's QR text: it names the order to the payment
// channel and says nothing about the person or the order id.
func newQRToken() string { return rand.Text()[:qrTokenLen] }

// newSimulatedReference draws a transaction reference for the simulated payment channel.
func newSimulatedReference() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return "SIMQR-" + hex.EncodeToString(b)
}
