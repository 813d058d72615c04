package e2e

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/creack/pty"

	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/ui"
)

// startToWelcome starts the kiosk in an 80x24 pseudo-terminal and returns how long it took
// from the start of the process until the welcome screen's title had been written to the
// terminal.
func startToWelcome(tb testing.TB, bin, title string, args ...string) time.Duration {
	tb.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), kioskEnv()...)
	start := time.Now()
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 80, Rows: 24})
	if err != nil {
		tb.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		tty.Close()
	}()
	var out bytes.Buffer
	buf := make([]byte, 64<<10)
	deadline := time.Now().Add(10 * time.Second)
	_ = tty.SetReadDeadline(deadline)
	for {
		n, err := tty.Read(buf)
		out.Write(buf[:n])
		if strings.Contains(ansi.Strip(out.String()), title) {
			return time.Since(start)
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				tb.Fatalf("no welcome screen within 10 s; the terminal got:\n%s", ansi.Strip(out.String()))
			}
			tb.Fatalf("reading the terminal: %v; it got:\n%s", err, ansi.Strip(out.String()))
		}
	}
}

// BenchmarkStartToWelcome measures the time from starting the process to the first rendered
// welcome screen, in a pseudo-terminal, in demo mode (which starts a server of its own after
// the first frame) and configured for a server (here one that does not answer: the welcome
// screen must not wait for the network). The baseline is the same binary printing its usage,
// which costs the process start and nothing of the UI.
//
//	go test ./e2e -run '^$' -bench StartToWelcome -benchtime 20x
func BenchmarkStartToWelcome(b *testing.B) {
	bin := buildKiosk(b)
	texts, err := ui.ParseTexts(assets.UITexts())
	if err != nil {
		b.Fatal(err)
	}
	title := texts.Text(model.ZH, "welcome.title")
	b.Run("baseline-usage", func(b *testing.B) {
		for b.Loop() {
			cmd := exec.Command(bin, "help")
			cmd.Env = append(os.Environ(), kioskEnv()...)
			_ = cmd.Run() // the usage is printed to stderr; the exit code is not the point
		}
	})
	b.Run("demo", func(b *testing.B) {
		var total time.Duration
		for b.Loop() {
			total += startToWelcome(b, bin, title, "--data", b.TempDir())
		}
		b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "ms-to-welcome")
	})
	b.Run("server", func(b *testing.B) {
		dead := "http://" + freeAddr(b)
		var total time.Duration
		for b.Loop() {
			total += startToWelcome(b, bin, title, "--data", b.TempDir(), "--server", dead,
				"--kiosk-id", "k-bench", "--secret", "00112233445566778899aabbccddeeff")
		}
		b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "ms-to-welcome")
	})
}

// TestStartsInAPseudoTerminal checks once, outside the benchmark, that the kiosk draws its
// welcome screen in a pseudo-terminal at all; its time is only logged (the target is met in
// the benchmark, not asserted here).
func TestStartsInAPseudoTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildKiosk(t)
	texts, err := ui.ParseTexts(assets.UITexts())
	if err != nil {
		t.Fatal(err)
	}
	d := startToWelcome(t, bin, texts.Text(model.ZH, "welcome.title"), "--data", t.TempDir())
	t.Logf("welcome screen after %s", d)
}
