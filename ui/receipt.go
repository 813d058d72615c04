package ui

import (
	"strconv"
	"strings"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
)

// Receipt is what a receipt shows of one operation: shown on screen, written to the data
// directory, later printed. Identity is masked on every receipt.
type Receipt struct {
	Hall    string
	KioskID string
	Op      api.Op        // as queued: id, type, time
	Result  *api.OpResult // nil while the server has not confirmed it
	Name    string        // the person's name, masked when rendered
	ID      model.IDNumber
	Items   []ReceiptItem
}

// ReceiptItem is one violation on a receipt.
type ReceiptItem struct {
	ViolationID string
	Plate       model.Plate
	Code        model.ViolationCode
	Points      int
	Fine        model.Fen
	LateFee     model.Fen
}

// RenderReceipt lays a receipt out as plain text lines in the session's language. A receipt of
// an operation the server has not confirmed says so, with the operation id, which is what staff
// and the platform use to trace it.
func (c *Common) RenderReceipt(r Receipt) string {
	money := func(f model.Fen) string {
		if c.Lang == model.EN {
			return f.String()
		}
		return f.YuanText()
	}
	title := txtReceiptProcess
	if r.Op.Type == api.OpPay {
		title = txtReceiptPay
	}
	lines := []string{c.T(title), c.T(txtReceiptHall, "hall", r.Hall),
		c.T(txtReceiptTime, "time", r.Op.At.In(model.ChinaZone()).Format("2006-01-02 15:04")),
		c.T(txtReceiptPerson, "name", maskedName(r.Name), "id", r.ID.Masked()), ""}
	var total model.Fen
	for _, it := range r.Items {
		lines = append(lines, c.T(txtReceiptItem, "plate", it.Plate.Masked(), "code", string(it.Code),
			"points", strconv.Itoa(it.Points), "amount", money(it.Fine+it.LateFee)))
		total += it.Fine + it.LateFee
	}
	lines = append(lines, c.T(txtReceiptTotal, "amount", money(total)), "")
	lines = append(lines, c.receiptStatus(r)...)
	return strings.Join(append(lines, c.T(txtReceiptOpID, "op", r.Op.ID, "kiosk", r.KioskID)), "\n")
}

func (c *Common) receiptStatus(r Receipt) []string {
	switch {
	case r.Result == nil:
		return []string{c.T(txtReceiptPending)}
	case r.Result.Outcome == api.OutcomeRejected:
		return []string{c.T(txtReceiptRejected)}
	}
	out := []string{c.T(txtReceiptConfirmed, "time", r.Result.AppliedAt.In(model.ChinaZone()).Format("2006-01-02 15:04"))}
	for _, d := range r.Result.Decisions {
		out = append(out, c.T(txtReceiptDecision, "number", d.Number, "due", d.DueDate))
	}
	return out
}
