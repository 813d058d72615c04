package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/hallkiosk/kiosk/model"
)

// bigAt finds text drawn in large glyphs on a screen (ANSI stripped): its rows one under the
// other, starting in the same cell column. It returns the first screen line and the column, or
// -1, -1.
func bigAt(screen, text string) (int, int) {
	rows, ok := bigRows(text)
	if !ok {
		return -1, -1
	}
	ls := strings.Split(screen, "\n")
	col := func(line, row string) []int {
		var at []int
		for off := 0; ; {
			i := strings.Index(line[off:], row)
			if i < 0 {
				return at
			}
			at = append(at, ansi.StringWidth(line[:off+i]))
			off += i + 1
		}
	}
	for i := 0; i+len(rows) <= len(ls); i++ {
		for _, c := range col(ls[i], rows[0]) {
			whole := true
			for k := 1; k < len(rows); k++ {
				found := false
				for _, c2 := range col(ls[i+k], rows[k]) {
					found = found || c2 == c
				}
				whole = whole && found
			}
			if whole {
				return i, c
			}
		}
	}
	return -1, -1
}

// checkBig fails unless each text is drawn large on the screen.
func checkBig(t *testing.T, h *harness, texts ...string) {
	t.Helper()
	v := h.view()
	for _, s := range texts {
		if line, _ := bigAt(v, s); line < 0 {
			t.Errorf("%q is not drawn in large glyphs:\n%s", s, v)
		}
	}
}

// largeStates are the screens whose key figures the large mode draws large, each with the
// figures it must show so (in the fixed stack's data and at the fixed clock).
func largeStates() []struct {
	flowState
	big func(h *harness) []string
} {
	byName := map[string]flowState{}
	for _, st := range processFlowStates() {
		byName[st.name] = st
	}
	total := func(*harness) []string { return []string{"¥350.00"} }
	return []struct {
		flowState
		big func(h *harness) []string
	}{
		{byName["pay_select"], total},
		{byName["pay_method"], total},
		{byName["pay_card"], total},
		{byName["pay_qr"], func(h *harness) []string {
			return []string{"¥350.00", h.payScreen().order.ExpiresAt.In(model.ChinaZone()).Format("15:04")}
		}},
	}
}

// TestLargeModeGolden keeps the large mode's pay screens at 80x24 in both languages: the
// total (and on the QR screen the deadline) in large glyphs, everything the normal mode shows
// still on the screen and inside it (testdata/TestLargeModeGolden, update with -update).
func TestLargeModeGolden(t *testing.T) {
	for _, st := range largeStates() {
		for _, lang := range []model.Lang{model.ZH, model.EN} {
			t.Run(st.name+"/"+string(lang), func(t *testing.T) {
				h := runFlowState(t, st.flowState, lang, 80, 24, func(o *Options) { o.HighContrast = true })
				checkShows(t, h, st.shows(t, h))
				checkBig(t, h, st.big(h)...)
				checkFits(t, st.name, fitsView(h), 80, 24)
				body := h.m.screen.View()
				if n := strings.Count(body, "\n") + 1; n > h.m.c.Height {
					t.Errorf("body has %d lines, room for %d:\n%s", n, h.m.c.Height, ansi.Strip(body))
				}
				golden.RequireEqual(t, stableView(t, h))
			})
		}
	}
}

// The normal mode draws no figure large: the same screens hold no large glyphs but the QR
// code's.
func TestNormalModeHasNoLargeFigures(t *testing.T) {
	for _, st := range largeStates() {
		t.Run(st.name, func(t *testing.T) {
			h := runFlowState(t, st.flowState, model.ZH, 80, 24)
			for _, s := range st.big(h) {
				if line, _ := bigAt(h.view(), s); line >= 0 {
					t.Errorf("%q is drawn large in the normal mode:\n%s", s, h.view())
				}
			}
		})
	}
}

// TestLargeModeGoldenScreens keeps the identify and overview screens of the large mode at 80x24
// in both languages: the question being answered on a line of its own and the digits typed in
// large glyphs; the cycle's points in large glyphs.
func TestLargeModeGoldenScreens(t *testing.T) {
	p := persona(t, "borrower-late")
	screens := []struct {
		name  string
		setup func(h *harness)
		big   []string
	}{
		{"identify_empty", func(h *harness) { h.typeText("1") }, nil},
		{"identify_typing", func(h *harness) { h.typeText("1" + string(p.ID[:11])) },
			[]string{grouped([]byte(p.ID[:11]), 6, 14)}},
		{"identify_long_id", func(h *harness) { h.typeText("1" + string(p.ID[:17])) },
			[]string{grouped([]byte(p.ID[:17]), 6, 14)}},
		{"identify_file", func(h *harness) { h.typeText("1" + string(p.ID) + string(p.File[:5])) },
			[]string{grouped([]byte(p.File[:5]), 4, 8)}},
		{"identify_no_match", func(h *harness) {
			h.typeText("1" + string(p.ID) + "000000000000")
			h.press(keyEnter)
		}, []string{"0000 0000 0000"}},
		{"overview", func(h *harness) { h.identifyAs(p) }, []string{"3"}},
	}
	for _, sc := range screens {
		for _, lang := range []model.Lang{model.ZH, model.EN} {
			t.Run(sc.name+"/"+string(lang), func(t *testing.T) {
				h := newHarness(t, func(o *Options) { o.Lang = lang; o.HighContrast = true })
				sc.setup(h)
				checkBig(t, h, sc.big...)
				checkFits(t, sc.name, fitsView(h), 80, 24)
				golden.RequireEqual(t, h.view())
			})
		}
	}
}
