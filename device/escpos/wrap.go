package escpos

// wrap splits one line into lines of at most cols columns. It breaks at the last space that
// fits, so English words stay whole, or else between any two characters, as Chinese text
// (which has no spaces) may break anywhere; never inside a character. Spaces at a break are
// not printed. An empty line stays one empty line, so blank lines in a receipt survive.
func wrap(gs []glyph, cols int) [][]glyph {
	cols = max(cols, 2) // a two-column character must always fit
	var lines [][]glyph
	for {
		fit, w := 0, 0
		for fit < len(gs) && w+gs[fit].width() <= cols {
			w += gs[fit].width()
			fit++
		}
		if fit == len(gs) {
			return append(lines, gs)
		}
		cut := fit
		if !gs[fit].isSpace() {
			if sp := lastSpace(gs[:fit]); sp > 0 {
				cut = sp
			}
		}
		lines = append(lines, trimSpaces(gs[:cut]))
		gs = gs[cut:]
		for len(gs) > 0 && gs[0].isSpace() {
			gs = gs[1:]
		}
		if len(gs) == 0 {
			return lines
		}
	}
}

// lastSpace is the index of the last space in gs, or -1.
func lastSpace(gs []glyph) int {
	for i := len(gs) - 1; i >= 0; i-- {
		if gs[i].isSpace() {
			return i
		}
	}
	return -1
}

// trimSpaces drops trailing spaces, which would only push nothing onto the paper.
func trimSpaces(gs []glyph) []glyph {
	for len(gs) > 0 && gs[len(gs)-1].isSpace() {
		gs = gs[:len(gs)-1]
	}
	return gs
}
