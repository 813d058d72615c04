package ui

import (
	"math/rand/v2"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/model"
)

// Counts on one screen agree: whatever keys are typed, a problem that says how many characters
// were typed names the count the field shows beside it. Random key sequences (digits, X,
// Backspace, Enter) over a good ID number's digits.
func TestIdentifyCountsAgree(t *testing.T) {
	good := string(persona(t, "borrower-late").ID)
	rng := rand.New(rand.NewPCG(13, 6))
	for run := 0; run < 40; run++ {
		h := newHarness(t)
		h.typeText("1")
		for step := 0; step < 60; step++ {
			switch r := rng.IntN(20); {
			case r < 14:
				d := good[rng.IntN(len(good)-1)]
				h.press(tea.KeyPressMsg{Code: rune(d), Text: string(d)})
			case r < 15:
				h.press(tea.KeyPressMsg{Code: 'x', Text: "x"})
			case r < 18:
				h.press(tea.KeyPressMsg{Code: tea.KeyBackspace})
			default:
				h.press(tea.KeyPressMsg{Code: tea.KeyEnter})
			}
			s, ok := h.m.screen.(*identify)
			if !ok {
				break // identified, or gone on: the count is no longer shown
			}
			if s.prob == nil || s.prob.reason == nil {
				continue
			}
			buf := s.idBuf
			if s.phase == phaseFile {
				buf = s.fileBuf
			}
			switch c := s.prob.reason.Code; c {
			case model.InputIDLength, model.InputFileLength:
				if s.prob.reason.Args.N != len(buf) {
					t.Fatalf("run %d step %d: the problem says %d typed, the field holds %d (%s, phase %d)\n%s",
						run, step, s.prob.reason.Args.N, len(buf), c, s.phase, h.view())
				}
			}
		}
	}
}
