package dataset

import (
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/hallkiosk/kiosk/model"
)

// collectProvince makes a small province in chunks of chunk people and returns the chunks.
func collectProvince(t *testing.T, seed int64, people, chunk int) ([]*Data, ProvinceCounts) {
	t.Helper()
	var out []*Data
	counts, err := province(seed, testToday(), people, chunk, func(d *Data) error {
		out = append(out, d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, counts
}

// merge puts chunks together into one data set.
func merge(chunks []*Data) *Data {
	var all Data
	for _, d := range chunks {
		all.People = append(all.People, d.People...)
		all.Vehicles = append(all.Vehicles, d.Vehicles...)
		all.Bindings = append(all.Bindings, d.Bindings...)
		all.Follows = append(all.Follows, d.Follows...)
		all.Violations = append(all.Violations, d.Violations...)
		all.Points = append(all.Points, d.Points...)
		all.UnitDrivers = append(all.UnitDrivers, d.UnitDrivers...)
	}
	return &all
}

// Each chunk stands alone, and the chunks together are one valid data set: nothing repeats a
// key another chunk took.
func TestProvinceChunksPassValidationAloneAndTogether(t *testing.T) {
	now := testToday()
	chunks, counts := collectProvince(t, 7, 1500, 400)
	if len(chunks) != 4 || counts.Chunks != 4 || counts.People != 1500 {
		t.Fatalf("%d chunks, counts %+v; want 4 chunks of 1500 people", len(chunks), counts)
	}
	for i, d := range chunks {
		if back := roundTrip(t, d, now); !reflect.DeepEqual(back, d) {
			t.Errorf("chunk %d: Decode(Encode(chunk)) differs from the chunk", i)
		}
	}
	all := merge(chunks)
	if back := roundTrip(t, all, now); !reflect.DeepEqual(back, all) {
		t.Error("Decode(Encode(all chunks)) differs from the chunks")
	}
	if counts.Violations != len(all.Violations) || counts.Points != len(all.Points) || counts.Vehicles != len(all.Vehicles) {
		t.Errorf("counts %+v do not match the records", counts)
	}
}

func TestProvinceIsDeterministic(t *testing.T) {
	a, _ := collectProvince(t, 3, 900, 300)
	b, _ := collectProvince(t, 3, 900, 300)
	if !reflect.DeepEqual(a, b) {
		t.Error("the same seed, now and size gave different chunks")
	}
	if c, _ := collectProvince(t, 4, 900, 300); reflect.DeepEqual(a, c) {
		t.Error("another seed gave the same province")
	}
}

// A province at a thousandth of its size has the full province's proportions: three vehicles
// for four people, about six and a half violations a vehicle, most vehicles with a few or none
// and a tail with dozens; points within the full score for drivers in normal standing.
func TestProvinceShape(t *testing.T) {
	now := testToday()
	var chunks []*Data
	counts, err := Province(1, now, 0.001, func(d *Data) error { chunks = append(chunks, d); return nil })
	if err != nil {
		t.Fatal(err)
	}
	d := merge(chunks)
	if counts.People != 2000 || len(d.People) != 2000 {
		t.Fatalf("%d people at scale 0.001, want 2000", counts.People)
	}
	perPerson := float64(len(d.Vehicles)) / float64(len(d.People))
	perVehicle := float64(len(d.Violations)) / float64(len(d.Vehicles))
	if perPerson < 0.7 || perPerson > 0.85 || perVehicle < 5.5 || perVehicle > 7.5 {
		t.Errorf("%.2f vehicles a person, %.2f violations a vehicle; want about 0.75 and 6.5", perPerson, perVehicle)
	}
	byPlate := map[model.Plate]int{}
	oldest := now
	for _, v := range d.Violations {
		byPlate[v.Plate]++
		if v.Time.Before(oldest) {
			oldest = v.Time
		}
	}
	none, tail := 0, 0
	for _, v := range d.Vehicles {
		switch n := byPlate[v.Plate]; {
		case n == 0:
			none++
		case n >= 40:
			tail++
		}
	}
	if share := float64(none) / float64(len(d.Vehicles)); share < 0.25 || share > 0.45 {
		t.Errorf("%.0f%% of vehicles without violations, want about a third", 100*share)
	}
	if tail < 10 || tail > len(d.Vehicles)/20 {
		t.Errorf("%d vehicles with 40 or more violations, want a tail of a few percent", tail)
	}
	if years := now.Sub(oldest).Hours() / 24 / 365; years < 5 {
		t.Errorf("the oldest violation is %.1f years old, want several years", years)
	}
	if len(d.Bindings) < 100 || len(d.Follows) < 10 || len(d.UnitDrivers) < 20 {
		t.Errorf("%d bindings, %d follows, %d unit drivers: want them in the demo's proportions",
			len(d.Bindings), len(d.Follows), len(d.UnitDrivers))
	}
	ledger := map[model.IDNumber][]model.PointsEntry{}
	for _, e := range d.Points {
		ledger[e.Driver] = append(ledger[e.Driver], e.PointsEntry)
	}
	for _, p := range d.People {
		if l := p.Licence; l != nil && l.Status == model.StatusNormal {
			if total := model.CyclePoints(ledger[l.ID], model.CycleAt(l.FirstIssued, now, 12)); total >= 12 {
				t.Errorf("a driver in normal standing has %d points this cycle", total)
			}
		}
	}
}

func TestProvinceRefusesAScaleOutOfRange(t *testing.T) {
	for _, scale := range []float64{0, -1, 11, math.NaN()} {
		called := false
		if _, err := Province(1, testToday(), scale, func(*Data) error { called = true; return nil }); err == nil || called {
			t.Errorf("scale %v: err %v, emitted %v; want an error and nothing emitted", scale, err, called)
		}
	}
}

func TestProvinceStopsAtEmitsError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	counts, err := province(1, testToday(), 1000, 250, func(*Data) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 || counts.Chunks != 1 {
		t.Errorf("err %v after %d chunks (counts %+v); want emit's error after the first", err, n, counts)
	}
}
