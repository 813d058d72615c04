package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-runewidth"

	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/model"
)

// TestLargeModeInTmux: the large mode's figures are drawn with half blocks, which are
// East-Asian ambiguous; the kiosk counts each one cell wide (ui/bigtext_test.go), so the
// terminal must draw them so. First tmux itself, in the kiosk's environment: after the three
// half blocks and a bar its cursor stands in column 4 (a half block drawn two cells wide would
// put it further). Then the demo kiosk in an 80x24 pane, in the large mode, with 17 digits of
// an ID number typed: three rows of large digits, none wider than the frame's rules, stand
// right over the field that shows the same digits, starting in the field's column.
func TestLargeModeInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the demo kiosk")
	}
	narrow := runewidth.NewCondition()
	narrow.EastAsianWidth = false

	probe := startTmux(t, 80, 24, append(append([]string{"env"}, kioskEnv()...),
		"sh", "-c", `printf '\342\226\200\342\226\204\342\226\210|'; sleep 60`))
	probe.waitText(5*time.Second, "▀▄█|")
	if x := strings.TrimSpace(probe.run("display-message", "-p", "-t", "kiosk", "#{cursor_x}")); x != "4" {
		t.Fatalf("tmux put the cursor in column %s after ▀▄█|, want 4: it draws half blocks wider than one cell", x)
	}

	texts := catalogue(t)
	zh := func(k string, kv ...string) string { return texts.Text(model.ZH, k, kv...) }
	bin := buildKiosk(t)
	tm := startTmux(t, 80, 24, append(append([]string{"env"}, kioskEnv()...), bin))
	tm.waitText(30*time.Second, zh("welcome.title"))
	tm.keys("F4")
	tm.keys("1")
	tm.waitText(5*time.Second, zh("identify.id_label"))
	id := string(dataset.Personas(time.Now())[0].ID[:17])
	tm.typeText(id)
	grouped := id[:6] + " " + id[6:14] + " " + id[14:]
	screen := tm.waitFor("the large digits over the field", 5*time.Second, func(s string) bool {
		return strings.Contains(s, "["+grouped+"_") && strings.ContainsAny(s, "█▀▄")
	})
	pane := strings.Split(screen, "\n")
	var bigRows []int
	fieldCol := -1
	for i, l := range pane {
		if w := narrow.StringWidth(l); w > 80 {
			t.Errorf("line %d of the pane is %d cells, the frame 80: %q", i+1, w, l)
		}
		if strings.ContainsAny(l, "█▀▄") {
			bigRows = append(bigRows, i)
		}
		if at := strings.Index(l, "["+grouped); at >= 0 {
			fieldCol = narrow.StringWidth(l[:at])
		}
	}
	if len(bigRows) != 3 || bigRows[2]-bigRows[0] != 2 || fieldCol < 0 {
		t.Fatalf("want three consecutive rows of large digits over the field, found rows %v, field at %d:\n%s",
			bigRows, fieldCol, screen)
	}
	if !strings.Contains(pane[bigRows[2]+1], "["+grouped) {
		t.Errorf("the field is not right under the large digits:\n%s", screen)
	}
	// Every glyph of the large font has ink in its first column in some row: the leftmost ink
	// of the three rows is where the figure starts, and it is indented as the field is.
	first := 80
	for _, i := range bigRows {
		l := pane[i]
		first = min(first, narrow.StringWidth(l[:strings.IndexAny(l, "█▀▄")]))
	}
	if first != fieldCol {
		t.Errorf("the large digits start at column %d, the field at %d:\n%s", first, fieldCol, screen)
	}
}
