package idreader

import (
	"context"
	"time"

	"github.com/hallkiosk/kiosk/device"
)

// Device is a Reader as the kiosk's UI uses it (device.IDReader): it waits for a card and hands
// over the number, checked by the model.
type Device struct {
	Reader *Reader
	Path   string // the serial port, for the maintenance page
}

// Info names the reader by its port.
func (d Device) Info() device.Info { return device.Info{Name: "ID card reader " + d.Path} }

// ReadCard waits for a card and returns its number. The card's other fields and its photo are
// not passed on.
func (d Device) ReadCard(ctx context.Context) (device.IDCard, error) {
	card, err := d.Reader.ReadCard(ctx)
	if err != nil {
		return device.IDCard{}, err
	}
	id, err := card.IDNumber(time.Now())
	if err != nil {
		return device.IDCard{}, err
	}
	return device.IDCard{Number: id}, nil
}
