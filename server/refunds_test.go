package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/channel"
	"github.com/hallkiosk/kiosk/server/store"
)

// fakeIssuer stands in for the payment channel: it answers what the test says, counts the asks
// and can hold them until released.
type fakeIssuer struct {
	mu      sync.Mutex
	asked   []RefundRequest
	answers []fakeAnswer // one per ask, the last repeated
	hold    chan struct{}
	started chan struct{}
}

type fakeAnswer struct {
	a   RefundAnswer
	err error
}

func (f *fakeIssuer) IssueRefund(ctx context.Context, r RefundRequest) (RefundAnswer, error) {
	f.mu.Lock()
	f.asked = append(f.asked, r)
	n := len(f.asked)
	ans := f.answers[min(n, len(f.answers))-1]
	f.mu.Unlock()
	if f.started != nil {
		f.started <- struct{}{}
	}
	if f.hold != nil {
		select {
		case <-f.hold:
		case <-ctx.Done():
			return RefundAnswer{}, ctx.Err()
		}
	}
	return ans.a, ans.err
}

func (f *fakeIssuer) asks() []RefundRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]RefundRequest(nil), f.asked...)
}

func answering(as ...fakeAnswer) *fakeIssuer { return &fakeIssuer{answers: as} }

func issued(ref string) fakeAnswer {
	return fakeAnswer{a: RefundAnswer{ChannelRef: ref, State: store.RefundIssued}}
}
func settled(ref string) fakeAnswer {
	return fakeAnswer{a: RefundAnswer{ChannelRef: ref, State: store.RefundSettled}}
}

func (e *env) refunds(state string) []AdminRefund {
	e.t.Helper()
	rs, err := ReadAdminRefunds(context.Background(), e.store, state)
	if err != nil {
		e.t.Fatal(err)
	}
	return rs
}

func (e *env) refund(id string) AdminRefund {
	e.t.Helper()
	for _, r := range e.refunds("") {
		if r.ID == id {
			return r
		}
	}
	e.t.Fatalf("no refund %s", id)
	return AdminRefund{}
}

// channelRefund makes a refund of money paid through the channel: an order for V-DECIDED that
// the channel reports paid after a card payment at the kiosk cleared the violation. It returns
// the refund's id. seq is the card payment's sequence number.
func (e *env) channelRefund(seq int64) string {
	e.t.Helper()
	e.createOrder(orderReq("order-1", decidedItem()))
	if r := e.send(payOp("op-card", seq, e.clock.Now(), "V-DECIDED", 10000, 10000))[0]; r.Outcome != api.OutcomeApplied {
		e.t.Fatalf("card payment: %+v", r)
	}
	if _, _, err := e.srv.recordChannelPayment(context.Background(), channel.Notice{Channel: channel.SimulatedName,
		TransactionID: "CH-TXN-0001", OrderID: "order-1", AmountFen: 20000, PaidAt: e.clock.Now()}); err != nil { // the order's total
		e.t.Fatal(err)
	}
	return store.RefundIDFor("payorder:order-1/1")
}

func (e *env) issue(issuer RefundIssuer, id, staff, ref string) (AdminRefundResult, error) {
	return e.srv.IssueRefund(context.Background(), issuer, RefundIssue{RefundID: id, Staff: staff, Ref: ref})
}

func (e *env) mustIssue(issuer RefundIssuer, id, staff, ref string) AdminRefundResult {
	e.t.Helper()
	res, err := e.issue(issuer, id, staff, ref)
	if err != nil {
		e.t.Fatalf("issue %s: %v", id, err)
	}
	return res
}

func steps(r AdminRefund) string {
	var b []string
	for _, s := range r.Steps {
		b = append(b, fmt.Sprintf("%s>%s by %s %s", s.From, s.To, s.Who, s.Ref))
	}
	return strings.Join(b, "; ")
}

