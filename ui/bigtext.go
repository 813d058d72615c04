package ui

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/hallkiosk/kiosk/model"
)

// Large glyphs for the key figures of the large mode (amounts, points, times, dates, the digits
// being typed). The deployed terminal cannot draw text larger from the application: foot 1.13
// has no double-size lines (DECDHL/DECDWL), no font change by escape sequence (OSC 50) and no
// text sizing (kitty's OSC 66); its font size is fixed by its configuration and its zoom keys
// are switched off at a kiosk (docs/DEPLOY.md). So the figures are drawn: a 3x5 pixel font, two
// pixels a cell (the upper and lower half block), three text lines tall. A cell is about twice
// as tall as it is wide, so the pixels are nearly square and a figure is 2.5 lines of normal
// text tall.
//
// The half blocks (U+2580, U+2584, U+2588) are East-Asian ambiguous, like the QR code's: one
// cell wide under the kiosk's width rule (LANG=C.UTF-8, RUNEWIDTH_EASTASIAN=0), which lipgloss
// always applies; foot draws them itself, filling the cell (box-drawings-uses-font-glyphs=no,
// its default). bigtext_test.go and the tmux test in e2e check the width.

// bigPixelRows is the height of a glyph in pixels: five for the figure and one below the
// baseline, for the comma's tail and the gap to the next line.
const bigPixelRows = 6

// bigLines is the height of large text in lines of the terminal.
const bigLines = bigPixelRows / 2

// bigGap is the blank pixel columns between two glyphs.
const bigGap = 1

// bigGlyph returns the pixel rows of r in the large font ('#' ink, '.' blank), every row of a
// glyph as wide as the others, and whether the font has r. Digits are all three pixels wide,
// so figures stand in columns; punctuation is narrower. ' ' is one blank column: with the gaps
// around it, it separates groups of digits (an ID number's 6-8-4).
func bigGlyph(r rune) ([bigPixelRows]string, bool) {
	switch r {
	case '0':
		return [bigPixelRows]string{"###", "#.#", "#.#", "#.#", "###", "..."}, true
	case '1':
		return [bigPixelRows]string{".#.", "##.", ".#.", ".#.", "###", "..."}, true
	case '2':
		return [bigPixelRows]string{"###", "..#", "###", "#..", "###", "..."}, true
	case '3':
		return [bigPixelRows]string{"###", "..#", ".##", "..#", "###", "..."}, true
	case '4':
		return [bigPixelRows]string{"#.#", "#.#", "###", "..#", "..#", "..."}, true
	case '5':
		return [bigPixelRows]string{"###", "#..", "###", "..#", "###", "..."}, true
	case '6':
		return [bigPixelRows]string{"###", "#..", "###", "#.#", "###", "..."}, true
	case '7':
		return [bigPixelRows]string{"###", "..#", "..#", ".#.", ".#.", "..."}, true
	case '8':
		return [bigPixelRows]string{"###", "#.#", "###", "#.#", "###", "..."}, true
	case '9':
		return [bigPixelRows]string{"###", "#.#", "###", "..#", "###", "..."}, true
	case 'X': // the ID number's check character
		return [bigPixelRows]string{"#.#", "#.#", ".#.", "#.#", "#.#", "..."}, true
	case '¥':
		return [bigPixelRows]string{"#...#", ".#.#.", "#####", "..#..", "..#..", "....."}, true
	case '.':
		return [bigPixelRows]string{".", ".", ".", ".", "#", "."}, true
	case ',':
		return [bigPixelRows]string{"..", "..", "..", "..", ".#", "#."}, true
	case ':':
		return [bigPixelRows]string{".", "#", ".", "#", ".", "."}, true
	case '-':
		return [bigPixelRows]string{"..", "..", "##", "..", "..", ".."}, true
	case '/':
		return [bigPixelRows]string{"..#", "..#", ".#.", "#..", "#..", "..."}, true
	case ' ':
		return [bigPixelRows]string{".", ".", ".", ".", ".", "."}, true
	}
	return [bigPixelRows]string{}, false
}

