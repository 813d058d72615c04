package escpos

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// transcript walks an ESC/POS byte stream back into readable text, one token per command
// ("[BOLD ON]", "[QR M size 6 \"…\"]"), text decoded from GB18030, and line feeds as new
// lines. Bytes it does not know show as [HEX …], so a golden file hides nothing.
func transcript(b []byte) string {
	d := decoder{in: b}
	d.run()
	return d.out.String()
}

// qrState is what the GS ( k commands have set so far; the symbol is shown when printed.
type qrState struct {
	model, module int
	level         QRLevel
	data          []byte
	stored        bool
	// unprinted data and settings are shown if never printed, so that nothing is hidden.
	dataPending, setPending bool
}

type decoder struct {
	in  []byte
	i   int
	cn  bool // Chinese character mode: pairs of high bytes are GB characters
	qr  qrState
	out strings.Builder
}

func (d *decoder) run() {
	defer d.unprintedQR()
	for d.i < len(d.in) {
		c := d.in[d.i]
		switch {
		case c == lf:
			d.out.WriteByte('\n')
			d.i++
		case c == esc:
			d.esc()
		case c == gs:
			d.gs()
		case c == fs:
			d.fs()
		case c == dle:
			d.dle()
		case c >= 0x20 && c < 0x7F:
			d.out.WriteByte(c)
			d.i++
		case d.cn && d.i+1 < len(d.in) && isDoubleByte(c, d.in[d.i+1]):
			r, err := simplifiedchinese.GB18030.NewDecoder().Bytes(d.in[d.i : d.i+2])
			if err != nil {
				d.hex(2)
				continue
			}
			d.out.Write(r)
			d.i += 2
		default:
			d.hex(1)
		}
	}
}

// need reports whether n bytes remain; if not, the rest is shown as hex.
func (d *decoder) need(n int) bool {
	if d.i+n <= len(d.in) {
		return true
	}
	d.hex(len(d.in) - d.i)
	return false
}

// hex shows n bytes as they are.
func (d *decoder) hex(n int) {
	d.out.WriteString("[HEX")
	for _, c := range d.in[d.i : d.i+n] {
		fmt.Fprintf(&d.out, " %02X", c)
	}
	d.out.WriteString("]")
	d.i += n
}

func (d *decoder) token(format string, args ...any) {
	d.out.WriteString("[" + fmt.Sprintf(format, args...) + "]")
}

func (d *decoder) esc() {
	if !d.need(2) {
		return
	}
	switch d.in[d.i+1] {
	case '@':
		d.token("INIT")
		d.i += 2
		return
	case 'a', 'E', 'd':
		if !d.need(3) {
			return
		}
		n := d.in[d.i+2]
		switch d.in[d.i+1] {
		case 'a':
			d.token("ALIGN %s", alignName(n))
		case 'E':
			d.token("BOLD %s", onOff(n&1 == 1))
		case 'd':
			d.token("FEED %d", n)
		}
		d.i += 3
		return
	}
	d.hex(2)
}

func alignName(n byte) string {
	switch n {
	case 0, '0':
		return "LEFT"
	case 1, '1':
		return "CENTER"
	case 2, '2':
		return "RIGHT"
	}
	return fmt.Sprintf("?%d", n)
}

func onOff(on bool) string {
	if on {
		return "ON"
	}
	return "OFF"
}

func (d *decoder) gs() {
	if !d.need(2) {
		return
	}
	switch d.in[d.i+1] {
	case '!':
		if d.need(3) {
			n := d.in[d.i+2]
			d.token("SIZE %dx%d", n>>4&7+1, n&7+1)
			d.i += 3
		}
	case 'V':
		d.cut()
	case '(':
		d.gsParen()
	default:
		d.hex(2)
	}
}

func (d *decoder) cut() {
	if !d.need(3) {
		return
	}
	switch m := d.in[d.i+2]; m {
	case 0, '0':
		d.token("FULL CUT NOW")
		d.i += 3
	case 1, '1':
		d.token("CUT NOW")
		d.i += 3
	case 65, 66:
		if !d.need(4) {
			return
		}
		name := map[byte]string{65: "FULL CUT", 66: "CUT"}[m]
		if n := d.in[d.i+3]; n > 0 {
			name += fmt.Sprintf(" +%d", n)
		}
		d.token("%s", name)
		d.i += 4
	default:
		d.hex(3)
	}
}

// gsParen reads GS ( k pL pH cn fn …, the QR code commands (cn 49).
func (d *decoder) gsParen() {
	if !d.need(5) {
		return
	}
	if d.in[d.i+2] != 'k' {
		d.hex(3)
		return
	}
	n := int(d.in[d.i+3]) | int(d.in[d.i+4])<<8
	if n < 2 { // too short to hold cn and fn
		d.hex(5)
		return
	}
	if !d.need(5 + n) {
		return
	}
	p := d.in[d.i+5 : d.i+5+n]
	if p[0] != 49 || !d.qrFunction(p[1], p[2:]) {
		d.hex(5 + n)
		return
	}
	d.i += 5 + n
}