// Every payment recorded as a refund gets one refund, owed, in the same transaction: a fine
// paid twice, money for an unknown violation, the excess of an over-payment (kiosk operations),
// and a phone order paid for a violation that was paid meanwhile (with its channel transaction).
func TestRefundForEveryRefundPayment(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		now := e.clock.Now()
		e.channelRefund(1) // op-card pays V-DECIDED; order-1's money is owed back
		e.send(payOp("op-2", 2, now, "V-DECIDED", 10000, 10000), payOp("op-3", 3, now, "NO-SUCH", 4200, 0))
		// An over-payment: process V-A-1 (50 yuan), then pay 51.
		if r := e.send(processOp("op-4", 4, now, 1, "V-A-1"))[0]; r.Outcome != api.OutcomeApplied {
			t.Fatalf("process: %+v", r)
		}
		e.send(payOp("op-5", 5, now, "V-A-1", 5100, 0))
		// A short payment and a full one owe nothing back.
		if r := e.send(payOp("op-6", 6, now, "V-DECIDED-NOPE", 0, 1))[0]; len(r.Payments) != 1 {
			t.Fatalf("op-6: %+v", r)
		}

		type want struct {
			payment, reason, method, op, order, txn string
			amount                                  int64
		}
		wants := []want{
			{"payorder:order-1/1", "pay.already_paid", "qr", "", "order-1", "CH-TXN-0001", 20000},
			{"op-2/1", "pay.already_paid", "card", "op-2", "", "", 20000},
			{"op-3/1", "pay.unknown_violation", "card", "op-3", "", "", 4200},
			{"op-5/1/refund", "pay.overpaid", "card", "op-5", "", "", 100},
			{"op-6/1", "pay.unknown_violation", "card", "op-6", "", "", 1},
		}
		got := e.refunds("")
		if len(got) != len(wants) {
			t.Fatalf("%d refunds, want %d: %+v", len(got), len(wants), got)
		}
		byPayment := map[string]AdminRefund{}
		for _, r := range got {
			byPayment[r.PaymentID] = r
		}
		for _, w := range wants {
			r, ok := byPayment[w.payment]
			if !ok {
				t.Errorf("no refund of payment %s", w.payment)
				continue
			}
			if r.ID != store.RefundIDFor(w.payment) || r.State != store.RefundOwed || r.Reason != w.reason ||
				r.Method != w.method || r.OpID != w.op || r.OrderID != w.order || r.ChannelTxnID != w.txn ||
				r.AmountFen != w.amount || r.KioskID != e.kiosk.KioskID || !r.CreatedAt.Equal(now) ||
				steps(r) != ">owed by platform " {
				t.Errorf("refund of %s: %+v, want %+v", w.payment, r, w)
			}
		}
		// Payments that are not refunds have none: the card payment, the order's... every
		// refund payment has exactly one.
		var refundPayments int
		for _, v := range []string{"V-DECIDED", "NO-SUCH", "V-A-1", "V-DECIDED-NOPE"} {
			for _, p := range e.payments(v) {
				if p.Refund {
					refundPayments++
				}
			}
		}
		if refundPayments != len(got) {
			t.Errorf("%d refund payments, %d refunds", refundPayments, len(got))
		}
		// A retried operation returns its stored result and creates nothing more.
		e.send(payOp("op-2", 2, now, "V-DECIDED", 10000, 10000))
		if n := len(e.refunds("")); n != len(wants) {
			t.Errorf("after a retry: %d refunds", n)
		}
	})
}

