package escpos

import (
	"io"
	"strings"
)

// Control bytes that start ESC/POS commands.
const (
	lf  = 0x0A
	esc = 0x1B
	gs  = 0x1D
	fs  = 0x1C
	dle = 0x10
	eot = 0x04
)

// Align is a line's horizontal position (ESC a n).
type Align byte

const (
	AlignLeft   Align = 0
	AlignCenter Align = 1
	AlignRight  Align = 2
)

// Encoder builds the ESC/POS bytes of one print job in memory. It does no I/O, so that a
// receipt is complete and checked before anything reaches the printer, and is sent in one
// write that either fully succeeds or is reported as failed. The zero value is ready to use.
type Encoder struct {
	buf []byte
}

// Bytes is the job so far. It aliases the Encoder's buffer.
func (e *Encoder) Bytes() []byte { return e.buf }

// WriteTo sends the job to w, for callers that hold an io.Writer.
func (e *Encoder) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(e.buf)
	return int64(n), err
}

// Init resets the printer to its power-on settings (ESC @), so that a previous job's bold,
// size or alignment does not leak into this one.
func (e *Encoder) Init() { e.buf = append(e.buf, esc, '@') }

// Align sets the alignment of the lines that follow (ESC a n). The printer applies it only
// at the start of a line, so call it right after a line feed.
func (e *Encoder) Align(a Align) { e.buf = append(e.buf, esc, 'a', byte(a)) }

// Bold turns emphasized printing on or off (ESC E n; only bit 0 of n counts).
func (e *Encoder) Bold(on bool) { e.buf = append(e.buf, esc, 'E', bit(on)) }

// Size sets the character magnification (GS ! n): width and height are 1–8 and are clamped
// to that range. n holds width-1 in bits 4–6 and height-1 in bits 0–2.
func (e *Encoder) Size(width, height int) {
	w, h := clamp(width, 1, 8)-1, clamp(height, 1, 8)-1
	e.buf = append(e.buf, gs, '!', byte(w<<4|h))
}

// ChineseMode selects (FS &) or cancels (FS .) Chinese character mode, in which the printer
// takes two bytes ≥ 0x81 as one GB character. Many Chinese printers start in it; others
// print those bytes as two code-page symbols, so a receipt selects it explicitly.
func (e *Encoder) ChineseMode(on bool) {
	if on {
		e.buf = append(e.buf, fs, '&')
		return
	}
	e.buf = append(e.buf, fs, '.')
}

// Text adds text in the printer's encoding (see [EncodeText]); "\n" ends a line.
func (e *Encoder) Text(s string) {
	for i, part := range strings.Split(s, "\n") {
		if i > 0 {
			e.buf = append(e.buf, lf)
		}
		e.buf = append(e.buf, EncodeText(part)...)
	}
}

// Line adds text and ends the line, which prints it.
func (e *Encoder) Line(s string) {
	e.Text(s)
	e.buf = append(e.buf, lf)
}

// lineGlyphs adds already encoded characters and ends the line.
func (e *Encoder) lineGlyphs(line []glyph) {
	for _, g := range line {
		e.buf = append(e.buf, g.b[:g.n]...)
	}
	e.buf = append(e.buf, lf)
}

// Feed prints what is buffered and feeds lines (0–255, clamped) blank lines (ESC d n).
func (e *Encoder) Feed(lines int) { e.buf = append(e.buf, esc, 'd', byte(clamp(lines, 0, 255))) }

// Cut feeds the paper to the cutter, plus extra (0–255, clamped) motion units, and cuts it
// partially (GS V 66 n, "function B"), leaving a hinge so the receipt does not drop to the
// floor. Printers without a cutter just feed.
func (e *Encoder) Cut(extra int) { e.buf = append(e.buf, gs, 'V', 66, byte(clamp(extra, 0, 255))) }

// StatusQuery asks for one real-time status byte (DLE EOT n). The printer answers at once,
// even while offline, if it can send at all; see [ParsePrinterStatus] and the others.
func (e *Encoder) StatusQuery(k StatusKind) { e.buf = append(e.buf, dle, eot, byte(k)) }

func bit(on bool) byte {
	if on {
		return 1
	}
	return 0
}

func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }
