package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// Refund states. A refund is owed when its payment is recorded; issuing asks the payment channel
// (or records that staff paid it back at a counter); settled means the money is confirmed back
// with the person. A failed issue returns the refund to owed (its event says failed).
const (
	RefundOwed    = "owed"
	RefundIssuing = "issuing" // the channel has been asked and has not answered yet
	RefundIssued  = "issued"
	RefundSettled = "settled"
	// RefundFailed is never a refund's state: it is the event of a failed issue, after which
	// the refund is owed again.
	RefundFailed = "failed"
)

// RefundStates lists the states a refund can be in, in the order of its life.
func RefundStates() []string {
	return []string{RefundOwed, RefundIssuing, RefundIssued, RefundSettled}
}

// Refund is money the platform owes back: one per payment record flagged as a refund. The store
// keeps the fields; when the state changes and what each step checks is the server's business.
type Refund struct {
	ID          string    // RefundIDFor(PaymentID): the payment channel's idempotency key as well
	PaymentID   string    // the refund payment record (payments.id) this pays back
	ViolationID string    // the violation the payment named (possibly unknown to the platform)
	Amount      model.Fen // the refund payment's total; never more than the payment
	Reason      string    // the reason code that made the money owed back ("" when not known)
	Method      string    // how the money came: qr (through the channel), card
	KioskID     string    // the kiosk the payment came from ("" when not known)
	OrderID     string    // the phone payment order, for a payment the channel notified
	OpID        string    // the kiosk's pay operation, for a card payment
	Channel     string    // the payment channel's name, when known
	// ChannelTxnID is the channel's transaction id of the payment ("" when there is no channel,
	// as for a card payment).
	ChannelTxnID string
	State        string
	CreatedAt    time.Time
	Attempts     int       // times the channel was asked
	IssuingAt    time.Time // when the current ask began (zero unless State is issuing)
	IssuedAt     time.Time
	IssuedBy     string // "channel" or a staff id
	IssuedRef    string // the channel's refund reference, or the staff's reference
	SettledAt    time.Time
	SettledBy    string
	SettledRef   string
	FailedAt     time.Time // the last failed issue (zero if none)
	Failure      string    // its category, never the channel's text
}

// RefundEvent is one recorded step of a refund: its creation (From ""), every transition, and
// failed issues (To RefundFailed, after which the refund is owed).
type RefundEvent struct {
	RefundID string
	Seq      int // from 1 within the refund
	At       time.Time
	From, To string
	Who      string // "platform", "channel" or a staff id
	Ref      string // the channel's or the staff's reference, when the step has one
	Note     string // a category, e.g. why an issue failed
}

// RefundFilter selects refunds: State empty for all.
type RefundFilter struct {
	State string
}

// RefundReader reads refunds.
type RefundReader interface {
	// Refund returns a refund by its id.
	Refund(id string) (Refund, error)
	// RefundsByIssuedRef lists the refunds whose issue was recorded with this reference by
	// who ("channel" for the channel's refund reference), by id.
	RefundsByIssuedRef(who, ref string) ([]Refund, error)
	// Refunds lists refunds by creation time then id.
	Refunds(f RefundFilter) ([]Refund, error)
	// ChannelRefunds lists what a channel's daily statement is checked against: the channel's
	// refunds issued by the channel and not yet paid back, and those it settled in
	// [settledFrom, settledTo). Reconciliation never reads a channel's whole history.
	ChannelRefunds(channel string, settledFrom, settledTo time.Time) ([]Refund, error)
	// RefundEvents lists a refund's recorded steps in order.
	RefundEvents(id string) ([]RefundEvent, error)
	// RefundCounts counts refunds by state.
	RefundCounts() (map[string]int64, error)
}

