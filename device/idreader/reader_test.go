package idreader

import (
	"bytes"
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// onPTY runs sim on the master side of a pseudo-terminal and opens the slave with Open, so the
// go.bug.st/serial code path (termios raw mode, read timeouts, close) is the one under test.
func onPTY(t *testing.T, sim *simReader, opts ...Option) *Reader {
	t.Helper()
	master, slave, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	r, err := Open(slave.Name(), 115200, opts...)
	if err != nil {
		master.Close()
		slave.Close()
		t.Fatalf("Open(%s): %v", slave.Name(), err)
	}
	done := make(chan struct{})
	go sim.serve(master, done)
	t.Cleanup(func() {
		r.Close()
		slave.Close() // with every slave fd closed the master's Read fails and serve returns
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("simulator did not stop after the line closed")
		}
		master.Close()
	})
	return r
}

// onPipe runs sim over an in-memory full-duplex pipe: the plain io.ReadWriter path of New.
func onPipe(t *testing.T, sim *simReader, opts ...Option) *Reader {
	t.Helper()
	host, dev := net.Pipe()
	r := New(host, opts...)
	done := make(chan struct{})
	go sim.serve(dev, done)
	t.Cleanup(func() {
		r.Close()
		dev.Close()
		<-done
	})
	return r
}

func goodSim() *simReader { return &simReader{card: encodeCardData(testCard())} }

func TestReadGoodCardOverPTY(t *testing.T) {
	sim := goodSim()
	r := onPTY(t, sim)
	card, err := r.Read(context.Background())
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	want := testCard()
	if card.Name != "欧阳明远" || card.Address != want.Address || card.Issuer != want.Issuer {
		t.Errorf("Chinese fields decoded wrong: %q / %q / %q", card.Name, card.Address, card.Issuer)
	}
	if card.Sex != "1" || card.Nation != "01" || card.Birth != "19880412" ||
		card.ValidFrom != "20160520" || card.ValidTo != "20360520" || card.DocType != "" {
		t.Errorf("code fields decoded wrong: %+q", []string{card.Sex, card.Nation, card.Birth, card.ValidFrom, card.ValidTo, card.DocType})
	}
	if !bytes.Equal(card.Photo, want.Photo) {
		t.Errorf("photo differs from what the simulator sent (%d bytes vs %d)", len(card.Photo), len(want.Photo))
	}
	n, err := card.IDNumber(testToday)
	if err != nil || n.String() != testNumber {
		t.Errorf("IDNumber = %q, %v; want %s", n, err, testNumber)
	}
	if got, want := sim.commands(), []Command{CmdFind, CmdSelect, CmdReadText}; !slices.Equal(got, want) {
		t.Errorf("commands sent %v, want %v", got, want)
	}
}

func TestReadReplyChecksumErrorOverPTY(t *testing.T) {
	sim := goodSim()
	sim.corruptRead = true
	r := onPTY(t, sim)
	_, err := r.Read(context.Background())
	if !errors.Is(err, ErrChecksum) {
		t.Fatalf("Read = %v, want ErrChecksum", err)
	}
	assertNoPersonalData(t, err)
}

func TestReadNoCardOverPTY(t *testing.T) {
	sim := goodSim()
	sim.noCardFinds = -1
	r := onPTY(t, sim)
	_, err := r.Read(context.Background())
	if !errors.Is(err, ErrNoCard) {
		t.Fatalf("Read = %v, want ErrNoCard", err)
	}
	var se *StatusError
	if !errors.As(err, &se) || se.Cmd != CmdFind || se.SW3 != StatusFindFailed {
		t.Errorf("want a *StatusError for find with SW3 80, got %#v", err)
	}
	if !strings.Contains(err.Error(), "place the card flat on the reader") {
		t.Errorf("message %q does not tell the person what to do", err)
	}
	if got := sim.commands(); !slices.Equal(got, []Command{CmdFind}) {
		t.Errorf("after no card the reader went on: %v", got)
	}
}

func TestReadTimeoutWhenReaderSilentOverPTY(t *testing.T) {
	sim := goodSim()
	sim.silent = true
	const limit = 150 * time.Millisecond
	r := onPTY(t, sim, WithCommandTimeout(limit))
	start := time.Now()
	_, err := r.Read(context.Background())
	took := time.Since(start)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Read = %v, want ErrTimeout", err)
	}
	if took < limit || took > limit+2*time.Second {
		t.Errorf("timed out after %v, want about %v", took, limit)
	}
	if got := sim.commands(); !slices.Equal(got, []Command{CmdFind}) {
		t.Errorf("commands %v, want the find only", got)
	}
}

