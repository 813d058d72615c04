package escpos

import (
	"context"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/hallkiosk/kiosk/device"
)

// open connects to t within the dial timeout.
func open(ctx context.Context, t Target, limits timeouts) (link, error) {
	switch t.Transport {
	case TCP:
		return dialTCP(ctx, t, limits)
	case Device:
		return openDevice(ctx, t, limits)
	case File:
		f, err := os.OpenFile(t.Addr, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("receipt file %s: %w; check that its directory exists and the kiosk may write there", t.Addr, err)
		}
		return &fileLink{f: f, path: t.Addr}, nil
	}
	return nil, fmt.Errorf("receipt printer: target %v has no transport; make it with ParseTarget", t)
}

func dialTCP(ctx context.Context, t Target, limits timeouts) (link, error) {
	where := t.String()
	check := "check that the printer is on, its network cable is connected and " + t.Addr + " is its address"
	d := net.Dialer{Timeout: limits.dial}
	conn, err := d.DialContext(ctx, "tcp", t.Addr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, stopped(ctx, where, check)
		}
		return nil, fmt.Errorf("%w: cannot connect to %s (%v); %s", device.ErrPrinterOffline, where, err, check)
	}
	return newStreamLink(conn, where, check, limits), nil
}

// openDevice opens a device file for reading status and writing. The open runs in a
// goroutine too: a serial port waiting for carrier blocks in open, and a kiosk must not
// hang on a misconfigured path.
func openDevice(ctx context.Context, t Target, limits timeouts) (link, error) {
	where := t.String()
	check := "check that the printer is on and its USB cable is connected, and that the kiosk user may use " + t.Addr + " (group lp)"
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.OpenFile(t.Addr, os.O_RDWR, 0)
		ch <- opened{f, err}
	}()
	abandon := func() {
		go func() { // close the file if the open ever completes
			if r := <-ch; r.f != nil {
				_ = r.f.Close()
			}
		}()
	}
	timer := time.NewTimer(limits.dial)
	defer timer.Stop()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, fmt.Errorf("%w: cannot open %s (%v); %s", device.ErrPrinterOffline, where, r.err, check)
		}
		return newStreamLink(r.f, where, check, limits), nil
	case <-timer.C:
		abandon()
		return nil, fmt.Errorf("%w: opening %s took longer than %s; %s", device.ErrPrinterOffline, where, limits.dial, check)
	case <-ctx.Done():
		abandon()
		return nil, stopped(ctx, where, check)
	}
}
