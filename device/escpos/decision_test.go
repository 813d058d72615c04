package escpos

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/hallkiosk/kiosk/device"
)

// decisionDoc reads the penalty decision as the UI lays it out for the printer: the UI's
// golden file (ui TestDecisionDocGolden), so that the paper follows the document the kiosk
// really prints.
func decisionDoc(t *testing.T, lang string) device.Doc {
	t.Helper()
	b, err := os.ReadFile("../../ui/testdata/TestDecisionDocGolden/" + lang + "/doc.golden")
	if err != nil {
		t.Fatal(err)
	}
	var d device.Doc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

var qrToken = regexp.MustCompile(`\[QR [LMQH] size \d+ "([^"]*)"\]`)

// TestDecisionTranscriptGolden pins the penalty decision on paper (58 and 80 mm, zh and en)
// and decodes it back: every character of the title and the lines comes out of the printer
// in order (wrapping only adds line breaks, and drops spaces at them), nothing is cut, every
// line fits the paper, and the QR code carries the verification address.
func TestDecisionTranscriptGolden(t *testing.T) {
	// The printer's yuan sign is the full-width one (see encodeRune).
	squeeze := strings.NewReplacer(" ", "", "\n", "", "¥", "￥")
	for _, lang := range []string{"zh", "en"} {
		doc := decisionDoc(t, lang)
		for _, cols := range []int{Columns58mm, Columns80mm} {
			name := lang + "_32"
			if cols == Columns80mm {
				name = lang + "_48"
			}
			t.Run(name, func(t *testing.T) {
				job, err := Layout{Columns: cols}.Receipt(doc)
				if err != nil {
					t.Fatal(err)
				}
				tr := transcript(job)
				golden.RequireEqual(t, tr)

				m := qrToken.FindStringSubmatch(tr)
				if m == nil || m[1] != doc.QR {
					t.Errorf("QR %v, want %q", m, doc.QR)
				}
				var text []string
				limit := cols
				for _, line := range strings.Split(qrToken.ReplaceAllString(tr, ""), "\n") {
					switch {
					case strings.Contains(line, "[SIZE 2x2]"):
						limit = cols / 2
					case strings.Contains(line, "[SIZE 1x2]"), strings.Contains(line, "[SIZE 1x1]"):
						limit = cols
					}
					plain := stripTokens(line)
					if w := columns(plain); w > limit {
						t.Errorf("line %q is %d columns, more than %d", plain, w, limit)
					}
					text = append(text, plain)
				}
				got := squeeze.Replace(strings.Join(text, ""))
				want := squeeze.Replace(doc.Title + strings.Join(doc.Lines, ""))
				if got != want {
					t.Errorf("decoded text differs from the document:\n got %s\nwant %s", got, want)
				}
			})
		}
	}
}
