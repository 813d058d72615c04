package server

// Daily reconciliation (对账): the payment channel's statement of a China day
// (docs/payment-channel.md, "Daily statement"; parsed by package reconcile) matched against
// what the platform recorded for that channel.
//
//   - A payment the channel lists and the platform does not know is recorded through
//     recordChannelPayment, exactly as its notice would have been (a notice lost after the
//     channel's 24 hours of retries is repaired).
//   - A payment recorded here that the statement does not list, and one whose amount or order
//     differs, are flagged for staff; nothing is changed for them.
//   - A refund the channel lists as paid back settles our refund it issued (SettleRefund, as the
//     channel's confirmation would); one we do not know, or that differs, or that we never
//     issued through the channel, is flagged. A refund the channel confirmed here that day but
//     does not list, and one issued before the day that is still not paid back, are flagged.
//
// The day is the statement's: [00:00, 24:00) China time (UTC+8) of the SUMMARY line's DATE. A
// line is looked up by its ids whatever day the platform recorded it on; the day matters only
// for what the platform recorded and the statement does not list: payments whose recorded
// time (the channel's success_time, see recordChannelPayment) is in the day, and refunds the
// channel confirmed in it.
//
// The file is read twice: once to check it whole (a malformed statement changes nothing), then
// to match it. A rerun finds everything recorded and settled already and changes nothing; its
// report is the first one's with "recorded" and "refund_settled" turned into matches.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/channel"
	"github.com/hallkiosk/kiosk/server/reconcile"
	"github.com/hallkiosk/kiosk/server/store"
)

// Outcomes of a statement's lines and of the records it does not list; the metric
// kiosk_reconcile_lines_total counts them.
const (
	OutcomeMatched          = "matched"            // listed and recorded alike
	OutcomeRecorded         = "recorded"           // listed, unknown here: recorded from the statement
	OutcomeAmountDiffers    = "amount_differs"     // flagged: recorded with another amount
	OutcomeOrderDiffers     = "order_differs"      // flagged: recorded for another order
	OutcomeUnknownOrder     = "unknown_order"      // flagged: the order is not ours
	OutcomeOtherChannel     = "other_channel"      // flagged: the order was made at another channel
	OutcomeMissingAtChannel = "missing_at_channel" // flagged: recorded here, not on the statement
	OutcomeRefundMatched    = "refund_matched"     // listed and settled here alike
	OutcomeRefundSettled    = "refund_settled"     // listed, issued here: settled from the statement
	OutcomeRefundUnknown    = "refund_unknown"     // flagged: no such refund here
	OutcomeRefundDiffers    = "refund_differs"     // flagged: amount, payment or reference differ
	OutcomeRefundNotIssued  = "refund_not_issued"  // flagged: paid back by the channel, owed or issuing here
	OutcomeRefundTwice      = "refund_twice"       // flagged: paid back at a counter and by the channel
	OutcomeRefundMissing    = "refund_missing_at_channel"
	OutcomeRefundPending    = "refund_pending" // flagged: issued before the day, still not paid back
)

// reconcileOutcomes lists the outcomes in the report's order.
func reconcileOutcomes() []string {
	return []string{OutcomeMatched, OutcomeRecorded, OutcomeAmountDiffers, OutcomeOrderDiffers, OutcomeUnknownOrder,
		OutcomeOtherChannel, OutcomeMissingAtChannel, OutcomeRefundMatched, OutcomeRefundSettled, OutcomeRefundUnknown,
		OutcomeRefundDiffers, OutcomeRefundNotIssued, OutcomeRefundTwice, OutcomeRefundMissing, OutcomeRefundPending}
}

// reconcileFlagged reports whether an outcome needs staff.
func reconcileFlagged(outcome string) bool {
	switch outcome {
	case OutcomeMatched, OutcomeRecorded, OutcomeRefundMatched, OutcomeRefundSettled:
		return false
	}
	return true
}

const (
	// reconcileBatch is how many lines are looked up in one read of the store.
	reconcileBatch = 256
	// reconcileWindow is the slice of the day whose recorded payments are held at once.
	reconcileWindow = 10 * time.Minute
	// maxReportItems bounds the items a report lists (a statement of another channel's merchant
	// would flag every line): the counts stay complete, and a rerun after mending lists the rest.
	maxReportItems = 10_000
)

