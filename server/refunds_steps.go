package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// RefundIssue is a staff member's request to issue a refund (the body of POST /refunds/issue).
// A refund of money that came through the payment channel is issued by asking the channel; one
// without a channel (a card payment), or with Counter set, is paid back at a counter by staff,
// who record it with their reference.
type RefundIssue struct {
	RefundID string `json:"refund_id"`
	Staff    string `json:"staff"`
	Ref      string `json:"ref,omitempty"`
	Counter  bool   `json:"counter,omitempty"`
}

// RefundSettle is a staff member's confirmation that an issued refund reached the person (the
// body of POST /refunds/settle), with the reference that proves it.
type RefundSettle struct {
	RefundID string `json:"refund_id"`
	Staff    string `json:"staff"`
	Ref      string `json:"ref"`
}

// refundDesk takes refunds' steps on a store. step, when set, is told of every step committed
// (the server counts them).
type refundDesk struct {
	st     store.Store
	issuer RefundIssuer // nil: this process cannot ask a channel
	now    func() time.Time
	step   func(to string)
}

func (d refundDesk) stepped(to ...string) {
	if d.step != nil {
		for _, s := range to {
			d.step(s)
		}
	}
}

// IssueRefund issues a refund with the store alone (no server runs): only refunds paid back at
// a counter can be, since asking a channel needs the server's channel.
func IssueRefund(ctx context.Context, st store.Store, req RefundIssue, now func() time.Time) (AdminRefundResult, error) {
	return refundDesk{st: st, now: now}.issue(ctx, req)
}

// SettleRefundByStaff records that an issued refund reached the person, with the store alone.
func SettleRefundByStaff(ctx context.Context, st store.Store, req RefundSettle, now func() time.Time) (AdminRefundResult, error) {
	return refundDesk{st: st, now: now}.settleByStaff(ctx, req)
}

// IssueRefund issues a refund through this server, asking issuer (nil: no channel is wired)
// for a refund of channel money.
func (s *Server) IssueRefund(ctx context.Context, issuer RefundIssuer, req RefundIssue) (AdminRefundResult, error) {
	res, err := s.refundDesk(issuer).issue(ctx, req)
	if err == nil && res.Changed {
		s.log.Info("refund issue", "refund", res.Refund.ID, "state", res.Refund.State, "failure", res.Refund.Failure)
	}
	return res, err
}

// SettleRefundByStaff records through this server that an issued refund reached the person.
func (s *Server) SettleRefundByStaff(ctx context.Context, req RefundSettle) (AdminRefundResult, error) {
	res, err := s.refundDesk(nil).settleByStaff(ctx, req)
	if err == nil && res.Changed {
		s.log.Info("refund settled by staff", "refund", res.Refund.ID)
	}
	return res, err
}

// SettleRefund records the payment channel's confirmation that the refund it issued with
// reference channelRef reached the person, at at (the channel's time, kept between the issue and
// now). It is what the channel's notice of a refund calls; a refund already settled is left as it
// is, so a repeated notice changes nothing. An unknown reference is errNoRefund.
func (s *Server) SettleRefund(ctx context.Context, channelRef string, at time.Time) (AdminRefundResult, error) {
	res, err := s.refundDesk(nil).settleByChannel(ctx, channelRef, at)
	if err == nil && res.Changed {
		s.log.Info("refund settled by the channel", "refund", res.Refund.ID)
	}
	return res, err
}

func (s *Server) refundDesk(issuer RefundIssuer) refundDesk {
	return refundDesk{st: s.store, issuer: issuer, now: s.now, step: s.metrics.refundStep}
}

// errNoRefund: no refund has the channel reference a notice names.
var errNoRefund = errors.New("no refund has this channel reference")

// checkStaff checks who takes a step and the reference they give (optional unless required).
func checkStaff(what, staff, ref string, refRequired bool) error {
	switch {
	case !model.IDChars(staff, maxStaffIDLen) || staff == refundByChannel || staff == refundByPlatform:
		return &refusedError{fmt.Sprintf("%s: give your staff id with --staff (1 to %d letters, digits, '-' or '_', e.g. --staff S-017)", what, maxStaffIDLen)}
	case ref == "" && refRequired:
		return &refusedError{fmt.Sprintf("%s: give the reference of the payback with --ref (the counter's voucher or the bank transfer's number)", what)}
	case ref != "" && !validRefundRef(ref):
		return &refusedError{fmt.Sprintf("%s: a reference is 1 to %d letters, digits and - _ . : / (no spaces, no names)", what, maxRefundRef)}
	}
	return nil
}

