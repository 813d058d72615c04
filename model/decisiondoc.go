package model

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// The time limits of the remedies against a penalty decision. They are law, not policy, so they
// are constants rather than profile data: 行政复议法 (2023) 第二十条 gives 60 days from knowing of
// the decision to apply for administrative review, 行政诉讼法 第四十六条 six months to sue.
const (
	ReviewDays = 60
	SueMonths  = 6
)

// Words is a text in both languages of the kiosk.
type Words struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// In returns the text in lang (Chinese for anything but English).
func (w Words) In(lang Lang) string {
	if lang == EN {
		return w.EN
	}
	return w.ZH
}

// DecisionRules are what a penalty decision names besides the facts: the bodies and the
// provisions. They differ by place (which government hears a review, which court a lawsuit) and
// the catalogue carries no provision texts, so they are profile data.
type DecisionRules struct {
	// AppliedFine is the provision the fine is imposed under (道路交通安全法 第九十条) and
	// AppliedPoints the one the points are entered under (记分管理办法); the latter is named only
	// when the violation carries points.
	AppliedFine   Words `json:"applied_fine"`
	AppliedPoints Words `json:"applied_points"`
	// Offices name the bodies per deciding office's region code; the entry with the longest
	// region that prefixes the office code applies, and the one with region "" is the default.
	Offices []DecisionOffice `json:"offices"`
	// Provisions name the provision broken per violation code; the entry without codes is the
	// default, and its text may say {code}.
	Provisions []ProvisionRule `json:"provisions"`
}

// DecisionOffice names, for the offices of a region, where to pay and the bodies that hear a
// review or a lawsuit against their decisions.
type DecisionOffice struct {
	Region string `json:"region"` // "", or a 2-, 4- or 6-digit prefix of the office code
	Pay    Words  `json:"pay"`    // where the fine can be paid
	Review Words  `json:"review"` // 行政复议机关
	Court  Words  `json:"court"`  // 人民法院 (the court, or its level)
}

// ProvisionRule is the provision a group of violation codes breaks.
type ProvisionRule struct {
	Codes  []ViolationCode `json:"codes"`
	Broken Words           `json:"broken"`
}

// maxDecisionText bounds every text of the decision rules: each is printed on a receipt line.
const maxDecisionText = 200

func (r DecisionRules) validate() error {
	words := func(field string, w Words) error {
		for _, s := range []struct{ lang, text string }{{"zh", w.ZH}, {"en", w.EN}} {
			n := utf8.RuneCountInString(s.text)
			if _, clean := CheckText(s.text); strings.TrimSpace(s.text) == "" || n > maxDecisionText || !clean || strings.ContainsAny(s.text, "\r\n") {
				return fmt.Errorf("%s.%s: must be a one-line text of 1 to %d characters without control characters", field, s.lang, maxDecisionText)
			}
		}
		return nil
	}
	if err := words("decision.applied_fine", r.AppliedFine); err != nil {
		return err
	}
	if err := words("decision.applied_points", r.AppliedPoints); err != nil {
		return err
	}
	regions := map[string]bool{}
	for i, o := range r.Offices {
		at := fmt.Sprintf("decision.offices[%d]", i)
		if n := len(o.Region); n != 0 && ((n != 2 && n != 4 && n != 6) || !allDigits(o.Region)) {
			return fmt.Errorf("%s.region: must be \"\" (the default) or 2, 4 or 6 digits of a region code, like 4403", at)
		}
		if regions[o.Region] {
			return fmt.Errorf("%s.region: %q is listed twice", at, o.Region)
		}
		regions[o.Region] = true
		for _, w := range []struct {
			name  string
			words Words
		}{{"pay", o.Pay}, {"review", o.Review}, {"court", o.Court}} {
			if err := words(at+"."+w.name, w.words); err != nil {
				return err
			}
		}
	}
	if !regions[""] {
		return fmt.Errorf("decision.offices: must have a default entry with region \"\"")
	}
	codes, hasDefault := map[ViolationCode]bool{}, false
	for i, p := range r.Provisions {
		at := fmt.Sprintf("decision.provisions[%d]", i)
		if len(p.Codes) == 0 {
			if hasDefault {
				return fmt.Errorf("%s.codes: only one entry may have no codes (the default)", at)
			}
			hasDefault = true
		}
		for _, c := range p.Codes {
			if got, err := ParseViolationCode(string(c)); err != nil || got != c {
				return fmt.Errorf("%s.codes: %q is not a violation code (4 digits and an optional fifth character)", at, c)
			}
			if codes[c] {
				return fmt.Errorf("%s.codes: %s is listed in two entries", at, c)
			}
			codes[c] = true
		}
		if err := words(at+".broken", p.Broken); err != nil {
			return err
		}
	}
	if !hasDefault {
		return fmt.Errorf("decision.provisions: must have a default entry with no codes")
	}
	return nil
}

