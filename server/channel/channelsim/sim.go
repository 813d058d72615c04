// Package channelsim is the other side of the generic HTTP payment channel
// (docs/payment-channel.md): a payment channel in memory that holds its own key, serves the
// order, query, refund and statement API to a merchant (our server), and, when told that a
// person paid an order, sends the signed notice and retries it on the documented schedule. It
// is what `kiosk channel-sim` runs, for integrators to see the protocol from the channel's side
// and for the end-to-end test to pay through.
package channelsim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/hallkiosk/kiosk/server/channel"
)

// RetrySchedule is the wait before each further attempt to deliver a notice (WeChat Pay's:
// 16 attempts in 24 h 4 min).
func RetrySchedule() []time.Duration {
	return []time.Duration{15 * time.Second, 15 * time.Second, 30 * time.Second, 3 * time.Minute, 10 * time.Minute,
		20 * time.Minute, 30 * time.Minute, 30 * time.Minute, 30 * time.Minute, 60 * time.Minute, 3 * time.Hour,
		3 * time.Hour, 3 * time.Hour, 6 * time.Hour, 6 * time.Hour}
}

// noticeTimeout is how long the channel waits for the merchant's answer to a notice.
const noticeTimeout = 5 * time.Second

// Config is what a simulator is built from.
type Config struct {
	MerchantID string
	// Key is the channel's own key: it signs answers, notices and statements.
	Key *channel.PrivateKey
	// MerchantKeys verify the merchant's requests.
	MerchantKeys *channel.PublicKeys
	Client       *http.Client     // sends notices; nil: one with the notice timeout
	Now          func() time.Time // nil: time.Now
	// After waits between notice attempts; nil: time.After. Tests give a fake.
	After func(time.Duration) <-chan time.Time
	Log   *slog.Logger // nil: discard
}

// Sim is a payment channel in memory.
type Sim struct {
	cfg    Config
	ctx    context.Context // ends the notice retries at Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	orders  map[string]*order
	refunds map[string]*refund
	nonces  map[string]time.Time // the merchant's nonces until their expiry
	seq     int64
}

type order struct {
	req       channel.OrderRequest
	expires   time.Time
	ref       string
	qr        string
	tx        string // the payment, once paid
	paidFen   int64
	paidAt    time.Time
	refundFen int64 // refunded so far
}

type refund struct {
	req    channel.RefundRequest
	ref    string
	doneAt time.Time
}

// New builds a simulator; Close stops its notice retries.
func New(cfg Config) *Sim {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: noticeTimeout}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.After == nil {
		cfg.After = time.After
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Sim{cfg: cfg, ctx: ctx, cancel: cancel, orders: map[string]*order{}, refunds: map[string]*refund{},
		nonces: map[string]time.Time{}}
}

// Close stops delivering notices and waits for the deliveries under way to give up.
func (s *Sim) Close() {
	s.cancel()
	s.wg.Wait()
}

// Wait waits until every notice sent so far is delivered or given up.
func (s *Sim) Wait() { s.wg.Wait() }

// Handler serves the channel's API (docs/payment-channel.md) and, under /sim/, the simulator's
// own control: POST /sim/pay/{out_trade_no}[?amount_fen=N] plays a person paying the order, and
// POST /sim/scan?qr=TEXT[&amount_fen=N] a person paying the order whose QR code they scanned.
// The control route is unauthenticated: serve the simulator on loopback only.
func (s *Sim) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/orders", s.merchant(s.handleCreate))
	mux.HandleFunc("GET /v1/orders/{id}", s.merchant(s.handleQuery))
	mux.HandleFunc("POST /v1/refunds", s.merchant(s.handleRefund))
	mux.HandleFunc("GET /v1/statements/{date}", s.merchant(s.handleStatement))
	mux.HandleFunc("POST /sim/pay/{id}", s.handlePay)
	mux.HandleFunc("POST /sim/scan", s.handleScan)
	return mux
}

