package escpos

import (
	"context"
	"fmt"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/device"
)

// Options tune a Printer; the zero value suits a 58 mm printer on a hall's network.
type Options struct {
	Layout Layout
	// DialTimeout bounds connecting to a TCP printer or opening a device file; 0 means 3 s.
	DialTimeout time.Duration
	// WriteTimeout bounds sending one receipt (or one status query); 0 means 10 s. A
	// printer takes data only as fast as it prints once its buffer is full.
	WriteTimeout time.Duration
	// StatusTimeout is how long to wait for each status answer; 0 means 500 ms. A printer
	// answers in milliseconds if it answers at all.
	StatusTimeout time.Duration
}

// Printer prints receipts on one ESC/POS printer. It is safe for concurrent use; receipts
// are printed one at a time so that two never interleave on the paper.
type Printer struct {
	target Target
	layout Layout
	limits timeouts
	turn   chan struct{} // holds a token while a receipt is being sent
}

var (
	_ device.Printer       = (*Printer)(nil)
	_ device.StateReporter = (*Printer)(nil)
)

// New makes a printer for target (see [ParseTarget]). It does not contact the printer: a
// kiosk starts even when the printer is off, and each Print says how it went.
func New(target string, opts Options) (*Printer, error) {
	t, err := ParseTarget(target)
	if err != nil {
		return nil, err
	}
	layout, err := opts.Layout.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Printer{
		target: t,
		layout: layout,
		limits: timeouts{
			dial:   orDefault(opts.DialTimeout, 3*time.Second),
			write:  orDefault(opts.WriteTimeout, 10*time.Second),
			status: orDefault(opts.StatusTimeout, 500*time.Millisecond),
		},
		turn: make(chan struct{}, 1),
	}, nil
}

// Info names the printer by its target.
func (p *Printer) Info() device.Info {
	return device.Info{Name: "receipt printer (ESC/POS) " + p.target.String()}
}

// Target is where the printer prints.
func (p *Printer) Target() Target { return p.target }

// Print lays doc out, checks the printer's status where it can answer, and sends the
// receipt. It returns where the receipt went: the target, or the file's path. Errors wrap
// device.ErrPaperOut or device.ErrPrinterOffline when that is what a person should be told;
// nothing is printed when the status check fails.
func (p *Printer) Print(ctx context.Context, doc device.Doc) (string, error) {
	job, err := p.layout.Receipt(doc)
	if err != nil {
		return "", err
	}
	select {
	case p.turn <- struct{}{}:
		defer func() { <-p.turn }()
	case <-ctx.Done():
		return "", fmt.Errorf("receipt printer %s: waiting for the previous receipt: %w", p.target, ctx.Err())
	}
	l, err := open(ctx, p.target, p.limits)
	if err != nil {
		return "", err
	}
	defer l.close()
	if err := checkStatus(ctx, l, p.target); err != nil {
		return "", err
	}
	if err := l.write(ctx, job); err != nil {
		return "", err
	}
	if p.target.Transport == TCP || p.target.Transport == Device {
		return p.target.String(), nil
	}
	return p.target.Addr, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// State asks the printer how it is, with the queries Print makes before a receipt, and prints
// nothing (device.StateReporter). It never waits for a receipt being printed: a query between
// the bytes of a receipt could disturb it, so busy is true then and the caller keeps what it
// knew. A printer that cannot report status is "unknown" (a file target, which always takes
// receipts, "ok"); one that cannot be reached "offline".
func (p *Printer) State(ctx context.Context) (state string, busy bool) {
	select {
	case p.turn <- struct{}{}:
		defer func() { <-p.turn }()
	default:
		return "", true
	}
	l, err := open(ctx, p.target, p.limits)
	if err != nil {
		return api.DeviceOffline, false
	}
	defer l.close()
	if p.target.Transport == File {
		return api.DeviceOK, false
	}
	c, err := readCondition(ctx, l, p.target)
	if err != nil {
		return api.DeviceOffline, false
	}
	return c.state, false
}
