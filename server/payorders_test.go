package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

func orderReq(id string, items ...api.PayItem) api.PayOrderRequest {
	return api.PayOrderRequest{OrderID: id, PayerID: idA, Items: items}
}

func item(violation string, fine, late int64) api.PayItem {
	return api.PayItem{ViolationID: violation, FineFen: fine, LateFeeFen: late}
}

// decidedItem is V-DECIDED as a kiosk shows it on 2026-11-21: 100 yuan, decided 2026-09-10, due
// 09-25, so 57 days late and the late fee capped at the fine.
func decidedItem() api.PayItem { return item("V-DECIDED", 10000, 10000) }

func (e *env) createOrder(req api.PayOrderRequest) api.PayOrder {
	e.t.Helper()
	o, err := e.client.CreatePayOrder(context.Background(), req)
	if err != nil {
		e.t.Fatalf("create pay order: %v", err)
	}
	return o
}

// orderCall runs a client call on an order that must succeed.
func (e *env) orderCall(call func(context.Context, string) (api.PayOrder, error), id string) api.PayOrder {
	e.t.Helper()
	o, err := call(context.Background(), id)
	if err != nil {
		e.t.Fatalf("order %s: %v", id, err)
	}
	return o
}

// storedOrder reads an order from the store; ok is false when there is none.
func (e *env) storedOrder(id string) (store.PayOrder, bool) {
	e.t.Helper()
	var o store.PayOrder
	err := e.store.Read(context.Background(), func(r store.Reader) error {
		var err error
		o, err = r.PayOrder(id)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return o, false
	} else if err != nil {
		e.t.Fatal(err)
	}
	return o, true
}

// wantStatusError fails unless err is an answer with this status and error code.
func wantStatusError(t *testing.T, what string, err error, status int, code string) {
	t.Helper()
	var se *api.StatusError
	if !errors.As(err, &se) || se.Status != status || se.Body.Code != code {
		t.Errorf("%s: %v, want %d %s", what, err, status, code)
	}
}

var qrPattern = regexp.MustCompile(`^HKPAY:[A-Z2-7]{12}$`)

func TestPayOrderCreate(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		now := e.clock.Now()
		// The kiosk's amounts are what it showed; the order charges what the server computes.
		req := orderReq("0b5e7c2a-1f3d-4e8b-9a6c-5d4e3f2a1b0c", item("V-DECIDED", 10000, 0))
		o := e.createOrder(req)
		if o.Status != api.PayOrderWaiting || o.OrderID != req.OrderID || o.AmountFen != 20000 ||
			!reflect.DeepEqual(o.Items, []api.PayItem{decidedItem()}) || !o.ExpiresAt.Equal(now.Add(15*time.Minute)) ||
			o.PaidAt != nil || len(o.Payments)+len(o.Reasons) != 0 {
			t.Fatalf("new order: %+v", o)
		}
		if len(o.QR) > 24 || !qrPattern.MatchString(o.QR) || strings.Contains(o.QR, req.OrderID) {
			t.Errorf("QR text %q: want HKPAY: and a 12-character token, at most 24 characters", o.QR)
		}
		stored, ok := e.storedOrder(req.OrderID)
		if !ok || stored.KioskID != e.kiosk.KioskID || stored.PayerID != idA || stored.Status != api.PayOrderWaiting ||
			stored.Amount != 20000 || qrPrefix+stored.Token != o.QR || !stored.CreatedAt.Equal(now) {
			t.Errorf("stored order: %+v", stored)
		}

		// A retry gets the same order; the same id with other content, or from another kiosk, is refused.
		if again := e.createOrder(req); !reflect.DeepEqual(again, o) {
			t.Errorf("retry:\n%+v\nwant\n%+v", again, o)
		}
		other := req
		other.Items = []api.PayItem{decidedItem()}
		_, err := e.client.CreatePayOrder(context.Background(), other)
		wantStatusError(t, "same id, other items", err, http.StatusConflict, "order_id_reused")
		k2, err := Enroll(context.Background(), e.store, e.ref, "kiosk 2", "hall", "national", now)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.newClient(k2).CreatePayOrder(context.Background(), req)
		wantStatusError(t, "same id, another kiosk", err, http.StatusConflict, "order_id_reused")
		if s, _ := e.storedOrder(req.OrderID); !reflect.DeepEqual(s, stored) {
			t.Errorf("a refused reuse changed the order: %+v", s)
		}

		// Every order has its own token.
		o2 := e.createOrder(orderReq("order-2", decidedItem()))
		if o2.QR == o.QR || !qrPattern.MatchString(o2.QR) {
			t.Errorf("second order's QR %q (first %q)", o2.QR, o.QR)
		}
		if m := e.metricsText(); !strings.Contains(m, `kiosk_pay_orders_total{event="created"} 2`) {
			t.Errorf("metrics should count 2 created orders:\n%s", m)
		}
	})
}

