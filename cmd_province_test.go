package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// kiosk province loads a small province into an empty embedded store, says what it wrote, and
// refuses to load into a store that has data.
func TestProvinceCommandLoadsAnEmptyStoreOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	var out, errOut bytes.Buffer
	if code := run([]string{"province", "--scale", "0.0002", "--data", dir}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{"generated 400 people", "drivers                400 rows", "rows/s"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if code := run([]string{"province", "--scale", "0.0002", "--data", dir}, &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "already holds records") {
		t.Errorf("a second load: exit %d, %s; want a refusal", code, errOut.String())
	}
	errOut.Reset()
	if code := run([]string{"province", "--scale", "0", "--data", dir}, &out, &errOut); code != 2 {
		t.Errorf("scale 0: exit %d, want the usage", code)
	}
}
