//go:build linux || darwin

package escpos

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/creack/pty"
	"github.com/hallkiosk/kiosk/device"
)

// fakeDevice is a printer behind a device file: the kiosk opens the pseudo-terminal's
// /dev/pts/N as it would /dev/usb/lp0, and the test plays the printer on the other end.
type fakeDevice struct {
	path string
	mu   sync.Mutex
	got  []byte
}

// newFakeDevice makes a raw pty (no line editing, no LF→CRLF) whose printer side answers
// status queries with answers; with serve false nobody reads it, like a printer that is
// stuck.
func newFakeDevice(t *testing.T, answers statusAnswers, serve bool) *fakeDevice {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { _ = ptmx.Close(); _ = tty.Close() })
	if _, err := term.MakeRaw(tty.Fd()); err != nil {
		t.Fatal(err)
	}
	d := &fakeDevice{path: tty.Name()}
	if serve {
		go serveFake(recorder{ptmx, d}, answers)
	}
	return d
}

// recorder keeps a copy of what the printer side reads, for the test to look at while the
// pty is still open.
type recorder struct {
	*os.File
	d *fakeDevice
}

func (r recorder) Read(p []byte) (int, error) {
	n, err := r.File.Read(p)
	r.d.mu.Lock()
	r.d.got = append(r.d.got, p[:n]...)
	r.d.mu.Unlock()
	return n, err
}

// waitFor waits until n bytes have arrived and returns them.
func (d *fakeDevice) waitFor(t *testing.T, n int) []byte {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		d.mu.Lock()
		got := append([]byte(nil), d.got...)
		d.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPrintDeviceMatchesGolden(t *testing.T) {
	dev := newFakeDevice(t, healthyAnswers(), true)
	p, err := New(dev.path, fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	where, err := p.Print(context.Background(), zhDoc())
	if err != nil {
		t.Fatalf("Print: %v", err)
	}
	if where != dev.path {
		t.Errorf("Print says the receipt went to %q, want %q", where, dev.path)
	}
	job, _ := Layout{}.Receipt(zhDoc())
	got := splitStatus(t, dev.waitFor(t, len(statusPrefix)+len(job)), statusPrefix)
	if tr, want := transcript(got), readGolden(t, "zh_32"); tr != want {
		t.Errorf("received receipt differs from golden zh_32:\n%s", tr)
	}
}

// TestPrintDeviceWithoutStatusPrints: a USB printer that cannot answer still prints, after
// one unanswered query.
func TestPrintDeviceWithoutStatusPrints(t *testing.T) {
	dev := newFakeDevice(t, statusAnswers{}, true)
	p, err := New(dev.path, fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Print(context.Background(), zhDoc()); err != nil {
		t.Fatalf("Print: %v", err)
	}
	job, _ := Layout{}.Receipt(zhDoc())
	want := append([]byte{dle, eot, 4}, job...)
	if got := dev.waitFor(t, len(want)); !bytes.Equal(got, want) {
		t.Errorf("printer received %s", transcript(got))
	}
}

func TestPrintDevicePaperOut(t *testing.T) {
	dev := newFakeDevice(t, statusAnswers{StatusPaper: 0x7E}, true)
	p, err := New(dev.path, fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Print(context.Background(), zhDoc()); !errors.Is(err, device.ErrPaperOut) {
		t.Fatalf("Print: %v, want ErrPaperOut", err)
	}
	time.Sleep(50 * time.Millisecond) // let anything wrongly sent arrive
	if got := dev.waitFor(t, 0); !bytes.Equal(got, []byte{dle, eot, 4}) {
		t.Errorf("printer received % X after reporting no paper", got)
	}
}

func TestPrintDeviceMissing(t *testing.T) {
	p, err := New(filepath.Join(t.TempDir(), "lp0"), fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Print(context.Background(), zhDoc())
	if !errors.Is(err, device.ErrPrinterOffline) || !strings.Contains(err.Error(), "USB cable") {
		t.Fatalf("Print: %v, want ErrPrinterOffline telling to check the USB cable", err)
	}
}

// TestDeviceWriteTimeout: a device nobody reads (a printer that stopped taking data)
// blocks the write; it is abandoned at the write timeout as ErrPrinterOffline.
func TestDeviceWriteTimeout(t *testing.T) {
	dev := newFakeDevice(t, nil, false)
	target, err := ParseTarget(dev.path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := open(context.Background(), target, timeouts{dial: time.Second, write: 300 * time.Millisecond, status: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	start := time.Now()
	err = l.write(context.Background(), make([]byte, 4<<20)) // more than a pty buffers
	if !errors.Is(err, device.ErrPrinterOffline) {
		t.Fatalf("write: %v, want ErrPrinterOffline", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("write gave up after %s with a 300ms timeout", d)
	}
}
