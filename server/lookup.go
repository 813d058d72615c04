package server

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// errNoMatch is the one answer for an identification that failed, whichever part was wrong,
// so that the answer does not tell an enumerator which ID numbers exist.
var errNoMatch = errors.New("no driver matches this ID number and file number")

// identify finds the licence holder whose ID number and file number both match.
func identify(r store.Reader, c credential) (store.Driver, error) {
	d, err := r.Driver(c.id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Driver{}, errNoMatch
	} else if err != nil {
		return store.Driver{}, err
	}
	if !store.Identifies(d, c.file, c.card) {
		return store.Driver{}, errNoMatch
	}
	return d, nil
}

// credential is how a person identified at a kiosk: the ID number with the licence's file
// number, or with the ID card itself, read by the kiosk's card reader (card). An authenticated
// kiosk vouches for its reader, as it does for everything it sends; rate limits apply alike.
type credential struct {
	id   model.IDNumber
	file model.FileNumber // "" when card
	card bool
	// forCheck is what an owner verifying at /v1/verify authorises, when the request says.
	forCheck *ownerCheckFor
	// An owner's proofs by number (with forCheck only), in place of the file number, and the
	// face check of an owner whose card was read.
	vin  model.VINTail
	cert model.RegCertNumber
	face string
}

// related lists the vehicles the driver may act for: their own, those bound to them (in force)
// and those they follow (authorised), then the unit vehicles a unit designated them for (in
// force), which they may see but never process here. Ended bindings and follows are left out
// here; the limits that count history read them separately.
func related(r store.Reader, d store.Driver, now time.Time) ([]model.RelatedVehicle, []store.Vehicle, error) {
	var out []model.RelatedVehicle
	var vehicles []store.Vehicle
	own, err := r.VehiclesOwnedBy(d.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, v := range own {
		out = append(out, model.RelatedVehicle{Vehicle: v.Vehicle, Relation: model.Relation{Kind: model.RelationOwn}})
		vehicles = append(vehicles, v)
	}
	add := func(p model.Plate, rel model.Relation) error {
		v, err := r.Vehicle(p)
		if errors.Is(err, store.ErrNotFound) {
			return nil // a binding of a vehicle since deregistered: nothing to act for
		} else if err != nil {
			return err
		}
		out = append(out, model.RelatedVehicle{Vehicle: v.Vehicle, Relation: rel})
		vehicles = append(vehicles, v)
		return nil
	}
	bs, err := r.Bindings(store.BindingFilter{Driver: d.ID})
	if err != nil {
		return nil, nil, err
	}
	for _, b := range bs {
		if b.ActiveAt(now) {
			if err := add(b.Plate, model.Relation{Kind: model.RelationBound, Since: b.Since}); err != nil {
				return nil, nil, err
			}
		}
	}
	fs, err := r.Follows(store.FollowFilter{Follower: d.ID})
	if err != nil {
		return nil, nil, err
	}
	for _, f := range fs {
		if f.ActiveAt(now) {
			if err := add(f.Plate, model.Relation{Kind: model.RelationFollowed, Since: f.Since, Until: f.Until}); err != nil {
				return nil, nil, err
			}
		}
	}
	if out, vehicles, err = addDesignated(r, d, now, out, vehicles); err != nil {
		return nil, nil, err
	}
	return out, vehicles, nil
}

// cyclePoints totals the licence's points in the cycle that contains now.
func cyclePoints(r store.Reader, p *model.Profile, l *model.Licence, now time.Time) (int, model.Cycle, error) {
	entries, err := r.PointsEntries(l.ID)
	if err != nil {
		return 0, model.Cycle{}, err
	}
	c := model.CycleAt(l.FirstIssued, now, p.Points.CycleMonths)
	return model.CyclePoints(entries, c), c, nil
}

// caseFor builds what the eligibility engine judges with, from current data.
func (s *Server) caseFor(r store.Reader, p *model.Profile, d store.Driver, now time.Time) (model.Case, error) {
	vs, _, err := related(r, d, now)
	if err != nil {
		return model.Case{}, err
	}
	points, _, err := cyclePoints(r, p, d.Licence, now)
	if err != nil {
		return model.Case{}, err
	}
	return model.Case{Profile: p, Licence: *d.Licence, CyclePoints: points, Vehicles: vs, Now: now, Catalogue: s.ref.Catalogue}, nil
}

// lookup assembles everything a kiosk shows a driver who identified.
func (s *Server) lookup(ctx context.Context, p *model.Profile, c credential, attempt *store.IdentifyAttempt) (api.Lookup, store.Attempted, error) {
	var out api.Lookup
	// Everything below depends only on the ID number: asked together, it is one wait for the
	// database instead of a dozen.
	decided, err := s.store.ReadPerson(ctx, c.id, api.MaxRejections, attempt, func(r store.Reader) error {
		now := s.now()
		d, err := identify(r, c)
		if err != nil {
			return err
		}
		out = api.Lookup{ServerTime: now, Profile: p.Name,
			Person:  api.Person{IDNumber: string(d.ID), Name: d.Name, Phone: d.Phone},
			Licence: api.FromLicence(*d.Licence)}
		total, cycle, err := cyclePoints(r, p, d.Licence, now)
		if err != nil {
			return err
		}
		out.Points = api.Points{CycleStart: cycle.Start.String(), CycleEnd: cycle.End.String(), Total: total, FullScore: p.Points.FullScore}
		rel, vehicles, err := related(r, d, now)
		if err != nil {
			return err
		}
		if err := s.addVehiclesAndViolations(r, p, d, rel, vehicles, now, &out); err != nil {
			return err
		}
		if out.Rejections, err = unreadRejections(r, d.ID); err != nil {
			return err
		}
		return s.addLinks(r, d, &out)
	})
	return out, decided, err
}

func (s *Server) addVehiclesAndViolations(r store.Reader, p *model.Profile, d store.Driver, rel []model.RelatedVehicle, vehicles []store.Vehicle, now time.Time, out *api.Lookup) error {
	plates := make([]model.Plate, len(rel))
	out.Vehicles = make([]api.Vehicle, len(rel))
	for i, rv := range rel {
		plates[i] = rv.Vehicle.Plate
		out.Vehicles[i] = vehicleWire(vehicles[i], rv.Relation)
	}
	onPlates, err := r.ViolationsOfPlates(plates)
	if err != nil {
		return err
	}
	mine, err := r.ViolationsDecidedAgainst(d.ID)
	if err != nil {
		return err
	}
	seen := make(map[string]bool, len(onPlates)+len(mine))
	out.Violations = make([]api.Violation, 0, len(onPlates)+len(mine))
	for _, v := range append(onPlates, mine...) {
		if seen[v.ID] {
			continue
		}
		seen[v.ID] = true
		out.Violations = append(out.Violations, s.violationWire(p, v, now))
	}
	sort.SliceStable(out.Violations, func(i, j int) bool { return out.Violations[i].Time.After(out.Violations[j].Time) })
	return nil
}

func (s *Server) addLinks(r store.Reader, d store.Driver, out *api.Lookup) error {
	mine, err := r.Bindings(store.BindingFilter{Driver: d.ID})
	if err != nil {
		return err
	}
	toMine, err := r.Bindings(store.BindingFilter{Owner: d.ID})
	if err != nil {
		return err
	}
	following, err := r.Follows(store.FollowFilter{Follower: d.ID})
	if err != nil {
		return err
	}
	ofMine, err := r.Follows(store.FollowFilter{Owner: d.ID})
	if err != nil {
		return err
	}
	out.MyBindings, out.BoundToMine = bindingsWire(mine), bindingsWire(toMine)
	out.MyFollows, out.FollowsOfMine = followsWire(following), followsWire(ofMine)
	// The owner sees whom they would revoke: the names of the people linked to their vehicles.
	names := map[string]string{}
	name := func(id string) (string, error) {
		if n, ok := names[id]; ok {
			return n, nil
		}
		p, err := r.Driver(model.IDNumber(id))
		if errors.Is(err, store.ErrNotFound) {
			return "", nil
		} else if err != nil {
			return "", err
		}
		names[id] = p.Name
		return p.Name, nil
	}
	for i := range out.BoundToMine {
		if out.BoundToMine[i].DriverName, err = name(out.BoundToMine[i].DriverID); err != nil {
			return err
		}
	}
	for i := range out.FollowsOfMine {
		if out.FollowsOfMine[i].FollowerName, err = name(out.FollowsOfMine[i].FollowerID); err != nil {
			return err
		}
	}
	return nil
}

// violationWire adds what the kiosk shows besides the record: due date and late fee today,
// and the catalogue's description of the code.
func (s *Server) violationWire(p *model.Profile, v model.Violation, now time.Time) api.Violation {
	w := api.FromViolation(v)
	if v.Status == model.StatusProcessed && !v.DecidedAt.IsZero() {
		due := model.AmountAt(v.Fine, v.DecidedAt, now, p.Payment)
		w.DueDate, w.LateFeeFen = due.Due.String(), int64(due.LateFee)
	}
	if e, ok := s.ref.Catalogue.Lookup(v.Code); ok {
		w.CatalogueZH, w.CatalogueEN = e.ZH, e.EN
	}
	return w
}

func vehicleWire(v store.Vehicle, rel model.Relation) api.Vehicle {
	w := api.Vehicle{PlateType: string(v.Plate.Type), PlateNumber: string(v.Plate.Number),
		OwnerKind: string(v.OwnerKind), OwnerID: string(v.Owner), OwnerName: v.OwnerName, Use: string(v.Use)}
	switch rel.Kind {
	case model.RelationOwn:
		w.Relation = "own"
	case model.RelationBound:
		w.Relation = "bound"
	case model.RelationFollowed:
		w.Relation = "followed"
	case model.RelationDesignated:
		w.Relation = api.RelationDesignated
	}
	if !rel.Since.IsZero() {
		w.Since = &rel.Since
	}
	if !rel.Until.IsZero() {
		w.Until = &rel.Until
	}
	return w
}

func bindingsWire(bs []store.Binding) []api.Binding {
	out := make([]api.Binding, len(bs))
	for i, b := range bs {
		out[i] = api.FromBinding(b.ID, b.Binding)
	}
	return out
}

func followsWire(fs []store.Follow) []api.Follow {
	out := make([]api.Follow, len(fs))
	for i, f := range fs {
		out[i] = api.FromFollow(f.ID, f.Follow)
	}
	return out
}
