package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/server/channel"
	"github.com/hallkiosk/kiosk/server/reconcile"
	"github.com/hallkiosk/kiosk/server/store"
)

// stmtLine is a line of a statement a test writes.
type stmtLine struct {
	typ, tx, order, refundID, outRefundNo string
	fen                                   int64
	at                                    time.Time
}

func payLine(tx, order string, fen int64, at time.Time) stmtLine {
	return stmtLine{typ: reconcile.Pay, tx: tx, order: order, fen: fen, at: at}
}

func refundLine(tx, order, refundID, outRefundNo string, fen int64, at time.Time) stmtLine {
	return stmtLine{typ: reconcile.Refund, tx: tx, order: order, refundID: refundID, outRefundNo: outRefundNo, fen: fen, at: at}
}

// statement writes a valid statement of day with lines (sorted as a channel sorts them).
func statement(day string, lines ...stmtLine) []byte {
	sort.SliceStable(lines, func(i, j int) bool {
		a, b := lines[i], lines[j]
		if !a.at.Equal(b.at) {
			return a.at.Before(b.at)
		}
		if a.tx != b.tx {
			return a.tx < b.tx
		}
		return a.refundID < b.refundID
	})
	var (
		b                 bytes.Buffer
		pays, refunds     int
		payFen, refundFen int64
	)
	b.WriteString(reconcile.Header + "\n")
	for _, l := range lines {
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,%d,%s\n", l.typ, l.tx, l.order, l.refundID, l.outRefundNo, l.fen, channel.FormatTime(l.at))
		if l.typ == reconcile.Pay {
			pays++
			payFen += l.fen
		} else {
			refunds++
			refundFen += l.fen
		}
	}
	fmt.Fprintf(&b, "SUMMARY,%s,%d,%d,%d,%d,%d\n", day, pays, refunds, payFen, refundFen, payFen-refundFen)
	return b.Bytes()
}

func (e *env) reconcile(ch string, csv []byte) (ReconcileReport, error) {
	return e.srv.Reconcile(context.Background(), ch, bytes.NewReader(csv))
}

func (e *env) mustReconcile(ch string, csv []byte) ReconcileReport {
	e.t.Helper()
	rep, err := e.reconcile(ch, csv)
	if err != nil {
		e.t.Fatalf("reconcile: %v", err)
	}
	return rep
}

// notify records a channel payment as the channel's notice does.
func (e *env) notify(ch, order, tx string, fen int64, at time.Time) {
	e.t.Helper()
	if _, _, err := e.srv.recordChannelPayment(context.Background(), channel.Notice{Channel: ch, TransactionID: tx,
		OrderID: order, AmountFen: fen, PaidAt: at}); err != nil {
		e.t.Fatal(err)
	}
}

