package deploy

import (
	"bufio"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// These tests read the files themselves and need no tools: they hold the locks the deployment
// promises, whatever the tools accept.

// entry is one key=value line of an INI-style file: a systemd unit or snippet, foot.ini, a
// sysctl.d file (whose lines have no section).
type entry struct {
	section, key, value string
}

type iniFile struct {
	name    string
	entries []entry
}

func readINI(t *testing.T, path string) iniFile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ini := iniFile{name: path}
	section := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
		default:
			key, value, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("%s:%d: not key=value: %s", path, n, line)
			}
			ini.entries = append(ini.entries, entry{section, strings.TrimSpace(key), strings.TrimSpace(value)})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return ini
}

// values are the values given to section.key, in order.
func (f iniFile) values(section, key string) []string {
	var vs []string
	for _, e := range f.entries {
		if e.section == section && e.key == key {
			vs = append(vs, e.value)
		}
	}
	return vs
}

// want checks that section.key is given exactly once, as value.
func (f iniFile) want(t *testing.T, section, key, value string) {
	t.Helper()
	vs := f.values(section, key)
	if len(vs) != 1 || vs[0] != value {
		t.Errorf("%s: [%s] %s = %q, want exactly %q", f.name, section, key, vs, value)
	}
}

// words splits a command line or an Environment= value as systemd does for these files: at
// spaces, with double- or single-quoted words kept whole.
func words(s string) []string {
	var out []string
	var word strings.Builder
	quote, inWord := rune(0), false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			word.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				out = append(out, word.String())
				word.Reset()
				inWord = false
			}
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		out = append(out, word.String())
	}
	return out
}

// environment is the unit's Environment= settings.
func (f iniFile) environment() map[string]string {
	env := map[string]string{}
	for _, v := range f.values("Service", "Environment") {
		for _, w := range words(v) {
			if k, val, ok := strings.Cut(w, "="); ok {
				env[k] = val
			}
		}
	}
	return env
}

// envRef is a ${VAR} reference on a command line.
var envRef = regexp.MustCompile(`\$\{(\w+)\}`)

// execStart is the unit's ExecStart, split into words, with ${VAR} replaced from Environment=.
func (f iniFile) execStart(t *testing.T) []string {
	t.Helper()
	vs := f.values("Service", "ExecStart")
	if len(vs) != 1 {
		t.Fatalf("%s: %d ExecStart lines, want 1", f.name, len(vs))
	}
	env := f.environment()
	argv := words(vs[0])
	for i, a := range argv {
		argv[i] = envRef.ReplaceAllStringFunc(a, func(ref string) string {
			v, ok := env[ref[2:len(ref)-1]]
			if !ok {
				t.Errorf("%s: ExecStart uses %s, which no Environment= sets", f.name, ref)
			}
			return v
		})
	}
	return argv
}

// footArgs are the options kiosk.service gives foot: from /usr/bin/foot to the "--" before the
// kiosk.
func footArgs(t *testing.T, unit iniFile) []string {
	t.Helper()
	argv := unit.execStart(t)
	start := slices.Index(argv, "/usr/bin/foot")
	if start < 0 {
		t.Fatalf("%s: ExecStart does not run /usr/bin/foot: %q", unit.name, argv)
	}
	end := slices.Index(argv[start:], "--")
	if end < 0 {
		t.Fatalf("%s: no -- ends foot's options: %q", unit.name, argv)
	}
	return slices.Clone(argv[start+1 : start+end])
}