// OfficeFor is the entry for an office code: the longest region that prefixes it, or the
// default.
func (r DecisionRules) OfficeFor(officeCode string) DecisionOffice {
	best, found := DecisionOffice{}, -1
	for _, o := range r.Offices {
		if strings.HasPrefix(officeCode, o.Region) && len(o.Region) > found {
			best, found = o, len(o.Region)
		}
	}
	return best
}

// BrokenFor is the provision a violation code breaks, {code} filled in.
func (r DecisionRules) BrokenFor(code ViolationCode) Words {
	var def Words
	for _, p := range r.Provisions {
		if len(p.Codes) == 0 {
			def = p.Broken
		}
		for _, c := range p.Codes {
			if c == code {
				return p.Broken
			}
		}
	}
	fill := func(s string) string { return strings.ReplaceAll(s, "{code}", string(code)) }
	return Words{ZH: fill(def.ZH), EN: fill(def.EN)}
}

// DecisionFacts are what a penalty decision is about: the decision as issued, the violation,
// its description in the catalogue and the person decided against.
type DecisionFacts struct {
	Number    DecisionNumber
	IssuedAt  time.Time
	Due       Date // the zero Date: computed from IssuedAt and the profile
	Violation Violation
	Facts     Words // the catalogue's description of the code; empty when the code is unknown
	Name      string
	ID        IDNumber
	File      FileNumber // "" when the person was identified by the ID card
}

// DecisionDoc is the content of a simple-procedure penalty decision (简易程序处罚决定书) in one
// language, everything about the person already masked: what the kiosk prints and shows.
type DecisionDoc struct {
	Number   DecisionNumber
	Issuer   string // the deciding office's name
	IssuedAt time.Time
	Due      Date
	// The person and the vehicle, masked as on every receipt. File is "" when not known.
	Name, ID, File, Plate string
	Time                  time.Time
	Place                 string
	Facts                 string // "" when the catalogue does not know the code
	Code                  ViolationCode
	Points                int
	Fine                  Fen
	Broken, Applied       string
	PayAt                 string
	// LateFeePerDay is what each day after Due adds, LateFeeCap the most it can add in all.
	LateFeePerDay, LateFeeCap Fen
	LateFeeBasisPoints        int
	Review, Court             string
	ReviewDays, SueMonths     int
}

// DecisionDocument builds the decision's content in lang from the facts and the profile. A
// decision number that does not check, or a violation without an office, is refused: such a
// document would name no one who could be asked about it.
func (p *Profile) DecisionDocument(f DecisionFacts, lang Lang) (DecisionDoc, error) {
	if _, err := ParseDecisionNumber(string(f.Number)); err != nil {
		return DecisionDoc{}, fmt.Errorf("decision document: the decision number does not check")
	}
	v := f.Violation
	if strings.TrimSpace(v.Office) == "" {
		return DecisionDoc{}, fmt.Errorf("decision document: the violation names no deciding office")
	}
	due := f.Due
	if due == (Date{}) {
		due = DueDate(f.IssuedAt, p.Payment)
	}
	r := p.Decision
	office := r.OfficeFor(v.OfficeCode)
	applied := r.AppliedFine.In(lang)
	if v.Points > 0 {
		sep := "；"
		if lang == EN {
			sep = "; "
		}
		applied += sep + r.AppliedPoints.In(lang)
	}
	d := DecisionDoc{
		Number: f.Number, Issuer: v.Office, IssuedAt: f.IssuedAt, Due: due,
		Name: MaskName(f.Name), ID: f.ID.Masked(), Plate: v.Plate.Masked(),
		Time: v.Time, Place: v.Place, Facts: f.Facts.In(lang), Code: v.Code, Points: v.Points, Fine: v.Fine,
		Broken: r.BrokenFor(v.Code).In(lang), Applied: applied, PayAt: office.Pay.In(lang),
		LateFeePerDay:      LateFee(v.Fine, 1, p.Payment),
		LateFeeCap:         v.Fine * Fen(p.Payment.LateFeeCapPercent) / 100,
		LateFeeBasisPoints: p.Payment.LateFeeBasisPoints,
		Review:             office.Review.In(lang), Court: office.Court.In(lang),
		ReviewDays: ReviewDays, SueMonths: SueMonths,
	}
	if f.File != "" {
		d.File = f.File.Masked()
	}
	return d, nil
}

// MaskName keeps a name's first character and stars the rest (王** / 赵*), as receipts do.
func MaskName(name string) string {
	rs := []rune(strings.TrimSpace(name))
	if len(rs) == 0 {
		return ""
	}
	return string(rs[0]) + strings.Repeat("*", len(rs)-1)
}
