package model

import "time"

// RelationKind is how the driver at the kiosk is related to a vehicle.
type RelationKind int

// Relations. The zero value is "no relation".
const (
	RelationNone RelationKind = iota
	RelationOwn
	RelationBound
	RelationFollowed
	// RelationDesignated: a unit designated the driver for its vehicle (UnitDriver). The driver
	// sees the vehicle's violations and why they go to a counter; rule 5 refuses every one.
	RelationDesignated
)

// Relation is the driver's relation to one vehicle: own, bound since Since (until Until, when
// ended), followed from Since until the authorisation ends at Until, or designated by the
// owning unit since Since.
type Relation struct {
	Kind  RelationKind
	Since time.Time
	Until time.Time // zero for an open-ended binding
}

// RelatedVehicle is a vehicle together with the driver's relation to it.
type RelatedVehicle struct {
	Vehicle  Vehicle
	Relation Relation
}

// Action is what the driver can do next with a violation.
type Action int

// Actions, from the kiosk's point of view.
const (
	ActionProcess Action = iota + 1 // eligible: process here
	ActionPayOnly                   // already decided and unpaid: pay here
	ActionCounter                   // not here: the reasons say where and why
	ActionNone                      // nothing left to do (paid)
)

// Verification is whose identity must be verified before processing.
type Verification int

// Verifications.
const (
	VerifyDriver         Verification = iota + 1 // the driver at the kiosk
	VerifyDriverAndOwner                         // the driver and the vehicle's owner
)

// Eligibility is the verdict on one violation for one driver.
type Eligibility struct {
	ViolationID string
	Eligible    bool
	Action      Action
	Reasons     []Reason // every failing rule, in rule order; empty when eligible
	Verify      Verification
}

// Case is everything the engine judges with: the profile, the driver's licence and points this
// cycle, the vehicles the driver is related to, and the instant of judgement.
type Case struct {
	Profile     *Profile
	Licence     Licence
	CyclePoints int
	Vehicles    []RelatedVehicle
	Now         time.Time
	// Catalogue, when set, lets rule 3 refuse a code the law never decides by the simple
	// procedure, or that carries a measure, whatever the record's fine. A code the catalogue
	// does not list is judged by its fine alone: records carry their own facts, and the
	// catalogue names only the codes a hall meets often.
	Catalogue *Catalogue
}

// Evaluator judges violations for one Case. It is built once per lookup and is cheap to call on
// every keystroke: a verdict costs a map lookup and a few comparisons, and no allocation for an
// eligible violation.
type Evaluator struct {
	c        Case
	vehicles map[Plate]vehicleEntry
	province string // the licence's province, for rule 8
	statusOK bool   // rule 6, the licence status part: the same for every violation
}

// vehicleEntry caches what depends only on the vehicle.
type vehicleEntry struct {
	rv       *RelatedVehicle
	canDrive bool // rule 6, the licence class part
}

// NewEvaluator prepares the engine for c.
func NewEvaluator(c Case) *Evaluator {
	e := &Evaluator{c: c, vehicles: make(map[Plate]vehicleEntry, len(c.Vehicles)), province: c.Licence.Province()}
	for i := range e.c.Vehicles {
		rv := &e.c.Vehicles[i]
		e.vehicles[rv.Vehicle.Plate] = vehicleEntry{rv: rv, canDrive: c.Licence.Classes.CanDrive(rv.Vehicle.Plate.Type)}
	}
	for _, s := range c.Profile.Processing.LicenceStatuses {
		e.statusOK = e.statusOK || s == c.Licence.Status
	}
	return e
}

// verdict collects the failing rules of one violation.
type verdict struct{ rs []Reason }

func (d *verdict) add(rule int, code ReasonCode, a Args) {
	d.rs = append(d.rs, Reason{Code: code, Rule: rule, Args: a})
}

