package ui

import (
	"context"
	"slices"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/service"
)

// unitFake answers the unit-driver persona with the record the platform gives them (built from
// the demo data as the server builds it: the unit's car they are designated for and its
// violations), and everyone else as fakeService does.
type unitFake struct {
	*fakeService
	records map[model.IDNumber]api.Lookup
}

func (f *unitFake) Lookup(ctx context.Context, id model.IDNumber, file model.FileNumber) (service.Looked, error) {
	if l, ok := f.records[id]; ok {
		f.mu.Lock()
		f.lookups++
		f.mu.Unlock()
		return service.Looked{Lookup: l}, nil
	}
	return f.fakeService.Lookup(ctx, id, file)
}

// designatedRecord is the lookup of a persona whose only relation is a unit's designation, from
// the demo data at testNow: their licence, no points, the unit vehicles designated to them with
// the unit's name, and those vehicles' violations with the catalogue's words.
func designatedRecord(t *testing.T, key string) api.Lookup {
	t.Helper()
	p := persona(t, key)
	d := dataset.Demo(1, testNow, 0)
	ref, err := model.LoadReference(assets.FS())
	if err != nil {
		t.Fatal(err)
	}
	l := api.Lookup{ServerTime: testNow, Profile: "national", Person: api.Person{IDNumber: string(p.ID), Name: p.Name},
		Points: api.Points{CycleStart: "2026-06-15", CycleEnd: "2027-06-15", FullScore: 12}}
	for _, person := range d.People {
		if person.Driver.ID == p.ID {
			l.Licence = api.FromLicence(*person.Licence)
		}
	}
	plates := map[model.Plate]bool{}
	for _, u := range d.UnitDrivers {
		if u.Driver != p.ID || !u.ActiveAt(testNow) {
			continue
		}
		for _, v := range d.Vehicles {
			if v.Plate == u.Plate {
				since := u.Since
				l.Vehicles = append(l.Vehicles, api.Vehicle{PlateType: string(v.Plate.Type), PlateNumber: string(v.Plate.Number),
					OwnerKind: string(v.OwnerKind), OwnerName: v.OwnerName, Use: string(v.Use), Relation: api.RelationDesignated, Since: &since})
				plates[v.Plate] = true
			}
		}
	}
	for _, v := range d.Violations {
		if plates[v.Plate] {
			w := api.FromViolation(v)
			if e, ok := ref.Catalogue.Lookup(v.Code); ok {
				w.CatalogueZH, w.CatalogueEN = e.ZH, e.EN
			}
			l.Violations = append(l.Violations, w)
		}
	}
	if len(l.Vehicles) == 0 || len(l.Violations) == 0 {
		t.Fatalf("persona %s has no designated vehicle with violations in the demo data", key)
	}
	return l
}

func newUnitHarness(t *testing.T, mutate ...func(*Options)) (*harness, dataset.Persona) {
	t.Helper()
	p := persona(t, "unit-driver")
	f := &unitFake{fakeService: newFakeService(t), records: map[model.IDNumber]api.Lookup{p.ID: designatedRecord(t, "unit-driver")}}
	h := &harness{t: t, svc: f.fakeService, now: testNow}
	h.start(testOptions(t), f, mutate)
	return h, p
}

// The persona whose only relation is the company car they are designated for sees the car, as
// a unit's vehicle with their relation to it, its violation, and why it cannot be processed here
// with what to bring to the counter; not "no violation records". Nothing can be picked to
// process, and the vehicles screen lists the car under the unit's name.
func TestDesignatedDriverSeesUnitVehicleAndReason(t *testing.T) {
	for _, lang := range []model.Lang{model.ZH, model.EN} {
		t.Run(string(lang), func(t *testing.T) {
			h, p := newUnitHarness(t, func(o *Options) { o.Lang = lang })
			h.identifyAs(p)
			reason := h.m.c.Reason(model.Reason{Code: model.ReasonUnitOwned})
			h.mustShow("粤B6W3K9", h.text(lang, txtRelationDesignated))
			h.mustNotShow(h.text(lang, txtOverviewNoViolations))
			// The reason and the remedy are wrapped on screen: compare their opening words.
			for _, s := range []string{reason.Message, reason.Remedy} {
				h.mustShow(prefixRunes(s, 12))
			}
			if process, _ := h.m.session.judged.count(); process != 0 {
				t.Errorf("%d violations of the unit car can be processed, want none", process)
			}
			items := h.m.session.judged.items
			if len(items) != 1 || items[0].el.Eligible ||
				!slices.ContainsFunc(items[0].el.Reasons, func(r model.Reason) bool { return r.Code == model.ReasonUnitOwned }) {
				t.Errorf("judged items = %+v, want the unit car's violation refused as unit-owned", items)
			}

			h.openVehicles()
			h.mustShow(h.text(lang, txtVehDesignatedHead), "粤B6W3K9", "深圳市澜岸云图物流有限公司")
			if v := h.vehiclesScreen(); v.cursor >= 0 && v.rows[v.cursor].kind == rowDesignated {
				t.Error("a designation is offered to be ended at the kiosk; only the unit ends it")
			}
		})
	}
}

func prefixRunes(s string, n int) string {
	r := []rune(s)
	return string(r[:min(n, len(r))])
}

// Golden screens of the persona's overview and vehicles list, zh and en, at 80x24.
func TestDesignatedDriverGolden(t *testing.T) {
	for _, screen := range []string{"overview", "vehicles"} {
		for _, lang := range []model.Lang{model.ZH, model.EN} {
			t.Run(screen+"/"+string(lang), func(t *testing.T) {
				h, p := newUnitHarness(t, func(o *Options) { o.Lang = lang })
				h.identifyAs(p)
				if screen == "vehicles" {
					h.openVehicles()
				}
				v := h.view()
				checkFits(t, screen, v, 80, 24)
				golden.RequireEqual(t, v)
			})
		}
	}
}
