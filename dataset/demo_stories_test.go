package dataset

import (
	"slices"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/model"
)

func TestDemoViolationSpread(t *testing.T) {
	now := testToday()
	d := Demo(11, now, 2000)
	cat := newGenerator(1, now).cat
	count := map[string]int{}
	for _, v := range d.Violations {
		e, ok := cat.Lookup(v.Code)
		if !ok || e.Points != v.Points || v.Fine < e.FineMin || v.Fine > e.FineMax {
			t.Errorf("violation %s: code %s with %d points and %v does not match the catalogue", v.ID, v.Code, v.Points, v.Fine)
		}
		count[string(v.Source)+" "+string(v.Status)]++
		if v.Status == model.StatusProcessed && model.AmountAt(v.Fine, v.DecidedAt, now, paymentRules()).LateFee > 0 {
			count["overdue"]++
		}
		switch {
		case v.Fine > model.SimpleProcedureMaxFine:
			count["over 200 yuan"]++
		case v.Points == 0:
			count["0 points"]++
		case v.Points >= 6:
			count["6+ points"]++
		}
	}
	recorded := count["non_on_site recorded"]
	for k, n := range count {
		if k != "non_on_site recorded" && n >= recorded {
			t.Errorf("%d %s violations, %d recorded camera ones: recorded should be the most common", n, k, recorded)
		}
	}
	for _, k := range []string{"non_on_site processed", "non_on_site paid", "on_site processed", "on_site paid",
		"non_on_site disputed", "overdue", "over 200 yuan", "0 points", "6+ points"} {
		if count[k] < 5 {
			t.Errorf("only %d %s violations", count[k], k)
		}
	}
	kinds := map[string]int{}
	for _, v := range d.Vehicles {
		kinds[string(v.OwnerKind)]++
		kinds[string(v.Use)]++
	}
	if kinds["unit"] < 20 || kinds["operating"] < 20 || len(d.Bindings) < 50 || len(d.Follows) < 10 {
		t.Errorf("vehicles %v, %d bindings, %d follows: want some of each", kinds, len(d.Bindings), len(d.Follows))
	}
}

func paymentRules() model.PaymentRules {
	return model.PaymentRules{DueDays: 15, LateFeeBasisPoints: 300, LateFeeCapPercent: 100}
}

func TestDemoLedgerAgreesWithDecisions(t *testing.T) {
	now := testToday()
	d := Demo(12, now, 1500)
	entries := map[model.DecisionNumber]PointsEntry{}
	ledger := map[model.IDNumber][]model.PointsEntry{}
	for _, e := range d.Points {
		entries[e.Decision] = e
		ledger[e.Driver] = append(ledger[e.Driver], e.PointsEntry)
	}
	for _, v := range d.Violations {
		decided := v.Status == model.StatusProcessed || v.Status == model.StatusPaid
		if e, ok := entries[v.Decision]; decided && v.Points > 0 && (!ok || e.Driver != v.Driver || !e.PaidAt.Equal(v.PaidAt)) {
			t.Errorf("violation %s: decided with %d points but the ledger has %+v", v.ID, v.Points, e)
		}
	}
	near := 0
	for _, p := range d.People {
		l := p.Licence
		if l == nil {
			continue
		}
		total := model.CyclePoints(ledger[l.ID], model.CycleAt(l.FirstIssued, now, 12))
		if l.Status == model.StatusNormal && total >= 12 {
			t.Errorf("a driver in normal standing has %d points this cycle", total)
		}
		if total >= 9 && total < 12 {
			near++
		}
	}
	if near < 10 {
		t.Errorf("%d drivers between 9 and 11 points, want some near 12", near)
	}
}

// storyCase builds what the kiosk would judge for a persona: their licence, cycle points and the
// vehicles they own, are bound to or follow.
func storyCase(t *testing.T, d *Data, key, profile string, now time.Time) (*model.Evaluator, []model.Violation) {
	t.Helper()
	ref, err := model.LoadReference(assets.FS())
	if err != nil {
		t.Fatal(err)
	}
	prof, err := ref.Profile(profile)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(Personas(now), func(p Persona) bool { return p.Key == key })
	lic := *d.People[i].Licence
	c := model.Case{Profile: prof, Licence: lic, Now: now}
	related := map[model.Plate]model.Relation{}
	for _, v := range d.Vehicles {
		if v.OwnerKind == model.OwnerPersonal && v.Owner == lic.ID {
			related[v.Plate] = model.Relation{Kind: model.RelationOwn}
		}
	}
	for _, b := range d.Bindings {
		if b.Driver == lic.ID {
			related[b.Plate] = model.Relation{Kind: model.RelationBound, Since: b.Since, Until: b.Ended}
		}
	}
	for _, f := range d.Follows {
		if f.Follower == lic.ID {
			related[f.Plate] = model.Relation{Kind: model.RelationFollowed, Since: f.Since, Until: f.Until}
		}
	}
	for _, u := range d.UnitDrivers {
		if u.Driver == lic.ID && u.ActiveAt(now) {
			related[u.Plate] = model.Relation{Kind: model.RelationDesignated, Since: u.Since}
		}
	}
	for _, v := range d.Vehicles {
		if r, ok := related[v.Plate]; ok {
			c.Vehicles = append(c.Vehicles, model.RelatedVehicle{Vehicle: v.Vehicle, Relation: r})
		}
	}
	var entries []model.PointsEntry
	for _, e := range d.Points {
		if e.Driver == lic.ID {
			entries = append(entries, e.PointsEntry)
		}
	}
	c.CyclePoints = model.CyclePoints(entries, model.CycleAt(lic.FirstIssued, now, prof.Points.CycleMonths))
	var vs []model.Violation
	for _, v := range d.Violations {
		if _, ok := related[v.Plate]; ok || v.Driver == lic.ID {
			vs = append(vs, v)
		}
	}
	return model.NewEvaluator(c), vs
}

