package escpos

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/hallkiosk/kiosk/device"
)

// TestReceiptGolden pins the printed receipts: update with go test -run TestReceiptGolden -update.
func TestReceiptGolden(t *testing.T) {
	tests := []struct {
		name    string
		doc     device.Doc
		columns int
	}{
		{"zh_32", zhDoc(), Columns58mm},
		{"zh_48", zhDoc(), Columns80mm},
		{"en_32", enDoc(), Columns58mm},
		{"en_48", enDoc(), Columns80mm},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job, err := Layout{Columns: tt.columns}.Receipt(tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			golden.RequireEqual(t, transcript(job))
		})
	}
}

// TestReceiptLinesFitThePaper checks every printed line against the paper width: a title at
// double width gets half the columns, one at double height only (too long for double width)
// all of them. The English title takes double height only and at most two lines.
func TestReceiptLinesFitThePaper(t *testing.T) {
	for _, cols := range []int{Columns58mm, Columns80mm} {
		for _, doc := range []device.Doc{zhDoc(), enDoc()} {
			job, err := Layout{Columns: cols}.Receipt(doc)
			if err != nil {
				t.Fatal(err)
			}
			limit, titleLines, inTitle := cols, 0, false
			for _, line := range strings.Split(transcript(job), "\n") {
				switch {
				case strings.Contains(line, "[SIZE 2x2]"):
					limit, inTitle = cols/2, true
				case strings.Contains(line, "[SIZE 1x2]"):
					limit, inTitle = cols, true
				case strings.Contains(line, "[SIZE 1x1]"):
					limit, inTitle = cols, false
				}
				if inTitle {
					titleLines++
				}
				text := stripTokens(line)
				if w := columns(text); w > limit {
					t.Errorf("%d columns: line %q is %d columns wide, more than %d", cols, text, w, limit)
				}
			}
			if titleLines > 2 {
				t.Errorf("%d columns: the title %q takes %d lines", cols, doc.Title, titleLines)
			}
		}
	}
}

// stripTokens removes the [COMMAND] tokens from a transcript line.
func stripTokens(line string) string {
	var b strings.Builder
	for {
		start := strings.Index(line, "[")
		end := strings.Index(line, "]")
		if start < 0 || end < start {
			b.WriteString(line)
			return b.String()
		}
		b.WriteString(line[:start])
		line = line[end+1:]
	}
}

// columns is the printed width of s: GB characters take two columns.
func columns(s string) int {
	return len(EncodeText(s))
}

func TestReceiptWithoutTitleOrQR(t *testing.T) {
	job, err := Layout{}.Receipt(device.Doc{Lines: []string{"a\r\nb"}})
	if err != nil {
		t.Fatal(err)
	}
	want := "[INIT][CN ON]a\nb\n[FEED 3][CUT]"
	if got := transcript(job); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestLayoutRejectsBadSettings(t *testing.T) {
	for _, l := range []Layout{{Columns: 8}, {Columns: 300}, {QRModule: 17}, {QRLevel: 3}} {
		if _, err := l.Receipt(zhDoc()); err == nil {
			t.Errorf("Layout%+v: no error", l)
		}
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		name string
		in   string
		cols int
		want []string
	}{
		{"fits", "姓名：张*", 32, []string{"姓名：张*"}},
		{"Chinese breaks between characters", "违法地点：深圳市福田区深南大道", 16, []string{"违法地点：深圳市", "福田区深南大道"}},
		{"never inside a character", "a违法", 4, []string{"a违", "法"}},
		{"English breaks at spaces", "Traffic violation processing receipt", 16, []string{"Traffic", "violation", "processing", "receipt"}},
		{"a word longer than the line is cut", "4403**********0718", 8, []string{"4403****", "******07", "18"}},
		{"spaces at the break are dropped", "ab   cd", 3, []string{"ab", "cd"}},
		{"empty line stays", "", 32, []string{""}},
		{"replacement keeps two columns", "张𠮷𠮷", 4, []string{"张□", "□"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, line := range wrap(encodeGlyphs(tt.in), tt.cols) {
				var e Encoder
				e.ChineseMode(true)
				e.lineGlyphs(line)
				got = append(got, strings.TrimSuffix(strings.TrimPrefix(transcript(e.Bytes()), "[CN ON]"), "\n"))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("wrap(%q, %d) = %q, want %q", tt.in, tt.cols, got, tt.want)
			}
		})
	}
}
