package server

// Refunds (退款). Money a payment brought that is not owed (a fine paid twice, an unknown or
// undecided violation, the excess of an over-payment) is recorded as a refund payment, and with
// it, in the same transaction, a refund record that gives the money its life: owed, then issued
// (the payment channel was asked and accepted, or staff paid it back at a counter), then settled
// (the channel or staff confirm the money reached the person). A failed issue returns the refund
// to owed. Every step is an event with its time, its actor and its reference.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/channel"
	"github.com/hallkiosk/kiosk/server/store"
)

// RefundIssuer asks a payment channel to pay money back. The channel adapter implements it.
//
// The refund id is the channel's idempotency key (a channel's "out_refund_no"): asked twice for
// one refund id, a channel refunds once and answers as before. The server asks once per issue;
// it asks again only after a failed attempt, or after an attempt left unanswered (the process
// died while asking) for refundAskStale.
type RefundIssuer interface {
	IssueRefund(ctx context.Context, r RefundRequest) (RefundAnswer, error)
}

// RefundRequest is what the channel is asked to pay back.
type RefundRequest struct {
	Channel      string // the channel the money came through (the refund's record), "" when unknown
	RefundID     string // the refund's id: the channel's idempotency key
	OrderID      string // the phone payment order the money came with
	ChannelTxnID string // the channel's transaction id of that payment
	AmountFen    int64  // never more than the payment
}

// RefundAnswer is the channel's answer. State is store.RefundIssued (accepted; the money is on
// its way), store.RefundSettled (paid back already) or store.RefundFailed (refused); ChannelRef
// is the channel's reference of the refund, required unless State is failed.
type RefundAnswer struct {
	ChannelRef string
	State      string
}

// Who, besides staff ids, takes a refund's steps.
const (
	refundByChannel  = "channel"
	refundByPlatform = "platform"
)

// Why an issue failed: categories, never the channel's text (which may quote anything).
const (
	failureUnreachable = "channel_unreachable" // the call failed: the outcome is unknown, and asking again is safe
	failureRefused     = "channel_refused"
	failureBadAnswer   = "channel_bad_answer"
)

const (
	// refundAskTimeout bounds one call to the channel.
	refundAskTimeout = 30 * time.Second
	// refundAskStale is how long an unanswered ask blocks another: longer than any call can take,
	// so only an ask whose process died is taken over (the channel dedups by the refund id).
	refundAskStale = 10 * time.Minute
	maxStaffIDLen  = 32
	maxRefundRef   = 64
)

// refundOrigin is where a payment came from, as its refund records it.
type refundOrigin struct {
	kioskID, opID, orderID, channel, channelTxnID string
}

// paymentOrigin finds where an operation's payment came from when the caller did not say: for a
// phone order's payment (orderPaymentPrefix) the order's kiosk, and the channel's transaction
// reference the payment carries.
func paymentOrigin(r store.Reader, op api.Op) (refundOrigin, error) {
	orderID, ok := strings.CutPrefix(op.ID, orderPaymentPrefix)
	if !ok {
		return refundOrigin{opID: op.ID}, nil
	}
	// A further payment of an order already paid is named by its transaction after the order.
	orderID, _, _ = strings.Cut(orderID, "/")
	o, err := r.PayOrder(orderID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return refundOrigin{}, fmt.Errorf("origin of a refund: %w", err)
	}
	out := refundOrigin{orderID: orderID, kioskID: o.KioskID, channel: o.Channel}
	if op.Pay != nil {
		out.channelTxnID = op.Pay.Reference
	}
	return out, nil
}

