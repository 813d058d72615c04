package model

import (
	"encoding/json"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/assets"
)

func decisionFacts(t *testing.T, officeCode string, code ViolationCode, points int) DecisionFacts {
	t.Helper()
	n, err := NewDecisionNumber(officeCode, 2025, 42)
	if err != nil {
		t.Fatal(err)
	}
	return DecisionFacts{
		Number:   n,
		IssuedAt: time.Date(2025, 3, 10, 1, 30, 0, 0, time.UTC), // 09:30 in China
		Violation: Violation{Plate: plate(t, "02", "粤B12345"), Time: time.Date(2025, 2, 1, 4, 0, 0, 0, time.UTC),
			Place: "深圳市福田区深南大道", Code: code, Points: points, Fine: Yuan(200), Office: "深圳市公安局交通警察支队福田大队",
			OfficeCode: officeCode},
		Facts: Words{ZH: "闯红灯", EN: "Ran a red light"},
		Name:  "王小芳", ID: "110101199003074514", File: "440300123456",
	}
}

// The decision names the deciding office's bodies, the provisions by code, the due date from the
// issue day and the late fee of the profile, with the person masked.
func TestDecisionDocumentContent(t *testing.T) {
	p := profile(t, "national")
	d, err := p.DecisionDocument(decisionFacts(t, "440304", "1625", 6), ZH)
	if err != nil {
		t.Fatal(err)
	}
	if d.Due != (Date{2025, 3, 25}) {
		t.Errorf("due %v, want 2025-03-25 (issued 2025-03-10 + 15 days)", d.Due)
	}
	if d.Name != "王**" || d.ID != "1101**********4514" || d.File != "44******3456" || strings.Contains(d.Plate, "12345") {
		t.Errorf("person not masked: %q %q %q %q", d.Name, d.ID, d.File, d.Plate)
	}
	if !strings.Contains(d.Review, "深圳市人民政府") || !strings.Contains(d.Court, "人民法院") {
		t.Errorf("Shenzhen bodies: review %q, court %q", d.Review, d.Court)
	}
	if d.Broken != "《中华人民共和国道路交通安全法》第三十八条" {
		t.Errorf("broken provision for 1625: %q", d.Broken)
	}
	if !strings.Contains(d.Applied, "第九十条") || !strings.Contains(d.Applied, "记分管理办法") {
		t.Errorf("applied provisions with points: %q", d.Applied)
	}
	if d.LateFeePerDay != Yuan(6) || d.LateFeeCap != Yuan(200) || d.ReviewDays != 60 || d.SueMonths != 6 {
		t.Errorf("late fee %v/day capped at %v, review %d days, suit %d months", d.LateFeePerDay, d.LateFeeCap, d.ReviewDays, d.SueMonths)
	}
	if d.Facts != "闯红灯" || d.Issuer != "深圳市公安局交通警察支队福田大队" {
		t.Errorf("facts %q, issuer %q", d.Facts, d.Issuer)
	}

	// English: the same content in English; an office elsewhere gets the default bodies, a code
	// without a provision of its own the default provision naming the code, no points no
	// points provision, and no file number (identified by card) prints none.
	f := decisionFacts(t, "330106", "4616", 0)
	f.File = ""
	e, err := p.DecisionDocument(f, EN)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.Review, "people's government at the level of the deciding") || !strings.Contains(e.Court, "basic people's court") {
		t.Errorf("default bodies: %q / %q", e.Review, e.Court)
	}
	if !strings.Contains(e.Broken, "violation code 4616") || strings.Contains(e.Applied, "Scoring") || e.Facts != "Ran a red light" || e.File != "" {
		t.Errorf("english: broken %q applied %q facts %q file %q", e.Broken, e.Applied, e.Facts, e.File)
	}

	// A given due date is kept (the platform's), and a broken number or no office is refused.
	f.Due = Date{2025, 4, 1}
	if e, _ := p.DecisionDocument(f, EN); e.Due != f.Due {
		t.Errorf("due %v, want the platform's %v", e.Due, f.Due)
	}
	bad := decisionFacts(t, "440304", "1625", 6)
	bad.Number = bad.Number[:18] + "0"
	if bad.Number == decisionFacts(t, "440304", "1625", 6).Number {
		bad.Number = bad.Number[:18] + "1"
	}
	if _, err := p.DecisionDocument(bad, ZH); err == nil {
		t.Error("a decision number that does not check must be refused")
	}
	bad = decisionFacts(t, "440304", "1625", 6)
	bad.Violation.Office = " "
	if _, err := p.DecisionDocument(bad, ZH); err == nil {
		t.Error("a violation without a deciding office must be refused")
	}
}

