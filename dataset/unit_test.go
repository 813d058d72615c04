package dataset

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

func TestDecodeUnitDrivers(t *testing.T) {
	d, err := Decode(bytes.NewReader(goodFile(t)), testToday())
	if err != nil {
		t.Fatal(err)
	}
	want := []model.UnitDriver{{Driver: d.People[0].Driver.ID, Plate: d.Vehicles[2].Plate,
		Since: time.Date(2026, 3, 1, 9, 0, 0, 0, model.ChinaZone())}}
	if !reflect.DeepEqual(d.UnitDrivers, want) {
		t.Errorf("unit drivers = %+v, want %+v", d.UnitDrivers, want)
	}
	if d.Vehicles[2].OwnerKind != model.OwnerUnit {
		t.Fatalf("vehicles[2] of the good file should be the unit's car")
	}
}

// An ended designation is written back with its end, and decodes to the same value.
func TestUnitDriversRoundTrip(t *testing.T) {
	d, err := Decode(bytes.NewReader(goodFile(t)), testToday())
	if err != nil {
		t.Fatal(err)
	}
	ended := d.UnitDrivers[0]
	ended.Ended = time.Date(2026, 6, 30, 18, 0, 0, 0, model.ChinaZone())
	again := ended
	again.Since, again.Ended = time.Date(2026, 8, 1, 9, 0, 0, 0, model.ChinaZone()), time.Time{}
	d.UnitDrivers = []model.UnitDriver{ended, again}
	var out bytes.Buffer
	if err := Encode(&out, d); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"ended": "2026-06-30T18:00:00+08:00"`) {
		t.Errorf("the end is not written:\n%s", out.String())
	}
	back, err := Decode(&out, testToday())
	if err != nil {
		t.Fatalf("Decode(Encode(d)): %v", err)
	}
	if !reflect.DeepEqual(back.UnitDrivers, d.UnitDrivers) {
		t.Errorf("round trip: %+v, want %+v", back.UnitDrivers, d.UnitDrivers)
	}
}

// licensedPeople returns n licence holders with valid, distinct ID numbers, as records of the
// people section.
func licensedPeople(n int) []any {
	var out []any
	for i := range n {
		body := fmt.Sprintf("44030519850101%03d", 100+i)
		out = append(out, map[string]any{"id_number": body + string(model.Mod112(body)), "name": "司机", "registered": false,
			"licence": map[string]any{"file_number": fmt.Sprintf("440300%06d", 900000+i), "classes": "C1", "status": "A",
				"first_issued": "2010-06-15", "issuer": "粤B"}})
	}
	return out
}

// designate adds people to the people section and designates each for the unit's car.
func designate(d doc, people []any) {
	for _, p := range people {
		d["people"] = append(d["people"].([]any), p)
		d["unit_drivers"] = append(d["unit_drivers"].([]any), map[string]any{
			"driver_id": p.(map[string]any)["id_number"], "plate_type": "02", "plate_number": "粤B6W3K9",
			"since": "2026-04-01T09:00:00+08:00"})
	}
}

func unitDriverCases() []badCase {
	return []badCase{
		{"unit driver unknown key", set("unit_drivers", 0, "untill", "x"), "unit_drivers[0].untill", "unknown key"},
		{"unit driver missing since", del("unit_drivers", 0, "since"), "unit_drivers[0].since", "is required"},
		{"unit driver unknown person", set("unit_drivers", 0, "driver_id", idUnknown), "unit_drivers[0].driver_id",
			"no person with this ID number is in people"},
		{"unit driver without licence", set("unit_drivers", 0, "driver_id", idNoLicence), "unit_drivers[0].driver_id",
			"a designated driver must hold a driving licence, and people[2] has none; add the licence"},
		{"unit driver bad ID", set("unit_drivers", 0, "driver_id", "440308199901101513"), "unit_drivers[0].driver_id",
			"check character"},
		{"unit driver unknown vehicle", set("unit_drivers", 0, "plate_number", "粤B99999"), "unit_drivers[0].plate_number",
			"no vehicle with this plate type and number is in vehicles"},
		{"unit driver personal vehicle", set("unit_drivers", 0, "plate_number", "粤B7K2M5"), "unit_drivers[0].plate_number",
			"vehicles[0] is personally owned; only a unit's vehicle has designated drivers: for a person's vehicle add a binding"},
		{"unit driver in the future", set("unit_drivers", 0, "since", "2027-01-01T09:00:00+08:00"), "unit_drivers[0].since",
			"is in the future"},
		{"unit driver ended before since", set("unit_drivers", 0, "ended", "2026-02-01T09:00:00+08:00"),
			"unit_drivers[0].ended", "must be after since"},
		{"unit driver twice", func(d doc) {
			u := map[string]any{}
			for k, v := range d.rec("unit_drivers", 0) {
				u[k] = v
			}
			u["since"] = "2026-05-01T09:00:00+08:00"
			d["unit_drivers"] = append(d["unit_drivers"].([]any), u)
		}, "unit_drivers[1].since", "designates the same driver for the same vehicle as unit_drivers[0] at the same time"},
		{"unit drivers over the limit", func(d doc) { designate(d, licensedPeople(model.MaxUnitDriversPerVehicle)) },
			fmt.Sprintf("unit_drivers[%d].plate_number", model.MaxUnitDriversPerVehicle),
			"vehicles[2] already has 10 drivers designated and in force (unit_drivers[0] ...); a unit may designate at most 10"},
	}
}

func TestDecodeRefusesBrokenUnitDrivers(t *testing.T) {
	for _, c := range unitDriverCases() {
		t.Run(c.name, func(t *testing.T) {
			d := goodDoc(t)
			c.edit(d)
			ps := problemsOf(t, d.bytes(t))
			found := false
			for _, p := range ps {
				found = found || (p.Path == c.path && strings.Contains(p.Message, c.msg))
			}
			if !found {
				t.Errorf("want a problem at %s containing %q; got:\n%v", c.path, c.msg, ps)
			}
			assertNoPersonalData(t, d, ps)
		})
	}
}

// What the rules allow: the limit counts designations in force only, and the same driver may be
// designated again once the earlier designation ended.
func TestUnitDriversWithinTheRules(t *testing.T) {
	d := goodDoc(t)
	designate(d, licensedPeople(model.MaxUnitDriversPerVehicle-1)) // 10 with the good file's one
	ended := map[string]any{}
	for k, v := range d.rec("unit_drivers", 0) {
		ended[k] = v
	}
	ended["since"], ended["ended"] = "2025-01-01T09:00:00+08:00", "2025-12-31T18:00:00+08:00"
	d["unit_drivers"] = append(d["unit_drivers"].([]any), ended) // the 11th, ended: not in force
	got, err := Decode(bytes.NewReader(d.bytes(t)), testToday())
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if n := len(got.UnitDrivers); n != model.MaxUnitDriversPerVehicle+1 {
		t.Errorf("%d unit drivers decoded, want %d", n, model.MaxUnitDriversPerVehicle+1)
	}
}

// Generated units designate drivers for most of their vehicles, and the file stays valid.
func TestDemoUnitsDesignateDrivers(t *testing.T) {
	d := Demo(11, testToday(), 2000)
	units, designated := 0, map[model.Plate]int{}
	for _, v := range d.Vehicles {
		if v.OwnerKind == model.OwnerUnit {
			units++
		}
	}
	ended := 0
	for _, u := range d.UnitDrivers {
		designated[u.Plate]++
		if !u.Ended.IsZero() {
			ended++
		}
	}
	if units < 20 || len(designated) < units/3 || ended == 0 {
		t.Errorf("%d unit vehicles, %d with designated drivers, %d ended designations: want most designated, some ended",
			units, len(designated), ended)
	}
	var buf bytes.Buffer
	if err := Encode(&buf, d); err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(&buf, testToday()); err != nil {
		t.Errorf("the demo file does not decode: %v", err)
	}
}
