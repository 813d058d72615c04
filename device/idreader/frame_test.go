package idreader

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEncodeRequestMatchesVendorExamples(t *testing.T) {
	tests := []struct {
		cmd  Command
		want string
	}{
		{CmdFind, "AA AA AA 96 69 00 03 20 01 22"},
		{CmdSelect, "AA AA AA 96 69 00 03 20 02 21"},
		{CmdReadText, "AA AA AA 96 69 00 03 30 01 32"},
	}
	for _, tt := range tests {
		t.Run(tt.cmd.String(), func(t *testing.T) {
			if got := EncodeRequest(tt.cmd, nil); !bytes.Equal(got, unhex(t, tt.want)) {
				t.Errorf("EncodeRequest(%s) = % X, want %s", tt.cmd, got, tt.want)
			}
		})
	}
}

func TestDecoderReadsVendorRequests(t *testing.T) {
	in := unhex(t, "AA AA AA 96 69 00 03 20 01 22 AA AA AA 96 69 00 03 20 02 21 AA AA AA 96 69 00 03 30 01 32")
	d := NewDecoder(bytes.NewReader(in))
	for _, want := range []Command{CmdFind, CmdSelect, CmdReadText} {
		req, err := d.ReadRequest()
		if err != nil || req.Cmd != want || len(req.Data) != 0 {
			t.Fatalf("ReadRequest = %v (%s), %v; want %s", req.Cmd, req.Data, err, want)
		}
	}
	if _, err := d.ReadRequest(); err != io.EOF {
		t.Errorf("after the last frame: %v, want io.EOF", err)
	}
}

func TestReplyRoundTrip(t *testing.T) {
	// The find reply as vendors print it: four data bytes of zero, checksum 97.
	if got := EncodeReply(Reply{SW3: StatusCardFound, Data: make([]byte, 4)}); !bytes.Equal(got, unhex(t, "AAAAAA9669 0008 00009F 00000000 97")) {
		t.Errorf("find reply encodes to % X", got)
	}
	want := Reply{SW1: 0x01, SW2: 0x02, SW3: StatusOK, Data: encodeCardData(testCard())}
	got, err := NewDecoder(bytes.NewReader(EncodeReply(want))).ReadReply()
	if err != nil {
		t.Fatal(err)
	}
	if got.SW1 != want.SW1 || got.SW2 != want.SW2 || got.SW3 != want.SW3 || !bytes.Equal(got.Data, want.Data) {
		t.Error("reply changed on the way through encode and decode")
	}
}

func TestDecoderResynchronisesAfterGarbage(t *testing.T) {
	good := EncodeReply(Reply{SW3: StatusOK, Data: []byte{1, 2, 3}})
	tests := []struct {
		name   string
		before string
	}{
		{"random bytes", "00 FF 13 11 0D 0A"},
		{"partial preambles", "AA AA 96 AA AA AA 96 AA 69"},
		{"extra AA before the preamble", "AA AA"},
		{"preamble and half a length", "AA AA AA 96 69 00"},
		{"preamble and an absurd half length", "AA AA AA 96 69 FF"},
		{"frame cut off after its status", "AA AA AA 96 69 00 05 00 00 90"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append(unhex(t, tt.before), good...)
			got, err := readFirstReply(NewDecoder(bytes.NewReader(in)))
			if err != nil {
				t.Fatalf("no reply found: %v", err)
			}
			if !bytes.Equal(got.Data, []byte{1, 2, 3}) {
				t.Errorf("data % X", got.Data)
			}
		})
	}
}

// readFirstReply skips frames that fail and returns the first good one. A cut-off frame whose
// length field reaches into the next frame fails its checksum, or runs past the end of the
// stream, and costs one call.
func readFirstReply(d *Decoder) (Reply, error) {
	for range 10 {
		r, err := d.ReadReply()
		if err == nil || err == io.EOF {
			return r, err
		}
	}
	return Reply{}, errors.New("gave up")
}

func TestDecoderGoesOnAfterBadFrame(t *testing.T) {
	bad := EncodeReply(Reply{SW3: StatusOK, Data: []byte{9, 9}})
	bad[len(bad)-1] ^= 0xFF
	good := EncodeReply(Reply{SW3: StatusCardFound})
	d := NewDecoder(bytes.NewReader(append(bad, good...)))
	if _, err := d.ReadReply(); !errors.Is(err, ErrChecksum) {
		t.Fatalf("corrupted frame: %v, want ErrChecksum", err)
	}
	if r, err := d.ReadReply(); err != nil || r.SW3 != StatusCardFound {
		t.Fatalf("next frame: %v, %v", r.SW3, err)
	}
}

func TestDecoderRejectsImpossibleLengths(t *testing.T) {
	tests := []struct{ name, in string }{
		{"65535", "AA AA AA 96 69 FF FF 00 00 90"},
		{"just over the bound", "AA AA AA 96 69 10 01 00 00 90"},
		{"zero", "AA AA AA 96 69 00 00"},
		{"too short for status and checksum", "AA AA AA 96 69 00 03 00 90 93"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewDecoder(bytes.NewReader(unhex(t, tt.in))).ReadReply()
			if !errors.Is(err, ErrFrameLength) {
				t.Fatalf("ReadReply = %v, want ErrFrameLength", err)
			}
		})
	}
}

func TestDecoderAbsurdLengthAllocatesLittle(t *testing.T) {
	in := unhex(t, "AA AA AA 96 69 FF FF")
	allocs := testing.AllocsPerRun(20, func() {
		_, _ = NewDecoder(bytes.NewReader(in)).ReadReply()
	})
	// The decoder's own buffer and the error; never a 64 KiB body.
	if allocs > 8 {
		t.Errorf("%v allocations for a frame it rejects", allocs)
	}
}

func TestDecoderReportsChecksumMismatch(t *testing.T) {
	f := EncodeReply(Reply{SW3: StatusOK, Data: []byte("abc")})
	f[9] ^= 0x40 // a data byte flipped on the line
	_, err := NewDecoder(bytes.NewReader(f)).ReadReply()
	if !errors.Is(err, ErrChecksum) {
		t.Fatalf("ReadReply = %v, want ErrChecksum", err)
	}
}

func TestDecoderGivesUpOnEndlessNoise(t *testing.T) {
	noise := bytes.Repeat([]byte{0x55}, maxSkip+100)
	_, err := NewDecoder(bytes.NewReader(noise)).ReadReply()
	if !errors.Is(err, ErrNoFrame) {
		t.Fatalf("ReadReply = %v, want ErrNoFrame", err)
	}
}

func TestDecoderEndOfStream(t *testing.T) {
	if _, err := NewDecoder(bytes.NewReader(nil)).ReadReply(); err != io.EOF {
		t.Errorf("empty stream: %v, want io.EOF", err)
	}
	f := EncodeReply(Reply{SW3: StatusOK, Data: []byte("abc")})
	if _, err := NewDecoder(bytes.NewReader(f[:len(f)-2])).ReadReply(); err != io.ErrUnexpectedEOF {
		t.Errorf("cut-off frame: %v, want io.ErrUnexpectedEOF", err)
	}
}
