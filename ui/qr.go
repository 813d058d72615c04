package ui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	qrcode "github.com/skip2/go-qrcode"
)

// qrQuiet is the quiet zone kept around a code, in modules. The standard asks for 4; phone
// scanners read 2 reliably on a screen, and 2 keeps a version-2 code at 15 rows, which fits the
// 80x24 layout beside the amount.
const qrQuiet = 2

// qrBlock draws text as a QR code with half blocks: each character cell holds two modules, one
// above the other, so the code keeps its square shape. Dark modules are drawn black on white
// explicitly, whatever the terminal's theme, because a scanner needs dark on light.
//
// The half-block glyphs are East-Asian ambiguous: they are one cell wide only when the terminal
// and go-runewidth use the narrow rule (LANG=C.UTF-8, RUNEWIDTH_EASTASIAN=0, which the kiosk
// sets at start). The end-to-end test checks the code's alignment in tmux.
func qrBlock(text string) (string, error) {
	code, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return "", fmt.Errorf("qr code: %w", err)
	}
	code.DisableBorder = true
	bm := qrPad(code.Bitmap(), qrQuiet)
	style := lipgloss.NewStyle().Foreground(lipgloss.Black).Background(lipgloss.BrightWhite)
	var rows []string
	for y := 0; y < len(bm); y += 2 {
		var sb strings.Builder
		for x := range bm[y] {
			top := bm[y][x]
			bottom := y+1 < len(bm) && bm[y+1][x]
			switch {
			case top && bottom:
				sb.WriteRune('█')
			case top:
				sb.WriteRune('▀')
			case bottom:
				sb.WriteRune('▄')
			default:
				sb.WriteByte(' ')
			}
		}
		rows = append(rows, style.Render(sb.String()))
	}
	return strings.Join(rows, "\n"), nil
}

// qrPad puts n light modules around a bitmap.
func qrPad(bm [][]bool, n int) [][]bool {
	size := len(bm) + 2*n
	out := make([][]bool, size)
	for y := range out {
		out[y] = make([]bool, size)
		if y >= n && y < n+len(bm) {
			copy(out[y][n:], bm[y-n])
		}
	}
	return out
}

// qrGlyphs are the glyphs a QR block may hold; tests allow these ambiguous runes inside it.
const qrGlyphs = "█▀▄"
