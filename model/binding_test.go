package model

import (
	"testing"
	"time"
)

func TestCheckBind(t *testing.T) {
	national := profile(t, "national")
	carB := plate(t, PlateSmallCar, "粤B12345")
	at := testNow()
	since := day(2026, time.January, 5)
	vehB := personalCar(carB, idB)
	req := func(mod func(*BindRequest)) BindRequest {
		r := BindRequest{Driver: idA, Vehicle: vehB, OwnerRegistered: true, OwnerVerified: true, Channel: ChannelSelfService, At: at}
		if mod != nil {
			mod(&r)
		}
		return r
	}
	// bindingOf makes a binding in force of driver d on a car numbered n owned by owner.
	bindingOf := func(d IDNumber, n string, owner IDNumber, ch BindingChannel) Binding {
		return Binding{Driver: d, Plate: plate(t, PlateSmallCar, n), Owner: owner, Since: since, Channel: ch}
	}
	ended := func(b Binding) Binding { b.Ended = day(2026, time.June, 1); return b }
	owners := func(n int) []Binding { // past bindings covering n distinct owners other than B
		ids := []IDNumber{"440524188001010014", "11010219840406970X", "53010219200508011X", "810000199408230021", "830000199201300022", idC}
		var bs []Binding
		for i := 0; i < n; i++ {
			bs = append(bs, ended(bindingOf(idA, "粤B0000"+string(rune('1'+i)), ids[i], ChannelCounter)))
		}
		return bs
	}
	disabled := profile(t, "chongqing")

	rows := []struct {
		name    string
		profile *Profile
		req     BindRequest
		history BindingHistory
		want    []ReasonCode
	}{
		{"allowed: owner present, nothing bound yet", national, req(nil), BindingHistory{}, nil},
		{"profile without binding", disabled, req(nil), BindingHistory{}, []ReasonCode{ReasonBindDisabled}},
		{"own vehicle", national, req(func(r *BindRequest) { r.Vehicle.Owner = idA }), BindingHistory{}, []ReasonCode{ReasonBindOwnVehicle}},
		{"unit-owned", national, req(func(r *BindRequest) { r.Vehicle.OwnerKind, r.Vehicle.Owner = OwnerUnit, "" }), BindingHistory{}, []ReasonCode{ReasonBindUnitOwned}},
		{"large car", national, req(func(r *BindRequest) { r.Vehicle.Plate = plate(t, PlateLargeCar, "粤B12345") }), BindingHistory{}, []ReasonCode{ReasonBindVehicleType}},
		{"small new-energy car is accepted", national, req(func(r *BindRequest) { r.Vehicle.Plate = plate(t, PlateSmallNEV, "粤BD12345") }), BindingHistory{}, nil},
		{"owner not registered", national, req(func(r *BindRequest) { r.OwnerRegistered, r.OwnerVerified = false, false }), BindingHistory{}, []ReasonCode{ReasonBindOwnerAbsent}},
		{"owner not verified", national, req(func(r *BindRequest) { r.OwnerVerified = false }), BindingHistory{}, []ReasonCode{ReasonBindOwnerUnchecked}},
		{"already bound", national, req(nil), BindingHistory{OfDriver: []Binding{bindingOf(idA, "粤B12345", idB, ChannelSelfService)}}, []ReasonCode{ReasonBindAlready}},
		{"vehicle has 3 binders", national, req(func(r *BindRequest) { r.Channel = ChannelCounter }),
			BindingHistory{OfVehicle: []Binding{bindingOf(idC, "粤B12345", idB, ChannelCounter), bindingOf("440524188001010014", "粤B12345", idB, ChannelCounter), bindingOf("11010219840406970X", "粤B12345", idB, ChannelCounter)}},
			[]ReasonCode{ReasonBindVehicleFull}},
		{"vehicle has 2 binders and one ended: allowed", national, req(func(r *BindRequest) { r.Channel = ChannelCounter }),
			BindingHistory{OfVehicle: []Binding{bindingOf(idC, "粤B12345", idB, ChannelCounter), ended(bindingOf("440524188001010014", "粤B12345", idB, ChannelCounter)), bindingOf("11010219840406970X", "粤B12345", idB, ChannelCounter)}},
			nil},
		{"driver holds 3 (at a counter)", national, req(func(r *BindRequest) { r.Channel = ChannelCounter }),
			BindingHistory{OfDriver: []Binding{bindingOf(idA, "粤B00001", idB, ChannelCounter), bindingOf(idA, "粤B00002", idB, ChannelCounter), bindingOf(idA, "粤B00003", idB, ChannelCounter)}},
			[]ReasonCode{ReasonBindDriverFull}},
		{"driver holds 1 self-service: a second by kiosk is refused", national, req(nil),
			BindingHistory{OfDriver: []Binding{bindingOf(idA, "粤B00001", idC, ChannelSelfService)}},
			[]ReasonCode{ReasonBindSelfService}},
		{"driver holds 1 self-service: a second at a counter is allowed", national, req(func(r *BindRequest) { r.Channel = ChannelCounter }),
			BindingHistory{OfDriver: []Binding{bindingOf(idA, "粤B00001", idC, ChannelSelfService)}}, nil},
		{"history of 5 distinct owners: a sixth is refused", national, req(func(r *BindRequest) { r.Channel = ChannelCounter }),
			BindingHistory{OfDriver: owners(5)}, []ReasonCode{ReasonBindOwnerHistory}},
		{"history of 4 distinct owners: the fifth is allowed", national, req(func(r *BindRequest) { r.Channel = ChannelCounter }),
			BindingHistory{OfDriver: owners(4)}, nil},
		{"history of 5 owners including B: B's other car is allowed", national, req(func(r *BindRequest) { r.Channel = ChannelCounter }),
			BindingHistory{OfDriver: append(owners(4), ended(bindingOf(idA, "粤B99999", idB, ChannelCounter)))}, nil},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			got := CheckBind(r.profile, r.req, r.history)
			if !sameCodes(codes(got), r.want) {
				t.Errorf("reasons = %v, want %v", codes(got), r.want)
			}
		})
	}
}