// RefundWriter changes refunds.
type RefundWriter interface {
	// LockRefund reads a refund and holds it until the transaction ends: one refund's steps
	// happen one at a time, in every server process.
	LockRefund(id string) (Refund, error)
	// InsertRefund stores a new refund with its creation event (by who, at r.CreatedAt). A
	// second refund of the same payment, or an amount that is not positive, is an error.
	InsertRefund(r Refund, who string) error
	// UpdateRefund writes a refund's state and the fields of its steps (found by ID;
	// ErrNotFound if there is none) and appends e as its next event. What the refund pays
	// back, and where it came from, never change.
	UpdateRefund(r Refund, e RefundEvent) error
}

// RefundIDFor names the refund of a payment record. It is derived, not drawn, so that the
// refund created with the payment and the one the migration creates for an older payment are
// the same, and it is short and plain (a payment channel's refund number allows at most 64
// letters and digits) while telling nothing about the payment.
func RefundIDFor(paymentID string) string {
	sum := sha256.Sum256([]byte("refund\x00" + paymentID))
	return "RF" + strings.ToUpper(hex.EncodeToString(sum[:8]))
}

// ValidRefundID reports whether id has the form RefundIDFor gives.
func ValidRefundID(id string) bool {
	if len(id) != 18 || !strings.HasPrefix(id, "RF") {
		return false
	}
	for _, c := range id[2:] {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

const refundColumns = `refund_id, payment_id, violation_id, amount, reason, method, kiosk_id,
	order_id, op_id, channel, channel_txn_id, state, created_at, attempts, issuing_at, issued_at,
	issued_by, issued_ref, settled_at, settled_by, settled_ref, failed_at, failure`

func scanRefund(r scanner) (Refund, error) {
	var (
		f                                         Refund
		amount                                    int64
		created, issuing, issued, settled, failed int64
	)
	err := r.Scan(&f.ID, &f.PaymentID, &f.ViolationID, &amount, &f.Reason, &f.Method, &f.KioskID,
		&f.OrderID, &f.OpID, &f.Channel, &f.ChannelTxnID, &f.State, &created, &f.Attempts, &issuing,
		&issued, &f.IssuedBy, &f.IssuedRef, &settled, &f.SettledBy, &f.SettledRef, &failed, &f.Failure)
	if err != nil {
		return Refund{}, err
	}
	f.Amount = model.Fen(amount)
	f.CreatedAt, f.IssuingAt, f.IssuedAt = fromMillis(created), fromMillis(issuing), fromMillis(issued)
	f.SettledAt, f.FailedAt = fromMillis(settled), fromMillis(failed)
	return f, nil
}

func (c *conn) Refund(id string) (Refund, error) {
	return getOne(c, "refund", scanRefund, `SELECT `+refundColumns+` FROM refunds WHERE refund_id = $1`, id)
}

// LockRefund takes the refund's row lock on PostgreSQL: two staff issuing one refund at once
// (or an issue and a channel's notice) are judged one after the other, so the channel is asked
// once.
func (c *conn) LockRefund(id string) (Refund, error) {
	return getOne(c, "lock refund", scanRefund,
		`SELECT `+refundColumns+` FROM refunds WHERE refund_id = $1`+c.d.forUpdate(), id)
}

func (c *conn) RefundsByIssuedRef(who, ref string) ([]Refund, error) {
	return list(c, "refunds by reference", scanRefund,
		`SELECT `+refundColumns+` FROM refunds WHERE issued_ref = $1 AND issued_by = $2 ORDER BY refund_id`, ref, who)
}

func (c *conn) Refunds(f RefundFilter) ([]Refund, error) {
	if f.State == "" {
		return list(c, "refunds", scanRefund,
			`SELECT `+refundColumns+` FROM refunds ORDER BY created_at, refund_id`)
	}
	return list(c, "refunds", scanRefund,
		`SELECT `+refundColumns+` FROM refunds WHERE state = $1 ORDER BY created_at, refund_id`, f.State)
}

func (c *conn) ChannelRefunds(channel string, settledFrom, settledTo time.Time) ([]Refund, error) {
	return list(c, "refunds of a channel", scanRefund,
		`SELECT `+refundColumns+` FROM refunds WHERE channel = $1 AND issued_by = $2
		AND (state = $3 OR (state = $4 AND settled_at >= $5 AND settled_at < $6)) ORDER BY created_at, refund_id`,
		channel, "channel", RefundIssued, RefundSettled, millis(settledFrom), millis(settledTo))
}

func scanRefundEvent(r scanner) (RefundEvent, error) {
	var (
		e  RefundEvent
		at int64
	)
	if err := r.Scan(&e.RefundID, &e.Seq, &at, &e.From, &e.To, &e.Who, &e.Ref, &e.Note); err != nil {
		return RefundEvent{}, err
	}
	e.At = fromMillis(at)
	return e, nil
}

func (c *conn) RefundEvents(id string) ([]RefundEvent, error) {
	return list(c, "refund events", scanRefundEvent,
		`SELECT refund_id, seq, at, from_state, to_state, who, ref, note FROM refund_events
		WHERE refund_id = $1 ORDER BY seq`, id)
}

func (c *conn) RefundCounts() (map[string]int64, error) {
	type count struct {
		state string
		n     int64
	}
	rows, err := list(c, "refund counts", func(r scanner) (count, error) {
		var k count
		err := r.Scan(&k.state, &k.n)
		return k, err
	}, `SELECT state, count(*) FROM refunds GROUP BY state`)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(rows))
	for _, k := range rows {
		out[k.state] = k.n
	}
	return out, nil
}

var errRefundAmount = errors.New("a refund's amount must be positive")

func (c *conn) InsertRefund(r Refund, who string) error {
	if r.Amount <= 0 {
		return fmt.Errorf("store: insert refund: %w", errRefundAmount)
	}
	_, err := c.exec(`INSERT INTO refunds (`+refundColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7,
		$8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)`,
		r.ID, r.PaymentID, r.ViolationID, int64(r.Amount), r.Reason, r.Method, r.KioskID,
		r.OrderID, r.OpID, r.Channel, r.ChannelTxnID, r.State, millis(r.CreatedAt), r.Attempts,
		millis(r.IssuingAt), millis(r.IssuedAt), r.IssuedBy, r.IssuedRef, millis(r.SettledAt),
		r.SettledBy, r.SettledRef, millis(r.FailedAt), r.Failure)
	if err != nil {
		return fmt.Errorf("store: insert refund: %w", err)
	}
	return c.appendRefundEvent(RefundEvent{RefundID: r.ID, At: r.CreatedAt, To: r.State, Who: who})
}

func (c *conn) UpdateRefund(r Refund, e RefundEvent) error {
	err := c.execOne("update refund", `UPDATE refunds SET state = $2, attempts = $3, issuing_at = $4,
		issued_at = $5, issued_by = $6, issued_ref = $7, settled_at = $8, settled_by = $9,
		settled_ref = $10, failed_at = $11, failure = $12 WHERE refund_id = $1`,
		r.ID, r.State, r.Attempts, millis(r.IssuingAt), millis(r.IssuedAt), r.IssuedBy, r.IssuedRef,
		millis(r.SettledAt), r.SettledBy, r.SettledRef, millis(r.FailedAt), r.Failure)
	if err != nil {
		return err
	}
	e.RefundID = r.ID
	return c.appendRefundEvent(e)
}

// appendRefundEvent numbers the event after the refund's last. The refund's row is written (or
// locked) in the same transaction, so two writers of one refund's events cannot interleave.
func (c *conn) appendRefundEvent(e RefundEvent) error {
	var last int
	err := c.queryRow(`SELECT COALESCE(MAX(seq), 0) FROM refund_events WHERE refund_id = $1`, e.RefundID).Scan(&last)
	if err != nil {
		return fmt.Errorf("store: append refund event: %w", err)
	}
	_, err = c.exec(`INSERT INTO refund_events (refund_id, seq, at, from_state, to_state, who, ref, note)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		e.RefundID, last+1, millis(e.At), e.From, e.To, e.Who, e.Ref, e.Note)
	if err != nil {
		return fmt.Errorf("store: append refund event: %w", err)
	}
	return nil
}