// outcomes is a report's non-zero outcomes, as "outcome=n" sorted.
func outcomes(rep ReconcileReport) string {
	var out []string
	for o, n := range rep.Outcomes {
		if n > 0 {
			out = append(out, fmt.Sprintf("%s=%d", o, n))
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// item finds the report's item of an outcome.
func reportItem(t *testing.T, rep ReconcileReport, outcome string) ReconcileItem {
	t.Helper()
	for _, it := range rep.Items {
		if it.Outcome == outcome {
			return it
		}
	}
	t.Fatalf("no item %s in %+v", outcome, rep.Items)
	return ReconcileItem{}
}

// everything is what a reconciliation could change: payments, orders, channel payments,
// refunds with their steps.
func (e *env) everything(orders ...string) string {
	e.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "payments %+v\n", e.payments("V-DECIDED"))
	for _, o := range orders {
		so, _ := e.storedOrder(o)
		fmt.Fprintf(&b, "order %s %s %s %v\n", o, so.Status, so.Reference, so.PaidAt)
		fmt.Fprintf(&b, "channel payments %+v\n", e.channelPayments(o))
	}
	for _, r := range e.refunds("") {
		fmt.Fprintf(&b, "refund %s %s %s\n", r.ID, r.State, steps(r))
	}
	return b.String()
}

// A payment the channel lists and the platform never heard of (its notice was lost) is recorded
// from the statement exactly as the notice would have recorded it; a rerun records nothing more
// and reports it matched.
func TestReconcileRecordsWhatOnlyTheChannelKnew(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		sim := channel.SimulatedName
		e.createOrder(orderReq("order-1", decidedItem()))
		e.createOrder(orderReq("order-2", decidedItem()))
		paid1 := e.clock.Now().Add(time.Minute)
		paid2 := e.clock.Now().Add(2 * time.Minute)
		e.notify(sim, "order-1", "TX-0001", 20000, paid1) // its notice arrived
		csv := statement("2026-11-21", payLine("TX-0001", "order-1", 20000, paid1), payLine("TX-0002", "order-2", 20000, paid2))
		e.clock.Add(24 * time.Hour)

		rep := e.mustReconcile(sim, csv)
		if got := outcomes(rep); got != "matched=1 recorded=1" || rep.Recorded != 1 || rep.Flagged != 0 || rep.Day != "2026-11-21" ||
			rep.Statement.Pays != 2 || rep.Statement.PayTotalFen != 40000 {
			t.Fatalf("report: %s %+v", got, rep)
		}
		it := reportItem(t, rep, OutcomeRecorded)
		if it.Line != 3 || it.OrderID != "order-2" || it.TransactionID != "TX-0002" || it.RecordedFen != 20000 ||
			!strings.Contains(it.Note, "recorded from the statement") || it.Flagged {
			t.Errorf("recorded item: %+v", it)
		}
		// Recorded as the notice would have: the order paid with the transaction as its
		// reference, at the channel's time; V-DECIDED was paid by order-1, so order-2's money is
		// owed back (a refund record).
		o2, _ := e.storedOrder("order-2")
		if o2.Status != api.PayOrderPaid || o2.Reference != "TX-0002" || !o2.PaidAt.Equal(paid2) {
			t.Errorf("order-2: %s %s %v", o2.Status, o2.Reference, o2.PaidAt)
		}
		if cps := e.channelPayments("order-2"); len(cps) != 1 || cps[0].Amount != 20000 || !cps[0].PaidAt.Equal(paid2) {
			t.Errorf("channel payments of order-2: %+v", cps)
		}
		if rs := e.refunds(store.RefundOwed); len(rs) != 1 || rs[0].ChannelTxnID != "TX-0002" || rs[0].AmountFen != 20000 {
			t.Errorf("refunds owed: %+v", rs)
		}
		before := e.everything("order-1", "order-2")

		again := e.mustReconcile(sim, csv)
		if got := outcomes(again); got != "matched=2" || again.Recorded != 0 || len(again.Items) != 0 {
			t.Errorf("rerun: %s %+v", got, again)
		}
		if after := e.everything("order-1", "order-2"); after != before {
			t.Errorf("the rerun changed something:\n%s\nwas\n%s", after, before)
		}
		// The server's metrics count both runs' outcomes.
		_, metrics := e.getPage("/metrics")
		for _, want := range []string{`kiosk_reconcile_lines_total{outcome="matched"} 3`, `kiosk_reconcile_lines_total{outcome="recorded"} 1`,
			`kiosk_reconcile_lines_total{outcome="amount_differs"} 0`} {
			if !strings.Contains(metrics, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		assertNoPersonalData(t, e.logs.String())
	})
}

// Every kind of difference is flagged and changes nothing; the same statement again gives the
// same report.
func TestReconcileFlagsDifferences(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		sim := channel.SimulatedName
		e.createOrder(orderReq("order-1", decidedItem()))
		e.createOrder(orderReq("order-2", decidedItem()))
		e.createOrder(orderReq("order-3", decidedItem()))
		e.createOrder(orderReq("order-4", decidedItem()))
		t0 := e.clock.Now()
		e.clock.Add(15 * time.Hour) // the notices below arrive after their payments (a later time would be taken as now)
		e.notify(sim, "order-1", "TX-0001", 20000, t0.Add(time.Minute))
		e.notify(sim, "order-2", "TX-0002", 20000, t0.Add(2*time.Minute))
		e.notify(sim, "order-3", "TX-0003", 20000, t0.Add(3*time.Minute))
		// Another day's payment, recorded here, is not this statement's business.
		e.notify(sim, "order-4", "TX-0004", 20000, t0.Add(14*time.Hour)) // 00:00 on the 22nd
		csv := statement("2026-11-21",
			payLine("TX-0001", "order-1", 19000, t0.Add(time.Minute)),        // amount differs
			payLine("TX-0003", "order-2", 20000, t0.Add(3*time.Minute)),      // recorded for order-3
			payLine("TX-0009", "no-such-order", 5000, t0.Add(4*time.Minute)), // not our order
			// TX-0002 is not listed: recorded here, absent at the channel.
			refundLine("TX-0001", "order-1", "CR-1", "RF-NOT-OURS", 100, t0.Add(5*time.Minute)),
		)
		e.clock.Add(10 * time.Hour)
		before := e.everything("order-1", "order-2", "order-3", "order-4")

		rep := e.mustReconcile(sim, csv)
		want := "amount_differs=1 missing_at_channel=1 order_differs=1 refund_unknown=1 unknown_order=1"
		if got := outcomes(rep); got != want || rep.Flagged != 5 || rep.Recorded != 0 {
			t.Fatalf("outcomes %s, want %s (%+v)", got, want, rep)
		}
		if it := reportItem(t, rep, OutcomeAmountDiffers); it.Line != 2 || it.StatementFen != 19000 || it.RecordedFen != 20000 || !it.Flagged {
			t.Errorf("amount differs: %+v", it)
		}
		if it := reportItem(t, rep, OutcomeOrderDiffers); it.OrderID != "order-2" || !strings.Contains(it.Note, "order-3") {
			t.Errorf("order differs: %+v", it)
		}
		if it := reportItem(t, rep, OutcomeMissingAtChannel); it.Line != 0 || it.TransactionID != "TX-0002" || it.OrderID != "order-2" ||
			it.RecordedFen != 20000 || !strings.Contains(it.Note, "2026-11-21 10:02:00") {
			t.Errorf("missing at the channel: %+v", it)
		}
		if it := reportItem(t, rep, OutcomeRefundUnknown); it.RefundID != "RF-NOT-OURS" || it.ChannelRefundID != "CR-1" {
			t.Errorf("refund unknown: %+v", it)
		}
		if after := e.everything("order-1", "order-2", "order-3", "order-4"); after != before {
			t.Errorf("flagging changed something:\n%s\nwas\n%s", after, before)
		}
		if again := e.mustReconcile(sim, csv); !reflect.DeepEqual(again, rep) {
			t.Errorf("rerun:\n%+v\nfirst:\n%+v", again, rep)
		}
		// Logs name outcomes and ids, never people.
		if logs := e.logs.String(); !strings.Contains(logs, `"outcome":"missing_at_channel"`) {
			t.Errorf("flagged items are not logged")
		}
		assertNoPersonalData(t, e.logs.String())
	})
}