// The life of a channel refund: owed, issued by the channel (asked once however often staff
// issue it), settled by the channel's notice (once however often it comes); a settled refund is
// never issued again.
func TestRefundLifecycleThroughTheChannel(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		id := e.channelRefund(1)
		ch := answering(issued("RFD-0001"))
		e.clock.Add(time.Hour)
		issuedAt := storeTime(e.clock.Now())
		res := e.mustIssue(ch, id, "S-017", "")
		r := res.Refund
		if !res.Changed || r.State != store.RefundIssued || r.IssuedBy != "channel" || r.IssuedRef != "RFD-0001" ||
			r.IssuedAt == nil || !r.IssuedAt.Equal(issuedAt) || r.Attempts != 1 {
			t.Fatalf("issued: %+v", res)
		}
		if got := steps(r); got != ">owed by platform ; owed>issuing by S-017 ; issuing>issued by channel RFD-0001" {
			t.Errorf("steps: %s", got)
		}
		want := RefundRequest{Channel: channel.SimulatedName, RefundID: id, OrderID: "order-1", ChannelTxnID: "CH-TXN-0001", AmountFen: 20000}
		if asks := ch.asks(); len(asks) != 1 || asks[0] != want {
			t.Errorf("asks: %+v, want one %+v", asks, want)
		}
		// Issued again: answered as recorded, the channel not asked.
		again := e.mustIssue(ch, id, "S-018", "")
		if again.Changed || again.Refund.State != store.RefundIssued || len(ch.asks()) != 1 {
			t.Errorf("second issue: %+v, %d asks", again, len(ch.asks()))
		}

		// The channel's notice settles it, at the channel's time; a repeat changes nothing.
		e.clock.Add(time.Hour)
		paidBack := issuedAt.Add(30 * time.Minute)
		res, err := e.srv.SettleRefund(context.Background(), "RFD-0001", paidBack)
		if err != nil || !res.Changed || res.Refund.State != store.RefundSettled || res.Refund.SettledBy != "channel" ||
			res.Refund.SettledRef != "RFD-0001" || !res.Refund.SettledAt.Equal(paidBack) {
			t.Fatalf("settled by the channel: %+v %v", res, err)
		}
		res, err = e.srv.SettleRefund(context.Background(), "RFD-0001", e.clock.Now())
		if err != nil || res.Changed || !res.Refund.SettledAt.Equal(paidBack) || len(res.Refund.Steps) != 4 {
			t.Errorf("a repeated notice: %+v %v", res, err)
		}
		if _, err := e.srv.SettleRefund(context.Background(), "RFD-9999", e.clock.Now()); !errors.Is(err, errNoRefund) {
			t.Errorf("a notice of an unknown refund: %v", err)
		}
		// Settled: issuing it again asks nobody and changes nothing.
		res = e.mustIssue(ch, id, "S-017", "")
		if res.Changed || res.Refund.State != store.RefundSettled || len(ch.asks()) != 1 {
			t.Errorf("issue of a settled refund: %+v, %d asks", res, len(ch.asks()))
		}
		if c := e.refunds(store.RefundSettled); len(c) != 1 || len(e.refunds(store.RefundOwed)) != 0 {
			t.Errorf("by state: settled %d", len(c))
		}
	})
}

// A channel that answers settled at once: both steps are recorded.
func TestRefundSettledByTheChannelsAnswer(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		id := e.channelRefund(1)
		r := e.mustIssue(answering(settled("RFD-7")), id, "S-1", "").Refund
		if r.State != store.RefundSettled || r.SettledBy != "channel" || r.IssuedRef != "RFD-7" ||
			steps(r) != ">owed by platform ; owed>issuing by S-1 ; issuing>issued by channel RFD-7; issued>settled by channel RFD-7" {
			t.Errorf("settled on the answer: %+v\n%s", r, steps(r))
		}
	})
}

// Staff issuing one refund at once, on every store: the channel is asked once; the others are
// told it is being issued (or issued).
func TestRefundIssuedConcurrentlyAsksOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		id := e.channelRefund(1)
		ch := answering(issued("RFD-0002"))
		ch.hold, ch.started = make(chan struct{}), make(chan struct{}, 8)
		const n = 6
		results := make(chan AdminRefundResult, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := e.issue(ch, id, fmt.Sprintf("S-%d", i), "")
				if err != nil {
					t.Error(err)
				}
				results <- res
			}()
		}
		<-ch.started // one ask is under way
		// Everyone else returns while it is held: collect them before releasing it.
		var others []AdminRefundResult
		for range n - 1 {
			others = append(others, <-results)
		}
		close(ch.hold)
		wg.Wait()
		first := <-results
		for _, o := range others {
			if o.Changed || o.Refund.State != store.RefundIssuing {
				t.Errorf("a concurrent issue: %+v", o)
			}
		}
		if !first.Changed || first.Refund.State != store.RefundIssued {
			t.Errorf("the asking issue: %+v", first)
		}
		if asks := len(ch.asks()); asks != 1 {
			t.Errorf("the channel was asked %d times, want 1", asks)
		}
	})
}

