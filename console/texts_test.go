package console

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// textKeyConsts reads the textKey constants declared in texts.go.
func textKeyConsts(t *testing.T) []textKey {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "texts.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var keys []textKey
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			v := s.(*ast.ValueSpec)
			if id, ok := v.Type.(*ast.Ident); !ok || id.Name != "textKey" {
				continue
			}
			lit := v.Values[0].(*ast.BasicLit)
			k, _ := strconv.Unquote(lit.Value)
			keys = append(keys, textKey(k))
		}
	}
	if len(keys) < 50 {
		t.Fatalf("found only %d text keys in texts.go", len(keys))
	}
	return keys
}

var placeholder = regexp.MustCompile(`\{[a-z]+\}`)

func placeholders(s string) string {
	p := placeholder.FindAllString(s, -1)
	sort.Strings(p)
	return strings.Join(p, " ")
}

// Every text key has both languages with the same placeholders, and no text of the console
// holds an East-Asian ambiguous glyph.
func TestTextsCompleteAndNarrowSafe(t *testing.T) {
	texts := consoleTexts()
	keys := textKeyConsts(t)
	declared := map[textKey]bool{}
	for _, k := range keys {
		declared[k] = true
		w, ok := texts[k]
		switch {
		case !ok:
			t.Errorf("text %s has no wording", k)
		case w.zh == "" || w.en == "":
			t.Errorf("text %s lacks a language: %+v", k, w)
		case placeholders(w.zh) != placeholders(w.en):
			t.Errorf("text %s: placeholders %q in zh, %q in en", k, placeholders(w.zh), placeholders(w.en))
		}
	}
	for k := range texts {
		if !declared[k] {
			t.Errorf("wording of undeclared key %s", k)
		}
	}
	var all []wording
	for _, w := range texts {
		all = append(all, w)
	}
	for _, m := range []map[string]wording{deviceStateWords(), deviceKindWords(), screenWords()} {
		for _, w := range m {
			all = append(all, w)
		}
	}
	for _, p := range problemWords() {
		all = append(all, p.short, p.long)
	}
	for _, w := range all {
		if bad := ambiguous(w.zh + w.en); bad != "" {
			t.Errorf("ambiguous glyphs %q in %+v", bad, w)
		}
		if w.zh == "" || w.en == "" {
			t.Errorf("a wording lacks a language: %+v", w)
		}
	}
}

func TestProblemText(t *testing.T) {
	cases := []struct {
		code string
		lang model.Lang
		want string
	}{
		{DeviceProblem("printer", "paper_out"), model.ZH, "打印机缺纸"},
		{DeviceProblem("id_reader", "offline"), model.EN, "ID reader offline"},
		{ProblemStoreStop, model.ZH, "存储已满，本机不再收单，立即联系运维"},
		{ProblemOutboxOld, model.EN, "an operation waits over an hour: check the network"},
		{"printer.melted", model.ZH, "printer.melted"}, // unknown state: the code itself
		{"something_new", model.EN, "something_new"},
	}
	for _, c := range cases {
		if got := ProblemText(c.code, c.lang); got != c.want {
			t.Errorf("ProblemText(%q, %s) = %q, want %q", c.code, c.lang, got, c.want)
		}
	}
}

// Names from the Source cannot bring control characters or ambiguous glyphs to the screen.
func TestNarrowSafe(t *testing.T) {
	if got := narrowSafe("K\x1b[2J-1·“x”"); got != "K [2J-1??x?" {
		t.Errorf("narrowSafe = %q", got)
	}
	if got := narrowSafe("东门1号机 (ESC/POS)"); got != "东门1号机 (ESC/POS)" {
		t.Errorf("narrowSafe changed a safe name: %q", got)
	}
}

func TestDurations(t *testing.T) {
	for _, c := range [][2]string{
		{clock(3*time.Minute + 12*time.Second), "03:12"},
		{clock(125 * time.Minute), "125:00"},
		{clock(-5 * time.Second), "00:00"},
		{short(45 * time.Second), "45s"},
		{short(12 * time.Minute), "12m"},
		{short(5 * time.Hour), "5h"},
		{short(72 * time.Hour), "3d"},
		{skew(3 * time.Second), "+3s"},
		{skew(-12 * time.Minute), "-12m"},
		{skew(400 * time.Millisecond), "0s"},
		{bytesText(415 << 20), "415M"},
		{bytesText(3 << 29), "1.5G"},
	} {
		if c[0] != c[1] {
			t.Errorf("got %q, want %q", c[0], c[1])
		}
	}
}
