package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/internal/pgtest"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/channel"
	"github.com/hallkiosk/kiosk/server/channel/channelsim"
	"github.com/hallkiosk/kiosk/server/store"
)

// bankMerchant is our merchant id at the test channel "bank".
const bankMerchant = "M1000001"

// bank is a generic HTTP channel named "bank" served by a channel simulator: the test's view of
// the channel's side.
type bank struct {
	alg    string
	key    *channel.PrivateKey // the channel's: signs its answers and notices
	sim    *channelsim.Sim
	down   atomic.Bool // the channel's API answers 503
	notify atomic.Pointer[http.Handler]
	// notifyURL reaches the server's notify route (set once the server runs, through notify).
	notifyURL string
}

// withBank configures the server with the "bank" channel, algorithm alg, as its order channel.
// The channel simulator runs for the test's life; its notices reach the server once
// bank.serve is called with the server's handler.
func withBank(t testing.TB, alg string, b **bank) func(*Config) {
	t.Helper()
	channelKey, err := channel.GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	merchantKey, err := channel.GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	bk := &bank{alg: alg, key: channelKey}
	// The notice endpoint forwards to the server once it runs: the channel is built before it.
	notifySrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := bk.notify.Load(); h != nil {
			(*h).ServeHTTP(w, r)
			return
		}
		http.Error(w, "not yet", http.StatusServiceUnavailable)
	}))
	t.Cleanup(notifySrv.Close)
	bk.notifyURL = notifySrv.URL + "/v1/channels/bank/notify"
	simSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if bk.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		bk.sim.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(simSrv.Close)
	*b = bk
	return func(c *Config) {
		// The channel keeps the server's (test) clock: its signatures are judged by it.
		bk.sim = channelsim.New(channelsim.Config{MerchantID: bankMerchant, Key: channelKey,
			MerchantKeys: publicKeys(t, merchantKey), Now: c.Now,
			After: func(time.Duration) <-chan time.Time { return nil }})
		t.Cleanup(bk.sim.Close)
		ch, err := channel.NewHTTP(channel.HTTPConfig{Name: "bank", BaseURL: simSrv.URL, MerchantID: bankMerchant,
			NotifyURL: bk.notifyURL, Key: merchantKey, ChannelKeys: publicKeys(t, channelKey), Now: c.Now})
		if err != nil {
			t.Fatal(err)
		}
		c.Channels = append(c.Channels, ch)
	}
}

func publicKeys(t testing.TB, k *channel.PrivateKey) *channel.PublicKeys {
	t.Helper()
	pemBytes, err := k.PublicPEM()
	if err != nil {
		t.Fatal(err)
	}
	p, err := channel.ParsePublicKeys(pemBytes, k.Algorithm())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// forEachStoreWithBank runs f on both stores with the bank channel of algorithm alg; opts
// adjust the configuration further.
func forEachStoreWithBank(t *testing.T, alg string, f func(t *testing.T, e *env, b *bank), opts ...func(*Config)) {
	t.Run("sqlite", func(t *testing.T) {
		var b *bank
		e := newEnv(t, t.TempDir()+"/server.db", append([]func(*Config){withBank(t, alg, &b)}, opts...)...)
		h := e.srv.Handler()
		b.notify.Store(&h)
		f(t, e, b)
	})
	t.Run("postgres", func(t *testing.T) {
		var b *bank
		e := newEnv(t, pgtest.New(t), append([]func(*Config){withBank(t, alg, &b)}, opts...)...)
		h := e.srv.Handler()
		b.notify.Store(&h)
		f(t, e, b)
	})
}

// notice is a notification body as the bank would send it for order at amount.
func (b *bank) notice(order, tx string, amount int64, paid time.Time) []byte {
	body, _ := json.Marshal(channel.NoticeBody{NotifyID: "N-" + tx, EventType: channel.EventPaid, MchID: bankMerchant,
		OutTradeNo: order, TransactionID: tx, TradeState: channel.TradePaid, AmountFen: amount,
		Currency: channel.Currency, SuccessTime: channel.FormatTime(paid)})
	return body
}

// post sends a notice body signed by key (nil: the bank's) at the time signedAt to the server,
// and returns the status and the answer's code.
func (b *bank) post(t testing.TB, e *env, body []byte, key *channel.PrivateKey, signedAt time.Time) (int, string) {
	t.Helper()
	if key == nil {
		key = b.key
	}
	h := http.Header{}
	if err := channel.SignMessage(h, key, body, signedAt); err != nil {
		t.Fatal(err)
	}
	return postNotice(t, e, "bank", h, body)
}

func postNotice(t testing.TB, e *env, name string, h http.Header, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.http.URL+"/v1/channels/"+name+"/notify", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a channel.Answer
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("answer %d is not {code, message}: %s", resp.StatusCode, raw)
	}
	return resp.StatusCode, a.Code
}

