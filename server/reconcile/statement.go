// Package reconcile reads a payment channel's daily statement (对账单, docs/payment-channel.md,
// "Daily statement"): a strict, streaming parser that checks every line, the order of the lines,
// that every line is of one China day, that no payment or refund is listed twice, and the
// summary line's counts and totals against the lines above it. Matching the statement against
// what the platform recorded is the server's business (server/reconcile.go); this package knows
// nothing of the store.
//
// The parser streams: it holds one line at a time and, to find lines listed twice, a 128-bit
// digest of each payment's and refund's id, so a statement of 100,000 lines is read in a few
// megabytes whatever its size on disk.
package reconcile

import (
	"bufio"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/channel"
)

// Header is the first line of every statement.
const Header = "record_type,transaction_id,out_trade_no,refund_id,out_refund_no,amount_fen,time"

// Record types.
const (
	Pay     = "PAY"
	Refund  = "REFUND"
	Summary = "SUMMARY"
)

// maxLineLen bounds one line: seven values of at most 64 characters and a time fit in a third
// of it. A longer line is not a statement's, and is refused before it is held whole.
const maxLineLen = 1024

// columns names the seven values of a line, in order.
var columns = [7]string{"record_type", "transaction_id", "out_trade_no", "refund_id", "out_refund_no", "amount_fen", "time"}

// summaryColumns names the summary line's values.
var summaryColumns = [7]string{"record_type", "DATE", "PAY_COUNT", "REFUND_COUNT", "PAY_TOTAL_FEN", "REFUND_TOTAL_FEN", "NET_FEN"}

// Line is one payment or refund of a statement.
type Line struct {
	No            int    // the line's number in the file, from 1 (the header)
	Type          string // Pay or Refund
	TransactionID string // the payment (for a refund: the payment refunded)
	OrderID       string // out_trade_no: our order
	RefundID      string // the channel's refund id (refunds only)
	OutRefundNo   string // our refund id (refunds only)
	AmountFen     int64
	Time          time.Time // success_time of the payment or the refund
}

// Totals is what the summary line says, checked against the lines.
type Totals struct {
	Day                      model.Date
	Pays, Refunds            int
	PayTotalFen, RefundTotal int64
	NetFen                   int64
}

// DayString writes a day as the statement does: YYYY-MM-DD.
func DayString(d model.Date) string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Error is a problem of a statement file: where it is and how to mend it. A statement carries no
// personal data, so the message may quote what it found (cut short).
type Error struct {
	Line   int    // from 1
	Column int    // the byte column where the value starts, from 1 (0: the whole line)
	Field  string // the value's name ("" for the whole line)
	Msg    string // what is wrong and how to fix it
}