func TestBindingTakesEffectForLaterViolations(t *testing.T) {
	national := profile(t, "national")
	car := plate(t, PlateSmallCar, "粤B12345")
	b := NewBinding(BindRequest{Driver: idA, Vehicle: personalCar(car, idB), Channel: ChannelSelfService, At: day(2026, time.October, 10)})
	e := NewEvaluator(Case{Profile: national, Licence: licenceOf(idA, "C1", "粤B"), Now: testNow(),
		Vehicles: []RelatedVehicle{{personalCar(car, idB), Relation{Kind: RelationBound, Since: b.Since}}}})
	if el := e.Evaluate(camera("before", car, day(2026, time.October, 9), 3, Yuan(100))); el.Eligible {
		t.Error("a violation the day before the binding must be refused")
	}
	if el := e.Evaluate(camera("after", car, day(2026, time.October, 11), 3, Yuan(100))); !el.Eligible {
		t.Errorf("a violation after the binding must be allowed: %v", codes(el.Reasons))
	}
}

func TestCheckUnbind(t *testing.T) {
	b := Binding{Driver: idA, Owner: idB, Since: day(2026, time.January, 1)}
	for _, r := range []struct {
		name  string
		actor IDNumber
		b     Binding
		found bool
		want  []ReasonCode
	}{
		{"driver unbinds", idA, b, true, nil},
		{"owner revokes", idB, b, true, nil},
		{"someone else", idC, b, true, []ReasonCode{ReasonUnbindNotParty}},
		{"no binding", idA, b, false, []ReasonCode{ReasonUnbindNotFound}},
		{"already ended", idA, Binding{Driver: idA, Owner: idB, Since: day(2026, time.January, 1), Ended: day(2026, time.February, 1)}, true, []ReasonCode{ReasonUnbindNotFound}},
	} {
		if got := CheckUnbind(r.actor, r.b, r.found, testNow()); !sameCodes(codes(got), r.want) {
			t.Errorf("%s: %v, want %v", r.name, codes(got), r.want)
		}
	}
}
