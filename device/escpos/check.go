package escpos

import (
	"context"
	"fmt"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/device"
)

// condition is what the status queries told of a printer: its state in the api's vocabulary
// (what staff see in heartbeats) and, when that state stops printing, the error a person is
// told (a *device.StateError that unwraps to ErrPaperOut or ErrPrinterOffline).
type condition struct {
	state string
	err   error
}

// halted is a condition that stops printing.
func halted(state string, err error) condition {
	return condition{state: state, err: &device.StateError{State: state, Err: err}}
}

// checkStatus asks the printer about its paper (DLE EOT 4) and then whether it is online
// (DLE EOT 1, and DLE EOT 2 for the cause), before anything is printed. Paper comes first
// because a printer out of paper also reports itself offline, and "out of paper" is the
// more useful thing to tell. A printer that does not answer cannot report status: that is
// accepted unless t.RequireStatus, as many USB printers never answer. An answer that is not
// a status byte is taken the same way: something is there and reading.
func checkStatus(ctx context.Context, l link, t Target) error {
	c, err := readCondition(ctx, l, t)
	if err != nil {
		return err
	}
	return c.err
}

// readCondition runs the status queries of checkStatus and says what they found; an error is
// a link that failed (the queries could not be sent), not a state of the printer.
func readCondition(ctx context.Context, l link, t Target) (condition, error) {
	b, answered, err := l.query(ctx, StatusPaper)
	if err != nil {
		return condition{}, err
	}
	if !answered {
		if t.RequireStatus {
			return halted(api.DeviceOffline, fmt.Errorf("%w: %s did not answer the status query; "+
				"check that the printer is on and its cable / network is connected "+
				"(if this model cannot report status, add ?status=optional to the target)", device.ErrPrinterOffline, t)), nil
		}
		return condition{state: api.DeviceUnknown}, nil
	}
	good := api.DeviceOK
	if paper, err := ParsePaperStatus(b); err == nil && paper.Out {
		return halted(api.DevicePaperOut, fmt.Errorf("%w: the paper sensor of %s reports no paper; load a new roll and close the cover", device.ErrPaperOut, t)), nil
	} else if err == nil && paper.NearEnd {
		good = api.DevicePaperLow
	}

	b, answered, err = l.query(ctx, StatusPrinter)
	if err != nil {
		return condition{}, err
	}
	if !answered {
		return condition{state: good}, nil
	}
	status, err := ParsePrinterStatus(b)
	if err != nil || !status.Offline {
		return condition{state: good}, nil
	}
	return offlineCause(ctx, l, t)
}

// offlineCause turns DLE EOT 2 into what a person or staff member should do.
func offlineCause(ctx context.Context, l link, t Target) (condition, error) {
	b, answered, err := l.query(ctx, StatusOfflineCause)
	if err != nil {
		return condition{}, err
	}
	cause, perr := ParseOfflineCause(b)
	switch {
	case !answered || perr != nil:
		return halted(api.DeviceOffline, fmt.Errorf("%w: %s reports it is offline; check that its cover is closed and it has paper", device.ErrPrinterOffline, t)), nil
	case cause.PaperEndStop:
		return halted(api.DevicePaperOut, fmt.Errorf("%w: %s stopped at the end of the paper; load a new roll and close the cover", device.ErrPaperOut, t)), nil
	case cause.CoverOpen:
		return halted(api.DeviceCoverOpen, fmt.Errorf("%w: the cover of %s is open; close it", device.ErrPrinterOffline, t)), nil
	case cause.Error:
		return halted(api.DeviceError, fmt.Errorf("%w: %s reports an error (cutter jammed or head too hot); clear the paper path and switch it off and on", device.ErrPrinterOffline, t)), nil
	}
	return halted(api.DeviceOffline, fmt.Errorf("%w: %s reports it is offline (cause byte 0x%02X); check the printer", device.ErrPrinterOffline, t, b)), nil
}
