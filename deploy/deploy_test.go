package deploy

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// These tests run the tools that read the deployment files, as Debian 12 ships them. A missing
// tool skips its test on a developer's machine and fails it under CI=true, where .ci/run
// installs the Debian packages named here.

// needTool returns the path of a program, or skips (fails under CI) naming its Debian package.
func needTool(t *testing.T, path, pkg string) string {
	t.Helper()
	found, err := exec.LookPath(path)
	if err == nil {
		return found
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed; CI must install the Debian package %s", path, pkg)
	}
	t.Skipf("%s is not installed (apt-get install %s)", path, pkg)
	return ""
}

// buildKiosk builds the module's binary into a temporary directory, as an installer would.
func buildKiosk(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kiosk")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/hallkiosk/kiosk")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// staging is a tree install.sh installed into with --root, and the ids it gave its users.
type staging struct {
	root, kiosk string
	// uid and gid of root's files, of the user kiosk and of the user kiosk-server there.
	rootUID, kioskUID, serverUID int
}

// stage makes a staging tree with the users kiosk and kiosk-server, and installs the kiosk and
// the server into it with install.sh --root. As root the users get ids of their own; otherwise
// they get the caller's, the only ones a non-root caller may give files to.
func stage(t *testing.T) staging {
	t.Helper()
	needTool(t, "bash", "bash")
	needTool(t, "systemctl", "systemd")
	st := staging{root: t.TempDir(), kiosk: buildKiosk(t)}
	st.rootUID, st.kioskUID, st.serverUID = 0, 64001, 64002
	if uid := os.Getuid(); uid != 0 {
		st.rootUID, st.kioskUID, st.serverUID = uid, uid, uid
	}
	gid := func(uid int) int {
		if os.Getuid() != 0 {
			return os.Getgid()
		}
		return uid
	}
	passwd := fmt.Sprintf("kiosk:x:%d:%d::/nonexistent:/usr/sbin/nologin\n"+
		"kiosk-server:x:%d:%d::/nonexistent:/usr/sbin/nologin\n",
		st.kioskUID, gid(st.kioskUID), st.serverUID, gid(st.serverUID))
	group := fmt.Sprintf("kiosk:x:%d:\nkiosk-server:x:%d:\n", gid(st.kioskUID), gid(st.serverUID))
	writeFile(t, filepath.Join(st.root, "etc/passwd"), passwd, 0o644)
	writeFile(t, filepath.Join(st.root, "etc/group"), group, 0o644)
	st.install(t)
	st.install(t, "--server")
	return st
}

// install runs install.sh into the staging tree.
func (st staging) install(t *testing.T, args ...string) {
	t.Helper()
	args = append([]string{"install.sh", "--root", st.root, "--binary", st.kiosk}, args...)
	if out, err := exec.Command("bash", args...).CombinedOutput(); err != nil {
		t.Fatalf("bash %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

// TestUnitsPassSystemdAnalyzeVerify checks both units as installed: systemd-analyze verify
// reads every directive, warns about unknown or misspelled ones (and still exits 0, so any
// message about the unit fails the test) and checks that the programs they start exist. The
// kiosk binary is the staged one; cage must be the real /usr/bin/cage.
func TestUnitsPassSystemdAnalyzeVerify(t *testing.T) {
	analyze := needTool(t, "systemd-analyze", "systemd")
	needTool(t, "/usr/bin/cage", "cage")
	st := stage(t)
	dir := t.TempDir()
	for _, unit := range []string{"kiosk.service", "kiosk-server.service"} {
		t.Run(unit, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(st.root, "etc/systemd/system", unit))
			if err != nil {
				t.Fatal(err)
			}
			// The units name /usr/local/bin/kiosk, which this machine need not have.
			text := strings.ReplaceAll(string(data), "/usr/local/bin/kiosk",
				filepath.Join(st.root, "usr/local/bin/kiosk"))
			path := filepath.Join(dir, unit)
			writeFile(t, path, text, 0o644)
			out, err := exec.Command(analyze, "verify", "--man=no", path).CombinedOutput()
			if err != nil {
				t.Fatalf("systemd-analyze verify %s: %v\n%s", unit, err, out)
			}
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				switch {
				case line == "":
				case strings.Contains(line, unit) || strings.Contains(line, dir):
					t.Errorf("systemd-analyze verify: %s", line)
				default: // about a unit of this machine's, not ours
					t.Logf("systemd-analyze verify: %s", line)
				}
			}
		})
	}
}

// TestFootAcceptsConfig runs foot's own check on foot.ini, with the --override that
// kiosk.service adds (taken from its ExecStart), and fails on any error or warning.
func TestFootAcceptsConfig(t *testing.T) {
	foot := needTool(t, "foot", "foot")
	args := footArgs(t, readINI(t, "kiosk.service"))
	for i, a := range args {
		if strings.HasPrefix(a, "--config=") {
			args[i] = "--config=foot.ini"
		}
	}
	args = append([]string{"--check-config"}, args...)
	cmd := exec.Command(foot, args...)
	cmd.Env = append(os.Environ(), "LANG=C.UTF-8")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("foot %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "err:") || strings.Contains(line, "warn:") {
			t.Errorf("foot --check-config: %s", line)
		}
	}
}

