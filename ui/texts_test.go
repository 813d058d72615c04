package ui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/model"
)

// textKeysInSource reads this package's source and returns every constant of type textKey, with
// where it is declared: the keys the code can ask the catalogue for.
func textKeysInSource(t *testing.T) map[textKey]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	keys := map[textKey]string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			spec, ok := n.(*ast.ValueSpec)
			if !ok || spec.Type == nil {
				return true
			}
			if id, ok := spec.Type.(*ast.Ident); !ok || id.Name != "textKey" {
				return true
			}
			for _, v := range spec.Values {
				lit, ok := v.(*ast.BasicLit)
				if !ok {
					t.Fatalf("%s: a textKey constant must be a string literal", fset.Position(v.Pos()))
				}
				s, _ := strconv.Unquote(lit.Value)
				keys[textKey(s)] = fset.Position(v.Pos()).String()
			}
			return true
		})
	}
	if len(keys) < 20 {
		t.Fatalf("found only %d textKey constants: the source scan is broken", len(keys))
	}
	return keys
}

// The catalogue has every key the code uses, in both languages, and nothing else.
func TestCatalogueCoversEveryKeyInBothLanguages(t *testing.T) {
	texts, err := ParseTexts(assets.UITexts())
	if err != nil {
		t.Fatal(err)
	}
	used := textKeysInSource(t)
	for k, where := range used {
		if !texts.has(k) {
			t.Errorf("%s: key %q is not in assets/ui_texts.json", where, k)
			continue
		}
		for _, lang := range model.Langs() {
			if strings.TrimSpace(texts.Get(lang, k)) == "" {
				t.Errorf("%s: %s is empty", k, lang)
			}
		}
	}
	for _, k := range texts.keys() {
		if _, ok := used[k]; !ok {
			t.Errorf("assets/ui_texts.json: %q is not used by the code (remove it, or add a constant)", k)
		}
	}
}

func TestParseTextsRefusesBrokenCatalogues(t *testing.T) {
	tests := []struct{ name, json, want string }{
		{"missing english", `{"a.b": {"zh": "你好", "en": ""}}`, "a.b.en: missing"},
		{"missing chinese", `{"a.b": {"en": "hello"}}`, "a.b.zh: missing"},
		{"ambiguous glyph", `{"a.b": {"zh": "第一步…", "en": "Step 1"}}`, "ambiguous-width glyph"},
		{"curly quotes", `{"a.b": {"zh": "按“确认”", "en": "Press OK"}}`, "ambiguous-width glyph"},
		{"box drawing", `{"a.b": {"zh": "──", "en": "--"}}`, "ambiguous-width glyph"},
		{"placeholders differ", `{"a.b": {"zh": "{n} 分", "en": "{m} points"}}`, "placeholders differ"},
		{"unknown field", `{"a.b": {"zh": "分", "en": "points", "fr": "points"}}`, "unknown field"},
		{"not json", `{`, "ui texts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTexts([]byte(tt.json))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestGetFillsPlaceholdersAndShowsMissingKeys(t *testing.T) {
	texts, err := ParseTexts([]byte(`{"p": {"zh": "还剩 {n} 秒", "en": "{n} seconds left"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := texts.Get(model.EN, "p", "n", "29"); got != "29 seconds left" {
		t.Errorf("en: %q", got)
	}
	if got := texts.Get(model.ZH, "p", "n", "29"); got != "还剩 29 秒" {
		t.Errorf("zh: %q", got)
	}
	if got := texts.Get(model.ZH, "nope"); got != "[nope]" {
		t.Errorf("a missing key must be visible, got %q", got)
	}
}

// Texts from the model's catalogue use Chinese curly quotes; on screen they become corner
// brackets of a fixed width.
func TestNarrowSafe(t *testing.T) {
	in := "第 5 位“X”不对…"
	out := narrowSafe(in)
	if len(ambiguousRunes(out)) > 0 || out != "第 5 位「X」不对..." {
		t.Fatalf("narrowSafe(%q) = %q", in, out)
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		in   string
		w    int
		want string
	}{
		{"Press F1 or Esc to close this help.", 12, "Press F1 or\nEsc to close\nthis help."},
		{"按 F1 或 Esc 关闭帮助。", 10, "按 F1 或\nEsc 关闭帮\n助。"},
		// Closing punctuation stays with the character before it; Latin words stay whole.
		{"请按确认键，然后等待。", 10, "请按确认\n键，然后等\n待。"},
		{"号码（18 位）", 5, "号码\n（18\n位）"}, // the bracket does not end a line
		{"abcdefghijkl", 5, "abcde\nfghij\nkl"},
		{"", 10, ""},
	}
	for _, tt := range tests {
		if got := wrap(tt.in, tt.w); got != tt.want {
			t.Errorf("wrap(%q, %d) = %q, want %q", tt.in, tt.w, got, tt.want)
		}
	}
}

// Every line fits, and no text is lost (only spaces at breaks).
func FuzzWrap(f *testing.F) {
	for _, s := range []string{"按 F1 或 Esc 关闭帮助。", "Press F1 or Esc.", "号码（18 位）", "a  b", "，，，"} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, w int) {
		if w < 2 || w > 200 || !utf8.ValidString(s) || strings.ContainsAny(s, "\n\r\t\x1b") || !isPrintable(s) {
			return
		}
		out := wrap(s, w)
		for _, l := range strings.Split(out, "\n") {
			if ansi.StringWidth(l) > w && len([]rune(l)) > 1 {
				t.Fatalf("line %q wider than %d", l, w)
			}
		}
		if strip(out) != strip(s) {
			t.Fatalf("text changed: %q -> %q", s, out)
		}
	})
}

func isPrintable(s string) bool {
	for _, r := range s {
		if !strconv.IsPrint(r) || ansi.StringWidth(string(r)) == 0 {
			return false
		}
	}
	return true
}

func strip(s string) string { return strings.NewReplacer(" ", "", "\n", "").Replace(s) }

func FuzzParseTexts(f *testing.F) {
	// Small seeds: the fuzzer minimises every new input, which takes ages on the whole catalogue.
	f.Add([]byte(`{"a.b": {"zh": "还剩 {n} 秒", "en": "{n} seconds left"}, "c": {"zh": "（是）", "en": "yes"}}`))
	f.Add([]byte(`{"a": {"zh": "{n}", "en": "{n"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		texts, err := ParseTexts(data)
		if err != nil {
			return
		}
		for _, k := range texts.keys() {
			for _, lang := range model.Langs() {
				if s := texts.Get(lang, k, "n", "1"); strings.TrimSpace(s) == "" || len(ambiguousRunes(s)) > 0 {
					t.Fatalf("accepted text %q fails the rules", s)
				}
			}
		}
	})
}

// The test must see the same files the build does.
func TestMain(m *testing.M) {
	if _, err := os.Stat("textkeys.go"); err != nil {
		panic("run the ui tests from the package directory: " + err.Error())
	}
	os.Exit(m.Run())
}
