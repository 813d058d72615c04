package server

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// handleLinkCheck answers POST /v1/linkcheck: whether the driver could bind (or follow) the
// vehicle whoever its owner proves to be, so that the kiosk refuses with the precise reason
// before asking the owner for anything. It judges with the model's rules and current data as
// the op will (the op judges again: this is advice, not a reservation), leaving out only what
// depends on the owner who comes: whether they verify and whether they are registered, which
// would tell anyone who types a plate something about its owner.
//
// What it tells is about the vehicle and the asking driver: whether the plate is registered,
// unit-owned or operating, its type, whether it is full of binders or followers, and which
// proofs by number the platform holds. None of it names or identifies the owner. Each request
// takes a token of the kiosk's identification bucket (limits.go), which bounds how fast a kiosk
// can survey plates.
func (s *Server) handleLinkCheck(w http.ResponseWriter, r *http.Request, sess *session) {
	var req api.LinkCheck
	if err := decodeBody(sess.body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request",
			`the body must be {"driver_id": ..., "plate_type": ..., "plate_number": ..., "purpose": "bind" or "follow"}`)
		return
	}
	now := s.now()
	if path := firstOf(idField("driver_id", req.DriverID, now), plateFields(req.PlateType, req.PlateNumber)); path != "" {
		writeError(w, http.StatusBadRequest, "bad_request", path+": give the driver's ID number and the vehicle's plate type and number")
		return
	}
	if req.Purpose != api.PurposeBind && req.Purpose != api.PurposeFollow {
		writeError(w, http.StatusBadRequest, "bad_request", "purpose: bind or follow")
		return
	}
	// A request that guesses nothing meets only the kiosk's bucket, as a card read does.
	rf, err := s.limits.allowIdentify(r.Context(), sess.kiosk.ID, "", true)
	if err != nil {
		s.internalError(w, "identification limits", err)
		return
	}
	if rf.scope != "" {
		secs := retryAfterSeconds(rf.wait)
		s.metrics.limited(rf.scope)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeError(w, http.StatusTooManyRequests, "rate_limited", "too many requests from this kiosk: wait "+strconv.Itoa(secs)+" seconds")
		return
	}
	p, err := s.profileOf(&sess.kiosk)
	if err != nil {
		s.internalError(w, "profile", err)
		return
	}
	driver, _ := model.ParseIDNumber(req.DriverID, now)
	plate, _ := model.ParsePlate(req.PlateType, req.PlateNumber)
	var out api.LinkChecked
	err = s.store.Read(r.Context(), func(rd store.Reader) error {
		var err error
		out, err = linkCheck(rd, p, driver, plate, req.Purpose == api.PurposeFollow, now)
		return err
	})
	if err != nil {
		s.internalError(w, "linkcheck", err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// linkCheck judges a link before the owner comes: the owner is taken as registered and
// verified, so every reason left is one no owner can remove.
func linkCheck(r store.Reader, p *model.Profile, driver model.IDNumber, plate model.Plate, follow bool, now time.Time) (api.LinkChecked, error) {
	out := api.LinkChecked{Reasons: []api.Reason{}, Proofs: []string{}}
	refuse := func(rs ...model.Reason) (api.LinkChecked, error) {
		for _, x := range rs {
			out.Reasons = append(out.Reasons, api.FromReason(x, ""))
		}
		return out, nil
	}
	d, err := r.Driver(driver)
	if errors.Is(err, store.ErrNotFound) || (err == nil && d.Licence == nil) {
		return refuse(model.Reason{Code: model.ReasonDriverUnknown})
	} else if err != nil {
		return out, err
	}
	v, err := r.Vehicle(plate)
	if errors.Is(err, store.ErrNotFound) {
		return refuse(model.Reason{Code: model.ReasonVehicleUnknown})
	} else if err != nil {
		return out, err
	}
	var rs []model.Reason
	if follow {
		ofVehicle, err := r.Follows(store.FollowFilter{Plate: plate})
		if err != nil {
			return out, err
		}
		ofFollower, err := r.Follows(store.FollowFilter{Follower: driver})
		if err != nil {
			return out, err
		}
		rs = model.CheckFollow(p, model.FollowRequest{Follower: driver, Vehicle: v.Vehicle, OwnerConsented: true, At: now},
			model.FollowHistory{OfVehicle: plainFollows(ofVehicle), OfFollower: plainFollows(ofFollower)})
	} else {
		ofVehicle, err := r.Bindings(store.BindingFilter{Plate: plate})
		if err != nil {
			return out, err
		}
		ofDriver, err := r.Bindings(store.BindingFilter{Driver: driver})
		if err != nil {
			return out, err
		}
		rs = model.CheckBind(p, model.BindRequest{Driver: driver, Vehicle: v.Vehicle, OwnerRegistered: true,
			OwnerVerified: true, Channel: model.ChannelSelfService, At: now},
			model.BindingHistory{OfVehicle: plainBindings(ofVehicle), OfDriver: plainBindings(ofDriver)})
	}
	if len(rs) > 0 {
		return refuse(rs...)
	}
	if v.VIN != "" {
		out.Proofs = append(out.Proofs, api.ProofVIN)
	}
	if v.RegCert != "" {
		out.Proofs = append(out.Proofs, api.ProofRegCert)
	}
	return out, nil
}
