package escpos

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/device"
)

// fastOptions keep the failure tests quick; a real kiosk uses the defaults.
func fastOptions() Options {
	return Options{DialTimeout: time.Second, WriteTimeout: 2 * time.Second, StatusTimeout: 200 * time.Millisecond}
}

func readGolden(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/TestReceiptGolden/" + name + ".golden")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPrintTCPMatchesGolden prints to a loopback "printer" and checks that what arrived is
// the status queries followed by exactly the golden receipt.
func TestPrintTCPMatchesGolden(t *testing.T) {
	for _, tt := range []struct {
		golden  string
		doc     device.Doc
		columns int
	}{{"zh_32", zhDoc(), Columns58mm}, {"en_48", enDoc(), Columns80mm}} {
		t.Run(tt.golden, func(t *testing.T) {
			fake := newFakeTCPPrinter(t, healthyAnswers())
			opts := fastOptions()
			opts.Layout.Columns = tt.columns
			p, err := New("tcp://"+fake.addr, opts)
			if err != nil {
				t.Fatal(err)
			}
			where, err := p.Print(context.Background(), tt.doc)
			if err != nil {
				t.Fatalf("Print: %v", err)
			}
			if where != "tcp://"+fake.addr {
				t.Errorf("Print says the receipt went to %q", where)
			}
			job := splitStatus(t, fake.bytes(t), statusPrefix)
			if got, want := transcript(job), readGolden(t, tt.golden); got != want {
				t.Errorf("received receipt differs from golden %s:\n%s", tt.golden, got)
			}
		})
	}
}

// TestPrintTCPStatusErrors checks that each printer condition is reported with the error a
// person can be told, with advice, and that no receipt bytes follow the status queries.
func TestPrintTCPStatusErrors(t *testing.T) {
	tests := []struct {
		name    string
		answers statusAnswers
		want    error
		advice  string
		sent    []byte
	}{
		{"paper out", statusAnswers{StatusPaper: 0x72, StatusPrinter: 0x1A}, device.ErrPaperOut, "load a new roll",
			[]byte{dle, eot, 4}},
		{"cover open", statusAnswers{StatusPaper: 0x12, StatusPrinter: 0x1A, StatusOfflineCause: 0x16}, device.ErrPrinterOffline, "close it",
			[]byte{dle, eot, 4, dle, eot, 1, dle, eot, 2}},
		{"stopped at paper end", statusAnswers{StatusPaper: 0x12, StatusPrinter: 0x1A, StatusOfflineCause: 0x32}, device.ErrPaperOut, "load a new roll",
			[]byte{dle, eot, 4, dle, eot, 1, dle, eot, 2}},
		{"offline for no given cause", statusAnswers{StatusPaper: 0x12, StatusPrinter: 0x1A, StatusOfflineCause: 0x12}, device.ErrPrinterOffline, "check the printer",
			[]byte{dle, eot, 4, dle, eot, 1, dle, eot, 2}},
		{"no answer at all", statusAnswers{}, device.ErrPrinterOffline, "check that the printer is on",
			[]byte{dle, eot, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeTCPPrinter(t, tt.answers)
			p, err := New("tcp://"+fake.addr, fastOptions())
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Print(context.Background(), zhDoc())
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.advice) {
				t.Fatalf("Print: %v; want %v saying %q", err, tt.want, tt.advice)
			}
			if got := fake.bytes(t); !bytes.Equal(got, tt.sent) {
				t.Errorf("printer received % X, want only the status queries % X", got, tt.sent)
			}
		})
	}
}

// TestPrintTCPNearEndStillPrints: a roll nearly used up is not a reason to refuse.
func TestPrintTCPNearEndStillPrints(t *testing.T) {
	fake := newFakeTCPPrinter(t, statusAnswers{StatusPaper: 0x1E, StatusPrinter: 0x12})
	p, err := New("tcp://"+fake.addr, fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Print(context.Background(), zhDoc()); err != nil {
		t.Fatalf("Print: %v", err)
	}
	splitStatus(t, fake.bytes(t), statusPrefix)
}

// TestPrintTCPBlackHole: a printer that accepts the connection and never reads or answers
// is offline, and Print says so within the status timeout rather than hanging.
func TestPrintTCPBlackHole(t *testing.T) {
	p, err := New("tcp://"+blackHole(t), fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = p.Print(context.Background(), zhDoc())
	if !errors.Is(err, device.ErrPrinterOffline) {
		t.Fatalf("Print: %v, want ErrPrinterOffline", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Print took %s with a 200ms status timeout", d)
	}
}

// TestPrintTCPBlackHoleOptionalStatus documents the limit of ?status=optional: the kernel
// takes a small receipt into its buffers, so a printer that never reads cannot be told from
// one that prints. Only the status answer (the default over TCP) catches it.
func TestPrintTCPBlackHoleOptionalStatus(t *testing.T) {
	p, err := New("tcp://"+blackHole(t)+"?status=optional", fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Print(context.Background(), zhDoc()); err != nil {
		t.Fatalf("Print: %v; with status optional a black hole is expected to look like success", err)
	}
}

// TestTCPWriteTimeout fills a black hole's buffers to check that a write that cannot finish
// gives up at the write timeout with ErrPrinterOffline.
func TestTCPWriteTimeout(t *testing.T) {
	target, err := ParseTarget("tcp://" + blackHole(t))
	if err != nil {
		t.Fatal(err)
	}
	limits := timeouts{dial: time.Second, write: 300 * time.Millisecond, status: 100 * time.Millisecond}
	l, err := open(context.Background(), target, limits)
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	start := time.Now()
	err = l.write(context.Background(), make([]byte, 64<<20)) // far more than socket buffers hold
	if !errors.Is(err, device.ErrPrinterOffline) || !strings.Contains(err.Error(), "did not take the receipt") {
		t.Fatalf("write: %v, want ErrPrinterOffline saying the printer did not take the receipt", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("write gave up after %s with a 300ms timeout", d)
	}
}

func TestPrintTCPNothingListening(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	p, err := New("tcp://"+addr, fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Print(context.Background(), zhDoc())
	if !errors.Is(err, device.ErrPrinterOffline) || !strings.Contains(err.Error(), "network cable") {
		t.Fatalf("Print: %v, want ErrPrinterOffline telling to check the network cable", err)
	}
}

// TestPrintCancelledIsNotOffline: the caller giving up is not the printer's fault.
func TestPrintCancelledIsNotOffline(t *testing.T) {
	p, err := New("tcp://"+blackHole(t)+"?status=required", Options{StatusTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err = p.Print(ctx, zhDoc())
	if !errors.Is(err, context.Canceled) || errors.Is(err, device.ErrPrinterOffline) {
		t.Fatalf("Print: %v, want context.Canceled and not ErrPrinterOffline", err)
	}
}

// TestPrintDeadlineIsOffline: a printer too slow for the caller's deadline is, for the
// person waiting, a printer that does not answer.
func TestPrintDeadlineIsOffline(t *testing.T) {
	p, err := New("tcp://"+blackHole(t), Options{StatusTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = p.Print(ctx, zhDoc())
	if !errors.Is(err, device.ErrPrinterOffline) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Print: %v, want ErrPrinterOffline wrapping the deadline", err)
	}
}