// merchant verifies a merchant's request (signature, timestamp, nonce, merchant id) before h.
func (s *Sim) merchant(h func(w http.ResponseWriter, r *http.Request, body []byte)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, channel.MaxBody))
		if err != nil {
			s.fail(w, http.StatusBadRequest, "INVALID_REQUEST", "the body is unreadable or over 16 KiB")
			return
		}
		now := s.cfg.Now()
		signed, err := channel.VerifyRequest(s.cfg.MerchantKeys, r.Header, r.Method, r.URL.RequestURI(), body, now)
		if err != nil {
			s.cfg.Log.Warn("merchant request refused", "path", r.URL.Path, "err", err.Error())
			s.fail(w, http.StatusUnauthorized, "SIGN_ERROR", err.Error())
			return
		}
		if signed.Merchant != s.cfg.MerchantID {
			s.fail(w, http.StatusUnauthorized, "SIGN_ERROR", "X-Pay-Merchant is not the merchant this channel serves")
			return
		}
		if !s.freshNonce(signed.Nonce, now) {
			s.fail(w, http.StatusUnauthorized, "SIGN_ERROR", "the nonce was used before")
			return
		}
		h(w, r, body)
	}
}

// freshNonce remembers a merchant's nonce for twice the skew window and reports whether it was
// new.
func (s *Sim) freshNonce(nonce string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for n, until := range s.nonces {
		if now.After(until) {
			delete(s.nonces, n)
		}
	}
	if _, seen := s.nonces[nonce]; seen {
		return false
	}
	s.nonces[nonce] = now.Add(2 * channel.MaxSkew)
	return true
}

