package server

import (
	"errors"
	"time"

	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// A unit designates the drivers of its vehicles (单位车辆驾驶人, from the import file). A
// designated driver's lookup carries the vehicle and its violations, so that a driver whose only
// relation is a company car learns why nothing can be done here and what the counter needs,
// instead of reading "no violation records". The rules refuse every one of those violations
// (model.RelationDesignated), here and at the kiosk alike.

// addDesignated appends to a driver's related vehicles the unit vehicles designated to them and
// in force at now. A vehicle already related (which the import's rules rule out, as a unit's
// vehicle is never bound or followed) keeps its first relation; a vehicle no longer registered to
// a unit, or deregistered, gives none: the designation was the unit's, and the vehicle is not
// the unit's any more.
func addDesignated(r store.Reader, d store.Driver, now time.Time, out []model.RelatedVehicle, vehicles []store.Vehicle) ([]model.RelatedVehicle, []store.Vehicle, error) {
	us, err := r.UnitDrivers(store.UnitDriverFilter{Driver: d.ID})
	if err != nil {
		return nil, nil, err
	}
	have := make(map[model.Plate]bool, len(out))
	for _, rv := range out {
		have[rv.Vehicle.Plate] = true
	}
	for _, u := range us {
		if !u.ActiveAt(now) || have[u.Plate] {
			continue
		}
		v, err := r.Vehicle(u.Plate)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, nil, err
		}
		if v.OwnerKind != model.OwnerUnit {
			continue
		}
		have[u.Plate] = true
		out = append(out, model.RelatedVehicle{Vehicle: v.Vehicle, Relation: model.Relation{Kind: model.RelationDesignated, Since: u.Since}})
		vehicles = append(vehicles, v)
	}
	return out, vehicles, nil
}

// importUnitDrivers stores the file's designations; one already stored (same driver, vehicle and
// start) gets the file's end, so that a unit withdraws a designation by sending it again with
// ended.
func importUnitDrivers(tx store.Tx, d *dataset.Data, sum *ImportSummary) error {
	for _, u := range d.UnitDrivers {
		if err := tx.PutUnitDriver(u); err != nil {
			return err
		}
		sum.UnitDrivers++
	}
	return nil
}
