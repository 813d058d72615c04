package model

import (
	"testing"
	"time"
)

// A driver a unit designated for its car sees the car's violations, and every one of them is
// refused with the unit-vehicle reason alone: the relation holds (rule 1 passes), the unit's
// papers are what is missing (rule 5), under every profile.
func TestDesignatedDriverRefusedWithUnitReason(t *testing.T) {
	unit := Vehicle{Plate: plate(t, PlateSmallCar, "粤B6W3K9"), OwnerKind: OwnerUnit, Use: UseNonOperating}
	designated := RelatedVehicle{unit, Relation{Kind: RelationDesignated, Since: day(2025, time.January, 1)}}
	for _, name := range []string{"national", "chongqing"} {
		p := profile(t, name)
		lic := licenceOf(idA, "C1", "粤B")
		if p.Processing.LocalProvince != "" {
			lic = licenceOf(idA, "C1", "渝A")
		}
		e := NewEvaluator(Case{Profile: p, Licence: lic, Vehicles: []RelatedVehicle{designated}, Now: testNow()})
		for _, pts := range []int{0, 3} {
			got := e.Evaluate(camera("U1", unit.Plate, day(2026, time.October, 10), pts, Yuan(100)))
			want := []ReasonCode{ReasonUnitOwned}
			if p.Processing.LocalProvince != "" {
				want = append(want, ReasonVehicleNotLocal) // a 粤 car under the Chongqing rules
			}
			if got.Eligible || got.Action != ActionCounter || !sameCodes(codes(got.Reasons), want) {
				t.Errorf("%s, %d points: eligible %v, action %v, reasons %v; want counter with %v",
					name, pts, got.Eligible, got.Action, codes(got.Reasons), want)
			}
		}
	}
}

// Even a profile that accepted unit vehicles would not let a designated driver process: the
// designation is the unit's record of who drives, not an authorisation to take its decisions.
func TestDesignationNeverAuthorisesProcessing(t *testing.T) {
	p := profile(t, "national")
	relaxed := *p
	relaxed.Processing.PersonalOnly = false
	unit := Vehicle{Plate: plate(t, PlateSmallCar, "粤B6W3K9"), OwnerKind: OwnerUnit, Use: UseNonOperating}
	designated := RelatedVehicle{unit, Relation{Kind: RelationDesignated, Since: day(2025, time.January, 1)}}
	bound := RelatedVehicle{unit, Relation{Kind: RelationBound, Since: day(2025, time.January, 1)}}
	v := camera("U1", unit.Plate, day(2026, time.October, 10), 0, Yuan(100))
	lic := licenceOf(idA, "C1", "粤B")
	if got := NewEvaluator(Case{Profile: &relaxed, Licence: lic, Vehicles: []RelatedVehicle{designated}, Now: testNow()}).Evaluate(v); got.Eligible ||
		!sameCodes(codes(got.Reasons), []ReasonCode{ReasonUnitOwned}) {
		t.Errorf("designated under a profile without personal_only: eligible %v, reasons %v", got.Eligible, codes(got.Reasons))
	}
	// The same profile lets a bound relation through: the refusal above comes from the
	// designation, not from the vehicle alone.
	if got := NewEvaluator(Case{Profile: &relaxed, Licence: lic, Vehicles: []RelatedVehicle{bound}, Now: testNow()}).Evaluate(v); !got.Eligible {
		t.Errorf("bound unit car under a profile without personal_only: reasons %v, want eligible", codes(got.Reasons))
	}
}

// A designation that names a vehicle now registered to a person gives no relation to it.
func TestDesignationOfPersonalVehicleIsNoRelation(t *testing.T) {
	car := personalCar(plate(t, PlateSmallCar, "粤B6W3K9"), idB)
	rv := RelatedVehicle{car, Relation{Kind: RelationDesignated, Since: day(2025, time.January, 1)}}
	e := NewEvaluator(Case{Profile: profile(t, "national"), Licence: licenceOf(idA, "C1", "粤B"), Vehicles: []RelatedVehicle{rv}, Now: testNow()})
	got := e.Evaluate(camera("U1", car.Plate, day(2026, time.October, 10), 0, Yuan(100)))
	if !sameCodes(codes(got.Reasons), []ReasonCode{ReasonUnrelatedVehicle}) {
		t.Errorf("reasons = %v, want only %v", codes(got.Reasons), ReasonUnrelatedVehicle)
	}
}

func TestUnitDriverActiveAt(t *testing.T) {
	u := UnitDriver{Since: day(2026, time.January, 1), Ended: day(2026, time.June, 1)}
	for _, c := range []struct {
		at   time.Time
		want bool
	}{{day(2025, time.December, 31), false}, {u.Since, true}, {day(2026, time.March, 1), true}, {u.Ended, false}} {
		if got := u.ActiveAt(c.at); got != c.want {
			t.Errorf("ActiveAt(%v) = %v, want %v", c.at, got, c.want)
		}
	}
	if open := (UnitDriver{Since: u.Since}); !open.ActiveAt(testNow()) {
		t.Error("an open designation is not in force")
	}
}
