package console

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"

	"github.com/hallkiosk/kiosk/internal/sshtest"
)

// whoModel is a program that says whom it serves: the SSH layer's tests need no console.
type whoModel struct{ staff Staff }

func (m whoModel) Init() tea.Cmd { return nil }
func (m whoModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "q" {
		return m, tea.Quit
	}
	return m, nil
}
func (m whoModel) View() tea.View {
	return tea.NewView(fmt.Sprintf("serving %s of [%s] admin=%v", m.staff.ID, m.staff.Hall, m.staff.Admin))
}

// newKey makes an ed25519 key pair: the client's signer and its authorized_keys form.
func newKey(t *testing.T) (gossh.Signer, string) {
	t.Helper()
	k := sshtest.NewKey(t)
	return k.Signer, k.Line
}

// syncBuf collects a session's output.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func startConsole(t *testing.T, keysFile string) *SSHServer {
	t.Helper()
	keys, err := OpenKeys(keysFile)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Listen(ServeConfig{Addr: "127.0.0.1:0", HostKeyPath: filepath.Join(t.TempDir(), "host_ed25519"),
		Keys: keys, NewModel: func(_ context.Context, s Staff) tea.Model { return whoModel{s} }})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	t.Cleanup(func() { srv.Close() })
	return srv
}

// session dials the console with signer and returns what the program wrote once want appears.
func session(t *testing.T, addr string, signer gossh.Signer, want string) (string, error) {
	t.Helper()
	client, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "console",
		Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)}, HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout: 5 * time.Second})
	if err != nil {
		return "", err
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var out syncBuf
	sess.Stdout = &out
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 24, 80, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the console never showed %q; it showed %q", want, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	stdin.Write([]byte("q"))
	return out.String(), nil
}

// A key in the file opens a session as the member of staff it names; a key not in it is
// refused at the handshake; a key added to the file later works without a restart.
func TestSSHKeysDecideWhoIsServed(t *testing.T) {
	desk, deskLine := newKey(t)
	chief, chiefLine := newKey(t)
	stranger, strangerLine := newKey(t)
	file := filepath.Join(t.TempDir(), "staff_keys")
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("# the hall's desks\nstaff=desk-01,hall=\"渝北 大厅\" " + deskLine + " desk one\nstaff=chief,admin " + chiefLine + "\n")
	srv := startConsole(t, file)

	if _, err := session(t, srv.Addr(), desk, "serving desk-01 of [渝北 大厅] admin=false"); err != nil {
		t.Fatalf("a staff key: %v", err)
	}
	if _, err := session(t, srv.Addr(), chief, "serving chief of [] admin=true"); err != nil {
		t.Fatalf("an admin key: %v", err)
	}
	if _, err := session(t, srv.Addr(), stranger, "serving"); err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("an unknown key: %v, want refused at the handshake", err)
	}
	// Added to the file (a new mtime and size): served at once.
	write("staff=desk-01,hall=\"渝北 大厅\" " + deskLine + "\nstaff=desk-02,hall=\"渝北 大厅\" " + strangerLine + "\n")
	if _, err := session(t, srv.Addr(), stranger, "serving desk-02 of [渝北 大厅]"); err != nil {
		t.Fatalf("a key added later: %v", err)
	}
	if _, err := session(t, srv.Addr(), chief, "serving"); err == nil {
		t.Fatal("a key removed from the file still opens the console")
	}
	// A broken file keeps the keys read before.
	write("staff=desk-03 " + deskLine + "\n")
	if _, err := session(t, srv.Addr(), stranger, "serving desk-02"); err != nil {
		t.Fatalf("after a broken edit: %v", err)
	}
}

// The staff keys file's mistakes are named by line, with what to write instead.
func TestParseKeysProblems(t *testing.T) {
	_, line := newKey(t)
	for _, c := range []struct{ body, want string }{
		{"staff=a,hall=\"H\" ssh-ed25519 AAAAnotbase64", "line 1: not a key line"},
		{"hall=\"H\" " + line, "line 1: staff=ID is missing"},
		{"staff=a b,hall=\"H\" " + line, "not a key line"},
		{"staff=a " + line, "hall=\"HALL\" is missing"},
		{"staff=a,admin,hall=\"H\" " + line, "give admin or hall=, not both"},
		{"staff=a,hall=H " + line, "double quotes"},
		{"staff=a,hall=\"H\",command=\"sh\" " + line, `option "command"`},
		{"\n# c\nstaff=a,hall=\"H\" " + line + "\nstaff=b,hall=\"H\" " + line, "line 4: this key is on an earlier line"},
	} {
		_, err := ParseKeys([]byte(c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.body, err, c.want)
		}
	}
	_, other := newKey(t)
	if _, err := ParseKeys([]byte("staff=a,hall=\"H\" " + line + "\nstaff=a,hall=\"J\" " + other)); err == nil ||
		!strings.Contains(err.Error(), "line 2: staff id a is on line 1 with another hall") {
		t.Errorf("one id, two halls: %v", err)
	}
	keys, err := ParseKeys([]byte("staff=a,hall=\"H\" " + line + "\nstaff=a,hall=\"H\" " + other + " laptop"))
	if err != nil || len(keys) != 2 {
		t.Errorf("one person with two keys: %v %v", keys, err)
	}
}

// A staff keys file others may write is refused, as sshd refuses one.
func TestKeysFileOthersMayWrite(t *testing.T) {
	_, line := newKey(t)
	file := filepath.Join(t.TempDir(), "staff_keys")
	if err := os.WriteFile(file, []byte("staff=a,hall=\"H\" "+line+"\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	os.Chmod(file, 0o666)
	if _, err := OpenKeys(file); err == nil || !strings.Contains(err.Error(), "chmod go-w") {
		t.Fatalf("a world-writable file: %v", err)
	}
	if _, err := OpenKeys(filepath.Join(t.TempDir(), "none")); err == nil || !strings.Contains(err.Error(), "staff=ID,hall=") {
		t.Fatalf("a missing file: %v", err)
	}
}
