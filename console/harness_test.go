package console

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"golang.org/x/text/width"

	"github.com/hallkiosk/kiosk/model"
)

// harness drives the model by hand: commands run at once on the test's goroutine, ticks are
// held back (tick delivers the pending one), so each test decides when the console refreshes.
type harness struct {
	t     *testing.T
	m     *Model
	src   *fakeSource
	ticks []tickMsg
	bells int  // BEL characters the console sent
	quit  bool // it returned tea.Quit
}

func newHarness(t *testing.T, src *fakeSource, staff Staff, w, h int, lang model.Lang) *harness {
	t.Helper()
	m := newModel(src, staff, Options{Now: func() time.Time { return testNow }, Lang: lang})
	hs := &harness{t: t, m: m, src: src}
	m.after = func(_ time.Duration, msg tea.Msg) tea.Cmd {
		if tick, ok := msg.(tickMsg); ok {
			hs.ticks = append(hs.ticks, tick)
		}
		return nil
	}
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	hs.run(m.Init())
	return hs
}

// send delivers msg and runs what it returns.
func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	_, cmd := h.m.Update(msg)
	h.run(cmd)
}

// run executes cmd and delivers its messages, depth first.
func (h *harness) run(cmd tea.Cmd) {
	h.t.Helper()
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			h.run(c)
		}
	case tea.RawMsg:
		h.bells += strings.Count(msg.Msg.(string), "\a")
	case tea.QuitMsg:
		h.quit = true
	default:
		h.send(msg)
	}
}

// tick delivers the latest pending tick: one refresh.
func (h *harness) tick() {
	h.t.Helper()
	if len(h.ticks) == 0 {
		h.t.Fatal("no tick is pending")
	}
	last := h.ticks[len(h.ticks)-1]
	h.ticks = nil
	h.send(last)
}

// press sends keys by their names: "a", "enter", "esc", "tab", "up", "down", "pgdown", "f2".
func (h *harness) press(keys ...string) {
	h.t.Helper()
	for _, k := range keys {
		h.send(keyPress(k))
	}
}

func keyPress(k string) tea.KeyPressMsg {
	special := map[string]rune{"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab, "up": tea.KeyUp,
		"down": tea.KeyDown, "pgdown": tea.KeyPgDown, "pgup": tea.KeyPgUp, "f2": tea.KeyF2, "home": tea.KeyHome, "end": tea.KeyEnd}
	if code, ok := special[k]; ok {
		return tea.KeyPressMsg{Code: code}
	}
	if k == "ctrl+c" {
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// view is the screen as text, without styles.
func (h *harness) view() string { return ansi.Strip(h.m.View().Content) }

// line is the first line of the screen holding text, or "".
func (h *harness) line(text string) string {
	for _, l := range strings.Split(h.view(), "\n") {
		if strings.Contains(l, text) {
			return l
		}
	}
	return ""
}

// checkFits fails unless screen is exactly h lines of at most w cells with no East-Asian
// ambiguous glyph (whose width depends on the terminal).
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
	if bad := ambiguous(screen); bad != "" {
		t.Errorf("%s: ambiguous-width glyphs %q", where, bad)
	}
}

func ambiguous(s string) string {
	var out []rune
	for _, r := range s {
		if width.LookupRune(r).Kind() == width.EastAsianAmbiguous {
			out = append(out, r)
		}
	}
	return string(out)
}

func teaSize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }
