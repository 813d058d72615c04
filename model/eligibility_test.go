package model

import (
	"testing"
	"time"
)

// The seed stories of the issue and DOMAIN.md, one row each, judged under their profile.
func TestEligibilitySeedStories(t *testing.T) {
	national := profile(t, "national")
	chongqing := profile(t, "chongqing")
	carB := plate(t, PlateSmallCar, "粤B12345")
	violationDay := day(2026, time.October, 10)

	type row struct {
		name    string
		profile *Profile
		licence Licence
		points  int // driver's cycle total
		vehicle RelatedVehicle
		v       Violation
		want    []ReasonCode
		action  Action
		verify  Verification
	}
	bound := func(since time.Time) RelatedVehicle {
		return RelatedVehicle{personalCar(carB, idB), Relation{Kind: RelationBound, Since: since}}
	}
	own := func(v Vehicle) RelatedVehicle { return RelatedVehicle{v, Relation{Kind: RelationOwn}} }
	licA := licenceOf(idA, "C1", "粤B")
	cqLicence := licenceOf(idA, "C1E", "渝A")
	cqMoto := plate(t, PlateMotorcycle, "渝A3456K")
	unit := Vehicle{Plate: plate(t, PlateSmallCar, "粤B88888"), OwnerKind: OwnerUnit, Use: UseNonOperating}
	operating := Vehicle{Plate: plate(t, PlateSmallCar, "粤B66666"), OwnerKind: OwnerPersonal, Owner: idA, Use: UseOperating}
	onSite := camera("V-ONSITE", carB, violationDay, 3, Yuan(200))
	onSite.Source, onSite.Status, onSite.Decision, onSite.Driver = SourceOnSite, StatusProcessed, "4403042026000000017", idA

	rows := []row{
		{"A drives B's car, bound after the violation: binding too late", national, licA, 0,
			bound(day(2026, time.October, 20)), camera("V1", carB, violationDay, 3, Yuan(100)),
			[]ReasonCode{ReasonBoundAfterViolation}, ActionCounter, VerifyDriverAndOwner},
		{"A drives B's car, bound before the violation: allowed, A and B verify", national, licA, 0,
			bound(day(2026, time.September, 1)), camera("V1", carB, violationDay, 3, Yuan(100)),
			nil, ActionProcess, VerifyDriverAndOwner},
		{"bound on the very day of the violation: covered from that day", national, licA, 0,
			bound(time.Date(2026, 10, 10, 18, 0, 0, 0, ChinaZone())), camera("V1", carB, violationDay, 3, Yuan(100)),
			nil, ActionProcess, VerifyDriverAndOwner},
		{"0-point parking on a bound car: driver verification only", national, licA, 0,
			bound(day(2026, time.September, 1)), camera("V2", carB, violationDay, 0, Yuan(200)),
			nil, ActionProcess, VerifyDriver},
		{"unit-owned car", national, licA, 0,
			RelatedVehicle{unit, Relation{Kind: RelationBound, Since: day(2025, time.January, 1)}},
			camera("V3", unit.Plate, violationDay, 1, Yuan(100)),
			[]ReasonCode{ReasonUnitOwned}, ActionCounter, VerifyDriverAndOwner},
		{"operating vehicle", national, licA, 0, own(operating), camera("V4", operating.Plate, violationDay, 1, Yuan(100)),
			[]ReasonCode{ReasonOperatingVehicle}, ActionCounter, VerifyDriver},
		{"300-yuan fine", national, licA, 0, own(personalCar(carB, idA)), camera("V5", carB, violationDay, 3, Yuan(300)),
			[]ReasonCode{ReasonFineOverLimit}, ActionCounter, VerifyDriver},
		{"on-site violation: pay only", national, licA, 0, own(personalCar(carB, idA)), onSite,
			[]ReasonCode{ReasonOnSite, ReasonAlreadyProcessed}, ActionPayOnly, VerifyDriver},
		{"Chongqing: own motorcycle with an E licence", chongqing, cqLicence, 0, own(personalCar(cqMoto, idA)),
			camera("V6", cqMoto, violationDay, 1, Yuan(50)), nil, ActionProcess, VerifyDriver},
		{"Chongqing: followed motorcycle, authorisation valid", chongqing, cqLicence, 0,
			RelatedVehicle{personalCar(cqMoto, idB), Relation{Kind: RelationFollowed, Since: day(2026, time.March, 1), Until: day(2027, time.March, 1)}},
			camera("V7", cqMoto, violationDay, 1, Yuan(50)), nil, ActionProcess, VerifyDriverAndOwner},
		{"Chongqing: a non-渝 vehicle", chongqing, cqLicence, 0, own(personalCar(carB, idA)),
			camera("V8", carB, violationDay, 1, Yuan(100)), []ReasonCode{ReasonVehicleNotLocal}, ActionCounter, VerifyDriver},
		{"Chongqing: a non-渝 licence", chongqing, licA, 0, own(personalCar(plate(t, PlateSmallCar, "渝B12345"), idA)),
			camera("V9", plate(t, PlateSmallCar, "渝B12345"), violationDay, 1, Yuan(100)), []ReasonCode{ReasonLicenceNotLocal}, ActionCounter, VerifyDriver},
		{"national: a followed vehicle does not count", national, licA, 0,
			RelatedVehicle{personalCar(carB, idB), Relation{Kind: RelationFollowed, Since: day(2026, time.March, 1), Until: day(2027, time.March, 1)}},
			camera("V10", carB, violationDay, 1, Yuan(100)), []ReasonCode{ReasonFollowNotAccepted}, ActionCounter, VerifyDriverAndOwner},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			e := NewEvaluator(Case{Profile: r.profile, Licence: r.licence, CyclePoints: r.points,
				Vehicles: []RelatedVehicle{r.vehicle}, Now: testNow()})
			got := e.Evaluate(r.v)
			if !sameCodes(codes(got.Reasons), r.want) {
				t.Errorf("reasons = %v, want %v", codes(got.Reasons), r.want)
			}
			if got.Eligible != (len(r.want) == 0) {
				t.Errorf("eligible = %v with reasons %v", got.Eligible, codes(got.Reasons))
			}
			if got.Action != r.action {
				t.Errorf("action = %v, want %v", got.Action, r.action)
			}
			if got.Verify != r.verify {
				t.Errorf("verify = %v, want %v", got.Verify, r.verify)
			}
		})
	}
}

