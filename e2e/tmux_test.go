package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tmux drives one kiosk in a detached tmux server of its own (its own socket, no user
// configuration), in a window of a fixed size without a status line: the pane is exactly the
// terminal the kiosk draws on.
type tmux struct {
	t      *testing.T
	sock   string
	target string // the session this value drives: "kiosk", or another on the same server
}

// startTmux runs command in an 80x24 tmux window. The pane stays after the process ends, so a
// test can tell that the kiosk exited (and read what it left on screen).
func startTmux(t *testing.T, w, h int, command []string) *tmux {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tmux is not installed; .ci/run installs it")
		}
		t.Skip("tmux is not installed (apt-get install tmux)")
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "tmux.conf")
	settings := "set -g status off\nset -g remain-on-exit on\nset -g history-limit 2000\nset -sg escape-time 0\n"
	if err := os.WriteFile(conf, []byte(settings), 0o600); err != nil {
		t.Fatal(err)
	}
	tm := &tmux{t: t, sock: filepath.Join(dir, "sock"), target: "kiosk"}
	args := append([]string{"-f", conf, "new-session", "-d", "-s", "kiosk",
		"-x", strconv.Itoa(w), "-y", strconv.Itoa(h), "--"}, command...)
	tm.run(args...)
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", tm.sock, "kill-server").Run() })
	return tm
}

// open runs command in a second session of the same tmux server, w x h, for a second terminal
// beside the kiosk's (a member of staff's ssh into the console); the value returned drives it.
func (tm *tmux) open(name string, w, h int, command []string) *tmux {
	tm.t.Helper()
	tm.run(append([]string{"new-session", "-d", "-s", name, "-x", strconv.Itoa(w), "-y", strconv.Itoa(h), "--"},
		command...)...)
	return &tmux{t: tm.t, sock: tm.sock, target: name}
}

func (tm *tmux) run(args ...string) string {
	tm.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", tm.sock}, args...)...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// keys sends tmux key names ("Enter", "Escape", "C-c", "F9").
func (tm *tmux) keys(names ...string) {
	tm.t.Helper()
	tm.run(append([]string{"send-keys", "-t", tm.target}, names...)...)
}

// typeText sends text literally, one key per character, as a keypad would.
func (tm *tmux) typeText(s string) {
	tm.t.Helper()
	tm.run("send-keys", "-t", tm.target, "-l", s)
}

// screen is the pane's visible text.
func (tm *tmux) screen() string {
	tm.t.Helper()
	return strings.TrimRight(tm.run("capture-pane", "-p", "-t", tm.target), "\n")
}

// everything is the pane's text including its scrollback history.
func (tm *tmux) everything() string {
	tm.t.Helper()
	return tm.run("capture-pane", "-p", "-S", "-", "-t", tm.target)
}

// exited reports whether the kiosk's process has ended.
func (tm *tmux) exited() bool {
	tm.t.Helper()
	return strings.TrimSpace(tm.run("display-message", "-p", "-t", tm.target, "#{pane_dead}")) == "1"
}

// waitFor waits until the screen satisfies ok, and returns that screen.
func (tm *tmux) waitFor(what string, within time.Duration, ok func(screen string) bool) string {
	tm.t.Helper()
	deadline := time.Now().Add(within)
	for {
		s := tm.screen()
		if ok(s) {
			return s
		}
		if tm.exited() {
			tm.t.Fatalf("the kiosk exited while waiting for %s; its screen:\n%s", what, s)
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("waited %s for %s; the screen:\n%s", within, what, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitText waits until every part is on screen.
func (tm *tmux) waitText(within time.Duration, parts ...string) string {
	tm.t.Helper()
	return tm.waitFor(fmt.Sprintf("%q", parts), within, func(s string) bool {
		for _, p := range parts {
			if !strings.Contains(s, p) {
				return false
			}
		}
		return true
	})
}
