package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

const decisionColumns = `number, violation_id, driver_id, plate_type, plate_number, points, fine,
	issued_at, due`

func scanDecision(r scanner) (model.Decision, error) {
	var (
		d                            model.Decision
		number, driver, typ, plateNo string
		fine, issued                 int64
		due                          string
	)
	err := r.Scan(&number, &d.ViolationID, &driver, &typ, &plateNo, &d.Points, &fine, &issued, &due)
	if err != nil {
		return model.Decision{}, err
	}
	if d.Due, err = parseDate(due); err != nil {
		return model.Decision{}, errors.New("due date column is not a YYYY-MM-DD date")
	}
	d.Number = model.DecisionNumber(number)
	d.Driver = model.IDNumber(driver)
	d.Plate = plateOf(typ, plateNo)
	d.Fine = model.Fen(fine)
	d.IssuedAt = fromMillis(issued)
	return d, nil
}

func (c *conn) Decision(n model.DecisionNumber) (model.Decision, error) {
	return getOne(c, "decision", scanDecision,
		`SELECT `+decisionColumns+` FROM decisions WHERE number = $1`, string(n))
}

func (c *conn) InsertDecision(d model.Decision) error {
	return c.later("insert decision", false, `INSERT INTO decisions (`+decisionColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		string(d.Number), d.ViolationID, string(d.Driver), string(d.Plate.Type),
		string(d.Plate.Number), d.Points, int64(d.Fine), millis(d.IssuedAt), dateText(d.Due))
}

// NextDecisionSeq continues after the highest number known for the office and year: the
// counter's own, or the highest number stored with that office and year (in decisions, or in the
// points ledger, which an import may fill with decisions it holds no record of), whichever is
// larger.
// Imported histories carry real decision numbers of the offices the server issues for, so a
// counter that started at 1 would issue numbers that are already taken. The highest stored
// number is one index probe (numbers are the primary key and sort as their sequence, which is
// zero-padded). The upsert's row lock makes concurrent callers, in any process, wait for each
// other, and each gets the value its own update produced; the first two users of an office's
// year meet on the unique key.
func (c *conn) NextDecisionSeq(officeCode string, year, n int) (int64, error) {
	if n < 1 {
		return 0, fmt.Errorf("store: next decision sequence: %d numbers asked for", n)
	}
	prefix := fmt.Sprintf("%s%04d", officeCode, year)
	var last int64
	if c.seqDB != nil {
		// Committed at once, on a connection of its own: the office's counter is one row that
		// every processing of the office draws from, and held until this transaction's commit
		// (and its wait for the disk) it made them all queue. Its WAL reaches the disk before
		// this transaction's commit does, so a number used by a durable decision is never drawn
		// again; a number drawn by a transaction that rolls back stays unused. The highest stored
		// number is read in the same statement: outside this transaction it misses only this
		// transaction's own decisions, whose numbers the counter gave.
		c.traced(drawWithHighest)
		err := c.seqDB.QueryRowContext(c.ctx, drawWithHighest, officeCode, year, prefix, prefix+":",
			len(prefix)+9, len(prefix)+1, n).Scan(&last)
		if err != nil {
			return 0, fmt.Errorf("store: next decision sequence: %w", err)
		}
		return last - int64(n) + 1, nil
	}
	var highest sql.NullString
	if err := c.queryRow(highestDecision, prefix, prefix+":").Scan(&highest); err != nil {
		return 0, fmt.Errorf("store: highest decision number: %w", err)
	}
	var known int64
	if highest.Valid && len(highest.String) == len(prefix)+9 {
		known, _ = strconv.ParseInt(highest.String[len(prefix):len(prefix)+8], 10, 64)
	}
	if err := c.queryRow(draw, officeCode, year, known+int64(n), n).Scan(&last); err != nil {
		return 0, fmt.Errorf("store: next decision sequence: %w", err)
	}
	return last - int64(n) + 1, nil
}

// highestDecision is the highest number stored that starts with $1 and goes on with digits
// (':' follows '9' in ASCII). Both columns are primary keys, so each max is one index probe:
// ORDER BY ... DESC LIMIT 1 rather than max(), which both databases read as a probe from the
// range's upper end, however many decisions the office has issued that year.
const highestDecision = `SELECT max(n) FROM (
		SELECT * FROM (SELECT number AS n FROM decisions WHERE number >= $1 AND number < $2
			ORDER BY number DESC LIMIT 1) d
		UNION ALL
		SELECT * FROM (SELECT decision AS n FROM points_entries WHERE decision >= $1 AND decision < $2
			ORDER BY decision DESC LIMIT 1) p) known`

// draw takes the next $4 numbers of an office's counter and returns the last of them, which is
// at least $3 (the floor of the first, plus $4 - 1).
const draw = `INSERT INTO decision_seq (office_code, year, last_seq) VALUES ($1, $2, $3)
		ON CONFLICT (office_code, year) DO UPDATE SET last_seq =
			CASE WHEN decision_seq.last_seq + $4 > EXCLUDED.last_seq THEN decision_seq.last_seq + $4
				ELSE EXCLUDED.last_seq END
		RETURNING last_seq`