// A driver at 9 points: a 3-point violation would reach 12 and is refused, alone and in a set;
// a 1-point one is allowed with a forecast of 10.
func TestEligibilityPointsForecast(t *testing.T) {
	p := profile(t, "national")
	car := plate(t, PlateSmallCar, "粤B12345")
	e := NewEvaluator(Case{Profile: p, Licence: licenceOf(idA, "C1", "粤B"), CyclePoints: 9,
		Vehicles: []RelatedVehicle{{personalCar(car, idA), Relation{Kind: RelationOwn}}}, Now: testNow()})
	three := camera("V3", car, day(2026, time.October, 1), 3, Yuan(200))
	one := camera("V1", car, day(2026, time.October, 2), 1, Yuan(100))
	zero := camera("V0", car, day(2026, time.October, 3), 0, Yuan(200))

	if got := e.Evaluate(three); got.Eligible || !sameCodes(codes(got.Reasons), []ReasonCode{ReasonPointsReachFullAlone}) {
		t.Errorf("3 points at 9: eligible=%v reasons=%v, want refused by %s", got.Eligible, codes(got.Reasons), ReasonPointsReachFullAlone)
	} else if a := got.Reasons[0].Args; a.N != 12 || a.Limit != 12 || !a.At.Equal(e.CycleEnd()) || a.At.IsZero() {
		t.Errorf("3 points at 9: args N=%d Limit=%d At=%v, want 12/12 and the cycle's end %v", a.N, a.Limit, a.At, e.CycleEnd())
	}
	s := e.EvaluateSet([]Violation{three})
	if s.Allowed || s.After != 12 || len(s.Reasons) != 1 || s.Reasons[0].Code != ReasonWouldReachFull {
		t.Errorf("set {3}: allowed=%v after=%d reasons=%v", s.Allowed, s.After, codes(s.Reasons))
	}
	s = e.EvaluateSet([]Violation{one})
	if !s.Allowed || s.Current != 9 || s.Adding != 1 || s.After != 10 || s.Fine != Yuan(100) {
		t.Errorf("set {1}: %+v, want allowed with forecast 9+1=10 and ¥100", s)
	}
	// Each of 1 and 1 is fine alone, but two 1-point violations plus a 0 reach 11: allowed;
	// a second driver at 10 points with two 1-point violations reaches 12: refused by the set rule
	// even though each item alone is eligible.
	e10 := NewEvaluator(Case{Profile: p, Licence: licenceOf(idA, "C1", "粤B"), CyclePoints: 10,
		Vehicles: []RelatedVehicle{{personalCar(car, idA), Relation{Kind: RelationOwn}}}, Now: testNow()})
	oneMore := camera("V1b", car, day(2026, time.October, 4), 1, Yuan(100))
	if e10.Evaluate(one).Eligible != true || e10.Evaluate(oneMore).Eligible != true {
		t.Fatal("at 10 points each 1-point violation alone must be eligible")
	}
	s = e10.EvaluateSet([]Violation{one, oneMore, zero})
	if s.Allowed || s.After != 12 || s.Fine != Yuan(400) {
		t.Errorf("set at 10 of {1,1,0}: allowed=%v after=%d fine=%v, want refused at 12, ¥400", s.Allowed, s.After, s.Fine)
	}
	if e.Headroom() != 2 || e10.Headroom() != 1 {
		t.Errorf("headroom = %d, %d; want 2, 1", e.Headroom(), e10.Headroom())
	}
}

