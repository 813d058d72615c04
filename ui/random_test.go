package ui

import (
	"math/rand/v2"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// Random keys, with the clock moving now and then, never panic, never leave the frame's shape,
// and a timeout always brings back a welcome screen with nothing of anyone on it. (The issue's
// full keystroke fuzz, 10,000 sequences over every flow, grows from this.)
func TestRandomKeysNeverBreakTheUI(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.Demo = false })
	p := persona(t, "parking")
	rng := rand.New(rand.NewPCG(1, 2))
	visits := map[screenID]int{}
	keys := []tea.KeyPressMsg{keyEnter, keyEsc, keyBack, keyF1, keyF2, keyF3, keyF4, keyCtrlC, keyCtrlZ, keyCtrlB,
		{Code: 'x', Text: "x"}, {Code: 'a', Text: "a"}, {Code: tea.KeyKp7}, {Code: tea.KeyUp}}
	for step := 0; step < 3000; step++ {
		switch r := rng.IntN(100); {
		case r < 4: // someone who knows a valid identity starts over and signs in
			h.backToWelcome()
			h.typeText("1" + string(p.ID) + string(p.File))
			h.press(keyEnter)
		case r < 60:
			h.typeText(string(rune('0' + rng.IntN(10))))
		case r < 95:
			h.press(keys[rng.IntN(len(keys))])
		default:
			h.advance(time.Duration(rng.IntN(40)) * time.Second)
		}
		visits[h.m.id]++
		if step%50 == 0 {
			checkFits(t, "random", h.view(), 80, 24)
		}
		if t.Failed() {
			t.Fatalf("after step %d:\n%s", step, h.view())
		}
	}
	t.Logf("steps per screen: %v, lookups %d", visits, h.svc.lookups)
	if visits[welcomeID] < 100 || visits[identifyID] < 100 || visits[overviewID] < 100 {
		t.Fatalf("the walk missed a screen: %v", visits)
	}
	// Walk away: the session ends, whatever state the keys left.
	for i := 0; i < 200 && h.m.id != welcomeID; i++ {
		h.advance(time.Second)
	}
	h.press(keyEsc) // a help left open by the last key closes
	if h.m.id != welcomeID || h.m.session != nil {
		t.Fatalf("no timeout to the welcome screen:\n%s", h.view())
	}
	h.mustNotShow(maskedName(p.Name), p.ID.Masked(), string(p.ID[:6]))
}

// backToWelcome closes the help, answers any warning and steps back to the welcome screen.
func (h *harness) backToWelcome() {
	for i := 0; i < 6 && (h.m.id != welcomeID || h.m.helpOpen); i++ {
		if h.m.id == overviewID && !h.m.helpOpen && !h.m.idle.warning {
			h.typeText("0")
			continue
		}
		h.press(keyEsc)
	}
}
