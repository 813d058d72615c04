package idreader

import (
	"context"
	"fmt"
	"io"
	"sync"
)

// line makes a blocking byte stream answer within a command's time limit. A serial port, a pipe
// or a pty offers no common way to interrupt a Read, so one goroutine (the pump) does the
// blocking reads and hands the bytes over a channel; Read waits on that channel, on the
// command's context and on Close, whichever comes first. A silent reader can then cost a
// command its timeout but never hang the kiosk.
type line struct {
	chunks chan []byte
	failed chan struct{} // closed by the pump when the stream's Read fails; err says why
	err    error
	done   chan struct{} // closed by close
	once   sync.Once

	ctx     context.Context // the current command's; set by arm under the Reader's lock
	pending []byte          // the rest of a chunk that did not fit the caller's buffer
}

func newLine(r io.Reader) *line {
	l := &line{
		chunks: make(chan []byte, 16),
		failed: make(chan struct{}),
		done:   make(chan struct{}),
		ctx:    context.Background(),
	}
	go l.pump(r)
	return l
}

// pump reads until the stream fails or the line is closed. A read of 0 bytes and no error is
// a serial port's read timeout: the pump uses it only to notice close.
func (l *line) pump(r io.Reader) {
	for {
		buf := make([]byte, 512)
		n, err := r.Read(buf)
		if n > 0 {
			select {
			case l.chunks <- buf[:n]:
			case <-l.done:
				return
			}
		}
		if err != nil {
			l.err = err
			close(l.failed)
			return
		}
		select {
		case <-l.done:
			return
		default:
		}
	}
}

// arm makes the following Reads end when ctx does.
func (l *line) arm(ctx context.Context) { l.ctx = ctx }

// discard drops what has arrived so far: bytes no command is waiting for.
func (l *line) discard() {
	l.pending = nil
	for {
		select {
		case <-l.chunks:
		default:
			return
		}
	}
}

// Read returns received bytes, or the cause of the armed context (ErrTimeout, or the caller's
// cancellation), ErrClosed, or the stream's failure once every byte before it was read.
func (l *line) Read(p []byte) (int, error) {
	if len(l.pending) == 0 {
		select {
		case c := <-l.chunks:
			l.pending = c
		case <-l.failed:
			select {
			case c := <-l.chunks:
				l.pending = c
			default:
				return 0, fmt.Errorf("%w: %w", ErrLineFailed, l.err)
			}
		case <-l.ctx.Done():
			return 0, context.Cause(l.ctx)
		case <-l.done:
			return 0, ErrClosed
		}
	}
	n := copy(p, l.pending)
	l.pending = l.pending[n:]
	return n, nil
}

// closed reports whether close was called.
func (l *line) closed() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// close stops the pump at its next chance and ends any Read in progress.
func (l *line) close() { l.once.Do(func() { close(l.done) }) }