// Evaluate judges one violation on its own: every rule of DOMAIN.md section 6, with the points
// rule applied to this violation alone on top of the driver's cycle total.
func (e *Evaluator) Evaluate(v Violation) Eligibility {
	el, _ := e.evaluate(v, nil)
	return el
}

// evaluate judges v, appending its reasons to arena (so that judging many violations allocates
// reasons in a few large blocks), and returns the verdict and the grown arena.
func (e *Evaluator) evaluate(v Violation, arena []Reason) (Eligibility, []Reason) {
	p := &e.c.Profile.Processing
	d := verdict{rs: arena}
	start := len(arena)

	ve, known := e.vehicles[v.Plate]
	own := known && ve.rv.Relation.Kind == RelationOwn
	e.relation(v, ve.rv, &d)
	if v.Source != SourceCamera {
		d.add(2, ReasonOnSite, Args{}) // decided on the spot: pay only
	}
	if v.Fine > p.MaxFine {
		d.add(3, ReasonFineOverLimit, Args{Fen: v.Fine, LimitFen: p.MaxFine})
	}
	e.procedure(v, &d)
	switch v.Status {
	case StatusProcessed:
		d.add(4, ReasonAlreadyProcessed, Args{})
	case StatusPaid:
		d.add(4, ReasonAlreadyPaid, Args{})
	}
	if known {
		e.vehicleRules(ve.rv, own, &d)
	}
	if !e.statusOK {
		d.add(6, licenceStatusReason(e.c.Licence.Status), Args{Term: e.c.Licence.Status.Term()})
	}
	canDrive := ve.canDrive
	if !known {
		canDrive = e.c.Licence.Classes.CanDrive(v.Plate.Type)
	}
	if !canDrive {
		d.add(6, ReasonLicenceClass, Args{Got: e.c.Licence.Classes.String(), Term: v.Plate.Type.Term()})
	}
	e.points(v, &d)
	if limit := p.MaxPointsPerViolation; limit > 0 && v.Points > limit {
		d.add(7, ReasonOverSingleCap, Args{N: v.Points, Limit: limit})
	}
	if local := p.LocalProvince; local != "" {
		if e.province != local {
			d.add(8, ReasonLicenceNotLocal, Args{Want: local, Got: e.province})
		}
		if !p.vehicleLocal(v.Plate) {
			d.add(8, ReasonVehicleNotLocal, Args{Want: local, Got: v.Plate.Number.Province()})
		}
	}
	if v.Status == StatusDisputed {
		d.add(10, ReasonDisputed, Args{Got: v.Office})
	}

	el := Eligibility{ViolationID: v.ID, Eligible: len(d.rs) == start, Verify: VerifyDriver}
	if !el.Eligible {
		el.Reasons = d.rs[start:len(d.rs):len(d.rs)]
		sortByRule(el.Reasons)
	}
	if v.Points > 0 && !own && p.OwnerVerifiesPoints {
		el.Verify = VerifyDriverAndOwner // rule 9
	}
	el.Action = nextAction(v, el.Eligible)
	return el, d.rs
}

// relation applies rule 1.
func (e *Evaluator) relation(v Violation, rv *RelatedVehicle, d *verdict) {
	p := &e.c.Profile.Processing
	if rv == nil {
		d.add(1, ReasonUnrelatedVehicle, Args{})
		return
	}
	r := rv.Relation
	switch r.Kind {
	case RelationOwn:
	case RelationBound:
		switch {
		case !p.AcceptBound || (!r.Until.IsZero() && !e.c.Now.Before(r.Until)):
			d.add(1, ReasonUnrelatedVehicle, Args{})
		case DateOf(v.Time).Before(DateOf(r.Since)):
			// A binding covers violations from the day it was made (自备案之日起).
			d.add(1, ReasonBoundAfterViolation, Args{At: r.Since})
		}
	case RelationFollowed:
		switch {
		case !p.AcceptFollowed:
			d.add(1, ReasonFollowNotAccepted, Args{})
		case !e.c.Now.Before(r.Until):
			d.add(1, ReasonFollowExpired, Args{At: r.Until})
		}
	case RelationDesignated:
		// Only a unit designates drivers: a designation that names a vehicle now registered to a
		// person (re-registered since) gives no relation to it.
		if rv.Vehicle.OwnerKind != OwnerUnit {
			d.add(1, ReasonUnrelatedVehicle, Args{})
		}
	default:
		d.add(1, ReasonUnrelatedVehicle, Args{})
	}
}

