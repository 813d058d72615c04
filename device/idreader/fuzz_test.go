package idreader

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzReadReply feeds the reply decoder any bytes. It must not panic, must end (every call
// consumes input or reports the end), must never hand out more than MaxFrameLen of data, and
// whatever it accepts must encode back to a frame that decodes to the same reply.
func FuzzReadReply(f *testing.F) {
	f.Add(EncodeReply(Reply{SW3: StatusCardFound, Data: make([]byte, 4)}))
	f.Add(EncodeReply(Reply{SW3: StatusOK, Data: encodeCardData(testCard())}))
	f.Add(EncodeRequest(CmdFind, nil))
	f.Add([]byte("\xAA\xAA\xAA\x96\x69\xFF\xFF"))
	f.Add([]byte("\x00\xAA\xAA\xAA\xAA\x96\x69\x00\x04\x00\x00\x90\x94"))
	f.Fuzz(func(t *testing.T, in []byte) {
		d := NewDecoder(bytes.NewReader(in))
		for calls := 0; ; calls++ {
			if calls > len(in)+1 {
				t.Fatalf("%d calls on %d bytes: the decoder is not making progress", calls, len(in))
			}
			r, err := d.ReadReply()
			if err == io.EOF {
				return
			}
			if err != nil {
				if !errors.Is(err, ErrChecksum) && !errors.Is(err, ErrFrameLength) &&
					!errors.Is(err, ErrNoFrame) && err != io.ErrUnexpectedEOF {
					t.Fatalf("unexpected error kind: %v", err)
				}
				continue
			}
			if len(r.Data) > MaxFrameLen {
				t.Fatalf("%d bytes of data from one frame", len(r.Data))
			}
			back, err := NewDecoder(bytes.NewReader(EncodeReply(r))).ReadReply()
			if err != nil || back.SW1 != r.SW1 || back.SW2 != r.SW2 || back.SW3 != r.SW3 || !bytes.Equal(back.Data, r.Data) {
				t.Fatalf("reply does not survive encode and decode: %v", err)
			}
		}
	})
}

// FuzzParseCard feeds the payload parser any reply data: no panic, and an accepted card's photo
// is exactly the bytes the header pointed at.
func FuzzParseCard(f *testing.F) {
	f.Add(encodeCardData(testCard()))
	f.Add([]byte{0x01, 0x00, 0x04, 0x00})
	f.Add([]byte{0xFF, 0xFF, 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCard(data)
		if err != nil {
			return
		}
		if len(c.Photo) > len(data) {
			t.Fatalf("photo of %d bytes from %d bytes of data", len(c.Photo), len(data))
		}
		if len(c.Photo) > 0 && !bytes.Contains(data, c.Photo) {
			t.Fatal("photo bytes are not the ones sent")
		}
	})
}