// A refund the channel lists settles the refund it issued here; one it lists that is owed here,
// or that staff paid back at a counter, or with another amount, is flagged; one issued before
// the day and still not listed is flagged as pending, one settled that day by the channel but
// not listed as missing.
func TestReconcileRefunds(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		sim := channel.SimulatedName
		id := e.channelRefund(1) // 200 yuan of TX CH-TXN-0001 owed back, order-1
		issuedAt := e.clock.Now()
		e.mustIssue(answering(issued("CR-0001")), id, "S-017", "")
		if r := e.refund(id); r.State != store.RefundIssued || r.IssuedRef != "CR-0001" {
			t.Fatalf("issued: %+v", r)
		}
		paidBack := issuedAt.Add(24 * time.Hour) // 10:00 on the 22nd
		line := refundLine("CH-TXN-0001", "order-1", "CR-0001", id, 20000, paidBack)
		e.clock.Add(48 * time.Hour)
		// The 23rd is today: its statement is refused until the day is over, and nothing changes.
		if _, err := e.reconcile(sim, statement("2026-11-23")); err == nil || !strings.Contains(err.Error(), "not over yet") {
			t.Errorf("today's statement: %v", err)
		}
		e.clock.Add(24 * time.Hour)

		// The statement of the 21st does not list it: issued that day, it is not pending yet.
		pay := payLine("CH-TXN-0001", "order-1", 20000, issuedAt)
		if rep := e.mustReconcile(sim, statement("2026-11-21", pay)); outcomes(rep) != "matched=1" {
			t.Errorf("the day of the issue: %s", outcomes(rep))
		}
		// A different amount is flagged and settles nothing.
		short := line
		short.fen = 10000
		if rep := e.mustReconcile(sim, statement("2026-11-22", short)); outcomes(rep) != "refund_differs=1" {
			t.Errorf("another amount: %s", outcomes(rep))
		}
		if r := e.refund(id); r.State != store.RefundIssued {
			t.Fatalf("a differing line settled the refund: %+v", r)
		}
		// The statement of the 23rd does not list it either: issued before that day and still
		// not paid back.
		rep := e.mustReconcile(sim, statement("2026-11-23"))
		if it := reportItem(t, rep, OutcomeRefundPending); it.RefundID != id || it.ChannelRefundID != "CR-0001" || it.RecordedFen != 20000 {
			t.Errorf("pending: %+v", it)
		}
		// The 22nd's statement lists it: settled from the statement, at the channel's time.
		csv := statement("2026-11-22", line)
		rep = e.mustReconcile(sim, csv)
		if got := outcomes(rep); got != "refund_settled=1" || rep.Recorded != 1 {
			t.Fatalf("settling: %s %+v", got, rep)
		}
		r := e.refund(id)
		if r.State != store.RefundSettled || r.SettledBy != "channel" || r.SettledRef != "CR-0001" || !r.SettledAt.Equal(paidBack) {
			t.Errorf("settled: %+v", r)
		}
		if got := outcomes(e.mustReconcile(sim, csv)); got != "refund_matched=1" {
			t.Errorf("rerun: %s", got)
		}
		// Settled by the channel on the 22nd and missing from a statement of the 22nd.
		if it := reportItem(t, e.mustReconcile(sim, statement("2026-11-22")), OutcomeRefundMissing); it.RefundID != id {
			t.Errorf("missing: %+v", it)
		}
	})
}