// drawWithHighest is draw with its floor taken from highestDecision ($3, $4) in the same
// statement, on PostgreSQL: the sequence part of the highest number ($6: where it starts) when
// it has the length of a number ($5) and digits there, as NextDecisionSeq reads it on SQLite.
// It takes $7 numbers.
const drawWithHighest = `INSERT INTO decision_seq (office_code, year, last_seq)
	SELECT $1, $2, CASE WHEN length(h.n) = $5 AND substr(h.n, $6, 8) ~ '^[0-9]{8}$'
		THEN substr(h.n, $6, 8)::bigint ELSE 0 END + $7
	FROM (SELECT max(n) AS n FROM (
		SELECT * FROM (SELECT number AS n FROM decisions WHERE number >= $3 AND number < $4
			ORDER BY number DESC LIMIT 1) d
		UNION ALL
		SELECT * FROM (SELECT decision AS n FROM points_entries WHERE decision >= $3 AND decision < $4
			ORDER BY decision DESC LIMIT 1) p) known) h
	ON CONFLICT (office_code, year) DO UPDATE SET last_seq =
		CASE WHEN decision_seq.last_seq + $7 > EXCLUDED.last_seq THEN decision_seq.last_seq + $7
			ELSE EXCLUDED.last_seq END
	RETURNING last_seq`

func scanPointsEntry(r scanner) (model.PointsEntry, error) {
	var (
		e             model.PointsEntry
		number        string
		entered, paid int64
	)
	if err := r.Scan(&number, &e.Points, &entered, &paid); err != nil {
		return model.PointsEntry{}, err
	}
	e.Decision = model.DecisionNumber(number)
	e.EnteredAt = fromMillis(entered)
	e.PaidAt = fromMillis(paid)
	return e, nil
}

const pointsOfDriver = `SELECT decision, points, entered_at, paid_at FROM points_entries WHERE driver_id = $1
	ORDER BY entered_at, decision`

func (c *conn) PointsEntries(driver model.IDNumber) ([]model.PointsEntry, error) {
	if l, ok := aheadList[model.PointsEntry](c, pointsKey(driver)); ok {
		return l, nil
	}
	return list(c, "points entries", scanPointsEntry, pointsOfDriver, string(driver))
}

func (c *conn) InsertPointsEntry(driver model.IDNumber, e model.PointsEntry) error {
	return c.later("insert points entry", false, `INSERT INTO points_entries (decision, driver_id, points, entered_at, paid_at)
		VALUES ($1, $2, $3, $4, $5)`,
		string(e.Decision), string(driver), e.Points, millis(e.EnteredAt), millis(e.PaidAt))
}

// MarkPointsPaid leaves an entry that is already paid as it is (the first payment date counts),
// and does nothing for a decision without an entry: one that carries no points, or an on-site
// decision imported without its ledger entry, has nothing to mark, and its payment must not fail.
func (c *conn) MarkPointsPaid(n model.DecisionNumber, paidAt time.Time) error {
	return c.later("mark points paid", false, `UPDATE points_entries SET paid_at = $2 WHERE decision = $1 AND paid_at = 0`,
		string(n), millis(paidAt))
}

const paymentColumns = `id, decision, fine, late_fee, paid_at, method, refund`

func scanPayment(r scanner) (model.Payment, error) {
	var (
		p               model.Payment
		number, method  string
		fine, fee, paid int64
	)
	if err := r.Scan(&p.ID, &number, &fine, &fee, &paid, &method, &p.Refund); err != nil {
		return model.Payment{}, err
	}
	p.Decision = model.DecisionNumber(number)
	p.Fine, p.LateFee = model.Fen(fine), model.Fen(fee)
	p.PaidAt = fromMillis(paid)
	p.Method = model.PaymentMethod(method)
	return p, nil
}

func (c *conn) Payments(violationID string) ([]model.Payment, error) {
	return list(c, "payments", scanPayment,
		`SELECT `+paymentColumns+` FROM payments WHERE violation_id = $1 ORDER BY paid_at, id`,
		violationID)
}

func (c *conn) InsertPayment(violationID string, p model.Payment) error {
	return c.later("insert payment", false, `INSERT INTO payments (violation_id, `+paymentColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		violationID, p.ID, string(p.Decision), int64(p.Fine), int64(p.LateFee), millis(p.PaidAt),
		string(p.Method), p.Refund)
}

// dateText writes a date as YYYY-MM-DD, and the zero Date (no date) as "".
func dateText(d model.Date) string {
	if d == (model.Date{}) {
		return ""
	}
	return d.String()
}

func parseDate(s string) (model.Date, error) {
	if s == "" {
		return model.Date{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return model.Date{}, err
	}
	return model.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}, nil
}
