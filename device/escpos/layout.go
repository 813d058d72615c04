package escpos

import (
	"fmt"
	"strings"

	"github.com/hallkiosk/kiosk/device"
)

// Paper widths in half-width columns of the standard 12×24 dot font at 203 dpi.
const (
	Columns58mm = 32 // 384 dots
	Columns80mm = 48 // 576 dots
)

// dotsPerColumn is the width of a half-width character of font A in dots; it turns the
// line width into the paper width for sizing the QR code.
const dotsPerColumn = 12

// Layout says how a device.Doc is put on paper. The zero value is a 58 mm receipt.
type Layout struct {
	// Columns is the line width in half-width characters (a Chinese character takes two):
	// Columns58mm or Columns80mm; 0 means Columns58mm. Other values from 16 to 255 work for
	// printers with other fonts.
	Columns int
	// QRModule is the QR code's module size in dots (1–16); 0 means 6 (0.75 mm, which
	// phones read easily). It is reduced when the code would not fit the paper.
	QRModule int
	// QRLevel is the QR code's error correction; 0 means QRLevelM.
	QRLevel QRLevel
}

// withDefaults fills zero fields and checks the others.
func (l Layout) withDefaults() (Layout, error) {
	if l.Columns == 0 {
		l.Columns = Columns58mm
	}
	if l.QRModule == 0 {
		l.QRModule = 6
	}
	if l.QRLevel == 0 {
		l.QRLevel = QRLevelM
	}
	if l.Columns < 16 || l.Columns > 255 {
		return l, fmt.Errorf("receipt layout: %d columns is not a paper width; use 32 for 58 mm paper or 48 for 80 mm", l.Columns)
	}
	if l.QRModule < 1 || l.QRModule > 16 {
		return l, fmt.Errorf("receipt layout: QR module size %d dots is outside 1–16", l.QRModule)
	}
	if l.QRLevel < QRLevelL || l.QRLevel > QRLevelH {
		return l, fmt.Errorf("receipt layout: QR error correction %d is not one of QRLevelL…QRLevelH", byte(l.QRLevel))
	}
	return l, nil
}

// Receipt lays doc out as one print job: the title centred, bold and double size, the
// lines left-aligned and wrapped to the paper, the QR code centred below them, then a feed
// and a cut. Everything is checked before a byte is produced, so a job is all or nothing.
func (l Layout) Receipt(doc device.Doc) ([]byte, error) {
	l, err := l.withDefaults()
	if err != nil {
		return nil, err
	}
	var e Encoder
	e.Init()
	e.ChineseMode(true)

	if doc.Title != "" {
		e.Align(AlignCenter)
		e.Bold(true)
		// Double size when the title fits one line at double width (a Chinese title does);
		// otherwise double height only, so that a long English title takes two lines on
		// 58 mm paper rather than four.
		if len(EncodeText(doc.Title)) <= l.Columns/2 {
			e.Size(2, 2)
			e.lines(doc.Title, l.Columns/2) // double width halves the columns
		} else {
			e.Size(1, 2)
			e.lines(doc.Title, l.Columns)
		}
		e.Size(1, 1)
		e.Bold(false)
		e.Align(AlignLeft)
	}
	for _, line := range doc.Lines {
		e.lines(line, l.Columns)
	}
	if doc.QR != "" {
		module, err := l.qrModule(doc.QR)
		if err != nil {
			return nil, err
		}
		e.Line("") // a blank line between the text and the code
		e.Align(AlignCenter)
		if err := e.QR(doc.QR, l.QRLevel, module); err != nil {
			return nil, fmt.Errorf("receipt layout: %w", err)
		}
		e.Line("") // ends the symbol's line, so the alignment below takes effect
		e.Align(AlignLeft)
	}
	e.Feed(3)
	e.Cut(0)
	return e.Bytes(), nil
}

// lines adds text wrapped to cols, one printed line per "\n"-separated part.
func (e *Encoder) lines(text string, cols int) {
	for _, part := range strings.Split(text, "\n") {
		for _, line := range wrap(encodeGlyphs(strings.TrimSuffix(part, "\r")), cols) {
			e.lineGlyphs(line)
		}
	}
}

// qrModule is the module size that makes data's QR code fit the paper: the configured size,
// reduced if needed, because the printer silently skips a symbol wider than the paper.
func (l Layout) qrModule(data string) (int, error) {
	side, err := qrModules(len(data), l.QRLevel)
	if err != nil {
		return 0, fmt.Errorf("receipt layout: %w", err)
	}
	fit := l.Columns * dotsPerColumn / side
	if fit < 1 {
		return 0, fmt.Errorf("receipt layout: a QR code of %d modules does not fit %d columns; use a shorter URL", side, l.Columns)
	}
	return min(l.QRModule, fit), nil
}