// Every processing rule has a failing case, under a profile that makes it fail.
func TestEligibilityEveryRule(t *testing.T) {
	national := profile(t, "national")
	capped := *national
	capped.Processing.MaxPointsPerViolation = 6
	car := plate(t, PlateSmallCar, "粤B12345")
	moto := plate(t, PlateMotorcycle, "粤B5678A")
	vday := day(2026, time.October, 10)
	own := func(p Plate) RelatedVehicle { return RelatedVehicle{personalCar(p, idA), Relation{Kind: RelationOwn}} }
	ownCar := own(car)

	type row struct {
		name     string
		profile  *Profile
		licence  Licence
		vehicles []RelatedVehicle
		v        func(Violation) Violation
		want     []ReasonCode
	}
	keep := func(v Violation) Violation { return v }
	rows := []row{
		{"1 unrelated vehicle", national, licenceOf(idA, "C1", "粤B"), nil, keep, []ReasonCode{ReasonUnrelatedVehicle}},
		{"1 binding ended", national, licenceOf(idA, "C1", "粤B"),
			[]RelatedVehicle{{personalCar(car, idB), Relation{Kind: RelationBound, Since: day(2025, time.January, 1), Until: day(2026, time.November, 1)}}},
			keep, []ReasonCode{ReasonUnrelatedVehicle}},
		{"1 follow expired", profile(t, "chongqing"), licenceOf(idA, "C1", "渝A"),
			[]RelatedVehicle{{personalCar(plate(t, PlateSmallCar, "渝A12345"), idB), Relation{Kind: RelationFollowed, Since: day(2025, time.January, 1), Until: day(2026, time.January, 1)}}},
			func(v Violation) Violation { v.Plate = plate(t, PlateSmallCar, "渝A12345"); return v }, []ReasonCode{ReasonFollowExpired}},
		{"2 on-site still recorded", national, licenceOf(idA, "C1", "粤B"), []RelatedVehicle{ownCar},
			func(v Violation) Violation { v.Source = SourceOnSite; return v }, []ReasonCode{ReasonOnSite}},
		{"3 fine above 200 yuan by one fen", national, licenceOf(idA, "C1", "粤B"), []RelatedVehicle{ownCar},
			func(v Violation) Violation { v.Fine = Yuan(200) + 1; return v }, []ReasonCode{ReasonFineOverLimit}},
		{"3 fine of exactly 200 yuan passes", national, licenceOf(idA, "C1", "粤B"), []RelatedVehicle{ownCar},
			func(v Violation) Violation { v.Fine = Yuan(200); return v }, nil},
		{"4 processed", national, licenceOf(idA, "C1", "粤B"), []RelatedVehicle{ownCar},
			func(v Violation) Violation { v.Status = StatusProcessed; return v }, []ReasonCode{ReasonAlreadyProcessed}},
		{"4 paid", national, licenceOf(idA, "C1", "粤B"), []RelatedVehicle{ownCar},
			func(v Violation) Violation { v.Status = StatusPaid; return v }, []ReasonCode{ReasonAlreadyPaid}},
		{"5 type: a bound motorcycle under national", national, licenceOf(idA, "C1E", "粤B"),
			[]RelatedVehicle{{personalCar(moto, idB), Relation{Kind: RelationBound, Since: day(2025, time.January, 1)}}},
			func(v Violation) Violation { v.Plate = moto; return v }, []ReasonCode{ReasonVehicleType}},
		{"6 licence suspended", national, func() Licence { l := licenceOf(idA, "C1", "粤B"); l.Status = "D"; return l }(),
			[]RelatedVehicle{ownCar}, keep, []ReasonCode{ReasonLicenceSuspended}},
		{"6 licence over points", national, func() Licence { l := licenceOf(idA, "C1", "粤B"); l.Status = "B"; return l }(),
			[]RelatedVehicle{ownCar}, keep, []ReasonCode{ReasonLicenceOverPoints}},
		{"6 licence overdue for renewal", national, func() Licence { l := licenceOf(idA, "C1", "粤B"); l.Status = "M"; return l }(),
			[]RelatedVehicle{ownCar}, keep, []ReasonCode{ReasonLicenceStatus}},
		{"6 class C1 cannot drive a motorcycle", national, licenceOf(idA, "C1", "粤B"), []RelatedVehicle{own(moto)},
			func(v Violation) Violation { v.Plate = moto; return v }, []ReasonCode{ReasonLicenceClass}},
		{"7 a 9-point violation over a cap of 6", &capped, licenceOf(idA, "C1", "粤B"), []RelatedVehicle{ownCar},
			func(v Violation) Violation { v.Points = 9; return v }, []ReasonCode{ReasonOverSingleCap}},
		{"7 a 12-point violation alone reaches full score", national, licenceOf(idA, "C1", "粤B"), []RelatedVehicle{ownCar},
			func(v Violation) Violation { v.Points = 12; return v }, []ReasonCode{ReasonPointsFullScoreViolation}},
		{"10 under objection", national, licenceOf(idA, "C1", "粤B"), []RelatedVehicle{ownCar},
			func(v Violation) Violation { v.Status = StatusDisputed; return v }, []ReasonCode{ReasonDisputed}},
		{"several rules fail together, listed in rule order", national, func() Licence { l := licenceOf(idA, "C1", "粤B"); l.Status = "F"; return l }(),
			[]RelatedVehicle{{Vehicle{Plate: car, OwnerKind: OwnerUnit, Use: UseOperating}, Relation{Kind: RelationBound, Since: day(2026, time.November, 1)}}},
			func(v Violation) Violation { v.Fine = Yuan(500); return v },
			[]ReasonCode{ReasonBoundAfterViolation, ReasonFineOverLimit, ReasonUnitOwned, ReasonOperatingVehicle, ReasonLicenceStatus}},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			e := NewEvaluator(Case{Profile: r.profile, Licence: r.licence, Vehicles: r.vehicles, Now: testNow()})
			got := e.Evaluate(r.v(camera("V", car, vday, 3, Yuan(200))))
			if !sameCodes(codes(got.Reasons), r.want) {
				t.Errorf("reasons = %v, want %v", codes(got.Reasons), r.want)
			}
		})
	}
}

