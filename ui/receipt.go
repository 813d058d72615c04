package ui

import (
	"errors"
	"net/url"
	"strconv"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/device"
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
	// Order is a phone payment's order, paid (the platform recorded the payment itself; there
	// is no kiosk operation). nil for receipts of operations.
	Order *api.PayOrder
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

// RenderReceipt lays a receipt out as plain text lines in the session's language: the text
// shown on screen and queued with an operation. It reads the session's language: call it on
// the event loop, never in a command.
func (c *Common) RenderReceipt(r Receipt) string { return c.ReceiptDoc(r).Text() }

// ReceiptDoc lays a receipt out for a printer. A receipt of an operation the server has not
// confirmed says so, with the operation id, which is what staff and the platform use to trace
// it; the QR code (when the kiosk has a verification address) names the same id.
func (c *Common) ReceiptDoc(r Receipt) device.Doc {
	T, money := c.T, c.Money
	title := txtReceiptProcess
	if r.Op.Type == api.OpPay || r.Order != nil {
		title = txtReceiptPay
	}
	at := r.Op.At
	if r.Order != nil && r.Order.PaidAt != nil {
		at = *r.Order.PaidAt
	}
	lines := []string{T(txtReceiptHall, "hall", r.Hall),
		T(txtReceiptTime, "time", at.In(model.ChinaZone()).Format("2006-01-02 15:04")),
		T(txtReceiptPerson, "name", maskedName(r.Name), "id", r.ID.Masked()), ""}
	var total model.Fen
	for _, it := range r.Items {
		lines = append(lines, T(txtReceiptItem, "plate", it.Plate.Masked(), "code", string(it.Code),
			"points", strconv.Itoa(it.Points), "amount", money(it.Fine+it.LateFee)))
		total += it.Fine + it.LateFee
	}
	lines = append(lines, T(txtReceiptTotal, "amount", money(total)), "")
	doc := device.Doc{Title: T(title)}
	if r.Order != nil {
		lines = append(lines, T(txtReceiptPaidQR, "reference", r.Order.Reference),
			T(txtReceiptOrder, "order", r.Order.OrderID, "kiosk", r.KioskID))
		doc.QR = c.verifyURL(r.Order.OrderID)
	} else {
		lines = append(lines, c.receiptStatus(r)...)
		lines = append(lines, T(txtReceiptOpID, "op", r.Op.ID, "kiosk", r.KioskID))
		doc.QR = c.verifyURL(r.Op.ID)
	}
	doc.Lines = lines
	return doc
}

// verifyURL is where a receipt with this operation or order id can be checked, or "" when the
// kiosk has no verification address.
func (c *Common) verifyURL(id string) string {
	if c.VerifyURL == "" || id == "" {
		return ""
	}
	return c.VerifyURL + url.PathEscape(id)
}

func (c *Common) receiptStatus(r Receipt) []string {
	T := c.T
	switch {
	case r.Result == nil:
		return []string{T(txtReceiptPending)}
	case r.Result.Outcome == api.OutcomeRejected:
		return []string{T(txtReceiptRejected)}
	}
	out := []string{T(txtReceiptConfirmed, "time", r.Result.AppliedAt.In(model.ChinaZone()).Format("2006-01-02 15:04"))}
	for _, d := range r.Result.Decisions {
		out = append(out, T(txtReceiptDecision, "number", d.Number, "due", d.DueDate))
	}
	if r.Op.Pay != nil {
		out = append(out, T(txtReceiptPaidCard, "reference", r.Op.Pay.Reference))
	}
	return out
}

// printFailedLines say why no receipt came out and what the person can do; the receipt itself
// is on screen.
func printFailedLines(c *Common, err error, w int) []string {
	text := txtReceiptPrintFailed
	switch {
	case errors.Is(err, device.ErrPaperOut):
		text = txtReceiptPaperOut
	case errors.Is(err, device.ErrPrinterOffline):
		text = txtReceiptOffline
	}
	return styledLines(c.Styles.Error.Render, wrap(c.T(text), max(w, 10)))
}
