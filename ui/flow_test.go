package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/service"
)

func TestWelcomeThroughIdentifyToOverview(t *testing.T) {
	h := newHarness(t)
	p := persona(t, "borrower-late")
	h.mustShow(h.text(model.ZH, txtWelcomeTitle), "深圳市福田车管所", h.text(model.ZH, txtNetOnline), "Press F2 for English.")

	h.typeText("1")
	if h.m.id != identifyID {
		t.Fatalf("1 did not start identification:\n%s", h.view())
	}
	h.typeText(string(p.ID[:10]))
	h.mustShow(string(p.ID[:6])+" "+string(p.ID[6:10]), h.text(model.ZH, txtIdentifyCount, "n", "10", "of", "18"))

	h.typeText(string(p.ID[10:]))
	// Accepted: masked from now on, and the file number is next.
	h.mustShow(p.ID.Masked(), h.text(model.ZH, txtIdentifyAccepted))
	h.mustNotShow(string(p.ID[6:14]))

	h.typeText(string(p.File))
	h.press(keyEnter)
	if h.m.id != overviewID || h.svc.lookups != 1 {
		t.Fatalf("lookup did not lead to the overview (%d lookups):\n%s", h.svc.lookups, h.view())
	}
	h.mustShow(maskedName(p.Name), p.ID.Masked(), "C1", "正常",
		h.text(model.ZH, txtOverviewPointsValue, "n", "3", "full", "12", "end", "2027-06-14"),
		h.text(model.ZH, txtOverviewViolationCount, "n", "2", "process", "1", "pay", "0"),
		"粤B7Q2M5", h.text(model.ZH, txtVerdictProcess), h.text(model.ZH, txtVerdictPaid))
	h.mustNotShow(p.Name, string(p.ID), string(p.File))
}

func TestOldFifteenDigitIDNumbersAreAcceptedOnEnter(t *testing.T) {
	h := newHarness(t)
	h.typeText("1")
	h.typeText("440304970314071") // first-generation: the model upgrades it
	h.mustNotShow(h.text(model.ZH, txtIdentifyAccepted))
	h.press(keyEnter)
	h.mustShow("4403**********", h.text(model.ZH, txtIdentifyAccepted))
}

// Every wrong ID number is explained with the model's reason, in the current language.
func TestIdentifyExplainsAWrongIDNumber(t *testing.T) {
	good := string(persona(t, "borrower-late").ID)
	wrongCheck := good[:17] + map[bool]string{true: "1", false: "2"}[good[17] != '1']
	tests := []struct {
		name, typed string
		enter       bool
		code        model.ReasonCode
	}{
		{"check character", wrongCheck, false, model.InputIDCheck},
		{"province", "99" + good[2:], false, model.InputIDRegion},
		{"birth date", good[:10] + "1399" + good[14:], false, model.InputIDBirthInvalid},
		{"too short", good[:17], true, model.InputIDLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.typeText("1")
			h.typeText(tt.typed)
			if tt.enter {
				h.press(keyEnter)
			}
			_, err := model.ParseIDNumber(tt.typed, testNow)
			var ie *model.InputError
			if !errors.As(err, &ie) || ie.Reason.Code != tt.code {
				t.Fatalf("test input gives %v, want %s", err, tt.code)
			}
			for _, lang := range []model.Lang{model.ZH, model.EN} {
				r := h.m.c.Reasons.Reason(ie.Reason, lang)
				h.mustShow(firstLine(narrowSafe(r.Message)), firstLine(narrowSafe(r.Remedy)))
				h.press(keyF2) // the same problem, reworded in the other language
			}
			if h.m.id != identifyID || h.m.screen.(*identify).phase != phaseID {
				t.Fatal("a wrong ID number moved on")
			}
			h.press(keyBack)
			h.mustNotShow("! ")
		})
	}
}

// firstLine is a start of s short enough never to be wrapped onto two lines of the screen.
func firstLine(s string) string {
	rs := []rune(strings.SplitN(s, "\n", 2)[0])
	return string(rs[:min(len(rs), 8)])
}

