package console

import (
	"errors"
	"fmt"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/hallkiosk/kiosk/model"
)

// TestGoldenScreens renders the console at 80x24 and 160x48 at the fixed test clock, ANSI
// stripped, and compares with testdata/TestGoldenScreens/<screen>/<size>_<lang>.golden
// (update with -update). Every screen must fit its size exactly, free of ambiguous glyphs.
func TestGoldenScreens(t *testing.T) {
	screens := []struct {
		name  string
		staff Staff
		langs []model.Lang
		setup func(h *harness)
	}{
		{"main", staffA, []model.Lang{model.ZH, model.EN}, func(h *harness) {}},
		{"main_admin", admin, []model.Lang{model.ZH}, func(h *harness) { h.press("2") }},
		{"no_calls", staffA, []model.Lang{model.ZH, model.EN}, func(h *harness) {
			h.src.calls = nil
			h.tick()
		}},
		{"confirm_close", staffA, []model.Lang{model.ZH}, func(h *harness) { h.press("down", "c") }},
		{"acknowledged", staffA, []model.Lang{model.ZH, model.EN}, func(h *harness) { h.press("a") }},
		{"error_worded", staffA, []model.Lang{model.ZH, model.EN}, func(h *harness) {
			h.src.setErr("Acknowledge", fmt.Errorf("store: %w", ErrConflict))
			h.press("a")
		}},
		{"stale", staffA, []model.Lang{model.EN}, func(h *harness) {
			h.src.setErr("Fleet", errors.New("sql: database is closed"))
			h.tick()
		}},
		{"detail", staffA, []model.Lang{model.ZH}, func(h *harness) { h.press("2", "down", "enter") }},
		{"detail_followed_up", staffA, []model.Lang{model.EN}, func(h *harness) { h.press("2", "down", "enter", "down", "f") }},
		{"help", staffA, []model.Lang{model.ZH, model.EN}, func(h *harness) { h.press("?") }},
	}
	for _, sc := range screens {
		for _, size := range [][2]int{{80, 24}, {160, 48}} {
			for _, lang := range sc.langs {
				t.Run(fmt.Sprintf("%s/%dx%d_%s", sc.name, size[0], size[1], lang), func(t *testing.T) {
					h := newHarness(t, fixtureSource(), sc.staff, size[0], size[1], lang)
					sc.setup(h)
					v := h.view()
					checkFits(t, sc.name, v, size[0], size[1])
					golden.RequireEqual(t, v)
				})
			}
		}
	}
}
