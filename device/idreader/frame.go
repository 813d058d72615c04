package idreader

import "fmt"

const (
	// preamble starts every frame in both directions. Five fixed bytes let a decoder find the
	// next frame again after line noise or a half-received reply.
	preamble = "\xAA\xAA\xAA\x96\x69"

	// MaxFrameLen bounds the length field the decoder accepts. The longest reply a reader sends
	// is text + photo + fingerprints (30 10): 3 status bytes, 6 length bytes, 256 + 1024 + 1024
	// bytes of data and the checksum, 2314 in all. Anything far beyond that is noise or a wrong
	// baud rate, and must not make the decoder allocate what a stranger's bytes ask for.
	MaxFrameLen = 4096

	// minRequestLen is command + parameter + checksum; minReplyLen is SW1 SW2 SW3 + checksum.
	minRequestLen = 3
	minReplyLen   = 4
)

// Command is a request's command and parameter bytes, high byte first: 0x2001 is "20 01".
type Command uint16

// The commands of GA/T 467 that a kiosk has a use for.
const (
	CmdResetSAM        Command = 0x10FF // reset the security module
	CmdStatus          Command = 0x11FF // is the security module working?
	CmdSAMID           Command = 0x12FF // the security module's serial number
	CmdFind            Command = 0x2001 // is a card on the reader? (answers 9F when it is)
	CmdSelect          Command = 0x2002 // pick the card for reading
	CmdReadText        Command = 0x3001 // read text block and photo
	CmdReadFingerprint Command = 0x3010 // read text block, photo and fingerprints
	CmdReadNewAddress  Command = 0x3003 // read the address written after a move (追加住址)
)

// String names the command for error messages, which staff read.
func (c Command) String() string {
	switch c {
	case CmdResetSAM:
		return "reset SAM"
	case CmdStatus:
		return "SAM status"
	case CmdSAMID:
		return "SAM ID"
	case CmdFind:
		return "find card"
	case CmdSelect:
		return "select card"
	case CmdReadText:
		return "read text and photo"
	case CmdReadFingerprint:
		return "read text, photo and fingerprints"
	case CmdReadNewAddress:
		return "read new address"
	}
	return fmt.Sprintf("command %02X %02X", byte(c>>8), byte(c))
}

// Request is a frame from the host to the reader.
type Request struct {
	Cmd  Command
	Data []byte
}

// Reply is a frame from the reader to the host: three status bytes and the command's data.
// Only SW3 carries meaning in practice; SW1 and SW2 are zero on every reader seen documented,
// but they are kept so that an odd reader can be diagnosed.
type Reply struct {
	SW1, SW2 byte
	SW3      Status
	Data     []byte
}

// EncodeRequest builds the frame for cmd with optional data. The three commands of a card read
// encode to the bytes the vendors' notes print: AA AA AA 96 69 00 03 20 01 22 (find) and so on.
func EncodeRequest(cmd Command, data []byte) []byte {
	return encodeFrame([]byte{byte(cmd >> 8), byte(cmd)}, data)
}

// EncodeReply builds a reply frame. The driver never sends one; simulators and tests do.
func EncodeReply(r Reply) []byte {
	return encodeFrame([]byte{r.SW1, r.SW2, byte(r.SW3)}, r.Data)
}

// encodeFrame lays out preamble | length | head | data | checksum. The length counts every byte
// after itself, checksum included, and the checksum is the XOR of every byte after the
// preamble, length included.
//
// A frame longer than MaxFrameLen is a programming error (the host's requests are a few bytes;
// a simulator's replies are at most a card's worth), so it panics rather than send a length
// field that no decoder accepts.
func encodeFrame(head, data []byte) []byte {
	n := len(head) + len(data) + 1
	if n > MaxFrameLen {
		panic(fmt.Sprintf("idreader: frame of %d bytes exceeds MaxFrameLen", n))
	}
	out := make([]byte, 0, len(preamble)+2+n)
	out = append(out, preamble...)
	out = append(out, byte(n>>8), byte(n))
	out = append(out, head...)
	out = append(out, data...)
	return append(out, xor(out[len(preamble):]))
}

func xor(b []byte) byte {
	var x byte
	for _, c := range b {
		x ^= c
	}
	return x
}
