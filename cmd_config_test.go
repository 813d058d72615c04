package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/internal/pin"
	"github.com/hallkiosk/kiosk/uplink"
)

const testSecretHex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

// writeFile writes name in dir with mode (set explicitly: the umask must not decide).
func writeFile(t *testing.T, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func noEnv(string) string { return "" }

// cheapHash is a valid PHC hash that costs nothing to parse.
func cheapHash(t *testing.T) string {
	t.Helper()
	h, err := pin.HashWith("246810", pin.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// A deployment's file with every key: values arrive, relative paths are the file's directory's.
func TestConfigFileGood(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "secret", testSecretHex+"\n", 0o600)
	hash := cheapHash(t)
	cfg := writeFile(t, dir, "kiosk.json", `{
		"server": "https://kiosk.example.gov.cn",
		"kiosk_id": "k-0042",
		"secret_file": "secret",
		"data": "state",
		"lang": "en",
		"profile": "chongqing",
		"hall": "渝北车管所",
		"idle": "2m",
		"high_contrast": true,
		"exit_after_session": true,
		"maintenance_pin_hash": "`+hash+`",
		"printer": "tcp://192.168.1.50:9100",
		"printer_columns": "32",
		"id_reader": "/dev/ttyUSB0",
		"verify_url": "https://kiosk.example.gov.cn/r/",
		"simulate_payments": true
	}`, 0o644)
	c, err := parseTerminalConfig([]string{"--config", cfg}, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	want := terminalConfig{server: "https://kiosk.example.gov.cn", kioskID: "k-0042", secret: testSecretHex,
		secretFile: filepath.Join(dir, "secret"), data: filepath.Join(dir, "state"), lang: "en", profile: "chongqing",
		hall: "渝北车管所", idle: 2 * time.Minute, highContrast: true, exitAfterSession: true, maintPINHash: hash,
		printer: "tcp://192.168.1.50:9100", printerColumns: "32", idReader: "/dev/ttyUSB0",
		verifyURL: "https://kiosk.example.gov.cn/r/", simulatePayments: true, dataGiven: true}
	if c != want {
		t.Fatalf("got  %+v\nwant %+v", c, want)
	}
}

// Unknown keys and bad values are refused, all of them in one message, each named by its key.
func TestConfigFileNamesEveryProblem(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "kiosk.json", `{"idel": "90s", "lang": "fr", "idle": "10s", "high_contrast": "yes",
		"profile": "mars", "server": "kiosk.example", "kiosk_id": null, "hall": "", "lang": "zh",
		"maintenance_pin_hash": "$2a$10$abc", "printer": "lp0", "printer_columns": "40"}`, 0o644)
	_, err := parseTerminalConfig([]string{"--config", cfg}, noEnv)
	if err == nil {
		t.Fatal("a broken file was accepted")
	}
	for _, want := range []string{cfg, `unknown key "idel"`, "known keys: data, exit_after_session", `key "lang": "fr": use zh or en`,
		`key "idle": 10s: must be longer than 40s`, `key "high_contrast": want true or false`,
		`key "profile": "mars": no such profile (there are: chongqing, national)`, `key "server": "kiosk.example" is not an http(s) URL`,
		`key "kiosk_id": null is not a value`, `key "hall": empty`, `key "lang": given twice`,
		`key "maintenance_pin_hash": pin: not an argon2id PHC hash`, "kiosk pin-hash",
		`key "printer": printer target "lp0": want tcp://host:port, a device path such as /dev/usb/lp0, or file:PATH; or files`,
		`key "printer_columns": "40": 32 (58 mm paper) or 48 (80 mm paper)`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	for _, bad := range []string{`[]`, `{"lang": "zh"`, `{"lang": "zh"} {}`, ``} {
		if _, err := parseConfig([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := parseTerminalConfig([]string{"--config", filepath.Join(dir, "missing.json")}, noEnv); err == nil ||
		!strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
}

// A secret file others may read is refused, with the fix; so are empty and non-hex ones.
func TestConfigSecretFilePermissions(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		content string
		mode    os.FileMode
		want    string
	}{
		{testSecretHex, 0o644, "group or others may access it (mode 0644); only its owner may: chmod 600 "},
		{testSecretHex, 0o640, "mode 0640"},
		{testSecretHex, 0o602, "mode 0602"},
		{"", 0o600, "empty"},
		{"not hex at all", 0o400, "not hex"},
	} {
		secret := writeFile(t, dir, "secret", tt.content, tt.mode)
		cfg := writeFile(t, dir, "kiosk.json", `{"server": "http://127.0.0.1:8470", "kiosk_id": "k-1", "secret_file": "secret"}`, 0o644)
		_, err := parseTerminalConfig([]string{"--config", cfg}, noEnv)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "secret_file "+secret) {
			t.Errorf("%04o %q: got %v, want %q", tt.mode, tt.content, err, tt.want)
		}
		if err := os.Remove(secret); err != nil {
			t.Fatal(err)
		}
	}
}

// Flags override the file; what no flag names stays as the file says.
func TestConfigFlagsOverrideTheFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "secret", testSecretHex, 0o600)
	cfg := writeFile(t, dir, "kiosk.json", `{"server": "http://127.0.0.1:8470", "kiosk_id": "k-1", "secret_file": "secret",
		"lang": "zh", "idle": "2m", "high_contrast": true, "hall": "福田"}`, 0o644)
	c, err := parseTerminalConfig([]string{"--lang", "en", "--config", cfg, "--high-contrast=false", "--kiosk-id", "k-2"}, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if c.lang != "en" || c.highContrast || c.kioskID != "k-2" || c.idle != 2*time.Minute || c.hall != "福田" ||
		c.server != "http://127.0.0.1:8470" || c.secret != testSecretHex {
		t.Fatalf("merged config %+v", c)
	}
	// A bad flag value is named as the flag, even when the file's value was good.
	if _, err := parseTerminalConfig([]string{"--config", cfg, "--lang", "fr"}, noEnv); err == nil ||
		!strings.Contains(err.Error(), `--lang "fr": use zh or en`) {
		t.Fatalf("bad flag over a good file: %v", err)
	}
	if _, err := parseTerminalConfig([]string{"--config", cfg, "--secret", "00ff", "--secret-file", "x"}, noEnv); err == nil ||
		!strings.Contains(err.Error(), "not both") {
		t.Fatalf("--secret and --secret-file: %v", err)
	}
}

// The secret may come from the environment: it beats the file's secret_file, and the command
// line beats it.
func TestConfigSecretFromTheEnvironment(t *testing.T) {
	dir := t.TempDir()
	other := strings.Repeat("ab", 32)
	writeFile(t, dir, "secret", other, 0o600)
	env := func(k string) string {
		if k == secretEnv {
			return " " + testSecretHex + "\n"
		}
		return ""
	}
	base := []string{"--server", "http://127.0.0.1:8470", "--kiosk-id", "k-1"}
	c, err := parseTerminalConfig(base, env)
	if err != nil || c.secret != testSecretHex {
		t.Fatalf("env secret: %q %v", c.secret, err)
	}
	cfg := writeFile(t, dir, "kiosk.json", `{"secret_file": "secret"}`, 0o644)
	if c, err := parseTerminalConfig(append(base, "--config", cfg), env); err != nil || c.secret != testSecretHex {
		t.Fatalf("env over the file's secret_file: %q %v", c.secret, err)
	}
	if c, err := parseTerminalConfig(append(base, "--config", cfg), noEnv); err != nil || c.secret != other {
		t.Fatalf("the file's secret_file: %q %v", c.secret, err)
	}
	if c, err := parseTerminalConfig(append(base, "--secret-file", filepath.Join(dir, "secret")), env); err != nil || c.secret != other {
		t.Fatalf("--secret-file over env: %q %v", c.secret, err)
	}
	if c, err := parseTerminalConfig(append(base, "--secret", "00ff"), env); err != nil || c.secret != "00ff" {
		t.Fatalf("--secret over env: %q %v", c.secret, err)
	}
	bad := func(string) string { return "zz" }
	if _, err := parseTerminalConfig(base, bad); err == nil || !strings.Contains(err.Error(), "KIOSK_SECRET: not hex") {
		t.Fatalf("bad env secret: %v", err)
	}
	if _, err := parseTerminalConfig(base, noEnv); err == nil || !strings.Contains(err.Error(), "needs --kiosk-id and --secret") {
		t.Fatalf("no secret anywhere: %v", err)
	}
}

func TestPinHashCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if err := runPinHash(nil, strings.NewReader("135790\r\n"), &out, &errb); err != nil {
		t.Fatal(err)
	}
	h := strings.TrimSpace(out.String())
	if ok, err := pin.Check(h, "135790"); err != nil || !ok || !strings.HasPrefix(h, "$argon2id$v=19$") {
		t.Fatalf("printed %q: %v %v", h, ok, err)
	}
	for in, want := range map[string]string{"123\n": "4 to 12 digits", "12ab56\n": "digits only", "": "4 to 12 digits",
		"1234567890123\n": "this one has 13"} {
		out.Reset()
		err := runPinHash(nil, strings.NewReader(in), &out, &errb)
		if err == nil || !strings.Contains(err.Error(), want) || out.Len() != 0 {
			t.Errorf("%q: %v (printed %q), want %q", in, err, out.String(), want)
		}
	}
	if code, _, errOut := runCLI("pin-hash", "extra"); code != 2 || !strings.Contains(errOut, "pin-hash") {
		t.Errorf("pin-hash with an argument: %d %q", code, errOut)
	}
}

// Demo mode has a maintenance PIN the help tells (000000), and devices to test; a real kiosk
// takes the configured hash and prints to files under its data directory.
func TestTerminalOptionsMaintenance(t *testing.T) {
	c, _ := parseTerminalConfig(nil, noEnv)
	b := newBackend()
	defer b.close()
	opts, err := terminalOptions(c, b, make(chan uplink.Status, 1))
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := pin.Check(opts.MaintPINHash, "000000"); !ok || err != nil || opts.MaintDemoPIN != "000000" {
		t.Fatalf("demo maintenance PIN: %v %v %q", ok, err, opts.MaintDemoPIN)
	}
	if opts.Devices.Printer == nil || opts.Devices.Face == nil || opts.Devices.Card == nil {
		t.Fatalf("demo devices %+v", opts.Devices)
	}

	hash := cheapHash(t)
	deployed := c
	deployed.server, deployed.kioskID, deployed.secret, deployed.maintPINHash, deployed.data = "http://127.0.0.1:1", "k-1", testSecretHex, hash, t.TempDir()
	opts, err = terminalOptions(deployed, newBackend(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if opts.MaintPINHash != hash || opts.MaintDemoPIN != "" || opts.Devices.Printer == nil || opts.Devices.Face != nil {
		t.Fatalf("real kiosk: %q %q %+v", opts.MaintPINHash, opts.MaintDemoPIN, opts.Devices)
	}
	if !strings.HasPrefix(opts.Devices.Printer.Info().Name, "receipt file "+deployed.data) {
		t.Fatalf("printer %q", opts.Devices.Printer.Info().Name)
	}
}
