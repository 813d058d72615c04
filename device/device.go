// Package device holds the interfaces of the kiosk's peripherals that the UI drives (face
// verification camera, bank card terminal, receipt printer) and the implementations that need
// no hardware: simulated ones for demo mode, which say on screen that they are simulated, and a
// printer that writes receipts to files. Drivers for real hardware implement the same
// interfaces.
package device

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// Info describes a device for the screens and the maintenance page.
type Info struct {
	Name      string // what staff call it: "receipt printer (file)", "simulated camera"
	Simulated bool   // the UI marks every use of a simulated device as such
	// NoPaper marks a printer that puts nothing in the person's hand (receipts written to
	// files): the screen must not say "printed", and shows the receipt instead.
	NoPaper bool
}

// FaceResult is what a face check concluded (人证比对).
type FaceResult int

const (
	// FaceMatch: the person at the kiosk is the card's holder.
	FaceMatch FaceResult = iota + 1
	// FaceNoMatch: the device is sure they are not.
	FaceNoMatch
	// FaceUncertain: the device cannot tell (score between its thresholds, poor light).
	FaceUncertain
)

// Face verifies that the person at the kiosk is the holder of an ID number. Anything but
// FaceMatch (and any error) sends the person to a staffed counter: the kiosk never asks again,
// and face is never the only way to be served.
type Face interface {
	Info() Info
	// Verify captures the face and compares it with the ID card's photo.
	Verify(ctx context.Context, id model.IDNumber) (FaceResult, error)
}

// CardTerminal takes bank card payments (银联 POS module).
type CardTerminal interface {
	Info() Info
	// Charge takes amount for order and returns the channel's transaction reference.
	// ErrDeclined means the card was refused and nothing was taken. Any other error leaves the
	// outcome unknown: ask Status.
	Charge(ctx context.Context, amount model.Fen, order string) (string, error)
	// Status tells what became of order's charge: ChargeNone, ChargeApproved (with its
	// reference) or ChargeDeclined.
	Status(ctx context.Context, order string) (ChargeState, string, error)
	// Refund gives back amount of a charge by its reference.
	Refund(ctx context.Context, reference string, amount model.Fen) error
}

// ChargeState is what a card terminal knows of an order's charge.
type ChargeState int

const (
	ChargeNone     ChargeState = iota // no charge was made for the order
	ChargeApproved                    // the money was taken
	ChargeDeclined                    // the card was refused
)

// Doc is a receipt as a printer lays it out: a title, lines of text (already masked) and,
// optionally, a QR code with a URL where the receipt can be verified.
type Doc struct {
	Title string
	Lines []string
	QR    string
}

// Text is the document as plain text, for a file or the screen. Every line is cleaned
// (model.CleanText): a receipt file is read with tools that obey escape sequences.
func (d Doc) Text() string {
	out := []string{model.CleanText(d.Title)}
	for _, l := range d.Lines {
		out = append(out, model.CleanText(l))
	}
	if d.QR != "" {
		out = append(out, "", d.QR)
	}
	return strings.Join(out, "\n")
}

// Printer prints receipts.
type Printer interface {
	Info() Info
	// Print prints the receipt and says where it went (a file's path, a printer's address).
	// ErrPrinterOffline and ErrPaperOut are the errors a person can be told about; the receipt
	// is then shown on screen instead.
	Print(ctx context.Context, doc Doc) (string, error)
}

// ErrDeclined is a card payment the bank refused.
var ErrDeclined = errors.New("the card payment was declined")

// Printer errors the UI words for the person.
var (
	ErrPrinterOffline = errors.New("the receipt printer does not answer")
	ErrPaperOut       = errors.New("the receipt printer is out of paper")
)

// IDCard is what the kiosk takes from a resident ID card: the number, checked by the model.
// The name and the photo stay with the reader (the photo is for a face device's comparison).
type IDCard struct {
	Number model.IDNumber
}

// IDReader reads resident ID cards (二代身份证阅读器). Typing the number always stays possible.
type IDReader interface {
	Info() Info
	// ReadCard waits until a card is on the reader and read, or ctx ends. No card is not an
	// error; a card that cannot be read is, with words for the person.
	ReadCard(ctx context.Context) (IDCard, error)
}

// Set is the devices of one kiosk; a nil member is a device the kiosk does not have.
type Set struct {
	Face     Face
	Card     CardTerminal
	Printer  Printer
	IDReader IDReader
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
