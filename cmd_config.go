package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"

	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/device/escpos"
	"github.com/hallkiosk/kiosk/internal/pin"
)

// The kiosk's configuration file (kiosk --config /etc/kiosk/kiosk.json) holds what a real
// deployment sets once: which server, which kiosk, where the secret and the data are. It is
// strict JSON: an unknown key (a typo such as "idel") is refused rather than silently ignored,
// and every problem is reported at once, named by its key. Flags given on the command line
// override the file.
//
// The kiosk secret is never in this file: secret_file names a file that holds it in hex, which
// must be readable by its owner only. The secret may also come from the environment
// (KIOSK_SECRET) or, for development, from --secret, which shows it to every user of the
// machine in the process list.

// secretEnv is the environment variable that may hold the kiosk secret (hex).
const secretEnv = "KIOSK_SECRET"

// fileConfig is the configuration file as read: nil fields are keys the file leaves out.
type fileConfig struct {
	Server, KioskID, SecretFile, Data, Lang, Profile, Hall, MaintPINHash *string
	Printer, PrinterColumns, IDReader, VerifyURL                         *string
	Idle                                                                 *time.Duration
	HighContrast, ExitAfterSession, SimulatePayments                     *bool
}

// configKey is one key of the file: where its value goes and how it is checked.
type configKey struct {
	str   **string
	boolV **bool
	dur   **time.Duration
	check func(string) error // for strings and durations (as written); nil: any non-empty
}

func (fc *fileConfig) keys() map[string]configKey {
	return map[string]configKey{
		"server":               {str: &fc.Server, check: checkServerURL},
		"kiosk_id":             {str: &fc.KioskID},
		"secret_file":          {str: &fc.SecretFile},
		"data":                 {str: &fc.Data},
		"lang":                 {str: &fc.Lang, check: checkLang},
		"profile":              {str: &fc.Profile, check: checkProfile},
		"hall":                 {str: &fc.Hall},
		"maintenance_pin_hash": {str: &fc.MaintPINHash, check: checkPINHash},
		"idle":                 {dur: &fc.Idle, check: checkIdle},
		"high_contrast":        {boolV: &fc.HighContrast},
		"exit_after_session":   {boolV: &fc.ExitAfterSession},
		"simulate_payments":    {boolV: &fc.SimulatePayments},
		"printer":              {str: &fc.Printer, check: checkPrinter},
		"printer_columns":      {str: &fc.PrinterColumns, check: checkPrinterColumns},
		"id_reader":            {str: &fc.IDReader},
		"verify_url":           {str: &fc.VerifyURL, check: checkServerURL},
	}
}

// readConfigFile reads and checks the file at path. Relative paths in it (data, secret_file)
// are taken from the file's directory, so the file means the same whatever the working
// directory of the service.
func readConfigFile(p string) (fileConfig, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return fileConfig{}, fmt.Errorf("config: %w", err)
	}
	fc, err := parseConfig(data)
	if err != nil {
		return fileConfig{}, fmt.Errorf("config %s: %w", p, err)
	}
	dir := filepath.Dir(p)
	for _, v := range []*string{fc.Data, fc.SecretFile} {
		if v != nil && !filepath.IsAbs(*v) {
			*v = filepath.Join(dir, *v)
		}
	}
	return fc, nil
}

// parseConfig decodes the file's JSON object key by key and lists every problem, sorted.
func parseConfig(data []byte) (fileConfig, error) {
	var fc fileConfig
	keys := fc.keys()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fileConfig{}, errors.New("not a JSON object ({\"server\": ..., ...})")
	}
	var problems []string
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fileConfig{}, fmt.Errorf("not valid JSON: %w", err)
		}
		name, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fileConfig{}, fmt.Errorf("key %q: not valid JSON: %w", name, err)
		}
		k, known := keys[name]
		switch {
		case !known:
			problems = append(problems, fmt.Sprintf("unknown key %q (known keys: %s)", name, knownKeys(keys)))
		case seen[name]:
			problems = append(problems, fmt.Sprintf("key %q: given twice", name))
		default:
			if err := k.set(raw); err != nil {
				problems = append(problems, fmt.Sprintf("key %q: %v", name, err))
			}
		}
		seen[name] = true
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return fileConfig{}, errors.New("not valid JSON: the object is not closed")
	}
	if _, err := dec.Token(); err != io.EOF {
		return fileConfig{}, errors.New("not valid JSON: something follows the object")
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fileConfig{}, errors.New(strings.Join(problems, "; "))
	}
	return fc, nil
}

func knownKeys(keys map[string]configKey) string {
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// set decodes one value into its field.
func (k configKey) set(raw json.RawMessage) error {
	if string(raw) == "null" {
		return errors.New("null is not a value: leave the key out for the default")
	}
	if k.boolV != nil {
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return errors.New("want true or false")
		}
		*k.boolV = &b
		return nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return errors.New("want a string")
	}
	if strings.TrimSpace(s) == "" {
		return errors.New("empty: leave the key out for the default")
	}
	if k.check != nil {
		if err := k.check(s); err != nil {
			return err
		}
	}
	if k.dur != nil {
		d, _ := time.ParseDuration(s) // checked above
		*k.dur = &d
		return nil
	}
	*k.str = &s
	return nil
}

func checkServerURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL such as https://kiosk.example.gov.cn", s)
	}
	return nil
}

