// Package device holds the interfaces of the kiosk's peripherals that the UI drives (face
// verification camera, bank card terminal, receipt printer) and the implementations that need
// no hardware: simulated ones for demo mode, which say on screen that they are simulated, and a
// printer that writes receipts to files. Drivers for real hardware implement the same
// interfaces.
package device

import (
	"context"
	"errors"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// Info describes a device for the screens and the maintenance page.
type Info struct {
	Name      string // what staff call it: "receipt printer (file)", "simulated camera"
	Simulated bool   // the UI marks every use of a simulated device as such
}

// Face verifies that the person at the kiosk is the holder of an ID number (人证比对).
type Face interface {
	Info() Info
	// Verify captures the face and compares it with the ID card's photo; false means no match.
	Verify(ctx context.Context, id model.IDNumber) (bool, error)
}

// CardTerminal takes a bank card payment (银联 POS module).
type CardTerminal interface {
	Info() Info
	// Charge takes amount and returns the channel's transaction reference. ErrDeclined means
	// the card was refused; nothing was taken.
	Charge(ctx context.Context, amount model.Fen, order string) (string, error)
}

// Printer prints a receipt (text, already masked).
type Printer interface {
	Info() Info
	// Print prints the receipt and says where it went (for a file printer, the file).
	Print(ctx context.Context, receipt string) (string, error)
}

// ErrDeclined is a card payment the bank refused.
var ErrDeclined = errors.New("the card payment was declined")

// Set is the devices of one kiosk; a nil member is a device the kiosk does not have.
type Set struct {
	Face    Face
	Card    CardTerminal
	Printer Printer
}

// States reports each device's name for heartbeats and the maintenance page.
func (s Set) States() map[string]string {
	out := map[string]string{}
	add := func(kind string, i Info) {
		state := "ok"
		if i.Simulated {
			state = "simulated"
		}
		out[kind] = i.Name + ": " + state
	}
	if s.Face != nil {
		add("face", s.Face.Info())
	}
	if s.Card != nil {
		add("card", s.Card.Info())
	}
	if s.Printer != nil {
		add("printer", s.Printer.Info())
	}
	return out
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
