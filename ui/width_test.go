package ui

import (
	"math/rand/v2"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/model"
)

// TestCellWidthIsStringWidth: cellWidth measures as ansi.StringWidth (which lipgloss uses) every
// text of the catalogue, styled, and random mixtures of what the fast path takes with what it
// must leave to ansi.StringWidth (combining marks after Latin and Chinese letters, CJK tone
// marks, emoji with joiners and variation selectors, ambiguous punctuation, hyperlinks).
func TestCellWidthIsStringWidth(t *testing.T) {
	texts, err := ParseTexts(assets.UITexts())
	if err != nil {
		t.Fatal(err)
	}
	bold := lipgloss.NewStyle().Bold(true).Foreground(lipgloss.BrightWhite).Background(lipgloss.Blue)
	var samples []string
	for _, k := range texts.keys() {
		for _, lang := range []model.Lang{model.ZH, model.EN} {
			s := texts.Get(lang, k)
			samples = append(samples, s, bold.Render(s), " "+bold.Render(s)+"  ")
		}
	}
	pieces := []string{"a", "Z", " ", "0", "~", "交", "通", "，", "（", "）", "！", "、", "。", "「", "」", "\u3000", "￥",
		"\x1b[m", "\x1b[1;7m", "\x1b[97;44;1m", "\x1b[38;5;12m",
		"e\u0301", "\u0301", "交\u302a", "\u302e", "\u200d", "👍", "👍🏽", "👨\u200d👩", "❤\ufe0f", "·", "…", "é", "\t",
		"\x1b]8;;https://example.org\x07", "\x1b]8;;\x07", "\x1b[", "\x1b", "\x1bM"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		var b strings.Builder
		for range 1 + rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		samples = append(samples, b.String())
	}
	for _, s := range samples {
		if got, want := cellWidth(s), ansi.StringWidth(s); got != want {
			t.Errorf("cellWidth(%q) = %d, ansi.StringWidth says %d", s, got, want)
		}
	}
}

// TestFitMeetsTheEdge: fit cuts and pads styled Chinese and English to exactly the width.
func TestFitMeetsTheEdge(t *testing.T) {
	bold := lipgloss.NewStyle().Bold(true)
	for _, s := range []string{"", "abc", bold.Render("违规停车或临时停车") + "  记 0 分，罚款 200.00元  深圳市南山区",
		strings.Repeat("交通", 30), "e\u0301" + strings.Repeat("x", 100)} {
		for _, w := range []int{1, 2, 7, 20, 80} {
			if got := ansi.StringWidth(fit(s, w)); got != w {
				t.Errorf("fit(%q, %d) is %d cells wide", s, w, got)
			}
		}
	}
}

// BenchmarkCellWidth measures a list row of the overview.
func BenchmarkCellWidth(b *testing.B) {
	row := "   2026-10-14 20:42  \x1b[1m违规停车或临时停车\x1b[m  记 0 分，罚款 200.00元  深圳市南山区..     "
	b.Run("cellWidth", func(b *testing.B) {
		for b.Loop() {
			cellWidth(row)
		}
	})
	b.Run("ansi.StringWidth", func(b *testing.B) {
		for b.Loop() {
			ansi.StringWidth(row)
		}
	})
}