func TestXKeyTypesTheCheckCharacterOnly(t *testing.T) {
	h := newHarness(t)
	p := persona(t, "parking-owner")
	if !strings.HasSuffix(string(p.ID), "X") {
		t.Fatalf("persona %s should have an X check character", p.ID)
	}
	h.typeText("1")
	h.typeText("4403x")
	h.mustShow(h.text(model.ZH, txtIdentifyXLast))
	if got := string(h.m.screen.(*identify).idBuf); got != "4403" {
		t.Fatalf("X was typed into position 5: %q", got)
	}
	h.typeText(string(p.ID[4:17]))
	h.press(tea.KeyPressMsg{Code: tea.KeyKpMultiply, Text: "*"}) // the keypad's X
	h.mustShow(p.ID.Masked(), h.text(model.ZH, txtIdentifyAccepted))
	h.typeText("x")
	h.mustShow(h.text(model.ZH, txtIdentifyFileDigits))
	h.typeText(string(p.File))
	h.press(keyEnter)
	h.mustShow(maskedName(p.Name))
}

func TestKeypadDigitsType(t *testing.T) {
	h := newHarness(t)
	h.typeText("1")
	h.press(tea.KeyPressMsg{Code: tea.KeyKp4}, tea.KeyPressMsg{Code: tea.KeyKp4})
	if got := string(h.m.screen.(*identify).idBuf); got != "44" {
		t.Fatalf("keypad digits typed %q", got)
	}
}

func TestLanguageToggleChangesEveryText(t *testing.T) {
	h := newHarness(t)
	h.press(keyF2)
	h.mustShow(h.text(model.EN, txtWelcomeTitle), h.text(model.EN, txtNetOnline), "按 F2 切换到中文。", "[F2] 中文")
	h.mustNotShow(h.text(model.ZH, txtWelcomeTitle))
	h.typeText("1")
	h.mustShow(h.text(model.EN, txtStep, "n", "1", "of", "4", "title", h.text(model.EN, txtStepIdentify)))
	h.press(keyF2)
	h.mustShow(h.text(model.ZH, txtStepIdentify), "[F2] English")
}

func TestCtrlCZBackslashDoNothing(t *testing.T) {
	h := newHarness(t)
	p := persona(t, "nine-points")
	check := func(where string) {
		t.Helper()
		before := h.view()
		for _, k := range []tea.KeyPressMsg{keyCtrlC, keyCtrlZ, keyCtrlB} {
			_, cmd := h.m.Update(k)
			if cmd != nil {
				t.Fatalf("%s: %s returned a command", where, k)
			}
		}
		if h.view() != before || h.quit {
			t.Fatalf("%s: the screen changed", where)
		}
	}
	check("welcome")
	h.typeText("1")
	h.typeText(string(p.ID[:5]))
	check("identify")
	h.typeText(string(p.ID[5:]) + string(p.File))
	h.press(keyEnter)
	check("overview")
}

func TestLookupFailuresAreExplained(t *testing.T) {
	p := persona(t, "parking")
	tests := []struct {
		name  string
		setup func(*fakeService)
		file  string
		want  textKey
		args  []string
	}{
		{"wrong file number", func(*fakeService) {}, "000000000000", txtIdentifyNoMatch, nil},
		{"offline, nothing cached", func(f *fakeService) { f.unreachable = true }, string(p.File), txtIdentifyUnreachable, nil},
		{"too many attempts", func(f *fakeService) { f.failWith = &service.RateLimited{Wait: 14500 * time.Millisecond} },
			string(p.File), txtIdentifyWait, []string{"s", "15", "until", testNow.Add(15 * time.Second).In(model.ChinaZone()).Format("15:04:05")}},
		{"anything else", func(f *fakeService) { f.failWith = errors.New("429 rate limited") }, string(p.File), txtIdentifyFailed, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			tt.setup(h.svc)
			h.typeText("1" + string(p.ID) + tt.file)
			h.press(keyEnter)
			h.mustShow(firstLine(h.text(model.ZH, tt.want, tt.args...)))
			h.mustNotShow("429")
			if h.m.id != identifyID {
				t.Fatal("left the identify screen")
			}
		})
	}
}

func TestLookupBeforeTheServicesAreUp(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.Connect = nil })
	h.mustShow(h.text(model.ZH, txtNetStarting))
	p := persona(t, "parking")
	h.typeText("1" + string(p.ID) + string(p.File))
	h.press(keyEnter)
	h.mustShow(firstLine(h.text(model.ZH, txtIdentifyStarting)))
}

// A lookup answer that arrives after the person gave up waiting is dropped.
func TestStaleLookupAnswerIsDropped(t *testing.T) {
	h := newHarness(t)
	p := persona(t, "parking")
	h.typeText("1" + string(p.ID) + string(p.File))
	_, lookup := h.m.Update(keyEnter) // the lookup starts but its answer is held back
	h.mustShow(h.text(model.ZH, txtIdentifyLooking))
	h.press(keyEsc)
	h.run(lookup)
	if h.m.id != identifyID || h.m.session != nil {
		t.Fatalf("a cancelled lookup's answer was shown:\n%s", h.view())
	}
	h.mustNotShow(maskedName(p.Name))
}

