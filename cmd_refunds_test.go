package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server"
	"github.com/hallkiosk/kiosk/server/store"
)

// runBinFails runs a command that must fail, and returns what it printed.
func runBinFails(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err == nil {
		t.Fatalf("kiosk %s succeeded:\n%s", strings.Join(args, " "), out)
	}
	return string(out)
}

// `kiosk refunds` against a running embedded server, through its admin socket: refunds appear
// for money owed back (a card payment of an unknown violation, its excess, a phone order paid
// for a violation already paid), a card refund is paid back at the counter and settled, a
// channel refund is not issued by a server without a channel, and nothing printed names a
// person. With the server gone, the commands work on the store.
func TestRefundsCommandsThroughTheAdminSocket(t *testing.T) {
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
	if out := runBin(t, bin, "refunds", "list", "--data", dir); !strings.Contains(out, "no refunds") {
		t.Errorf("an empty list: %s", out)
	}

	var v model.Violation
	for _, c := range data.Violations {
		if c.Status == model.StatusProcessed && c.Decision != "" {
			v = c
			break
		}
	}
	if v.ID == "" {
		t.Fatal("the demo data has no decided, unpaid violation")
	}
	ctx := context.Background()
	c := api.NewClient(s.base, id, secret, nil)
	if _, err := c.CreatePayOrder(ctx, api.PayOrderRequest{OrderID: "order-1", PayerID: string(v.Driver),
		Items: []api.PayItem{{ViolationID: v.ID, FineFen: int64(v.Fine)}}}); err != nil {
		t.Fatal(err)
	}
	card := func(seq int64, violation string, fen int64) api.Op {
		return api.Op{ID: fmt.Sprintf("op-%d", seq), Epoch: 1, Seq: seq, Type: api.OpPay, At: time.Now(),
			Pay: &api.PayOp{Method: "card", Reference: "T1", Items: []api.PayItem{{ViolationID: violation, FineFen: fen}}}}
	}
	// The card pays the violation twice over (the excess is owed back), and 42 yuan come for a
	// violation the platform does not know; then the channel reports the order paid.
	if _, err := c.Ops(ctx, []api.Op{card(1, v.ID, 2*int64(v.Fine)), card(2, "NO-SUCH-VIOLATION", 4200)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SimulatePaid(ctx, "order-1"); err != nil {
		t.Fatal(err)
	}

	unknown, channel := store.RefundIDFor("op-2/1"), store.RefundIDFor("payorder:order-1/1")
	out := runBin(t, bin, "refunds", "list", "--data", dir)
	if !strings.Contains(out, "3 owed") || !strings.Contains(out, store.RefundIDFor("op-1/1/refund")) {
		t.Errorf("list: %s", out)
	}
	line := lineWith(out, unknown)
	for _, want := range []string{"¥42.00", " owed ", "pay.unknown_violation", " card ", "op op-2"} {
		if !strings.Contains(line, want) {
			t.Errorf("the unknown violation's refund lacks %q: %s", want, line)
		}
	}
	if line := lineWith(out, channel); !strings.Contains(line, "order order-1") || !strings.Contains(line, "pay.already_paid") {
		t.Errorf("the order's refund: %s", line)
	}

	// Issuing: who is asked for, a card payment's refund needs the counter's reference, and the
	// flags may follow the refund id.
	if out := runBinFails(t, bin, "refunds", "issue", "--data", dir, unknown); !strings.Contains(out, "--staff") {
		t.Errorf("issue without a staff id: %s", out)
	}
	if out := runBinFails(t, bin, "refunds", "issue", unknown, "--data", dir, "--staff", "S-017"); !strings.Contains(out, "pay it back at the counter") {
		t.Errorf("a card refund without a reference: %s", out)
	}
	if out := runBinFails(t, bin, "refunds", "issue", "RF42", "--data", dir, "--staff", "S-017"); !strings.Contains(out, "is not a refund id") {
		t.Errorf("a bad refund id: %s", out)
	}
	out = runBin(t, bin, "refunds", "issue", strings.ToLower(unknown), "--data", dir, "--staff", "S-017", "--ref", "CTR-2026-0042")
	if !strings.Contains(out, "paid back at the counter (CTR-2026-0042 (S-017))") {
		t.Errorf("issue at the counter: %s", out)
	}
	if out := runBin(t, bin, "refunds", "issue", unknown, "--data", dir, "--staff", "S-018", "--ref", "CTR-9"); !strings.Contains(out, "already issued") {
		t.Errorf("issued twice: %s", out)
	}
	// (A phone payment's refund issued by the server goes to its channel:
	// TestRefundIssuedThroughTheServersChannels. Here it stays owed for the store's turn below.)

	// Settling, twice.
	if out := runBinFails(t, bin, "refunds", "settle", unknown, "--data", dir, "--staff", "S-017"); !strings.Contains(out, "--ref") {
		t.Errorf("settle without a reference: %s", out)
	}
	if out := runBin(t, bin, "refunds", "settle", unknown, "--ref", "BANK-88", "--staff", "S-017", "--data", dir); !strings.Contains(out, "is settled (BANK-88 (S-017))") {
		t.Errorf("settle: %s", out)
	}
	if out := runBin(t, bin, "refunds", "settle", unknown, "--ref", "BANK-99", "--staff", "S-017", "--data", dir); !strings.Contains(out, "already settled") || !strings.Contains(out, "BANK-88") {
		t.Errorf("settled twice: %s", out)
	}

	var settled []server.AdminRefund
	if err := json.Unmarshal([]byte(runBin(t, bin, "refunds", "list", "--state", "settled", "--json", "--data", dir)), &settled); err != nil {
		t.Fatal(err)
	}
	if len(settled) != 1 || settled[0].ID != unknown || settled[0].AmountFen != 4200 || len(settled[0].Steps) != 3 ||
		settled[0].Steps[1].Who != "S-017" || settled[0].Steps[1].Ref != "CTR-2026-0042" || settled[0].Steps[2].Ref != "BANK-88" {
		t.Errorf("list --state settled --json: %+v", settled)
	}
	if out := runBinFails(t, bin, "refunds", "list", "--state", "lost", "--data", dir); !strings.Contains(out, "owed, issuing, issued, settled") {
		t.Errorf("an unknown state: %s", out)
	}

	// Nothing printed or logged names the person.
	all := runBin(t, bin, "refunds", "list", "--json", "--data", dir) + runBin(t, bin, "refunds", "list", "--data", dir) + s.logText()
	for _, p := range data.People {
		if p.Driver.ID == v.Driver && (strings.Contains(all, string(p.Driver.ID)) || strings.Contains(all, p.Driver.Name)) {
			t.Errorf("the payer appears in the refunds' output or the log")
		}
	}
	if strings.Contains(all, string(v.Plate.Number)) {
		t.Error("the plate appears in the refunds' output or the log")
	}

	// Without the server, on the store.
	s.cmd.Process.Kill()
	s.done <- <-s.done
	if out := runBin(t, bin, "refunds", "list", "--state", "owed", "--data", dir); !strings.Contains(out, "2 owed") {
		t.Errorf("list without a server: %s", out)
	}
	excess := store.RefundIDFor("op-1/1/refund")
	if out := runBin(t, bin, "refunds", "issue", excess, "--data", dir, "--staff", "S-017", "--ref", "CTR-7"); !strings.Contains(out, "paid back at the counter") {
		t.Errorf("issue without a server: %s", out)
	}
	if out := runBinFails(t, bin, "refunds", "issue", channel, "--data", dir, "--staff", "S-017"); !strings.Contains(out, "no channel is configured") {
		t.Errorf("a channel refund without a server: %s", out)
	}
}

// lineWith returns the line of out that holds s.
func lineWith(out, s string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}