// A failed issue (the channel unreachable, or refusing, or answering nonsense) leaves the refund
// owed with the failure recorded, and it can be issued again; the ask that finally succeeds is
// recorded with its attempts.
func TestRefundFailedIssueIsOwedAgain(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		id := e.channelRefund(1)
		ch := answering(fakeAnswer{err: errors.New("connection reset")},
			fakeAnswer{a: RefundAnswer{State: store.RefundFailed, ChannelRef: "RFD-NO"}},
			fakeAnswer{a: RefundAnswer{State: "pending", ChannelRef: "RFD-X"}},
			fakeAnswer{a: RefundAnswer{State: store.RefundIssued, ChannelRef: "has spaces 张三"}},
			issued("RFD-0003"))
		for i, failure := range []string{failureUnreachable, failureRefused, failureBadAnswer, failureBadAnswer} {
			e.clock.Add(time.Minute)
			r := e.mustIssue(ch, id, "S-1", "").Refund
			if r.State != store.RefundOwed || r.Failure != failure || r.FailedAt == nil ||
				!r.FailedAt.Equal(storeTime(e.clock.Now())) || r.Attempts != i+1 || r.IssuedRef != "" {
				t.Fatalf("attempt %d: %+v", i+1, r)
			}
			last := r.Steps[len(r.Steps)-1]
			if last.To != store.RefundFailed || last.Who != "channel" || !strings.HasPrefix(last.Note, failure) {
				t.Errorf("attempt %d's step: %+v", i+1, last)
			}
			if strings.Contains(last.Ref, "张") || strings.Contains(last.Note, "reset") {
				t.Errorf("the channel's text was stored: %+v", last)
			}
		}
		r := e.mustIssue(ch, id, "S-1", "").Refund
		if r.State != store.RefundIssued || r.Attempts != 5 || r.IssuedRef != "RFD-0003" || len(ch.asks()) != 5 {
			t.Errorf("the retry: %+v, %d asks", r, len(ch.asks()))
		}
		for _, a := range ch.asks() {
			if a.RefundID != id {
				t.Errorf("every ask carries the same refund id: %+v", a)
			}
		}
	})
}

// An ask left unanswered (its process died) blocks others until it is stale, then is taken
// over with the same refund id.
func TestRefundUnansweredAskIsTakenOverWhenStale(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		id := e.channelRefund(1)
		err := e.store.Tx(context.Background(), func(tx store.Tx) error {
			r, err := tx.LockRefund(id)
			if err != nil {
				return err
			}
			r.State, r.Attempts, r.IssuingAt = store.RefundIssuing, 1, e.clock.Now()
			return tx.UpdateRefund(r, store.RefundEvent{At: e.clock.Now(), From: store.RefundOwed, To: store.RefundIssuing, Who: "S-1"})
		})
		if err != nil {
			t.Fatal(err)
		}
		ch := answering(issued("RFD-0004"))
		e.clock.Add(refundAskStale - time.Second)
		if res := e.mustIssue(ch, id, "S-2", ""); res.Changed || res.Refund.State != store.RefundIssuing || len(ch.asks()) != 0 {
			t.Errorf("an ask in progress: %+v, %d asks", res, len(ch.asks()))
		}
		e.clock.Add(time.Second)
		res := e.mustIssue(ch, id, "S-2", "")
		if res.Refund.State != store.RefundIssued || res.Refund.Attempts != 2 || len(ch.asks()) != 1 ||
			ch.asks()[0].RefundID != id || !strings.Contains(steps(res.Refund), "issuing>issuing by S-2") {
			t.Errorf("a stale ask taken over: %+v, %d asks", res, len(ch.asks()))
		}
	})
}

