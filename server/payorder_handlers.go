package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/channel"
	"github.com/hallkiosk/kiosk/server/store"
)

// handleCreatePayOrder answers POST /v1/payorders: a new order, the stored one for a retry, or
// a refused one (200 with reasons, nothing stored) when an item cannot be paid.
func (s *Server) handleCreatePayOrder(w http.ResponseWriter, r *http.Request, sess *session) {
	var req api.PayOrderRequest
	if err := decodeBody(sess.body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "the body must be a PayOrderRequest")
		return
	}
	if !validOrderID(req.OrderID) {
		writeError(w, http.StatusBadRequest, "bad_request", "order_id must be 1 to 64 letters, digits, '-' or '_'")
		return
	}
	if len(req.Items) == 0 || len(req.Items) > maxOrderItems {
		writeError(w, http.StatusBadRequest, "bad_request", "send between 1 and 50 items")
		return
	}
	for _, it := range req.Items {
		if it.FineFen < 0 || it.LateFeeFen < 0 {
			writeError(w, http.StatusBadRequest, "bad_request", "amounts cannot be negative")
			return
		}
	}
	payer, err := model.ParseIDNumber(req.PayerID, s.now())
	if err != nil {
		writeInputError(w, err)
		return
	}
	order, err := s.createPayOrder(r.Context(), sess.kiosk, payer, req)
	switch {
	case errors.Is(err, errOrderIDReused):
		writeError(w, http.StatusConflict, "order_id_reused",
			"this order_id belongs to an order with other content: choose a new id for a new order")
	case errors.Is(err, errChannel):
		writeChannelUnavailable(w)
	case err != nil:
		s.internalError(w, "create pay order", err)
	default:
		writeJSON(w, http.StatusOK, order)
	}
}

// orderRoute serves a route on one order named by {id}: a malformed id is an unknown order;
// act runs for the calling kiosk and its answer, or error, goes out as answerOrder words it.
func (s *Server) orderRoute(what string, act func(ctx context.Context, kioskID, id string) (api.PayOrder, error)) func(http.ResponseWriter, *http.Request, *session) {
	return func(w http.ResponseWriter, r *http.Request, sess *session) {
		id := r.PathValue("id")
		if !validOrderID(id) {
			writeNoOrder(w)
			return
		}
		order, err := act(r.Context(), sess.kiosk.ID, id)
		s.answerOrder(w, what, order, err)
	}
}

// handlePayOrder answers GET /v1/payorders/{id}, which kiosks poll while the QR code is shown.
func (s *Server) handlePayOrder() func(http.ResponseWriter, *http.Request, *session) {
	return s.orderRoute("read pay order", s.payOrder)
}

// handleCancelPayOrder answers POST /v1/payorders/{id}/cancel.
func (s *Server) handleCancelPayOrder() func(http.ResponseWriter, *http.Request, *session) {
	return s.orderRoute("cancel pay order", s.cancelPayOrder)
}

// handleSimulatePaid answers POST /v1/payorders/{id}/simulate-paid, which Handler serves only
// with Config.SimulatePayments: the kiosk that created the order plays the simulated payment
// channel, and the order is paid exactly as a channel's notice pays it (recordChannelPayment).
// An order created at a real channel is paid there, never here.
func (s *Server) handleSimulatePaid() func(http.ResponseWriter, *http.Request, *session) {
	return s.orderRoute("simulate payment", func(ctx context.Context, kioskID, id string) (api.PayOrder, error) {
		var o store.PayOrder
		err := s.store.Read(ctx, func(r store.Reader) error {
			var err error
			o, err = r.PayOrder(id)
			return err
		})
		switch {
		case errors.Is(err, store.ErrNotFound) || err == nil && o.KioskID != kioskID:
			return api.PayOrder{}, errNoOrder
		case err != nil:
			return api.PayOrder{}, err
		}
		sim, ok := s.channels[o.Channel].(*channel.Simulated)
		if !ok {
			return api.PayOrder{}, errNotSimulated
		}
		order, _, err := s.recordChannelPayment(ctx, sim.PaidNotice(id, int64(o.Amount), s.now()))
		return order, err
	})
}

func (s *Server) answerOrder(w http.ResponseWriter, what string, order api.PayOrder, err error) {
	switch {
	case errors.Is(err, errNoOrder):
		writeNoOrder(w)
	case errors.Is(err, errNotSimulated):
		writeError(w, http.StatusConflict, "order_not_simulated",
			"this order was created at a real payment channel: it is paid there, not simulated")
	case errors.Is(err, errChannel):
		writeChannelUnavailable(w)
	case err != nil:
		s.internalError(w, what, err)
	default:
		writeJSON(w, http.StatusOK, order)
	}
}

// writeChannelUnavailable answers a request the payment channel could not serve. The order is
// kept; the same request again asks the channel again.
func writeChannelUnavailable(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "5")
	writeError(w, http.StatusBadGateway, "channel_unavailable",
		"the payment channel did not answer: send the same request again in a moment (the order is kept)")
}

// writeNoOrder is the one answer for an order that does not exist and for another kiosk's.
func writeNoOrder(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, "unknown_order", "this kiosk has no payment order with this id")
}
