package ui

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

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
	File    model.FileNumber // "" when the person was identified by the ID card
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
	// Decision is the penalty decision a payment pays ("" on a processing receipt).
	Decision model.DecisionNumber
	// Violation and Facts (the catalogue's description) are what a processing's penalty
	// decision states about the violation.
	Violation model.Violation
	Facts     model.Words
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
	paying := title == txtReceiptPay
	for _, it := range r.Items {
		if paying && it.Decision != "" {
			// A payment names what it pays: the decision, the fine and the late fee apart.
			lines = append(lines, T(txtReceiptPayItem, "plate", it.Plate.Masked(), "number", string(it.Decision),
				"fine", money(it.Fine), "late", money(it.LateFee)))
		} else {
			lines = append(lines, T(txtReceiptItem, "plate", it.Plate.Masked(), "code", string(it.Code),
				"points", strconv.Itoa(it.Points), "amount", money(it.Fine+it.LateFee)))
		}
		total += it.Fine + it.LateFee
	}
	lines = append(lines, c.receiptTotal(r, paying, total), "")
	doc := device.Doc{Title: T(title)}
	if r.Op.Pay != nil && r.Op.Pay.Reference != "" {
		// The channel's reference whatever the platform has said yet: the money was taken.
		lines = append(lines, T(txtReceiptPaidCard, "reference", r.Op.Pay.Reference))
	}
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
	return out
}

// receiptTotal is the total line. A processing receipt says the total is not paid and by when
// it must be: the earliest due date of its decisions, or, before the platform has decided, the
// days the law gives from the decision.
func (c *Common) receiptTotal(r Receipt, paying bool, total model.Fen) string {
	T, money := c.T, c.Money
	if paying || r.Op.Type != api.OpProcess || (r.Result != nil && r.Result.Outcome == api.OutcomeRejected) {
		return T(txtReceiptTotal, "amount", money(total))
	}
	due := ""
	if r.Result != nil {
		for _, d := range r.Result.Decisions {
			if due == "" || d.DueDate < due { // ISO dates compare as strings
				due = d.DueDate
			}
		}
	}
	if due == "" {
		days := 15
		if c.Profile != nil {
			days = c.Profile.Payment.DueDays
		}
		return T(txtReceiptTotalUnpaidIn, "amount", money(total), "days", strconv.Itoa(days))
	}
	return T(txtReceiptTotalUnpaid, "amount", money(total), "due", due)
}

// DecisionDocs lays out the penalty decisions a confirmed processing issued, one document each,
// in the session's language, with the receipt's verification QR code (the operation that
// issued them). A decision the document cannot be built for (no profile, a violation the
// receipt does not carry) is left out: the receipt still names its number.
func (c *Common) DecisionDocs(r Receipt) []device.Doc {
	if r.Result == nil || r.Result.Outcome == api.OutcomeRejected || c.Profile == nil {
		return nil
	}
	var docs []device.Doc
	for _, d := range r.Result.Decisions {
		for _, it := range r.Items {
			if it.ViolationID != d.ViolationID || it.Violation.Office == "" {
				continue
			}
			v := it.Violation
			v.Points, v.Fine = d.Points, model.Fen(d.FineFen) // as decided
			f := model.DecisionFacts{Number: model.DecisionNumber(d.Number), IssuedAt: d.IssuedAt,
				Due: parseDate(d.DueDate), Violation: v, Facts: it.Facts, Name: r.Name, ID: r.ID, File: r.File}
			dd, err := c.Profile.DecisionDocument(f, c.Lang)
			if err != nil {
				break
			}
			docs = append(docs, c.decisionDoc(dd, c.verifyURL(r.Op.ID)))
			break
		}
	}
	return docs
}

// decisionDoc words a decision's content.
func (c *Common) decisionDoc(d model.DecisionDoc, qr string) device.Doc {
	T, money := c.T, c.Money
	at := func(t time.Time) string { return t.In(model.ChinaZone()).Format("2006-01-02 15:04") }
	file := T(txtDecisionFileCard)
	if d.File != "" {
		file = T(txtDecisionFile, "file", d.File)
	}
	facts := T(txtDecisionCodeOnly, "code", string(d.Code))
	if d.Facts != "" {
		facts = T(txtDecisionFacts, "facts", d.Facts, "code", string(d.Code))
	}
	rate := strconv.Itoa(d.LateFeeBasisPoints/100) + "%"
	if d.LateFeeBasisPoints%100 != 0 {
		rate = fmt.Sprintf("%d.%02d%%", d.LateFeeBasisPoints/100, d.LateFeeBasisPoints%100)
	}
	lines := []string{
		T(txtDecisionNumber, "number", string(d.Number)),
		T(txtDecisionPerson, "name", d.Name, "id", d.ID),
		file,
		T(txtDecisionVehicle, "plate", d.Plate),
		T(txtDecisionTime, "time", at(d.Time)),
		T(txtDecisionPlace, "place", d.Place),
		facts,
		T(txtDecisionBroken, "provision", d.Broken),
		T(txtDecisionApplied, "provision", d.Applied),
		T(txtDecisionPenalty, "fine", money(d.Fine), "points", strconv.Itoa(d.Points)),
		T(txtDecisionPay, "due", d.Due.String(), "where", d.PayAt),
		T(txtDecisionLate, "rate", rate, "perday", money(d.LateFeePerDay), "cap", money(d.LateFeeCap)),
		T(txtDecisionReview, "days", strconv.Itoa(d.ReviewDays), "body", d.Review),
		T(txtDecisionSue, "months", strconv.Itoa(d.SueMonths), "court", d.Court),
		T(txtDecisionIssuer, "office", d.Issuer),
		T(txtDecisionIssued, "time", at(d.IssuedAt)),
	}
	return device.Doc{Title: T(txtDecisionTitle), Lines: lines, QR: qr}
}

// parseDate reads an ISO date of the API ("2025-03-25"); anything else is the zero Date, and
// the document then computes the due date from the issue time.
func parseDate(s string) model.Date {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return model.Date{}
	}
	return model.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}
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