// A card payment's refund is paid back at a counter: issuing records the staff's reference,
// settling needs one too, and settling twice changes nothing. Refunds of channel money go to the
// channel unless staff pay them back at the counter.
func TestRefundAtTheCounter(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		now := e.clock.Now()
		e.send(payOp("op-1", 1, now, "NO-SUCH", 4200, 0))
		id := store.RefundIDFor("op-1/1")
		ch := answering(issued("RFD-NEVER"))
		if _, err := e.issue(ch, id, "S-1", ""); !isRefused(err, "pay it back at the counter") {
			t.Errorf("a card refund without a reference: %v", err)
		}
		if _, err := e.srv.SettleRefundByStaff(context.Background(), RefundSettle{RefundID: id, Staff: "S-1", Ref: "V-1"}); !isRefused(err, "issue it first") {
			t.Errorf("settling an owed refund: %v", err)
		}
		e.clock.Add(time.Hour)
		r := e.mustIssue(ch, strings.ToLower(id), "S-1", "CTR-2026-0042").Refund
		if r.State != store.RefundIssued || r.IssuedBy != "S-1" || r.IssuedRef != "CTR-2026-0042" || len(ch.asks()) != 0 {
			t.Fatalf("paid back at the counter: %+v", r)
		}
		e.clock.Add(time.Hour)
		res, err := e.srv.SettleRefundByStaff(context.Background(), RefundSettle{RefundID: id, Staff: "S-2", Ref: "BANK-88"})
		if err != nil || !res.Changed || res.Refund.State != store.RefundSettled || res.Refund.SettledBy != "S-2" ||
			res.Refund.SettledRef != "BANK-88" || !res.Refund.SettledAt.Equal(storeTime(e.clock.Now())) {
			t.Fatalf("settled by staff: %+v %v", res, err)
		}
		res, err = e.srv.SettleRefundByStaff(context.Background(), RefundSettle{RefundID: id, Staff: "S-3", Ref: "OTHER"})
		if err != nil || res.Changed || res.Refund.SettledRef != "BANK-88" || len(res.Refund.Steps) != 3 {
			t.Errorf("settled twice: %+v %v", res, err)
		}

		// Channel money: refused without a channel, paid back at the counter when staff say so.
		cid := e.channelRefund(2)
		if _, err := e.issue(nil, cid, "S-1", ""); !isRefused(err, "no channel is configured") {
			t.Errorf("a channel refund without a channel: %v", err)
		}
		res, err = e.srv.IssueRefund(context.Background(), ch, RefundIssue{RefundID: cid, Staff: "S-1", Ref: "CTR-7", Counter: true})
		if err != nil || res.Refund.State != store.RefundIssued || res.Refund.IssuedBy != "S-1" || len(ch.asks()) != 0 {
			t.Errorf("a channel refund paid back at the counter: %+v %v", res, err)
		}
		if _, err := e.issue(nil, cid, "S-1", "CTR-8"); err != nil {
			t.Errorf("issuing an issued refund again answers as recorded: %v", err)
		}
	})
}

func isRefused(err error, says string) bool {
	var r *refusedError
	return errors.As(err, &r) && strings.Contains(r.msg, says)
}