func (e *Error) Error() string {
	switch {
	case e.Column == 0:
		return fmt.Sprintf("statement line %d: %s", e.Line, e.Msg)
	case e.Field == "":
		return fmt.Sprintf("statement line %d, column %d: %s", e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("statement line %d, column %d (%s): %s", e.Line, e.Column, e.Field, e.Msg)
}

// Reader reads a statement line by line. Next returns the payments and refunds in the file's
// order and then io.EOF once the summary line has been checked; any problem is an *Error, after
// which the Reader returns it again. A caller that must change nothing for a malformed file
// reads it whole first (the server does: one pass to check, a second to match).
type Reader struct {
	in       *bufio.Reader
	no       int // the number of the last line read
	err      error
	done     bool
	totals   Totals
	haveDay  bool
	dayLine  int  // the first line, which set the day
	prev     Line // the last payment or refund read (No 0: none yet)
	seed     [2]maphash.Seed
	seen     map[[2]uint64]struct{}
	fields   [7]string
	starts   [7]int
	maxLines int // MaxLines; smaller in tests
}

// NewReader reads a statement from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{in: bufio.NewReaderSize(r, maxLineLen+2), seed: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		seen: map[[2]uint64]struct{}{}, maxLines: MaxLines}
}

// Totals is the summary, valid once Next has returned io.EOF.
func (r *Reader) Totals() Totals { return r.totals }

// Listed reports whether the statement listed a payment with this transaction id (typ Pay) or a
// refund with this out_refund_no (typ Refund), among the lines read so far. A false answer is
// exact; a true one is wrong with a probability of about n²/2¹²⁹ for n lines (a 128-bit digest).
func (r *Reader) Listed(typ, id string) bool {
	_, ok := r.seen[r.key(typ, id)]
	return ok
}

func (r *Reader) key(typ, id string) [2]uint64 {
	s := typ + "\x00" + id
	return [2]uint64{maphash.String(r.seed[0], s), maphash.String(r.seed[1], s)}
}

// Next returns the next payment or refund.
func (r *Reader) Next() (Line, error) {
	if r.err != nil {
		return Line{}, r.err
	}
	l, err := r.next()
	if err != nil {
		r.err = err
	}
	return l, err
}

func (r *Reader) fail(col int, field, format string, a ...any) error {
	return &Error{Line: r.no, Column: col, Field: field, Msg: fmt.Sprintf(format, a...)}
}

// readLine reads one line without its end (LF or CRLF). eof reports that the file ended
// before any byte of this line.
func (r *Reader) readLine() (line string, eof bool, err error) {
	b, err := r.in.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		r.no++
		return "", false, r.fail(0, "", "the line is longer than %d bytes: this is not a statement line (is the file a statement, and not compressed?)", maxLineLen)
	case errors.Is(err, io.EOF):
		if len(b) == 0 {
			return "", true, nil
		}
	case err != nil:
		return "", false, fmt.Errorf("read the statement: %w", err)
	}
	r.no++
	s := strings.TrimSuffix(string(b), "\n")
	s = strings.TrimSuffix(s, "\r")
	if strings.ContainsAny(s, "\r") {
		return "", false, r.fail(0, "", "a carriage return inside the line: lines end in LF or CRLF")
	}
	return s, false, nil
}

func (r *Reader) next() (Line, error) {
	if r.done {
		return Line{}, io.EOF
	}
	if r.no == 0 {
		h, eof, err := r.readLine()
		switch {
		case err != nil:
			return Line{}, err
		case eof:
			r.no = 1
			return Line{}, r.fail(0, "", "the file is empty: a statement starts with the header %s", Header)
		case strings.HasPrefix(h, "\ufeff"):
			return Line{}, r.fail(1, "", "the file starts with a byte order mark: save it as UTF-8 without one")
		case h != Header:
			return Line{}, r.fail(0, "", "the first line must be exactly the header %s", Header)
		}
	}
	s, eof, err := r.readLine()
	if err != nil {
		return Line{}, err
	}
	if eof {
		r.no++
		return Line{}, r.fail(0, "", "the file ends without its SUMMARY line: it is cut short; fetch the statement again")
	}
	if err := r.split(s); err != nil {
		return Line{}, err
	}
	switch r.fields[0] {
	case Pay, Refund:
		return r.record()
	case Summary:
		if err := r.summary(); err != nil {
			return Line{}, err
		}
		if _, eof, err := r.readLine(); err != nil {
			return Line{}, err
		} else if !eof {
			return Line{}, r.fail(0, "", "a line follows the SUMMARY line, which must be the last: remove it (an empty line too)")
		}
		r.done = true
		return Line{}, io.EOF
	case "":
		if s == "" {
			return Line{}, r.fail(0, "", "the line is empty: every line after the header is a PAY, REFUND or the SUMMARY line; remove it")
		}
	}
	return Line{}, r.fail(1, columns[0], "%s is not a record type: want PAY, REFUND or SUMMARY", quote(r.fields[0]))
}