// validRefundRef accepts the references of channels and vouchers, and nothing that could be a
// name: ASCII letters, digits and a few separators.
func validRefundRef(ref string) bool {
	if ref == "" || len(ref) > maxRefundRef {
		return false
	}
	for i := 0; i < len(ref); i++ {
		c := ref[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("-_.:/", c) >= 0) {
			return false
		}
	}
	return true
}

// refundID reads a refund id as staff type it (either case).
func refundID(what, id string) (string, error) {
	id = strings.ToUpper(strings.TrimSpace(id))
	if !store.ValidRefundID(id) {
		return "", &refusedError{fmt.Sprintf("%s: %q is not a refund id: it is RF and 16 hex digits, as `kiosk refunds list` shows", what, id)}
	}
	return id, nil
}

// lockRefund locks a refund for a step, with a refusal for an unknown one.
func lockRefund(tx store.Tx, what, id string) (store.Refund, error) {
	r, err := tx.LockRefund(id)
	if errors.Is(err, store.ErrNotFound) {
		return r, &refusedError{fmt.Sprintf("%s: no refund %s: `kiosk refunds list` shows them", what, id)}
	}
	return r, err
}

// checkRefundAmount refuses a refund whose amount exceeds the payment it pays back, or the
// payment that payment is the excess of: whatever its record says, more than was received is
// never paid out.
func checkRefundAmount(tx store.Tx, r store.Refund) error {
	pays, err := tx.Payments(r.ViolationID)
	if err != nil {
		return err
	}
	limit, found := model.Fen(0), false
	parent, excess := strings.CutSuffix(r.PaymentID, "/refund")
	for _, p := range pays {
		if p.ID == r.PaymentID && p.Refund {
			limit, found = p.Total(), true
		}
	}
	for _, p := range pays {
		if excess && p.ID == parent {
			limit = min(limit, p.Total())
		}
	}
	if !found || r.Amount <= 0 || r.Amount > limit {
		return &refusedError{fmt.Sprintf("refund %s: its amount does not match the payment it pays back: nothing was issued; report it to the platform's operators", r.ID)}
	}
	return nil
}

// issue takes a refund from owed to issued: at a counter (recorded at once) or by asking the
// channel, in three steps so that the channel is asked outside any transaction and only once:
// mark it issuing, ask, record the answer. An issue in progress or done is answered as
// recorded, without asking.
func (d refundDesk) issue(ctx context.Context, req RefundIssue) (AdminRefundResult, error) {
	id, err := refundID("issue", req.RefundID)
	if err != nil {
		return AdminRefundResult{}, err
	}
	if err := checkStaff("issue", req.Staff, req.Ref, req.Counter); err != nil {
		return AdminRefundResult{}, err
	}
	var (
		res     AdminRefundResult
		ask     *store.Refund
		stepped string
	)
	err = d.st.Tx(ctx, func(tx store.Tx) error {
		res = AdminRefundResult{} // the store may retry this function
		var err error
		ask, stepped, err = d.beginIssue(tx, id, req, &res)
		return err
	})
	if err != nil {
		return AdminRefundResult{}, err
	}
	if stepped != "" {
		d.stepped(stepped)
	}
	if ask == nil {
		return res, nil
	}
	return d.ask(ctx, *ask)
}

