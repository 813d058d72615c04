package server

import (
	"errors"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// linkParties resolves the person acting and the vehicle of a bind or follow request, and
// verifies the owner again: the kiosk's word is not proof.
type linkParties struct {
	person  store.Driver
	vehicle store.Vehicle
	owner   store.Driver // zero when the owner is unknown
	ownerOK bool         // the owner proved who they are, and that they own the vehicle
}

// linkOwner is how a bind or follow op proves its owner: the token of an owner's check the
// server recorded at /v1/verify (kiosks since owners verify without a licence), or, from older
// kiosks, the owner's ID number and file number, checked here.
type linkOwner struct {
	id, file, token string
	purpose         string
	kiosk           string
	op              api.Op
}

func resolveLink(tx store.Tx, personID, plateType, plateNumber string, lo linkOwner, now time.Time) (linkParties, *model.Reason, error) {
	var lp linkParties
	id, err1 := model.ParseIDNumber(personID, now)
	plate, err2 := model.ParsePlate(plateType, plateNumber)
	if err1 != nil || err2 != nil {
		return lp, &model.Reason{Code: model.ReasonOpMalformed}, nil
	}
	d, err := tx.LockDriver(id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && d.Licence == nil) {
		return lp, &model.Reason{Code: model.ReasonDriverUnknown}, nil
	} else if err != nil {
		return lp, nil, err
	}
	v, err := tx.Vehicle(plate)
	if errors.Is(err, store.ErrNotFound) {
		return lp, &model.Reason{Code: model.ReasonVehicleUnknown}, nil
	} else if err != nil {
		return lp, nil, err
	}
	lp.person, lp.vehicle = d, v
	if v.OwnerKind != model.OwnerPersonal || v.Owner == d.ID {
		return lp, nil, nil // the model's checks name these cases
	}
	if lo.token != "" {
		return lp, nil, tokenOwner(tx, &lp, lo)
	}
	return fileOwner(tx, lp, lo, now)
}

// tokenOwner accepts the owner's check the op cites when the server recorded it for this
// purpose, kiosk, driver and vehicle, from the vehicle's current owner, at most
// OwnerCheckMaxAge before the op, unused by any other op; it then marks it used. Anything else
// leaves the owner unverified, which the model's rules name.
func tokenOwner(tx store.Tx, lp *linkParties, lo linkOwner) error {
	// The owner's record says whether they are registered, which the rules judge whatever the
	// check: an owner without an account cannot authorise either way.
	o, err := tx.Driver(lp.vehicle.Owner)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	lp.owner = o
	if !validOwnerCheckToken(lo.token) {
		return nil
	}
	key := ownerCheckKey(lo.token)
	c, err := tx.LockOwnerCheck(key)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	age := lo.op.At.Sub(c.IssuedAt)
	if c.Purpose != lo.purpose || c.KioskID != lo.kiosk || c.Driver != lp.person.ID || c.Plate != lp.vehicle.Plate ||
		c.Owner != lp.vehicle.Owner || age < -api.MaxClockSkew || age > api.OwnerCheckMaxAge ||
		(c.UsedBy != "" && c.UsedBy != lo.op.ID) {
		return nil
	}
	lp.ownerOK = true
	if c.UsedBy == lo.op.ID {
		return nil
	}
	return tx.UseOwnerCheck(key, lo.op.ID)
}

// fileOwner checks an owner's ID number and file number carried in the op (kiosks before owner
// checks by token). Numbers that identify nobody fail as owner.check_failed; a person they do
// identify who does not own the vehicle is told so (the numbers proved who they are).
func fileOwner(tx store.Tx, lp linkParties, lo linkOwner, now time.Time) (linkParties, *model.Reason, error) {
	oid, err1 := model.ParseIDNumber(lo.id, now)
	ofile, err2 := model.ParseFileNumber(lo.file)
	if err1 != nil || err2 != nil {
		return lp, &model.Reason{Code: model.ReasonOwnerCheckFailed}, nil
	}
	o, err := identify(tx, credential{id: oid, file: ofile})
	switch {
	case errors.Is(err, errNoMatch):
		return lp, &model.Reason{Code: model.ReasonOwnerCheckFailed}, nil
	case err != nil:
		return lp, nil, err
	case oid != lp.vehicle.Owner:
		return lp, &model.Reason{Code: model.ReasonOwnerNotOwner}, nil
	}
	lp.owner, lp.ownerOK = o, true
	return lp, nil, nil
}

func (s *Server) applyBind(tx store.Tx, p *model.Profile, kiosk string, op api.Op, now time.Time) (api.OpResult, error) {
	b := op.Bind
	lp, bad, err := resolveLink(tx, b.DriverID, b.PlateType, b.PlateNumber, linkOwner{id: b.OwnerID, file: b.OwnerFile,
		token: b.OwnerToken, purpose: api.PurposeBind, kiosk: kiosk, op: op}, now)
	if err != nil || bad != nil {
		return rejectedBy(bad), err
	}
	req := model.BindRequest{Driver: lp.person.ID, Vehicle: lp.vehicle.Vehicle, OwnerRegistered: lp.owner.Registered,
		OwnerVerified: lp.ownerOK, Channel: model.ChannelSelfService, At: now}
	ofVehicle, err := tx.Bindings(store.BindingFilter{Plate: lp.vehicle.Plate})
	if err != nil {
		return api.OpResult{}, err
	}
	ofDriver, err := tx.Bindings(store.BindingFilter{Driver: lp.person.ID})
	if err != nil {
		return api.OpResult{}, err
	}
	if rs := model.CheckBind(p, req, model.BindingHistory{OfVehicle: plainBindings(ofVehicle), OfDriver: plainBindings(ofDriver)}); len(rs) > 0 {
		return rejected(rs...), nil
	}
	id, err := tx.InsertBinding(model.NewBinding(req))
	if err != nil {
		return api.OpResult{}, err
	}
	return api.OpResult{Outcome: api.OutcomeApplied, BindingID: id}, nil
}

func (s *Server) applyUnbind(tx store.Tx, op api.Op, now time.Time) (api.OpResult, error) {
	u := op.Unbind
	actor, err1 := model.ParseIDNumber(u.ActorID, now)
	driver, err2 := model.ParseIDNumber(u.DriverID, now)
	plate, err3 := model.ParsePlate(u.PlateType, u.PlateNumber)
	if err1 != nil || err2 != nil || err3 != nil {
		return rejected(model.Reason{Code: model.ReasonOpMalformed}), nil
	}
	bs, err := tx.Bindings(store.BindingFilter{Driver: driver})
	if err != nil {
		return api.OpResult{}, err
	}
	var found store.Binding
	for _, b := range bs {
		if b.Plate == plate && b.ActiveAt(now) {
			found = b
		}
	}
	if rs := model.CheckUnbind(actor, found.Binding, found.ID != 0, now); len(rs) > 0 {
		return rejected(rs...), nil
	}
	if err := tx.EndBinding(found.ID, now); err != nil {
		return api.OpResult{}, err
	}
	return api.OpResult{Outcome: api.OutcomeApplied, BindingID: found.ID}, nil
}

func (s *Server) applyFollow(tx store.Tx, p *model.Profile, kiosk string, op api.Op, now time.Time) (api.OpResult, error) {
	f := op.Follow
	lp, bad, err := resolveLink(tx, f.FollowerID, f.PlateType, f.PlateNumber, linkOwner{id: f.OwnerID, file: f.OwnerFile,
		token: f.OwnerToken, purpose: api.PurposeFollow, kiosk: kiosk, op: op}, now)
	if err != nil || bad != nil {
		return rejectedBy(bad), err
	}
	req := model.FollowRequest{Follower: lp.person.ID, Vehicle: lp.vehicle.Vehicle, OwnerConsented: lp.ownerOK, At: now}
	ofVehicle, err := tx.Follows(store.FollowFilter{Plate: lp.vehicle.Plate})
	if err != nil {
		return api.OpResult{}, err
	}
	ofFollower, err := tx.Follows(store.FollowFilter{Follower: lp.person.ID})
	if err != nil {
		return api.OpResult{}, err
	}
	if rs := model.CheckFollow(p, req, model.FollowHistory{OfVehicle: plainFollows(ofVehicle), OfFollower: plainFollows(ofFollower)}); len(rs) > 0 {
		return rejected(rs...), nil
	}
	id, err := tx.InsertFollow(model.NewFollow(p, req))
	if err != nil {
		return api.OpResult{}, err
	}
	return api.OpResult{Outcome: api.OutcomeApplied, FollowID: id}, nil
}

func (s *Server) applyUnfollow(tx store.Tx, op api.Op, now time.Time) (api.OpResult, error) {
	u := op.Unfollow
	actor, err1 := model.ParseIDNumber(u.ActorID, now)
	follower, err2 := model.ParseIDNumber(u.FollowerID, now)
	plate, err3 := model.ParsePlate(u.PlateType, u.PlateNumber)
	if err1 != nil || err2 != nil || err3 != nil {
		return rejected(model.Reason{Code: model.ReasonOpMalformed}), nil
	}
	fs, err := tx.Follows(store.FollowFilter{Follower: follower})
	if err != nil {
		return api.OpResult{}, err
	}
	var found store.Follow
	for _, f := range fs {
		if f.Plate == plate && f.ActiveAt(now) {
			found = f
		}
	}
	if rs := model.CheckUnfollow(actor, found.Follow, found.ID != 0, now); len(rs) > 0 {
		return rejected(rs...), nil
	}
	if err := tx.CancelFollow(found.ID, now); err != nil {
		return api.OpResult{}, err
	}
	return api.OpResult{Outcome: api.OutcomeApplied, FollowID: found.ID}, nil
}

func rejectedBy(r *model.Reason) api.OpResult {
	if r == nil {
		return api.OpResult{}
	}
	return rejected(*r)
}

func plainBindings(bs []store.Binding) []model.Binding {
	out := make([]model.Binding, len(bs))
	for i, b := range bs {
		out[i] = b.Binding
	}
	return out
}

func plainFollows(fs []store.Follow) []model.Follow {
	out := make([]model.Follow, len(fs))
	for i, f := range fs {
		out[i] = f.Follow
	}
	return out
}
