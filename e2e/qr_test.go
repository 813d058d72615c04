package e2e

import (
	"fmt"
	"image"
	"image/color"
	"strings"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/mattn/go-runewidth"
)

// qrCells finds the QR code drawn with half blocks on a captured screen and returns its modules
// by terminal cell: each text row holds two module rows. Positions are cells, not runes, so
// Chinese text beside the code (two cells a character) does not shift it. A code whose rows
// were drawn at different widths, or shifted against each other, comes back misaligned and
// fails to decode.
func qrCells(screen string) (bm [][]bool, err error) {
	narrow := runewidth.NewCondition()
	narrow.EastAsianWidth = false
	var rows [][]halfCell
	first, last := -1, -1
	for _, line := range strings.Split(screen, "\n") {
		var row []halfCell
		col, has := 0, false
		for _, r := range line {
			w := narrow.RuneWidth(r)
			switch r {
			case '█', '▀', '▄':
				for len(row) < col {
					row = append(row, halfCell{})
				}
				row = append(row, halfCell{top: r != '▄', bottom: r != '▀'})
				has = true
				if first < 0 || col < first {
					first = col
				}
				last = max(last, col)
			}
			col += w
		}
		switch {
		case has:
			rows = append(rows, row)
		case len(rows) > 0:
			return toModules(rows, first, last), nil
		}
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("no half-block QR code on the screen")
	}
	return toModules(rows, first, last), nil
}

// halfCell is one terminal cell of a half-block code: two modules, one above the other.
type halfCell struct{ top, bottom bool }

// toModules cuts the cells between the first and last dark columns into module rows.
func toModules(rows [][]halfCell, first, last int) [][]bool {
	var bm [][]bool
	for _, row := range rows {
		top, bottom := make([]bool, last-first+1), make([]bool, last-first+1)
		for x := first; x <= last && x < len(row); x++ {
			top[x-first], bottom[x-first] = row[x].top, row[x].bottom
		}
		bm = append(bm, top, bottom)
	}
	return bm
}

// decodeQR reads the code the way a phone would: it draws the modules as pixels with a quiet
// zone and hands the picture to a QR decoder.
func decodeQR(screen string) (string, error) {
	bm, err := qrCells(screen)
	if err != nil {
		return "", err
	}
	const scale, quiet = 6, 4
	size := len(bm[0])
	img := image.NewGray(image.Rect(0, 0, (size+2*quiet)*scale, (len(bm)+2*quiet)*scale))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y, row := range bm {
		for x, dark := range row {
			if !dark {
				continue
			}
			for dy := range scale {
				for dx := range scale {
					img.SetGray((x+quiet)*scale+dx, (y+quiet)*scale+dy, color.Gray{})
				}
			}
		}
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", err
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		return "", fmt.Errorf("decode a %dx%d module picture: %w", size, len(bm), err)
	}
	return res.GetText(), nil
}
