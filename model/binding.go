package model

import "time"

// BindRequest asks to bind a vehicle the driver does not own (备案, DOMAIN.md section 7).
type BindRequest struct {
	Driver          IDNumber
	Vehicle         Vehicle
	OwnerRegistered bool // the owner is known to the platform
	OwnerVerified   bool // the owner was present and proved ownership (server-checked proof, face where a camera exists)
	Channel         BindingChannel
	At              time.Time
}

// BindingHistory is what the platform knows that limits a new binding.
type BindingHistory struct {
	// OfVehicle holds the vehicle's bindings (any state); only those in force count.
	OfVehicle []Binding
	// OfDriver holds all of the driver's bindings, past and present: the distinct-owners limit
	// counts the whole history.
	OfDriver []Binding
}

// CheckBind returns every reason the binding cannot be made; none means it may be.
func CheckBind(p *Profile, req BindRequest, h BindingHistory) []Reason {
	r := p.Binding
	var rs []Reason
	add := func(code ReasonCode, a Args) { rs = append(rs, Reason{Code: code, Args: a}) }
	if !r.Enabled {
		return []Reason{{Code: ReasonBindDisabled}}
	}
	v := req.Vehicle
	if v.OwnerKind == OwnerPersonal && v.Owner == req.Driver {
		return []Reason{{Code: ReasonBindOwnVehicle}}
	}
	if r.PersonalOnly && v.OwnerKind != OwnerPersonal {
		add(ReasonBindUnitOwned, Args{})
	}
	if !containsPlateType(r.PlateTypes, v.Plate.Type) {
		add(ReasonBindVehicleType, Args{Term: v.Plate.Type.Term()})
	}
	switch {
	case v.OwnerKind != OwnerPersonal:
		// A unit cannot authorise through a kiosk; the unit reason above says so.
	case !req.OwnerRegistered:
		add(ReasonBindOwnerAbsent, Args{})
	case !req.OwnerVerified:
		add(ReasonBindOwnerUnchecked, Args{})
	}

	binders := 0
	for _, b := range h.OfVehicle {
		if b.ActiveAt(req.At) && b.Driver != req.Driver {
			binders++
		}
	}
	concurrent, selfService := 0, 0
	owners := map[IDNumber]bool{v.Owner: true}
	for _, b := range h.OfDriver {
		owners[b.Owner] = true
		if !b.ActiveAt(req.At) {
			continue
		}
		if b.Plate == v.Plate {
			return append(rs, Reason{Code: ReasonBindAlready, Args: Args{At: b.Since}})
		}
		concurrent++
		if b.Channel == ChannelSelfService {
			selfService++
		}
	}
	if binders >= r.MaxBindersPerVehicle {
		add(ReasonBindVehicleFull, Args{N: binders, Limit: r.MaxBindersPerVehicle})
	}
	if concurrent >= r.MaxConcurrent {
		add(ReasonBindDriverFull, Args{N: concurrent, Limit: r.MaxConcurrent})
	}
	if req.Channel == ChannelSelfService && selfService >= r.MaxSelfService {
		add(ReasonBindSelfService, Args{N: selfService, Limit: r.MaxSelfService})
	}
	if len(owners) > r.MaxDistinctOwners {
		add(ReasonBindOwnerHistory, Args{N: len(owners) - 1, Limit: r.MaxDistinctOwners})
	}
	return rs
}

// NewBinding is the binding a successful request makes. It takes effect at once: violations
// from that day on can be processed through it.
func NewBinding(req BindRequest) Binding {
	return Binding{Driver: req.Driver, Plate: req.Vehicle.Plate, Owner: req.Vehicle.Owner, Since: req.At, Channel: req.Channel}
}

// CheckUnbind says whether actor may end b: the bound driver can unbind, the owner can revoke.
// found is false when no binding in force matched the request.
func CheckUnbind(actor IDNumber, b Binding, found bool, at time.Time) []Reason {
	if !found || !b.ActiveAt(at) {
		return []Reason{{Code: ReasonUnbindNotFound}}
	}
	if actor != b.Driver && actor != b.Owner {
		return []Reason{{Code: ReasonUnbindNotParty}}
	}
	return nil
}
