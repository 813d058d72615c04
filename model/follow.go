package model

import "time"

// FollowRequest asks to follow a vehicle (关注, DOMAIN.md section 8). The owner consents with a
// verification code; OwnerConsented records that the code was given back correctly.
type FollowRequest struct {
	Follower       IDNumber
	Vehicle        Vehicle
	OwnerConsented bool
	At             time.Time
}

// FollowHistory is what limits a new follow.
type FollowHistory struct {
	OfVehicle  []Follow // the vehicle's follows, any state
	OfFollower []Follow // every follow request the user made, any state
}

// CheckFollow returns every reason the follow cannot be made; none means it may be.
func CheckFollow(p *Profile, req FollowRequest, h FollowHistory) []Reason {
	r := p.Follow
	if !r.Enabled {
		return []Reason{{Code: ReasonFollowDisabled}}
	}
	v := req.Vehicle
	if v.OwnerKind == OwnerPersonal && v.Owner == req.Follower {
		return []Reason{{Code: ReasonFollowOwnVehicle}}
	}
	var rs []Reason
	add := func(code ReasonCode, a Args) { rs = append(rs, Reason{Code: code, Args: a}) }
	if r.PersonalOnly && v.OwnerKind != OwnerPersonal {
		add(ReasonFollowUnitOwned, Args{})
	}
	if !containsPlateType(r.PlateTypes, v.Plate.Type) {
		add(ReasonFollowVehicleType, Args{Term: v.Plate.Type.Term()})
	}
	// A follow is made so that the follower can process the vehicle's violations here. A vehicle
	// the processing rules refuse whoever acts for it (registered elsewhere, or operating) would
	// use up one of the year's few follow requests for nothing, so the processing rules' own
	// facts refuse the follow itself.
	if pr := &p.Processing; pr.AcceptFollowed {
		if !pr.vehicleLocal(v.Plate) {
			add(ReasonFollowNotLocal, Args{Want: pr.LocalProvince, Got: v.Plate.Number.Province()})
		}
		if !pr.useAccepted(v.Use) {
			add(ReasonFollowOperating, Args{})
		}
	}
	following, requests := 0, 0
	yearAgo := req.At.AddDate(-1, 0, 0)
	for _, f := range h.OfFollower {
		if f.RequestedAt.After(yearAgo) && !f.RequestedAt.After(req.At) {
			requests++
		}
		if !f.ActiveAt(req.At) {
			continue
		}
		if f.Plate == v.Plate {
			return append(rs, Reason{Code: ReasonFollowAlready, Args: Args{At: f.Until}})
		}
		following++
	}
	followers := 0
	for _, f := range h.OfVehicle {
		if f.ActiveAt(req.At) && f.Follower != req.Follower {
			followers++
		}
	}
	if following >= r.MaxFollows {
		add(ReasonFollowUserFull, Args{N: following, Limit: r.MaxFollows})
	}
	if requests >= r.MaxRequestsPerYear {
		add(ReasonFollowRequestsUsed, Args{N: requests, Limit: r.MaxRequestsPerYear})
	}
	if followers >= r.MaxFollowersPerVehicle {
		add(ReasonFollowVehicleFull, Args{N: followers, Limit: r.MaxFollowersPerVehicle})
	}
	if !req.OwnerConsented {
		add(ReasonFollowNoConsent, Args{})
	}
	return rs
}

// NewFollow is the follow a successful request makes, authorised for the profile's period.
func NewFollow(p *Profile, req FollowRequest) Follow {
	return Follow{
		Follower: req.Follower, Plate: req.Vehicle.Plate, Owner: req.Vehicle.Owner,
		RequestedAt: req.At, Since: req.At, Until: req.At.AddDate(0, p.Follow.AuthorisationMonths, 0),
	}
}

// CheckUnfollow says whether actor may cancel f: either the follower or the owner may.
func CheckUnfollow(actor IDNumber, f Follow, found bool, at time.Time) []Reason {
	if !found || !f.ActiveAt(at) {
		return []Reason{{Code: ReasonUnfollowNotFound}}
	}
	if actor != f.Follower && actor != f.Owner {
		return []Reason{{Code: ReasonUnfollowNotParty}}
	}
	return nil
}