// The longest region wins; every profile's provision codes are codes of the catalogue.
func TestDecisionRulesLookup(t *testing.T) {
	r := DecisionRules{Offices: []DecisionOffice{
		{Region: "", Review: Words{ZH: "默认"}}, {Region: "44", Review: Words{ZH: "省"}}, {Region: "4403", Review: Words{ZH: "市"}}}}
	for code, want := range map[string]string{"440304": "市", "440106": "省", "500103": "默认", "": "默认"} {
		if got := r.OfficeFor(code).Review.ZH; got != want {
			t.Errorf("office %q: %q, want %q", code, got, want)
		}
	}
	cat := shippedCatalogue(t)
	for _, name := range []string{"national", "chongqing"} {
		for _, pr := range profile(t, name).Decision.Provisions {
			for _, c := range pr.Codes {
				if _, ok := cat.Lookup(c); !ok {
					t.Errorf("%s: provision for code %s, which the catalogue does not have", name, c)
				}
			}
		}
	}
}

// The decision section is strict data like the rest of the profile.
func TestDecisionRulesAreStrict(t *testing.T) {
	good, err := fs.ReadFile(assets.FS(), "profiles/national.json")
	if err != nil {
		t.Fatal(err)
	}
	edit := func(mod func(d map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		mod(m["decision"].(map[string]any))
		out, _ := json.Marshal(m)
		return out
	}
	list := func(d map[string]any, k string, i int) map[string]any { return d[k].([]any)[i].(map[string]any) }
	for _, r := range []struct {
		name string
		data []byte
		want string
	}{
		{"no decision", edit(func(d map[string]any) { delete(d, "offices"); delete(d, "provisions") }), "decision.offices, decision.provisions: missing"},
		{"office key missing", edit(func(d map[string]any) { delete(list(d, "offices", 1), "court") }), "decision.offices[1].court: missing"},
		{"language missing", edit(func(d map[string]any) { delete(list(d, "offices", 0)["pay"].(map[string]any), "en") }), "decision.offices[0].pay.en: missing"},
		{"unknown key", edit(func(d map[string]any) { list(d, "offices", 0)["phone"] = "12122" }), `unknown field "phone"`},
		{"no default office", edit(func(d map[string]any) { list(d, "offices", 0)["region"] = "11" }), "default entry"},
		{"bad region", edit(func(d map[string]any) { list(d, "offices", 1)["region"] = "44031" }), "decision.offices[1].region"},
		{"region twice", edit(func(d map[string]any) { list(d, "offices", 2)["region"] = "4403" }), "listed twice"},
		{"empty court", edit(func(d map[string]any) { list(d, "offices", 0)["court"] = map[string]any{"zh": " ", "en": "x"} }), "decision.offices[0].court.zh"},
		{"text too long", edit(func(d map[string]any) {
			list(d, "provisions", 0)["broken"] = map[string]any{"zh": strings.Repeat("法", 201), "en": "x"}
		}), "decision.provisions[0].broken.zh"},
		{"line break", edit(func(d map[string]any) { d["applied_fine"] = map[string]any{"zh": "第九十条\n", "en": "x"} }), "decision.applied_fine.zh"},
		{"code twice", edit(func(d map[string]any) { list(d, "provisions", 1)["codes"] = []any{"1625"} }), "1625 is listed in two entries"},
		{"not a code", edit(func(d map[string]any) { list(d, "provisions", 0)["codes"] = []any{"16a5"} }), `"16a5" is not a violation code`},
		{"no default provision", edit(func(d map[string]any) {
			ps := d["provisions"].([]any)
			d["provisions"] = ps[:len(ps)-1]
		}), "default entry with no codes"},
	} {
		t.Run(r.name, func(t *testing.T) {
			_, err := ParseProfile(r.data)
			if err == nil || !strings.Contains(err.Error(), r.want) {
				t.Fatalf("error = %v, want it to mention %q", err, r.want)
			}
		})
	}
}