// An order with an item that cannot be paid is refused with a reason per item, and nothing is
// stored: the same id may be used again once the items can be paid.
func TestPayOrderRefused(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		disputed := e.violation("V-DECIDED")
		disputed.ID, disputed.Status, disputed.Decision = "V-DISPUTED", model.StatusDisputed, mustDecision(t, 901)
		if err := e.store.Tx(ctx, func(tx store.Tx) error { return tx.PutViolation(disputed) }); err != nil {
			t.Fatal(err)
		}
		if r := e.send(processOp("op-1", 1, e.clock.Now(), 1, "V-A-1"), payOp("op-2", 2, e.clock.Now(), "V-A-1", 5000, 0)); r[1].Outcome != api.OutcomeApplied {
			t.Fatalf("paying V-A-1 at a kiosk: %+v", r[1])
		}
		req := orderReq("order-1", decidedItem(), item("V-A-6", 20000, 0), item("NO-SUCH", 100, 0),
			item("V-DISPUTED", 10000, 0), item("V-A-1", 5000, 0), decidedItem())
		o := e.createOrder(req)
		want := []api.Reason{
			{Code: string(model.ReasonPayNotDecided), ViolationID: "V-A-6"},
			{Code: string(model.ReasonViolationUnknown), ViolationID: "NO-SUCH"},
			{Code: string(model.ReasonPayDisputed), ViolationID: "V-DISPUTED", Got: disputed.Office},
			{Code: string(model.ReasonPayPaid), ViolationID: "V-A-1"},
			{Code: string(model.ReasonOpMalformed), ViolationID: "V-DECIDED"}, // named twice
		}
		if o.Status != api.PayOrderRefused || o.OrderID != "order-1" || o.QR != "" || o.AmountFen != 0 ||
			!reflect.DeepEqual(o.Reasons, want) {
			t.Errorf("refused order: %+v\nwant reasons %+v", o, want)
		}
		if _, ok := e.storedOrder("order-1"); ok {
			t.Error("a refused order was stored")
		}
		_, err := e.client.PayOrder(ctx, "order-1")
		wantStatusError(t, "reading a refused order", err, http.StatusNotFound, "unknown_order")
		// The same id with payable items now creates the order.
		if o := e.createOrder(orderReq("order-1", decidedItem())); o.Status != api.PayOrderWaiting {
			t.Errorf("after a refusal, the same id: %+v", o)
		}
	})
}

func TestPayOrderBadRequests(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/server.db")
	ctx := context.Background()
	many := make([]api.PayItem, 51)
	for i := range many {
		many[i] = item("V-"+strings.Repeat("x", i), 1, 0)
	}
	badPayer := orderReq("o-1", decidedItem())
	badPayer.PayerID = "440308199901101513" // wrong check character
	for what, c := range map[string]struct {
		req  api.PayOrderRequest
		code string
	}{
		"order id with a slash": {orderReq("a/b", decidedItem()), "bad_request"},
		"order id of 65":        {orderReq(strings.Repeat("a", 65), decidedItem()), "bad_request"},
		"no order id":           {orderReq("", decidedItem()), "bad_request"},
		"no items":              {orderReq("o-1"), "bad_request"},
		"51 items":              {orderReq("o-1", many...), "bad_request"},
		"negative amount":       {orderReq("o-1", item("V-DECIDED", -1, 0)), "bad_request"},
		"payer ID number":       {badPayer, string(model.InputIDCheck)},
	} {
		_, err := e.client.CreatePayOrder(ctx, c.req)
		wantStatusError(t, what, err, http.StatusBadRequest, c.code)
	}
	if s := e.raw("POST", "/v1/payorders", []byte(`{"order_id":"o-1","payer_id":"`+idA+`","items":[],"tip":1}`), nil); s != 400 {
		t.Errorf("unknown field: %d, want 400", s)
	}
	assertNoPersonalData(t, e.logs.String())
}

