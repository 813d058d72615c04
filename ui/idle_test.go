package ui

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// After a timeout, nothing the previous person typed or saw is on the screen, in any language,
// on the welcome screen, its help, or the identify screen the next person opens. (Not in demo
// mode: its help lists the demo personas, names included, on purpose.)
func TestIdleTimeoutWipesTheSession(t *testing.T) {
	for _, lang := range []model.Lang{model.ZH, model.EN} {
		t.Run(string(lang), func(t *testing.T) {
			h := newHarness(t, func(o *Options) { o.Demo = false })
			p := persona(t, "nine-points")
			if lang == model.EN {
				h.press(keyF2) // chosen by the person: the next one starts in the default again
			}
			h.identifyAs(p)
			traces := []string{p.Name, maskedName(p.Name), string(p.ID), p.ID.Masked(), string(p.File),
				p.File.Masked(), string(p.ID[:6]) + " " + string(p.ID[6:14])}

			h.advance(59 * time.Second)
			if h.m.idle.warning {
				t.Fatal("warning before its time")
			}
			h.advance(2 * time.Second) // 29 s left: the warning is up with its countdown
			h.mustShow(h.text(lang, txtIdleTitle), h.text(lang, txtIdleCountdown, "n", "29")[:8])
			for i := 0; i < 29; i++ {
				h.advance(time.Second)
			}
			if h.m.id != welcomeID || h.m.session != nil || h.svc.ended != 1 {
				t.Fatalf("not wiped: screen %d, session %v, ended %d", h.m.id, h.m.session != nil, h.svc.ended)
			}
			if h.m.c.Lang != model.ZH {
				t.Fatal("the language chosen by the last person survived")
			}
			h.mustShow(h.text(model.ZH, txtNoticeTimedOut))
			h.mustNotShow(traces...)
			for _, next := range [][]any{{keyF2}, {"1"}, {keyF2}, {keyF1}} {
				switch k := next[0].(type) {
				case string:
					h.typeText(k)
				default:
					h.send(k)
				}
				h.mustNotShow(traces...)
			}
			if len(h.m.screen.(*identify).idBuf) != 0 {
				t.Fatal("the identify screen kept typed digits")
			}
			// The notice was for the welcome screen: the next person's screens do not carry it.
			h.mustNotShow(h.text(model.ZH, txtNoticeTimedOut), h.text(model.EN, txtNoticeTimedOut))
		})
	}
}

// Partly typed input is wiped too, and the welcome screen itself never times out.
func TestIdleTimeoutWipesTypedInput(t *testing.T) {
	h := newHarness(t)
	h.typeText("1440304199")
	h.advance(60 * time.Second)
	h.advance(30 * time.Second)
	if h.m.id != welcomeID {
		t.Fatalf("identify did not time out:\n%s", h.view())
	}
	h.mustNotShow("440304")
	h.typeText("1")
	h.mustNotShow("440304")
	h.press(keyEsc)
	for i := 0; i < 10; i++ {
		h.advance(time.Hour)
	}
	if h.m.idle.warning || len(h.timers) != 0 {
		t.Fatal("the welcome screen runs an idle timer")
	}
}

// Any key answers the warning, only answers it (it is not typed), and can do so again and again
// (WCAG 2.2.1 asks for at least ten extensions).
func TestAnyKeyExtendsTheSession(t *testing.T) {
	h := newHarness(t)
	h.typeText("1")
	h.typeText("44")
	for i := 0; i < 12; i++ {
		h.advance(61 * time.Second)
		if !h.m.idle.warning {
			t.Fatalf("extension %d: no warning", i)
		}
		h.typeText("5")
		if h.m.idle.warning {
			t.Fatalf("extension %d: the key did not extend", i)
		}
		h.mustNotShow(h.text(model.ZH, txtIdleTitle))
	}
	if got := string(h.m.screen.(*identify).idBuf); got != "44" {
		t.Fatalf("the keys that answered the warning were typed: %q", got)
	}
	if h.m.id != identifyID {
		t.Fatal("the session ended despite the answers")
	}
}

// A check scheduled for a screen that is gone does nothing: each screen entry bumps the
// generation, and only one check is pending per generation however many keys are pressed.
func TestIdleChecksOfOldScreensAreIgnored(t *testing.T) {
	h := newHarness(t)
	h.typeText("1")
	old := h.m.idle.gen
	if len(h.timers) != 1 {
		t.Fatalf("%d timers pending, want 1", len(h.timers))
	}
	h.typeText(strings.Repeat("4", 10))
	for range 10 {
		h.press(keyBack)
	}
	if len(h.timers) != 1 {
		t.Fatalf("keys scheduled more checks: %d", len(h.timers))
	}
	h.identifyFromHere(persona(t, "parking"))
	h.now = h.now.Add(200 * time.Second)
	h.send(idleCheckMsg{gen: old})
	if h.m.id != overviewID {
		t.Fatal("a check of the identify screen ended the overview's session")
	}
	h.typeText(strconv.Itoa(5)) // no effect on the overview; keeps the session alive
	h.advance(time.Second)
	if h.m.id != overviewID || h.m.idle.warning {
		t.Fatal("activity did not move the deadline")
	}
}

// A lookup answer that arrives after the timeout does not bring the person back.
func TestLookupAnswerAfterTimeoutIsDropped(t *testing.T) {
	h := newHarness(t)
	p := persona(t, "parking")
	h.typeText("1" + string(p.ID) + string(p.File))
	_, lookup := h.m.Update(keyEnter)
	h.advance(60 * time.Second)
	h.advance(30 * time.Second)
	h.typeText("1") // the next person is already on the identify screen
	h.run(lookup)
	if h.m.id != identifyID || h.m.session != nil {
		t.Fatalf("the late answer was shown:\n%s", h.view())
	}
	h.mustNotShow(maskedName(p.Name), p.ID.Masked())
}

func TestIdleWarningIsAtLeastTwentySeconds(t *testing.T) {
	opts := testOptions(t)
	opts.IdleWarning = 5 * time.Second
	if err := opts.check(); err != nil || opts.IdleWarning != minIdleWarning {
		t.Fatalf("warning %s, err %v", opts.IdleWarning, err)
	}
	opts.IdleTimeout = 15 * time.Second
	if err := opts.check(); err == nil {
		t.Fatal("a timeout shorter than the warning was accepted")
	}
}
