package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server"
	"github.com/hallkiosk/kiosk/server/channel"
	"github.com/hallkiosk/kiosk/server/reconcile"
)

// `kiosk reconcile` against a running embedded server, through its admin socket: a payment
// only the channel's statement carries is recorded from it, the rerun records nothing, --json
// gives the report, a malformed statement is refused with its line before anything is sent, and
// without a server nothing is reconciled.
func TestReconcileCommandThroughTheAdminSocket(t *testing.T) {
	bin := buildKiosk(t)
	dir := t.TempDir()
	s := startServe(t, bin, "--data", dir, "--simulate-payments")
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(dir, "admin.sock")); err == nil {
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("no admin socket:\n%s", s.logText())
		}
	}
	data := importDemo(t, bin, "--data", dir)
	id, secret := enrollWith(t, bin, "--data", dir)
	var v model.Violation
	for _, c := range data.Violations {
		if c.Status == model.StatusProcessed && c.Decision != "" {
			v = c
			break
		}
	}
	c := api.NewClient(s.base, id, secret, nil)
	o, err := c.CreatePayOrder(context.Background(), api.PayOrderRequest{OrderID: "order-1", PayerID: string(v.Driver),
		Items: []api.PayItem{{ViolationID: v.ID, FineFen: int64(v.Fine)}}})
	if err != nil {
		t.Fatal(err)
	}
	// Yesterday's statement: a day is reconciled once it is over. (The money is recorded no
	// earlier than its order, made today.)
	paid := time.Now().Add(-24 * time.Hour).Truncate(time.Second)
	day := reconcile.DayString(model.DateOf(paid))
	csv := fmt.Sprintf("%s\nPAY,TX-CLI-0001,order-1,,,%d,%s\nSUMMARY,%s,1,0,%d,0,%d\n", reconcile.Header, o.AmountFen,
		channel.FormatTime(paid), day, o.AmountFen, o.AmountFen)
	file := filepath.Join(t.TempDir(), "statement.csv")
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}

	out := runBin(t, bin, "reconcile", "--channel", channel.SimulatedName, file, "--data", dir)
	for _, want := range []string{"Reconciliation of payment channel simulated, " + day, "recorded from the statement 1",
		"1 recorded or settled by this run, 0 flagged", "TX-CLI-0001", "order-1"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	paidOrder, err := c.PayOrder(context.Background(), "order-1")
	if err != nil || paidOrder.Status != api.PayOrderPaid || paidOrder.Reference != "TX-CLI-0001" {
		t.Errorf("the order after reconciling: %+v %v", paidOrder, err)
	}
	var rep server.ReconcileReport
	if err := json.Unmarshal([]byte(runBin(t, bin, "reconcile", file, "--channel", "simulated", "--json", "--data", dir)), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Outcomes["matched"] != 1 || rep.Recorded != 0 || len(rep.Items) != 0 || rep.Statement.PayTotalFen != o.AmountFen {
		t.Errorf("the rerun's report: %+v", rep)
	}

	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte(strings.Replace(csv, "SUMMARY,"+day+",1,", "SUMMARY,"+day+",2,", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := runBinFails(t, bin, "reconcile", "--channel", "simulated", bad, "--data", dir); !strings.Contains(out, "nothing was reconciled: statement line 3") ||
		!strings.Contains(out, "PAY_COUNT") {
		t.Errorf("a malformed statement: %s", out)
	}
	if out := runBinFails(t, bin, "reconcile", "--channel", "bank", file, "--data", dir); !strings.Contains(out, `no payment channel "bank"`) {
		t.Errorf("an unknown channel: %s", out)
	}
	if out := runBinFails(t, bin, "reconcile", file, "--data", dir); !strings.Contains(out, "--channel NAME") {
		t.Errorf("no channel: %s", out)
	}
	if !strings.Contains(s.logText(), "reconcile: statement matched") {
		t.Errorf("the server did not log the reconciliation:\n%s", s.logText())
	}
	for _, p := range data.People {
		if p.Driver.ID == v.Driver && (strings.Contains(out+s.logText(), string(p.Driver.ID)) || strings.Contains(out+s.logText(), p.Driver.Name)) {
			t.Errorf("the payer appears in the report or the log")
		}
	}

	s.cmd.Process.Kill()
	s.done <- <-s.done
	if out := runBinFails(t, bin, "reconcile", "--channel", "simulated", file, "--data", dir); !strings.Contains(out, "no server answers on the admin socket") ||
		!strings.Contains(out, "nothing was reconciled") {
		t.Errorf("without a server: %s", out)
	}
}