// ReconcileReport is what a reconciliation found and did. It carries ids, amounts and outcomes,
// never personal data.
type ReconcileReport struct {
	Channel   string          `json:"channel"`
	Day       string          `json:"day"` // YYYY-MM-DD, China time
	Statement StatementTotals `json:"statement"`
	// Outcomes counts every outcome (0 for those that did not occur).
	Outcomes map[string]int `json:"outcomes"`
	Recorded int            `json:"recorded"` // payments recorded and refunds settled by this run
	Flagged  int            `json:"flagged"`  // items for staff
	// Items are the lines and records whose outcome is not a plain match, in the statement's
	// order, then what the statement does not list.
	Items        []ReconcileItem `json:"items"`
	ItemsLeftOut int             `json:"items_left_out,omitempty"`
}

// StatementTotals is the statement's summary line, as checked.
type StatementTotals struct {
	Pays           int   `json:"pays"`
	Refunds        int   `json:"refunds"`
	PayTotalFen    int64 `json:"pay_total_fen"`
	RefundTotalFen int64 `json:"refund_total_fen"`
	NetFen         int64 `json:"net_fen"`
}

// ReconcileItem is one line or record that needs saying: what it is, what was found, and what
// to do.
type ReconcileItem struct {
	Outcome         string `json:"outcome"`
	Flagged         bool   `json:"flagged"`
	Line            int    `json:"line,omitempty"` // 0: not on the statement
	OrderID         string `json:"order_id,omitempty"`
	TransactionID   string `json:"transaction_id,omitempty"`
	RefundID        string `json:"refund_id,omitempty"`         // ours (out_refund_no)
	ChannelRefundID string `json:"channel_refund_id,omitempty"` // the channel's
	StatementFen    int64  `json:"statement_fen,omitempty"`
	RecordedFen     int64  `json:"recorded_fen,omitempty"`
	Note            string `json:"note"`
}

// Reconcile matches a channel's daily statement against what this server recorded. A statement
// that is not sound is refused whole, with the line and column of its first problem, and
// changes nothing. A store failure stops it: what was recorded stays recorded, and running it
// again goes on where it stopped.
func (s *Server) Reconcile(ctx context.Context, channelName string, statement io.ReadSeeker) (ReconcileReport, error) {
	if s.channels[channelName] == nil {
		names := make([]string, 0, len(s.channels))
		for n := range s.channels {
			names = append(names, n)
		}
		sort.Strings(names)
		return ReconcileReport{}, &refusedError{fmt.Sprintf("reconcile: this server has no payment channel %q; it has %s (--channels)",
			channelName, strings.Join(names, ", "))}
	}
	check := reconcile.NewReader(statement)
	for {
		_, err := check.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var bad *reconcile.Error
		if errors.As(err, &bad) {
			s.log.Warn("reconcile: statement refused", "channel", channelName, "line", bad.Line, "column", bad.Column)
			return ReconcileReport{}, &refusedError{"nothing was reconciled: " + bad.Error()}
		}
		if err != nil {
			return ReconcileReport{}, err
		}
	}
	if _, err := statement.Seek(0, io.SeekStart); err != nil {
		return ReconcileReport{}, fmt.Errorf("reconcile: read the statement again: %w", err)
	}
	t := check.Totals()
	if today := model.DateOf(s.now()); !t.Day.Before(today) {
		// A day not over yet: payments of its remaining hours would read as missing at the
		// channel, and lines timed after now would be recorded at another time.
		return ReconcileReport{}, &refusedError{fmt.Sprintf("nothing was reconciled: the statement is of %s, which is not over yet (today is %s); reconcile a day once it has ended",
			reconcile.DayString(t.Day), reconcile.DayString(today))}
	}
	m := &matcher{s: s, channel: channelName, rep: ReconcileReport{Channel: channelName, Day: reconcile.DayString(t.Day),
		Statement: StatementTotals{Pays: t.Pays, Refunds: t.Refunds, PayTotalFen: t.PayTotalFen, RefundTotalFen: t.RefundTotal, NetFen: t.NetFen},
		Outcomes:  map[string]int{}, Items: []ReconcileItem{}}}
	for _, o := range reconcileOutcomes() {
		m.rep.Outcomes[o] = 0
	}
	err := m.run(ctx, reconcile.NewReader(statement), t.Day)
	for o, n := range m.rep.Outcomes {
		s.metrics.reconciled(o, n)
	}
	if err != nil {
		s.log.Error("reconcile: stopped", "channel", channelName, "day", m.rep.Day, "recorded", m.rep.Recorded, "err", err.Error())
		return ReconcileReport{}, fmt.Errorf("reconcile: stopped after recording %d (run it again: it goes on where it stopped): %w", m.rep.Recorded, err)
	}
	s.log.Info("reconcile: statement matched", "channel", channelName, "day", m.rep.Day, "lines", t.Pays+t.Refunds,
		"recorded", m.rep.Recorded, "flagged", m.rep.Flagged)
	return m.rep, nil
}