// verdicts judges the persona's violations, keyed by code.
func verdicts(t *testing.T, d *Data, key, profile string, now time.Time) map[model.ViolationCode]model.Eligibility {
	e, vs := storyCase(t, d, key, profile, now)
	out := map[model.ViolationCode]model.Eligibility{}
	for _, v := range vs {
		out[v.Code] = e.Evaluate(v)
	}
	return out
}

func hasReason(el model.Eligibility, code model.ReasonCode) bool {
	return slices.ContainsFunc(el.Reasons, func(r model.Reason) bool { return r.Code == code })
}

func TestPersonaStoriesHold(t *testing.T) {
	now := testToday()
	d := Demo(21, now, 300)
	cases := []struct {
		key, profile string
		code         model.ViolationCode
		eligible     bool
		reason       model.ReasonCode
		verify       model.Verification
	}{
		{"borrower-late", "national", "1358", false, model.ReasonBoundAfterViolation, 0},
		{"borrower-early", "national", "13132", true, "", model.VerifyDriverAndOwner},
		{"parking", "national", "1039", true, "", model.VerifyDriver},
		{"nine-points", "national", "1117", true, "", model.VerifyDriver},
		{"nine-points", "national", "1357", false, model.ReasonPointsReachFullAlone, 0},
		{"operating", "national", "1369", false, model.ReasonOperatingVehicle, 0},
		{"fine-300", "national", "1650", false, model.ReasonFineOverLimit, 0},
		{"on-site", "national", "1362", false, model.ReasonOnSite, 0},
		{"suspended", "national", "6095", false, model.ReasonLicenceSuspended, 0},
		{"cq-rider", "chongqing", "1117", true, "", model.VerifyDriver},
		{"cq-rider", "chongqing", "1357", true, "", model.VerifyDriverAndOwner},
		{"cq-nonlocal", "chongqing", "1039", false, model.ReasonVehicleNotLocal, 0},
	}
	for _, c := range cases {
		el, ok := verdicts(t, d, c.key, c.profile, now)[c.code]
		switch {
		case !ok:
			t.Errorf("%s: no violation %s", c.key, c.code)
		case el.Eligible != c.eligible || (c.reason != "" && !hasReason(el, c.reason)) || (c.verify != 0 && el.Verify != c.verify):
			t.Errorf("%s %s: %+v, want eligible %v, reason %q, verify %v", c.key, c.code, el, c.eligible, c.reason, c.verify)
		}
	}
	if e, _ := storyCase(t, d, "nine-points", "national", now); e.Headroom() != 2 {
		t.Errorf("nine-points persona can take %d more points, want 2 (9 of 12)", e.Headroom())
	}
}

func TestPersonaUnitCarAndOverdueFine(t *testing.T) {
	now := testToday()
	d := Demo(22, now, 0)
	var unit Vehicle
	for _, v := range d.Vehicles {
		if v.OwnerKind == model.OwnerUnit {
			unit = v
		}
	}
	if unit.OwnerName == "" || unit.Plate.Number != "粤B6W3K9" {
		t.Errorf("persona unit car = %+v", unit)
	}
	// The unit designated the persona for its car: the persona sees the car's violation, refused
	// with the unit-vehicle reason alone.
	e, vs := storyCase(t, d, "unit-driver", "national", now)
	if len(vs) != 1 || vs[0].Plate != unit.Plate {
		t.Fatalf("unit-driver persona's violations = %+v, want the unit car's one", vs)
	}
	if el := e.Evaluate(vs[0]); el.Eligible || len(el.Reasons) != 1 || el.Reasons[0].Code != model.ReasonUnitOwned {
		t.Errorf("unit-driver persona's violation: %+v, want refused for the unit-owned vehicle only", el)
	}
	_, vs = storyCase(t, d, "overdue", "national", now)
	if len(vs) != 1 || vs[0].Status != model.StatusProcessed {
		t.Fatalf("overdue persona's violations = %+v, want one processed", vs)
	}
	if due := model.AmountAt(vs[0].Fine, vs[0].DecidedAt, now, paymentRules()); due.LateDays != 25 || due.LateFee != model.Yuan(150) {
		t.Errorf("overdue persona owes %+v, want 25 days late and a 150-yuan late fee", due)
	}
}

// The many-points persona shows the points block over a selection: each of the three
// violations can be processed alone, and both 6-point ones together reach the full score.
func TestPersonaManyPointsBlocksASelection(t *testing.T) {
	now := testToday()
	d := Demo(23, now, 0)
	e, vs := storyCase(t, d, "many-points", "national", now)
	var sixes []model.Violation
	for _, v := range vs {
		if el := e.Evaluate(v); !el.Eligible {
			t.Errorf("violation %s alone: %+v, want eligible", v.Code, el)
		}
		if v.Points == 6 {
			sixes = append(sixes, v)
		}
	}
	if len(vs) != 3 || len(sixes) != 2 {
		t.Fatalf("%d violations, %d of 6 points; want 3 and 2", len(vs), len(sixes))
	}
	if sel := e.EvaluateSet(sixes); sel.Allowed || !slices.ContainsFunc(sel.Reasons, func(r model.Reason) bool { return r.Code == model.ReasonWouldReachFull }) {
		t.Errorf("both 6-point violations together: %+v, want the full-score refusal", sel)
	}
	if sel := e.EvaluateSet([]model.Violation{sixes[0], vs[slices.IndexFunc(vs, func(v model.Violation) bool { return v.Points == 3 })]}); !sel.Allowed {
		t.Errorf("a 6-point and the 3-point violation together: %+v, want allowed (9 of 12)", sel)
	}
}
