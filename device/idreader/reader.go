package idreader

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// Default time limits. A reader answers find and select in well under 100 ms; the read moves
// about 1.3 KB, which takes 0.11 s at 115200 baud and 1.4 s at 9600, plus the security module's
// own work, so it gets more.
const (
	DefaultCommandTimeout = 1 * time.Second
	DefaultReadTimeout    = 3 * time.Second
	DefaultPollInterval   = 300 * time.Millisecond
)

// Reader drives one ID card reader over a byte stream. Its methods are safe for concurrent use;
// commands are serialised, because the protocol has no way to tell which request a reply
// answers.
type Reader struct {
	rw   io.ReadWriter
	line *line
	cfg  config

	mu  sync.Mutex // held for a whole exchange sequence (find, select, read)
	dec *Decoder
}

type config struct {
	command, read, poll time.Duration
}

// Option changes a Reader's time limits.
type Option func(*config)

// WithCommandTimeout bounds each short command (find, select, status). Zero or less keeps the
// default.
func WithCommandTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.command = d
		}
	}
}

// WithReadTimeout bounds the read of text and photo. Zero or less keeps the default.
func WithReadTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.read = d
		}
	}
}

// WithPollInterval sets how often ReadCard asks whether a card is there. Zero or less keeps the
// default.
func WithPollInterval(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.poll = d
		}
	}
}

// New drives a reader over rw: a serial port (see Open), a pipe or a pty in tests. A goroutine
// reads rw from now until Close; if rw is an io.Closer, Close closes it, which is what ends a
// read in progress.
func New(rw io.ReadWriter, opts ...Option) *Reader {
	cfg := config{command: DefaultCommandTimeout, read: DefaultReadTimeout, poll: DefaultPollInterval}
	for _, o := range opts {
		o(&cfg)
	}
	l := newLine(rw)
	return &Reader{rw: rw, line: l, cfg: cfg, dec: NewDecoder(l)}
}

// Close stops the reader and closes the stream when it can be closed. A command in progress
// returns ErrClosed.
func (r *Reader) Close() error {
	r.line.close()
	if c, ok := r.rw.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// Read reads the card on the reader now: find, select, then text and photo, each within its own
// time limit and all within ctx. With no card it returns ErrNoCard at once (wrapped in a
// *StatusError); use ReadCard to wait for one.
func (r *Reader) Read(ctx context.Context) (Card, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.exchange(ctx, CmdFind, r.cfg.command); err != nil {
		return Card{}, err
	}
	if _, err := r.exchange(ctx, CmdSelect, r.cfg.command); err != nil {
		return Card{}, err
	}
	reply, err := r.exchange(ctx, CmdReadText, r.cfg.read)
	if err != nil {
		return Card{}, err
	}
	return ParseCard(reply.Data)
}

// ReadCard waits for a card and reads it: it asks every poll interval whether a card is there
// until one is or ctx ends. An empty reader is the normal state while the screen says "place
// your ID card", so ErrNoCard never comes out of here; every other error does, at once, for the
// screen to explain. When ctx ends first, the error is ctx's.
func (r *Reader) ReadCard(ctx context.Context) (Card, error) {
	tick := time.NewTicker(r.cfg.poll)
	defer tick.Stop()
	for {
		card, err := r.Read(ctx)
		if !errors.Is(err, ErrNoCard) {
			return card, err
		}
		select {
		case <-ctx.Done():
			return Card{}, fmt.Errorf("idreader: wait for a card: %w", context.Cause(ctx))
		case <-tick.C:
		}
	}
}

// Status asks the reader's security module whether it works, for the maintenance page and
// heartbeats: nil, or ErrSelfTest, ErrNotAuthorised, ErrTimeout and so on.
func (r *Reader) Status(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, err := r.exchange(ctx, CmdStatus, r.cfg.command)
	return err
}

// exchange sends one command and returns its reply, or the failure its status stands for.
// The caller holds r.mu.
//
// The protocol has no request ids, so a reply that arrives after its command timed out can
// only be told apart by when it arrives: bytes received before a command is sent are dropped,
// but a reply still on its way when the next command goes out would be taken for that
// command's answer. It would have to pass the checksum and the status and payload checks too.
func (r *Reader) exchange(ctx context.Context, cmd Command, timeout time.Duration) (Reply, error) {
	if err := ctx.Err(); err != nil {
		return Reply{}, fmt.Errorf("idreader: %s: %w", cmd, context.Cause(ctx))
	}
	if r.line.closed() {
		return Reply{}, fmt.Errorf("idreader: %s: %w", cmd, ErrClosed)
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, ErrTimeout)
	defer cancel()
	// Whatever arrived unasked (noise, a reply that came after its command gave up) would
	// otherwise be taken for this command's answer.
	r.line.discard()
	r.dec.Reset(r.line)
	r.line.arm(ctx)
	defer r.line.arm(context.Background())

	if _, err := r.rw.Write(EncodeRequest(cmd, nil)); err != nil {
		return Reply{}, fmt.Errorf("idreader: %s: send: %w: %w", cmd, ErrLineFailed, err)
	}
	reply, err := r.dec.ReadReply()
	if err != nil {
		return Reply{}, fmt.Errorf("idreader: %s: %w", cmd, err)
	}
	if err := reply.check(cmd); err != nil {
		return Reply{}, err
	}
	return reply, nil
}
