package ui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/model"
)

// welcome is the first screen: where you are, what the kiosk does, how to start, and how to
// switch language. It holds nothing of anyone, so it has no timeout.
type welcome struct {
	c    *Common
	hall string
	w, h int
}

func newWelcome(c *Common, hall string) *welcome { return &welcome{c: c, hall: hall} }

func (s *welcome) Init() tea.Cmd          { return nil }
func (s *welcome) SetSize(w, h int)       { s.w, s.h = w, h }
func (s *welcome) Timeout() time.Duration { return 0 }
func (s *welcome) Help() []key.Binding    { return []key.Binding{s.c.Keys.Start, s.c.Keys.Confirm} }
func (s *welcome) Update(msg tea.Msg) (Screen, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, s.c.Keys.Start, s.c.Keys.Confirm) {
		return s, navigate(navIdentify{})
	}
	return s, nil
}

func (s *welcome) View() string {
	c, st := s.c, s.c.Styles
	hall := s.hall
	if hall == "" {
		hall = c.T(txtWelcomeHallDefault)
	}
	// The other language's invitation is always in that language: it is for someone who cannot
	// read this one.
	other := model.EN
	if c.Lang == model.EN {
		other = model.ZH
	}
	w := max(s.w, 20)
	blocks := []string{
		st.Title.Render(wrap(c.T(txtWelcomeTitle), w)) + "\n" + st.Text.Render(wrap(hall, w)),
		st.Option.Render("[1]") + " " + st.Value.Render(c.T(txtWelcomeOption)) + "\n" +
			indent(st.Text.Render(wrap(c.T(txtWelcomeOptionDetail), w-4)), 4),
		st.Text.Render(wrap(c.T(txtWelcomeBring)+"\n"+c.T(txtWelcomeStart), w)),
		st.Label.Render(c.T(txtWelcomeLanguage)) + " " + st.Value.Render(c.T(txtLanguageName)) +
			"    " + st.Text.Render(c.Texts.Get(other, txtWelcomeOtherLang)),
	}
	if c.Demo {
		blocks = append(blocks, st.Placeholder.Render(wrap(c.T(txtWelcomeDemo), w)))
	}
	return stack(blocks, st.SpaceBetween, s.h)
}

// indent puts n spaces before every line of block.
func indent(block string, n int) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(block, "\n", "\n"+pad)
}

// stack joins blocks with gap blank lines, closing the gaps up when the height does not allow
// them (the high-contrast mode's wider spacing must never push content off the screen).
func stack(blocks []string, gap, height int) string {
	for ; gap > 0; gap-- {
		total := (len(blocks) - 1) * gap
		for _, b := range blocks {
			total += strings.Count(b, "\n") + 1
		}
		if total <= height {
			break
		}
	}
	return strings.Join(blocks, strings.Repeat("\n", gap+1))
}
