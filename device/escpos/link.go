package escpos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/hallkiosk/kiosk/device"
)

// link is an open way to one printer, for one receipt.
type link interface {
	// write sends all of p, or fails with an error that says why.
	write(ctx context.Context, p []byte) error
	// query sends DLE EOT k and waits briefly for the answer. answered is false when the
	// printer sent nothing in time or the transport cannot read; err is set only when the
	// query could not be sent.
	query(ctx context.Context, k StatusKind) (b byte, answered bool, err error)
	close()
}

// timeouts bound each step of a print, so that a dead printer costs a person seconds, not
// a hang.
type timeouts struct {
	dial, write, status time.Duration
}

// streamLink is a two-way byte stream to a printer: a TCP connection or a device file.
// Writes run in a goroutine and are abandoned after the write timeout, because a device
// file's write can block forever while the printer is off or out of paper and not every
// device supports deadlines. A reader goroutine collects status answers for the same
// reason; both end when the link is closed.
type streamLink struct {
	rw      io.ReadWriteCloser
	where   string // the target, for messages
	check   string // what a person should check, for messages
	limits  timeouts
	answers chan byte
	done    chan struct{}
	once    sync.Once
}

func newStreamLink(rw io.ReadWriteCloser, where, check string, limits timeouts) *streamLink {
	l := &streamLink{
		rw: rw, where: where, check: check, limits: limits,
		answers: make(chan byte, 16),
		done:    make(chan struct{}),
	}
	go l.readAnswers()
	return l
}

// readAnswers passes every byte the printer sends to query until the link closes or the
// stream cannot be read (a printer that cannot answer ends it at once).
func (l *streamLink) readAnswers() {
	defer close(l.answers)
	buf := make([]byte, 16)
	for {
		n, err := l.rw.Read(buf)
		for _, b := range buf[:n] {
			select {
			case l.answers <- b:
			case <-l.done:
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (l *streamLink) write(ctx context.Context, p []byte) error {
	if d, ok := l.rw.(interface{ SetWriteDeadline(time.Time) error }); ok {
		// Where supported this ends the write itself; the timer below covers the rest.
		_ = d.SetWriteDeadline(time.Now().Add(l.limits.write))
	}
	done := make(chan error, 1)
	go func() {
		_, err := l.rw.Write(p)
		done <- err
	}()
	timer := time.NewTimer(l.limits.write)
	defer timer.Stop()
	select {
	case err := <-done:
		switch {
		case err == nil:
			return nil
		case errors.Is(err, os.ErrDeadlineExceeded):
			return l.tooSlow()
		}
		return fmt.Errorf("%w: sending to %s failed (%v); %s", device.ErrPrinterOffline, l.where, err, l.check)
	case <-timer.C:
		l.close() // unblocks the write where the system allows it
		return l.tooSlow()
	case <-ctx.Done():
		l.close()
		return stopped(ctx, l.where, l.check)
	}
}

func (l *streamLink) tooSlow() error {
	return fmt.Errorf("%w: %s did not take the receipt within %s; %s", device.ErrPrinterOffline, l.where, l.limits.write, l.check)
}

func (l *streamLink) query(ctx context.Context, k StatusKind) (byte, bool, error) {
	for drained := false; !drained; { // forget anything sent unasked, e.g. automatic status
		select {
		case _, ok := <-l.answers:
			drained = !ok
		default:
			drained = true
		}
	}
	var e Encoder
	e.StatusQuery(k)
	if err := l.write(ctx, e.Bytes()); err != nil {
		return 0, false, err
	}
	timer := time.NewTimer(l.limits.status)
	defer timer.Stop()
	select {
	case b, ok := <-l.answers:
		return b, ok, nil
	case <-timer.C:
		return 0, false, nil
	case <-ctx.Done():
		return 0, false, stopped(ctx, l.where, l.check)
	}
}

func (l *streamLink) close() {
	l.once.Do(func() {
		close(l.done)
		_ = l.rw.Close()
	})
}

// stopped is the error for a print the caller's context ended: a deadline means the printer
// was too slow, which the person is told as "offline"; a cancellation is the caller's own.
func stopped(ctx context.Context, where, check string) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w: %s did not finish before the deadline (%w); %s", device.ErrPrinterOffline, where, ctx.Err(), check)
	}
	return fmt.Errorf("receipt printer %s: printing cancelled: %w", where, ctx.Err())
}

// fileLink appends receipts to a file. It cannot answer status queries.
type fileLink struct {
	f    *os.File
	path string
}

func (l *fileLink) write(_ context.Context, p []byte) error {
	_, err := l.f.Write(p)
	if err == nil {
		err = l.f.Sync() // the file is the receipt's only record in a hall without a printer
	}
	if err != nil {
		return fmt.Errorf("receipt file %s: %w; check the disk has space", l.path, err)
	}
	return nil
}

func (*fileLink) query(context.Context, StatusKind) (byte, bool, error) { return 0, false, nil }

func (l *fileLink) close() { _ = l.f.Close() }