// bigPixels lays s out in pixel rows, glyphs bigGap apart. It reports false when the font
// lacks a character of s (the caller then draws s as ordinary text).
func bigPixels(s string) ([bigPixelRows]string, bool) {
	var rows [bigPixelRows]strings.Builder
	for i, r := range []rune(s) {
		g, ok := bigGlyph(r)
		if !ok {
			return [bigPixelRows]string{}, false
		}
		for y := range rows {
			if i > 0 {
				rows[y].WriteString(strings.Repeat(".", bigGap))
			}
			rows[y].WriteString(g[y])
		}
	}
	var out [bigPixelRows]string
	for y := range rows {
		out[y] = rows[y].String()
	}
	return out, true
}

// bigRows draws s in the large font as bigLines unstyled lines of half blocks, each exactly
// as many cells wide as the others.
func bigRows(s string) ([]string, bool) {
	px, ok := bigPixels(s)
	if !ok {
		return nil, false
	}
	out := make([]string, bigLines)
	for line := range out {
		top, bottom := px[2*line], px[2*line+1]
		var sb strings.Builder
		for x := 0; x < len(top); x++ {
			switch t, b := top[x] == '#', bottom[x] == '#'; {
			case t && b:
				sb.WriteRune('█')
			case t:
				sb.WriteRune('▀')
			case b:
				sb.WriteRune('▄')
			default:
				sb.WriteByte(' ')
			}
		}
		out[line] = sb.String()
	}
	return out, true
}

// bigWidth is the width in cells of s in the large font, 0 when the font lacks a character.
func bigWidth(s string) int {
	px, ok := bigPixels(s)
	if !ok {
		return 0
	}
	return len(px[0])
}

// bigText draws s in the large font in style, one styled line per row. A character the font
// lacks, or a figure wider than w cells, leaves s as one line of ordinary text in style, so a
// figure is never cut.
func bigText(style lipgloss.Style, s string, w int) []string {
	rows, ok := bigRows(s)
	if !ok || lipgloss.Width(rows[0]) > w {
		return []string{style.Render(s)}
	}
	for i, r := range rows {
		rows[i] = style.Render(r)
	}
	return rows
}

// beside puts text to the right of a large figure, gap cells apart, line by line from the top;
// text longer than the figure continues below it at the same indent. Lines of text are
// wrapped by the caller to the room that is left (see besideRoom).
func beside(figure, text []string, gap int) []string {
	fw := 0
	for _, l := range figure {
		fw = max(fw, lipgloss.Width(l))
	}
	n := max(len(figure), len(text))
	out := make([]string, n)
	for i := range out {
		l := strings.Repeat(" ", fw)
		if i < len(figure) {
			l = figure[i] + strings.Repeat(" ", fw-lipgloss.Width(figure[i]))
		}
		if i < len(text) && text[i] != "" {
			l += strings.Repeat(" ", gap) + text[i]
		}
		out[i] = strings.TrimRight(l, " ")
	}
	return out
}

// bigMoney is an amount as the large font writes it: "¥1,234.00", thousands grouped, because
// a long row of large digits is hard to count.
func bigMoney(f model.Fen) string {
	v := int64(f)
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	yuan := strconv.FormatInt(v/100, 10)
	var sb strings.Builder
	for i, d := range yuan {
		if i > 0 && (len(yuan)-i)%3 == 0 {
			sb.WriteByte(',')
		}
		sb.WriteRune(d)
	}
	cents := strconv.FormatInt(v%100, 10)
	if len(cents) < 2 {
		cents = "0" + cents
	}
	return sign + "¥" + sb.String() + "." + cents
}

// figureBeside is a key figure and the line that states it: the line alone (wrapped to w, in
// the Value style) in the normal mode; in the large mode the figure in large glyphs with the
// line wrapped beside it, or under it when the room beside is too narrow.
func figureBeside(st Styles, figure, line string, w int) []string {
	if !st.HighContrast {
		return styledLines(st.Value.Render, wrap(line, w))
	}
	const gap = 3
	big := bigText(st.Figure, figure, w)
	room := w - bigWidth(figure) - gap
	if len(big) == 1 || room < 16 {
		return append(big, styledLines(st.Value.Render, wrap(line, w))...)
	}
	return beside(big, styledLines(st.Value.Render, wrap(line, room)), gap)
}
