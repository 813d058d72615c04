package channel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// requestTimeout bounds one request to the channel: a kiosk is waiting for the order.
const requestTimeout = 10 * time.Second

// HTTP is the generic HTTP channel of docs/payment-channel.md.
type HTTP struct {
	name, merchant, notifyURL string
	base                      *url.URL
	key                       *PrivateKey // ours: signs our requests
	keys                      *PublicKeys // the channel's: verify its answers and notices
	client                    *http.Client
	now                       func() time.Time
}

// HTTPConfig is what an HTTP channel is built from.
type HTTPConfig struct {
	Name       string
	BaseURL    string // https://..., or http:// on loopback
	MerchantID string
	// NotifyURL is where the channel sends notifications: this server's
	// /v1/channels/{Name}/notify as the channel reaches it.
	NotifyURL   string
	Key         *PrivateKey
	ChannelKeys *PublicKeys
	Client      *http.Client     // nil: a client with requestTimeout
	Now         func() time.Time // nil: time.Now
}

// NewHTTP checks the configuration and builds the channel.
func NewHTTP(c HTTPConfig) (*HTTP, error) {
	base, err := checkBaseURL(c.BaseURL)
	if err != nil {
		return nil, err
	}
	switch {
	case !ValidID(c.Name, 32):
		return nil, errors.New("name must be 1 to 32 letters, digits, '_' or '-'")
	case !ValidID(c.MerchantID, 32):
		return nil, errors.New("merchant_id must be 1 to 32 letters, digits, '_' or '-'")
	case c.Key == nil || c.ChannelKeys == nil:
		return nil, errors.New("both our private key and the channel's public key are required")
	case c.Key.alg != c.ChannelKeys.alg:
		return nil, fmt.Errorf("our key is %s but the channel's is %s: both sides use one algorithm", c.Key.alg, c.ChannelKeys.alg)
	}
	if u, err := url.Parse(c.NotifyURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("notify_url must be the absolute URL the channel reaches this server's /v1/channels/NAME/notify at")
	}
	h := &HTTP{name: c.Name, merchant: c.MerchantID, notifyURL: c.NotifyURL, base: base, key: c.Key,
		keys: c.ChannelKeys, client: c.Client, now: c.Now}
	if h.client == nil {
		h.client = &http.Client{Timeout: requestTimeout}
	}
	if h.now == nil {
		h.now = time.Now
	}
	return h, nil
}

// checkBaseURL accepts https, and http only to a loopback host (a simulator on the same machine):
// the channel's answers carry money, and TLS is what keeps them from being replayed or read.
func checkBaseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("base_url must be an absolute URL such as https://pay.bank.example/gw")
	}
	switch u.Scheme {
	case "https":
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return nil, errors.New("base_url must use https (http only to a loopback address, for kiosk channel-sim)")
		}
	default:
		return nil, errors.New("base_url must use https")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

// Name implements Channel.
func (c *HTTP) Name() string { return c.name }

// Kind implements Channel.
func (c *HTTP) Kind() string { return KindGenericHTTP }

// CreateOrder implements Channel: POST /v1/orders.
func (c *HTTP) CreateOrder(ctx context.Context, o Order) (Created, error) {
	req := OrderRequest{MchID: c.merchant, OutTradeNo: o.ID, AmountFen: o.AmountFen, Currency: Currency,
		Subject: o.Subject, TimeExpire: FormatTime(o.ExpiresAt), NotifyURL: c.notifyURL}
	var a OrderAnswer
	if err := c.do(ctx, http.MethodPost, "/v1/orders", nil, req, &a); err != nil {
		return Created{}, err
	}
	switch {
	case a.MchID != c.merchant || a.OutTradeNo != o.ID:
		return Created{}, fmt.Errorf("%w: the order answer names another merchant or order", ErrUnavailable)
	case !validQR(a.QRCode):
		return Created{}, fmt.Errorf("%w: qr_code must be 1 to 256 printable ASCII characters", ErrUnavailable)
	case a.ChannelOrderID != "" && !ValidID(a.ChannelOrderID, 64):
		return Created{}, fmt.Errorf("%w: channel_order_id is malformed", ErrUnavailable)
	}
	return Created{QR: a.QRCode, Ref: a.ChannelOrderID}, nil
}