// TestFootIniLocksDown: no scrollback, and no way from the keyboard or the mouse to start a
// program, open a URL, search, change the font size, select, copy or paste. foot binds several
// of these by default, so each must be set to none explicitly.
func TestFootIniLocksDown(t *testing.T) {
	ini := readINI(t, "foot.ini")
	ini.want(t, "scrollback", "lines", "0")
	ini.want(t, "main", "shell", "/usr/sbin/nologin")
	ini.want(t, "main", "selection-target", "none")
	ini.want(t, "main", "notify", "/bin/false")
	ini.want(t, "url", "launch", "/bin/false")
	if font := ini.values("main", "font"); len(font) != 1 || !strings.HasPrefix(font[0], "Noto Sans Mono CJK SC:") {
		t.Errorf("foot.ini: font %q, want Noto Sans Mono CJK SC (half-width Latin, full-width Han)", font)
	}
	unbound := map[string][]string{
		"key-bindings": {"spawn-terminal", "pipe-visible", "pipe-scrollback", "pipe-selected",
			"clipboard-copy", "clipboard-paste", "primary-paste", "search-start",
			"show-urls-launch", "show-urls-copy", "show-urls-persistent", "unicode-input",
			"prompt-prev", "prompt-next", "font-increase", "font-decrease", "font-reset",
			"scrollback-up-page", "scrollback-down-page"},
		"search-bindings": {"clipboard-paste", "primary-paste"},
		"mouse-bindings": {"primary-paste", "select-begin", "select-begin-block", "select-extend",
			"select-extend-character-wise", "select-word", "select-word-whitespace", "select-row"},
	}
	for section, actions := range unbound {
		for _, action := range actions {
			ini.want(t, section, action, "none")
		}
	}
	for _, e := range ini.entries {
		switch e.section {
		case "key-bindings", "search-bindings", "mouse-bindings", "url-bindings":
			if e.value != "none" {
				t.Errorf("foot.ini: [%s] %s = %s: the kiosk's terminal binds nothing", e.section, e.key, e.value)
			}
		case "text-bindings":
			t.Errorf("foot.ini: [text-bindings] %s: keys must reach the kiosk as they are", e.key)
		case "bell":
			if e.key == "command" {
				t.Errorf("foot.ini: [bell] command runs a program")
			}
		}
	}
}

// TestKioskUnit: the chain on tty1, the user, the restarts, and the sandbox that must not
// break Wayland.
func TestKioskUnit(t *testing.T) {
	unit := readINI(t, "kiosk.service")
	for _, w := range []struct{ key, value string }{
		{"User", "kiosk"}, {"PAMName", "kiosk"}, {"TTYPath", "/dev/tty1"}, {"Restart", "always"},
		{"LimitCORE", "0"}, {"KillSignal", "SIGHUP"}, {"NoNewPrivileges", "yes"},
		{"ProtectSystem", "strict"}, {"StateDirectory", "kiosk"}, {"ReadWritePaths", "/run/user"},
	} {
		unit.want(t, "Service", w.key, w.value)
	}
	unit.want(t, "Unit", "Conflicts", "getty@tty1.service")
	unit.want(t, "Unit", "StartLimitIntervalSec", "0")
	// Each of these hides /run/user/UID (the Wayland socket) or the display and input devices.
	for _, key := range []string{"ProtectHome", "PrivateDevices", "DevicePolicy", "DeviceAllow", "ProtectClock", "PrivateUsers"} {
		if vs := unit.values("Service", key); len(vs) > 0 {
			t.Errorf("kiosk.service: %s=%s would break the display", key, vs[0])
		}
	}
	env := unit.environment()
	if env["LANG"] != "C.UTF-8" || env["RUNEWIDTH_EASTASIAN"] != "0" {
		t.Errorf("kiosk.service: LANG=%q RUNEWIDTH_EASTASIAN=%q, want C.UTF-8 and 0 (Chinese text alignment)",
			env["LANG"], env["RUNEWIDTH_EASTASIAN"])
	}

	argv := unit.execStart(t)
	if argv[0] != "/usr/bin/cage" {
		t.Fatalf("kiosk.service: ExecStart runs %s, want /usr/bin/cage", argv[0])
	}
	cageOpts := argv[1:slices.Index(argv, "--")]
	if slices.Contains(cageOpts, "-s") {
		t.Errorf("kiosk.service: cage %q: -s allows switching to another console", cageOpts)
	}
	if !slices.Contains(footArgs(t, unit), "--config=/etc/kiosk/foot.ini") {
		t.Errorf("kiosk.service: foot does not read /etc/kiosk/foot.ini: %q", argv)
	}
	kiosk := argv[slices.Index(argv, "/usr/local/bin/kiosk"):]
	if want := []string{"/usr/local/bin/kiosk", "--config", "/etc/kiosk/kiosk.json", "--exit-after-session"}; !slices.Equal(kiosk, want) {
		t.Errorf("kiosk.service: the kiosk runs as %q, want %q", kiosk, want)
	}
}

