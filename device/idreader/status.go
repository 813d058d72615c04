package idreader

import (
	"errors"
	"fmt"
)

// Status is the reader's SW3 byte: what became of a command. The values and their meanings are
// from the vendors' notes on GA/T 467.
type Status byte

const (
	StatusOK            Status = 0x90 // done
	StatusCardFound     Status = 0x9F // find card: a card is on the reader
	StatusFindFailed    Status = 0x80 // find card: no card (the usual answer while waiting)
	StatusSelectFailed  Status = 0x81 // select card: the card did not answer
	StatusReadFailed    Status = 0x41 // read: the card stopped answering mid-read
	StatusBadChecksum   Status = 0x10 // the reader got our command corrupted
	StatusBadLength     Status = 0x11 // the reader got a command of the wrong length
	StatusBadCommand    Status = 0x21 // the reader does not know the command
	StatusAuthCard      Status = 0x31 // the card did not accept the security module (卡认证机具失败)
	StatusAuthSAM       Status = 0x32 // the security module did not accept the card (机具认证卡失败)
	StatusAuthVerify    Status = 0x33 // the card's data failed verification (信息验证错误)
	StatusSelfTest      Status = 0x60 // the security module failed its self-test
	StatusNotAuthorised Status = 0x66 // the security module is not authorised for use
)

// Errors of the line and of the frames. Their text is for staff and logs; the screen words its
// own message from the value (errors.Is), in the person's language. None of them ever carries
// card content.
var (
	ErrTimeout     = errors.New("the ID card reader did not answer in time; staff: check that it is plugged in and powered")
	ErrChecksum    = errors.New("a reply from the ID card reader was corrupted (checksum mismatch); try again, and staff: check the cable if it repeats")
	ErrFrameLength = errors.New("the ID card reader sent a frame with an impossible length; staff: check the baud rate and the cable")
	ErrNoFrame     = errors.New("the ID card reader sends bytes that are not frames; staff: check the baud rate (115200 unless the reader was set otherwise)")
	ErrLineFailed  = errors.New("the line to the ID card reader failed; staff: check that it is plugged in")
	ErrClosed      = errors.New("the ID card reader was closed")
)

// Errors the reader reports in SW3, one per thing a person or staff can act on.
var (
	ErrNoCard          = errors.New("no ID card on the reader; place the card flat on the reader")
	ErrSelectFailed    = errors.New("the ID card did not answer; lift it and place it flat on the reader again")
	ErrReadFailed      = errors.New("the ID card could not be read; place it flat on the reader again and keep it still, or type the ID number instead")
	ErrAuth            = errors.New("the ID card and the reader did not accept each other; place the card again, and if it repeats type the ID number instead and ask staff to check the card")
	ErrCommandChecksum = errors.New("the ID card reader received a corrupted command; try again, and staff: check the cable if it repeats")
	ErrCommandLength   = errors.New("the ID card reader rejected a command's length; staff: check the reader model and the cable")
	ErrCommandUnknown  = errors.New("the ID card reader does not know a command; staff: check that the reader model is supported")
	ErrSelfTest        = errors.New("the ID card reader's security module failed its self-test; staff: restart or replace the reader; meanwhile people can type the ID number instead")
	ErrNotAuthorised   = errors.New("the ID card reader's security module is not authorised; staff: contact the vendor; meanwhile people can type the ID number instead")
	ErrUnknownStatus   = errors.New("the ID card reader answered with an unknown status; staff: note the code and contact the vendor")
)

// Err is the error a status stands for, nil for the two that mean success.
func (s Status) Err() error {
	switch s {
	case StatusOK, StatusCardFound:
		return nil
	case StatusFindFailed:
		return ErrNoCard
	case StatusSelectFailed:
		return ErrSelectFailed
	case StatusReadFailed:
		return ErrReadFailed
	case StatusBadChecksum:
		return ErrCommandChecksum
	case StatusBadLength:
		return ErrCommandLength
	case StatusBadCommand:
		return ErrCommandUnknown
	case StatusAuthCard, StatusAuthSAM, StatusAuthVerify:
		return ErrAuth
	case StatusSelfTest:
		return ErrSelfTest
	case StatusNotAuthorised:
		return ErrNotAuthorised
	}
	return ErrUnknownStatus
}

// StatusError is a command the reader answered with a failure status. It unwraps to the
// sentinel for SW3 (ErrNoCard, ErrAuth, ...), and keeps the exact bytes for the maintenance log:
// the three auth failures share one sentinel but not one cause.
type StatusError struct {
	Cmd      Command
	SW1, SW2 byte
	SW3      Status
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("idreader: %s: %v (status %02X %02X %02X)", e.Cmd, e.SW3.Err(), e.SW1, e.SW2, byte(e.SW3))
}

// Unwrap gives the sentinel, so errors.Is(err, ErrNoCard) works through the wrapping.
func (e *StatusError) Unwrap() error { return e.SW3.Err() }

// check turns a failure status into a *StatusError.
func (r Reply) check(cmd Command) error {
	if r.SW3.Err() == nil {
		return nil
	}
	return &StatusError{Cmd: cmd, SW1: r.SW1, SW2: r.SW2, SW3: r.SW3}
}
