package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hallkiosk/kiosk/device"
	"github.com/hallkiosk/kiosk/ui"
	"github.com/hallkiosk/kiosk/uplink"
)

// The real demo wiring: an in-process server with demo data on loopback, the kiosk's encrypted
// store and sync engine, the service, and the UI on top, driven key by key to a persona's
// overview. Closing the backend removes the demo's temporary directory.
func TestDemoModeIdentifiesAPersonaEndToEnd(t *testing.T) {
	c, err := parseTerminalFlags(nil)
	if err != nil || !c.demo() {
		t.Fatalf("no flags: %+v %v", c, err)
	}
	b := newBackend()
	status := make(chan uplink.Status, 1)
	opts, err := terminalOptions(c, b, status)
	if err != nil {
		t.Fatal(err)
	}
	if len(opts.DemoIDs) == 0 || !opts.Demo {
		t.Fatal("demo mode without personas")
	}
	m, err := ui.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	wait := func(text string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(out []byte) bool {
			return strings.Contains(ansi.Strip(string(out)), text)
		}, teatest.WithDuration(30*time.Second), teatest.WithCheckInterval(50*time.Millisecond))
	}
	wait("网络：在线") // the server is up and the sync engine reached it
	p := opts.DemoIDs[0]
	tm.Type("1")
	wait("身份识别")
	tm.Type(string(p.ID))
	wait("已确认")
	tm.Type(string(p.File))
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	wait("查看记录")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*ui.Model)
	if final.Err() != nil {
		t.Fatal(final.Err())
	}
	screen := ansi.Strip(final.View().Content)
	name := []rune(p.Name) // shown masked as 邓*航: the first and last characters only
	masked := string(name[0]) + strings.Repeat("*", len(name)-2) + string(name[len(name)-1])
	if !strings.Contains(screen, masked) || strings.Contains(screen, p.Name) ||
		!strings.Contains(screen, p.ID.Masked()) || strings.Contains(screen, string(p.ID)) {
		t.Fatalf("overview of %s:\n%s", p.ID.Masked(), screen)
	}

	b.mu.Lock()
	dir := b.demoDir
	b.mu.Unlock()
	if _, err := os.Stat(filepath.Join(dir, "kiosk", "kiosk.db")); err != nil {
		t.Fatalf("the demo kiosk store is not in %q: %v", dir, err)
	}
	b.close()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("demo directory %s left behind: %v", dir, err)
	}
}

func TestTerminalFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--lang", "fr"}, "use zh or en"},
		{[]string{"--server", "http://127.0.0.1:8470"}, "needs --kiosk-id and --secret"},
		{[]string{"--server", "http://x", "--kiosk-id", "k-1", "--secret", "zz"}, "not hex"},
		{[]string{"--idle", "10s"}, "longer than 40s"},
		{[]string{"extra"}, "usage"},
	}
	for _, tt := range tests {
		if _, err := parseTerminalFlags(tt.args); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: got %v, want %q", tt.args, err, tt.want)
		}
	}
	c, err := parseTerminalFlags([]string{"--server", "http://x", "--kiosk-id", "k-1", "--secret", "00ff", "--lang", "en"})
	if err != nil || c.demo() || c.lang != "en" {
		t.Fatalf("real deployment flags: %+v %v", c, err)
	}
}

// Without a terminal there is nothing to draw on: the command says so instead of hanging.
func TestTerminalNeedsATerminal(t *testing.T) {
	code, _, errOut := runCLI("--lang", "en")
	if code != 1 || !strings.Contains(errOut, "needs a terminal") {
		t.Fatalf("no terminal: %d %q", code, errOut)
	}
	if code, _, errOut := runCLI("--frobnicate"); code != 2 || !strings.Contains(errOut, "Usage:") {
		t.Fatalf("bad flag: %d %q", code, errOut)
	}
}

// The connect step runs with a deadline; a demo start that cannot finish in it fails cleanly.
func TestDemoConnectHonoursItsContext(t *testing.T) {
	b := newBackend()
	defer b.close()
	c, _ := parseTerminalFlags(nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.connectDemo(ctx, c, time.Now(), nil); err == nil {
		t.Fatal("a cancelled demo start succeeded")
	}
}

// The configured devices are the ones the UI gets: an ESC/POS printer on a file: target prints
// receipts there as ESC/POS bytes (GB18030 text), a missing ID-card reader is a start-up error
// that names the setting, and without settings receipts go to text files under the data
// directory.
func TestConfiguredDevices(t *testing.T) {
	dir := t.TempDir()
	c := defaultTerminalConfig()
	c.server, c.data = "https://kiosk.example.gov.cn", dir
	b := newBackend()
	defer b.close()
	set, err := b.devices(c)
	if err != nil {
		t.Fatal(err)
	}
	// The UI's printer is the device monitor's wrapper around the configured one.
	if info := set.Printer.Info(); !info.NoPaper || info.Name != (device.FilePrinter{Dir: filepath.Join(dir, "receipts")}).Info().Name {
		t.Fatalf("default printer: %#v", info)
	}

	c.printer, c.printerColumns = "file:"+filepath.Join(dir, "printer.bin"), "32"
	set, err = b.devices(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := set.Printer.Print(context.Background(), device.Doc{Title: "交通违法处理凭证", Lines: []string{"证件号码：4403**********0718"}}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "printer.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte{0x1b, '@'}) || !bytes.Contains(raw, []byte{0xBD, 0xBB, 0xCD, 0xA8}) { // ESC @, then 交通 in GB18030
		t.Errorf("the printer file does not hold an ESC/POS receipt: % x", raw[:min(len(raw), 32)])
	}

	c.idReader = filepath.Join(dir, "no-such-tty")
	if _, err := b.devices(c); err == nil || !strings.Contains(err.Error(), "id_reader") {
		t.Errorf("a missing reader: %v", err)
	}
}

// Demo mode keeps its files where it is told: under --data when given (else the system's
// temporary directory), in a directory named by its process, removed at the end; the next
// start removes directories left by demo processes that were killed.
func TestDemoDirectoryFollowsData(t *testing.T) {
	data := t.TempDir()
	c, err := parseTerminalConfig([]string{"--data", data}, noEnv)
	if err != nil || !c.dataGiven || c.demoParent() != data {
		t.Fatalf("--data %s: given %v, demo parent %q, %v", data, c.dataGiven, c.demoParent(), err)
	}
	if c, _ := parseTerminalConfig(nil, noEnv); c.dataGiven || c.demoParent() != os.TempDir() {
		t.Fatalf("without --data the demo goes to the system's temporary directory, not %q", c.demoParent())
	}
	// A directory left by a process that no longer exists (pid 2^22 is beyond Linux's pid_max
	// default, so it is free) and one of a live process (this one's parent).
	dead := filepath.Join(data, "kiosk-demo-4194304-123")
	live := filepath.Join(data, fmt.Sprintf("kiosk-demo-%d-456", os.Getppid()))
	for _, d := range []string{dead, live} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	b := newBackend()
	b.demoParent = data
	dir, err := b.demoDirectory()
	if err != nil || filepath.Dir(dir) != data || !strings.HasPrefix(filepath.Base(dir), fmt.Sprintf("kiosk-demo-%d-", os.Getpid())) {
		t.Fatalf("demo directory %q (%v), want one of this process under %s", dir, err, data)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) && runtime.GOOS == "linux" {
		t.Errorf("the killed process's directory is still there: %v", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("a live process's directory was removed: %v", err)
	}
	b.close()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the demo directory outlived its backend: %v", err)
	}
}