func TestHelpAndStaffCall(t *testing.T) {
	h := newHarness(t)
	h.typeText("1")
	h.press(keyF1)
	h.mustShow(firstLine(h.text(model.ZH, txtHelpIdentify)), "Ctrl+Alt+Q")
	h.typeText("44") // not typed into the hidden field
	h.press(keyEsc)
	if got := len(h.m.screen.(*identify).idBuf); got != 0 || h.m.id != identifyID {
		t.Fatalf("keys went through the help: %d typed, screen %d", got, h.m.id)
	}
	// F3 says what actually happened: the call is being sent, not "staff called".
	h.press(keyF3)
	h.mustShow(h.text(model.ZH, txtCallTitle), h.text(model.ZH, txtCallSending))
	h.mustNotShow(h.text(model.ZH, txtCallSent))
	if got := h.svc.screens; len(got) != 1 || got[0] != "identify" {
		t.Errorf("calls made from %v", got)
	}
}

func TestEveryScreenShowsDemoAndFits(t *testing.T) {
	h := newHarness(t)
	check := func(where string) {
		t.Helper()
		h.mustShow("DEMO")
		checkFits(t, where, h.view(), 80, 24)
	}
	check("welcome")
	h.typeText("1")
	check("identify")
	h.press(keyF1)
	check("help")
	h.press(keyEsc)
	h.identifyFromHere(persona(t, "fine-300"))
	check("overview")

	real := newHarness(t, func(o *Options) { o.Demo = false })
	if strings.Contains(real.view(), "DEMO") {
		t.Fatal("DEMO shown outside demo mode")
	}
}

func TestFinishEndsTheSession(t *testing.T) {
	h := newHarness(t)
	p := persona(t, "overdue")
	h.press(keyF2)
	h.identifyAs(p)
	h.typeText("0")
	if h.m.id != welcomeID || h.m.session != nil || h.svc.ended != 1 {
		t.Fatalf("finish: screen %d, session %v, ended %d", h.m.id, h.m.session != nil, h.svc.ended)
	}
	h.mustShow(h.text(model.ZH, txtWelcomeTitle)) // the next person starts in the default language
}

func TestEscFromOverviewStartsIdentificationAfresh(t *testing.T) {
	h := newHarness(t)
	p := persona(t, "overdue")
	h.identifyAs(p)
	h.press(keyEsc)
	// The lookups are wiped; the session (and a call for staff) stands: the person is there.
	if h.m.id != identifyID || h.m.session != nil || h.svc.forgot != 1 || h.svc.ended != 0 {
		t.Fatalf("esc: screen %d, session %v, forgot %d, ended %d", h.m.id, h.m.session != nil, h.svc.forgot, h.svc.ended)
	}
	h.mustNotShow(p.ID.Masked(), maskedName(p.Name))
}

func TestExitAfterSessionQuits(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.ExitAfterSession = true })
	h.identifyAs(persona(t, "overdue"))
	h.typeText("0")
	if !h.quit {
		t.Fatal("the program did not end with the session")
	}
}

func TestHighContrastToggle(t *testing.T) {
	h := newHarness(t)
	h.press(keyF4)
	if !h.m.c.Styles.HighContrast || h.m.View().BackgroundColor == nil {
		t.Fatal("F4 did not switch to high contrast")
	}
	checkFits(t, "high contrast", h.view(), 80, 24)
	h.press(keyF4)
	if h.m.c.Styles.HighContrast {
		t.Fatal("F4 did not switch back")
	}
}

// A backend that cannot start ends the program with its error: the service manager restarts
// the kiosk, and the error is printed after the terminal is restored.
func TestConnectFailureEndsTheProgram(t *testing.T) {
	boom := errors.New("storage: open: in use")
	h := newHarness(t, func(o *Options) {
		o.Connect = func(context.Context) (Services, error) { return nil, boom }
	})
	if !h.quit || !errors.Is(h.m.Err(), boom) {
		t.Fatalf("quit %v, err %v", h.quit, h.m.Err())
	}
}

// With a delay, the services start only after the first frame had its time.
func TestConnectWaitsForItsDelay(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.ConnectDelay = 150 * time.Millisecond })
	if h.m.c.Services != nil {
		t.Fatal("connected before the delay")
	}
	h.advance(150 * time.Millisecond)
	if h.m.c.Services == nil {
		t.Fatal("not connected after the delay")
	}
}

