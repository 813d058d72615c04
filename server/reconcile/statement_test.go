package reconcile

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/hallkiosk/kiosk/model"
)

// docExample is the example of docs/payment-channel.md.
const docExample = `record_type,transaction_id,out_trade_no,refund_id,out_refund_no,amount_fen,time
REFUND,4200002026112011000000000007,3e8f1a20-0c4d-4b6e-9a1f-7e6d5c4b3a29,5030002026112109000000000001,RF-3e8f1a20-1,5000,2026-11-21T09:00:00+08:00
PAY,4200002026112110031200000001,0b5e7c2a-1f3d-4e8b-9a6c-5d4e3f2a1b0c,,,20000,2026-11-21T10:03:12+08:00
PAY,4200002026112111202500000002,9d1c0e44-5a7b-4c2e-8f90-1a2b3c4d5e6f,,,5000,2026-11-21T11:20:25+08:00
SUMMARY,2026-11-21,2,1,25000,5000,20000
`

// readAll reads a statement to its end.
func readAll(s string) ([]Line, Totals, error) {
	r := NewReader(strings.NewReader(s))
	var lines []Line
	for {
		l, err := r.Next()
		if errors.Is(err, io.EOF) {
			return lines, r.Totals(), nil
		}
		if err != nil {
			return lines, Totals{}, err
		}
		lines = append(lines, l)
	}
}

func TestReadsTheDocumentsExample(t *testing.T) {
	for name, text := range map[string]string{
		"LF":                docExample,
		"CRLF":              strings.ReplaceAll(docExample, "\n", "\r\n"),
		"no final LF":       strings.TrimSuffix(docExample, "\n"),
		"quoted values":     strings.Replace(docExample, "PAY,4200002026112110031200000001,", `"PAY","4200002026112110031200000001",`, 1),
		"quoted empty ones": strings.Replace(docExample, ",,,20000,", `,"","",20000,`, 1),
	} {
		t.Run(name, func(t *testing.T) {
			lines, tot, err := readAll(text)
			if err != nil {
				t.Fatal(err)
			}
			if len(lines) != 3 || lines[0].Type != Refund || lines[0].OutRefundNo != "RF-3e8f1a20-1" ||
				lines[0].RefundID != "5030002026112109000000000001" || lines[0].No != 2 ||
				lines[1].Type != Pay || lines[1].TransactionID != "4200002026112110031200000001" ||
				lines[1].OrderID != "0b5e7c2a-1f3d-4e8b-9a6c-5d4e3f2a1b0c" || lines[1].AmountFen != 20000 || lines[2].No != 4 {
				t.Fatalf("lines: %+v", lines)
			}
			want := Totals{Day: model.Date{Year: 2026, Month: 11, Day: 21}, Pays: 2, Refunds: 1, PayTotalFen: 25000, RefundTotal: 5000, NetFen: 20000}
			if tot != want {
				t.Errorf("totals %+v, want %+v", tot, want)
			}
		})
	}
}

func TestAnEmptyDayHasOnlyItsSummary(t *testing.T) {
	lines, tot, err := readAll(Header + "\nSUMMARY,2026-11-22,0,0,0,0,0\n")
	if err != nil || len(lines) != 0 || DayString(tot.Day) != "2026-11-22" {
		t.Fatalf("%v %+v %v", lines, tot, err)
	}
}

func TestListedRemembersTheLinesIDs(t *testing.T) {
	r := NewReader(strings.NewReader(docExample))
	for {
		if _, err := r.Next(); err != nil {
			break
		}
	}
	if !r.Listed(Pay, "4200002026112110031200000001") || !r.Listed(Refund, "RF-3e8f1a20-1") {
		t.Error("a listed id is not remembered")
	}
	if r.Listed(Pay, "4200002026112011000000000007") || r.Listed(Refund, "RF-other") || r.Listed(Refund, "4200002026112110031200000001") {
		t.Error("an id not listed (or listed as the other type) is remembered")
	}
}