// A refund is never issued for more than the payment it pays back, whatever its record says.
func TestRefundAmountNeverExceedsThePayment(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		now := e.clock.Now()
		if r := e.send(processOp("op-1", 1, now, 1, "V-A-1"))[0]; r.Outcome != api.OutcomeApplied {
			t.Fatalf("process: %+v", r)
		}
		e.send(payOp("op-2", 2, now, "V-A-1", 5100, 0)) // 1 yuan too much
		id := store.RefundIDFor("op-2/1/refund")
		if r := e.refund(id); r.AmountFen != 100 {
			t.Fatalf("the excess: %+v", r)
		}
		// Records whose amount exceeds their payment (the refund payment, or the payment it is
		// the excess of), or that name a payment that is not a refund or none, are refused
		// before anything is asked.
		pays := []model.Payment{
			{ID: "op-7/1", Fine: 100, Refund: true},
			{ID: "op-8/1", Fine: 50},
			{ID: "op-8/1/refund", Fine: 100, Refund: true},
			{ID: "op-9/1", Fine: 100},
		}
		forged := []store.Refund{
			{ID: "RF00000000000000A1", PaymentID: "op-7/1", Amount: 101},
			{ID: "RF00000000000000A2", PaymentID: "op-8/1/refund", Amount: 100},
			{ID: "RF00000000000000A3", PaymentID: "op-9/1", Amount: 100},
			{ID: "RF00000000000000A4", PaymentID: "op-404/1", Amount: 1},
		}
		err := e.store.Tx(context.Background(), func(tx store.Tx) error {
			for _, p := range pays {
				p.PaidAt, p.Method = now, model.PayQR
				if err := tx.InsertPayment("V-A-1", p); err != nil {
					return err
				}
			}
			for _, f := range forged {
				f.ViolationID, f.Method, f.State, f.CreatedAt, f.ChannelTxnID = "V-A-1", "qr", store.RefundOwed, now, "CH-1"
				if err := tx.InsertRefund(f, "platform"); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		ch := answering(issued("RFD-X"))
		for _, f := range forged {
			if _, err := e.issue(ch, f.ID, "S-1", ""); !isRefused(err, "does not match the payment") {
				t.Errorf("%s: %v", f.PaymentID, err)
			}
			if r := e.refund(f.ID); r.State != store.RefundOwed || len(r.Steps) != 1 {
				t.Errorf("%s changed: %+v", f.PaymentID, r)
			}
		}
		if len(ch.asks()) != 0 {
			t.Errorf("the channel was asked: %+v", ch.asks())
		}
		if r := e.mustIssue(ch, id, "S-1", "CTR-1").Refund; r.State != store.RefundIssued {
			t.Errorf("the true excess: %+v", r)
		}
	})
}

// Bad input gets a message that says what to type.
func TestRefundStepsCheckTheirInput(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		e.send(payOp("op-1", 1, e.clock.Now(), "NO-SUCH", 4200, 0))
		id := store.RefundIDFor("op-1/1")
		for _, c := range []struct {
			req  RefundIssue
			says string
		}{
			{RefundIssue{RefundID: "42", Staff: "S-1", Ref: "R"}, "is not a refund id"},
			{RefundIssue{RefundID: "RF0000000000000000", Staff: "S-1", Ref: "R"}, "no refund RF0000000000000000"},
			{RefundIssue{RefundID: id, Ref: "R"}, "--staff"},
			{RefundIssue{RefundID: id, Staff: "channel", Ref: "R"}, "--staff"},
			{RefundIssue{RefundID: id, Staff: "王芳", Ref: "R"}, "--staff"},
			{RefundIssue{RefundID: id, Staff: "S-1", Ref: "张三 paid"}, "no spaces, no names"},
			{RefundIssue{RefundID: id, Staff: "S-1", Ref: strings.Repeat("1", 65)}, "1 to 64"},
			{RefundIssue{RefundID: id, Staff: "S-1", Counter: true}, "--ref"},
		} {
			if _, err := e.srv.IssueRefund(context.Background(), nil, c.req); !isRefused(err, c.says) {
				t.Errorf("%+v: %v, want a refusal saying %q", c.req, err, c.says)
			}
		}
		if _, err := e.srv.SettleRefundByStaff(context.Background(), RefundSettle{RefundID: id, Staff: "S-1"}); !isRefused(err, "--ref") {
			t.Errorf("settle without a reference: %v", err)
		}
		if _, err := ReadAdminRefunds(context.Background(), e.store, "paid"); !isRefused(err, "owed, issuing, issued, settled") {
			t.Errorf("an unknown state: %v", err)
		}
		if r := e.refund(id); len(r.Steps) != 1 {
			t.Errorf("a refused step was recorded: %+v", r)
		}
	})
}