// answer writes a signed JSON answer.
func (s *Sim) answer(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"code":"SYSTEM_ERROR","message":"encoding"}`)
	}
	s.write(w, status, "application/json; charset=utf-8", body)
}

func (s *Sim) write(w http.ResponseWriter, status int, contentType string, body []byte) {
	if err := channel.SignMessage(w.Header(), s.cfg.Key, body, s.cfg.Now()); err != nil {
		http.Error(w, "signing failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (s *Sim) fail(w http.ResponseWriter, status int, code, message string) {
	s.answer(w, status, channel.Answer{Code: code, Message: message})
}

// nextID makes an id of the channel: a prefix, the time to the second, and a sequence number.
// The caller holds mu.
func (s *Sim) nextID(prefix string, at time.Time) string {
	s.seq++
	return prefix + at.In(time.FixedZone("CST", 8*3600)).Format("20060102150405") + fmt.Sprintf("%010d", s.seq)
}

func (s *Sim) handleCreate(w http.ResponseWriter, _ *http.Request, body []byte) {
	var req channel.OrderRequest
	if err := json.Unmarshal(body, &req); err != nil {
		s.fail(w, http.StatusBadRequest, "INVALID_REQUEST", "the body is not an order request")
		return
	}
	expires, err := time.Parse(time.RFC3339, req.TimeExpire)
	switch {
	case req.MchID != s.cfg.MerchantID:
		s.fail(w, http.StatusBadRequest, "INVALID_REQUEST", "mch_id is not the merchant this channel serves")
		return
	case !channel.ValidID(req.OutTradeNo, 64) || req.AmountFen < 1 || req.AmountFen > channel.MaxAmountFen ||
		req.Currency != channel.Currency || err != nil || req.NotifyURL == "":
		s.fail(w, http.StatusBadRequest, "INVALID_REQUEST",
			"out_trade_no, amount_fen (1 to 100000000), currency CNY, time_expire and notify_url are required")
		return
	}
	now := s.cfg.Now()
	s.mu.Lock()
	o := s.orders[req.OutTradeNo]
	switch {
	case o == nil:
		o = &order{req: req, expires: expires, ref: s.nextID("P", now), qr: "HKCS:" + randomToken()}
		s.orders[req.OutTradeNo] = o
	case o.req != req:
		s.mu.Unlock()
		s.fail(w, http.StatusConflict, "ORDER_MISMATCH", "this out_trade_no was ordered with other content")
		return
	}
	a := channel.OrderAnswer{MchID: req.MchID, OutTradeNo: req.OutTradeNo, ChannelOrderID: o.ref, QRCode: o.qr,
		TimeExpire: req.TimeExpire}
	s.mu.Unlock()
	s.answer(w, http.StatusOK, a)
}

func (s *Sim) handleQuery(w http.ResponseWriter, r *http.Request, _ []byte) {
	if r.URL.Query().Get("mch_id") != s.cfg.MerchantID {
		s.fail(w, http.StatusBadRequest, "INVALID_REQUEST", "mch_id is not the merchant this channel serves")
		return
	}
	s.mu.Lock()
	o := s.orders[r.PathValue("id")]
	if o == nil {
		s.mu.Unlock()
		s.fail(w, http.StatusNotFound, "ORDER_NOT_FOUND", "no order has this out_trade_no")
		return
	}
	a := channel.QueryAnswer{MchID: o.req.MchID, OutTradeNo: o.req.OutTradeNo, ChannelOrderID: o.ref,
		TradeState: channel.TradeWaiting, AmountFen: o.req.AmountFen}
	switch {
	case o.tx != "":
		a.TradeState, a.TransactionID, a.AmountFen = channel.TradePaid, o.tx, o.paidFen
		a.SuccessTime = channel.FormatTime(o.paidAt)
	case s.cfg.Now().After(o.expires):
		a.TradeState = channel.TradeClosed
	}
	s.mu.Unlock()
	s.answer(w, http.StatusOK, a)
}

func (s *Sim) handleRefund(w http.ResponseWriter, _ *http.Request, body []byte) {
	var req channel.RefundRequest
	if err := json.Unmarshal(body, &req); err != nil || req.MchID != s.cfg.MerchantID || !channel.ValidID(req.OutRefundNo, 64) ||
		req.AmountFen < 1 || req.Currency != channel.Currency || len(req.Reason) > 80 {
		s.fail(w, http.StatusBadRequest, "INVALID_REQUEST",
			"a refund needs our mch_id, out_refund_no, amount_fen, currency CNY and a reason of at most 80 characters")
		return
	}
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if rf := s.refunds[req.OutRefundNo]; rf != nil {
		if rf.req != req {
			s.fail(w, http.StatusConflict, "REFUND_MISMATCH", "this out_refund_no was asked for with other content")
			return
		}
		s.answer(w, http.StatusOK, refundAnswer(rf))
		return
	}
	o := s.orders[req.OutTradeNo]
	switch {
	case o == nil || o.tx == "" || o.tx != req.TransactionID:
		s.fail(w, http.StatusNotFound, "ORDER_NOT_FOUND", "no payment of this order has this transaction_id")
		return
	case o.refundFen+req.AmountFen > o.paidFen:
		s.fail(w, http.StatusConflict, "REFUND_EXCEEDS", "refunds of this payment would exceed what was paid")
		return
	}
	o.refundFen += req.AmountFen
	rf := &refund{req: req, ref: s.nextID("5030", now), doneAt: now}
	s.refunds[req.OutRefundNo] = rf
	s.answer(w, http.StatusOK, refundAnswer(rf))
}

func refundAnswer(rf *refund) channel.RefundAnswer {
	return channel.RefundAnswer{MchID: rf.req.MchID, OutRefundNo: rf.req.OutRefundNo, RefundID: rf.ref,
		OutTradeNo: rf.req.OutTradeNo, TransactionID: rf.req.TransactionID, AmountFen: rf.req.AmountFen,
		Status: channel.RefundSucceeded, SuccessTime: channel.FormatTime(rf.doneAt)}
}

// Payment is what Pay did.
type Payment struct {
	TransactionID string `json:"transaction_id"`
	AmountFen     int64  `json:"amount_fen"`
	// Delivered says whether the first attempt to notify the merchant was answered SUCCESS;
	// when not, the retries go on in the background.
	Delivered bool `json:"delivered"`
}

// Errors of Pay.
var (
	ErrNoOrder = errors.New("no order has this out_trade_no")
	ErrPaid    = errors.New("the order is paid already")
	ErrClosed  = errors.New("the order expired: the channel takes no payment for it")
)

// Pay plays a person paying an order (amountFen 0: the order's amount): the order becomes paid
// with a new transaction, and the notice is sent to the order's notify_url. Pay returns after
// the first attempt; the retries go on until the merchant answers SUCCESS or the schedule ends.
func (s *Sim) Pay(orderID string, amountFen int64) (Payment, error) {
	now := s.cfg.Now()
	s.mu.Lock()
	o := s.orders[orderID]
	switch {
	case o == nil:
		s.mu.Unlock()
		return Payment{}, ErrNoOrder
	case o.tx != "":
		s.mu.Unlock()
		return Payment{}, ErrPaid
	case now.After(o.expires):
		s.mu.Unlock()
		return Payment{}, ErrClosed
	}
	if amountFen <= 0 {
		amountFen = o.req.AmountFen
	}
	o.tx, o.paidFen, o.paidAt = s.nextID("4200", now), amountFen, now
	n := channel.NoticeBody{NotifyID: s.nextID("N", now), EventType: channel.EventPaid, MchID: o.req.MchID,
		OutTradeNo: orderID, TransactionID: o.tx, TradeState: channel.TradePaid, AmountFen: amountFen,
		Currency: channel.Currency, SuccessTime: channel.FormatTime(now)}
	url := o.req.NotifyURL
	s.mu.Unlock()

	body, err := json.Marshal(n)
	if err != nil {
		return Payment{}, err
	}
	first := make(chan bool, 1)
	s.wg.Go(func() { s.deliver(url, body, n, first) })
	return Payment{TransactionID: n.TransactionID, AmountFen: amountFen, Delivered: <-first}, nil
}

// deliver sends a notice until the merchant answers SUCCESS, on RetrySchedule; first hears the
// outcome of the first attempt.
func (s *Sim) deliver(url string, body []byte, n channel.NoticeBody, first chan<- bool) {
	schedule := RetrySchedule()
	for attempt := 0; ; attempt++ {
		ok := s.send(url, body)
		s.cfg.Log.Info("notice sent", "order", n.OutTradeNo, "transaction", n.TransactionID, "attempt", attempt+1,
			"delivered", ok)
		if attempt == 0 {
			first <- ok
		}
		if ok {
			return
		}
		if attempt >= len(schedule) {
			s.cfg.Log.Warn("notice given up: the daily statement carries the payment", "order", n.OutTradeNo,
				"transaction", n.TransactionID)
			return
		}
		select {
		case <-s.cfg.After(schedule[attempt]):
		case <-s.ctx.Done():
			return
		}
	}
}

// send makes one attempt, signed afresh, and reports whether the merchant answered SUCCESS.
func (s *Sim) send(url string, body []byte) bool {
	ctx, cancel := context.WithTimeout(s.ctx, noticeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytesReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if err := channel.SignMessage(req.Header, s.cfg.Key, body, s.cfg.Now()); err != nil {
		return false
	}
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var a channel.Answer
	if err := json.NewDecoder(io.LimitReader(resp.Body, channel.MaxBody)).Decode(&a); err != nil {
		return false
	}
	return resp.StatusCode == http.StatusOK && a.Code == channel.AnswerSuccess
}

// PayQR is Pay of the order whose QR text this is, as a phone that scanned it pays.
func (s *Sim) PayQR(qr string, amountFen int64) (Payment, error) {
	s.mu.Lock()
	id := ""
	for oid, o := range s.orders {
		if o.qr == qr {
			id = oid
		}
	}
	s.mu.Unlock()
	if id == "" {
		return Payment{}, ErrNoOrder
	}
	return s.Pay(id, amountFen)
}

// handlePay answers POST /sim/pay/{id}[?amount_fen=N].
func (s *Sim) handlePay(w http.ResponseWriter, r *http.Request) {
	s.payBy(w, r, func(amount int64) (Payment, error) { return s.Pay(r.PathValue("id"), amount) })
}

// handleScan answers POST /sim/scan?qr=TEXT[&amount_fen=N].
func (s *Sim) handleScan(w http.ResponseWriter, r *http.Request) {
	s.payBy(w, r, func(amount int64) (Payment, error) { return s.PayQR(r.URL.Query().Get("qr"), amount) })
}

func (s *Sim) payBy(w http.ResponseWriter, r *http.Request, pay func(amount int64) (Payment, error)) {
	var amount int64
	if v := r.URL.Query().Get("amount_fen"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || n > channel.MaxAmountFen {
			s.fail(w, http.StatusBadRequest, "INVALID_REQUEST", "amount_fen must be from 1 to 100000000")
			return
		}
		amount = n
	}
	p, err := pay(amount)
	switch {
	case errors.Is(err, ErrNoOrder):
		s.fail(w, http.StatusNotFound, "ORDER_NOT_FOUND", err.Error())
	case err != nil:
		s.fail(w, http.StatusConflict, "ORDER_CLOSED", err.Error())
	default:
		s.answer(w, http.StatusOK, p)
	}
}
