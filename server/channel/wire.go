package channel

// The JSON messages of the generic HTTP channel, as docs/payment-channel.md writes them. The
// channel simulator (package channelsim) speaks them from the other side.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// Bounds of the protocol.
const (
	// MaxBody bounds every JSON message.
	MaxBody = 16 << 10
	// MaxAmountFen is a million yuan: no fine, and no order, comes near it.
	MaxAmountFen = 100_000_000
	// Currency is the only currency.
	Currency = "CNY"
	// EventPaid is the event type of a payment notification.
	EventPaid = "TRANSACTION.SUCCESS"
	// AnswerSuccess and AnswerFail are the codes of the merchant's answer to a notification.
	AnswerSuccess = "SUCCESS"
	AnswerFail    = "FAIL"
)

// OrderRequest is the body of POST /v1/orders.
type OrderRequest struct {
	MchID      string `json:"mch_id"`
	OutTradeNo string `json:"out_trade_no"`
	AmountFen  int64  `json:"amount_fen"`
	Currency   string `json:"currency"`
	Subject    string `json:"subject"`
	TimeExpire string `json:"time_expire"`
	NotifyURL  string `json:"notify_url"`
}

// OrderAnswer answers POST /v1/orders.
type OrderAnswer struct {
	MchID          string `json:"mch_id"`
	OutTradeNo     string `json:"out_trade_no"`
	ChannelOrderID string `json:"channel_order_id"`
	QRCode         string `json:"qr_code"`
	TimeExpire     string `json:"time_expire"`
}

// QueryAnswer answers GET /v1/orders/{out_trade_no}.
type QueryAnswer struct {
	MchID          string `json:"mch_id"`
	OutTradeNo     string `json:"out_trade_no"`
	ChannelOrderID string `json:"channel_order_id"`
	TradeState     string `json:"trade_state"`
	TransactionID  string `json:"transaction_id"`
	AmountFen      int64  `json:"amount_fen"`
	SuccessTime    string `json:"success_time"`
}

// NoticeBody is the body of a payment notification.
type NoticeBody struct {
	NotifyID      string `json:"notify_id"`
	EventType     string `json:"event_type"`
	MchID         string `json:"mch_id"`
	OutTradeNo    string `json:"out_trade_no"`
	TransactionID string `json:"transaction_id"`
	TradeState    string `json:"trade_state"`
	AmountFen     int64  `json:"amount_fen"`
	Currency      string `json:"currency"`
	SuccessTime   string `json:"success_time"`
}

// RefundRequest is the body of POST /v1/refunds.
type RefundRequest struct {
	MchID         string `json:"mch_id"`
	OutRefundNo   string `json:"out_refund_no"`
	OutTradeNo    string `json:"out_trade_no"`
	TransactionID string `json:"transaction_id"`
	AmountFen     int64  `json:"amount_fen"`
	Currency      string `json:"currency"`
	Reason        string `json:"reason"`
}

// RefundAnswer answers POST /v1/refunds.
type RefundAnswer struct {
	MchID         string `json:"mch_id"`
	OutRefundNo   string `json:"out_refund_no"`
	RefundID      string `json:"refund_id"`
	OutTradeNo    string `json:"out_trade_no"`
	TransactionID string `json:"transaction_id"`
	AmountFen     int64  `json:"amount_fen"`
	Status        string `json:"status"`
	SuccessTime   string `json:"success_time"`
}

// Answer is an error answer of the channel, and the merchant's answer to a notification
// (Code AnswerSuccess or AnswerFail).
type Answer struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ValidID reports whether s is an id of the protocol (mch_id up to 32, the others up to 64
// characters): letters, digits, '_' and '-'.
func ValidID(s string, maxLen int) bool {
	if len(s) == 0 || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// FormatTime writes a protocol time: RFC 3339 in China time.
func FormatTime(t time.Time) string { return t.In(model.ChinaZone()).Format(time.RFC3339) }

// parseTime reads a protocol time, which must carry its offset.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, errors.New("not an RFC 3339 time with an offset")
	}
	return t, nil
}

// decodeJSON decodes one JSON object, ignoring members it does not know (the protocol lets a
// channel add some), and refuses anything after it.
func decodeJSON(body []byte, v any) error {
	if len(body) > MaxBody {
		return fmt.Errorf("the body is over %d bytes", MaxBody)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return errors.New("the body is not the JSON object the protocol describes")
	}
	if dec.More() {
		return errors.New("something follows the JSON object")
	}
	return nil
}

// ParseNoticeBody checks a notification's body member by member. merchant is our mch_id.
func ParseNoticeBody(body []byte, merchant string) (NoticeBody, time.Time, error) {
	var n NoticeBody
	if err := decodeJSON(body, &n); err != nil {
		return NoticeBody{}, time.Time{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	bad := func(format string, a ...any) (NoticeBody, time.Time, error) {
		return NoticeBody{}, time.Time{}, fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, a...)...)
	}
	switch {
	case !ValidID(n.NotifyID, 64):
		return bad("notify_id must be 1 to 64 letters, digits, '_' or '-'")
	case n.EventType != EventPaid:
		return bad("event_type must be %s", EventPaid)
	case !ValidID(n.MchID, 32):
		return bad("mch_id must be 1 to 32 letters, digits, '_' or '-'")
	case !ValidID(n.OutTradeNo, 64):
		return bad("out_trade_no must be 1 to 64 letters, digits, '_' or '-'")
	case !ValidID(n.TransactionID, 64):
		return bad("transaction_id must be 1 to 64 letters, digits, '_' or '-'")
	case n.TradeState != TradePaid:
		return bad("trade_state must be %s", TradePaid)
	case n.AmountFen < 1 || n.AmountFen > MaxAmountFen:
		return bad("amount_fen must be an integer from 1 to %d", MaxAmountFen)
	case n.Currency != Currency:
		return bad("currency must be %s", Currency)
	}
	paid, err := parseTime(n.SuccessTime)
	if err != nil {
		return bad("success_time: %v", err)
	}
	if n.MchID != merchant {
		return NoticeBody{}, time.Time{}, fmt.Errorf("%w: mch_id is not our merchant id", ErrNotOurs)
	}
	return n, paid, nil
}