// F1 in demo mode lists every demo identity with what it shows, a page at a time: PgDn turns
// to the next page until the last identity has been shown, PgUp goes back, and the help tells
// how to leave demo mode.
func TestHelpPagesThroughEveryDemoIdentity(t *testing.T) {
	for _, lang := range []model.Lang{model.ZH, model.EN} {
		opts := testOptions(t)
		m := newHarness(t, func(o *Options) { o.Lang = lang })
		m.press(keyF1)
		if view := m.view(); !strings.Contains(view, "Ctrl+Alt+Q") {
			t.Fatalf("%s: the help does not say how to quit demo mode:\n%s", lang, view)
		}
		m.press(tea.KeyPressMsg{Code: tea.KeyPgDown})
		seen := map[model.IDNumber]bool{}
		for page := 0; page < len(opts.DemoIDs); page++ {
			view := m.view()
			for _, d := range opts.DemoIDs {
				if strings.Contains(view, string(d.ID)) {
					seen[d.ID] = true
					story := d.StoryZH
					if lang == model.EN {
						story = d.StoryEN
					}
					if !strings.Contains(strings.Join(strings.Fields(view), ""), strings.Join(strings.Fields(story), "")[:12]) {
						t.Errorf("%s: %s is listed without its story", lang, d.Name)
					}
					// An owner's vehicles come with the numbers the owner verifies with.
					for _, v := range d.Vehicles {
						if !strings.Contains(view, v.VINTail) || !strings.Contains(view, v.Plate) {
							t.Errorf("%s: %s's vehicle %s is listed without its VIN's last six", lang, d.Name, v.Plate)
						}
					}
				}
			}
			if len(seen) == len(opts.DemoIDs) {
				break
			}
			m.press(tea.KeyPressMsg{Code: tea.KeyPgDown})
		}
		if len(seen) != len(opts.DemoIDs) {
			t.Fatalf("%s: %d of %d demo identities reachable in the help", lang, len(seen), len(opts.DemoIDs))
		}
		// PgUp goes back page by page to the first page of the help.
		for i := 0; i < len(opts.DemoIDs) && !strings.Contains(m.view(), "Ctrl+Alt+Q"); i++ {
			m.press(tea.KeyPressMsg{Code: tea.KeyPgUp})
		}
		if !strings.Contains(m.view(), "Ctrl+Alt+Q") {
			t.Fatalf("%s: PgUp does not lead back to the help's first page:\n%s", lang, m.view())
		}
	}
}

// The 18th character moves to the file number by itself, visibly; the Enter the footer asked
// for, pressed out of habit, lands on the empty file number and says where the person is, not
// that an empty number is wrong.
func TestIDNumberMovesOnHarmlessly(t *testing.T) {
	for _, lang := range []model.Lang{model.ZH, model.EN} {
		h := newHarness(t, func(o *Options) { o.Lang = lang })
		p := persona(t, "parking")
		h.typeText("1" + string(p.ID))
		h.mustShow(firstLine(h.text(lang, txtIdentifyNowFile)))
		h.press(keyEnter)
		if s := h.m.screen.(*identify); s.phase != phaseFile || s.prob == nil || !s.prob.info {
			t.Fatalf("%s: after Enter on the empty file number: phase %v, problem %+v", lang, s.phase, s.prob)
		}
		h.mustShow(firstLine(h.text(lang, txtIdentifyNowFile)))
		h.mustNotShow("! ")
		h.typeText(string(p.File))
		h.press(keyEnter)
		if h.m.id != overviewID {
			t.Fatalf("%s: the file number typed after the hint did not identify", lang)
		}
	}
}

// Esc from the file number goes back to the ID number as it was typed, in full, to be corrected.
func TestEscFromTheFileNumberKeepsTheIDNumber(t *testing.T) {
	h := newHarness(t)
	p := persona(t, "parking")
	h.typeText("1" + string(p.ID) + "1234")
	h.press(keyEsc)
	s := h.m.screen.(*identify)
	if s.phase != phaseID || string(s.idBuf) != string(p.ID) || len(s.fileBuf) != 0 {
		t.Fatalf("after Esc: phase %v, ID %q, file %q", s.phase, s.idBuf, s.fileBuf)
	}
	h.mustShow(string(p.ID[:6]) + " " + string(p.ID[6:14]) + " " + string(p.ID[14:]))
}