// /metrics counts refunds by state from the store (every state, 0 included) and the steps this
// process took.
func TestRefundMetrics(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		e.send(payOp("op-1", 1, e.clock.Now(), "NO-SUCH", 4200, 0), payOp("op-2", 2, e.clock.Now(), "NO-SUCH-2", 4200, 0))
		e.mustIssue(nil, store.RefundIDFor("op-1/1"), "S-1", "CTR-1")
		rec := httptest.NewRecorder()
		e.srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		body, _ := io.ReadAll(rec.Body)
		for _, want := range []string{`kiosk_refunds{state="owed"} 1`, `kiosk_refunds{state="issuing"} 0`,
			`kiosk_refunds{state="issued"} 1`, `kiosk_refunds{state="settled"} 0`, `kiosk_refund_steps_total{to="issued"} 1`} {
			if !strings.Contains(string(body), want+"\n") {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
}

// The refund commands of the admin socket, with a channel behind it: list, issue, settle, and
// the refusals as the operator reads them.
func TestAdminRefundRoutes(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		id := e.channelRefund(1)
		ch := answering(issued("RFD-0005"))
		call := adminSocketClient(t, e.srv.AdminHandlerWith(AdminOptions{RefundIssuer: ch}))
		var list []AdminRefund
		if status := call("GET", "/refunds?state=owed", nil, &list); status != 200 || len(list) != 1 || list[0].ID != id {
			t.Fatalf("list: %d %+v", status, list)
		}
		var res AdminRefundResult
		if status := call("POST", "/refunds/issue", RefundIssue{RefundID: id, Staff: "S-1"}, &res); status != 200 ||
			res.Refund.State != store.RefundIssued || res.Refund.IssuedRef != "RFD-0005" {
			t.Fatalf("issue: %d %+v", status, res)
		}
		if status := call("POST", "/refunds/settle", RefundSettle{RefundID: id, Staff: "S-1", Ref: "BANK-1"}, &res); status != 200 ||
			res.Refund.State != store.RefundSettled || res.Refund.SettledBy != "S-1" {
			t.Fatalf("settle: %d %+v", status, res)
		}
		var refusal api.Error
		if status := call("GET", "/refunds?state=lost", nil, &refusal); status != 400 || !strings.Contains(refusal.Message, "no state") {
			t.Errorf("a bad state: %d %+v", status, refusal)
		}
		if status := call("POST", "/refunds/issue", map[string]any{"refund_id": 7}, &refusal); status != 400 {
			t.Errorf("a body of the wrong shape: %d %+v", status, refusal)
		}
		if len(ch.asks()) != 1 {
			t.Errorf("asks: %d", len(ch.asks()))
		}
		if logs := e.logs.String(); strings.Contains(logs, idA) || strings.Contains(logs, "S-1") {
			t.Errorf("the log names a person or a staff member:\n%s", logs)
		}
	})
}

// adminSocketClient serves h on a Unix socket as `kiosk serve` does (so the peer check runs) and
// returns a caller: method, route, body (JSON-encoded unless nil), what to decode the answer into.
func adminSocketClient(t *testing.T, h http.Handler) func(method, route string, body, out any) int {
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
			c, err := d.DialContext(ctx, "unix", sock)
			if err == nil {
				return c, nil
			}
			time.Sleep(10 * time.Millisecond) // the socket appears when ServeAdmin listens
		}
		return d.DialContext(ctx, "unix", sock)
	}}}
	t.Cleanup(client.CloseIdleConnections)
	return func(method, route string, body, out any) int {
		t.Helper()
		var r io.Reader
		if body != nil {
			b, err := json.Marshal(body)
			if err != nil {
				t.Fatal(err)
			}
			r = bytes.NewReader(b)
		}
		req, err := http.NewRequest(method, "http://admin"+route, r)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, route, err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: answer: %v", method, route, err)
		}
		return resp.StatusCode
	}
}

// The server's own channels issue a refund: the refund goes to the channel its money came
// through (here the simulated one, which pays back at once), and the channel's words for the
// state become the record's.
func TestRefundIssuedThroughTheServersChannels(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		id := e.channelRefund(1)
		res := e.mustIssue(e.srv.ChannelRefunds(), id, "S-017", "")
		if r := res.Refund; !res.Changed || r.State != store.RefundSettled || r.Channel != channel.SimulatedName ||
			!strings.HasPrefix(r.IssuedRef, "SIMRF-") {
			t.Fatalf("issued through the simulated channel: %+v", res)
		}
		// A refund naming a channel the server does not have is not issued, and stays owed.
		_, err := e.srv.ChannelRefunds().IssueRefund(context.Background(), RefundRequest{Channel: "no-such-bank",
			RefundID: "RF0000000000000001", OrderID: "order-1", ChannelTxnID: "T", AmountFen: 100})
		if err == nil || !strings.Contains(err.Error(), "no-such-bank") {
			t.Errorf("an unknown channel: %v", err)
		}
	})
}
