package api

import (
	"fmt"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// Case turns a lookup answer into what the eligibility engine judges with, so that the kiosk
// shows eligibility and reasons with exactly the rules the server will apply. It also returns
// the violations as model values, in the answer's order. now is the kiosk's clock.
func (l Lookup) Case(p *model.Profile, now time.Time) (model.Case, []model.Violation, error) {
	id, err := model.ParseIDNumber(l.Person.IDNumber, now)
	if err != nil {
		return model.Case{}, nil, fmt.Errorf("lookup: person: %w", err)
	}
	if l.Licence == nil {
		return model.Case{}, nil, fmt.Errorf("lookup: the person has no licence")
	}
	lic, err := l.Licence.Model(id)
	if err != nil {
		return model.Case{}, nil, fmt.Errorf("lookup: licence: %w", err)
	}
	c := model.Case{Profile: p, Licence: lic, CyclePoints: l.Points.Total, Now: now}
	for i, v := range l.Vehicles {
		rv, err := v.related(now)
		if err != nil {
			return model.Case{}, nil, fmt.Errorf("lookup: vehicle %d: %w", i+1, err)
		}
		c.Vehicles = append(c.Vehicles, rv)
	}
	vs := make([]model.Violation, 0, len(l.Violations))
	for i, v := range l.Violations {
		m, err := v.Model()
		if err != nil {
			return model.Case{}, nil, fmt.Errorf("lookup: violation %d: %w", i+1, err)
		}
		vs = append(vs, m)
	}
	return c, vs, nil
}

// related turns a wire vehicle into the model's vehicle with the driver's relation to it.
func (v Vehicle) related(now time.Time) (model.RelatedVehicle, error) {
	plate, err := model.ParsePlate(v.PlateType, v.PlateNumber)
	if err != nil {
		return model.RelatedVehicle{}, err
	}
	veh := model.Vehicle{Plate: plate, OwnerKind: model.OwnerKind(v.OwnerKind), Use: model.UseNature(v.Use)}
	if v.OwnerID != "" {
		if veh.Owner, err = model.ParseIDNumber(v.OwnerID, now); err != nil {
			return model.RelatedVehicle{}, err
		}
	}
	rel := model.Relation{}
	switch v.Relation {
	case "own":
		rel.Kind = model.RelationOwn
	case "bound":
		rel.Kind = model.RelationBound
	case "followed":
		rel.Kind = model.RelationFollowed
	case RelationDesignated:
		rel.Kind = model.RelationDesignated
	default:
		return model.RelatedVehicle{}, fmt.Errorf("unknown relation %q", v.Relation)
	}
	if v.Since != nil {
		rel.Since = *v.Since
	}
	if v.Until != nil {
		rel.Until = *v.Until
	}
	return model.RelatedVehicle{Vehicle: veh, Relation: rel}, nil
}
