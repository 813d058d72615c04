package api

import (
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// DateLayout is the wire form of a calendar date.
const DateLayout = "2006-01-02"

// FromReason puts a model reason on the wire, naming the violation it concerns when there is one.
func FromReason(r model.Reason, violationID string) Reason {
	w := Reason{
		Code: string(r.Code), Rule: r.Rule, ViolationID: violationID,
		Want: r.Args.Want, Got: r.Args.Got, Pos: r.Args.Pos, N: r.Args.N, Limit: r.Args.Limit,
		Fen: int64(r.Args.Fen), LimitFen: int64(r.Args.LimitFen), Term: r.Args.Term,
	}
	w.At = timePtr(r.Args.At)
	return w
}

// Model turns a wire reason back into a model reason, for rendering with the text catalogue.
func (r Reason) Model() model.Reason {
	a := model.Args{Want: r.Want, Got: r.Got, Pos: r.Pos, N: r.N, Limit: r.Limit,
		Fen: model.Fen(r.Fen), LimitFen: model.Fen(r.LimitFen), Term: r.Term}
	if r.At != nil {
		a.At = *r.At
	}
	return model.Reason{Code: model.ReasonCode(r.Code), Rule: r.Rule, Args: a}
}

// ModelReasons turns wire reasons back into model reasons.
func ModelReasons(rs []Reason) []model.Reason {
	out := make([]model.Reason, len(rs))
	for i, r := range rs {
		out[i] = r.Model()
	}
	return out
}

// FromLicence puts a licence on the wire.
func FromLicence(l model.Licence) *Licence {
	return &Licence{
		FileNumber: string(l.FileNumber), Classes: l.Classes.String(), Status: string(l.Status),
		FirstIssued: model.DateOf(l.FirstIssued).String(), Issuer: l.Issuer,
	}
}

// Model parses a wire licence of the person id.
func (l Licence) Model(id model.IDNumber) (model.Licence, error) {
	file, err := model.ParseFileNumber(l.FileNumber)
	if err != nil {
		return model.Licence{}, err
	}
	classes, err := model.ParseLicenceClasses(l.Classes)
	if err != nil {
		return model.Licence{}, err
	}
	status, err := model.ParseLicenceStatus(l.Status)
	if err != nil {
		return model.Licence{}, err
	}
	first, err := ParseDate(l.FirstIssued)
	if err != nil {
		return model.Licence{}, err
	}
	return model.Licence{ID: id, FileNumber: file, Classes: classes, Status: status, FirstIssued: first.Start(), Issuer: l.Issuer}, nil
}

// FromViolation puts a violation on the wire.
func FromViolation(v model.Violation) Violation {
	return Violation{
		ID: v.ID, PlateType: string(v.Plate.Type), PlateNumber: string(v.Plate.Number), Time: v.Time,
		Place: v.Place, Code: string(v.Code), Points: v.Points, FineFen: int64(v.Fine),
		Source: string(v.Source), Status: string(v.Status), Office: v.Office, OfficeCode: v.OfficeCode,
		Decision: string(v.Decision), DriverID: string(v.Driver),
		DecidedAt: timePtr(v.DecidedAt), PaidAt: timePtr(v.PaidAt),
	}
}

// Model parses a wire violation.
func (v Violation) Model() (model.Violation, error) {
	p, err := model.ParsePlate(v.PlateType, v.PlateNumber)
	if err != nil {
		return model.Violation{}, err
	}
	m := model.Violation{
		ID: v.ID, Plate: p, Time: v.Time, Place: v.Place, Code: model.ViolationCode(v.Code),
		Points: v.Points, Fine: model.Fen(v.FineFen), Source: model.Source(v.Source),
		Status: model.ViolationStatus(v.Status), Office: v.Office, OfficeCode: v.OfficeCode,
		Decision: model.DecisionNumber(v.Decision), Driver: model.IDNumber(v.DriverID),
	}
	if v.DecidedAt != nil {
		m.DecidedAt = *v.DecidedAt
	}
	if v.PaidAt != nil {
		m.PaidAt = *v.PaidAt
	}
	return m, nil
}

// FromBinding puts a binding on the wire.
func FromBinding(id int64, b model.Binding) Binding {
	return Binding{ID: id, DriverID: string(b.Driver), PlateType: string(b.Plate.Type), PlateNumber: string(b.Plate.Number),
		OwnerID: string(b.Owner), Since: b.Since, Ended: timePtr(b.Ended), Channel: string(b.Channel)}
}

// Model turns a wire binding into the model's.
func (b Binding) Model() (model.Binding, error) {
	p, err := model.ParsePlate(b.PlateType, b.PlateNumber)
	if err != nil {
		return model.Binding{}, err
	}
	m := model.Binding{Driver: model.IDNumber(b.DriverID), Plate: p, Owner: model.IDNumber(b.OwnerID),
		Since: b.Since, Channel: model.BindingChannel(b.Channel)}
	if b.Ended != nil {
		m.Ended = *b.Ended
	}
	return m, nil
}

// FromFollow puts a follow on the wire.
func FromFollow(id int64, f model.Follow) Follow {
	return Follow{ID: id, FollowerID: string(f.Follower), PlateType: string(f.Plate.Type), PlateNumber: string(f.Plate.Number),
		OwnerID: string(f.Owner), RequestedAt: f.RequestedAt, Since: f.Since, Until: f.Until, Cancelled: timePtr(f.Cancelled)}
}

// Model turns a wire follow into the model's.
func (f Follow) Model() (model.Follow, error) {
	p, err := model.ParsePlate(f.PlateType, f.PlateNumber)
	if err != nil {
		return model.Follow{}, err
	}
	m := model.Follow{Follower: model.IDNumber(f.FollowerID), Plate: p, Owner: model.IDNumber(f.OwnerID),
		RequestedAt: f.RequestedAt, Since: f.Since, Until: f.Until}
	if f.Cancelled != nil {
		m.Cancelled = *f.Cancelled
	}
	return m, nil
}

// FromDecision puts a decision on the wire.
func FromDecision(d model.Decision) Decision {
	return Decision{Number: string(d.Number), ViolationID: d.ViolationID, Points: d.Points,
		FineFen: int64(d.Fine), IssuedAt: d.IssuedAt, DueDate: d.Due.String()}
}

// FromPayment puts a payment on the wire.
func FromPayment(violationID string, p model.Payment) Payment {
	return Payment{ID: p.ID, ViolationID: violationID, Decision: string(p.Decision), FineFen: int64(p.Fine),
		LateFeeFen: int64(p.LateFee), PaidAt: p.PaidAt, Method: string(p.Method), Refund: p.Refund}
}

// ParseDate reads a YYYY-MM-DD date.
func ParseDate(s string) (model.Date, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return model.Date{}, err
	}
	return model.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}, nil
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
