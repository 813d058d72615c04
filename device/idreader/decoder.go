package idreader

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// maxSkip bounds how much noise the decoder wades through looking for a preamble. A line that
// sends that much without one frame is not speaking this protocol at all, most often because
// the baud rate is wrong, and saying so beats waiting for a timeout.
const maxSkip = 2 * MaxFrameLen

// Decoder reads frames from a byte stream. It skips whatever precedes a preamble (noise, the
// tail of a reply that came too late), and a frame that fails its checks costs only its first
// byte: the search resumes right after it, so a cut-off frame cannot swallow the good frame
// that follows. Its memory is bounded by MaxFrameLen whatever the stream holds.
type Decoder struct {
	br *bufio.Reader
}

// headLen is the preamble and the length field: what must be seen before a frame's size is
// known.
const headLen = len(preamble) + 2

// NewDecoder reads frames from r.
func NewDecoder(r io.Reader) *Decoder {
	// The buffer holds a whole frame, so that a frame can be checked before it is consumed.
	return &Decoder{br: bufio.NewReaderSize(r, headLen+MaxFrameLen)}
}

// Reset drops any buffered bytes and reads from r from now on. The Reader calls it before each
// command so that a late reply to the previous one cannot pass for the answer to this one.
func (d *Decoder) Reset(r io.Reader) { d.br.Reset(r) }

// ReadReply returns the next reply frame. Errors: ErrChecksum, ErrFrameLength, ErrNoFrame, and
// whatever the stream returns (io.EOF before a frame starts, io.ErrUnexpectedEOF inside one).
// After any of them the next call looks for the next preamble.
func (d *Decoder) ReadReply() (Reply, error) {
	body, err := d.next(minReplyLen)
	if err != nil {
		return Reply{}, err
	}
	return Reply{SW1: body[0], SW2: body[1], SW3: Status(body[2]), Data: body[3 : len(body)-1]}, nil
}

// ReadRequest returns the next request frame: what a reader (or a simulator of one) reads.
func (d *Decoder) ReadRequest() (Request, error) {
	body, err := d.next(minRequestLen)
	if err != nil {
		return Request{}, err
	}
	return Request{Cmd: Command(body[0])<<8 | Command(body[1]), Data: body[2 : len(body)-1]}, nil
}

// next finds a preamble and returns the checked bytes after the length field, checksum last.
// The frame is only peeked at until it has passed every check; on failure one byte is dropped,
// so the next call searches from inside the rejected frame.
func (d *Decoder) next(minLen int) ([]byte, error) {
	if err := d.sync(); err != nil {
		return nil, err
	}
	head, err := d.br.Peek(headLen)
	if err != nil {
		d.skip()
		return nil, unexpected(err)
	}
	n := int(binary.BigEndian.Uint16(head[len(preamble):]))
	if n < minLen || n > MaxFrameLen {
		d.skip()
		return nil, fmt.Errorf("%w (%d, expected %d to %d)", ErrFrameLength, n, minLen, MaxFrameLen)
	}
	frame, err := d.br.Peek(headLen + n)
	if err != nil {
		d.skip()
		return nil, unexpected(err)
	}
	checked := frame[len(preamble) : len(frame)-1]
	if got, want := frame[len(frame)-1], xor(checked); got != want {
		d.skip()
		return nil, fmt.Errorf("%w (got %02X, computed %02X)", ErrChecksum, got, want)
	}
	body := bytes.Clone(frame[headLen:]) // the buffer is reused by the next read
	_, _ = d.br.Discard(len(frame))
	return body, nil
}

// sync drops bytes until the stream starts with a preamble. It returns io.EOF when the stream
// ends first: noise alone is not a frame, so that is not an unexpected end.
func (d *Decoder) sync() error {
	for skipped := 0; ; skipped++ {
		p, err := d.br.Peek(len(preamble))
		if string(p) == preamble {
			return nil
		}
		if err != nil {
			return err
		}
		if skipped >= maxSkip {
			return fmt.Errorf("%w (%d bytes without a preamble)", ErrNoFrame, skipped)
		}
		d.skip()
	}
}

// skip drops one byte. Bytes being dropped were buffered by a Peek, so it cannot fail.
func (d *Decoder) skip() { _, _ = d.br.Discard(1) }

// unexpected turns an EOF in the middle of a frame into io.ErrUnexpectedEOF, as io.ReadFull
// does, so that callers can tell a cut-off frame from a stream that simply ended.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
