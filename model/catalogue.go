package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// ViolationCode is a traffic violation code (违法行为代码, wfxw): four digits naming the
// behaviour, sometimes followed by a fifth local character (digit or capital letter) for a
// province's sub-variant. Points and fines are carried on each violation record and never derived
// from the code: codes are re-issued when rules change.
type ViolationCode string

// ParseViolationCode checks the form of a code.
func ParseViolationCode(s string) (ViolationCode, error) {
	bad := func() error { return inputError("violation_code", InputViolationCode, Args{Got: s}) }
	if len(s) != 4 && len(s) != 5 {
		return "", bad()
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		digit := c >= '0' && c <= '9'
		if !digit && !(i == 4 && c >= 'A' && c <= 'Z') {
			return "", bad()
		}
	}
	return ViolationCode(s), nil
}

// PointValues are the point values a single violation can carry under the scoring rules in force
// since 2022-04-01 (公安部令第163号 第七条 levels 12, 9, 6, 3, 1, plus 0 for no points).
func PointValues() []int { return []int{0, 1, 3, 6, 9, 12} }

// ValidPoints reports whether p is one of PointValues.
func ValidPoints(p int) bool {
	for _, v := range PointValues() {
		if p == v {
			return true
		}
	}
	return false
}

// Measure is an administrative measure a violation can bring besides a fine and points. Any
// measure takes a violation out of the simple procedure.
type Measure string

// The measures the catalogue records.
const (
	MeasureSuspend   Measure = "suspend"   // 暂扣驾驶证
	MeasureRevoke    Measure = "revoke"    // 吊销驾驶证
	MeasureDetention Measure = "detention" // 拘留
	MeasureSeize     Measure = "seize"     // 扣留机动车
)

// Measures lists the measures the catalogue knows, for validation and the text catalogue.
func Measures() []Measure {
	return []Measure{MeasureSuspend, MeasureRevoke, MeasureDetention, MeasureSeize}
}

// Term is the key of the measure's localised name in the text catalogue.
func (m Measure) Term() string { return "measure." + string(m) }

// CatalogueEntry describes one violation code as the catalogue ships it.
type CatalogueEntry struct {
	Code   ViolationCode `json:"code"`
	Points int           `json:"points"`
	// Fine is the default fine; FineMin and FineMax bound what a province may set. A warning-only
	// behaviour has all three at 0.
	Fine    Fen `json:"fine_fen"`
	FineMin Fen `json:"fine_min_fen"`
	FineMax Fen `json:"fine_max_fen"`
	// Simple reports whether the behaviour can ever be decided by the simple procedure (a
	// warning or a fine of at most 200 yuan for a person, and no other measure).
	Simple   bool      `json:"simple_procedure"`
	Measures []Measure `json:"measures,omitempty"`
	ZH       string    `json:"zh"`
	EN       string    `json:"en"`
}

// Catalogue is the validated set of violation codes.
type Catalogue struct {
	entries []CatalogueEntry
	byCode  map[ViolationCode]int
}

// SimpleProcedureMaxFine is the largest fine a person can receive by the simple procedure
// (行政处罚法 第五十一条, 道路交通安全法 第一百零七条). It is law, not policy; profiles may only
// lower their self-service limit below it.
const SimpleProcedureMaxFine = Fen(20000)

// ParseCatalogue reads and validates the catalogue. Every problem is reported with the row
// position and the field, so a data error at start names exactly what to fix.
func ParseCatalogue(data []byte) (*Catalogue, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("catalogue: must be a JSON array of codes: %w", err)
	}
	rows := make([]CatalogueEntry, len(raw))
	c := &Catalogue{entries: rows, byCode: make(map[ViolationCode]int, len(rows))}
	var problems []string
	for i := range raw {
		// Each row is decoded on its own so that a misspelt key is reported with its row.
		dec := json.NewDecoder(bytes.NewReader(raw[i]))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rows[i]); err != nil {
			problems = append(problems, fmt.Sprintf("row %d: %v", i+1, err))
			continue
		}
		e := rows[i]
		at := fmt.Sprintf("row %d (code %q)", i+1, e.Code)
		for _, p := range e.problems() {
			problems = append(problems, at+": "+p)
		}
		if j, dup := c.byCode[e.Code]; dup {
			problems = append(problems, fmt.Sprintf("%s: code repeats row %d", at, j+1))
		}
		c.byCode[e.Code] = i
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("catalogue: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

func (e CatalogueEntry) problems() []string {
	var p []string
	if _, err := ParseViolationCode(string(e.Code)); err != nil {
		p = append(p, "code: must be 4 digits, optionally followed by one digit or capital letter")
	}
	if !ValidPoints(e.Points) {
		p = append(p, fmt.Sprintf("points: %d is not a point value of the 2022 rules (0, 1, 3, 6, 9, 12)", e.Points))
	}
	if e.FineMin < 0 || e.FineMin > e.Fine || e.Fine > e.FineMax {
		p = append(p, fmt.Sprintf("fine_fen: need 0 <= fine_min_fen (%d) <= fine_fen (%d) <= fine_max_fen (%d)", e.FineMin, e.Fine, e.FineMax))
	}
	if e.Simple && e.FineMin > SimpleProcedureMaxFine {
		p = append(p, "simple_procedure: the smallest fine is above 200 yuan, so the simple procedure can never apply")
	}
	if e.Simple && len(e.Measures) > 0 {
		p = append(p, "simple_procedure: a behaviour with measures (suspension, revocation, detention, seizure) is never simple procedure")
	}
	for _, m := range e.Measures {
		if !slices.Contains(Measures(), m) {
			p = append(p, fmt.Sprintf("measures: unknown measure %q", m))
		}
	}
	if strings.TrimSpace(e.ZH) == "" || strings.TrimSpace(e.EN) == "" {
		p = append(p, "zh/en: both descriptions are required")
	}
	for field, s := range map[string]string{"zh": e.ZH, "en": e.EN} {
		if bad, ok := CheckText(s); !ok {
			p = append(p, field+": "+bad.String())
		}
	}
	return p
}

// Len is the number of codes.
func (c *Catalogue) Len() int { return len(c.entries) }

// Lookup returns the entry for code.
func (c *Catalogue) Lookup(code ViolationCode) (CatalogueEntry, bool) {
	i, ok := c.byCode[code]
	if !ok {
		return CatalogueEntry{}, false
	}
	return c.entries[i], true
}

// Entries returns the codes in ascending order, as a copy.
func (c *Catalogue) Entries() []CatalogueEntry {
	out := append([]CatalogueEntry(nil), c.entries...)
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// MarshalJSON writes the catalogue in the form ParseCatalogue reads.
func (c *Catalogue) MarshalJSON() ([]byte, error) { return json.Marshal(c.entries) }
