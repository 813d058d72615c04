package escpos

import "fmt"

// QRLevel is a QR code's error correction level, as the byte GS ( k fn 69 takes.
type QRLevel byte

const (
	QRLevelL QRLevel = 48 // recovers ~7% damage
	QRLevelM QRLevel = 49 // ~15%: the receipt default, robust to a smudge or a fold
	QRLevelQ QRLevel = 50 // ~25%
	QRLevelH QRLevel = 51 // ~30%
)

// String is the level's letter, for transcripts and errors.
func (l QRLevel) String() string {
	if l >= QRLevelL && l <= QRLevelH {
		return string("LMQH"[l-QRLevelL])
	}
	return fmt.Sprintf("QRLevel(%d)", byte(l))
}

// maxQRStore is the most data GS ( k fn 80 can carry: its length field pL+pH·256 counts the
// data plus 3 bytes (cn fn m) and may be at most 7092 (Epson reference, GS ( k <fn 180>).
const maxQRStore = 7092 - 3

// QR adds a QR code (model 2) holding data, printed with modules of module dots (1–16).
// The data is sent as is: a URL is ASCII; other text should be UTF-8, which phones assume.
//
// The commands are GS ( k with cn = 49 (Epson reference, "GS ( k <Function 165>" ff.):
//
//	fn 65  1D 28 6B 04 00 31 41 32 00   select model 2
//	fn 67  1D 28 6B 03 00 31 43 n       module size n dots
//	fn 69  1D 28 6B 03 00 31 45 n       error correction 48–51 (L M Q H)
//	fn 80  1D 28 6B pL pH 31 50 30 d…   store data; pL+pH·256 = len(d)+3
//	fn 81  1D 28 6B 03 00 31 51 30      print the stored symbol
//
// A symbol wider than the paper is silently not printed by the printer, which is why
// [Layout] checks the size with [qrModules] first.
func (e *Encoder) QR(data string, level QRLevel, module int) error {
	switch {
	case data == "":
		return fmt.Errorf("QR code: no data to encode")
	case len(data) > maxQRStore:
		return fmt.Errorf("QR code: %d bytes of data, the printer takes at most %d; shorten it", len(data), maxQRStore)
	case level < QRLevelL || level > QRLevelH:
		return fmt.Errorf("QR code: error correction %d is not one of QRLevelL…QRLevelH", byte(level))
	case module < 1 || module > 16:
		return fmt.Errorf("QR code: module size %d dots is outside 1–16", module)
	}
	e.qrCommand(65, 50, 0)
	e.qrCommand(67, byte(module))
	e.qrCommand(69, byte(level))
	e.qrCommand(80, append([]byte{48}, data...)...)
	e.qrCommand(81, 48)
	return nil
}

// qrCommand adds GS ( k pL pH cn fn params with cn = 49 (QR code).
func (e *Encoder) qrCommand(fn byte, params ...byte) {
	n := len(params) + 2 // cn and fn count in the length
	e.buf = append(e.buf, gs, '(', 'k', byte(n), byte(n>>8), 49, fn)
	e.buf = append(e.buf, params...)
}

// qrByteCapacity[level][v-1] is how many bytes a version v QR code holds in byte mode
// (ISO/IEC 18004 table 7), for versions 1–20: a receipt QR larger than version 20 (97
// modules) would not be scannable from a 58 mm roll anyway. qr_test checks it against an
// independent QR encoder.
var qrByteCapacity = [4][20]int{
	{17, 32, 53, 78, 106, 134, 154, 192, 230, 271, 321, 367, 425, 458, 520, 586, 644, 718, 792, 858},
	{14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412, 450, 504, 560, 624, 666},
	{11, 20, 32, 46, 60, 74, 86, 108, 130, 151, 177, 203, 241, 258, 292, 322, 364, 394, 442, 482},
	{7, 14, 24, 34, 44, 58, 64, 84, 98, 119, 137, 155, 177, 194, 220, 250, 280, 310, 338, 382},
}

// qrModules is the side, in modules, of the smallest QR code holding n bytes at level, or
// an error when none up to version 20 does. Byte mode is assumed: printers may choose a
// denser mode for digits, never a larger symbol.
func qrModules(n int, level QRLevel) (int, error) {
	if level < QRLevelL || level > QRLevelH {
		return 0, fmt.Errorf("QR code: error correction %d is not one of QRLevelL…QRLevelH", byte(level))
	}
	for v, capacity := range qrByteCapacity[level-QRLevelL] {
		if n <= capacity {
			return 17 + 4*(v+1), nil
		}
	}
	return 0, fmt.Errorf("QR code: %d bytes is too much for a receipt (at most %d at level %s); use a shorter URL",
		n, qrByteCapacity[level-QRLevelL][19], level)
}
