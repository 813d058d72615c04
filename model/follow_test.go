package model

import (
	"slices"
	"testing"
	"time"
)

func TestCheckFollow(t *testing.T) {
	cq := profile(t, "chongqing")
	car := plate(t, PlateSmallCar, "渝A12345")
	at := testNow()
	req := func(mod func(*FollowRequest)) FollowRequest {
		r := FollowRequest{Follower: idA, Vehicle: personalCar(car, idB), OwnerConsented: true, At: at}
		if mod != nil {
			mod(&r)
		}
		return r
	}
	follow := func(follower IDNumber, n string, requested time.Time) Follow {
		return Follow{Follower: follower, Plate: plate(t, PlateSmallCar, n), Owner: idB,
			RequestedAt: requested, Since: requested, Until: requested.AddDate(1, 0, 0)}
	}
	recent := day(2026, time.August, 1)
	old := day(2025, time.October, 1) // more than a year before testNow
	cancelled := func(f Follow) Follow { f.Cancelled = f.Since.AddDate(0, 1, 0); return f }

	rows := []struct {
		name    string
		profile *Profile
		req     FollowRequest
		h       FollowHistory
		want    []ReasonCode
	}{
		{"allowed", cq, req(nil), FollowHistory{}, nil},
		{"national has no following", profile(t, "national"), req(nil), FollowHistory{}, []ReasonCode{ReasonFollowDisabled}},
		{"own vehicle", cq, req(func(r *FollowRequest) { r.Vehicle.Owner = idA }), FollowHistory{}, []ReasonCode{ReasonFollowOwnVehicle}},
		{"unit vehicle", cq, req(func(r *FollowRequest) { r.Vehicle.OwnerKind, r.Vehicle.Owner = OwnerUnit, "" }), FollowHistory{}, []ReasonCode{ReasonFollowUnitOwned}},
		{"large car", cq, req(func(r *FollowRequest) { r.Vehicle.Plate = plate(t, PlateLargeCar, "渝A12345") }), FollowHistory{}, []ReasonCode{ReasonFollowVehicleType}},
		{"motorcycle accepted", cq, req(func(r *FollowRequest) { r.Vehicle.Plate = plate(t, PlateLightMotorcycle, "渝A1234B") }), FollowHistory{}, nil},
		{"川 car: never processable here", cq, req(func(r *FollowRequest) { r.Vehicle.Plate = plate(t, PlateSmallCar, "川A12345") }), FollowHistory{}, []ReasonCode{ReasonFollowNotLocal}},
		{"operating car", cq, req(func(r *FollowRequest) { r.Vehicle.Use = UseOperating }), FollowHistory{}, []ReasonCode{ReasonFollowOperating}},
		{"use nature unknown counts as operating", cq, req(func(r *FollowRequest) { r.Vehicle.Use = "" }), FollowHistory{}, []ReasonCode{ReasonFollowOperating}},
		{"operating 川 car: both reasons", cq, req(func(r *FollowRequest) {
			r.Vehicle.Plate, r.Vehicle.Use = plate(t, PlateSmallNEV, "川AD12345"), UseOperating
		}), FollowHistory{}, []ReasonCode{ReasonFollowNotLocal, ReasonFollowOperating}},
		{"other 渝 office accepted", cq, req(func(r *FollowRequest) { r.Vehicle.Plate = plate(t, PlateSmallCar, "渝B12345") }), FollowHistory{}, nil},
		{"no consent code", cq, req(func(r *FollowRequest) { r.OwnerConsented = false }), FollowHistory{}, []ReasonCode{ReasonFollowNoConsent}},
		{"already following", cq, req(nil), FollowHistory{OfFollower: []Follow{follow(idA, "渝A12345", recent)}}, []ReasonCode{ReasonFollowAlready}},
		{"following 2 already", cq, req(nil), FollowHistory{OfFollower: []Follow{follow(idA, "渝A00001", old.AddDate(0, 2, 0)), follow(idA, "渝A00002", recent)}}, []ReasonCode{ReasonFollowUserFull}},
		{"3 requests within a year, none in force", cq, req(nil),
			FollowHistory{OfFollower: []Follow{cancelled(follow(idA, "渝A00001", day(2025, time.November, 22))), cancelled(follow(idA, "渝A00002", recent)), cancelled(follow(idA, "渝A00003", recent))}},
			[]ReasonCode{ReasonFollowRequestsUsed}},
		{"3 requests, one older than a year: allowed", cq, req(nil),
			FollowHistory{OfFollower: []Follow{cancelled(follow(idA, "渝A00001", old)), cancelled(follow(idA, "渝A00002", recent)), cancelled(follow(idA, "渝A00003", recent))}},
			nil},
		{"vehicle has 3 followers", cq, req(nil),
			FollowHistory{OfVehicle: []Follow{follow(idC, "渝A12345", recent), follow("440524188001010014", "渝A12345", recent), follow("11010219840406970X", "渝A12345", recent)}},
			[]ReasonCode{ReasonFollowVehicleFull}},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			if got := CheckFollow(r.profile, r.req, r.h); !sameCodes(codes(got), r.want) {
				t.Errorf("reasons = %v, want %v", codes(got), r.want)
			}
		})
	}
}

