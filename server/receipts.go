package server

// Receipt verification. A kiosk's receipt carries a QR code with the address of this page and
// the receipt's operation or payment-order id, so that anyone holding the paper (the person, a
// counter clerk, an employer) can check with a phone that the platform recorded it. The page
// says what was recorded and when, with decision numbers and amounts, and nothing about the
// person: no name, no ID number, no plate. The ids are random UUIDs, so pages cannot be found
// by counting.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// handleReceipt answers GET /r/{id} with a plain-text page in Chinese and English.
func (s *Server) handleReceipt(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validOrderID(id) {
		writeNoReceipt(w)
		return
	}
	var lines []string
	err := s.store.Read(r.Context(), func(rd store.Reader) error {
		op, err := rd.Op(id)
		if err == nil {
			lines, err = s.opReceiptLines(op)
			return err
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		o, err := rd.PayOrder(id)
		if err != nil {
			return err
		}
		lines = orderReceiptLines(o)
		return nil
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeNoReceipt(w)
	case err != nil:
		s.log.Error("receipt verification failed", "err", err)
		writeError(w, http.StatusServiceUnavailable, "store_unavailable", "暂时无法核验，请稍后再试 / cannot verify right now; try again later")
	default:
		writeReceiptPage(w, lines)
	}
}

// writeNoReceipt is the one answer for an id the platform has no record of.
func writeNoReceipt(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, "unknown_receipt",
		"没有找到这张凭证，请到车管所窗口核实 / no such receipt: please ask at a vehicle administration counter")
}

func writeReceiptPage(w http.ResponseWriter, lines []string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintln(w, "交通违法自助处理凭证核验 / Receipt verification")
	fmt.Fprintln(w)
	fmt.Fprintln(w, strings.Join(lines, "\n"))
}

// opReceiptLines describe an operation's recorded result; a rejection says why (rejectionLines).
func (s *Server) opReceiptLines(op store.OpRecord) ([]string, error) {
	var res api.OpResult
	if err := json.Unmarshal(op.Result, &res); err != nil {
		return nil, fmt.Errorf("operation %s: stored result: %w", op.OpID, err)
	}
	at := op.AppliedAt.In(model.ChinaZone()).Format("2006-01-02 15:04")
	if op.Outcome == api.OutcomeRejected {
		return append([]string{"凭证 " + op.OpID + "：平台未受理这笔业务（" + at + "）。",
			"Receipt " + op.OpID + ": the platform refused this operation (" + at + ")."}, s.rejectionLines(res.Reasons)...), nil
	}
	out := []string{"凭证 " + op.OpID + "：有效，平台已于 " + at + " 记录。",
		"Receipt " + op.OpID + ": valid, recorded by the platform at " + at + "."}
	for _, d := range res.Decisions {
		fine := model.Fen(d.FineFen)
		out = append(out, fmt.Sprintf("处罚决定书 %s：记 %d 分，罚款 %s / Decision %s: %d points, fine %s",
			d.Number, d.Points, fine.YuanText(), d.Number, d.Points, fine))
	}
	out = append(out, paymentLines(res.Payments)...)
	return out, nil
}

// orderReceiptLines describe a phone payment order.
func orderReceiptLines(o store.PayOrder) []string {
	if o.Status != api.PayOrderPaid {
		return []string{"订单 " + o.ID + "：未支付（" + o.Status + "）。", "Order " + o.ID + ": not paid (" + o.Status + ")."}
	}
	at := o.PaidAt.In(model.ChinaZone()).Format("2006-01-02 15:04")
	return []string{"订单 " + o.ID + "：有效，已于 " + at + " 缴款 " + o.Amount.YuanText() + "。",
		"Order " + o.ID + ": valid, " + o.Amount.String() + " paid at " + at + "."}
}

func paymentLines(ps []api.Payment) []string {
	var paid, refunded model.Fen
	for _, p := range ps {
		if p.Refund {
			refunded += model.Fen(p.FineFen + p.LateFeeFen)
		} else {
			paid += model.Fen(p.FineFen + p.LateFeeFen)
		}
	}
	var out []string
	if paid > 0 {
		out = append(out, "已缴款 "+paid.YuanText()+" / Paid "+paid.String())
	}
	if refunded > 0 {
		out = append(out, "已退款 "+refunded.YuanText()+" / Refunded "+refunded.String())
	}
	return out
}
