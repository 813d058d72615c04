package model

import (
	"fmt"
	"testing"
	"time"
)

// benchCase builds a driver with 20 vehicles (own, bound before and after, unit, operating,
// motorcycles) and 1,000 violations spread over them with every source and status, so that the
// benchmark walks every branch of the engine, not only the fast path.
func benchCase(b *testing.B) (Case, []Violation) {
	p := profile(b, "national")
	c := Case{Profile: p, Licence: licenceOf(idA, "C1E", "粤B"), CyclePoints: 4, Now: testNow()}
	for i := 0; i < 20; i++ {
		v := personalCar(plate(b, PlateSmallCar, fmt.Sprintf("粤B%05d", 10000+i)), idA)
		rel := Relation{Kind: RelationOwn}
		switch i % 5 {
		case 1:
			v.Owner, rel = idB, Relation{Kind: RelationBound, Since: day(2026, time.June, 1)}
		case 2:
			v.OwnerKind, v.Owner = OwnerUnit, ""
		case 3:
			v.Use = UseOperating
		case 4:
			v.Plate = plate(b, PlateMotorcycle, fmt.Sprintf("粤B%05d", 20000+i))
		}
		c.Vehicles = append(c.Vehicles, RelatedVehicle{v, rel})
	}
	statuses := []ViolationStatus{StatusRecorded, StatusRecorded, StatusProcessed, StatusPaid, StatusDisputed}
	points := []int{0, 1, 3, 6, 9, 12}
	vs := make([]Violation, 1000)
	for i := range vs {
		vs[i] = Violation{
			ID: fmt.Sprintf("V%04d", i), Plate: c.Vehicles[i%20].Vehicle.Plate,
			Time: day(2026, time.January, 1).Add(time.Duration(i) * 7 * time.Hour), Code: "1625",
			Points: points[i%len(points)], Fine: Fen(5000 * (1 + i%7)), Source: SourceCamera,
			Status: statuses[i%len(statuses)], Office: "福田大队",
		}
		if i%11 == 0 {
			vs[i].Source = SourceOnSite
		}
	}
	return c, vs
}

// BenchmarkEvaluate judges 1,000 violations across 20 vehicles, building the evaluator as a
// lookup does: the whole overview, re-evaluated as the UI would on a keystroke.
func BenchmarkEvaluate(b *testing.B) {
	c, vs := benchCase(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		e := NewEvaluator(c)
		out := e.EvaluateAll(vs)
		if len(out) != len(vs) {
			b.Fatal("lost verdicts")
		}
	}
}

// BenchmarkEvaluateSet judges a selection of 50 violations, as the running forecast does.
func BenchmarkEvaluateSet(b *testing.B) {
	c, vs := benchCase(b)
	e := NewEvaluator(c)
	sel := vs[:50]
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if s := e.EvaluateSet(sel); len(s.Items) != 50 {
			b.Fatal("lost items")
		}
	}
}

// The benchmark data must exercise both verdicts and all actions, or it measures a shortcut.
func TestBenchmarkCaseCoversTheEngine(t *testing.T) {
	c, vs := benchCase(&testing.B{})
	seen := map[Action]int{}
	eligible := 0
	for _, el := range NewEvaluator(c).EvaluateAll(vs) {
		seen[el.Action]++
		if el.Eligible {
			eligible++
		}
	}
	if eligible == 0 || seen[ActionPayOnly] == 0 || seen[ActionCounter] == 0 || seen[ActionNone] == 0 {
		t.Errorf("eligible %d, actions %v", eligible, seen)
	}
}