// qrFunction applies one QR function; false means it is not one this package sends.
func (d *decoder) qrFunction(fn byte, p []byte) bool {
	switch {
	case fn == 65 && len(p) == 2:
		d.qr.model = int(p[0]) - 48
	case fn == 67 && len(p) == 1:
		d.qr.module = int(p[0])
	case fn == 69 && len(p) == 1:
		d.qr.level = QRLevel(p[0])
	case fn == 80 && len(p) >= 1 && p[0] == 48:
		if d.qr.dataPending { // replaced before it was printed
			d.unprintedQR()
		}
		d.qr.data = append([]byte(nil), p[1:]...)
		d.qr.stored, d.qr.dataPending = true, true
		return true
	case fn == 81 && len(p) == 1 && p[0] == 48:
		d.qr.dataPending, d.qr.setPending = false, false
		d.token("QR %s", d.qr.describe())
		return true
	default:
		return false
	}
	d.qr.setPending = true
	return true
}

// unprintedQR shows QR settings or data that were sent but never printed.
func (d *decoder) unprintedQR() {
	if d.qr.dataPending || d.qr.setPending {
		d.qr.dataPending, d.qr.setPending = false, false
		d.token("QR NOT PRINTED %s", d.qr.describe())
	}
}

// describe is the symbol as the printer would draw it now.
func (q qrState) describe() string {
	var parts []string
	if q.model != 2 {
		parts = append(parts, fmt.Sprintf("model %d", q.model))
	}
	level := "EC ?"
	if q.level >= QRLevelL && q.level <= QRLevelH {
		level = q.level.String()
	}
	parts = append(parts, level, fmt.Sprintf("size %d", q.module))
	if q.stored {
		parts = append(parts, fmt.Sprintf("%q", q.data))
	} else {
		parts = append(parts, "nothing stored")
	}
	return strings.Join(parts, " ")
}

func (d *decoder) fs() {
	if !d.need(2) {
		return
	}
	switch d.in[d.i+1] {
	case '&':
		d.cn = true
		d.token("CN ON")
	case '.':
		d.cn = false
		d.token("CN OFF")
	default:
		d.hex(2)
		return
	}
	d.i += 2
}

func (d *decoder) dle() {
	if !d.need(3) {
		return
	}
	names := map[byte]string{1: "printer", 2: "offline cause", 3: "error cause", 4: "paper"}
	if name, ok := names[d.in[d.i+2]]; ok && d.in[d.i+1] == eot {
		d.token("STATUS? %s", name)
		d.i += 3
		return
	}
	d.hex(1)
}

func TestTranscriptShowsEveryCommand(t *testing.T) {
	var e Encoder
	e.Init()
	e.ChineseMode(true)
	e.Align(AlignRight)
	e.Bold(true)
	e.Size(3, 2)
	e.Line("粤B·12345")
	e.ChineseMode(false)
	e.StatusQuery(StatusOfflineCause)
	e.Feed(4)
	e.Cut(5)
	got := transcript(e.Bytes())
	want := "[INIT][CN ON][ALIGN RIGHT][BOLD ON][SIZE 3x2]粤B·12345\n[CN OFF][STATUS? offline cause][FEED 4][CUT +5]"
	if got != want {
		t.Errorf("transcript:\n got %s\nwant %s", got, want)
	}
}

func TestTranscriptShowsUnknownBytesAsHex(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"unknown ESC command", []byte{esc, 't', 0}, "[HEX 1B 74][HEX 00]"},
		{"truncated command", []byte{gs, '!'}, "[HEX 1D 21]"},
		{"GB bytes outside Chinese mode", []byte{0xD5, 0xC5}, "[HEX D5][HEX C5]"},
		{"four-byte GB18030 in Chinese mode", []byte{fs, '&', 0x95, 0x34, 0xB2, 0x35}, "[CN ON][HEX 95]4[HEX B2]5"},
		{"QR command of another symbology", []byte{gs, '(', 'k', 3, 0, 48, 67, 3}, "[HEX 1D 28 6B 03 00 30 43 03]"},
		{"QR length past the end", []byte{gs, '(', 'k', 9, 0, 49}, "[HEX 1D 28 6B 09 00 31]"},
		{"QR stored, never printed", []byte{gs, '(', 'k', 4, 0, 49, 80, 48, 'x'}, `[QR NOT PRINTED model 0 EC ? size 0 "x"]`},
		{"DLE without EOT", []byte{dle, 5, 1}, "[HEX 10][HEX 05][HEX 01]"},
		{"carriage return", []byte{'a', '\r', 'b'}, "a[HEX 0D]b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := transcript(tt.in); got != tt.want {
				t.Errorf("transcript(% X) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzTranscript checks that the test decoder survives any byte stream, so a golden test
// never fails for the decoder's sake, and that it always yields text a diff can show.
func FuzzTranscript(f *testing.F) {
	job, err := Layout{}.Receipt(zhDoc())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(job)
	f.Add([]byte{gs, '(', 'k', 0xFF, 0xFF, 49})
	f.Add([]byte{fs, '&', 0x81})
	f.Fuzz(func(t *testing.T, b []byte) {
		out := transcript(b)
		if !utf8.ValidString(out) {
			t.Fatalf("transcript of % X is not valid UTF-8: %q", b, out)
		}
		if len(b) > 0 && out == "" {
			t.Fatalf("transcript of % X is empty: bytes were hidden", b)
		}
	})
}