// Every malformed statement is refused with the line, the column and the value's name.
func TestMalformedStatementsNameWhereAndWhy(t *testing.T) {
	lines := strings.Split(strings.TrimSuffix(docExample, "\n"), "\n")
	with := func(i int, line string) string {
		c := append([]string(nil), lines...)
		c[i] = line
		return strings.Join(c, "\n") + "\n"
	}
	pay := "PAY,4200002026112110031200000001,0b5e7c2a-1f3d-4e8b-9a6c-5d4e3f2a1b0c,,,20000,2026-11-21T10:03:12+08:00"
	for _, c := range []struct{ name, text, want string }{
		{"empty file", "", "statement line 1: the file is empty"},
		{"byte order mark", "\ufeff" + docExample, "line 1, column 1: the file starts with a byte order mark"},
		{"other header", strings.Replace(docExample, "amount_fen", "amount", 1), "line 1: the first line must be exactly the header"},
		{"no summary", strings.Join(lines[:4], "\n") + "\n", "line 5: the file ends without its SUMMARY line"},
		{"empty line", with(2, ""), "line 3: the line is empty"},
		{"line after summary", docExample + "\n", "line 6: a line follows the SUMMARY line"},
		{"unknown type", with(2, strings.Replace(pay, "PAY", "PAID", 1)), `line 3, column 1 (record_type): "PAID" is not a record type`},
		{"six values", with(2, strings.Replace(pay, ",,,", ",,", 1)), "line 3: 6 values"},
		{"eight values", with(2, pay+","), "line 3: more than 7 values"},
		{"bad transaction", with(2, strings.Replace(pay, "4200002026112110031200000001", "4200 1", 1)), `line 3, column 5 (transaction_id): "4200 1"`},
		{"missing order", with(2, strings.Replace(pay, "0b5e7c2a-1f3d-4e8b-9a6c-5d4e3f2a1b0c", "", 1)), "line 3, column 34 (out_trade_no): an empty value"},
		{"refund id on a pay", with(2, strings.Replace(pay, ",,,", ",X1,,", 1)), "line 3, column 71 (refund_id): a PAY line has no refund_id"},
		{"refund without ids", with(1, "REFUND,4200002026112011000000000007,3e8f1a20-0c4d-4b6e-9a1f-7e6d5c4b3a29,,,5000,2026-11-21T09:00:00+08:00"),
			"line 2, column 74 (refund_id): an empty value: a REFUND line needs the channel's refund id"},
		{"amount with a point", with(2, strings.Replace(pay, ",20000,", ",200.00,", 1)), `line 3, column 73 (amount_fen): "200.00"`},
		{"amount of zero", with(2, strings.Replace(pay, ",20000,", ",0,", 1)), `(amount_fen): "0"`},
		{"amount with a leading zero", with(2, strings.Replace(pay, ",20000,", ",020000,", 1)), `(amount_fen): "020000"`},
		{"amount too large", with(2, strings.Replace(pay, ",20000,", ",100000001,", 1)), `(amount_fen): "100000001"`},
		{"time without offset", with(2, strings.Replace(pay, "+08:00", "", 1)), `line 3, column 79 (time): "2026-11-21T10:03:12"`},
		{"time of another day", with(2, strings.Replace(pay, "2026-11-21T10", "2026-11-22T10", 1)),
			"line 3, column 79 (time): this time is on 2026-11-22 (China time) but line 2 is on 2026-11-21"},
		// 2026-11-21T16:30Z is 00:30 on the 22nd in China.
		{"a UTC time of the next China day", with(3, strings.Replace(lines[3], "2026-11-21T11:20:25+08:00", "2026-11-21T16:30:00Z", 1)),
			"line 4, column 78 (time): this time is on 2026-11-22 (China time)"},
		{"out of order", with(3, strings.Replace(lines[3], "11:20:25", "10:00:00", 1)), "line 4: out of order"},
		{"payment twice", with(3, strings.Replace(pay, "10:03:12", "10:03:12", 1)), "line 4, column 5 (transaction_id): the payment 4200002026112110031200000001 is listed twice"},
		{"summary of another day", with(4, "SUMMARY,2026-11-22,2,1,25000,5000,20000"), "line 5, column 9 (DATE): the summary is of 2026-11-22 but the lines are of 2026-11-21"},
		{"summary date malformed", with(4, "SUMMARY,21/11/2026,2,1,25000,5000,20000"), `line 5, column 9 (DATE): "21/11/2026"`},
		{"pay count", with(4, "SUMMARY,2026-11-21,3,1,25000,5000,20000"), "line 5, column 20 (PAY_COUNT): the summary says 3 but the lines above it add up to 2"},
		{"refund count", with(4, "SUMMARY,2026-11-21,2,0,25000,5000,20000"), "(REFUND_COUNT): the summary says 0 but the lines above it add up to 1"},
		{"pay total", with(4, "SUMMARY,2026-11-21,2,1,25001,5000,20000"), "(PAY_TOTAL_FEN): the summary says 25001"},
		{"refund total", with(4, "SUMMARY,2026-11-21,2,1,25000,4000,20000"), "(REFUND_TOTAL_FEN): the summary says 4000"},
		{"net", with(4, "SUMMARY,2026-11-21,2,1,25000,5000,21000"), "(NET_FEN): the summary says 21000 but PAY_TOTAL_FEN - REFUND_TOTAL_FEN is 20000"},
		{"net malformed", with(4, "SUMMARY,2026-11-21,2,1,25000,5000,-0"), `(NET_FEN): "-0"`},
		{"count negative", with(4, "SUMMARY,2026-11-21,-2,1,25000,5000,20000"), `(PAY_COUNT): "-2"`},
		{"quote unclosed", with(2, strings.Replace(pay, "PAY,", `"PAY,`, 1)), "line 3, column 1 (record_type): a quoted value must end with its quote"},
		{"carriage return inside", with(2, strings.Replace(pay, ",,,", ",\r,,", 1)), "line 3: a carriage return inside the line"},
		{"long line", with(2, pay+strings.Repeat("x", 1100)), "line 3: the line is longer than 1024 bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := readAll(c.text)
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a statement error", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error\n %s\nwant it to contain\n %s", err, c.want)
			}
		})
	}
}