// checkPrinter accepts "files" (plain-text receipt files under the data directory, the
// default) or an ESC/POS printer target as the printer package reads it: a device file
// (/dev/usb/lp0), a network printer (tcp://host:9100) or a file of ESC/POS bytes (file:PATH).
func checkPrinter(s string) error {
	if s == "files" {
		return nil
	}
	if _, err := escpos.ParseTarget(s); err != nil {
		return fmt.Errorf("%w; or files for text files under the data directory", err)
	}
	return nil
}

// checkPrinterColumns: 58 mm paper holds 32 columns, 80 mm paper 48.
func checkPrinterColumns(s string) error {
	if s != "32" && s != "48" {
		return fmt.Errorf("%q: 32 (58 mm paper) or 48 (80 mm paper)", s)
	}
	return nil
}

func checkLang(s string) error {
	if s != "zh" && s != "en" {
		return fmt.Errorf("%q: use zh or en", s)
	}
	return nil
}

// minIdle: the idle warning alone takes 30 s.
const minIdle = 40 * time.Second

func checkIdle(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as \"90s\" or \"2m\"", s)
	}
	if d <= minIdle {
		return fmt.Errorf("%s: must be longer than 40s (the warning alone is 30 s)", d)
	}
	return nil
}

func checkProfile(s string) error {
	names, _ := fs.Glob(assets.FS(), "profiles/*.json")
	for i, n := range names {
		names[i] = strings.TrimSuffix(path.Base(n), ".json")
		if names[i] == s {
			return nil
		}
	}
	return fmt.Errorf("%q: no such profile (there are: %s)", s, strings.Join(names, ", "))
}

func checkPINHash(s string) error {
	if _, err := pin.Parse(s); err != nil {
		return fmt.Errorf("%w; make one with: kiosk pin-hash", err)
	}
	return nil
}

// readSecretFile reads a kiosk secret (hex) from a file only its owner may read: the secret
// signs every request of this kiosk, so anyone who can read it can act as the kiosk.
func readSecretFile(p string) (string, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return "", fmt.Errorf("secret_file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("secret_file %s: not a regular file", p)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("secret_file %s: group or others may access it (mode %04o); "+
			"only its owner may: chmod 600 %s", p, perm, p)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return "", fmt.Errorf("secret_file: %w", err)
	}
	secret := strings.TrimSpace(string(data))
	if secret == "" {
		return "", fmt.Errorf("secret_file %s: empty", p)
	}
	if _, err := hex.DecodeString(secret); err != nil {
		return "", fmt.Errorf("secret_file %s: not hex (put the secret kiosk enroll printed, alone)", p)
	}
	return secret, nil
}

// apply puts the file's values into c (flags are applied afterwards and win).
func (fc fileConfig) apply(c *terminalConfig) {
	str := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	str(&c.server, fc.Server)
	str(&c.kioskID, fc.KioskID)
	str(&c.secretFile, fc.SecretFile)
	str(&c.data, fc.Data)
	c.dataGiven = fc.Data != nil
	str(&c.lang, fc.Lang)
	str(&c.profile, fc.Profile)
	str(&c.hall, fc.Hall)
	str(&c.maintPINHash, fc.MaintPINHash)
	str(&c.printer, fc.Printer)
	str(&c.printerColumns, fc.PrinterColumns)
	str(&c.idReader, fc.IDReader)
	str(&c.verifyURL, fc.VerifyURL)
	if fc.Idle != nil {
		c.idle = *fc.Idle
	}
	if fc.HighContrast != nil {
		c.highContrast = *fc.HighContrast
	}
	if fc.ExitAfterSession != nil {
		c.exitAfterSession = *fc.ExitAfterSession
	}
	if fc.SimulatePayments != nil {
		c.simulatePayments = *fc.SimulatePayments
	}
}

// runPinHash reads a maintenance PIN and prints its argon2id hash for maintenance_pin_hash. On
// a terminal it asks twice without echo; otherwise it reads the first line of stdin.
func runPinHash(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return errUsage
	}
	var typed string
	if tty, ok := stdin.(*os.File); ok && term.IsTerminal(tty.Fd()) {
		first, err := askPIN(tty, stderr, "Maintenance PIN (4-12 digits): ")
		if err != nil {
			return err
		}
		again, err := askPIN(tty, stderr, "Again: ")
		if err != nil {
			return err
		}
		if first != again {
			return errors.New("pin-hash: the two PINs differ; nothing printed")
		}
		typed = first
	} else {
		line, err := readPINLine(stdin)
		if err != nil {
			return err
		}
		typed = line
	}
	return printPINHash(typed, stdout)
}

func askPIN(tty *os.File, prompt io.Writer, text string) (string, error) {
	fmt.Fprint(prompt, text)
	b, err := term.ReadPassword(tty.Fd())
	fmt.Fprintln(prompt)
	if err != nil {
		return "", fmt.Errorf("pin-hash: %w", err)
	}
	return string(b), nil
}

// readPINLine reads the first line of r, without its line ending.
func readPINLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 256)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("pin-hash: read stdin: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// printPINHash checks the PIN and prints its hash.
func printPINHash(typed string, stdout io.Writer) error {
	if err := pin.Valid(typed); err != nil {
		return fmt.Errorf("pin-hash: %w", err)
	}
	h, err := pin.Hash(typed)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, h)
	return err
}
