package ui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/service"
	"github.com/hallkiosk/kiosk/uplink"
)

// answer plays the sync engine: the call's state changes at the server's word, and a status
// message tells the UI.
func (h *harness) answer(state service.CallState) {
	h.t.Helper()
	h.svc.setCall(state, h.now)
	h.send(netStatusMsg{status: h.m.net})
}

// panelMark is a line only the call's panel shows.
func (h *harness) panelMark() string {
	return firstLine(wrap(h.text(h.m.c.Lang, txtCallDismiss), 60))
}

// callStates are the call's states as the person sees them, on the identify screen.
func callStates() []struct {
	name  string
	setup func(h *harness)
} {
	return []struct {
		name  string
		setup func(h *harness)
	}{
		{"queued_offline", func(h *harness) {
			h.svc.unreachable = true
			h.send(netStatusMsg{status: uplink.Status{State: uplink.Offline, Problem: uplink.Unreachable}})
			h.press(keyF3)
		}},
		{"sending", func(h *harness) { h.press(keyF3) }},
		{"sent", func(h *harness) { h.press(keyF3); h.answer(service.CallSent) }},
		{"sent_4_minutes", func(h *harness) {
			h.press(keyF3)
			h.answer(service.CallSent)
			h.advance(4 * time.Minute)
		}},
		{"coming", func(h *harness) { h.press(keyF3); h.answer(service.CallSent); h.answer(service.CallComing) }},
		{"closed", func(h *harness) { h.press(keyF3); h.answer(service.CallSent); h.answer(service.CallClosed) }},
		{"refused", func(h *harness) { h.press(keyF3); h.answer(service.CallRefused) }},
		{"not_saved", func(h *harness) { h.svc.callErr = errors.New("disk full"); h.press(keyF3) }},
		{"panel_closed", func(h *harness) {
			h.press(keyF3)
			h.answer(service.CallSent)
			h.advance(2 * time.Minute)
			h.press(keyEsc)
		}},
	}
}

// TestGoldenCallScreens renders the call's states at 80x24 in both languages, and one in the
// large high-contrast mode (testdata/TestGoldenCallScreens; update with -update).
func TestGoldenCallScreens(t *testing.T) {
	states := callStates()
	states = append(states, struct {
		name  string
		setup func(h *harness)
	}{"coming_high_contrast", func(h *harness) {
		h.press(keyF4, keyF3)
		h.answer(service.CallSent)
		h.answer(service.CallComing)
	}})
	for _, st := range states {
		for _, lang := range []model.Lang{model.ZH, model.EN} {
			t.Run(st.name+"/"+string(lang), func(t *testing.T) {
				h := newHarness(t, func(o *Options) { o.Lang = lang })
				h.typeText("1")
				st.setup(h)
				v := h.view()
				checkFits(t, st.name, v, 80, 24)
				golden.RequireEqual(t, v)
			})
		}
	}
}

// The kiosk never says "called" before the platform has the call: offline, the call is saved
// and the panel says so; "called" comes with the platform's answer, and staff's acknowledgement
// shows as soon as the engine reports it.
func TestCallNeverClaimsMoreThanHappened(t *testing.T) {
	h := newHarness(t)
	h.typeText("1")
	h.svc.unreachable = true
	h.send(netStatusMsg{status: uplink.Status{State: uplink.Offline, Problem: uplink.Unreachable}})
	h.press(keyF3)
	called := firstLine(h.text(model.ZH, txtCallSent))[:len("已呼叫工作人员")]
	h.mustShow(h.panelMark())
	if v := h.view(); !strings.Contains(v, "网络中断") || strings.Contains(v, called) {
		t.Fatalf("a call saved offline:\n%s", v)
	}
	h.svc.unreachable = false
	h.send(netStatusMsg{status: uplink.Status{State: uplink.Online}})
	h.mustShow(firstLine(wrap(h.text(model.ZH, txtCallSending), 60)))
	h.mustNotShow(called)
	h.answer(service.CallSent)
	h.mustShow(called)
	h.answer(service.CallComing)
	h.mustShow("工作人员已收到，正在赶来")
}

// Any key closes the panel without touching the screen below, the notice line keeps the call
// in view, F3 shows the panel again and rings the call without making another, and news
// opens the panel by itself.
func TestCallPanelClosesAndComesBack(t *testing.T) {
	h := newHarness(t)
	h.typeText("1")
	h.press(keyF3)
	h.answer(service.CallSent)
	title := h.panelMark()
	h.mustShow(title)
	h.typeText("4") // closes the panel; not typed into the hidden field
	h.mustNotShow(title)
	if got := len(h.m.screen.(*identify).idBuf); got != 0 {
		t.Fatalf("the key that closed the panel was typed: %d digits", got)
	}
	h.mustShow(h.text(model.ZH, txtCallLineSent), "身份识别")
	h.typeText("4")
	if got := len(h.m.screen.(*identify).idBuf); got != 1 {
		t.Fatalf("with the panel closed, the screen gets its keys: %d digits", got)
	}
	h.press(keyF3)
	h.mustShow(title)
	if len(h.svc.screens) != 1 || h.svc.rings != 1 {
		t.Errorf("F3 on a live call: %d calls made, %d rings; want 1 and 1", len(h.svc.screens), h.svc.rings)
	}
	h.press(keyEsc)
	h.answer(service.CallComing)
	h.mustShow(title, "工作人员已收到，正在赶来")
}

// The panel counts the minutes waited, and after three says what to do if nobody comes.
func TestCallCountsTheWait(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.Lang = model.EN })
	h.typeText("1")
	h.press(keyF3)
	h.answer(service.CallSent)
	advice := firstLine(wrap(h.text(model.EN, txtCallNobodyCame), 60))
	h.mustNotShow(advice, "waited")
	h.advance(time.Minute)
	h.mustShow("you have waited 1 min")
	h.mustNotShow(advice)
	h.advance(2 * time.Minute)
	h.mustShow("you have waited 3 min", advice)
	h.answer(service.CallComing)
	h.mustNotShow(advice)
}