func TestReadResyncsAfterLineNoiseOverPTY(t *testing.T) {
	sim := goodSim()
	sim.noise = []byte{0x00, 0xFF, 0xAA, 0xAA, 0x96, 0x13, 0x11, 0x0D, 0x0A, 0xAA}
	r := onPTY(t, sim)
	card, err := r.Read(context.Background())
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if !bytes.Equal(card.Photo, testPhoto()) || card.Number != testNumber {
		t.Error("card read through noise differs from the one sent")
	}
}

func TestReadHonoursCancellation(t *testing.T) {
	sim := goodSim()
	sim.silent = true
	r := onPTY(t, sim, WithCommandTimeout(10*time.Second))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := r.Read(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Read = %v, want context.Canceled", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("cancellation took %v", took)
	}
}

func TestReadCardWaitsForCard(t *testing.T) {
	sim := goodSim()
	sim.noCardFinds = 3
	r := onPTY(t, sim, WithPollInterval(20*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	card, err := r.ReadCard(ctx)
	if err != nil {
		t.Fatalf("ReadCard: %v", err)
	}
	if card.Number != testNumber {
		t.Error("wrong card")
	}
	want := []Command{CmdFind, CmdFind, CmdFind, CmdFind, CmdSelect, CmdReadText}
	if got := sim.commands(); !slices.Equal(got, want) {
		t.Errorf("commands %v, want %v", got, want)
	}
}

func TestReadCardEndsWithContextNotNoCard(t *testing.T) {
	sim := goodSim()
	sim.noCardFinds = -1
	r := onPipe(t, sim, WithPollInterval(20*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := r.ReadCard(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrNoCard) {
		t.Fatalf("ReadCard = %v, want the context's deadline and not ErrNoCard", err)
	}
	if n := len(sim.commands()); n < 3 {
		t.Errorf("polled %d times in 200 ms at 20 ms intervals", n)
	}
}

func TestReadCardReturnsOtherErrorsAtOnce(t *testing.T) {
	sim := goodSim()
	sim.readStatus = StatusReadFailed
	r := onPipe(t, sim, WithPollInterval(20*time.Millisecond))
	_, err := r.ReadCard(context.Background())
	if !errors.Is(err, ErrReadFailed) {
		t.Fatalf("ReadCard = %v, want ErrReadFailed", err)
	}
}

func TestReadMapsReaderFailures(t *testing.T) {
	tests := []struct {
		name string
		set  func(*simReader)
		want error
	}{
		{"select fails", func(s *simReader) { s.selectStatus = StatusSelectFailed }, ErrSelectFailed},
		{"read fails", func(s *simReader) { s.readStatus = StatusReadFailed }, ErrReadFailed},
		{"card rejects SAM", func(s *simReader) { s.readStatus = StatusAuthCard }, ErrAuth},
		{"SAM rejects card", func(s *simReader) { s.readStatus = StatusAuthSAM }, ErrAuth},
		{"data fails verification", func(s *simReader) { s.readStatus = StatusAuthVerify }, ErrAuth},
		{"self-test", func(s *simReader) { s.selectStatus = StatusSelfTest }, ErrSelfTest},
		{"not authorised", func(s *simReader) { s.readStatus = StatusNotAuthorised }, ErrNotAuthorised},
		{"unknown status", func(s *simReader) { s.readStatus = 0x47 }, ErrUnknownStatus},
		{"text block cut short", func(s *simReader) { s.card = s.card[:200] }, ErrPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := goodSim()
			tt.set(sim)
			r := onPipe(t, sim)
			_, err := r.Read(context.Background())
			if !errors.Is(err, tt.want) {
				t.Fatalf("Read = %v, want %v", err, tt.want)
			}
			assertNoPersonalData(t, err)
		})
	}
}

func TestStatus(t *testing.T) {
	r := onPipe(t, goodSim())
	if err := r.Status(context.Background()); err != nil {
		t.Fatalf("Status: %v", err)
	}
}

func TestCloseEndsCommandInProgress(t *testing.T) {
	sim := goodSim()
	sim.silent = true
	r := onPTY(t, sim, WithCommandTimeout(10*time.Second))
	time.AfterFunc(50*time.Millisecond, func() { r.Close() })
	_, err := r.Read(context.Background())
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("Read during Close = %v, want ErrClosed", err)
	}
	if err := r.Status(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Status after Close = %v, want ErrClosed", err)
	}
}

func TestOpenReportsMissingPort(t *testing.T) {
	_, err := Open("/dev/no-such-id-reader", 0)
	if err == nil || !strings.Contains(err.Error(), "/dev/no-such-id-reader") || !strings.Contains(err.Error(), "115200") {
		t.Fatalf("Open = %v, want an error naming the port and the default baud", err)
	}
}

// assertNoPersonalData fails when an error's text holds any of the test card's content.
func assertNoPersonalData(t *testing.T, err error) {
	t.Helper()
	c := testCard()
	for _, s := range []string{c.Name, c.Number, c.Number[6:14], c.Address, "明远"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error text %q contains personal data", err)
		}
	}
}
