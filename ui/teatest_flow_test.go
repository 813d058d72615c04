package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hallkiosk/kiosk/device"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
	"github.com/hallkiosk/kiosk/uplink"
)

// TestFlowProcessPayTeatest runs the real program (tea.Program through teatest) against the
// real stack: the demo server on loopback, the kiosk's store, sync engine and service. The
// nine-point driver identifies, opens the processing from the overview, is refused the 3-point
// violation, ticks the 1-point one, passes the (simulated) face check, agrees to the legal
// notice, gets the decision, pays it at once by QR code, which the demo staff key F9 marks
// paid, sees the receipt, and goes back to the records, where the violation is paid. The
// screens are waited for on the program's output; the end state is checked on the final
// model, the printed receipts and the server's own store.
func TestFlowProcessPayTeatest(t *testing.T) {
	s := newStack(t, "national")
	status := make(chan uplink.Status, 1)
	opts := testOptions(t)
	opts.Profile = s.profile
	opts.Offline = &s.profile.Offline
	opts.Demo, opts.SimulatedPayments = true, true // F9 plays the phone
	opts.Devices = device.Set{Face: device.SimFace{}, Card: &device.SimCard{}, Printer: paperPrinter{device.FilePrinter{Dir: s.receipts}}}
	opts.DemoIDs = nil
	opts.Status = status
	opts.Connect = func(context.Context) (Services, error) {
		status <- uplink.Status{State: uplink.Online}
		return s.svc, nil
	}
	// The stack's data is made at the real time; so is the UI's clock (opts.Now, opts.After nil).
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	text := func(k textKey, kv ...string) string { return opts.Texts.Get(model.ZH, k, kv...) }
	p := s.persona(t, "nine-points")

	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, text(txtNetOnline))
	tm.Type("1")
	waitFor(t, tm, text(txtStepIdentify))
	tm.Type(string(p.ID))
	waitFor(t, tm, text(txtIdentifyAccepted))
	tm.Type(string(p.File))
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, tm, maskedName(p.Name))

	// Overview -> process: the list, newest first: [1] the 1-point violation, [2] the 3-point one.
	tm.Type("1")
	waitFor(t, tm, text(txtProcessIntro))
	tm.Type("2") // would reach 12 points: refused, with the reason
	waitFor(t, tm, "达到满分")
	tm.Type("1")
	waitFor(t, tm, text(txtProcessForecast, "n", "1", "adding", "1", "fine", model.Yuan(100).YuanText(),
		"current", "9", "after", "10", "full", "12"))
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter}) // the simulated camera answers at once
	waitFor(t, tm, text(txtProcessConfirm))
	tm.Type("1") // I confirm: submit
	waitFor(t, tm, text(txtProcessPointsNow, "n", "10"))

	// Pay now: the decided violation is preselected.
	tm.Type("1")
	waitFor(t, tm, text(txtPayNextHint))
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, tm, text(txtPayByQR))
	tm.Type("1")
	waitFor(t, tm, text(txtPayQRWaiting))
	tm.Send(tea.KeyPressMsg{Code: tea.KeyF9})
	waitForAll(t, tm, text(txtPayDone), text(txtReceiptPay), text(txtReceiptPrinted))

	tm.Type("2") // back to the records, asked again from the server
	waitFor(t, tm, text(txtOverviewViolationCount, "n", "4", "process", "0", "pay", "0"))

	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	if final.id != overviewID || final.session == nil || final.session.stale {
		t.Fatalf("final: screen %d, session %v:\n%s", final.id, final.session != nil, ansi.Strip(final.View().Content))
	}

	// The server's record: the 1-point violation decided against the driver and paid by QR,
	// the 3-point one untouched.
	var paid, recorded int
	err = s.demo.Store.Read(context.Background(), func(r store.Reader) error {
		owned, err := r.VehiclesOwnedBy(p.ID)
		if err != nil {
			return err
		}
		var plates []model.Plate
		for _, v := range owned {
			plates = append(plates, v.Plate)
		}
		vs, err := r.ViolationsOfPlates(plates)
		if err != nil {
			return err
		}
		for _, v := range vs {
			switch {
			case v.Points == 1 && v.Status == model.StatusPaid:
				if v.Driver != p.ID || v.Decision == "" {
					t.Errorf("paid violation %s: driver %s, decision %q", v.ID, v.Driver, v.Decision)
				}
				ps, err := r.Payments(v.ID)
				if err != nil {
					return err
				}
				if len(ps) != 1 || ps[0].Method != model.PayQR {
					t.Errorf("payments of %s: %+v", v.ID, ps)
				}
				paid++
			case v.Points == 3 && v.Status == model.StatusRecorded:
				recorded++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if paid != 1 || recorded != 1 {
		t.Fatalf("server: %d paid 1-point violations, %d recorded 3-point ones; want 1 and 1", paid, recorded)
	}

	// Three documents printed (the processing's receipt, the penalty decision and the
	// payment's receipt), masked.
	files, err := os.ReadDir(s.receipts)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Fatalf("%d receipts printed, want 3", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(s.receipts, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), string(p.ID)) || strings.Contains(string(b), p.Name) {
			t.Errorf("receipt %s holds the full ID number or name:\n%s", f.Name(), b)
		}
	}
}

// waitForAll is waitFor for several texts that may be drawn in one frame or in several: it
// waits until each has appeared since the call.
func waitForAll(t *testing.T, tm *teatest.TestModel, texts ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		out := ansi.Strip(string(b))
		for _, s := range texts {
			if !strings.Contains(out, s) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}