func TestServerUnit(t *testing.T) {
	unit := readINI(t, "kiosk-server.service")
	for _, w := range []struct{ key, value string }{
		{"User", "kiosk-server"}, {"Restart", "on-failure"}, {"StateDirectory", "kiosk-server"},
		{"LimitCORE", "0"}, {"NoNewPrivileges", "yes"}, {"ProtectSystem", "strict"},
		{"ProtectHome", "yes"}, {"PrivateTmp", "yes"}, {"PrivateDevices", "yes"},
		{"CapabilityBoundingSet", ""},
	} {
		unit.want(t, "Service", w.key, w.value)
	}
	argv := unit.execStart(t)
	if want := []string{"/usr/local/bin/kiosk", "serve", "--data", "/var/lib/kiosk-server"}; !slices.Equal(argv[:4], want) {
		t.Errorf("kiosk-server.service: ExecStart %q, want it to start with %q", argv, want)
	}
}

// TestSystemSnippets: no getty on other consoles, no power or reboot keys, no Ctrl+Alt+Del burst
// reboot, no core dumps anywhere, no SysRq.
func TestSystemSnippets(t *testing.T) {
	logind := readINI(t, "logind.conf.d/kiosk.conf")
	for _, key := range []string{"NAutoVTs", "ReserveVT"} {
		logind.want(t, "Login", key, "0")
	}
	for _, key := range []string{"HandlePowerKey", "HandleRebootKey", "HandleSuspendKey", "HandleHibernateKey"} {
		logind.want(t, "Login", key, "ignore")
	}
	readINI(t, "system.conf.d/kiosk.conf").want(t, "Manager", "CtrlAltDelBurstAction", "none")
	readINI(t, "system.conf.d/kiosk.conf").want(t, "Manager", "DefaultLimitCORE", "0")
	readINI(t, "coredump.conf.d/kiosk.conf").want(t, "Coredump", "Storage", "none")

	sysctl := readINI(t, "sysctl.d/kiosk.conf")
	sysctl.want(t, "", "kernel.core_pattern", "|/bin/false")
	sysctl.want(t, "", "fs.suid_dumpable", "0")
	sysctl.want(t, "", "kernel.sysrq", "0")

	pam := readText(t, "pam.d/kiosk")
	if !regexp.MustCompile(`(?m)^session\s+required\s+pam_systemd\.so`).MatchString(pam) {
		t.Errorf("pam.d/kiosk: no pam_systemd session: cage would get no seat")
	}
}

// TestKioskConfigTemplate: the settings file install.sh puts in place matches the unit and the
// log rotation: the data directory is the unit's state directory (where the kiosk writes
// kiosk.log), the secret sits beside the file, and the kiosk exits after each session so that
// systemd starts a fresh process.
func TestKioskConfigTemplate(t *testing.T) {
	var c map[string]any
	if err := json.Unmarshal([]byte(readText(t, "kiosk.json")), &c); err != nil {
		t.Fatalf("kiosk.json: %v", err)
	}
	state := readINI(t, "kiosk.service").values("Service", "StateDirectory")
	if len(state) != 1 || c["data"] != "/var/lib/"+state[0] {
		t.Errorf("kiosk.json: data %v, want the unit's StateDirectory under /var/lib (%q)", c["data"], state)
	}
	if c["secret_file"] != "kiosk.secret" {
		t.Errorf("kiosk.json: secret_file %v, want kiosk.secret (beside the file, where install.sh makes it)", c["secret_file"])
	}
	if c["exit_after_session"] != true {
		t.Errorf("kiosk.json: exit_after_session %v, want true", c["exit_after_session"])
	}
	if data, _ := c["data"].(string); !strings.Contains(readText(t, "logrotate.d/kiosk"), data+"/kiosk.log {") {
		t.Errorf("logrotate.d/kiosk does not rotate %s/kiosk.log, the kiosk's log", data)
	}
}
