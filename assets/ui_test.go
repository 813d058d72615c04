package assets

import (
	"bytes"
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"

	"golang.org/x/text/width"
)

// The UI catalogue on its own, without the ui package's loader: every entry has exactly the two
// languages, neither empty, the same {placeholders} in both, and no East-Asian ambiguous-width
// glyph (those draw one or two cells wide depending on the terminal's locale). The ui package's
// tests prove in addition that every key its code uses is here.
func TestUITextsCompleteInBothLanguages(t *testing.T) {
	var cat map[string]map[string]string
	dec := json.NewDecoder(bytes.NewReader(UITexts()))
	if err := dec.Decode(&cat); err != nil {
		t.Fatal(err)
	}
	if len(cat) == 0 {
		t.Fatal("empty catalogue")
	}
	placeholder := regexp.MustCompile(`\{[a-z_]+\}`)
	for key, e := range cat {
		if len(e) != 2 {
			t.Errorf("%s: has %d fields, want exactly zh and en", key, len(e))
		}
		for _, lang := range []string{"zh", "en"} {
			s, ok := e[lang]
			if !ok || strings.TrimSpace(s) == "" {
				t.Errorf("%s: %s is missing", key, lang)
			}
			for _, r := range s {
				if width.LookupRune(r).Kind() == width.EastAsianAmbiguous {
					t.Errorf("%s.%s: ambiguous-width glyph %q (U+%04X) in %q", key, lang, r, r, s)
				}
			}
		}
		zh, en := placeholder.FindAllString(e["zh"], -1), placeholder.FindAllString(e["en"], -1)
		sort.Strings(zh)
		sort.Strings(en)
		if strings.Join(zh, ",") != strings.Join(en, ",") {
			t.Errorf("%s: placeholders differ: zh %v, en %v", key, zh, en)
		}
	}
}

// Chinese texts end sentences with full-width punctuation; a stray ASCII comma or colon after a
// Chinese character is a typo that reads badly on a kiosk.
func TestUITextsChinesePunctuation(t *testing.T) {
	var cat map[string]map[string]string
	if err := json.Unmarshal(UITexts(), &cat); err != nil {
		t.Fatal(err)
	}
	half := regexp.MustCompile(`\p{Han}[,;:?!]`)
	for key, e := range cat {
		if m := half.FindString(e["zh"]); m != "" {
			t.Errorf("%s.zh: half-width punctuation after Chinese: %q", key, m)
		}
	}
}

func TestUITextsReturnsACopy(t *testing.T) {
	a := UITexts()
	a[0] = 'X'
	if UITexts()[0] == 'X' {
		t.Fatal("UITexts hands out shared bytes")
	}
}

// Every file of the catalogue is valid JSON on its own and no key is in two files; UITexts
// would panic on either, this names the file.
func TestUITextFilesDisjoint(t *testing.T) {
	seen := map[string]string{}
	for _, name := range UITextFiles() {
		b, err := UITextFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var part map[string]json.RawMessage
		if err := json.Unmarshal(b, &part); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for k := range part {
			if other, dup := seen[k]; dup {
				t.Errorf("%q is in %s and %s", k, other, name)
			}
			seen[k] = name
		}
	}
}
