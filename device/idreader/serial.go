package idreader

import (
	"fmt"
	"time"

	"go.bug.st/serial"
)

// DefaultBaud is the readers' factory setting (GA/T 467: 115200 8N1; 57600 down to 9600 can be
// chosen on the reader).
const DefaultBaud = 115200

// pumpWake is the serial read timeout. Closing a go.bug.st/serial port already wakes a blocked
// read; the timeout is a second way for the pump to notice Close, so that it never outlives the
// Reader by more than this.
const pumpWake = 200 * time.Millisecond

// Open opens the serial port at path (e.g. /dev/ttyUSB0) at baud, 8 data bits, no parity, one
// stop bit, and drives the reader on it. baud 0 means DefaultBaud.
func Open(path string, baud int, opts ...Option) (*Reader, error) {
	if baud <= 0 {
		baud = DefaultBaud
	}
	mode := &serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit}
	port, err := serial.Open(path, mode)
	if err != nil {
		return nil, fmt.Errorf("idreader: open %s at %d baud: %w", path, baud, err)
	}
	if err := port.SetReadTimeout(pumpWake); err != nil {
		port.Close()
		return nil, fmt.Errorf("idreader: open %s: set read timeout: %w", path, err)
	}
	// Bytes left from before we opened the port belong to nobody.
	if err := port.ResetInputBuffer(); err != nil {
		port.Close()
		return nil, fmt.Errorf("idreader: open %s: flush input: %w", path, err)
	}
	return New(port, opts...), nil
}