// An order belongs to the kiosk that created it: any other gets the answer of an unknown order.
func TestPayOrderOtherKiosk(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/server.db", simulatedPayments)
	ctx := context.Background()
	e.createOrder(orderReq("order-1", decidedItem()))
	k2, err := Enroll(ctx, e.store, e.ref, "kiosk 2", "hall", "national", e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	other := e.newClient(k2)
	for what, call := range map[string]func(context.Context, string) (api.PayOrder, error){
		"read": other.PayOrder, "cancel": other.CancelPayOrder, "simulate paid": other.SimulatePaid,
	} {
		_, err := call(ctx, "order-1")
		wantStatusError(t, what+" by another kiosk", err, http.StatusNotFound, "unknown_order")
		_, err = call(ctx, "no-such-order")
		wantStatusError(t, what+" of an unknown order", err, http.StatusNotFound, "unknown_order")
	}
	if o := e.orderCall(e.client.PayOrder, "order-1"); o.Status != api.PayOrderWaiting {
		t.Errorf("the other kiosk changed the order: %+v", o)
	}
	if ps := e.payments("V-DECIDED"); len(ps) != 0 {
		t.Errorf("another kiosk's simulated payment was recorded: %+v", ps)
	}
}

func TestPayOrderExpiry(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		req := orderReq("order-1", decidedItem())
		created := e.createOrder(req)
		e.clock.Add(15*time.Minute - time.Second)
		if o := e.orderCall(e.client.PayOrder, "order-1"); !reflect.DeepEqual(o, created) {
			t.Errorf("a second before expiry: %+v", o)
		}
		e.clock.Add(time.Second)
		o := e.orderCall(e.client.PayOrder, "order-1")
		if o.Status != api.PayOrderExpired || o.QR != "" || !o.ExpiresAt.Equal(created.ExpiresAt) {
			t.Errorf("at expiry: %+v", o)
		}
		if s, _ := e.storedOrder("order-1"); s.Status != api.PayOrderExpired {
			t.Errorf("the expiry was not stored: %s", s.Status)
		}
		// Neither a retry of the creation nor another poll makes a new order.
		if o := e.createOrder(req); o.Status != api.PayOrderExpired {
			t.Errorf("retry after expiry: %+v", o)
		}
		e.orderCall(e.client.PayOrder, "order-1")
		if m := e.metricsText(); !strings.Contains(m, `kiosk_pay_orders_total{event="expired"} 1`) {
			t.Errorf("metrics should count one expiry:\n%s", m)
		}
		// A retry of a creation whose answer was lost after the expiry finds it expired too.
		e.createOrder(orderReq("order-2", decidedItem()))
		e.clock.Add(time.Hour)
		if o := e.createOrder(orderReq("order-2", decidedItem())); o.Status != api.PayOrderExpired {
			t.Errorf("retry of an order that expired unseen: %+v", o)
		}
	})
}

func TestPayOrderCancel(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		e.createOrder(orderReq("waiting", decidedItem()))
		for range 2 {
			if o := e.orderCall(e.client.CancelPayOrder, "waiting"); o.Status != api.PayOrderCancelled || o.QR != "" {
				t.Errorf("cancel a waiting order: %+v", o)
			}
		}
		if o := e.orderCall(e.client.PayOrder, "waiting"); o.Status != api.PayOrderCancelled {
			t.Errorf("read after cancel: %+v", o)
		}
		e.createOrder(orderReq("late", decidedItem()))
		// A paid order stays paid, and the answer says so.
		e.createOrder(orderReq("paid", decidedItem()))
		e.orderCall(e.client.SimulatePaid, "paid")
		if o := e.orderCall(e.client.CancelPayOrder, "paid"); o.Status != api.PayOrderPaid || len(o.Payments) != 1 {
			t.Errorf("cancel a paid order: %+v", o)
		}
		// An order whose time is up is expired, not cancelled.
		e.clock.Add(time.Hour)
		if o := e.orderCall(e.client.CancelPayOrder, "late"); o.Status != api.PayOrderExpired {
			t.Errorf("cancel an expired order: %+v", o)
		}
	}, simulatedPayments)
}