// channelPayments lists what the store recorded of an order's channel payments.
func (e *env) channelPayments(order string) []store.ChannelPayment {
	e.t.Helper()
	var out []store.ChannelPayment
	if err := e.store.Read(context.Background(), func(r store.Reader) error {
		var err error
		out, err = r.ChannelPaymentsOfOrder(order)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// TestChannelNoticeRecordsOnce pays an order through the channel simulator with each algorithm:
// the order carries the channel's QR text, the simulator's signed notice pays it, and the same
// notice again, however often, records nothing more.
func TestChannelNoticeRecordsOnce(t *testing.T) {
	for _, alg := range []string{channel.RSA2, channel.SM2} {
		t.Run(alg, func(t *testing.T) {
			forEachStoreWithBank(t, alg, func(t *testing.T, e *env, b *bank) {
				o := e.createOrder(orderReq("order-1", decidedItem()))
				if o.Status != api.PayOrderWaiting || !strings.HasPrefix(o.QR, "HKCS:") || o.AmountFen != 20000 {
					t.Fatalf("order at the bank: %+v", o)
				}
				if stored, _ := e.storedOrder("order-1"); stored.Channel != "bank" || stored.QR != o.QR ||
					!strings.HasPrefix(stored.ChannelRef, "P") {
					t.Errorf("stored order: %+v", stored)
				}
				e.clock.Add(2 * time.Minute)
				p, err := b.sim.Pay("order-1", 0)
				if err != nil || !p.Delivered {
					t.Fatalf("the simulator paid: %+v %v", p, err)
				}
				paid := e.orderCall(e.client.PayOrder, "order-1")
				if paid.Status != api.PayOrderPaid || paid.Reference != p.TransactionID || paid.QR != "" ||
					len(paid.Payments) != 1 || paid.Payments[0].Refund || paid.Payments[0].FineFen != 10000 ||
					paid.Payments[0].LateFeeFen != 10000 || len(paid.Reasons) != 0 {
					t.Fatalf("paid order: %+v", paid)
				}
				if v := e.violation("V-DECIDED"); v.Status != model.StatusPaid {
					t.Errorf("violation after the notice: %s", v.Status)
				}
				body := b.notice("order-1", p.TransactionID, 20000, e.clock.Now())
				for i := range 3 {
					if status, code := b.post(t, e, body, nil, e.clock.Now()); status != http.StatusOK || code != channel.AnswerSuccess {
						t.Errorf("notice again (%d): %d %s", i, status, code)
					}
				}
				if again := e.orderCall(e.client.PayOrder, "order-1"); !reflect.DeepEqual(again, paid) {
					t.Errorf("after repeated notices:\n%+v\nwant\n%+v", again, paid)
				}
				if ps := e.payments("V-DECIDED"); len(ps) != 1 {
					t.Errorf("%d payment records, want 1: %+v", len(ps), ps)
				}
				if cps := e.channelPayments("order-1"); len(cps) != 1 || cps[0].TransactionID != p.TransactionID ||
					cps[0].Amount != 20000 || cps[0].Channel != "bank" {
					t.Errorf("channel payments: %+v", cps)
				}
				assertNoPersonalData(t, e.logs.String())
			})
		})
	}
}

// Twenty deliveries of one payment's notice arrive at once (each signed afresh, as a channel's
// retries are): one payment is recorded and every answer is SUCCESS.
func TestChannelNoticeConcurrent(t *testing.T) {
	for _, alg := range []string{channel.RSA2, channel.SM2} {
		t.Run(alg, func(t *testing.T) {
			forEachStoreWithBank(t, alg, func(t *testing.T, e *env, b *bank) {
				e.createOrder(orderReq("order-1", decidedItem()))
				body := b.notice("order-1", "4200002026112110031200000001", 20000, e.clock.Now())
				headers := make([]http.Header, 20)
				for i := range headers {
					headers[i] = http.Header{}
					if err := channel.SignMessage(headers[i], b.key, body, e.clock.Now()); err != nil {
						t.Fatal(err)
					}
				}
				var (
					wg    sync.WaitGroup
					mu    sync.Mutex
					codes []string
				)
				start := make(chan struct{})
				for _, h := range headers {
					wg.Go(func() {
						<-start
						status, code := postNotice(t, e, "bank", h, body)
						mu.Lock()
						codes = append(codes, fmt.Sprintf("%d %s", status, code))
						mu.Unlock()
					})
				}
				close(start)
				wg.Wait()
				for _, c := range codes {
					if c != "200 SUCCESS" {
						t.Errorf("answers: %v", codes)
						break
					}
				}
				if ps := e.payments("V-DECIDED"); len(ps) != 1 {
					t.Errorf("%d payment records from 20 concurrent notices, want 1: %+v", len(ps), ps)
				}
				if cps := e.channelPayments("order-1"); len(cps) != 1 {
					t.Errorf("channel payments: %+v", cps)
				}
				if o := e.orderCall(e.client.PayOrder, "order-1"); o.Status != api.PayOrderPaid {
					t.Errorf("order: %+v", o)
				}
			})
		})
	}
}

// A forged or altered notice is refused and changes nothing: a changed byte, another key, the
// other algorithm, no signature, a stale or replayed one; and so are notices for an unknown
// channel, another merchant, an unknown order, or a body that is not a notice.
func TestChannelNoticeRefused(t *testing.T) {
	forEachStoreWithBank(t, channel.RSA2, func(t *testing.T, e *env, b *bank) {
		e.createOrder(orderReq("order-1", decidedItem()))
		now := e.clock.Now()
		good := b.notice("order-1", "4200002026112110031200000001", 20000, now)
		otherRSA, err := channel.GenerateKey(channel.RSA2)
		if err != nil {
			t.Fatal(err)
		}
		sm2Key, err := channel.GenerateKey(channel.SM2)
		if err != nil {
			t.Fatal(err)
		}
		signed := func(key *channel.PrivateKey, body []byte, at time.Time) http.Header {
			h := http.Header{}
			if err := channel.SignMessage(h, key, body, at); err != nil {
				t.Fatal(err)
			}
			return h
		}
		altered := bytes.Replace(good, []byte(`"amount_fen":20000`), []byte(`"amount_fen":20001`), 1)
		if bytes.Equal(altered, good) {
			t.Fatal("the test did not alter the body")
		}
		wrongType := signed(b.key, good, now)
		wrongType.Set(channel.HeaderSignType, "SM2")
		unsigned := signed(b.key, good, now)
		unsigned.Del(channel.HeaderSignature)
		badNonce := signed(b.key, good, now)
		badNonce.Set(channel.HeaderNonce, "short")
		otherMerchant := bytes.Replace(good, []byte(bankMerchant), []byte("M9999999"), 1)
		unknownOrder := b.notice("order-404", "4200002026112110031200000002", 20000, now)
		cases := []struct {
			name, channel string
			h             http.Header
			body          []byte
			status        int
		}{
			{"a byte of the body changed", "bank", signed(b.key, good, now), altered, 401},
			{"signed with another RSA key", "bank", signed(otherRSA, good, now), good, 401},
			{"signed with SM2", "bank", signed(sm2Key, good, now), good, 401},
			{"sign type SM2 on an RSA signature", "bank", wrongType, good, 401},
			{"no signature", "bank", unsigned, good, 401},
			{"a malformed nonce", "bank", badNonce, good, 401},
			{"signed 6 minutes ago", "bank", signed(b.key, good, now.Add(-6*time.Minute)), good, 401},
			{"signed 6 minutes ahead", "bank", signed(b.key, good, now.Add(6*time.Minute)), good, 401},
			{"an unknown channel", "unionpay", signed(b.key, good, now), good, 404},
			{"the simulated channel sends none", channel.SimulatedName, signed(b.key, good, now), good, 404},
			{"another merchant", "bank", signed(b.key, otherMerchant, now), otherMerchant, 400},
			{"not JSON", "bank", signed(b.key, []byte("amount=20000"), now), []byte("amount=20000"), 400},
			{"an empty object", "bank", signed(b.key, []byte("{}"), now), []byte("{}"), 400},
			{"an unknown order", "bank", signed(b.key, unknownOrder, now), unknownOrder, 404},
			{"too large", "bank", signed(b.key, bytes.Repeat([]byte(" "), channel.MaxBody+1), now),
				bytes.Repeat([]byte(" "), channel.MaxBody+1), 413},
		}
		for _, c := range cases {
			if status, code := postNotice(t, e, c.channel, c.h, c.body); status != c.status || code != channel.AnswerFail {
				t.Errorf("%s: %d %s, want %d FAIL", c.name, status, code, c.status)
			}
		}
		if o := e.orderCall(e.client.PayOrder, "order-1"); o.Status != api.PayOrderWaiting {
			t.Errorf("order after refused notices: %+v", o)
		}
		if ps, cps := e.payments("V-DECIDED"), e.channelPayments("order-1"); len(ps)+len(cps) != 0 {
			t.Errorf("refused notices recorded %+v %+v", ps, cps)
		}

		// The good notice pays; the very same request again is a replay.
		h := signed(b.key, good, now)
		if status, code := postNotice(t, e, "bank", h, good); status != 200 || code != channel.AnswerSuccess {
			t.Fatalf("good notice: %d %s", status, code)
		}
		if status, code := postNotice(t, e, "bank", h, good); status != 401 || code != channel.AnswerFail {
			t.Errorf("replayed request: %d %s, want 401 FAIL", status, code)
		}
		// The same transaction with another amount is not the same payment.
		twice := b.notice("order-1", "4200002026112110031200000001", 100, now)
		if status, _ := b.post(t, e, twice, nil, now); status != http.StatusConflict {
			t.Errorf("a recorded transaction id with another amount: %d, want 409", status)
		}
		if ps := e.payments("V-DECIDED"); len(ps) != 1 {
			t.Errorf("payments: %+v", ps)
		}
		logs := e.logs.String()
		if n := strings.Count(logs, `"msg":"payment channel notice refused"`); n < len(cases)+2 {
			t.Errorf("%d refusals logged, want %d", n, len(cases)+2)
		}
		assertNoPersonalData(t, logs)
	})
}

// An amount other than the order's is recorded as it is: more is the payment and a refund
// record of the excess; less is a short payment that leaves the rest owed; a second transaction
// for a paid order is all refund records.
func TestChannelNoticeAmountMismatch(t *testing.T) {
	forEachStoreWithBank(t, channel.SM2, func(t *testing.T, e *env, b *bank) {
		e.createOrder(orderReq("over", decidedItem()))
		now := e.clock.Now()
		if status, code := b.post(t, e, b.notice("over", "TX-OVER", 25000, now), nil, now); status != 200 || code != channel.AnswerSuccess {
			t.Fatalf("overpaid notice: %d %s", status, code)
		}
		o := e.orderCall(e.client.PayOrder, "over")
		wantReasons := []api.Reason{{Code: string(model.ReasonPayOverpaid), ViolationID: "V-DECIDED", Fen: 5000}}
		if o.Status != api.PayOrderPaid || o.Reference != "TX-OVER" || !reflect.DeepEqual(o.Reasons, wantReasons) {
			t.Errorf("overpaid order: %+v", o)
		}
		ps := e.payments("V-DECIDED")
		if len(ps) != 2 || ps[0].Refund || ps[0].Total() != 25000 || !ps[1].Refund || ps[1].Total() != 5000 {
			t.Errorf("overpayment records: %+v", ps)
		}
		if v := e.violation("V-DECIDED"); v.Status != model.StatusPaid {
			t.Errorf("violation: %s", v.Status)
		}
		// The person pays the same order again: the money is recorded, all of it owed back.
		if status, _ := b.post(t, e, b.notice("over", "TX-AGAIN", 20000, now), nil, now); status != 200 {
			t.Fatalf("second payment: %d", status)
		}
		ps = e.payments("V-DECIDED")
		if len(ps) != 3 || !ps[2].Refund || ps[2].Total() != 20000 || ps[2].ID != "payorder:over/tx:TX-AGAIN/1" {
			t.Errorf("a second payment's records: %+v", ps)
		}
		if cps := e.channelPayments("over"); len(cps) != 2 {
			t.Errorf("channel payments: %+v", cps)
		}
		if again := e.orderCall(e.client.PayOrder, "over"); again.Reference != "TX-OVER" || !reflect.DeepEqual(again.Reasons, wantReasons) {
			t.Errorf("the order keeps its first payment: %+v", again)
		}
	})
	forEachStoreWithBank(t, channel.RSA2, func(t *testing.T, e *env, b *bank) {
		e.createOrder(orderReq("short", decidedItem()))
		now := e.clock.Now()
		if status, _ := b.post(t, e, b.notice("short", "TX-SHORT", 15000, now), nil, now); status != 200 {
			t.Fatalf("short notice: %d", status)
		}
		o := e.orderCall(e.client.PayOrder, "short")
		want := []api.Reason{{Code: string(model.ReasonPayShort), ViolationID: "V-DECIDED", Fen: 15000, LimitFen: 20000}}
		if o.Status != api.PayOrderPaid || !reflect.DeepEqual(o.Reasons, want) || len(o.Payments) != 1 ||
			o.Payments[0].FineFen != 10000 || o.Payments[0].LateFeeFen != 5000 || o.Payments[0].Refund {
			t.Errorf("short order: %+v", o)
		}
		if v := e.violation("V-DECIDED"); v.Status != model.StatusProcessed {
			t.Errorf("a short payment must leave the violation owed: %s", v.Status)
		}
		if next := e.createOrder(orderReq("rest", decidedItem())); next.AmountFen != 5000 {
			t.Errorf("the next order should charge the rest: %+v", next)
		}
	})
}

// An order paid after it expired is still recorded: the money arrived.
func TestChannelNoticeAfterExpiry(t *testing.T) {
	forEachStoreWithBank(t, channel.SM2, func(t *testing.T, e *env, b *bank) {
		e.createOrder(orderReq("order-1", decidedItem()))
		e.clock.Add(20 * time.Minute)
		if o := e.orderCall(e.client.PayOrder, "order-1"); o.Status != api.PayOrderExpired {
			t.Fatalf("after 20 minutes: %+v", o)
		}
		paidAt := e.clock.Now().Add(-4 * time.Minute) // 16 minutes after the order
		if status, _ := b.post(t, e, b.notice("order-1", "TX-LATE", 20000, paidAt), nil, e.clock.Now()); status != 200 {
			t.Fatalf("late notice: %d", status)
		}
		o := e.orderCall(e.client.PayOrder, "order-1")
		if o.Status != api.PayOrderPaid || o.PaidAt == nil || !o.PaidAt.Equal(paidAt) || o.Reference != "TX-LATE" ||
			len(o.Payments) != 1 || o.Payments[0].Refund {
			t.Errorf("expired order paid: %+v", o)
		}
		if v := e.violation("V-DECIDED"); v.Status != model.StatusPaid {
			t.Errorf("violation: %s", v.Status)
		}
	})
}

// The channel down: creating an order answers 502 and keeps the order; the same request later
// gets the channel's QR text. simulate-paid cannot pay an order of a real channel.
func TestChannelUnavailableAndNotSimulated(t *testing.T) {
	forEachStoreWithBank(t, channel.RSA2, func(t *testing.T, e *env, b *bank) {
		b.down.Store(true)
		_, err := e.client.CreatePayOrder(context.Background(), orderReq("order-1", decidedItem()))
		wantStatusError(t, "channel down", err, http.StatusBadGateway, "channel_unavailable")
		if stored, ok := e.storedOrder("order-1"); !ok || stored.QR != "" || stored.Status != api.PayOrderWaiting {
			t.Errorf("order while the channel is down: %+v %v", stored, ok)
		}
		if o := e.orderCall(e.client.PayOrder, "order-1"); o.QR != "" {
			t.Errorf("an order without the channel's answer shows a QR code: %+v", o)
		}
		b.down.Store(false)
		o := e.createOrder(orderReq("order-1", decidedItem()))
		if !strings.HasPrefix(o.QR, "HKCS:") {
			t.Errorf("retried order: %+v", o)
		}
		_, err = e.client.SimulatePaid(context.Background(), "order-1")
		wantStatusError(t, "simulate-paid of a bank order", err, http.StatusConflict, "order_not_simulated")
		if ps := e.payments("V-DECIDED"); len(ps) != 0 {
			t.Errorf("payments: %+v", ps)
		}
	}, simulatedPayments)
}

// The channel's query and refund go through the same signed client.
func TestChannelQueryAndRefund(t *testing.T) {
	forEachStoreWithBank(t, channel.SM2, func(t *testing.T, e *env, b *bank) {
		e.createOrder(orderReq("order-1", decidedItem()))
		bankCh := e.srv.channels["bank"]
		st, err := bankCh.QueryOrder(context.Background(), "order-1")
		if err != nil || st.State != channel.TradeWaiting {
			t.Fatalf("query before payment: %+v %v", st, err)
		}
		p, err := b.sim.Pay("order-1", 25000)
		if err != nil || !p.Delivered {
			t.Fatalf("pay: %+v %v", p, err)
		}
		st, err = bankCh.QueryOrder(context.Background(), "order-1")
		if err != nil || st.State != channel.TradePaid || st.TransactionID != p.TransactionID || st.AmountFen != 25000 {
			t.Errorf("query after payment: %+v %v", st, err)
		}
		issue := channel.RefundFunc(bankCh)
		ref, state, err := issue(context.Background(), "RF-order-1-1", "order-1", p.TransactionID, 5000)
		if err != nil || state != channel.RefundSucceeded || ref == "" {
			t.Fatalf("refund: %q %q %v", ref, state, err)
		}
		ref2, state2, err := issue(context.Background(), "RF-order-1-1", "order-1", p.TransactionID, 5000)
		if err != nil || ref2 != ref || state2 != state {
			t.Errorf("the same refund again: %q %q %v, want %q %q", ref2, state2, err, ref, state)
		}
		_, _, err = issue(context.Background(), "RF-order-1-2", "order-1", p.TransactionID, 20001)
		if !errors.Is(err, channel.ErrRefused) {
			t.Errorf("a refund beyond the payment: %v, want refused", err)
		}
	})
}
