package server

// Payment channels' notices (POST /v1/channels/{name}/notify, docs/payment-channel.md). The
// channel is no kiosk: the request carries no kiosk signature but the channel's own, checked
// with the channel's public key from the server's configuration. A verified notice records the
// payment once per channel transaction (recordChannelPayment, the path simulate-paid takes too),
// and the answer tells the channel whether to stop or try again.

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/hallkiosk/kiosk/server/channel"
)

// channelNonceWindow is how long a channel's notice nonce is remembered: longer than the
// timestamps a notice may carry either side of our clock, so a replay is refused as a replay or
// as stale, never accepted.
const channelNonceWindow = 2*channel.MaxSkew + time.Minute

// setChannels keeps the configured channels by name, or the one simulated channel when none is
// configured.
func (s *Server) setChannels(chs []channel.Channel, orderChannel string) error {
	if len(chs) == 0 {
		chs = []channel.Channel{channel.NewSimulated(channel.SimulatedName, s.now)}
	}
	s.channels = make(map[string]channel.Channel, len(chs))
	for _, ch := range chs {
		if s.channels[ch.Name()] != nil {
			return fmt.Errorf("server: payment channel %q configured twice", ch.Name())
		}
		s.channels[ch.Name()] = ch
	}
	if orderChannel == "" {
		orderChannel = chs[0].Name()
	}
	if s.orderChannel = s.channels[orderChannel]; s.orderChannel == nil {
		return fmt.Errorf("server: order channel %q is not configured", orderChannel)
	}
	return nil
}

// handleChannelNotify answers a channel's notice of a payment.
func (s *Server) handleChannelNotify(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	ch := s.channels[name]
	if ch == nil || ch.Kind() != channel.KindGenericHTTP {
		s.refuseNotice(w, name, http.StatusNotFound, "unknown_channel", "no payment channel of this name sends notices here")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, channel.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.refuseNotice(w, name, http.StatusRequestEntityTooLarge, "too_large",
				fmt.Sprintf("a notice is at most %d bytes", channel.MaxBody))
			return
		}
		s.refuseNotice(w, name, http.StatusBadRequest, "unreadable", "the body could not be read")
		return
	}
	now := s.now()
	n, err := ch.VerifyNotice(r.Header, body, now)
	switch {
	case errors.Is(err, channel.ErrSignature):
		s.refuseNotice(w, name, http.StatusUnauthorized, "bad_signature", err.Error())
		return
	case errors.Is(err, channel.ErrStale):
		s.refuseNotice(w, name, http.StatusUnauthorized, "stale", err.Error())
		return
	case errors.Is(err, channel.ErrNotOurs):
		s.refuseNotice(w, name, http.StatusBadRequest, "not_our_merchant", err.Error())
		return
	case err != nil:
		s.refuseNotice(w, name, http.StatusBadRequest, "malformed", err.Error())
		return
	}
	// Remembered only once the signature holds, so that junk cannot fill the nonce store.
	fresh, err := s.store.RememberNonce(r.Context(), "channel:"+name, n.Nonce, now, n.SignedAt.Add(channelNonceWindow))
	if err != nil {
		s.noticeFailed(w, name, n, err)
		return
	}
	if !fresh {
		s.refuseNotice(w, name, http.StatusUnauthorized, "replay",
			"this nonce was used before: sign every attempt afresh, with a new nonce")
		return
	}
	_, fresh, err = s.recordChannelPayment(r.Context(), n)
	switch {
	case errors.Is(err, errNoOrder):
		s.refuseNotice(w, name, http.StatusNotFound, "unknown_order", "no order has this out_trade_no", "order", n.OrderID,
			"transaction", n.TransactionID)
	case errors.Is(err, errOtherChannel):
		s.refuseNotice(w, name, http.StatusConflict, "other_channel", "the order was created at another payment channel",
			"order", n.OrderID, "transaction", n.TransactionID)
	case errors.Is(err, errTransactionReused):
		s.refuseNotice(w, name, http.StatusConflict, "transaction_reused",
			"this transaction_id was recorded before with another order or amount", "order", n.OrderID, "transaction", n.TransactionID)
	case err != nil:
		s.noticeFailed(w, name, n, err)
	default:
		msg := "recorded"
		if !fresh {
			msg = "recorded before"
		}
		writeJSON(w, http.StatusOK, channel.Answer{Code: channel.AnswerSuccess, Message: msg})
	}
}

// refuseNotice answers a notice the channel must not send again as it is, and logs why: the
// channel's name, a reason code, and order and transaction ids when known, never anything of
// the payer (a notice carries nothing of them).
func (s *Server) refuseNotice(w http.ResponseWriter, name string, status int, reason, message string, ids ...any) {
	s.metrics.authFailure("channel_" + reason)
	s.log.Warn("payment channel notice refused", append([]any{"channel", logName(name), "reason", reason, "status", status}, ids...)...)
	writeJSON(w, status, channel.Answer{Code: channel.AnswerFail, Message: message})
}

// noticeFailed answers a notice our side failed to record: the channel tries again.
func (s *Server) noticeFailed(w http.ResponseWriter, name string, n channel.Notice, err error) {
	status := http.StatusInternalServerError
	if f, ok := storageFailureOf(err); ok {
		s.health.sawFailure(f, s.now())
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", strconv.Itoa(int(storageRetryAfter/time.Second)))
	}
	s.log.Error("payment channel notice not recorded", "channel", name, "order", n.OrderID,
		"transaction", n.TransactionID, "err", err.Error())
	writeJSON(w, status, channel.Answer{Code: channel.AnswerFail, Message: "not recorded: send the notice again later"})
}

// logName keeps a channel name from the request path fit for a log: a configured name is an id,
// anything else is summed up.
func logName(name string) string {
	if channel.ValidID(name, 32) {
		return name
	}
	return "(invalid)"
}
