package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/service"
)

// rejectedPair is an operation queued at this kiosk while offline and rejected by the platform
// when it arrived, and one rejected at another kiosk.
func rejectedPair() []service.Rejection {
	return []service.Rejection{
		{OpID: "op-here", OpType: api.OpProcess, At: testNow.Add(-26 * time.Hour), RejectedAt: testNow.Add(-2 * time.Hour),
			Here: true, Reasons: []model.Reason{{Code: model.ReasonAlreadyProcessed}}},
		{OpID: "op-there", OpType: api.OpPay, At: testNow.Add(-50 * time.Hour), RejectedAt: testNow.Add(-49 * time.Hour),
			Kiosk: "福田大厅 2 号机", Reasons: []model.Reason{{Code: model.ReasonOfflineClock, Args: model.Args{Limit: 60}}}},
	}
}

// The person hears of rejected operations at identification, and the pending screen lists them
// with date, place and the platform's reasons; 1 acknowledges them, the screen says the
// platform was told, and the next identification announces nothing.
func TestRejectionsReachThePerson(t *testing.T) {
	svc := newFakeService(t)
	svc.rejections = rejectedPair()
	tm := newOnlineProgram(t, svc, 100, 30)
	p := persona(t, "borrower-late")
	texts := testOptions(t).Texts
	zh := func(k textKey, kv ...string) string { return texts.Get(model.ZH, k, kv...) }

	waitFor(t, tm, "网络：在线")
	tm.Type("1")
	waitFor(t, tm, "身份识别")
	tm.Type(string(p.ID) + string(p.File))
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, tm, zh(txtOverviewRejected, "n", "2"))
	tm.Type("4")
	waitFor(t, tm, zh(txtRejectedTitle, "n", "2"))
	tm.Type("1")
	waitFor(t, tm, zh(txtRejectedAckTold))
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	waitFor(t, tm, zh(txtMenuPending))

	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	v := ansi.Strip(final.View().Content)
	if strings.Contains(v, zh(txtOverviewRejected, "n", "2")) {
		t.Errorf("the overview still announces the acknowledged rejections:\n%s", v)
	}
	if len(svc.acks) != 1 || strings.Join(svc.acks[0], ",") != "op-here,op-there" {
		t.Fatalf("acknowledged %v, want both listed operations once", svc.acks)
	}
	if looked, _ := svc.Lookup(context.Background(), p.ID, p.File); len(looked.Rejections) != 0 {
		t.Fatalf("the next lookup still reports %d rejections", len(looked.Rejections))
	}
}

// The pending screen words each rejection: its date, where it was done, the reason in the
// person's language; it never says nothing is pending while rejections are listed; an
// acknowledgement the platform did not hear of says it will be shown again online.
func TestPendingScreenWordsRejections(t *testing.T) {
	for _, lang := range []model.Lang{model.ZH, model.EN} {
		f := newFakeService(t)
		f.rejections = rejectedPair()
		f.ackErr = errors.Join(service.ErrUnreachable, errors.New("dial tcp: refused"))
		h := &harness{t: t, svc: f, now: testNow}
		h.start(testOptions(t), f, nil)
		h.identifyAs(persona(t, "borrower-late"))
		h.mustShow(h.text(model.ZH, txtOverviewRejected, "n", "2"))
		h.m.c.Lang = lang
		h.typeText("4")
		v := h.view()
		for _, want := range []string{
			h.text(lang, txtRejectedTitle, "n", "2"),
			h.text(lang, txtRejectedItem, "time", "2026-", "what", h.text(lang, txtOpProcess), "where", h.text(lang, txtRejectedHere))[len("2026-"):],
			"福田大厅 2 号机",
			strings.SplitN(h.m.c.Reasons.Reason(model.Reason{Code: model.ReasonAlreadyProcessed}, lang).Message, "，", 2)[0],
			h.text(lang, txtRejectedAck),
		} {
			if !strings.Contains(v, want) {
				t.Fatalf("%s: the pending screen lacks %q:\n%s", lang, want, v)
			}
		}
		if strings.Contains(v, h.text(lang, txtPendingNone)) {
			t.Fatalf("%s: says nothing is pending beside rejections:\n%s", lang, v)
		}
		checkFits(t, "pending", v, 80, 24)
		h.typeText("1")
		h.mustShow(strings.SplitN(h.text(lang, txtRejectedAckLater), "；", 2)[0][:12])
		if len(f.acks) != 1 {
			t.Fatalf("%d acknowledgements", len(f.acks))
		}
	}
}
