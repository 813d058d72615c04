package model

import (
	"slices"
	"testing"
	"time"
)

// Rule 3 by the catalogue: a fine of at most 200 yuan does not make a case simple. Every shipped
// code is judged on a record that passes every other rule (own car, 0 points, fine within the
// limit): it is refused exactly when its row is not simple procedure or carries a measure, with
// the measure named.
func TestProcedureFollowsEveryCatalogueRow(t *testing.T) {
	national := profile(t, "national")
	cat := shippedCatalogue(t)
	car := plate(t, PlateSmallCar, "粤B12345")
	e := NewEvaluator(Case{Profile: national, Licence: licenceOf(idA, "C1", "粤B"), Now: testNow(), Catalogue: cat,
		Vehicles: []RelatedVehicle{{personalCar(car, idA), Relation{Kind: RelationOwn}}}})
	refused := 0
	for _, ce := range cat.Entries() {
		v := camera("V-"+string(ce.Code), car, day(2026, time.October, 10), 0, min(ce.Fine, SimpleProcedureMaxFine))
		v.Code = ce.Code
		el := e.Evaluate(v)
		var want []Reason
		switch {
		case len(ce.Measures) > 0:
			want = []Reason{{Code: ReasonProcedureMeasure, Rule: 3, Args: Args{Got: string(ce.Code), Term: ce.Measures[0].Term()}}}
		case !ce.Simple:
			want = []Reason{{Code: ReasonNotSimpleProcedure, Rule: 3, Args: Args{Got: string(ce.Code)}}}
		}
		if !slices.Equal(el.Reasons, want) {
			t.Errorf("%s (simple %v, measures %v): reasons %+v, want %+v", ce.Code, ce.Simple, ce.Measures, el.Reasons, want)
		}
		if len(want) > 0 {
			refused++
			if el.Eligible || el.Action != ActionCounter {
				t.Errorf("%s: eligible %v, action %v; want the counter", ce.Code, el.Eligible, el.Action)
			}
		}
	}
	if refused < 20 {
		t.Errorf("only %d shipped codes are outside the simple procedure; the catalogue has lost its measures", refused)
	}
}

// The kiosk's own cases named in the issue, each with the reasons it gets, and what is judged
// without the catalogue's help.
func TestProcedureRefusesMeasuresWithinTheFineLimit(t *testing.T) {
	national := profile(t, "national")
	cat := shippedCatalogue(t)
	const notSimple = `[{"code":"1235","points":3,"fine_fen":20000,"fine_min_fen":2000,"fine_max_fen":20000,"simple_procedure":false,"zh":"测试行为","en":"A test behaviour"}]`
	general, err := ParseCatalogue([]byte(notSimple))
	if err != nil {
		t.Fatal(err)
	}
	car := plate(t, PlateSmallCar, "粤B12345")
	own := []RelatedVehicle{{personalCar(car, idA), Relation{Kind: RelationOwn}}}
	record := func(code ViolationCode, points int, fine Fen) Violation {
		v := camera("V", car, day(2026, time.October, 10), points, fine)
		v.Code = code
		return v
	}
	rows := []struct {
		name string
		cat  *Catalogue
		v    Violation
		want []ReasonCode
		term string
	}{
		{"licence not carried, 100 yuan: the vehicle may be seized", cat, record("6086", 0, Yuan(100)), []ReasonCode{ReasonProcedureMeasure}, "measure.seize"},
		{"no plates, 200 yuan, 9 points: seizure", cat, record("1902", 9, Yuan(200)), []ReasonCode{ReasonProcedureMeasure}, "measure.seize"},
		{"lorry overloaded, 200 yuan: seizure", cat, record("1126", 1, Yuan(200)), []ReasonCode{ReasonProcedureMeasure}, "measure.seize"},
		{"drink driving recorded at 200 yuan: suspension", cat, record("17121", 0, Yuan(200)), []ReasonCode{ReasonProcedureMeasure}, "measure.suspend"},
		{"speeding 50 % at 300 yuan: both the fine and the measure", cat, record("1650", 6, Yuan(300)), []ReasonCode{ReasonFineOverLimit, ReasonProcedureMeasure}, "measure.revoke"},
		{"a code the law keeps out of the simple procedure", general, record("1235", 3, Yuan(200)), []ReasonCode{ReasonNotSimpleProcedure}, ""},
		{"a simple code within the limit", cat, record("1357", 3, Yuan(200)), nil, ""},
		{"a code the catalogue does not list: the fine alone decides", cat, record("1235", 3, Yuan(200)), nil, ""},
		{"no catalogue at hand: the fine alone decides", nil, record("6086", 0, Yuan(100)), nil, ""},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			e := NewEvaluator(Case{Profile: national, Licence: licenceOf(idA, "C1", "粤B"), Now: testNow(), Vehicles: own, Catalogue: r.cat})
			el := e.Evaluate(r.v)
			if !sameCodes(codes(el.Reasons), r.want) {
				t.Fatalf("reasons %v, want %v", codes(el.Reasons), r.want)
			}
			for _, rs := range el.Reasons {
				if rs.Code == ReasonProcedureMeasure && (rs.Args.Term != r.term || rs.Rule != 3 || rs.Args.Got != string(r.v.Code)) {
					t.Errorf("measure reason %+v, want term %s, rule 3, code %s", rs, r.term, r.v.Code)
				}
			}
			// A selection holding the refused record is not allowed either.
			if set := e.EvaluateSet([]Violation{r.v}); set.Allowed != (len(r.want) == 0) {
				t.Errorf("selection allowed = %v", set.Allowed)
			}
		})
	}
}

// Every measure the catalogue can record has a name in both languages.
func TestMeasuresHaveTerms(t *testing.T) {
	texts, keys := loadRef(t).Texts, TermKeys()
	for _, m := range Measures() {
		if !texts.HasTerm(m.Term()) || !slices.Contains(keys, m.Term()) {
			t.Errorf("%s: not a checked term of texts.json", m.Term())
		}
	}
}
