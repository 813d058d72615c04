package escpos

import (
	"bytes"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// statusAnswers is how a fake printer answers DLE EOT n; a kind it lacks gets no answer.
type statusAnswers map[StatusKind]byte

// healthyAnswers are those of a printer online with paper: only the fixed bits are set.
func healthyAnswers() statusAnswers {
	return statusAnswers{StatusPrinter: 0x12, StatusOfflineCause: 0x12, StatusErrorCause: 0x12, StatusPaper: 0x12}
}

// serveFake plays a printer on rw: it keeps every byte it receives and answers status
// queries as a real printer does, at once and in the middle of other data. It returns what
// it received when rw ends.
func serveFake(rw io.ReadWriter, answers statusAnswers) []byte {
	var got []byte
	buf := make([]byte, 4096)
	scanned := 0 // DLE EOT n found up to here
	for {
		n, err := rw.Read(buf)
		got = append(got, buf[:n]...)
		for ; scanned+3 <= len(got); scanned++ {
			if got[scanned] == dle && got[scanned+1] == eot {
				if b, ok := answers[StatusKind(got[scanned+2])]; ok {
					_, _ = rw.Write([]byte{b})
				}
			}
		}
		if err != nil {
			return got
		}
	}
}

// fakeTCPPrinter listens on loopback and serves one connection with serveFake.
type fakeTCPPrinter struct {
	addr     string
	received chan []byte
}

func newFakeTCPPrinter(t *testing.T, answers statusAnswers) *fakeTCPPrinter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	p := &fakeTCPPrinter{addr: ln.Addr().String(), received: make(chan []byte, 1)}
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			p.received <- nil
			return
		}
		defer func() { _ = conn.Close() }()
		p.received <- serveFake(conn, answers)
	}()
	return p
}

// bytes waits for the connection to end and returns what arrived.
func (p *fakeTCPPrinter) bytes(t *testing.T) []byte {
	t.Helper()
	select {
	case b := <-p.received:
		return b
	case <-time.After(5 * time.Second):
		t.Fatal("the fake printer's connection did not end")
		return nil
	}
}

// blackHole accepts connections and never reads or answers: a print server whose printer
// is off. It returns the address.
func blackHole(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	return ln.Addr().String()
}

// statusPrefix is what Print sends before the receipt when the printer answers healthy.
var statusPrefix = []byte{dle, eot, 4, dle, eot, 1}

// splitStatus checks that got starts with prefix and returns the rest.
func splitStatus(t *testing.T, got, prefix []byte) []byte {
	t.Helper()
	if !bytes.HasPrefix(got, prefix) {
		t.Fatalf("printer received % X…, want it to start with the status queries % X", got[:min(len(got), 12)], prefix)
	}
	return got[len(prefix):]
}
