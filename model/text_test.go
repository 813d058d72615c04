package model

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestCheckText(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string // part of the problem, "" when the text is fine
	}{
		{"深南大道与彩田路交叉口", ""},
		{"阿依古丽·买买提", ""}, // U+00B7 in a minority name stays
		{"Lü Zhì", ""},
		{"nü\u0308\u0301", ""}, // two combining marks
		{"\x1b[2J张伟", "U+001B ESCAPE at character 1"},
		{"深南\u202e大道", "U+202E RIGHT-TO-LEFT OVERRIDE at character 3"},
		{"a\u2066b", "U+2066 LEFT-TO-RIGHT ISOLATE at character 2"},
		{"line\nbreak", "U+000A LINE FEED (a line break) at character 5"},
		{"tab\there", "U+0009 CHARACTER TABULATION (a tab)"},
		{"zero\u200bwidth", "U+200B ZERO WIDTH SPACE"},
		{"\ufeffbom", "U+FEFF"},
		{"a\u0301\u0301\u0301", "more than 2 combining marks in a row at character 4 (U+0301 (a combining mark))"},
		{"bad\xffutf8", "not UTF-8 at character 4"},
		{"c1\u009bx", "U+009B CONTROL SEQUENCE INTRODUCER"},
	} {
		p, ok := CheckText(c.in)
		if ok != (c.want == "") || !ok && !strings.Contains(p.String(), c.want) {
			t.Errorf("%q: %v %q, want %q", c.in, ok, p.String(), c.want)
		}
	}
}

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"深南大道":                 "深南大道",
		"\x1b[2J张伟":            "[2J张伟", // the escape goes; what followed it is plain text
		"深南\u202e大道\u202c":     "深南大道",
		"a\nb\tc\r\u2028d":     "a b c  d",
		"a\u0301\u0301\u0301b": "a\u0301\u0301b",
		"x\xffy":               "x\ufffdy",
		"\x00\x07\x7f\u0085ok": " ok",
	} {
		if got := CleanText(in); got != want {
			t.Errorf("CleanText(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzCleanText: cleaned text always passes CheckText, cleaning again changes nothing, and text
// that passes comes back unchanged.
func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"张伟", "\x1b[31mred", "a\u202eb", "a\u0301\u0301\u0301", "\xff\xfe", "x\u200d\u0301y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := CleanText(s)
		if p, ok := CheckText(c); !ok {
			t.Fatalf("CleanText(%q) = %q still holds %s", s, c, p)
		}
		if CleanText(c) != c {
			t.Fatalf("cleaning %q twice changed it", s)
		}
		if _, ok := CheckText(s); ok && c != s {
			t.Fatalf("acceptable text %q was changed to %q", s, c)
		}
		if !utf8.ValidString(c) || strings.IndexFunc(c, unicode.IsControl) >= 0 {
			t.Fatalf("%q: control or invalid UTF-8 left", c)
		}
	})
}
