package model

import (
	"testing"
)

// Decision and violation codes typed at the kiosk: never panic; what parses is canonical.
func FuzzParseCodes(f *testing.F) {
	n, _ := NewDecisionNumber("440304", 2026, 17)
	for _, s := range []string{string(n), "4403042026000000171", "1625", "17121", "1625A", "16x5", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := ParseDecisionNumber(s); err == nil {
			if again, err := ParseDecisionNumber(d.String()); err != nil || again != d {
				t.Fatalf("decision %q reparsed as %q, %v", d, again, err)
			}
		}
		if c, err := ParseViolationCode(s); err == nil && string(c) != s {
			t.Fatalf("violation code %q became %q", s, c)
		}
	})
}

// Profiles, texts and the catalogue come from files staff may edit: a broken file is an error,
// never a panic, and a profile that loads is valid. The seeds are small fragments: the shipped
// files are large enough to slow the mutator to a crawl, and they are tested as they are elsewhere.
func FuzzParseReferenceFiles(f *testing.F) {
	for _, s := range []string{
		`{"name":"x","processing":{"max_fine_fen":20000},"points":{"full_score":12}}`,
		`{"reasons":{"relation.unrelated":{"zh":"{n}","en":"b"}},"terms":{"a":{"zh":"z","en":"e"}}}`,
		`[{"code":"1625","points":6,"fine_fen":20000,"fine_min_fen":2000,"fine_max_fen":20000,"simple_procedure":true,"zh":"a","en":"b"}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if p, err := ParseProfile(data); err == nil {
			if verr := p.Validate(); verr != nil {
				t.Fatalf("loaded profile fails validation: %v", verr)
			}
		}
		_, _ = ParseTexts(data)
		if c, err := ParseCatalogue(data); err == nil {
			for _, e := range c.Entries() {
				if len(e.problems()) > 0 {
					t.Fatalf("loaded catalogue row %s has problems %v", e.Code, e.problems())
				}
			}
		}
	})
}
