package channelsim

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/hallkiosk/kiosk/server/channel"
)

// StatementHeader is the first line of a daily statement (docs/payment-channel.md).
const StatementHeader = "record_type,transaction_id,out_trade_no,refund_id,out_refund_no,amount_fen,time"

// statementReadyAfter is when a day's statement may be fetched: 10:00 the next day.
const statementReadyAfter = 34 * time.Hour

// ErrNotReady: the day's statement is not out yet.
var ErrNotReady = errors.New("the statement of this day is available from 10:00 the next day")

// Statement writes the statement of a China calendar day (YYYY-MM-DD): a line per payment and
// per refund that succeeded that day, ordered by time, and the summary line.
func (s *Sim) Statement(day string) ([]byte, error) {
	start, err := time.ParseInLocation(time.DateOnly, day, time.FixedZone("CST", 8*3600))
	if err != nil {
		return nil, fmt.Errorf("day %q: want YYYY-MM-DD", day)
	}
	if s.cfg.Now().Before(start.Add(statementReadyAfter)) {
		return nil, ErrNotReady
	}
	end := start.AddDate(0, 0, 1)
	in := func(t time.Time) bool { return !t.Before(start) && t.Before(end) }
	type line struct {
		at                      time.Time
		kind, tx, order, rf, rn string
		fen                     int64
	}
	var lines []line
	s.mu.Lock()
	for _, o := range s.orders {
		if o.tx != "" && in(o.paidAt) {
			lines = append(lines, line{at: o.paidAt, kind: "PAY", tx: o.tx, order: o.req.OutTradeNo, fen: o.paidFen})
		}
	}
	for _, r := range s.refunds {
		if in(r.doneAt) {
			lines = append(lines, line{at: r.doneAt, kind: "REFUND", tx: r.req.TransactionID, order: r.req.OutTradeNo,
				rf: r.ref, rn: r.req.OutRefundNo, fen: r.req.AmountFen})
		}
	}
	s.mu.Unlock()
	sort.Slice(lines, func(i, j int) bool {
		a, b := lines[i], lines[j]
		if !a.at.Equal(b.at) {
			return a.at.Before(b.at)
		}
		if a.tx != b.tx {
			return a.tx < b.tx
		}
		return a.rf < b.rf
	})
	var (
		out                   bytes.Buffer
		pays, refunds         int
		payTotal, refundTotal int64
	)
	out.WriteString(StatementHeader + "\n")
	for _, l := range lines {
		fmt.Fprintf(&out, "%s,%s,%s,%s,%s,%d,%s\n", l.kind, l.tx, l.order, l.rf, l.rn, l.fen, channel.FormatTime(l.at))
		if l.kind == "PAY" {
			pays++
			payTotal += l.fen
		} else {
			refunds++
			refundTotal += l.fen
		}
	}
	fmt.Fprintf(&out, "SUMMARY,%s,%d,%d,%d,%d,%d\n", day, pays, refunds, payTotal, refundTotal, payTotal-refundTotal)
	return out.Bytes(), nil
}

// handleStatement answers GET /v1/statements/{date}?mch_id=...: the CSV, signed like any answer.
func (s *Sim) handleStatement(w http.ResponseWriter, r *http.Request, _ []byte) {
	if r.URL.Query().Get("mch_id") != s.cfg.MerchantID {
		s.fail(w, http.StatusBadRequest, "INVALID_REQUEST", "mch_id is not the merchant this channel serves")
		return
	}
	csv, err := s.Statement(r.PathValue("date"))
	switch {
	case errors.Is(err, ErrNotReady):
		s.fail(w, http.StatusNotFound, "STATEMENT_NOT_READY", err.Error())
	case err != nil:
		s.fail(w, http.StatusBadRequest, "INVALID_REQUEST", err.Error())
	default:
		s.write(w, http.StatusOK, "text/csv; charset=utf-8", csv)
	}
}

// randomToken is the random part of a QR text: 12 characters of base32's upper-case alphabet,
// so that "HKCS:" and it (17 characters) fit a version 1 QR code in alphanumeric mode.
func randomToken() string { return rand.Text()[:12] }

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