func TestReconcileRefundsNotIssuedHere(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		sim := channel.SimulatedName
		id := e.channelRefund(1)
		line := refundLine("CH-TXN-0001", "order-1", "CR-0001", id, 20000, e.clock.Now().Add(time.Hour))
		csv := statement("2026-11-21", payLine("CH-TXN-0001", "order-1", 20000, e.clock.Now()), line)
		e.clock.Add(25 * time.Hour)
		if it := reportItem(t, e.mustReconcile(sim, csv), OutcomeRefundNotIssued); !strings.Contains(it.Note, "kiosk refunds issue "+id) {
			t.Errorf("owed here: %+v", it)
		}
		if r := e.refund(id); r.State != store.RefundOwed {
			t.Errorf("the refund changed: %+v", r)
		}
		// Staff paid it back at a counter: the channel's refund pays it twice.
		if _, err := e.srv.IssueRefund(context.Background(), nil, RefundIssue{RefundID: id, Staff: "S001", Ref: "V-77", Counter: true}); err != nil {
			t.Fatal(err)
		}
		if got := outcomes(e.mustReconcile(sim, csv)); got != "matched=1 refund_twice=1" {
			t.Errorf("paid at the counter: %s", got)
		}
	})
}

// A malformed statement is refused with where and why, and changes nothing; so is a channel
// the server does not have.
func TestReconcileRefusesAMalformedStatement(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		sim := channel.SimulatedName
		e.createOrder(orderReq("order-1", decidedItem()))
		at := e.clock.Now().Add(time.Minute)
		good := statement("2026-11-21", payLine("TX-0001", "order-1", 20000, at))
		// The summary is wrong only on its last line: the payment above it must not be recorded.
		bad := bytes.Replace(good, []byte("SUMMARY,2026-11-21,1,0,20000,0,20000"), []byte("SUMMARY,2026-11-21,1,0,20000,0,2000"), 1)
		before := e.everything("order-1")
		_, err := e.reconcile(sim, bad)
		if err == nil || !strings.Contains(err.Error(), "nothing was reconciled: statement line 3, column 32 (NET_FEN)") {
			t.Fatalf("err = %v", err)
		}
		if after := e.everything("order-1"); after != before {
			t.Errorf("a malformed statement changed something:\n%s", after)
		}
		if _, err := e.reconcile("bank", good); err == nil || !strings.Contains(err.Error(), `no payment channel "bank"; it has simulated`) {
			t.Errorf("unknown channel: %v", err)
		}
		if o, _ := e.storedOrder("order-1"); o.Status != api.PayOrderWaiting {
			t.Errorf("order-1 is %s", o.Status)
		}
	})
}