// points applies rule 7 to one violation on its own, and says which of three different things
// is true, because each calls for different advice: the driver is already at the full score
// (full-score study comes first; nothing can be processed here), the violation alone carries
// the full score (only a counter, ever), or it would take this cycle's total there (it becomes
// possible here after the cycle ends, when paid points are cleared).
func (e *Evaluator) points(v Violation, d *verdict) {
	full, now := e.c.Profile.Points.FullScore, e.c.CyclePoints
	switch {
	case now >= full:
		d.add(7, ReasonPointsAtFull, Args{N: now, Limit: full})
	case v.Points >= full:
		d.add(7, ReasonPointsFullScoreViolation, Args{N: v.Points, Limit: full})
	case now+v.Points >= full:
		d.add(7, ReasonPointsReachFullAlone, Args{N: now + v.Points, Limit: full, At: e.CycleEnd()})
	}
}

// CycleEnd is the first day of the driver's next points cycle (the cycle runs up to, not
// including, it); the zero time when the licence has no first-issue date.
func (e *Evaluator) CycleEnd() time.Time {
	if e.c.Licence.FirstIssued.IsZero() || e.c.Profile.Points.CycleMonths <= 0 {
		return time.Time{}
	}
	return CycleAt(e.c.Licence.FirstIssued, e.c.Now, e.c.Profile.Points.CycleMonths).End.Start()
}

// licenceStatusReason names a licence that may not process by what stands in the way, so that
// the remedy fits: a suspended or seized licence waits for its return, a licence over the
// points needs full-score study, any other status needs the vehicle administration.
func licenceStatusReason(s LicenceStatus) ReasonCode {
	switch s {
	case StatusSuspended, StatusSeized:
		return ReasonLicenceSuspended
	case StatusOverPoints:
		return ReasonLicenceOverPoints
	}
	return ReasonLicenceStatus
}

// procedure applies the catalogue's half of rule 3. A fine of at most 200 yuan does not make a
// case simple: a behaviour the law punishes with more than the fine (seizing the vehicle,
// suspending the licence, detention) or never by the simple procedure needs the general
// procedure, which only an officer at a counter can run. The kiosk's decision form is the simple
// procedure's (简易程序处罚决定书), so it must not issue one for such a code.
func (e *Evaluator) procedure(v Violation, d *verdict) {
	if e.c.Catalogue == nil {
		return
	}
	ce, ok := e.c.Catalogue.Lookup(v.Code)
	switch {
	case !ok:
	case len(ce.Measures) > 0:
		d.add(3, ReasonProcedureMeasure, Args{Got: string(v.Code), Term: ce.Measures[0].Term()})
	case !ce.Simple:
		d.add(3, ReasonNotSimpleProcedure, Args{Got: string(v.Code)})
	}
}

// vehicleRules applies rule 5.
func (e *Evaluator) vehicleRules(rv *RelatedVehicle, own bool, d *verdict) {
	p := &e.c.Profile.Processing
	veh := rv.Vehicle
	// A designation is the unit's, never an authorisation to process here: whatever a profile
	// accepts, the unit's papers are needed, and only a counter can read them.
	if (p.PersonalOnly || rv.Relation.Kind == RelationDesignated) && veh.OwnerKind != OwnerPersonal {
		d.add(5, ReasonUnitOwned, Args{})
	}
	if !p.useAccepted(veh.Use) {
		d.add(5, ReasonOperatingVehicle, Args{})
	}
	accepted := p.OtherPlateTypes
	if own {
		accepted = p.OwnPlateTypes
	}
	if !containsPlateType(accepted, veh.Plate.Type) {
		d.add(5, ReasonVehicleType, Args{Term: veh.Plate.Type.Term()})
	}
}