func TestPayCheck(t *testing.T) {
	v := Violation{Status: StatusProcessed, Fine: Yuan(2000), Source: SourceOnSite}
	if rs := PayCheck(v); rs != nil {
		t.Errorf("a decided on-site fine of any amount must be payable, got %v", codes(rs))
	}
	for status, want := range map[ViolationStatus]ReasonCode{
		StatusRecorded: ReasonPayNotDecided, StatusPaid: ReasonPayPaid, StatusDisputed: ReasonPayDisputed,
	} {
		v.Status = status
		if rs := PayCheck(v); len(rs) != 1 || rs[0].Code != want {
			t.Errorf("%s: got %v, want %s", status, codes(rs), want)
		}
	}
}

func TestStatusLifecycle(t *testing.T) {
	allowed := map[[2]ViolationStatus]bool{
		{StatusRecorded, StatusProcessed}: true, {StatusRecorded, StatusDisputed}: true,
		{StatusProcessed, StatusPaid}: true, {StatusProcessed, StatusDisputed}: true,
		{StatusDisputed, StatusRecorded}: true, {StatusDisputed, StatusProcessed}: true,
	}
	all := []ViolationStatus{StatusRecorded, StatusProcessed, StatusPaid, StatusDisputed}
	for _, from := range all {
		for _, to := range all {
			if got := from.CanBecome(to); got != allowed[[2]ViolationStatus{from, to}] {
				t.Errorf("%s -> %s: %v", from, to, got)
			}
		}
	}
}