// A call holds the session longer than the usual idle timeout (the person waits for staff),
// and when the session does end, the call goes with it: the next person's welcome screen shows
// none, and their F3 makes a call of their own.
func TestSessionEndForgetsTheCall(t *testing.T) {
	h := newHarness(t)
	h.identifyAs(persona(t, "borrower-late"))
	h.press(keyF3)
	h.answer(service.CallSent)
	h.press(keyEsc)
	for range 4 {
		h.advance(time.Minute)
	}
	if h.m.id != overviewID {
		t.Fatalf("the session of a person waiting for staff ended after 4 minutes")
	}
	h.advance(time.Minute)
	h.advance(30 * time.Second)
	h.advance(30 * time.Second)
	if h.m.id != welcomeID || h.svc.ended == 0 {
		t.Fatalf("the session did not end: screen %d, %d ends", h.m.id, h.svc.ended)
	}
	h.mustNotShow(h.panelMark())
	for _, k := range []textKey{txtCallLineSent, txtCallLineWaited} {
		h.mustNotShow(firstLine(wrap(h.text(model.ZH, k, "n", "6"), 30)))
	}
	h.press(keyF3)
	if len(h.svc.screens) != 2 || h.svc.screens[1] != "welcome" {
		t.Errorf("calls made from %v", h.svc.screens)
	}
}

// Going back to identification keeps the person's call; only the lookups are wiped.
func TestBackToIdentifyKeepsTheCall(t *testing.T) {
	h := newHarness(t)
	h.identifyAs(persona(t, "borrower-late"))
	h.press(keyF3)
	h.answer(service.CallSent)
	h.press(keyEsc, keyEsc) // closes the panel, then leaves the overview
	if h.m.id != identifyID || h.svc.forgot != 1 || h.svc.ended != 0 {
		t.Fatalf("screen %d, %d forgets, %d ends", h.m.id, h.svc.forgot, h.svc.ended)
	}
	h.mustShow(h.text(model.ZH, txtCallLineSent))
}

// F3 pressed while the last session's end is still being recorded waits for it: otherwise the
// service could hand the next person the last one's call.
func TestCallWaitsForTheLastSessionsEnd(t *testing.T) {
	h := newHarness(t)
	h.m.ending = true
	h.press(keyF3)
	if len(h.svc.screens) != 0 {
		t.Fatal("a call was made before the last session's end was recorded")
	}
	h.mustShow(h.text(model.ZH, txtCallSaving))
	h.send(sessionEndedMsg{})
	if len(h.svc.screens) != 1 || h.svc.screens[0] != "welcome" {
		t.Fatalf("calls made: %v", h.svc.screens)
	}
	h.mustShow(h.panelMark())
	h.mustNotShow(h.text(model.ZH, txtCallSaving))
}

// An answer that belongs to an ended session is dropped.
func TestLateCallAnswerOfEndedSessionIsDropped(t *testing.T) {
	h := newHarness(t)
	h.typeText("1")
	h.press(keyF3)
	old := h.m.call.gen
	h.send(navWelcome{})
	h.send(callDoneMsg{gen: old, view: service.CallView{ID: "x", State: service.CallComing}, exists: true})
	if h.m.call.known || h.m.call.open {
		t.Fatalf("the last session's call is shown: %+v", h.m.call)
	}
}

// Before the services are up, F3 says so and claims nothing.
func TestCallBeforeServicesSaysSo(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.Connect = nil })
	h.press(keyF3)
	h.mustShow(h.text(model.ZH, txtCallNotReady))
}

// stepClock is a clock a test moves while a real program runs.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *stepClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Through a real tea.Program: F3, then the server's acknowledgement arrives through the
// engine's status channel and the panel says staff are coming; when the session times out,
// the next welcome screen shows no call.
func TestCallInARealProgram(t *testing.T) {
	svc := newFakeService(t)
	clock := &stepClock{t: testNow}
	svc.now = clock.Now
	status := make(chan uplink.Status, 1)
	opts := testOptions(t)
	opts.Now = clock.Now
	opts.Status = status
	// Timers fire at once; the clock the test moves decides what they find.
	opts.After = func(_ time.Duration, msg tea.Msg) tea.Cmd {
		return tea.Tick(10*time.Millisecond, func(time.Time) tea.Msg { return msg })
	}
	opts.Connect = func(context.Context) (Services, error) {
		status <- uplink.Status{State: uplink.Online}
		return svc, nil
	}
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "网络：在线")
	tm.Type("1") // identification: a screen with an idle timeout
	waitFor(t, tm, "身份识别")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyF3})
	// The renderer sends changed cells only: wait for the part of each text that is new.
	waitFor(t, tm, "发送呼叫")
	svc.setCall(service.CallComing, clock.Now())
	status <- uplink.Status{State: uplink.Online, CallUpdates: 1}
	waitFor(t, tm, "赶来")

	clock.Advance(callHold + time.Minute)
	waitFor(t, tm, "欢迎使用")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	v := ansi.Strip(final.View().Content)
	if len(svc.screens) != 1 || svc.screens[0] != "identify" {
		t.Errorf("calls made from %v", svc.screens)
	}
	if final.id != welcomeID || final.call.known || strings.Contains(v, "呼叫工作人员，") || strings.Contains(v, "正在赶来") {
		t.Fatalf("the next welcome screen: screen %d, call %+v:\n%s", final.id, final.call, v)
	}
	if svc.ended == 0 {
		t.Error("the service was not told the session ended")
	}
}
