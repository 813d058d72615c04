package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI("version")
	if code != 0 || out != "kiosk "+version+"\n" {
		t.Errorf("version: %d %q", code, out)
	}
}

func TestUnknownCommandPrintsUsage(t *testing.T) {
	code, _, errOut := runCLI("frobnicate")
	if code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) || !strings.Contains(errOut, "Usage:") {
		t.Errorf("unknown command: %d %q", code, errOut)
	}
	if code, out, _ := runCLI("help"); code != 0 || !strings.Contains(out, "kiosk check") {
		t.Errorf("help: %d %q", code, out)
	}
	if code, _, errOut := runCLI("check", "--bogus"); code != 2 || !strings.Contains(errOut, "Usage:") {
		t.Errorf("bad flag: %d %q", code, errOut)
	}
}

func TestCheckSummarisesEmbeddedData(t *testing.T) {
	code, out, errOut := runCLI("check")
	if code != 0 || !strings.Contains(out, "profiles:  chongqing, national") || !strings.Contains(out, "violation codes") {
		t.Errorf("check: %d %q %q", code, out, errOut)
	}
}

// A staff member edits a profile and breaks it: the start-up error names the file and the field.
func TestCheckNamesTheBrokenField(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"profiles/national.json", "profiles/chongqing.json", "catalogue.json", "texts.json"} {
		data, err := os.ReadFile(filepath.Join("assets", name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "profiles/national.json" {
			data = bytes.Replace(data, []byte(`"due_days": 15`), []byte(`"due_days": -15`), 1)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, _, errOut := runCLI("check", "--assets", dir)
	if code != 1 || !strings.Contains(errOut, "profiles/national.json") || !strings.Contains(errOut, "payment.due_days") {
		t.Errorf("broken profile: %d %q", code, errOut)
	}
}
