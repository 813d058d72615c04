package server

// Phone payment orders (扫码缴款). The kiosk asks for an order, the server creates it at the
// payment channel and hands the kiosk the channel's QR text, and the kiosk polls the order's
// status; the payment channel tells the server when the person has paid (a signed notice,
// channel_notify.go), and the server marks the order paid and records the payment in one
// transaction. The kiosk never records a QR payment itself, so a kiosk that dies after the
// person paid loses nothing.

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
	"github.com/hallkiosk/kiosk/server/channel"
	"github.com/hallkiosk/kiosk/server/store"
)

const (
	// payOrderTTL is how long an order's QR code may be paid.
	payOrderTTL = 15 * time.Minute
	// maxOrderItems bounds one order: a person pays for a few violations at a time.
	maxOrderItems = 50
	// qrPrefix starts the QR text of the simulated channel, whose token is the order's token:
	// qrTokenLen characters of base32's upper-case alphabet (see channel.SimulatedQRPrefix).
	qrPrefix   = channel.SimulatedQRPrefix
	qrTokenLen = 12
	// orderSubject is what the payer's app shows as being paid.
	orderSubject = "交通违法罚款"
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
	// errChannel: the payment channel did not give the order its QR text; the order is kept,
	// and asking again asks the channel again.
	errChannel = errors.New("the payment channel did not answer")
	// errOtherChannel: a notice from a channel the order was not created at.
	errOtherChannel = errors.New("the order was created at another payment channel")
	// errTransactionReused: a channel's transaction id recorded before with another order or
	// amount.
	errTransactionReused = errors.New("the transaction id was recorded with another order or amount")
	// errNotSimulated: simulate-paid for an order of a real channel.
	errNotSimulated = errors.New("the order is not at the simulated channel")
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
// reasons, and stores nothing. A new order is stored first and then created at the payment
// channel (never inside a transaction: the channel is a network away), which gives its QR text;
// when the channel fails the order is kept without one, and the kiosk's retry asks the channel
// again (the channel's order is idempotent by our order id).
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
		atChannel      *store.PayOrder // an order that still needs the channel's QR text
	)
	err = s.store.Tx(ctx, func(tx store.Tx) error {
		created, ended, atChannel = false, false, nil // the store may retry this function
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
			if o.Status == api.PayOrderWaiting && o.QR == "" {
				atChannel = &o
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
			Status: api.PayOrderWaiting, Items: items, Token: newQRToken(), Channel: s.orderChannel.Name(),
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
		created, atChannel = true, &o
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
	if atChannel != nil {
		return s.orderAtChannel(ctx, *atChannel)
	}
	return out, nil
}

// orderAtChannel creates a stored order at its channel and stores the channel's QR text and
// order id, unless another request did so meanwhile or the order is no longer waiting.
func (s *Server) orderAtChannel(ctx context.Context, o store.PayOrder) (api.PayOrder, error) {
	ch := s.channels[o.Channel]
	if ch == nil {
		s.log.Error("pay order at a channel this server does not have", "order", o.ID, "channel", o.Channel)
		return api.PayOrder{}, errChannel
	}
	created, err := ch.CreateOrder(ctx, channel.Order{ID: o.ID, AmountFen: int64(o.Amount), Subject: orderSubject,
		ExpiresAt: o.ExpiresAt, Token: o.Token})
	if err != nil {
		s.log.Warn("payment channel did not create the order", "order", o.ID, "channel", o.Channel, "err", err.Error())
		return api.PayOrder{}, errChannel
	}
	var out api.PayOrder
	err = s.store.Tx(ctx, func(tx store.Tx) error {
		cur, err := tx.LockPayOrder(o.ID)
		if err != nil {
			return err
		}
		if cur.QR == "" {
			cur.QR, cur.ChannelRef = created.QR, created.Ref
			if err := tx.UpdatePayOrder(cur); err != nil {
				return err
			}
		}
		out, err = wireOrder(cur)
		return err
	})
	if err != nil {
		return api.PayOrder{}, err
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

// recordChannelPayment records money a channel received for an order, as its verified notice
// says: simulate-paid (the simulated channel) and POST /v1/channels/{name}/notify both record
// through here. In one transaction it records the channel's transaction (channel_payments, once
// per channel and transaction id), marks the order paid and records the payment through the
// code path of a kiosk's pay operation (recordPayment), so that refunds, short and excess
// payments and the late fee at the time of payment are judged exactly as for a card payment.
//
// A payment is a fact: an order that expired or was cancelled is still marked paid; money for
// what is no longer owed (paid meanwhile, for example) becomes refund records; an amount other
// than the order's is recorded as it is (orderPaymentItems); and a second transaction for an
// order already paid (the person paid twice) is recorded too, all of it as refund records. It is
// idempotent by the transaction id: a transaction already recorded returns the order as it is
// and records nothing (the order's row lock makes concurrent notices wait for each other).
// fresh reports whether this call recorded the transaction.
func (s *Server) recordChannelPayment(ctx context.Context, n channel.Notice) (order api.PayOrder, fresh bool, err error) {
	var (
		kioskID string
		again   bool // a further payment of an order already paid
	)
	err = s.store.Tx(ctx, func(tx store.Tx) error {
		fresh, again = false, false // the store may retry this function
		o, err := tx.LockPayOrder(n.OrderID)
		if errors.Is(err, store.ErrNotFound) {
			return errNoOrder
		} else if err != nil {
			return err
		}
		if o.Channel != n.Channel {
			return errOtherChannel
		}
		now := s.now()
		at := storeTime(n.PaidAt)
		if at.IsZero() || at.After(now) {
			at = storeTime(now) // a channel's clock ahead of ours must not make a payment look early
		}
		if at.Before(o.CreatedAt) {
			at = o.CreatedAt // nor one behind it make the money arrive before the order existed
		}
		inserted, err := tx.InsertChannelPayment(store.ChannelPayment{Channel: n.Channel, TransactionID: n.TransactionID,
			OrderID: o.ID, Amount: model.Fen(n.AmountFen), PaidAt: at, RecordedAt: storeTime(now)})
		if err != nil {
			return err
		}
		if !inserted {
			prior, err := tx.ChannelPayment(n.Channel, n.TransactionID)
			if err != nil {
				return err
			}
			if prior.OrderID != o.ID || prior.Amount != model.Fen(n.AmountFen) {
				return errTransactionReused
			}
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
		opID := orderPaymentPrefix + o.ID
		if again = o.Status == api.PayOrderPaid; again {
			// The order's first payment keeps its records' names; a further one is named by its
			// transaction, which no order id or number can collide with (':' is in neither).
			opID += "/tx:" + n.TransactionID
		}
		op := api.Op{ID: opID, Type: api.OpPay, At: at, Pay: &api.PayOp{
			PayerID: string(o.PayerID), Method: string(model.PayQR), Reference: n.TransactionID,
			Items: orderPaymentItems(o.Items, model.Fen(n.AmountFen))}}
		if err := prelock(tx, []incoming{{op: op}}, now); err != nil {
			return fmt.Errorf("lock violations: %w", err)
		}
		res, err := s.recordPayment(tx, p, op, nil)
		if err != nil {
			return fmt.Errorf("record payment of pay order: %w", err)
		}
		fresh, kioskID = true, o.KioskID
		if again {
			order, err = wireOrder(o)
			return err
		}
		if o.Result, err = json.Marshal(orderResult{Payments: res.Payments, Reasons: res.Reasons}); err != nil {
			return err
		}
		o.Status, o.PaidAt, o.Reference = api.PayOrderPaid, at, n.TransactionID
		if err := tx.UpdatePayOrder(o); err != nil {
			return err
		}
		order, err = wireOrder(o)
		return err
	})
	if err != nil {
		return api.PayOrder{}, false, err
	}
	switch {
	case fresh && again:
		s.log.Warn("payment channel paid an order already paid: recorded as refunds owed", "order", order.OrderID,
			"kiosk", kioskID, "channel", n.Channel, "transaction", n.TransactionID, "amount_fen", n.AmountFen)
	case fresh:
		s.metrics.payOrder("paid")
		s.log.Info("payment order paid", "order", order.OrderID, "kiosk", kioskID, "channel", n.Channel,
			"transaction", n.TransactionID, "amount_fen", n.AmountFen, "order_fen", order.AmountFen)
	}
	return order, fresh, nil
}

// orderPaymentItems spreads the money a channel received over the order's items, in order, fine
// before late fee, as a card payment of that amount would be: an item the money did not reach
// is left out (it stays owed); money beyond the order goes with the last item, whose recording
// keeps it as received and owes it back (a refund record, settle's rule for an excess).
func orderPaymentItems(items []store.PayOrderItem, amount model.Fen) []api.PayItem {
	var out []api.PayItem
	left := amount
	for _, it := range items {
		fine := min(it.Fine, left)
		left -= fine
		fee := min(it.LateFee, left)
		left -= fee
		if fine+fee > 0 {
			out = append(out, api.PayItem{ViolationID: it.ViolationID, FineFen: int64(fine), LateFeeFen: int64(fee)})
		}
	}
	if left > 0 && len(out) > 0 {
		out[len(out)-1].FineFen += int64(left)
	}
	return out
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
		switch {
		case o.QR != "":
			out.QR = o.QR
		case o.Channel == channel.SimulatedName:
			out.QR = qrPrefix + o.Token // an order made before the QR text was stored
		}
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

// newQRToken draws an order's token: random, unique among orders, saying nothing about the
// person or the order id. The simulated channel's QR text is made of it.
func newQRToken() string { return rand.Text()[:qrTokenLen] }
