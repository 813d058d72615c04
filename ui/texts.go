package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/hallkiosk/kiosk/model"
)

// textKey names one text of the UI catalogue (assets/ui_texts.json). Every key the code uses is a
// constant of this type in textkeys.go, so that a test can prove the catalogue has each of them
// in both languages, and nothing else.
type textKey string

// Texts is the UI's text catalogue: every piece of chrome and every sentence the screens show,
// in Chinese and English. Reason texts (what a rule or an input check says) live in the model's
// catalogue instead, because the server words the same reasons.
type Texts struct {
	entries map[textKey]textEntry
}

type textEntry struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// ParseTexts reads the catalogue and refuses it when any entry lacks a language, when the two
// languages use different {placeholders}, or when a text holds an East-Asian ambiguous-width
// glyph (those draw one or two cells wide depending on the terminal's locale and would break the
// layout). Problems are listed all at once, sorted, so that one run shows every fix needed.
func ParseTexts(data []byte) (*Texts, error) {
	var raw map[textKey]textEntry
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("ui texts: %w", err)
	}
	var problems []string
	for k, e := range raw {
		for _, v := range []struct{ lang, s string }{{"zh", e.ZH}, {"en", e.EN}} {
			if strings.TrimSpace(v.s) == "" {
				problems = append(problems, fmt.Sprintf("%s.%s: missing", k, v.lang))
			}
			if bad := ambiguousRunes(v.s); len(bad) > 0 {
				problems = append(problems, fmt.Sprintf("%s.%s: ambiguous-width glyph %q", k, v.lang, string(bad)))
			}
		}
		if zh, en := placeholders(e.ZH), placeholders(e.EN); zh != en {
			problems = append(problems, fmt.Sprintf("%s: placeholders differ: zh {%s}, en {%s}", k, zh, en))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("ui texts: %s", strings.Join(problems, "; "))
	}
	return &Texts{entries: raw}, nil
}

// placeholders lists the {names} of s, sorted and joined, so two texts can be compared.
func placeholders(s string) string {
	var names []string
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		names = append(names, s[i+1:i+j])
		s = s[i+j+1:]
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

// has reports whether the catalogue holds k.
func (t *Texts) has(k textKey) bool { _, ok := t.entries[k]; return ok }

// keys lists the catalogue's keys, sorted.
func (t *Texts) keys() []textKey {
	out := make([]textKey, 0, len(t.entries))
	for k := range t.entries {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Text is Get by the key's name, for callers outside the package (the end-to-end tests read
// the screens' texts from the catalogue rather than repeating them).
func (t *Texts) Text(lang model.Lang, k string, kv ...string) string {
	return t.Get(lang, textKey(k), kv...)
}

// Get returns the text k in lang with its placeholders filled from kv (name, value pairs). A
// key the catalogue lacks comes back visibly as [key]: an empty string would hide the bug.
func (t *Texts) Get(lang model.Lang, k textKey, kv ...string) string {
	e, ok := t.entries[k]
	if !ok {
		return "[" + string(k) + "]"
	}
	s := e.ZH
	if lang == model.EN {
		s = e.EN
	}
	for i := 0; i+1 < len(kv); i += 2 {
		s = strings.ReplaceAll(s, "{"+kv[i]+"}", kv[i+1])
	}
	return s
}
