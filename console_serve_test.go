package main

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/internal/sshtest"
)

// consoleSession is an SSH session into the staff console with a terminal of 100x30.
type consoleSession struct {
	t      *testing.T
	client *gossh.Client
	stdin  interface{ Write([]byte) (int, error) }
	mu     sync.Mutex
	out    bytes.Buffer
}

func (c *consoleSession) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.Write(p)
}

// text is what the console wrote, without escape sequences.
func (c *consoleSession) text() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return ansi.Strip(c.out.String())
}

func (c *consoleSession) waitFor(what string, ok func(string) bool) string {
	c.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s := c.text()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("the console never showed %s; it showed:\n%s", what, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func dialConsole(t *testing.T, addr string, key sshtest.Key) (*consoleSession, error) {
	t.Helper()
	client, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "console",
		Auth: []gossh.AuthMethod{gossh.PublicKeys(key.Signer)}, HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout: 5 * time.Second})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { client.Close() })
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	c := &consoleSession{t: t, client: client}
	sess.Stdout = c
	if c.stdin, err = sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := sess.Setenv("LANG", "C.UTF-8"); err != nil {
		_ = err // servers may refuse environment variables; the console does not need it
	}
	if err := sess.RequestPty("xterm-256color", 30, 100, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	return c, nil
}

// TestStaffConsoleOverSSH runs `kiosk serve` with a staff keys file and two halls: a kiosk's
// call (F3) reaches its hall's console over SSH, the acknowledgement typed there reaches the
// kiosk's next answer, the other hall's staff see neither the call nor the kiosk, and a key
// not in the file is refused.
func TestStaffConsoleOverSSH(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a server process")
	}
	bin := buildKiosk(t)
	data := t.TempDir()
	storeArgs := []string{"--data", data}
	east, eastSecret := enrollWith(t, bin, append(storeArgs, "--hall", "东区大厅", "--name", "east-gate-1")...)
	enrollWith(t, bin, append(storeArgs, "--hall", "西区大厅", "--name", "west-gate-1")...)
	deskEast, deskWest, stranger := sshtest.NewKey(t), sshtest.NewKey(t), sshtest.NewKey(t)
	keys := "staff=desk-e1,hall=\"东区大厅\" " + deskEast.Line + "\nstaff=desk-w1,hall=\"西区大厅\" " + deskWest.Line + "\n"
	if err := os.WriteFile(filepath.Join(data, "staff_keys"), []byte(keys), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, bin, "--data", data, "--console", "127.0.0.1:0")
	line, err := srv.stdout.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "staff console on ssh://") {
		t.Fatalf("no console line: %q %v\n%s", line, err, srv.logText())
	}
	consoleAddr := strings.TrimSpace(strings.TrimPrefix(line, "staff console on ssh://"))

	kiosk := api.NewClient(srv.base, east, eastSecret, nil)
	call := api.StaffCall{ID: "call-e2e-1", Screen: "identify", MadeAt: time.Now().Add(-5 * time.Second)}
	reply, err := kiosk.Calls(t.Context(), api.CallsRequest{Calls: []api.StaffCall{call}})
	if err != nil || reply.Calls[0].State != api.CallOpen {
		t.Fatalf("the kiosk's call: %+v %v", reply, err)
	}

	if _, err := dialConsole(t, consoleAddr, stranger); err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("a key not in the staff keys file: %v, want refused", err)
	}
	westConsole, err := dialConsole(t, consoleAddr, deskWest)
	if err != nil {
		t.Fatal(err)
	}
	eastConsole, err := dialConsole(t, consoleAddr, deskEast)
	if err != nil {
		t.Fatal(err)
	}
	eastConsole.waitFor("the east kiosk's call", func(s string) bool {
		return strings.Contains(s, "desk-e1") && strings.Contains(s, "east-gate-1") && strings.Contains(s, "待响应 已等")
	})
	// The west desk sees its own kiosk, and nothing of the east's.
	westConsole.waitFor("the west hall's kiosk", func(s string) bool { return strings.Contains(s, "west-gate-1") })
	eastConsole.stdin.Write([]byte("a"))
	deadline := time.Now().Add(15 * time.Second)
	for {
		reply, err = kiosk.Calls(t.Context(), api.CallsRequest{Calls: []api.StaffCall{call}})
		if err == nil && reply.Calls[0].State == api.CallComing {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the acknowledgement never reached the kiosk: %+v %v\nconsole:\n%s", reply, err, eastConsole.text())
		}
		time.Sleep(100 * time.Millisecond)
	}
	eastConsole.waitFor("the call as coming", func(s string) bool { return strings.Contains(s, "赶来中 desk-e1") })
	time.Sleep(1500 * time.Millisecond) // a refresh or two of the west console
	westScreen := westConsole.text()
	for _, other := range []string{"east-gate-1", "东区大厅", "待响应 已等", "赶来中 desk"} {
		if strings.Contains(westScreen, other) {
			t.Errorf("the west hall's console shows %q:\n%s", other, westScreen)
		}
	}
	logs := srv.logText()
	for _, want := range []string{`"event":"staff_call_acknowledged"`, `"staff":"desk-e1"`, `"event":"staff_key_refused"`,
		`"event":"console_session"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the server's log lacks %s", want)
		}
	}
	if strings.Contains(logs, hex.EncodeToString(eastSecret)) {
		t.Error("the log holds a kiosk's secret")
	}
}
