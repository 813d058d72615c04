package device

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/hallkiosk/kiosk/api"
)

// StateReporter is a device that can be asked how it is without doing its work (a receipt
// printer's status queries).
type StateReporter interface {
	// State returns one of the api's device states (api.DeviceOK, api.DevicePaperOut...).
	// busy means the device is at work (a receipt is printing) and was not asked: whoever asks
	// keeps what it knew, since a query must never disturb a person's receipt.
	State(ctx context.Context) (state string, busy bool)
}

// StateError is a device's failure together with the state it shows the device is in (a
// printer whose cover is open), so that the monitor reports it at once and precisely. It
// unwraps to the error a person is told about (ErrPrinterOffline, ErrPaperOut).
type StateError struct {
	State string
	Err   error
}

func (e *StateError) Error() string { return e.Err.Error() }
func (e *StateError) Unwrap() error { return e.Err }

// Monitor keeps the state of each of a kiosk's devices for heartbeats, so that staff see a
// printer out of paper before the next person is told so. A simulated device reports
// "simulated"; the file printer "ok"; a device that can report (StateReporter) is asked by Probe
// (Run asks every minute or so) and starts "unknown"; any other "unknown", since nothing is
// known of it. A receipt that fails for the printer's state updates the printer's at once.
type Monitor struct {
	now  func() time.Time
	set  Set
	mu   sync.Mutex
	devs map[string]*watched
}

type watched struct {
	name     string
	reporter StateReporter // nil: never asked
	state    string
	since    time.Time
}

// NewMonitor watches the devices of set; now is the kiosk's corrected clock, which dates the
// states (nil: time.Now).
func NewMonitor(set Set, now func() time.Time) *Monitor {
	if now == nil {
		now = time.Now
	}
	m := &Monitor{now: now, devs: map[string]*watched{}}
	at := now()
	add := func(kind string, d any, info Info) {
		w := &watched{name: info.Name, state: api.DeviceUnknown, since: at}
		r, reports := d.(StateReporter)
		switch {
		case info.Simulated:
			w.state = api.DeviceSimulated
		case reports:
			w.reporter = r
		case kind == api.DevicePrinter && info.NoPaper:
			w.state = api.DeviceOK // a directory of receipt files: it has no paper to run out of
		}
		m.devs[kind] = w
	}
	if set.Face != nil {
		add(api.DeviceFace, set.Face, set.Face.Info())
	}
	if set.Card != nil {
		add(api.DeviceCard, set.Card, set.Card.Info())
	}
	if set.IDReader != nil {
		add(api.DeviceIDReader, set.IDReader, set.IDReader.Info())
	}
	if set.Printer != nil {
		add(api.DevicePrinter, set.Printer, set.Printer.Info())
		set.Printer = &watchedPrinter{Printer: set.Printer, m: m}
	}
	m.set = set
	return m
}

// Set returns the devices for the UI: the same, with the printer's outcomes reported to the
// monitor.
func (m *Monitor) Set() Set { return m.set }

// States returns each device's state, by api device name.
func (m *Monitor) States() map[string]api.DeviceStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]api.DeviceStatus, len(m.devs))
	for kind, w := range m.devs {
		since := w.since
		out[kind] = api.DeviceStatus{State: w.state, Name: w.name, Since: &since}
	}
	return out
}

// Probe asks every device that can report how it is, one after the other, each within a
// bounded time; a busy one keeps its state.
func (m *Monitor) Probe(ctx context.Context) {
	m.mu.Lock()
	asked := map[string]StateReporter{}
	for kind, w := range m.devs {
		if w.reporter != nil {
			asked[kind] = w.reporter
		}
	}
	m.mu.Unlock()
	for _, kind := range sortedKeys(asked) {
		pctx, cancel := context.WithTimeout(ctx, probeTimeout)
		state, busy := asked[kind].State(pctx)
		cancel()
		if !busy && ctx.Err() == nil {
			m.note(kind, state)
		}
	}
}

// probeTimeout bounds one device's answer to Probe.
const probeTimeout = 10 * time.Second

func sortedKeys(m map[string]StateReporter) []string { return slices.Sorted(maps.Keys(m)) }

// Run probes at once and then every interval until ctx ends.
func (m *Monitor) Run(ctx context.Context, every time.Duration) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		m.Probe(ctx)
		t.Reset(every)
	}
}

// note records a device's state; Since moves only when the state changes. A state outside the
// api's vocabulary is recorded as unknown.
func (m *Monitor) note(kind, state string) {
	if !slices.Contains(api.DeviceStatesAll(), state) {
		state = api.DeviceUnknown
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	w, ok := m.devs[kind]
	if !ok || w.state == state {
		return
	}
	w.state, w.since = state, m.now()
}

func (m *Monitor) stateOf(kind string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if w, ok := m.devs[kind]; ok {
		return w.state
	}
	return ""
}

// watchedPrinter reports each receipt's outcome to the monitor.
type watchedPrinter struct {
	Printer
	m *Monitor
}

// Print prints, and tells the monitor what the outcome shows of the printer: a receipt that
// went out means it works (a roll near its end stays reported until the next probe), a failure
// for paper or the printer's state is that state. Other failures (a cancelled wait) say nothing
// of the printer.
func (p *watchedPrinter) Print(ctx context.Context, doc Doc) (string, error) {
	where, err := p.Printer.Print(ctx, doc)
	if p.Printer.Info().Simulated {
		return where, err
	}
	var se *StateError
	switch {
	case err == nil:
		if p.m.stateOf(api.DevicePrinter) != api.DevicePaperLow {
			p.m.note(api.DevicePrinter, api.DeviceOK)
		}
	case errors.As(err, &se):
		p.m.note(api.DevicePrinter, se.State)
	case errors.Is(err, ErrPaperOut):
		p.m.note(api.DevicePrinter, api.DevicePaperOut)
	case errors.Is(err, ErrPrinterOffline):
		p.m.note(api.DevicePrinter, api.DeviceOffline)
	}
	return where, err
}