// Through the admin socket: the statement is the body, the report the answer; a malformed one
// is a 400 that names the line.
func TestReconcileThroughTheAdminSocket(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		e.createOrder(orderReq("order-1", decidedItem()))
		csv := statement("2026-11-21", payLine("TX-0001", "order-1", 20000, e.clock.Now().Add(time.Minute)))
		e.clock.Add(25 * time.Hour)
		call := adminSocketRaw(t, e.srv.AdminHandler())
		var rep ReconcileReport
		if status := call("/reconcile?channel=simulated", csv, &rep); status != http.StatusOK || outcomes(rep) != "recorded=1" {
			t.Fatalf("%d %+v", status, rep)
		}
		var apiErr api.Error
		if status := call("/reconcile?channel=simulated", csv[:len(csv)-10], &apiErr); status != http.StatusBadRequest ||
			!strings.Contains(apiErr.Message, "statement line 3") {
			t.Errorf("malformed: %d %+v", status, apiErr)
		}
		if status := call("/reconcile", csv, &apiErr); status != http.StatusBadRequest || !strings.Contains(apiErr.Message, "channel=NAME") {
			t.Errorf("no channel: %d %+v", status, apiErr)
		}
	})
}

// adminSocketRaw serves h on a socket and posts raw bodies to it.
func adminSocketRaw(t *testing.T, h http.Handler) func(route string, body []byte, out any) int {
	t.Helper()
	dir, err := os.MkdirTemp("", "adm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "admin.sock")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeAdmin(ctx, sock, h) }()
	t.Cleanup(func() { cancel(); <-done })
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		for range 100 {
			if c, err := d.DialContext(ctx, "unix", sock); err == nil {
				return c, nil
			}
			time.Sleep(10 * time.Millisecond) // the socket appears when ServeAdmin listens
		}
		return d.DialContext(ctx, "unix", sock)
	}}}
	t.Cleanup(client.CloseIdleConnections)
	return func(route string, body []byte, out any) int {
		t.Helper()
		resp, err := client.Post("http://admin"+route, "text/csv", bytes.NewReader(body))
		if err != nil {
			t.Fatalf("POST %s: %v", route, err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("POST %s: answer: %v", route, err)
		}
		return resp.StatusCode
	}
}

// A statement the channel simulator writes, of a day on which one notice was lost: the
// payment it carries is recorded.
func TestReconcileTheSimulatorsStatement(t *testing.T) {
	forEachStoreWithBank(t, channel.RSA2, func(t *testing.T, e *env, b *bank) {
		e.createOrder(orderReq("order-1", decidedItem()))
		e.createOrder(orderReq("order-2", decidedItem()))
		if p, err := b.sim.Pay("order-1", 0); err != nil || !p.Delivered {
			t.Fatalf("pay order-1: %+v %v", p, err)
		}
		h := b.notify.Load()
		b.notify.Store(nil) // the server is unreachable: the notice is lost
		e.clock.Add(time.Minute)
		p2, err := b.sim.Pay("order-2", 0)
		if err != nil || p2.Delivered {
			t.Fatalf("pay order-2: %+v %v", p2, err)
		}
		b.notify.Store(h)
		e.clock.Add(24 * time.Hour)
		csv, err := b.sim.Statement("2026-11-21")
		if err != nil {
			t.Fatal(err)
		}
		rep := e.mustReconcile("bank", csv)
		if got := outcomes(rep); got != "matched=1 recorded=1" || reportItem(t, rep, OutcomeRecorded).TransactionID != p2.TransactionID {
			t.Fatalf("%s %+v", got, rep)
		}
		if o, _ := e.storedOrder("order-2"); o.Status != api.PayOrderPaid || o.Reference != p2.TransactionID {
			t.Errorf("order-2: %+v", o)
		}
		if got := outcomes(e.mustReconcile("bank", csv)); got != "matched=2" {
			t.Errorf("rerun: %s", got)
		}
	})
}