// beginIssue is issue's first transaction: it answers an issue in progress or done as
// recorded (into res), records a payback at the counter, or marks the refund issuing and returns
// it to be asked for. stepped is the state a step led to ("" for none).
func (d refundDesk) beginIssue(tx store.Tx, id string, req RefundIssue, res *AdminRefundResult) (ask *store.Refund, stepped string, err error) {
	r, err := lockRefund(tx, "issue", id)
	if err != nil {
		return nil, "", err
	}
	now := storeTime(d.now())
	switch {
	case r.State == store.RefundIssued || r.State == store.RefundSettled,
		r.State == store.RefundIssuing && now.Sub(r.IssuingAt) < refundAskStale:
		res.Refund, err = readAdminRefund(tx, id)
		return nil, "", err
	}
	if err := checkRefundAmount(tx, r); err != nil {
		return nil, "", err
	}
	from, note := r.State, ""
	if from == store.RefundIssuing {
		note = "asked again: the last ask was never answered"
	}
	if r.ChannelTxnID == "" || req.Counter {
		if req.Ref == "" {
			return nil, "", &refusedError{fmt.Sprintf("issue: refund %s came without a payment channel (a %s payment): pay it back at the counter, then record it with --ref and the voucher's number", id, r.Method)}
		}
		r.State, r.IssuingAt = store.RefundIssued, time.Time{}
		r.IssuedAt, r.IssuedBy, r.IssuedRef = now, req.Staff, req.Ref
		return nil, store.RefundIssued, d.update(tx, res, r, store.RefundEvent{At: now, From: from, To: store.RefundIssued,
			Who: req.Staff, Ref: req.Ref, Note: "paid back at the counter"})
	}
	if d.issuer == nil {
		return nil, "", &refusedError{fmt.Sprintf("issue: refund %s is of money paid through the payment channel, and no channel is configured to issue refunds: start the server with its channel, or pay it back at the counter and record it with --counter --ref VOUCHER", id)}
	}
	r.State, r.Attempts, r.IssuingAt = store.RefundIssuing, r.Attempts+1, now
	err = d.update(tx, res, r, store.RefundEvent{At: now, From: from, To: store.RefundIssuing, Who: req.Staff, Note: note})
	return &r, store.RefundIssuing, err
}

// ask asks the channel for a refund marked issuing, and records the answer if the refund is
// still in that ask (same attempt) when it comes.
func (d refundDesk) ask(ctx context.Context, r store.Refund) (AdminRefundResult, error) {
	callCtx, cancel := context.WithTimeout(ctx, refundAskTimeout)
	answer, callErr := d.issuer.IssueRefund(callCtx, RefundRequest{Channel: r.Channel, RefundID: r.ID, OrderID: r.OrderID,
		ChannelTxnID: r.ChannelTxnID, AmountFen: int64(r.Amount)})
	cancel()
	failure := ""
	switch {
	case callErr != nil:
		failure = failureUnreachable
	case answer.State == store.RefundFailed:
		failure = failureRefused
	case answer.State != store.RefundIssued && answer.State != store.RefundSettled,
		!validRefundRef(answer.ChannelRef):
		failure = failureBadAnswer
	}
	var (
		res     AdminRefundResult
		stepped []string
	)
	// The answer is recorded even if the staff member's request was cancelled meanwhile: the
	// channel has acted on it.
	err := d.st.Tx(context.WithoutCancel(ctx), func(tx store.Tx) error {
		res, stepped = AdminRefundResult{}, nil
		cur, err := tx.LockRefund(r.ID)
		if err != nil {
			return err
		}
		if cur.State != store.RefundIssuing || cur.Attempts != r.Attempts {
			// Another ask took over (this one outlived refundAskStale): its answer stands.
			res.Refund, err = readAdminRefund(tx, r.ID)
			return err
		}
		stepped, err = d.recordAnswer(tx, &res, cur, answer, failure)
		return err
	})
	if err != nil {
		return AdminRefundResult{}, fmt.Errorf("record the channel's answer about a refund: %w", err)
	}
	d.stepped(stepped...)
	return res, nil
}

// recordAnswer records the channel's answer to the ask cur is in: a failure (owed again), an
// issue, or an issue and its settlement. It returns the states the refund went through.
func (d refundDesk) recordAnswer(tx store.Tx, res *AdminRefundResult, cur store.Refund, answer RefundAnswer, failure string) ([]string, error) {
	now := storeTime(d.now())
	ref := answer.ChannelRef
	if !validRefundRef(ref) {
		ref = "" // never store what the channel sent unchecked
	}
	if failure != "" {
		cur.State, cur.IssuingAt, cur.FailedAt, cur.Failure = store.RefundOwed, time.Time{}, now, failure
		return []string{store.RefundFailed}, d.update(tx, res, cur, store.RefundEvent{At: now, From: store.RefundIssuing,
			To: store.RefundFailed, Who: refundByChannel, Ref: ref, Note: failure + "; owed again"})
	}
	cur.State, cur.IssuingAt = store.RefundIssued, time.Time{}
	cur.IssuedAt, cur.IssuedBy, cur.IssuedRef = now, refundByChannel, ref
	issued := store.RefundEvent{At: now, From: store.RefundIssuing, To: store.RefundIssued, Who: refundByChannel, Ref: ref}
	if answer.State == store.RefundIssued {
		return []string{store.RefundIssued}, d.update(tx, res, cur, issued)
	}
	if err := tx.UpdateRefund(cur, issued); err != nil {
		return nil, err
	}
	cur.State, cur.SettledAt, cur.SettledBy, cur.SettledRef = store.RefundSettled, now, refundByChannel, ref
	return []string{store.RefundIssued, store.RefundSettled}, d.update(tx, res, cur, store.RefundEvent{At: now,
		From: store.RefundIssued, To: store.RefundSettled, Who: refundByChannel, Ref: ref})
}