// createRefund records that a refund payment's money is owed back, in the transaction that
// records the payment. received is the money the payment's item brought, which a refund never
// exceeds. A refund payment of no money owes nothing and has no refund.
func createRefund(tx store.Tx, violationID string, pay model.Payment, reason model.ReasonCode, received model.Fen, o refundOrigin) error {
	amount := pay.Total()
	if amount <= 0 {
		return nil
	}
	if amount > received {
		return fmt.Errorf("refund of payment: %d fen owed back of %d received", amount, received)
	}
	return tx.InsertRefund(store.Refund{ID: store.RefundIDFor(pay.ID), PaymentID: pay.ID, ViolationID: violationID,
		Amount: amount, Reason: string(reason), Method: string(pay.Method), KioskID: o.kioskID, OrderID: o.orderID,
		OpID: o.opID, Channel: o.channel, ChannelTxnID: o.channelTxnID, State: store.RefundOwed, CreatedAt: pay.PaidAt}, refundByPlatform)
}

// AdminRefund is a refund as the admin interface shows it: what is owed, why, where it came
// from, and its steps. It carries no personal data: staff find the person's money by the order
// or operation id printed on the receipt.
type AdminRefund struct {
	ID           string            `json:"refund_id"`
	PaymentID    string            `json:"payment_id"`
	AmountFen    int64             `json:"amount_fen"`
	State        string            `json:"state"`
	Reason       string            `json:"reason,omitempty"`
	Method       string            `json:"method"`
	KioskID      string            `json:"kiosk_id,omitempty"`
	OrderID      string            `json:"order_id,omitempty"`
	OpID         string            `json:"op_id,omitempty"`
	Channel      string            `json:"channel,omitempty"`
	ChannelTxnID string            `json:"channel_txn_id,omitempty"`
	CreatedAt    time.Time         `json:"created_at"`
	Attempts     int               `json:"attempts"`
	IssuedAt     *time.Time        `json:"issued_at,omitempty"`
	IssuedBy     string            `json:"issued_by,omitempty"`
	IssuedRef    string            `json:"issued_ref,omitempty"`
	SettledAt    *time.Time        `json:"settled_at,omitempty"`
	SettledBy    string            `json:"settled_by,omitempty"`
	SettledRef   string            `json:"settled_ref,omitempty"`
	FailedAt     *time.Time        `json:"failed_at,omitempty"`
	Failure      string            `json:"failure,omitempty"`
	Steps        []AdminRefundStep `json:"steps"`
}

// AdminRefundStep is one recorded step of a refund.
type AdminRefundStep struct {
	At   time.Time `json:"at"`
	From string    `json:"from,omitempty"`
	To   string    `json:"to"`
	Who  string    `json:"who"`
	Ref  string    `json:"ref,omitempty"`
	Note string    `json:"note,omitempty"`
}

// AdminRefundResult is the answer to an issue or a settle: the refund as it is now, and whether
// this call changed it (false: it was already issued, settled or being issued, and nothing was
// asked or recorded).
type AdminRefundResult struct {
	Refund  AdminRefund `json:"refund"`
	Changed bool        `json:"changed"`
}

func adminRefund(r store.Refund, events []store.RefundEvent) AdminRefund {
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	out := AdminRefund{ID: r.ID, PaymentID: r.PaymentID, AmountFen: int64(r.Amount), State: r.State, Reason: r.Reason,
		Method: r.Method, KioskID: r.KioskID, OrderID: r.OrderID, OpID: r.OpID, Channel: r.Channel,
		ChannelTxnID: r.ChannelTxnID, CreatedAt: r.CreatedAt, Attempts: r.Attempts, IssuedAt: opt(r.IssuedAt),
		IssuedBy: r.IssuedBy, IssuedRef: r.IssuedRef, SettledAt: opt(r.SettledAt), SettledBy: r.SettledBy,
		SettledRef: r.SettledRef, FailedAt: opt(r.FailedAt), Failure: r.Failure, Steps: []AdminRefundStep{}}
	for _, e := range events {
		out.Steps = append(out.Steps, AdminRefundStep{At: e.At, From: e.From, To: e.To, Who: e.Who, Ref: e.Ref, Note: e.Note})
	}
	return out
}