// validQR keeps the QR text to printable ASCII: it goes to a kiosk's screen.
func validQR(s string) bool {
	if len(s) == 0 || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// QueryOrder implements Channel: GET /v1/orders/{out_trade_no}.
func (c *HTTP) QueryOrder(ctx context.Context, orderID string) (OrderStatus, error) {
	if !ValidID(orderID, 64) {
		return OrderStatus{}, fmt.Errorf("%w: order id", ErrMalformed)
	}
	var a QueryAnswer
	q := url.Values{"mch_id": {c.merchant}}
	if err := c.do(ctx, http.MethodGet, "/v1/orders/"+orderID, q, nil, &a); err != nil {
		return OrderStatus{}, err
	}
	if a.MchID != c.merchant || a.OutTradeNo != orderID {
		return OrderStatus{}, fmt.Errorf("%w: the query answer names another merchant or order", ErrUnavailable)
	}
	st := OrderStatus{State: a.TradeState, Ref: a.ChannelOrderID, AmountFen: a.AmountFen}
	switch a.TradeState {
	case TradeWaiting, TradeClosed:
	case TradePaid:
		paid, err := parseTime(a.SuccessTime)
		if err != nil || !ValidID(a.TransactionID, 64) || a.AmountFen < 1 || a.AmountFen > MaxAmountFen {
			return OrderStatus{}, fmt.Errorf("%w: a paid order's transaction_id, amount_fen or success_time is malformed", ErrUnavailable)
		}
		st.TransactionID, st.PaidAt = a.TransactionID, paid
	default:
		return OrderStatus{}, fmt.Errorf("%w: trade_state %q is not in the protocol", ErrUnavailable, clip(a.TradeState))
	}
	return st, nil
}

// Refund implements Channel: POST /v1/refunds.
func (c *HTTP) Refund(ctx context.Context, r Refund) (RefundResult, error) {
	switch {
	case !ValidID(r.ID, 64) || !ValidID(r.OrderID, 64) || !ValidID(r.TransactionID, 64):
		return RefundResult{}, fmt.Errorf("%w: refund, order and transaction ids must be 1 to 64 letters, digits, '_' or '-'", ErrMalformed)
	case r.AmountFen < 1 || r.AmountFen > MaxAmountFen:
		return RefundResult{}, fmt.Errorf("%w: the amount must be from 1 to %d fen", ErrMalformed, MaxAmountFen)
	}
	req := RefundRequest{MchID: c.merchant, OutRefundNo: r.ID, OutTradeNo: r.OrderID, TransactionID: r.TransactionID,
		AmountFen: r.AmountFen, Currency: Currency, Reason: r.Reason}
	var a RefundAnswer
	if err := c.do(ctx, http.MethodPost, "/v1/refunds", nil, req, &a); err != nil {
		return RefundResult{}, err
	}
	if a.MchID != c.merchant || a.OutRefundNo != r.ID || a.AmountFen != r.AmountFen || !ValidID(a.RefundID, 64) {
		return RefundResult{}, fmt.Errorf("%w: the refund answer does not match the refund asked for", ErrUnavailable)
	}
	res := RefundResult{Ref: a.RefundID, State: a.Status}
	switch a.Status {
	case RefundProcessing, RefundClosed, RefundAbnormal:
	case RefundSucceeded:
		done, err := parseTime(a.SuccessTime)
		if err != nil {
			return RefundResult{}, fmt.Errorf("%w: success_time of a refund: %v", ErrUnavailable, err)
		}
		res.DoneAt = done
	default:
		return RefundResult{}, fmt.Errorf("%w: refund status %q is not in the protocol", ErrUnavailable, clip(a.Status))
	}
	return res, nil
}

// VerifyNotice implements Channel.
func (c *HTTP) VerifyNotice(h http.Header, body []byte, now time.Time) (Notice, error) {
	if len(body) > MaxBody {
		return Notice{}, fmt.Errorf("%w: the body is over %d bytes", ErrMalformed, MaxBody)
	}
	signed, err := VerifyMessage(c.keys, h, body, now)
	if err != nil {
		return Notice{}, err
	}
	n, paid, err := ParseNoticeBody(body, c.merchant)
	if err != nil {
		return Notice{}, err
	}
	return Notice{Channel: c.name, NotifyID: n.NotifyID, TransactionID: n.TransactionID, OrderID: n.OutTradeNo,
		AmountFen: n.AmountFen, PaidAt: paid, Nonce: signed.Nonce, SignedAt: signed.At}, nil
}

// do sends a signed request and decodes the channel's verified answer into out. A transport
// failure, a 5xx, an unsigned or badly signed answer are ErrUnavailable (asking again may
// work); a 4xx is ErrRefused with the channel's code.
func (c *HTTP) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	u := *c.base
	u.Path = c.base.Path + path
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	req.Header.Set("Accept", "application/json")
	if err := SignRequest(req.Header, c.key, c.merchant, method, req.URL.RequestURI(), body, c.now()); err != nil {
		return err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %s %s: %v", ErrUnavailable, method, path, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return fmt.Errorf("%w: %s %s: reading the answer: %v", ErrUnavailable, method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var a Answer
		_ = json.Unmarshal(answer, &a)
		kind := ErrUnavailable
		if resp.StatusCode/100 == 4 {
			kind = ErrRefused
		}
		return fmt.Errorf("%w: %s %s answered %d %s", kind, method, path, resp.StatusCode, clip(a.Code))
	}
	if _, err := VerifyMessage(c.keys, resp.Header, answer, c.now()); err != nil {
		return fmt.Errorf("%w: %s %s: the answer's signature: %v", ErrUnavailable, method, path, err)
	}
	if err := decodeJSON(answer, out); err != nil {
		return fmt.Errorf("%w: %s %s: %v", ErrUnavailable, method, path, err)
	}
	return nil
}