func TestInstallScriptParses(t *testing.T) {
	needTool(t, "bash", "bash")
	if out, err := exec.Command("bash", "-n", "install.sh").CombinedOutput(); err != nil {
		t.Fatalf("bash -n install.sh: %v\n%s", err, out)
	}
}

// TestInstallScriptInstallsWithModes installs into a staging tree and checks what each file
// became: who owns it, who may read it, that the units are enabled and the dangerous targets
// masked, that a second run keeps the settings and repairs their modes, and that the kiosk
// itself accepts the installed configuration and secret file.
func TestInstallScriptInstallsWithModes(t *testing.T) {
	st := stage(t)
	want := []struct {
		path string
		mode os.FileMode
		uid  int
	}{
		{"usr/local/bin/kiosk", 0o755, st.rootUID},
		{"etc/systemd/system/kiosk.service", 0o644, st.rootUID},
		{"etc/systemd/system/kiosk-server.service", 0o644, st.rootUID},
		{"etc/pam.d/kiosk", 0o644, st.rootUID},
		{"etc/systemd/logind.conf.d/kiosk.conf", 0o644, st.rootUID},
		{"etc/systemd/system.conf.d/kiosk.conf", 0o644, st.rootUID},
		{"etc/systemd/coredump.conf.d/kiosk.conf", 0o644, st.rootUID},
		{"etc/sysctl.d/kiosk.conf", 0o644, st.rootUID},
		{"etc/logrotate.d/kiosk", 0o644, st.rootUID},
		{"etc/kiosk", os.ModeDir | 0o750, st.rootUID},
		{"etc/kiosk/foot.ini", 0o644, st.rootUID},
		{"etc/kiosk/kiosk.json", 0o640, st.rootUID},
		{"etc/kiosk/kiosk.secret", 0o600, st.kioskUID},
		{"etc/kiosk-server", os.ModeDir | 0o750, st.rootUID},
		{"etc/kiosk-server/kiosk-server.env", 0o640, st.rootUID},
	}
	check := func() {
		t.Helper()
		for _, w := range want {
			fi, err := os.Stat(filepath.Join(st.root, w.path))
			if err != nil {
				t.Errorf("%s: %v", w.path, err)
				continue
			}
			if fi.Mode() != w.mode {
				t.Errorf("%s: mode %v, want %v", w.path, fi.Mode(), w.mode)
			}
			if uid := ownerUID(fi); uid != w.uid {
				t.Errorf("%s: owner uid %d, want %d", w.path, uid, w.uid)
			}
		}
	}
	check()
	links := map[string]string{
		"etc/systemd/system/graphical.target.wants/kiosk.service":         "/etc/systemd/system/kiosk.service",
		"etc/systemd/system/multi-user.target.wants/kiosk-server.service": "/etc/systemd/system/kiosk-server.service",
		"etc/systemd/system/ctrl-alt-del.target":                          "/dev/null",
		"etc/systemd/system/getty@tty1.service":                           "/dev/null",
	}
	for link, target := range links {
		if got, err := os.Readlink(filepath.Join(st.root, link)); err != nil || got != target {
			t.Errorf("%s: links to %q (%v), want %q", link, got, err, target)
		}
	}

	// A second run keeps what the staff wrote and puts the modes right again.
	config := filepath.Join(st.root, "etc/kiosk/kiosk.json")
	secret := filepath.Join(st.root, "etc/kiosk/kiosk.secret")
	edited := strings.Replace(readText(t, config), "k-0000000000000000", "k-0a730f08f74232c4", 1)
	writeFile(t, config, edited, 0o644)
	writeFile(t, secret, "00112233445566778899aabbccddeeff\n", 0o644)
	if err := os.Chmod(secret, 0o644); err != nil { // WriteFile keeps an existing file's mode
		t.Fatal(err)
	}
	st.install(t)
	check()
	if got := readText(t, config); got != edited {
		t.Errorf("a second run changed kiosk.json:\n%s", got)
	}
	if got := readText(t, secret); !strings.HasPrefix(got, "00112233") {
		t.Errorf("a second run changed the secret file: %q", got)
	}

	// The kiosk reads the installed files: it gets past the configuration and the secret
	// file's mode check and stops only because its stdout is not a terminal.
	var stderr bytes.Buffer
	cmd := exec.Command(filepath.Join(st.root, "usr/local/bin/kiosk"), "--config", config, "--exit-after-session")
	cmd.Stdout, cmd.Stderr = new(bytes.Buffer), &stderr
	err := cmd.Run()
	if err == nil || !strings.Contains(stderr.String(), "needs a terminal") {
		t.Errorf("kiosk --config %s: %v, want it to stop for want of a terminal; it said:\n%s",
			config, err, stderr.String())
	}
}

func readText(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