// split cuts a line into its seven values. No value of a statement needs quoting, but RFC 4180
// allows any value quoted, so a quoted value is read without its quotes.
func (r *Reader) split(s string) error {
	n, start := 0, 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != ',' {
			continue
		}
		if n == len(r.fields) {
			return r.fail(0, "", "more than 7 values: a statement line has exactly 7, separated by commas (values never contain one)")
		}
		v := s[start:i]
		if strings.HasPrefix(v, `"`) {
			if len(v) < 2 || !strings.HasSuffix(v, `"`) || strings.Contains(v[1:len(v)-1], `"`) {
				return r.fail(start+1, columnName(n, s), "a quoted value must end with its quote and hold no quote: no statement value needs quoting")
			}
			v = v[1 : len(v)-1]
		}
		r.fields[n], r.starts[n] = v, start+1
		n++
		start = i + 1
	}
	if n < len(r.fields) {
		if n == 1 && s == "" {
			r.fields[0] = ""
			return nil
		}
		return r.fail(0, "", "%d values: a statement line has exactly 7, separated by commas (empty values still need their commas)", n)
	}
	return nil
}

// columnName is the name of value n of line s, as far as it is known from the line's type.
func columnName(n int, s string) string {
	if strings.HasPrefix(s, Summary+",") {
		return summaryColumns[n]
	}
	return columns[n]
}

func (r *Reader) bad(n int, format string, a ...any) error {
	names := columns
	if r.fields[0] == Summary {
		names = summaryColumns
	}
	return r.fail(r.starts[n], names[n], format, a...)
}

// record checks a PAY or REFUND line.
func (r *Reader) record() (Line, error) {
	f := r.fields
	l := Line{No: r.no, Type: f[0], TransactionID: f[1], OrderID: f[2], RefundID: f[3], OutRefundNo: f[4]}
	if !channel.ValidID(l.TransactionID, 64) {
		return Line{}, r.bad(1, "%s: want the channel's transaction id, 1 to 64 letters, digits, '_' or '-'", quote(f[1]))
	}
	if !channel.ValidID(l.OrderID, 64) {
		return Line{}, r.bad(2, "%s: want our order id, 1 to 64 letters, digits, '_' or '-'", quote(f[2]))
	}
	if l.Type == Pay {
		if f[3] != "" {
			return Line{}, r.bad(3, "a PAY line has no refund_id: leave it empty")
		}
		if f[4] != "" {
			return Line{}, r.bad(4, "a PAY line has no out_refund_no: leave it empty")
		}
	} else {
		if !channel.ValidID(l.RefundID, 64) {
			return Line{}, r.bad(3, "%s: a REFUND line needs the channel's refund id, 1 to 64 letters, digits, '_' or '-'", quote(f[3]))
		}
		if !channel.ValidID(l.OutRefundNo, 64) {
			return Line{}, r.bad(4, "%s: a REFUND line needs our refund id, 1 to 64 letters, digits, '_' or '-'", quote(f[4]))
		}
	}
	amount, ok := parseCount(f[5])
	if !ok || amount < 1 || amount > channel.MaxAmountFen {
		return Line{}, r.bad(5, "%s: want an amount in fen, an integer from 1 to %d without sign, point or leading zero", quote(f[5]), channel.MaxAmountFen)
	}
	l.AmountFen = amount
	at, err := time.Parse(time.RFC3339, f[6])
	if err != nil {
		return Line{}, r.bad(6, "%s: want an RFC 3339 time with its offset, e.g. 2026-11-21T10:03:12+08:00", quote(f[6]))
	}
	l.Time = at
	day := model.DateOf(at)
	if !r.haveDay {
		r.totals.Day, r.haveDay, r.dayLine = day, true, r.no
	} else if day != r.totals.Day {
		return Line{}, r.bad(6, "this time is on %s (China time) but line %d is on %s: a statement holds one China day; split the file by day",
			DayString(day), r.dayLine, DayString(r.totals.Day))
	}
	if r.prev.No > 0 && before(l, r.prev) {
		return Line{}, r.fail(0, "", "out of order: a statement is ordered by time, then transaction_id, then refund_id, and line %d comes after this one", r.prev.No)
	}
	r.prev = l
	if r.totals.Pays+r.totals.Refunds >= r.maxLines {
		return Line{}, r.fail(0, "", "more than %d payments and refunds: no channel's day holds that many for one merchant; is this one day's statement?", r.maxLines)
	}
	if l.Type == Pay {
		if !r.remember(Pay, l.TransactionID) {
			return Line{}, r.bad(1, "the payment %s is listed twice: a payment is on one line", l.TransactionID)
		}
		r.totals.Pays++
		r.totals.PayTotalFen += amount
	} else {
		if !r.remember(Refund, l.OutRefundNo) {
			return Line{}, r.bad(4, "the refund %s is listed twice: a refund is on one line", l.OutRefundNo)
		}
		if !r.remember("channel-refund", l.RefundID) {
			return Line{}, r.bad(3, "the channel's refund %s is listed twice: a refund is on one line", l.RefundID)
		}
		r.totals.Refunds++
		r.totals.RefundTotal += amount
	}
	return l, nil
}

