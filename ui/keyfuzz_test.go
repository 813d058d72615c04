package ui

import (
	"context"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/device"
)

// memPrinter keeps receipts in memory: the keystroke fuzz prints thousands.
type memPrinter struct {
	mu sync.Mutex
	n  int
}

func (p *memPrinter) Info() device.Info { return device.Info{Name: "memory printer"} }
func (p *memPrinter) Print(context.Context, device.Doc) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	return "memory", nil
}

// The keystroke fuzz of the issue: 10,000 random key sequences over every flow (identify,
// overview, process with its verifications, pay by phone, card or later, pending, help,
// language, contrast, staff) never panic, never leave the UI stuck (after each sequence a
// timeout brings back the welcome screen, and "1" still starts a session), and after the
// timeout no text of the session is on screen. Every 97th screen is checked for its shape.
func TestKeystrokeFuzz(t *testing.T) {
	sequences := 10000
	if testing.Short() {
		sequences = 1000
	}
	pr := &memPrinter{}
	h := newHarness(t, func(o *Options) {
		o.Devices = device.Set{Face: device.SimFace{}, Card: &device.SimCard{}, Printer: pr}
	})
	p := persona(t, "parking")
	rng := rand.New(rand.NewPCG(5, 21))
	keys := []tea.KeyPressMsg{keyEnter, keyEnter, keyEsc, keyBack, keyF1, keyF2, keyF3, keyF4, keyF9, keyCtrlC,
		keyCtrlZ, keyCtrlB, keySpace, keySpace, keyDown, keyDown, {Code: tea.KeyUp}, {Code: tea.KeyPgDown},
		{Code: tea.KeyPgUp}, {Code: 'x', Text: "x"}, {Code: 'a', Text: "a"}, {Code: tea.KeyKp1}, {Code: tea.KeyF12},
		{Code: 'm', Mod: tea.ModCtrl | tea.ModAlt}}
	visits := map[screenID]int{}
	start := time.Now()
	for seq := 0; seq < sequences; seq++ {
		if rng.IntN(10) < 7 { // most sequences start from a signed-in person
			h.typeText("1" + string(p.ID) + string(p.File))
			h.press(keyEnter)
		}
		for n := 1 + rng.IntN(30); n > 0; n-- {
			if rng.IntN(100) < 45 {
				h.typeText(string(rune('0' + rng.IntN(10))))
			} else {
				h.press(keys[rng.IntN(len(keys))])
			}
			if rng.IntN(50) == 0 {
				h.advance(time.Duration(rng.IntN(5)) * time.Second) // polls, notices
			}
			visits[h.m.id]++
		}
		if seq%97 == 0 {
			checkFits(t, "fuzz", h.view(), 80, 24)
		}
		// Walk away.
		for i := 0; i < 10 && (h.m.id != welcomeID || h.m.session != nil); i++ {
			h.advance(4 * time.Minute)
		}
		if h.m.helpOpen {
			h.press(keyEsc)
		}
		if h.m.id != welcomeID || h.m.session != nil {
			t.Fatalf("sequence %d: no timeout to the welcome screen:\n%s", seq, h.view())
		}
		v := h.view()
		for _, s := range []string{maskedName(p.Name), p.ID.Masked(), string(p.ID[:6]), "粤B7Q2M5", "粤B***M5"} {
			if strings.Contains(v, s) {
				t.Fatalf("sequence %d: %q still on screen after the timeout:\n%s", seq, s, v)
			}
		}
		if t.Failed() {
			t.Fatalf("sequence %d:\n%s", seq, v)
		}
	}
	t.Logf("%d sequences in %s; key presses per screen %v; receipts %d", sequences, time.Since(start), visits, pr.n)
	for _, id := range []screenID{identifyID, overviewID, processID, payID, pendingID} {
		if visits[id] == 0 {
			t.Errorf("the fuzz never reached screen %d: %v", id, visits)
		}
	}
	// Not stuck: a new session still starts.
	h.typeText("1")
	if h.m.id != identifyID {
		t.Fatalf("1 does not start a session:\n%s", h.view())
	}
}