// readAdminRefund reads a refund with its steps.
func readAdminRefund(r store.Reader, id string) (AdminRefund, error) {
	f, err := r.Refund(id)
	if err != nil {
		return AdminRefund{}, err
	}
	events, err := r.RefundEvents(id)
	return adminRefund(f, events), err
}

// ReadAdminRefunds lists refunds, oldest first, in one snapshot: all of them, or those in one
// state (owed, issuing, issued, settled).
func ReadAdminRefunds(ctx context.Context, st store.Store, state string) ([]AdminRefund, error) {
	if state != "" && !validRefundState(state) {
		return nil, &refusedError{fmt.Sprintf("refunds: no state %q: use one of %s", state, strings.Join(store.RefundStates(), ", "))}
	}
	out := []AdminRefund{}
	err := st.Read(ctx, func(r store.Reader) error {
		out = out[:0]
		rs, err := r.Refunds(store.RefundFilter{State: state})
		if err != nil {
			return err
		}
		for _, f := range rs {
			events, err := r.RefundEvents(f.ID)
			if err != nil {
				return err
			}
			out = append(out, adminRefund(f, events))
		}
		return nil
	})
	return out, err
}

func validRefundState(s string) bool {
	for _, v := range store.RefundStates() {
		if s == v {
			return true
		}
	}
	return false
}

// adminRefundRoutes serves the refund commands of the admin interface: GET /refunds?state=S,
// POST /refunds/issue (RefundIssue) and POST /refunds/settle (RefundSettle), the last two
// answering an AdminRefundResult.
func (s *Server) adminRefundRoutes(mux *http.ServeMux, issuer RefundIssuer) {
	mux.HandleFunc("GET /refunds", func(w http.ResponseWriter, r *http.Request) {
		rs, err := ReadAdminRefunds(r.Context(), s.store, r.URL.Query().Get("state"))
		if err != nil {
			s.adminFailed(w, "refunds", err)
			return
		}
		writeJSON(w, http.StatusOK, rs)
	})
	mux.HandleFunc("POST /refunds/issue", func(w http.ResponseWriter, r *http.Request) {
		var req RefundIssue
		if !adminDecode(w, r, &req) {
			return
		}
		res, err := s.IssueRefund(r.Context(), issuer, req)
		if err != nil {
			s.adminFailed(w, "refunds issue", err)
			return
		}
		writeJSON(w, http.StatusOK, res)
	})
	mux.HandleFunc("POST /refunds/settle", func(w http.ResponseWriter, r *http.Request) {
		var req RefundSettle
		if !adminDecode(w, r, &req) {
			return
		}
		res, err := s.SettleRefundByStaff(r.Context(), req)
		if err != nil {
			s.adminFailed(w, "refunds settle", err)
			return
		}
		writeJSON(w, http.StatusOK, res)
	})
}

// ChannelRefunds issues refunds through the server's payment channels: each refund goes to the
// channel its money came through, named on its record.
func (s *Server) ChannelRefunds() RefundIssuer { return channelRefunds{s} }

type channelRefunds struct{ s *Server }

func (c channelRefunds) IssueRefund(ctx context.Context, r RefundRequest) (RefundAnswer, error) {
	ch, ok := c.s.channels[r.Channel]
	if !ok {
		return RefundAnswer{}, fmt.Errorf("refund: no payment channel %q is configured", r.Channel)
	}
	ref, state, err := channel.RefundFunc(ch)(ctx, r.RefundID, r.OrderID, r.ChannelTxnID, r.AmountFen)
	if err != nil {
		return RefundAnswer{}, err
	}
	// The channel's words for a refund's state, in the refund record's.
	switch state {
	case channel.RefundProcessing:
		state = store.RefundIssued
	case channel.RefundSucceeded:
		state = store.RefundSettled
	default: // closed or abnormal: refused; the refund is owed again
		state = store.RefundFailed
	}
	return RefundAnswer{ChannelRef: ref, State: state}, nil
}
