package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/uplink"
)

// checkFits fails unless screen is exactly h lines of at most w cells, free of East-Asian
// ambiguous glyphs (whose width depends on the terminal) but the half blocks of the QR code
// and of the large mode's figures, which the kiosk draws on purpose and whose width under its
// environment bigtext_test.go and the tmux tests check.
func checkFits(t *testing.T, where, screen string, w, h int) {
	t.Helper()
	ls := strings.Split(screen, "\n")
	if len(ls) != h {
		t.Errorf("%s: %d lines, want %d", where, len(ls), h)
	}
	for i, l := range ls {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("%s: line %d is %d cells wide: %q", where, i+1, n, l)
		}
	}
	if bad := ambiguousRunes(strings.NewReplacer("█", "#", "▀", "#", "▄", "#").Replace(screen)); len(bad) > 0 {
		t.Errorf("%s: ambiguous-width glyphs %q", where, string(bad))
	}
}

// TestGoldenScreens renders every screen and state in both languages at 80x24, ANSI stripped,
// and compares with testdata/TestGoldenScreens/<screen>/<lang>.golden (update with -update).
func TestGoldenScreens(t *testing.T) {
	p := persona(t, "borrower-late")
	screens := []struct {
		name  string
		setup func(h *harness)
	}{
		{"welcome", func(h *harness) {}},
		{"welcome_starting", func(h *harness) { h.m.netKnown = false }},
		{"welcome_offline", func(h *harness) { h.send(netStatusMsg{status: uplink.Status{State: uplink.Offline}}) }},
		{"welcome_high_contrast", func(h *harness) { h.press(keyF4) }},
		{"welcome_help", func(h *harness) { h.press(keyF1) }},
		{"identify_empty", func(h *harness) { h.typeText("1") }},
		{"identify_typing", func(h *harness) { h.typeText("1" + string(p.ID[:11])) }},
		{"identify_x_refused", func(h *harness) { h.typeText("1" + string(p.ID[:6]) + "x") }},
		{"identify_wrong_check", func(h *harness) { h.typeText("1" + string(p.ID[:17]) + wrongCheck(p.ID)) }},
		{"identify_file", func(h *harness) { h.typeText("1" + string(p.ID) + string(p.File[:5])) }},
		{"identify_looking_up", func(h *harness) {
			h.typeText("1" + string(p.ID) + string(p.File))
			h.m.Update(keyEnter) // the answer is not delivered
		}},
		{"identify_no_match", func(h *harness) {
			h.typeText("1" + string(p.ID) + "000000000000")
			h.press(keyEnter)
		}},
		{"identify_help", func(h *harness) { h.typeText("1"); h.press(keyF1) }},
		{"overview", func(h *harness) { h.identifyAs(p) }},
		{"overview_from_cache", func(h *harness) {
			h.svc.cached = true
			h.identifyAs(p)
		}},
		{"overview_idle_warning", func(h *harness) {
			h.identifyAs(p)
			h.advance(61 * time.Second)
		}},
		{"after_timeout", func(h *harness) {
			h.identifyAs(p)
			h.advance(61 * time.Second)
			h.advance(30 * time.Second)
		}},
	}
	for _, sc := range screens {
		for _, lang := range []model.Lang{model.ZH, model.EN} {
			t.Run(sc.name+"/"+string(lang), func(t *testing.T) {
				h := newHarness(t, func(o *Options) { o.Lang = lang })
				sc.setup(h)
				v := h.view()
				checkFits(t, sc.name, v, 80, 24)
				golden.RequireEqual(t, v)
			})
		}
	}
}

func wrongCheck(id model.IDNumber) string {
	if id[17] == '1' {
		return "2"
	}
	return "1"
}

// The one-line parts of the frame are cut at the screen's edge; this proves no text of theirs
// needs cutting at 80 columns in either language: the key lines of every screen and phase, each
// notice, and the header with DEMO and the longest network state.
func TestOneLineTextsFitEightyColumns(t *testing.T) {
	h := newHarness(t)
	bodyW, _ := h.m.bodySize()
	c := h.m.c
	screens := []Screen{newWelcome(c, ""), newIdentify(c), &identify{c: c, phase: phaseFile},
		&identify{c: c, phase: phaseLookup}, newOverview(c, &session{judged: &judgement{}})}
	for _, lang := range []model.Lang{model.ZH, model.EN} {
		c.Lang = lang
		lines := map[string]string{"global keys": h.m.keyLine(c.Keys.globalHelp())}
		for i, s := range screens {
			lines["keys of screen "+string(rune('0'+i))] = h.m.keyLine(s.Help())
		}
		for _, k := range []textKey{txtNoticeTimedOut, txtCallNotReady, txtCallLineQueued, txtCallLineSending,
			txtCallLineSent, txtCallLineComing} {
			lines[string(k)] = " " + c.T(k) + " "
		}
		lines[string(txtCallLineWaited)] = " " + c.T(txtCallLineWaited, "n", "999") + " "
		for what, l := range lines {
			if w := ansi.StringWidth(l); w > bodyW {
				t.Errorf("%s, %s: %d cells, room for %d: %q", lang, what, w, bodyW, ansi.Strip(l))
			}
		}
		left := " " + c.T(txtAppTitle) + " "
		right := " " + c.T(txtDemoMarker) + "  " + " " + c.T(txtNetStarting) + "  "
		if w := ansi.StringWidth(left + right); w > 80 {
			t.Errorf("%s: header needs %d cells", lang, w)
		}
	}
}