func TestFollowAuthorisationLastsOneYear(t *testing.T) {
	cq := profile(t, "chongqing")
	start := day(2026, time.March, 15)
	f := NewFollow(cq, FollowRequest{Follower: idA, Vehicle: personalCar(plate(t, PlateSmallCar, "渝A12345"), idB), OwnerConsented: true, At: start})
	if !f.ActiveAt(start) || !f.ActiveAt(start.AddDate(1, 0, 0).Add(-time.Second)) {
		t.Error("a follow must be in force for its whole year")
	}
	if f.ActiveAt(start.AddDate(1, 0, 0)) {
		t.Error("a follow must end after one year")
	}
	for _, r := range []struct {
		actor IDNumber
		want  []ReasonCode
	}{{idA, nil}, {idB, nil}, {idC, []ReasonCode{ReasonUnfollowNotParty}}} {
		if got := CheckUnfollow(r.actor, f, true, day(2026, time.June, 1)); !sameCodes(codes(got), r.want) {
			t.Errorf("unfollow by %s: %v, want %v", r.actor.Masked(), codes(got), r.want)
		}
	}
	if got := CheckUnfollow(idA, f, true, day(2027, time.June, 1)); !sameCodes(codes(got), []ReasonCode{ReasonUnfollowNotFound}) {
		t.Errorf("unfollow after expiry: %v", codes(got))
	}
}

// The follow refusals for place and use nature come from the processing rules themselves: for
// every vehicle, following is refused for a reason exactly when the eligibility engine would
// refuse the follower's processing of that vehicle's violations for the matching reason.
func TestFollowRefusesWhatProcessingRefuses(t *testing.T) {
	cq := profile(t, "chongqing")
	at := testNow()
	lic := licenceOf(idA, "C1", "渝A")
	vehicles := []Vehicle{
		personalCar(plate(t, PlateSmallCar, "渝A12345"), idB),
		personalCar(plate(t, PlateSmallCar, "川A12345"), idB),
		personalCar(plate(t, PlateSmallNEV, "渝BD12345"), idB),
		personalCar(plate(t, PlateMotorcycle, "粤B1234C"), idB),
		{Plate: plate(t, PlateSmallCar, "渝A54321"), OwnerKind: OwnerPersonal, Owner: idB, Use: UseOperating},
		{Plate: plate(t, PlateSmallCar, "川A54321"), OwnerKind: OwnerPersonal, Owner: idB, Use: UseOperating},
		{Plate: plate(t, PlateSmallCar, "渝A54322"), OwnerKind: OwnerPersonal, Owner: idB},
	}
	pairs := []struct{ follow, process ReasonCode }{
		{ReasonFollowNotLocal, ReasonVehicleNotLocal},
		{ReasonFollowOperating, ReasonOperatingVehicle},
	}
	for _, v := range vehicles {
		follow := codes(CheckFollow(cq, FollowRequest{Follower: idA, Vehicle: v, OwnerConsented: true, At: at}, FollowHistory{}))
		rel := Relation{Kind: RelationFollowed, Since: at.AddDate(0, -1, 0), Until: at.AddDate(0, 11, 0)}
		e := NewEvaluator(Case{Profile: cq, Licence: lic, Vehicles: []RelatedVehicle{{v, rel}}, Now: at})
		process := codes(e.Evaluate(camera("V", v.Plate, at.AddDate(0, 0, -1), 0, Yuan(100))).Reasons)
		for _, p := range pairs {
			if slices.Contains(follow, p.follow) != slices.Contains(process, p.process) {
				t.Errorf("%s (%s): follow says %v, processing says %v", v.Plate, v.Use, follow, process)
			}
		}
	}

	// Where followed vehicles are not processed at all, a follow is not judged by the
	// processing rules.
	noProcessing := *cq
	noProcessing.Processing.AcceptFollowed = false
	req := FollowRequest{Follower: idA, Vehicle: vehicles[5], OwnerConsented: true, At: at}
	if got := CheckFollow(&noProcessing, req, FollowHistory{}); len(got) > 0 {
		t.Errorf("follow without processing: %v, want none", codes(got))
	}
}
