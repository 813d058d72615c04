package service

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/model"
)

// A unit's designated driver (the demo's unit-driver persona) is judged the same from the
// platform and from the cache while offline: the cached record keeps the unit's car with its
// relation, and the rules refuse its violation with the unit-vehicle reason either way, so an
// outage neither hides the car nor makes its violation look processable.
func TestDesignatedDriverJudgedAlikeOnlineAndFromCache(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	i := slices.IndexFunc(dataset.Personas(time.Now()), func(p dataset.Persona) bool { return p.Key == "unit-driver" })
	p := dataset.Personas(time.Now())[i]
	ref, err := model.LoadReference(assets.FS())
	if err != nil {
		t.Fatal(err)
	}
	judge := func(what string, l Looked) {
		t.Helper()
		v := slices.IndexFunc(l.Vehicles, func(v api.Vehicle) bool { return v.Relation == api.RelationDesignated })
		if v < 0 || l.Vehicles[v].PlateNumber != "粤B6W3K9" || l.Vehicles[v].OwnerName == "" {
			t.Fatalf("%s: vehicles %+v, want the unit car as designated, with the unit's name", what, l.Vehicles)
		}
		c, vs, err := l.Case(ref.Profiles["national"], time.Now())
		if err != nil {
			t.Fatalf("%s: the record cannot be judged: %v", what, err)
		}
		c.Catalogue = ref.Catalogue
		e := model.NewEvaluator(c)
		unit := 0
		for _, v := range vs {
			if string(v.Plate.Number) != "粤B6W3K9" {
				continue
			}
			unit++
			if el := e.Evaluate(v); el.Eligible || len(el.Reasons) != 1 || el.Reasons[0].Code != model.ReasonUnitOwned {
				t.Errorf("%s: the unit car's violation %+v, want refused as unit-owned only", what, el)
			}
		}
		if unit == 0 {
			t.Errorf("%s: no violation of the unit car in the record", what)
		}
	}
	online, err := r.svc.Lookup(ctx, p.ID, p.File)
	if err != nil || online.FromCache {
		t.Fatalf("online lookup: %v (from cache %v)", err, online.FromCache)
	}
	judge("online", online)

	r.goOffline(t)
	cached, err := r.svc.Lookup(ctx, p.ID, p.File)
	if err != nil || !cached.FromCache {
		t.Fatalf("offline lookup: %v (from cache %v)", err, cached.FromCache)
	}
	judge("from the cache", cached)
}