// useAccepted is the use-nature part of rule 5: with non_operating_only set, only a vehicle
// registered as non-operating qualifies (an unknown use nature does not). Following relies on the
// same fact, so it lives here once.
func (r *ProcessingRules) useAccepted(u UseNature) bool {
	return !r.NonOperating || u == UseNonOperating
}

// vehicleLocal is the vehicle part of rule 8: with a local province set, the plate must be
// registered in it. Following relies on the same fact.
func (r *ProcessingRules) vehicleLocal(p Plate) bool {
	return r.LocalProvince == "" || p.Number.Province() == r.LocalProvince
}

func nextAction(v Violation, eligible bool) Action {
	switch {
	case eligible:
		return ActionProcess
	case v.Status == StatusPaid:
		return ActionNone
	case v.Status == StatusProcessed:
		return ActionPayOnly
	}
	return ActionCounter
}

// sortByRule orders reasons by rule number, stably (insertion sort: lists are a handful long).
func sortByRule(rs []Reason) {
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && rs[j].Rule < rs[j-1].Rule; j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

// EvaluateAll judges each violation on its own.
func (e *Evaluator) EvaluateAll(vs []Violation) []Eligibility {
	out := make([]Eligibility, len(vs))
	// Two reasons per violation on average is generous for real data; more grows the arena.
	arena := make([]Reason, 0, 2*len(vs))
	for i := range vs {
		out[i], arena = e.evaluate(vs[i], arena)
	}
	return out
}

// Selection is the verdict on a set of violations the driver selected to process together.
type Selection struct {
	Items   []Eligibility
	Current int  // the driver's points this cycle
	Adding  int  // the points the selection adds
	After   int  // Current + Adding
	Full    int  // the full score
	Fine    Fen  // the fines of the selection
	Allowed bool // every item is eligible and After stays below Full
	// Reasons holds the set-level failures (rule 7 on the sum); item failures stay on items.
	Reasons []Reason
	Verify  Verification // the strictest verification any item needs
}

// EvaluateSet judges a selection: each item on its own, then the sum of points against the full
// score, so that no set ever brings the driver to 12 through the kiosk.
func (e *Evaluator) EvaluateSet(selected []Violation) Selection {
	s := Selection{Current: e.c.CyclePoints, Full: e.c.Profile.Points.FullScore, Allowed: true, Verify: VerifyDriver}
	s.Items = e.EvaluateAll(selected)
	for i, v := range selected {
		s.Adding += v.Points
		s.Fine += v.Fine
		s.Allowed = s.Allowed && s.Items[i].Eligible
		if s.Items[i].Verify > s.Verify {
			s.Verify = s.Items[i].Verify
		}
	}
	s.After = s.Current + s.Adding
	if s.After >= s.Full {
		s.Allowed = false
		s.Reasons = []Reason{{Code: ReasonWouldReachFull, Rule: 7, Args: Args{N: s.After, Limit: s.Full}}}
	}
	return s
}

// Headroom is how many points the driver can still take at the kiosk this cycle: the selection
// must stay below the full score.
func (e *Evaluator) Headroom() int {
	h := e.c.Profile.Points.FullScore - 1 - e.c.CyclePoints
	if h < 0 {
		return 0
	}
	return h
}

// PayCheck says whether a violation's fine can be paid now: it must be decided, unpaid and not
// under objection. Payment has no amount limit: on-site decisions of any amount may be paid.
func PayCheck(v Violation) []Reason {
	switch v.Status {
	case StatusProcessed:
		return nil
	case StatusPaid:
		return []Reason{{Code: ReasonPayPaid}}
	case StatusDisputed:
		return []Reason{{Code: ReasonPayDisputed, Args: Args{Got: v.Office}}}
	}
	return []Reason{{Code: ReasonPayNotDecided}}
}