// The points rule on one violation says which of its cases holds, because each has its own
// advice: at the full score already (even a 0-point violation waits for full-score study), a
// violation that carries the full score by itself, and one that would take this cycle there.
// A suspended licence at 12 points is refused for the suspension first.
func TestEligibilityPointsCases(t *testing.T) {
	p := profile(t, "national")
	car := plate(t, PlateSmallCar, "粤B12345")
	lic := licenceOf(idA, "C1", "粤B")
	judgeAt := func(l Licence, points int, v Violation) []ReasonCode {
		e := NewEvaluator(Case{Profile: p, Licence: l, CyclePoints: points,
			Vehicles: []RelatedVehicle{{personalCar(car, idA), Relation{Kind: RelationOwn}}}, Now: testNow()})
		return codes(e.Evaluate(v).Reasons)
	}
	zero := camera("V0", car, day(2026, time.October, 3), 0, Yuan(200))
	six := camera("V6", car, day(2026, time.October, 3), 6, Yuan(200))
	twelve := camera("V12", car, day(2026, time.October, 3), 12, Yuan(200))
	suspended := lic
	suspended.Status = StatusSuspended
	for _, c := range []struct {
		name   string
		l      Licence
		points int
		v      Violation
		want   []ReasonCode
	}{
		{"0 points at 11", lic, 11, zero, nil},
		{"0 points at 12", lic, 12, zero, []ReasonCode{ReasonPointsAtFull}},
		{"6 points at 6", lic, 6, six, []ReasonCode{ReasonPointsReachFullAlone}},
		{"6 points at 5", lic, 5, six, nil},
		{"12 points at 0", lic, 0, twelve, []ReasonCode{ReasonPointsFullScoreViolation}},
		{"12 points at 12", lic, 12, twelve, []ReasonCode{ReasonPointsAtFull}},
		{"suspended, 0 points at 12", suspended, 12, zero, []ReasonCode{ReasonLicenceSuspended, ReasonPointsAtFull}},
		{"suspended, 0 points at 0", suspended, 0, zero, []ReasonCode{ReasonLicenceSuspended}},
	} {
		if got := judgeAt(c.l, c.points, c.v); !sameCodes(got, c.want) {
			t.Errorf("%s: reasons %v, want %v", c.name, got, c.want)
		}
	}
}
