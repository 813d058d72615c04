package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/creack/pty"

	"github.com/hallkiosk/kiosk/model"
)

// ptyKiosk is the kiosk in demo mode in a pseudo-terminal, with everything it wrote so far.
type ptyKiosk struct {
	t    testing.TB
	cmd  *exec.Cmd
	tty  *os.File
	out  chan []byte // what the reader goroutine read
	seen bytes.Buffer
	done chan error // the process's exit
}

// startPtyKiosk starts the kiosk in an 80x24 pseudo-terminal with args (demo mode when they
// name no server).
func startPtyKiosk(t testing.TB, bin string, args ...string) *ptyKiosk {
	t.Helper()
	return startPtyKioskSize(t, bin, 80, 24, args...)
}

// startPtyKioskSize is startPtyKiosk in a terminal of cols x rows.
func startPtyKioskSize(t testing.TB, bin string, cols, rows uint16, args ...string) *ptyKiosk {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), kioskEnv()...)
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: cols, Rows: rows})
	if err != nil {
		t.Fatal(err)
	}
	k := &ptyKiosk{t: t, cmd: cmd, tty: tty, out: make(chan []byte, 64), done: make(chan error, 1)}
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := tty.Read(buf)
			if n > 0 {
				k.out <- append([]byte(nil), buf[:n]...)
			}
			if err != nil {
				close(k.out)
				return
			}
		}
	}()
	go func() { k.done <- cmd.Wait() }()
	t.Cleanup(k.stop)
	return k
}

// stop kills the kiosk and closes its terminal; once is enough, more is harmless.
func (k *ptyKiosk) stop() {
	_ = k.cmd.Process.Kill()
	k.tty.Close()
}

// waitText waits until the terminal has been sent text (styles stripped).
func (k *ptyKiosk) waitText(text string, within time.Duration) {
	k.t.Helper()
	deadline := time.After(within)
	for !strings.Contains(ansi.Strip(k.seen.String()), text) {
		select {
		case b, ok := <-k.out:
			if !ok {
				k.t.Fatalf("the terminal closed before %q appeared", text)
			}
			k.seen.Write(b)
		case err := <-k.done:
			k.t.Fatalf("the kiosk exited (%v) before %q appeared", err, text)
		case <-deadline:
			k.t.Fatalf("no %q within %s", text, within)
		}
	}
}

// TestSignalsAndCoreDumps: SIGINT, SIGQUIT, SIGTSTP, SIGTTIN and SIGTTOU do nothing to the
// kiosk (it still answers keys afterwards); it runs with core dumps off; SIGTERM and SIGHUP
// end it cleanly (exit status 0) within a few seconds.
func TestSignalsAndCoreDumps(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildKiosk(t)
	texts := catalogue(t)
	welcome := texts.Text(model.ZH, "welcome.title")
	english := texts.Text(model.EN, "welcome.title")
	for _, end := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(end.String(), func(t *testing.T) {
			k := startPtyKiosk(t, bin, "--data", t.TempDir())
			k.waitText(welcome, 10*time.Second)

			limits, err := os.ReadFile("/proc/" + strconv.Itoa(k.cmd.Process.Pid) + "/limits")
			if err != nil {
				t.Fatal(err)
			}
			if !coreLimitZero(string(limits)) {
				t.Errorf("core dumps are not off:\n%s", limits)
			}

			for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU} {
				if err := k.cmd.Process.Signal(sig); err != nil {
					t.Fatalf("%s: %v", sig, err)
				}
			}
			time.Sleep(300 * time.Millisecond)
			if _, err := k.tty.Write([]byte("\x1bOQ")); err != nil { // F2: English
				t.Fatal(err)
			}
			k.waitText(english, 5*time.Second) // alive, not stopped, still drawing

			start := time.Now()
			if err := k.cmd.Process.Signal(end); err != nil {
				t.Fatal(err)
			}
			for {
				select {
				case err := <-k.done:
					if err != nil {
						t.Fatalf("%s: the kiosk ended with %v, want exit status 0", end, err)
					}
					t.Logf("%s ended the kiosk in %s", end, time.Since(start).Round(time.Millisecond))
					return
				case _, ok := <-k.out:
					if !ok {
						k.out = nil // the terminal closed; the exit status is still to come
					}
				case <-time.After(5 * time.Second):
					t.Fatalf("%s did not end the kiosk within 5 s", end)
				}
			}
		})
	}
}

// coreLimitZero reads "Max core file size  0  0  bytes" from /proc/PID/limits.
func coreLimitZero(limits string) bool {
	for _, l := range strings.Split(limits, "\n") {
		if rest, ok := strings.CutPrefix(l, "Max core file size"); ok {
			f := strings.Fields(rest)
			return len(f) >= 2 && f[0] == "0" && f[1] == "0"
		}
	}
	return false
}