func TestPayOrderSimulatePaid(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		now := e.clock.Now()
		e.createOrder(orderReq("order-1", item("V-DECIDED", 10000, 10000)))
		e.clock.Add(time.Minute)
		paid := e.orderCall(e.client.SimulatePaid, "order-1")
		at := now.Add(time.Minute)
		want := []api.Payment{{ID: "payorder:order-1/1", ViolationID: "V-DECIDED", Decision: string(mustDecision(t, 900)),
			FineFen: 10000, LateFeeFen: 10000, PaidAt: at.UTC(), Method: "qr"}}
		if paid.Status != api.PayOrderPaid || paid.PaidAt == nil || !paid.PaidAt.Equal(at) || paid.QR != "" ||
			!regexp.MustCompile(`^SIMQR-[0-9a-f]{16}$`).MatchString(paid.Reference) || len(paid.Reasons) != 0 ||
			!reflect.DeepEqual(paid.Payments, want) {
			t.Fatalf("paid order: %+v\nwant payments %+v", paid, want)
		}
		// The payment is recorded as a kiosk's would be: the violation is paid, its points too.
		if ps := e.payments("V-DECIDED"); len(ps) != 1 || ps[0].ID != "payorder:order-1/1" || ps[0].Method != model.PayQR ||
			ps[0].Total() != 20000 || ps[0].Refund || !ps[0].PaidAt.Equal(at) {
			t.Errorf("payments: %+v", ps)
		}
		lookup, err := e.client.Lookup(ctx, api.Identify{IDNumber: idA, FileNumber: fileA})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range lookup.Violations {
			if v.ID == "V-DECIDED" && (v.Status != string(model.StatusPaid) || v.PaidAt == nil || !v.PaidAt.Equal(at)) {
				t.Errorf("in a lookup after the payment: %+v", v)
			}
		}
		var entries []model.PointsEntry
		_ = e.store.Read(ctx, func(r store.Reader) error { entries, _ = r.PointsEntries(idA); return nil })
		if len(entries) != 1 || !entries[0].PaidAt.Equal(at) {
			t.Errorf("points entry after the payment: %+v", entries)
		}

		// Again: the same answer, nothing recorded twice; reading and cancelling say paid.
		e.clock.Add(time.Minute)
		if again := e.orderCall(e.client.SimulatePaid, "order-1"); !reflect.DeepEqual(again, paid) {
			t.Errorf("second simulate-paid:\n%+v\nwant\n%+v", again, paid)
		}
		if read := e.orderCall(e.client.PayOrder, "order-1"); !reflect.DeepEqual(read, paid) {
			t.Errorf("read after payment:\n%+v\nwant\n%+v", read, paid)
		}
		if ps := e.payments("V-DECIDED"); len(ps) != 1 {
			t.Errorf("%d payment records after a repeated notice, want 1", len(ps))
		}
		if m := e.metricsText(); !strings.Contains(m, `kiosk_pay_orders_total{event="paid"} 1`) {
			t.Errorf("metrics should count one paid order:\n%s", m)
		}
		logs := e.logs.String()
		if !strings.Contains(logs, `"msg":"payment order paid"`) {
			t.Error("no log line for the payment")
		}
		assertNoPersonalData(t, logs)
	}, simulatedPayments)
}

// TestPayOrderSimulatePaidConcurrent sends 10 payment notices for one order at once: one
// payment is recorded, and every answer is the same paid order.
func TestPayOrderSimulatePaidConcurrent(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		e.createOrder(orderReq("order-1", decidedItem()))
		answers := make([]api.PayOrder, 10)
		errs := make([]error, 10)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range answers {
			wg.Go(func() {
				<-start
				answers[i], errs[i] = e.client.SimulatePaid(context.Background(), "order-1")
			})
		}
		close(start)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		for i, a := range answers {
			if a.Status != api.PayOrderPaid || !reflect.DeepEqual(a, answers[0]) {
				t.Errorf("answer %d: %+v\nanswer 0: %+v", i, a, answers[0])
			}
		}
		if ps := e.payments("V-DECIDED"); len(ps) != 1 {
			t.Errorf("%d payment records from 10 concurrent notices, want 1: %+v", len(ps), ps)
		}
	}, simulatedPayments)
}

