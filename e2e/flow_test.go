package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/model"
)

// TestKioskInTmux is the hall's day in one test: a real server process with imported data, a
// payment channel (kiosk channel-sim, SM2), the built kiosk in an 80x24 tmux pane, and a driver
// at the keys. The nine-point driver is refused the 3-point violation with its reason,
// processes the 1-point one, pays it by QR (the test reads the code off the pane as a phone
// would and pays it at the channel, which sends the server its signed notice), and gets a
// receipt with the decision and the channel's transaction id. Ctrl+C, Ctrl+\ and Ctrl+Z do nothing; the idle timeout wipes the screen and the
// terminal's history of the driver.
func TestKioskInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a server and a kiosk process")
	}
	texts := catalogue(t)
	zh := func(k string, kv ...string) string { return texts.Text(model.ZH, k, kv...) }
	bin := buildKiosk(t)
	demo := filepath.Join(t.TempDir(), "data.json")
	if err := os.WriteFile(demo, []byte(run(t, bin, "demo-data", "--people", "40")), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	bank := startChannelSim(t, bin, addr)
	srv := startServerArgs(t, bin, demo, addr, "--channels", bank.config)
	data := t.TempDir()
	command := append([]string{"env"}, kioskEnv()...)
	command = append(command, bin, "--server", srv.url, "--kiosk-id", srv.kioskID, "--secret-file", srv.secretFile,
		"--data", data, "--idle", "45s", "--hall", "端到端测试大厅")
	tm := startTmux(t, 80, 24, command)

	var driver dataset.Persona
	for _, p := range dataset.Personas(time.Now()) {
		if p.Key == "nine-points" {
			driver = p
		}
	}
	welcome := zh("welcome.title")
	tm.waitText(10*time.Second, welcome, "端到端测试大厅", zh("net.online"))

	for _, k := range []string{"C-c", `C-\`, "C-z"} {
		tm.keys(k)
		time.Sleep(300 * time.Millisecond)
		if tm.exited() {
			t.Fatalf("%s ended the kiosk:\n%s", k, tm.screen())
		}
		tm.waitText(2*time.Second, welcome)
	}

	tm.keys("1")
	tm.waitText(5*time.Second, zh("identify.id_label"))
	tm.typeText(string(driver.ID))
	tm.typeText(string(driver.File))
	tm.keys("Enter")
	overview := tm.waitText(15*time.Second, zh("menu.process"))
	if strings.Contains(overview, string(driver.ID)) {
		t.Errorf("the overview shows the full ID number:\n%s", overview)
	}

	tm.keys("1")
	tm.waitText(5*time.Second, "[-]", zh("process.next_hint"))
	tm.keys("2") // the 3-point violation: 9 + 3 would reach 12
	refused := tm.waitFor("the refusal's reason under the list", 5*time.Second, func(s string) bool {
		return !strings.Contains(s, zh("process.next_hint")) && hasLine(s, "! ", "12")
	})
	if strings.Contains(refused, "[x]") {
		t.Fatalf("the refused violation was ticked:\n%s", refused)
	}
	tm.keys("1") // the 1-point violation
	tm.waitText(5*time.Second, "[x]")
	tm.keys("Enter")
	tm.waitText(5*time.Second, zh("process.legal")[:24])
	tm.keys("1") // I was the driver
	result := tm.waitText(15*time.Second, zh("process.applied"), zh("process.points_now", "n", "10"))
	decision := decisionNumber(result)
	if decision == "" || !strings.Contains(tm.everything(), decision) {
		// The wipe check below looks for this number: it must be visible to the check now.
		t.Fatalf("no decision number (%q) on the result screen:\n%s", decision, result)
	}
	readDecision(t, tm, zh, decision)

	tm.keys("1") // pay now
	tm.waitText(15*time.Second, zh("pay.next_hint"))
	tm.keys("Enter")
	tm.waitText(5*time.Second, zh("pay.by_qr"))
	tm.keys("1")
	shown := tm.waitText(15*time.Second, prefix(zh("pay.qr_scan"), 10))
	if strings.Contains(shown, zh("pay.qr_demo")) {
		t.Errorf("a kiosk paying through a channel offers the simulated phone:\n%s", shown)
	}
	code, err := decodeQR(shown)
	if err != nil {
		t.Fatalf("the QR code on the pane does not decode: %v\n%s", err, shown)
	}
	if !strings.HasPrefix(code, "HKCS:") {
		t.Fatalf("the QR code says %q, want the channel's QR text HKCS:...", code)
	}
	transaction := bank.scan(t, code) // the phone pays at the channel, which notifies the server
	receipt := tm.waitText(20*time.Second, zh("pay.done"), zh("receipt.title_pay"))
	checkPaidReceipt(t, tm, data, decision, transaction)
	for _, screen := range []string{result, shown, receipt} {
		if strings.Contains(screen, string(driver.ID)) || strings.Contains(screen, driver.Name) {
			t.Errorf("a screen shows the driver's full ID number or name:\n%s", screen)
		}
	}
	files, _ := filepath.Glob(filepath.Join(data, "receipts", "*"))
	if len(files) < 2 {
		t.Errorf("want the processing and the payment receipts under %s, found %d files", data, len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), string(driver.ID)) {
			t.Errorf("receipt %s holds the full ID number", filepath.Base(f))
		}
	}

	// The driver walks away: the warning, then the wipe.
	tm.waitText(30*time.Second, zh("idle.title"))
	tm.waitFor("the welcome screen after the timeout", 40*time.Second, func(s string) bool {
		return strings.Contains(s, welcome) && !strings.Contains(s, zh("idle.title"))
	})
	for _, trace := range []string{string(driver.ID), string(driver.File), driver.Name, decision, zh("pay.done"), zh("receipt.title_pay")} {
		if trace != "" && strings.Contains(tm.everything(), trace) {
			t.Errorf("after the timeout the terminal (screen or history) still holds %q", trace)
		}
	}
	if tm.exited() {
		t.Fatal("the kiosk exited after the timeout")
	}
	kioskLog, err := os.ReadFile(filepath.Join(data, "kiosk.log"))
	if err != nil || len(kioskLog) == 0 {
		t.Fatalf("no kiosk log in %s (%v)", data, err)
	}
	checkNoPersonalData(t, srv.data, map[string]string{"kiosk log": string(kioskLog), "server log": srv.log.String(),
		"channel simulator log": bank.log.String()})
	if !strings.Contains(srv.log.String(), `"msg":"payment order paid"`) {
		t.Errorf("the server logged no payment through the channel:\n%s", srv.log)
	}
}

// checkPaidReceipt finds the payment's receipt, on the pane and in the kiosk's receipt files:
// it names the decision paid and the channel's transaction id.
func checkPaidReceipt(t *testing.T, tm *tmux, data, decision, transaction string) {
	t.Helper()
	squash := strings.NewReplacer("\n", "", " ", "")
	if pane := squash.Replace(tm.everything()); !strings.Contains(pane, transaction) {
		t.Errorf("the receipt on the pane lacks the channel's transaction id %s:\n%s", transaction, tm.screen())
	}
	files, _ := filepath.Glob(filepath.Join(data, "receipts", "*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), transaction) {
			if !strings.Contains(string(b), decision) {
				t.Errorf("the payment receipt %s lacks the decision %s:\n%s", filepath.Base(f), decision, b)
			}
			return
		}
	}
	t.Errorf("no receipt under %s names the channel's transaction id %s", data, transaction)
}

// checkNoPersonalData greps the logs for every person and vehicle of the imported data: ID
// numbers, licence file numbers, names, phone numbers and plates.
func checkNoPersonalData(t *testing.T, dataFile string, logs map[string]string) {
	t.Helper()
	f, err := os.Open(dataFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := dataset.Decode(f, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var seeded []string
	for _, p := range d.People {
		seeded = append(seeded, string(p.Driver.ID), p.Driver.Name, p.Driver.Phone)
		if p.Licence != nil {
			seeded = append(seeded, string(p.Licence.FileNumber))
		}
	}
	for _, v := range d.Vehicles {
		seeded = append(seeded, string(v.Plate.Number))
	}
	checked := 0
	for name, text := range logs {
		if !strings.Contains(text, "{") {
			t.Errorf("the %s holds no log records: the check would see nothing:\n%s", name, text)
		}
		for _, s := range seeded {
			if len([]rune(s)) < 2 { // a one-character string is not an identity
				continue
			}
			checked++
			if strings.Contains(text, s) {
				t.Errorf("the %s holds personal data %q", name, s)
			}
		}
	}
	t.Logf("%d identities checked against %d logs", checked, len(logs))
}

// hasLine reports whether a line of screen holds every part.
func hasLine(screen string, parts ...string) bool {
	for _, l := range strings.Split(screen, "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(l, p)
		}
		if all {
			return true
		}
	}
	return false
}

// readDecision reads the penalty decision off the result screen: its number at the top, then,
// paging down, the payment deadline (15 days from today, China time) and the rights to apply
// for administrative review within 60 days and to sue within 6 months, each naming its body.
func readDecision(t *testing.T, tm *tmux, zh func(k string, kv ...string) string, decision string) {
	t.Helper()
	// The kiosk under test writes its receipts to files: it says nothing was printed, and shows
	// the decisions first, the receipt after them.
	tm.waitText(5*time.Second, "回执未打印")
	top := tm.waitText(5*time.Second, zh("decision.title"), zh("decision.number", "number", decision))
	if !strings.Contains(top, "处罚决定书 第1份") {
		t.Errorf("no position line over the decision:\n%s", top)
	}
	// Lines wrap anywhere in Chinese: read the pane as one text without line breaks.
	squash := strings.NewReplacer("\n", "", " ", "")
	var seen strings.Builder
	screen := tm.screen()
	seen.WriteString(squash.Replace(screen))
	for i := 0; i < 8 && !strings.Contains(squash.Replace(seen.String()), "提起行政诉讼"); i++ {
		tm.keys("NPage")
		before := screen
		screen = tm.waitFor("the decision paged down", 5*time.Second, func(s string) bool { return s != before })
		seen.WriteString(squash.Replace(screen))
	}
	text := squash.Replace(seen.String())
	now := time.Now()
	var dueOK bool
	for _, at := range []time.Time{now, now.Add(-time.Minute)} { // the decision may straddle midnight
		due := model.DateOf(at).AddDays(15).String()
		dueOK = dueOK || strings.Contains(text, "请于"+due+"前")
	}
	if !dueOK {
		t.Errorf("no payment deadline 15 days from today in the decision:\n%s", text)
	}
	for _, want := range []string{"罚款尚未缴纳", "加处罚款", "60日内向", "申请行政复议", "6个月内依法向", "人民法院提起行政诉讼"} {
		if !strings.Contains(text, want) {
			t.Errorf("the decision on screen lacks %q:\n%s", want, text)
		}
	}
	for i := 0; i < 8; i++ {
		tm.keys("PPage") // back to the top: the number again, for the checks after the payment
	}
	tm.waitText(5*time.Second, zh("decision.number", "number", decision))
}

// decisionNumber finds the penalty decision's number on the result screen: the longest run of
// digits there (decision numbers are 15 or more digits).
func decisionNumber(screen string) string {
	best := ""
	for _, f := range strings.FieldsFunc(screen, func(r rune) bool { return r < '0' || r > '9' }) {
		if len(f) > len(best) {
			best = f
		}
	}
	if len(best) < 10 {
		return ""
	}
	return best
}

// prefix is the first n characters of s: a long text wraps on screen.
func prefix(s string, n int) string {
	r := []rune(s)
	return string(r[:min(n, len(r))])
}