// MaxLines bounds a statement's payments and refunds, and with them the ids a reader remembers:
// a day of a province's halls is some tens of thousands.
const MaxLines = 2_000_000

// remember notes an id and reports whether it was new.
func (r *Reader) remember(typ, id string) bool {
	k := r.key(typ, id)
	if _, ok := r.seen[k]; ok {
		return false
	}
	r.seen[k] = struct{}{}
	return true
}

// before reports whether a sorts before b in a statement's order.
func before(a, b Line) bool {
	if !a.Time.Equal(b.Time) {
		return a.Time.Before(b.Time)
	}
	if a.TransactionID != b.TransactionID {
		return a.TransactionID < b.TransactionID
	}
	return a.RefundID < b.RefundID
}

// summary checks the SUMMARY line against the lines above it.
func (r *Reader) summary() error {
	f := r.fields
	day, err := time.Parse(time.DateOnly, f[1])
	if err != nil {
		return r.bad(1, "%s: want the statement's day as YYYY-MM-DD", quote(f[1]))
	}
	d := model.Date{Year: day.Year(), Month: day.Month(), Day: day.Day()}
	if r.haveDay && d != r.totals.Day {
		return r.bad(1, "the summary is of %s but the lines are of %s: the file is of another day, or its lines are", f[1], DayString(r.totals.Day))
	}
	r.totals.Day = d
	want := []struct {
		n   int
		got int64
	}{{2, int64(r.totals.Pays)}, {3, int64(r.totals.Refunds)}, {4, r.totals.PayTotalFen}, {5, r.totals.RefundTotal}}
	for _, w := range want {
		v, ok := parseCount(f[w.n])
		if !ok {
			return r.bad(w.n, "%s: want a whole number without sign, point or leading zero", quote(f[w.n]))
		}
		if v != w.got {
			return r.bad(w.n, "the summary says %d but the lines above it add up to %d: the file is incomplete or altered; fetch it again", v, w.got)
		}
	}
	net, ok := parseSigned(f[6])
	if !ok {
		return r.bad(6, "%s: want a whole number (negative with a '-')", quote(f[6]))
	}
	r.totals.NetFen = r.totals.PayTotalFen - r.totals.RefundTotal
	if net != r.totals.NetFen {
		return r.bad(6, "the summary says %d but PAY_TOTAL_FEN - REFUND_TOTAL_FEN is %d: the file is altered; fetch it again", net, r.totals.NetFen)
	}
	return nil
}

// parseCount reads a whole number of decimal digits without sign or leading zero.
func parseCount(s string) (int64, bool) {
	if s == "" || len(s) > 18 || s[0] == '0' && len(s) > 1 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

func parseSigned(s string) (int64, bool) {
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		v, ok := parseCount(rest)
		return -v, ok && v != 0
	}
	return parseCount(s)
}

// quote shows a value found in the file, cut to 40 bytes.
func quote(s string) string {
	if len(s) > 40 {
		return strconv.Quote(s[:40]) + "..."
	}
	if s == "" {
		return "an empty value"
	}
	return strconv.Quote(s)
}
