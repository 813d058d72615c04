package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Lang is a language of the user interface. Chinese comes first everywhere.
type Lang string

// The languages every text must exist in.
const (
	ZH Lang = "zh"
	EN Lang = "en"
)

// Langs lists the supported languages, Chinese first.
func Langs() []Lang { return []Lang{ZH, EN} }

// Text is the wording of one reason: what is wrong and what to do instead, in both languages.
type Text struct {
	ZH       string `json:"zh"`
	EN       string `json:"en"`
	RemedyZH string `json:"remedy_zh"`
	RemedyEN string `json:"remedy_en"`
}

// Term is a localised name (a plate type, a licence status, a source...).
type Term struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// Texts is the catalogue of reason wordings and terms, loaded from assets and checked complete.
type Texts struct {
	reasons map[ReasonCode]Text
	terms   map[string]Term
}

// Rendered is a reason put into words for one language.
type Rendered struct {
	Message string // what is wrong
	Remedy  string // what to do instead
}

type textsFile struct {
	Reasons map[ReasonCode]Text `json:"reasons"`
	Terms   map[string]Term     `json:"terms"`
}

// placeholderNames are the only {names} a text may use; each maps to a field of Args.

func placeholderNames() []string {
	return []string{"want", "got", "pos", "n", "limit", "fen", "limit_fen", "date", "time", "term"}
}

// ParseTexts reads the text catalogue and checks that every reason code has a message and a
// remedy in both languages, that no unknown code is present (a typo would otherwise hide a
// missing text) and that texts use only known placeholders.
func ParseTexts(data []byte) (*Texts, error) {
	var f textsFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("texts: %w", err)
	}
	known := map[ReasonCode]bool{}
	var problems []string
	for _, c := range AllReasonCodes() {
		known[c] = true
		t, ok := f.Reasons[c]
		if !ok {
			problems = append(problems, fmt.Sprintf("reasons.%s: missing", c))
			continue
		}
		for field, s := range map[string]string{"zh": t.ZH, "en": t.EN, "remedy_zh": t.RemedyZH, "remedy_en": t.RemedyEN} {
			if strings.TrimSpace(s) == "" {
				problems = append(problems, fmt.Sprintf("reasons.%s.%s: empty", c, field))
			}
			if bad := unknownPlaceholder(s); bad != "" {
				problems = append(problems, fmt.Sprintf("reasons.%s.%s: unknown placeholder {%s}", c, field, bad))
			}
			if bad, ok := CheckText(s); !ok {
				problems = append(problems, fmt.Sprintf("reasons.%s.%s: %s", c, field, bad))
			}
		}
	}
	for c := range f.Reasons {
		if !known[c] {
			problems = append(problems, fmt.Sprintf("reasons.%s: not a reason code the system knows", c))
		}
	}
	for k, t := range f.Terms {
		if t.ZH == "" || t.EN == "" {
			problems = append(problems, fmt.Sprintf("terms.%s: needs both zh and en", k))
		}
		for field, s := range map[string]string{"zh": t.ZH, "en": t.EN} {
			if bad, ok := CheckText(s); !ok {
				problems = append(problems, fmt.Sprintf("terms.%s.%s: %s", k, field, bad))
			}
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("texts: %s", strings.Join(problems, "; "))
	}
	return &Texts{reasons: f.Reasons, terms: f.Terms}, nil
}

func unknownPlaceholder(s string) string {
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			return ""
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return s[i+1:]
		}
		name := s[i+1 : i+j]
		ok := false
		for _, p := range placeholderNames() {
			ok = ok || p == name
		}
		if !ok {
			return name
		}
		s = s[i+j+1:]
	}
}

// HasTerm reports whether the catalogue names key.
func (t *Texts) HasTerm(key string) bool { _, ok := t.terms[key]; return ok }

// Term returns the localised name for key, or the key itself when the catalogue lacks it (a
// visible key is a bug report; an empty string would hide the bug).
func (t *Texts) Term(key string, lang Lang) string {
	term, ok := t.terms[key]
	if !ok {
		return key
	}
	if lang == EN {
		return term.EN
	}
	return term.ZH
}

// Reason renders r in lang.
func (t *Texts) Reason(r Reason, lang Lang) Rendered {
	text, ok := t.reasons[r.Code]
	if !ok {
		return Rendered{Message: string(r.Code), Remedy: string(r.Code)}
	}
	msg, remedy := text.ZH, text.RemedyZH
	if lang == EN {
		msg, remedy = text.EN, text.RemedyEN
	}
	return Rendered{Message: t.fill(msg, r.Args, lang), Remedy: t.fill(remedy, r.Args, lang)}
}

func (t *Texts) fill(s string, a Args, lang Lang) string {
	if strings.IndexByte(s, '{') < 0 {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		j := strings.IndexByte(s, '}')
		if i < 0 || j < i {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(t.value(s[i+1:j], a, lang))
		s = s[j+1:]
	}
}

func (t *Texts) value(name string, a Args, lang Lang) string {
	money := func(f Fen) string {
		if lang == EN {
			return f.String()
		}
		return f.YuanText()
	}
	switch name {
	case "want":
		return a.Want
	case "got":
		return a.Got
	case "pos":
		return strconv.Itoa(a.Pos)
	case "n":
		return strconv.Itoa(a.N)
	case "limit":
		return strconv.Itoa(a.Limit)
	case "fen":
		return money(a.Fen)
	case "limit_fen":
		return money(a.LimitFen)
	case "date":
		return a.At.In(ChinaZone()).Format("2006-01-02")
	case "time":
		return a.At.In(ChinaZone()).Format("2006-01-02 15:04")
	case "term":
		return t.Term(a.Term, lang)
	}
	return "{" + name + "}"
}

// argsSummary renders the set fields of a for error strings in tests and on screens without a
// catalogue. It is deliberately terse and unlocalised.
func argsSummary(a Args) string {
	var parts []string
	if a.Want != "" {
		parts = append(parts, "want "+a.Want)
	}
	if a.Got != "" {
		parts = append(parts, "got "+a.Got)
	}
	if a.Pos != 0 {
		parts = append(parts, "position "+strconv.Itoa(a.Pos))
	}
	if a.N != 0 || a.Limit != 0 {
		parts = append(parts, fmt.Sprintf("%d of limit %d", a.N, a.Limit))
	}
	if a.Fen != 0 || a.LimitFen != 0 {
		parts = append(parts, a.Fen.String()+" of limit "+a.LimitFen.String())
	}
	if !a.At.IsZero() {
		parts = append(parts, a.At.In(ChinaZone()).Format("2006-01-02 15:04"))
	}
	if a.Term != "" {
		parts = append(parts, a.Term)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// MarshalJSON writes the catalogue in the form ParseTexts reads, so that the server can send it
// to kiosks.
func (t *Texts) MarshalJSON() ([]byte, error) {
	return json.Marshal(textsFile{Reasons: t.reasons, Terms: t.terms})
}
