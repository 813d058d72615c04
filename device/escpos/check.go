package escpos

import (
	"context"
	"fmt"

	"github.com/hallkiosk/kiosk/device"
)

// checkStatus asks the printer about its paper (DLE EOT 4) and then whether it is online
// (DLE EOT 1, and DLE EOT 2 for the cause), before anything is printed. Paper comes first
// because a printer out of paper also reports itself offline, and "out of paper" is the
// more useful thing to tell. A printer that does not answer cannot report status: that is
// accepted unless t.RequireStatus, as many USB printers never answer. An answer that is not
// a status byte is taken the same way: something is there and reading.
func checkStatus(ctx context.Context, l link, t Target) error {
	b, answered, err := l.query(ctx, StatusPaper)
	if err != nil {
		return err
	}
	if !answered {
		if t.RequireStatus {
			return fmt.Errorf("%w: %s did not answer the status query; "+
				"check that the printer is on and its cable / network is connected "+
				"(if this model cannot report status, add ?status=optional to the target)", device.ErrPrinterOffline, t)
		}
		return nil
	}
	if paper, err := ParsePaperStatus(b); err == nil && paper.Out {
		return fmt.Errorf("%w: the paper sensor of %s reports no paper; load a new roll and close the cover", device.ErrPaperOut, t)
	}

	b, answered, err = l.query(ctx, StatusPrinter)
	if err != nil || !answered {
		return err
	}
	status, err := ParsePrinterStatus(b)
	if err != nil || !status.Offline {
		return nil
	}
	return offlineCause(ctx, l, t)
}

// offlineCause turns DLE EOT 2 into what a person or staff member should do.
func offlineCause(ctx context.Context, l link, t Target) error {
	b, answered, err := l.query(ctx, StatusOfflineCause)
	if err != nil {
		return err
	}
	cause, perr := ParseOfflineCause(b)
	switch {
	case !answered || perr != nil:
		return fmt.Errorf("%w: %s reports it is offline; check that its cover is closed and it has paper", device.ErrPrinterOffline, t)
	case cause.PaperEndStop:
		return fmt.Errorf("%w: %s stopped at the end of the paper; load a new roll and close the cover", device.ErrPaperOut, t)
	case cause.CoverOpen:
		return fmt.Errorf("%w: the cover of %s is open; close it", device.ErrPrinterOffline, t)
	case cause.Error:
		return fmt.Errorf("%w: %s reports an error (cutter jammed or head too hot); clear the paper path and switch it off and on", device.ErrPrinterOffline, t)
	}
	return fmt.Errorf("%w: %s reports it is offline (cause byte 0x%02X); check the printer", device.ErrPrinterOffline, t, b)
}
