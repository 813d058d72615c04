package dataset

import (
	"encoding/json"

	"github.com/hallkiosk/kiosk/model"
)

// The unit_drivers section: the drivers a unit designated for its vehicles, as units register
// them on 12123 (单位用户 - 驾驶人管理). A designation shows the driver the vehicle and its
// violations at a kiosk, each refused there with the unit-vehicle reason; it never lets them
// process one (model.RelationDesignated).

// wireUnitDriver mirrors a unit_drivers record key by key, in the order of recordFields.
type wireUnitDriver struct {
	DriverID    string `json:"driver_id"`
	PlateType   string `json:"plate_type"`
	PlateNumber string `json:"plate_number"`
	Since       string `json:"since"`
	Ended       string `json:"ended,omitempty"`
}

func wireUnitDriverOf(u model.UnitDriver) wireUnitDriver {
	return wireUnitDriver{DriverID: string(u.Driver), PlateType: string(u.Plate.Type), PlateNumber: string(u.Plate.Number),
		Since: instantText(u.Since), Ended: instantText(u.Ended)}
}

func (d *decoder) decodeUnitDrivers(items []json.RawMessage) {
	seen := map[linkKey][]period{}
	inForce := map[model.Plate][]int{} // designations without an end, by vehicle
	for i, raw := range items {
		path := itemPath("unit_drivers", i)
		var u model.UnitDriver
		if o, ok := newObject(d.c, path, kindUnitDriver, raw, d.today); ok {
			u = d.decodeUnitDriver(o)
		}
		d.out.UnitDrivers = append(d.out.UnitDrivers, u)
		if u.Driver == "" || u.Plate.Number == "" || u.Since.IsZero() {
			continue
		}
		if j := overlapping(seen, linkKey{u.Driver, u.Plate}, period{i, u.Since, u.Ended}); j >= 0 {
			d.c.add(path+".since", "designates the same driver for the same vehicle as %s at the same time; "+
				"list each designation once, or give the earlier one an ended before this since", itemPath("unit_drivers", j))
			continue
		}
		if !u.Ended.IsZero() {
			continue
		}
		others := inForce[u.Plate]
		if len(others) >= model.MaxUnitDriversPerVehicle {
			d.c.add(path+".plate_number", "%s already has %d drivers designated and in force (%s ...); a unit may "+
				"designate at most %d per vehicle: give one of them an ended, or leave this one out",
				itemPath("vehicles", d.vehicles[u.Plate]), len(others), itemPath("unit_drivers", others[0]),
				model.MaxUnitDriversPerVehicle)
			continue
		}
		inForce[u.Plate] = append(others, i)
	}
}

func (d *decoder) decodeUnitDriver(o *object) model.UnitDriver {
	var u model.UnitDriver
	u.Since, _ = o.past("since")
	if t, ok := o.past("ended"); ok {
		if !u.Since.IsZero() && !t.After(u.Since) {
			d.c.add(o.at("ended"), "must be after since")
		} else {
			u.Ended = t
		}
	}
	u.Driver, _ = d.idNumber(o, "driver_id")
	if u.Driver != "" {
		if i, ok := d.person(o, "driver_id", u.Driver); ok {
			d.licensed(o, "driver_id", i, "a designated driver")
		}
	}
	u.Plate = d.unitVehicle(o)
	return u
}

// unitVehicle reads the plate of a designation and checks that it names a unit-owned vehicle:
// a unit designates drivers only for its own vehicles, and a person's vehicle is shared through
// a binding (or a follow) instead.
func (d *decoder) unitVehicle(o *object) model.Plate {
	p, ok := d.plate(o)
	if !ok {
		return model.Plate{}
	}
	vi, ok := d.vehicles[p]
	if !ok {
		d.c.add(o.at("plate_number"), "no vehicle with this plate type and number is in vehicles; add the vehicle "+
			"or correct the plate")
		return model.Plate{} // nothing more to check against a vehicle that is not there
	}
	// A vehicle whose owner_kind is broken has its own problem already.
	if d.out.Vehicles[vi].OwnerKind == model.OwnerPersonal {
		d.c.add(o.at("plate_number"), "%s is personally owned; only a unit's vehicle has designated drivers: for a "+
			"person's vehicle add a binding instead, or correct the plate", itemPath("vehicles", vi))
	}
	return p
}
