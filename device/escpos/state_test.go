package escpos

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/device"
)

// State reports each condition the status queries can tell, in the heartbeat's vocabulary, and
// prints nothing.
func TestStateNamesEachCondition(t *testing.T) {
	tests := []struct {
		name    string
		answers statusAnswers
		want    string
	}{
		{"healthy", healthyAnswers(), api.DeviceOK},
		{"paper out", statusAnswers{StatusPaper: 0x72, StatusPrinter: 0x1A}, api.DevicePaperOut},
		{"paper low", statusAnswers{StatusPaper: 0x1E, StatusPrinter: 0x12}, api.DevicePaperLow},
		{"cover open", statusAnswers{StatusPaper: 0x12, StatusPrinter: 0x1A, StatusOfflineCause: 0x16}, api.DeviceCoverOpen},
		{"stopped at paper end", statusAnswers{StatusPaper: 0x12, StatusPrinter: 0x1A, StatusOfflineCause: 0x32}, api.DevicePaperOut},
		{"error", statusAnswers{StatusPaper: 0x12, StatusPrinter: 0x1A, StatusOfflineCause: 0x52}, api.DeviceError},
		{"offline for no given cause", statusAnswers{StatusPaper: 0x12, StatusPrinter: 0x1A, StatusOfflineCause: 0x12}, api.DeviceOffline},
		{"no answer over the network", statusAnswers{}, api.DeviceOffline},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeTCPPrinter(t, tt.answers)
			p, err := New("tcp://"+fake.addr, fastOptions())
			if err != nil {
				t.Fatal(err)
			}
			state, busy := p.State(context.Background())
			if busy || state != tt.want {
				t.Fatalf("State: %q (busy %v), want %q", state, busy, tt.want)
			}
			for _, b := range fake.bytes(t) {
				if b != dle && b != eot && b > 4 {
					t.Fatalf("State sent more than status queries: % X", fake.bytes(t))
				}
			}
		})
	}
}

func TestStateOfPrinterThatCannotBeReached(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	p, _ := New("tcp://"+addr, fastOptions())
	if state, _ := p.State(context.Background()); state != api.DeviceOffline {
		t.Errorf("nothing listening: %q", state)
	}
	// A USB printer that never answers status cannot be judged: unknown, not ok.
	dev := newFakeDevice(t, statusAnswers{}, true)
	p, _ = New(dev.path, fastOptions())
	if state, _ := p.State(context.Background()); state != api.DeviceUnknown {
		t.Errorf("a device that cannot report: %q", state)
	}
	p, _ = New("file:"+filepath.Join(t.TempDir(), "receipts.bin"), fastOptions())
	if state, _ := p.State(context.Background()); state != api.DeviceOK {
		t.Errorf("a file target: %q", state)
	}
}

// State never queries a printer while a receipt is being sent to it.
func TestStateDoesNotDisturbAReceipt(t *testing.T) {
	fake := newFakeTCPPrinter(t, healthyAnswers())
	p, _ := New("tcp://"+fake.addr, fastOptions())
	p.turn <- struct{}{} // a receipt is printing
	if _, busy := p.State(context.Background()); !busy {
		t.Fatal("State queried the printer during a receipt")
	}
	<-p.turn
	if state, busy := p.State(context.Background()); busy || state != api.DeviceOK {
		t.Errorf("after the receipt: %q, busy %v", state, busy)
	}
}

// monitorClock is a clock that moves only when told.
type monitorClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *monitorClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *monitorClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// fakeSeries is a TCP printer that serves any number of connections, each answering with the
// answers in force when it arrives.
type fakeSeries struct {
	addr    string
	mu      sync.Mutex
	answers statusAnswers
}

func newFakeSeries(t *testing.T, answers statusAnswers) *fakeSeries {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	f := &fakeSeries{addr: ln.Addr().String(), answers: answers}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			a := f.answers
			f.mu.Unlock()
			go func() { defer conn.Close(); serveFake(conn, a) }()
		}
	}()
	return f
}

func (f *fakeSeries) set(a statusAnswers) { f.mu.Lock(); f.answers = a; f.mu.Unlock() }

// The kiosk's monitor reports what the printer says of itself, dated by the kiosk's clock, and
// a receipt that fails for the paper or the cover changes the report at once, without waiting
// for the next probe; a receipt that prints makes it ok again.
func TestMonitorReportsThePrintersState(t *testing.T) {
	fake := newFakeSeries(t, healthyAnswers())
	p, err := New("tcp://"+fake.addr, fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	clock := &monitorClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	m := device.NewMonitor(device.Set{Printer: p, Face: device.SimFace{}}, clock.Now)
	printer := func() api.DeviceStatus { return m.States()[api.DevicePrinter] }
	if got := printer(); got.State != api.DeviceUnknown || got.Name != p.Info().Name {
		t.Fatalf("before the first probe: %+v", got)
	}
	if got := m.States()[api.DeviceFace]; got.State != api.DeviceSimulated {
		t.Errorf("simulated camera: %+v", got)
	}
	clock.Advance(time.Minute)
	m.Probe(context.Background())
	if got := printer(); got.State != api.DeviceOK || !got.Since.Equal(clock.Now()) {
		t.Fatalf("after a probe: %+v", got)
	}

	fake.set(statusAnswers{StatusPaper: 0x72, StatusPrinter: 0x1A})
	clock.Advance(time.Minute)
	_, err = m.Set().Printer.Print(context.Background(), zhDoc())
	if !errors.Is(err, device.ErrPaperOut) {
		t.Fatalf("Print: %v", err)
	}
	if got := printer(); got.State != api.DevicePaperOut || !got.Since.Equal(clock.Now()) {
		t.Fatalf("after a receipt failed for paper: %+v", got)
	}
	clock.Advance(time.Minute)
	m.Probe(context.Background()) // still out: Since stays
	if got := printer(); got.State != api.DevicePaperOut || !got.Since.Equal(clock.Now().Add(-time.Minute)) {
		t.Fatalf("probed while still out of paper: %+v", got)
	}

	fake.set(statusAnswers{StatusPaper: 0x12, StatusPrinter: 0x1A, StatusOfflineCause: 0x16})
	if _, err := m.Set().Printer.Print(context.Background(), zhDoc()); !errors.Is(err, device.ErrPrinterOffline) {
		t.Fatalf("Print with the cover open: %v", err)
	}
	if got := printer(); got.State != api.DeviceCoverOpen {
		t.Fatalf("after a receipt failed for the cover: %+v", got)
	}

	fake.set(healthyAnswers())
	if _, err := m.Set().Printer.Print(context.Background(), zhDoc()); err != nil {
		t.Fatal(err)
	}
	if got := printer(); got.State != api.DeviceOK {
		t.Fatalf("after a receipt printed: %+v", got)
	}
}