// After an error the reader keeps returning it: nothing further is read as if the file were
// sound.
func TestAnErrorIsFinal(t *testing.T) {
	r := NewReader(strings.NewReader(Header + "\nPAID\n" + "SUMMARY,2026-11-21,0,0,0,0,0\n"))
	_, first := r.Next()
	_, again := r.Next()
	if first == nil || again != first {
		t.Fatalf("first %v, then %v", first, again)
	}
}

// statementOf writes a valid statement of n payments and n/10 refunds on one day.
func statementOf(n int) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		fmt.Fprintln(pw, Header)
		var pays, refunds, payTotal, refundTotal int64
		for i := range n {
			sec := int64(i) * 86399 / int64(n)
			at := fmt.Sprintf("2026-11-21T%02d:%02d:%02d+08:00", sec/3600, sec/60%60, sec%60)
			if i%10 == 9 {
				fmt.Fprintf(pw, "REFUND,T%09d,order-%09d,C%09d,RF%09d,100,%s\n", i, i, i, i, at)
				refunds++
				refundTotal += 100
				continue
			}
			fmt.Fprintf(pw, "PAY,T%09d,order-%09d,,,20000,%s\n", i, i, at)
			pays++
			payTotal += 20000
		}
		fmt.Fprintf(pw, "SUMMARY,2026-11-21,%d,%d,%d,%d,%d\n", pays, refunds, payTotal, refundTotal, payTotal-refundTotal)
		pw.Close()
	}()
	return pr
}

// A statement of 100,000 lines is read in bounded memory: what stays live is the digests of its
// ids (a few megabytes), not the file (about 10 MB).
func TestReadsALargeStatementInBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 100,000 lines")
	}
	r := NewReader(statementOf(100_000))
	n := 0
	var peak uint64
	for {
		_, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if n++; n%20_000 == 0 {
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	if n != 100_000 || r.Totals().Pays != 90_000 || r.Totals().Refunds != 10_000 {
		t.Fatalf("%d lines, totals %+v", n, r.Totals())
	}
	if peak > 16<<20 {
		t.Errorf("live heap reached %d MiB while reading", peak>>20)
	}
}

// FuzzStatement: no input makes the reader panic or loop; what it accepts has a summary that
// adds up, lines in order of one day, and every id listed.
func FuzzStatement(f *testing.F) {
	f.Add([]byte(docExample))
	f.Add([]byte(Header + "\nSUMMARY,2026-11-22,0,0,0,0,0\n"))
	f.Add([]byte(strings.ReplaceAll(docExample, "\n", "\r\n")))
	f.Add([]byte(Header + "\n\"PAY\",T1,O1,\"\",,1,2026-01-01T00:00:00+08:00\nSUMMARY,2026-01-01,1,0,1,0,1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(strings.NewReader(string(data)))
		var (
			lines []Line
			err   error
		)
		for range len(data) + 2 {
			var l Line
			if l, err = r.Next(); err != nil {
				break
			}
			lines = append(lines, l)
		}
		if err == nil {
			t.Fatal("the reader did not end")
		}
		if !errors.Is(err, io.EOF) {
			var se *Error
			if !errors.As(err, &se) || se.Line < 1 {
				t.Fatalf("error %v is not a statement error with a line", err)
			}
			return
		}
		tot := r.Totals()
		var pays, refunds, pt, rt int64
		for i, l := range lines {
			if model.DateOf(l.Time) != tot.Day || l.AmountFen < 1 {
				t.Fatalf("line %+v accepted in a statement of %v", l, tot.Day)
			}
			if i > 0 && before(l, lines[i-1]) {
				t.Fatalf("line %d accepted out of order", l.No)
			}
			if l.Type == Pay {
				pays++
				pt += l.AmountFen
				if !r.Listed(Pay, l.TransactionID) {
					t.Fatal("a payment is not listed")
				}
			} else {
				refunds++
				rt += l.AmountFen
				if !r.Listed(Refund, l.OutRefundNo) {
					t.Fatal("a refund is not listed")
				}
			}
		}
		if int64(tot.Pays) != pays || int64(tot.Refunds) != refunds || tot.PayTotalFen != pt || tot.RefundTotal != rt || tot.NetFen != pt-rt {
			t.Fatalf("accepted totals %+v for lines adding up to %d %d %d %d", tot, pays, refunds, pt, rt)
		}
	})
}

// A statement with more lines than the bound is refused at the first line past it: the ids a
// reader remembers stay bounded whatever the file.
func TestStatementLinesAreBounded(t *testing.T) {
	r := NewReader(strings.NewReader(docExample))
	r.maxLines = 2
	var err error
	for n := 0; err == nil; n++ {
		_, err = r.Next()
	}
	var bad *Error
	if !errors.As(err, &bad) || bad.Line != 4 || !strings.Contains(err.Error(), "more than 2 payments and refunds") {
		t.Fatalf("a third line past a bound of 2: %v", err)
	}
}
