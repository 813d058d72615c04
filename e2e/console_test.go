package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/internal/sshtest"
	"github.com/hallkiosk/kiosk/model"
)

// TestStaffCallInTmux is a call for help from end to end, in two terminals of one tmux server:
// the kiosk in one, a member of staff's `ssh` into the server's console in the other. F3 on the
// kiosk shows the call on the console (its hall, kiosk and screen); `a` there says "coming",
// and the kiosk tells the person that staff are on the way.
func TestStaffCallInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a server, a kiosk and ssh")
	}
	if _, err := exec.LookPath("ssh"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the OpenSSH client is not installed; .ci/run installs it")
		}
		t.Skip("ssh is not installed (apt-get install openssh-client)")
	}
	texts := catalogue(t)
	zh := func(k string, kv ...string) string { return texts.Text(model.ZH, k, kv...) }
	bin := buildKiosk(t)
	demo := filepath.Join(t.TempDir(), "data.json")
	if err := os.WriteFile(demo, []byte(run(t, bin, "demo-data", "--people", "20")), 0o600); err != nil {
		t.Fatal(err)
	}
	keysDir := t.TempDir()
	key := sshtest.NewKey(t)
	privateKey, publicLine := key.WritePrivate(t, keysDir), key.Line
	staffKeys := filepath.Join(keysDir, "staff_keys")
	if err := os.WriteFile(staffKeys, []byte("staff=desk-07,hall=\"端到端测试大厅\" "+publicLine+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	consoleAddr := freeAddr(t)
	srv := startServerArgs(t, bin, demo, freeAddr(t), "--simulate-payments", "--console", consoleAddr,
		"--staff-keys", staffKeys)

	command := append([]string{"env"}, kioskEnv()...)
	command = append(command, bin, "--server", srv.url, "--kiosk-id", srv.kioskID, "--secret-file", srv.secretFile,
		"--data", t.TempDir(), "--hall", "端到端测试大厅")
	tm := startTmux(t, 80, 24, command)
	tm.waitText(10*time.Second, zh("welcome.title"), zh("net.online"))
	tm.keys("1")
	tm.waitText(5*time.Second, zh("identify.id_label"))
	tm.keys("F3")
	tm.waitText(10*time.Second, zh("call.title"), prefix(zh("call.sent"), 8))

	host, port, _ := strings.Cut(consoleAddr, ":")
	ssh := append([]string{"env"}, kioskEnv()...)
	ssh = append(ssh, "ssh", "-p", port, "-i", privateKey, "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-t", "console@"+host)
	desk := tm.open("console", 80, 24, ssh)
	call := desk.waitText(15*time.Second, "desk-07", "端到端测试大厅", "e2e 1号机", "待响应 已等")
	if !strings.Contains(call, "身份识别") {
		t.Errorf("the call does not name the screen the person was on:\n%s", call)
	}
	desk.typeText("a")
	coming := desk.waitText(10*time.Second, "赶来中 desk-07")
	if strings.Contains(coming, "待响应 已等") {
		t.Errorf("the acknowledged call is still shown waiting:\n%s", coming)
	}
	tm.waitText(10*time.Second, prefix(zh("call.coming"), 10))
	if !strings.Contains(srv.log.String(), `"event":"staff_call_acknowledged"`) {
		t.Errorf("the server did not log the acknowledgement:\n%s", srv.log)
	}
}
