package server

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/model"
)

// The unit's car of these tests: C (a licence holder with no vehicle of their own) is its
// designated driver; B's designation has been withdrawn.
const unitName = "深圳市澜岸云图物流有限公司"

func unitCar(t testing.TB) model.Plate {
	p, err := model.ParsePlate("02", "粤B6W3K9")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// importUnitCar adds the unit's car, its violation and the designations to the test data.
func (e *env) importUnitCar(withdrawC bool) {
	e.t.Helper()
	car := unitCar(e.t)
	c := model.UnitDriver{Driver: idC, Plate: car, Since: at(2026, time.March, 1, 9)}
	if withdrawC {
		c.Ended = at(2026, time.November, 1, 9)
	}
	d := &dataset.Data{
		Vehicles: []dataset.Vehicle{{Vehicle: model.Vehicle{Plate: car, OwnerKind: model.OwnerUnit, Use: model.UseNonOperating},
			OwnerName: unitName}},
		Violations: []model.Violation{{ID: "V-UNIT", Plate: car, Time: at(2026, time.October, 20, 12), Place: "深南东路与建设路交叉口",
			Code: "1357", Points: 3, Fine: model.Yuan(200), Source: model.SourceCamera, Status: model.StatusRecorded,
			Office: "罗湖交警大队", OfficeCode: "440303"}},
		UnitDrivers: []model.UnitDriver{c,
			{Driver: idB, Plate: car, Since: at(2026, time.January, 1, 9), Ended: at(2026, time.February, 1, 9)}},
	}
	p, _ := e.ref.Profile("national")
	if _, err := Import(context.Background(), e.store, p, d); err != nil {
		e.t.Fatalf("import the unit car: %v", err)
	}
}

// A driver whose only relation is a unit's designation sees the unit's car, with the unit's
// name, and its violation; judged with the rules, the violation goes to a counter for the
// unit-vehicle reason alone. A withdrawn designation shows nothing.
func TestLookupShowsDesignatedUnitVehicle(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		e.importUnitCar(false)
		l, err := e.client.Lookup(context.Background(), api.Identify{IDNumber: idC, FileNumber: fileC})
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Vehicles) != 1 {
			t.Fatalf("C's vehicles = %+v, want the unit car", l.Vehicles)
		}
		v := l.Vehicles[0]
		if v.PlateNumber != "粤B6W3K9" || v.Relation != api.RelationDesignated || v.OwnerKind != "unit" ||
			v.OwnerName != unitName || v.OwnerID != "" || v.Since == nil || !v.Since.Equal(at(2026, time.March, 1, 9)) {
			t.Errorf("the unit car in C's lookup = %+v", v)
		}
		if len(l.Violations) != 1 || l.Violations[0].ID != "V-UNIT" {
			t.Fatalf("C's violations = %+v, want the unit car's", l.Violations)
		}
		p, _ := e.ref.Profile("national")
		c, vs, err := l.Case(p, e.clock.Now())
		if err != nil {
			t.Fatalf("the kiosk cannot judge the lookup: %v", err)
		}
		c.Catalogue = e.ref.Catalogue
		el := model.NewEvaluator(c).Evaluate(vs[0])
		if el.Eligible || el.Action != model.ActionCounter || len(el.Reasons) != 1 || el.Reasons[0].Code != model.ReasonUnitOwned {
			t.Errorf("the unit car's violation judged for C: %+v, want the counter for the unit-owned vehicle", el)
		}

		lb, err := e.client.Lookup(context.Background(), api.Identify{IDNumber: idB, FileNumber: fileB})
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(lb.Vehicles, func(v api.Vehicle) bool { return v.PlateNumber == "粤B6W3K9" }) ||
			slices.ContainsFunc(lb.Violations, func(v api.Violation) bool { return v.ID == "V-UNIT" }) {
			t.Errorf("B's designation was withdrawn, yet the lookup shows the unit car: %+v", lb.Vehicles)
		}
	})
}

// The unit withdraws a designation by sending it again with its end: the driver no longer sees
// the car.
func TestReimportWithdrawsDesignation(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		e.importUnitCar(false)
		e.importUnitCar(true)
		l, err := e.client.Lookup(context.Background(), api.Identify{IDNumber: idC, FileNumber: fileC})
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Vehicles) != 0 || len(l.Violations) != 0 {
			t.Errorf("after the withdrawal C sees %+v and %+v, want nothing", l.Vehicles, l.Violations)
		}
	})
}

// A kiosk that asks the server to process the unit car's violation for its designated driver
// (a hostile or mistaken kiosk: the kiosk's own judgement refuses it) is rejected with the
// unit-vehicle reason, and nothing but the rejection is stored. A driver without the
// designation is refused as unrelated to the car.
func TestServerRefusesProcessingForDesignatedDriver(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		e.importUnitCar(false)
		h := &hostile{t: t, e: e}
		before := h.digests()
		op := processOp("op-unit-1", h.next(), e.clock.Now(), 0, "V-UNIT")
		op.Process.DriverID = idC
		_, res := h.ops(op)
		wantReason(t, "designated driver", res[0], model.ReasonUnitOwned, "")
		if res[0].Reasons[0].ViolationID != "V-UNIT" || len(res[0].Decisions) != 0 {
			t.Errorf("designated driver: %+v", res[0])
		}
		h.seq++
		if got := changed(before, h.digests()); !slices.Equal(got, noticedTables) {
			t.Errorf("a rejected op changed %v, want only %v", got, noticedTables)
		}
		if v := e.violation("V-UNIT"); v.Status != model.StatusRecorded || v.Decision != "" {
			t.Errorf("the unit car's violation after the refusal: %+v", v)
		}
		if n := e.pointsEntries(idC); n != 0 {
			t.Errorf("C has %d points entries, want none", n)
		}

		other := processOp("op-unit-2", h.next(), e.clock.Now(), 1, "V-UNIT") // A: no designation
		_, res = h.ops(other)
		wantReason(t, "undesignated driver", res[0], model.ReasonUnrelatedVehicle, "")
	})
}