// matcher matches one statement.
type matcher struct {
	s       *Server
	channel string
	rep     ReconcileReport
}

// add counts an outcome and lists its item unless it is a plain match.
func (m *matcher) add(it ReconcileItem) {
	m.rep.Outcomes[it.Outcome]++
	switch it.Outcome {
	case OutcomeMatched, OutcomeRefundMatched:
		return
	case OutcomeRecorded, OutcomeRefundSettled:
		m.rep.Recorded++
	default:
		m.rep.Flagged++
		it.Flagged = true
		m.s.log.Warn("reconcile: flagged for staff", "channel", m.channel, "outcome", it.Outcome, "line", it.Line,
			"order", it.OrderID, "transaction", it.TransactionID, "refund", it.RefundID)
	}
	if len(m.rep.Items) >= maxReportItems {
		m.rep.ItemsLeftOut++
		return
	}
	m.rep.Items = append(m.rep.Items, it)
}

func (m *matcher) run(ctx context.Context, r *reconcile.Reader, day model.Date) error {
	batch := make([]reconcile.Line, 0, reconcileBatch)
	for {
		l, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err // the file changed between the two readings
		}
		if batch = append(batch, l); len(batch) == reconcileBatch {
			if err := m.lines(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := m.lines(ctx, batch); err != nil {
		return err
	}
	start, end := day.Start(), day.AddDays(1).Start()
	if err := m.unlistedPayments(ctx, r, start, end); err != nil {
		return err
	}
	return m.unlistedRefunds(ctx, r, start, end)
}

// lines matches a batch of lines: what the store holds of them is read at once, then each is
// judged (and recorded or settled, each in its own transaction).
func (m *matcher) lines(ctx context.Context, batch []reconcile.Line) error {
	if len(batch) == 0 {
		return nil
	}
	pays := make([]*store.ChannelPayment, len(batch))
	refunds := make([]*store.Refund, len(batch))
	err := m.s.store.Read(ctx, func(r store.Reader) error {
		for i, l := range batch {
			pays[i], refunds[i] = nil, nil
			if l.Type == reconcile.Pay {
				p, err := r.ChannelPayment(m.channel, l.TransactionID)
				if errors.Is(err, store.ErrNotFound) {
					continue
				} else if err != nil {
					return err
				}
				pays[i] = &p
				continue
			}
			rf, err := r.Refund(l.OutRefundNo)
			if errors.Is(err, store.ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			refunds[i] = &rf
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read what was recorded: %w", err)
	}
	for i, l := range batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		if l.Type == reconcile.Pay {
			err = m.payment(ctx, l, pays[i])
		} else {
			err = m.refund(ctx, l, refunds[i])
		}
		if err != nil {
			return fmt.Errorf("line %d: %w", l.No, err)
		}
	}
	return nil
}

// payment judges a PAY line; known is what is recorded of its transaction (nil: nothing).
func (m *matcher) payment(ctx context.Context, l reconcile.Line, known *store.ChannelPayment) error {
	it := ReconcileItem{Line: l.No, OrderID: l.OrderID, TransactionID: l.TransactionID, StatementFen: l.AmountFen}
	if known == nil {
		_, fresh, err := m.s.recordChannelPayment(ctx, channel.Notice{Channel: m.channel, NotifyID: "statement",
			TransactionID: l.TransactionID, OrderID: l.OrderID, AmountFen: l.AmountFen, PaidAt: l.Time})
		switch {
		case errors.Is(err, errNoOrder):
			it.Outcome, it.Note = OutcomeUnknownOrder, "the channel was paid for an order the platform never made: ask the channel whose merchant id it is; the money is not recorded"
		case errors.Is(err, errOtherChannel):
			it.Outcome, it.Note = OutcomeOtherChannel, "the order was made at another payment channel: ask this channel why it took the money; nothing was recorded"
		case errors.Is(err, errTransactionReused):
			// A notice recorded it meanwhile, with other content.
			p, err := m.reread(ctx, l)
			if err != nil {
				return err
			}
			return m.payment(ctx, l, &p)
		case err != nil:
			return err
		case fresh:
			it.Outcome, it.RecordedFen = OutcomeRecorded, l.AmountFen
			it.Note = "recorded from the statement: the channel's notice never arrived; the payment is recorded as the notice would have recorded it"
		default:
			it.Outcome = OutcomeMatched // a notice recorded it a moment ago
		}
		m.add(it)
		return nil
	}
	it.RecordedFen = int64(known.Amount)
	switch {
	case known.OrderID != l.OrderID:
		it.Outcome = OutcomeOrderDiffers
		it.Note = fmt.Sprintf("recorded here as a payment of order %s: ask the channel which order it paid; nothing was changed", known.OrderID)
	case int64(known.Amount) != l.AmountFen:
		it.Outcome = OutcomeAmountDiffers
		it.Note = "the channel lists another amount than its notice said: ask the channel which is right; nothing was changed"
	default:
		it.Outcome = OutcomeMatched
	}
	m.add(it)
	return nil
}

// reread reads a transaction recorded meanwhile.
func (m *matcher) reread(ctx context.Context, l reconcile.Line) (store.ChannelPayment, error) {
	var p store.ChannelPayment
	err := m.s.store.Read(ctx, func(r store.Reader) error {
		var err error
		p, err = r.ChannelPayment(m.channel, l.TransactionID)
		return err
	})
	return p, err
}

// refund judges a REFUND line; known is our refund named by its out_refund_no (nil: none).
func (m *matcher) refund(ctx context.Context, l reconcile.Line, known *store.Refund) error {
	it := ReconcileItem{Line: l.No, OrderID: l.OrderID, TransactionID: l.TransactionID, RefundID: l.OutRefundNo,
		ChannelRefundID: l.RefundID, StatementFen: l.AmountFen}
	if known == nil {
		it.Outcome = OutcomeRefundUnknown
		it.Note = "the channel paid back money under a refund id the platform never gave: ask the channel"
		m.add(it)
		return nil
	}
	r := *known
	it.RecordedFen = int64(r.Amount)
	byChannel := r.IssuedBy == refundByChannel
	switch {
	case r.Channel != m.channel || r.ChannelTxnID != l.TransactionID || r.OrderID != l.OrderID || int64(r.Amount) != l.AmountFen:
		it.Outcome = OutcomeRefundDiffers
		it.Note = "the refund is recorded here for another channel, payment or amount: ask the channel which is right; nothing was changed"
	case r.State == store.RefundOwed || r.State == store.RefundIssuing:
		it.Outcome = OutcomeRefundNotIssued
		it.Note = fmt.Sprintf("the channel paid it back, but here it is %s: run kiosk refunds issue %s (the channel answers as before and the issue and settlement are recorded)", r.State, r.ID)
	case !byChannel:
		it.Outcome = OutcomeRefundTwice
		it.Note = fmt.Sprintf("staff paid it back at a counter (%s) and the channel paid it back too: the person has it twice; recover one", r.IssuedRef)
	case r.IssuedRef != l.RefundID:
		it.Outcome = OutcomeRefundDiffers
		it.Note = fmt.Sprintf("the channel's refund id differs from the one it answered (%s): ask the channel; nothing was changed", r.IssuedRef)
	case r.State == store.RefundSettled:
		it.Outcome = OutcomeRefundMatched
	default: // issued by the channel: its statement is its confirmation
		res, err := m.s.SettleRefund(ctx, l.RefundID, l.Time)
		if err != nil {
			return err
		}
		it.Outcome = OutcomeRefundMatched
		if res.Changed {
			it.Outcome, it.Note = OutcomeRefundSettled, "settled from the statement: the channel paid it back"
		}
	}
	m.add(it)
	return nil
}

// unlistedPayments flags the payments recorded here in [start, end) that the statement does not
// list, a slice of the day at a time.
func (m *matcher) unlistedPayments(ctx context.Context, r *reconcile.Reader, start, end time.Time) error {
	for from := start; from.Before(end); from = from.Add(reconcileWindow) {
		to := from.Add(reconcileWindow)
		if to.After(end) {
			to = end
		}
		var ps []store.ChannelPayment
		err := m.s.store.Read(ctx, func(rd store.Reader) error {
			var err error
			ps, err = rd.ChannelPaymentsPaid(m.channel, from, to)
			return err
		})
		if err != nil {
			return fmt.Errorf("read the day's payments: %w", err)
		}
		for _, p := range ps {
			if r.Listed(reconcile.Pay, p.TransactionID) {
				continue
			}
			m.add(ReconcileItem{Outcome: OutcomeMissingAtChannel, OrderID: p.OrderID, TransactionID: p.TransactionID,
				RecordedFen: int64(p.Amount), Note: fmt.Sprintf("recorded here as paid at %s but not on the channel's statement: ask the channel; nothing was changed",
					p.PaidAt.In(model.ChinaZone()).Format(time.DateTime))})
		}
	}
	return nil
}

// unlistedRefunds flags this channel's refunds that the statement should list and does not:
// those the channel confirmed here in [start, end), and those issued to it before start and
// still not paid back.
func (m *matcher) unlistedRefunds(ctx context.Context, r *reconcile.Reader, start, end time.Time) error {
	var open []store.Refund
	err := m.s.store.Read(ctx, func(rd store.Reader) (err error) {
		open, err = rd.ChannelRefunds(m.channel, start, end)
		return err
	})
	if err != nil {
		return fmt.Errorf("read the refunds: %w", err)
	}
	for _, rf := range open {
		if r.Listed(reconcile.Refund, rf.ID) {
			continue
		}
		it := ReconcileItem{OrderID: rf.OrderID, TransactionID: rf.ChannelTxnID, RefundID: rf.ID, ChannelRefundID: rf.IssuedRef,
			RecordedFen: int64(rf.Amount)}
		switch {
		case rf.State == store.RefundSettled && rf.SettledBy == refundByChannel && !rf.SettledAt.Before(start) && rf.SettledAt.Before(end):
			it.Outcome = OutcomeRefundMissing
			it.Note = "the channel confirmed this refund that day, but its statement does not list it: ask the channel"
		case rf.State == store.RefundIssued && rf.IssuedAt.Before(start):
			it.Outcome = OutcomeRefundPending
			it.Note = fmt.Sprintf("issued to the channel at %s and still not paid back by the end of the day: ask the channel about it",
				rf.IssuedAt.In(model.ChinaZone()).Format(time.DateTime))
		default:
			continue
		}
		m.add(it)
	}
	return nil
}

// maxStatementBody bounds a statement sent through the admin socket: a day of a million
// payments is about 150 MB.
const maxStatementBody = 512 << 20

// handleAdminReconcile serves POST /reconcile?channel=NAME with the statement file as the body.
// The body is kept in a temporary file while it is matched (the statement is read twice, and
// a file keeps the server's memory out of it), and removed after.
func (s *Server) handleAdminReconcile(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("channel")
	if name == "" {
		writeError(w, http.StatusBadRequest, "bad_request", "name the payment channel: /reconcile?channel=NAME")
		return
	}
	f, err := os.CreateTemp("", "kiosk-statement-*.csv")
	if err != nil {
		s.adminFailed(w, "reconcile", err)
		return
	}
	defer func() {
		f.Close()
		_ = os.Remove(f.Name())
	}()
	if _, err := io.Copy(f, http.MaxBytesReader(w, r.Body, maxStatementBody)); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", "the statement is over 512 MiB: is it a statement?")
			return
		}
		s.adminFailed(w, "reconcile", fmt.Errorf("receive the statement: %w", err))
		return
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		s.adminFailed(w, "reconcile", err)
		return
	}
	rep, err := s.Reconcile(r.Context(), name, f)
	if err != nil {
		s.adminFailed(w, "reconcile", err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}
