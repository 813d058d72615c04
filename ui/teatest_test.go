package ui

import (
	"bytes"
	"context"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hallkiosk/kiosk/uplink"
)

// waitFor waits until the program has drawn text. The output is the renderer's stream of cell
// changes, not screen snapshots, so only text that appears anew in one piece is waited for;
// the final state is checked on the model.
func waitFor(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains([]byte(ansi.Strip(string(b))), []byte(text))
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

// The whole first flow through a real tea.Program: services connect in the background, the
// network state arrives on the status channel, keys are typed one by one, Ctrl+C is ignored.
func TestFlowInARealProgram(t *testing.T) {
	svc := newFakeService(t)
	tm := newOnlineProgram(t, svc, 80, 24)
	p := persona(t, "borrower-late")

	waitFor(t, tm, "网络：在线")
	tm.Type("1")
	waitFor(t, tm, "身份识别")
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	tm.Type(string(p.ID))
	waitFor(t, tm, "已确认")
	tm.Type(string(p.File))
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, tm, "查看记录")
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	tm.Send(tea.KeyPressMsg{Code: '\\', Mod: tea.ModCtrl})
	tm.Send(tea.KeyPressMsg{Code: tea.KeyF2})
	waitFor(t, tm, "Your records") // still running after Ctrl+C and Ctrl+\

	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	if final.id != overviewID || final.session == nil || svc.lookups != 1 {
		t.Fatalf("final: screen %d, session %v, %d lookups", final.id, final.session != nil, svc.lookups)
	}
	v := ansi.Strip(final.View().Content)
	for _, want := range []string{maskedName(p.Name), p.ID.Masked(), "DEMO", "Network: online"} {
		if !bytes.Contains([]byte(v), []byte(want)) {
			t.Errorf("final screen lacks %q:\n%s", want, v)
		}
	}
}

// newOnlineProgram runs the UI in a real tea.Program at the fixed test clock, with svc connected
// in the background and the network reported online.
func newOnlineProgram(t *testing.T, svc Services, w, h int) *teatest.TestModel {
	t.Helper()
	status := make(chan uplink.Status, 1)
	opts := testOptions(t)
	opts.Now = func() time.Time { return testNow }
	opts.Status = status
	opts.Connect = func(context.Context) (Services, error) {
		status <- uplink.Status{State: uplink.Online}
		return svc, nil
	}
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
}