// The late fee is judged when the money arrives, as for a kiosk's payment: an order created on
// the due date and paid after midnight is short by a day's late fee.
func TestPayOrderLateFeeAtPaymentTime(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		r := e.send(processOp("op-1", 1, e.clock.Now(), 1, "V-A-1"))[0] // 50 yuan, due 2026-12-06
		if r.Outcome != api.OutcomeApplied || r.Decisions[0].DueDate != "2026-12-06" {
			t.Fatalf("process: %+v", r)
		}
		e.clock.Add(15*24*time.Hour + 13*time.Hour + 55*time.Minute) // 2026-12-06 23:55, China time
		o := e.createOrder(orderReq("order-1", item("V-A-1", 5000, 0)))
		if o.AmountFen != 5000 {
			t.Fatalf("on the due date: %+v", o)
		}
		e.clock.Add(10 * time.Minute) // 00:05 the next day: one late day, 3 % of 50 yuan
		paid := e.orderCall(e.client.SimulatePaid, "order-1")
		want := []api.Reason{{Code: string(model.ReasonPayShort), ViolationID: "V-A-1", Fen: 5000, LimitFen: 5150}}
		if paid.Status != api.PayOrderPaid || !reflect.DeepEqual(paid.Reasons, want) || len(paid.Payments) != 1 ||
			paid.Payments[0].Refund || paid.Payments[0].FineFen != 5000 {
			t.Errorf("paid after midnight: %+v", paid)
		}
		if v := e.violation("V-A-1"); v.Status != model.StatusProcessed {
			t.Errorf("a short payment must leave the violation unpaid: %s", v.Status)
		}
		// A new order charges what is left: the late fee.
		if o := e.createOrder(orderReq("order-2", item("V-A-1", 0, 150))); o.AmountFen != 150 ||
			!reflect.DeepEqual(o.Items, []api.PayItem{item("V-A-1", 0, 150)}) {
			t.Errorf("order for the rest: %+v", o)
		}
	}, simulatedPayments)
}

// A payment is a fact: an order paid after it expired is recorded, and one for a violation that
// was paid meanwhile becomes a refund record.
func TestPayOrderPaidAfterExpiry(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		e.createOrder(orderReq("first", decidedItem()))
		e.createOrder(orderReq("second", decidedItem()))
		e.clock.Add(20 * time.Minute)
		if o := e.orderCall(e.client.PayOrder, "first"); o.Status != api.PayOrderExpired {
			t.Fatalf("after 20 minutes: %+v", o)
		}
		first := e.orderCall(e.client.SimulatePaid, "first")
		if first.Status != api.PayOrderPaid || len(first.Payments) != 1 || first.Payments[0].Refund || len(first.Reasons) != 0 {
			t.Errorf("expired order paid: %+v", first)
		}
		if v := e.violation("V-DECIDED"); v.Status != model.StatusPaid {
			t.Errorf("the violation must be paid: %s", v.Status)
		}
		e.orderCall(e.client.CancelPayOrder, "second")
		second := e.orderCall(e.client.SimulatePaid, "second")
		if second.Status != api.PayOrderPaid || len(second.Payments) != 1 || !second.Payments[0].Refund ||
			len(second.Reasons) != 1 || second.Reasons[0].Code != string(model.ReasonPayPaid) {
			t.Errorf("cancelled order for a violation paid meanwhile: %+v", second)
		}
		if ps := e.payments("V-DECIDED"); len(ps) != 2 || ps[0].Refund || !ps[1].Refund {
			t.Errorf("payments: %+v", ps)
		}
	}, simulatedPayments)
}

// Without SimulatePayments the route does not exist: signed or not, the answer is the server's
// neutral not-found, and nothing is paid.
func TestSimulatePaidNeedsConfig(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		e.createOrder(orderReq("order-1", decidedItem()))
		_, err := e.client.SimulatePaid(context.Background(), "order-1")
		wantStatusError(t, "signed", err, http.StatusNotFound, "not_found")
		body := func(path string) string {
			resp, err := http.Post(e.http.URL+path, "application/json", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.Status + " " + string(b)
		}
		if got, want := body("/v1/payorders/order-1/simulate-paid"), body("/v1/no-such-route"); got != want {
			t.Errorf("unsigned: %s, want the catch-all's %s", got, want)
		}
		if o := e.orderCall(e.client.PayOrder, "order-1"); o.Status != api.PayOrderWaiting {
			t.Errorf("order after a refused simulation: %+v", o)
		}
		if ps := e.payments("V-DECIDED"); len(ps) != 0 {
			t.Errorf("payments: %+v", ps)
		}
	})
}

// NewDemo's server simulates payments, as demo mode's staff key needs: the route exists (an
// unsigned request is refused as unsigned, not as unknown).
func TestDemoSimulatesPayments(t *testing.T) {
	d, err := NewDemo(context.Background(), t.TempDir(), "national", 1, 0, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	srv := httptest.NewServer(d.Server.Handler())
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/v1/payorders/order-1/simulate-paid", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("simulate-paid on the demo server: %d, want 401 (the route is served)", resp.StatusCode)
	}
}