// update writes a step and reads the refund back as it now is into res.
func (d refundDesk) update(tx store.Tx, res *AdminRefundResult, r store.Refund, e store.RefundEvent) error {
	if err := tx.UpdateRefund(r, e); err != nil {
		return err
	}
	var err error
	res.Refund, err = readAdminRefund(tx, r.ID)
	res.Changed = true
	return err
}

// settleByStaff takes an issued refund to settled on a staff member's word and reference. A
// settled refund is answered as recorded, whatever reference is given.
func (d refundDesk) settleByStaff(ctx context.Context, req RefundSettle) (AdminRefundResult, error) {
	id, err := refundID("settle", req.RefundID)
	if err != nil {
		return AdminRefundResult{}, err
	}
	if err := checkStaff("settle", req.Staff, req.Ref, true); err != nil {
		return AdminRefundResult{}, err
	}
	var res AdminRefundResult
	err = d.st.Tx(ctx, func(tx store.Tx) error {
		res = AdminRefundResult{}
		r, err := lockRefund(tx, "settle", id)
		if err != nil {
			return err
		}
		switch r.State {
		case store.RefundSettled:
			res.Refund, err = readAdminRefund(tx, id)
			return err
		case store.RefundOwed:
			return &refusedError{fmt.Sprintf("settle: refund %s is owed and was never issued: issue it first (kiosk refunds issue %s)", id, id)}
		case store.RefundIssuing:
			return &refusedError{fmt.Sprintf("settle: the payment channel was asked for refund %s at %s and has not answered: list it again later", id, r.IssuingAt.Local().Format(time.DateTime))}
		}
		now := storeTime(d.now())
		r.State, r.SettledAt, r.SettledBy, r.SettledRef = store.RefundSettled, now, req.Staff, req.Ref
		return d.update(tx, &res, r, store.RefundEvent{At: now, From: store.RefundIssued, To: store.RefundSettled, Who: req.Staff, Ref: req.Ref})
	})
	if err == nil && res.Changed {
		d.stepped(store.RefundSettled)
	}
	return res, err
}

// settleByChannel takes the refund the channel issued with channelRef to settled.
func (d refundDesk) settleByChannel(ctx context.Context, channelRef string, at time.Time) (AdminRefundResult, error) {
	if !validRefundRef(channelRef) {
		return AdminRefundResult{}, errNoRefund
	}
	var res AdminRefundResult
	err := d.st.Tx(ctx, func(tx store.Tx) error {
		res = AdminRefundResult{}
		found, err := tx.RefundsByIssuedRef(refundByChannel, channelRef)
		if err != nil {
			return err
		}
		if len(found) != 1 {
			// Channels' references are unique; two refunds with one would be the channel's
			// mistake, which staff settle by hand.
			return errNoRefund
		}
		r, err := tx.LockRefund(found[0].ID)
		if err != nil {
			return err
		}
		if r.State != store.RefundIssued {
			res.Refund, err = readAdminRefund(tx, r.ID)
			return err
		}
		now := storeTime(d.now())
		when := storeTime(at)
		if when.IsZero() || when.After(now) {
			when = now
		}
		if when.Before(r.IssuedAt) {
			when = r.IssuedAt
		}
		r.State, r.SettledAt, r.SettledBy, r.SettledRef = store.RefundSettled, when, refundByChannel, channelRef
		return d.update(tx, &res, r, store.RefundEvent{At: when, From: store.RefundIssued, To: store.RefundSettled,
			Who: refundByChannel, Ref: channelRef})
	})
	if err == nil && res.Changed {
		d.stepped(store.RefundSettled)
	}
	return res, err
}
