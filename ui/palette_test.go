package ui

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// sgrSeq matches one Select Graphic Rendition sequence: ESC [ params m.
var sgrSeq = regexp.MustCompile("\x1b\\[([0-9;:]*)m")

// nonBasicColours lists the SGR colour parameters in s that the Linux console (TERM=linux)
// cannot show: 256-colour (38;5;n) and true-colour (38;2;r;g;b) forms, for text, background
// and underline.
func nonBasicColours(s string) []string {
	var bad []string
	for _, m := range sgrSeq.FindAllStringSubmatch(s, -1) {
		params := strings.FieldsFunc(m[1], func(r rune) bool { return r == ';' || r == ':' })
		for i, p := range params {
			n, _ := strconv.Atoi(p)
			if (n == 38 || n == 48 || n == 58) && i+1 < len(params) {
				bad = append(bad, m[0][1:])
			}
		}
	}
	return bad
}

// TestPaletteIsSixteenColours renders screens of every flow in both contrast modes, with their
// styles, and fails on any colour outside the 16 basic ANSI colours: one palette must serve
// the Linux console and a true-colour terminal alike.
func TestPaletteIsSixteenColours(t *testing.T) {
	if bad := nonBasicColours("\x1b[1;38;5;196m\x1b[48;2;1;2;3m\x1b[31m"); len(bad) != 2 {
		t.Fatalf("the check itself misses extended colours: %q", bad)
	}
	s := newStack(t, "national")
	for _, large := range []bool{false, true} {
		h := newStackHarness(t, s, func(o *Options) { o.HighContrast = large })
		var frames []string
		frame := func() { frames = append(frames, h.m.View().Content) }
		frame()
		h.identifyAs(s.persona(t, "overdue"))
		frame()
		h.typeText("2") // pay
		frame()
		h.press(keyEnter)
		frame()
		h.typeText("1") // QR code
		frame()
		h.press(keyF1)
		frame()
		for i, f := range frames {
			if !strings.Contains(f, "\x1b[") {
				t.Fatalf("frame %d has no styles at all: the check would see nothing", i)
			}
			if bad := nonBasicColours(f); len(bad) > 0 {
				t.Errorf("high contrast %v, frame %d: colours beyond the 16 basic ones: %q", large, i, bad)
			}
		}
	}
}
