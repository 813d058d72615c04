package dataset

import (
	"encoding/json"

	"github.com/hallkiosk/kiosk/model"
)

// maxFine is far above any traffic fine; a larger amount is almost surely yuan written as fen
// times a hundred, or a stray digit.
const maxFine = 100_000_000

func (d *decoder) decodeViolations(items []json.RawMessage) {
	for i, raw := range items {
		path := itemPath("violations", i)
		var v model.Violation
		if o, ok := newObject(d.c, path, kindViolation, raw, d.today); ok {
			v = d.decodeViolation(o)
		}
		d.out.Violations = append(d.out.Violations, v)
		if v.ID != "" {
			if j, dup := d.violations[v.ID]; dup {
				d.c.add(path+".id", "the same id as %s; violation ids are unique", itemPath("violations", j))
			} else {
				d.violations[v.ID] = i
			}
		}
		if v.Decision != "" {
			if j, dup := d.decisions[v.Decision]; dup {
				d.c.add(path+".decision", "the same decision number as %s; each decision number is issued once",
					itemPath("violations", j))
			} else {
				d.decisions[v.Decision] = i
			}
		}
	}
}

func (d *decoder) decodeViolation(o *object) model.Violation {
	var v model.Violation
	if id, ok := o.str("id"); ok {
		if model.ValidRecordID(id) {
			v.ID = id
		} else {
			d.c.add(o.at("id"), "use 1 to 40 letters, digits, hyphens or underscores")
		}
	}
	if p, ok := d.plate(o); ok {
		v.Plate = p
		if _, ok := d.vehicles[p]; !ok {
			d.c.add(o.at("plate_number"), "no vehicle with this plate type and number is in vehicles; add the vehicle "+
				"or correct the plate")
		}
	}
	v.Time, _ = o.past("time")
	v.Place, _ = d.text(o, "place", 200)
	if s, ok := o.str("code"); ok {
		code, err := model.ParseViolationCode(s)
		if err != nil {
			d.c.add(o.at("code"), "%s", parserMessage(err))
		}
		v.Code = code
	}
	v.Points, _ = d.points(o)
	if n, ok := o.integer("fine_fen"); ok {
		if n < 0 || n > maxFine {
			d.c.add(o.at("fine_fen"), "must be between 0 and %d: the fine in fen (200 yuan is 20000)", maxFine)
		} else {
			v.Fine = model.Fen(n)
		}
	}
	if s, ok := o.enum("source", string(model.SourceOnSite), string(model.SourceCamera)); ok {
		v.Source = model.Source(s)
	}
	statuses := []string{string(model.StatusRecorded), string(model.StatusProcessed), string(model.StatusPaid),
		string(model.StatusDisputed)}
	if s, ok := o.enum("status", statuses...); ok {
		v.Status = model.ViolationStatus(s)
	}
	v.Office, _ = d.text(o, "office", 100)
	if s, ok := o.str("office_code"); ok {
		if len(s) == 6 && digitsOnly(s) {
			v.OfficeCode = s
		} else {
			d.c.add(o.at("office_code"), "must be the 6-digit region code of the deciding office, like 440304")
		}
	}
	d.decodeDecision(o, &v)
	return v
}

// points reads a point value of the scoring rules in force.
func (d *decoder) points(o *object) (int, bool) {
	n, ok := o.integer("points")
	if !ok {
		return 0, false
	}
	if n < 0 || n > 12 || !model.ValidPoints(int(n)) {
		d.c.add(o.at("points"), "%d is not a point value; a violation carries 0, 1, 3, 6, 9 or 12 points", n)
		return 0, false
	}
	return int(n), true
}

// decodeDecision reads decision, driver_id, decided_at and paid_at, which the status decides:
// none while recorded, all three once processed, paid_at once paid; a disputed violation may
// have been decided before the objection.
func (d *decoder) decodeDecision(o *object, v *model.Violation) {
	if v.Status == "" {
		return // the status is missing or wrong, and already reported
	}
	if v.Source == model.SourceOnSite && v.Status == model.StatusRecorded {
		d.c.add(o.at("status"), "an on-site violation is decided on the spot, so it is never recorded; "+
			"use processed or paid")
	}
	keys := []string{"decision", "driver_id", "decided_at"}
	if v.Status == model.StatusRecorded {
		for _, k := range append(keys, "paid_at") {
			if o.present(k) {
				d.c.add(o.at(k), "a recorded violation has no %s yet; remove it, or set status to processed or paid", k)
			}
		}
		return
	}
	given := 0
	for _, k := range keys {
		if o.present(k) {
			given++
		}
	}
	decided := v.Status == model.StatusProcessed || v.Status == model.StatusPaid
	for _, k := range keys {
		switch {
		case o.present(k):
		case decided:
			d.c.add(o.at(k), "is required when status is %s", v.Status)
		case given > 0:
			d.c.add(o.at(k), "is required with the other decision keys: a disputed violation has all of "+
				"decision, driver_id and decided_at, or none")
		}
	}
	switch {
	case v.Status == model.StatusPaid && !o.present("paid_at"):
		d.c.add(o.at("paid_at"), "is required when status is paid")
	case v.Status != model.StatusPaid && o.present("paid_at"):
		d.c.add(o.at("paid_at"), "only a paid violation has paid_at; set status to paid or remove paid_at")
	}
	d.decisionValues(o, v)
}

// decisionValues parses the decision keys that are present and checks them against the record.
func (d *decoder) decisionValues(o *object, v *model.Violation) {
	if s, ok := o.str("decision"); ok {
		n, err := model.ParseDecisionNumber(s)
		switch {
		case err != nil:
			d.c.add(o.at("decision"), "%s", parserMessage(err))
		case v.OfficeCode != "" && string(n[:6]) != v.OfficeCode:
			d.c.add(o.at("decision"), "starts with region code %s but office_code is %s; a decision number "+
				"starts with the code of the office that issued it", n[:6], v.OfficeCode)
		default:
			v.Decision = n
		}
	}
	if id, ok := d.idNumber(o, "driver_id"); ok {
		v.Driver = id
		if i, ok := d.person(o, "driver_id", id); ok {
			d.licensed(o, "driver_id", i, "the driver decided against")
		}
	}
	if t, ok := o.past("decided_at"); ok {
		if !v.Time.IsZero() && t.Before(v.Time) {
			d.c.add(o.at("decided_at"), "is before the violation's time; a decision follows the violation")
		} else {
			v.DecidedAt = t
		}
	}
	if t, ok := o.past("paid_at"); ok {
		if !v.DecidedAt.IsZero() && t.Before(v.DecidedAt) {
			d.c.add(o.at("paid_at"), "is before decided_at; a fine is paid after the decision")
		} else {
			v.PaidAt = t
		}
	}
}

func (d *decoder) decodePoints(items []json.RawMessage) {
	for i, raw := range items {
		path := itemPath("points", i)
		var e PointsEntry
		if o, ok := newObject(d.c, path, kindPoints, raw, d.today); ok {
			e = d.decodePointsEntry(o)
		}
		d.out.Points = append(d.out.Points, e)
		if e.Decision == "" {
			continue
		}
		if j, dup := d.ledger[e.Decision]; dup {
			d.c.add(path+".decision", "the same decision as %s; a decision enters points once", itemPath("points", j))
		} else {
			d.ledger[e.Decision] = i
		}
	}
}

func (d *decoder) decodePointsEntry(o *object) PointsEntry {
	var e PointsEntry
	if id, ok := d.idNumber(o, "driver_id"); ok {
		e.Driver = id
		d.person(o, "driver_id", id)
	}
	if s, ok := o.str("decision"); ok {
		n, err := model.ParseDecisionNumber(s)
		if err != nil {
			d.c.add(o.at("decision"), "%s", parserMessage(err))
		}
		e.Decision = n
	}
	var pointsOK bool
	e.Points, pointsOK = d.points(o)
	e.EnteredAt, _ = o.past("entered_at")
	if t, ok := o.past("paid_at"); ok {
		if !e.EnteredAt.IsZero() && t.Before(e.EnteredAt) {
			d.c.add(o.at("paid_at"), "is before entered_at; points are entered at the decision, before payment")
		} else {
			e.PaidAt = t
		}
	}
	if e.Decision != "" {
		d.entryMatchesViolation(o, e, pointsOK)
	}
	return e
}

// entryMatchesViolation checks a ledger entry against the decided violation it comes from.
func (d *decoder) entryMatchesViolation(o *object, e PointsEntry, pointsOK bool) {
	vi, ok := d.decisions[e.Decision]
	if !ok {
		d.c.add(o.at("decision"), "no violation in violations has this decision number")
		return
	}
	v, at := d.out.Violations[vi], itemPath("violations", vi)
	if v.Status != model.StatusProcessed && v.Status != model.StatusPaid {
		d.c.add(o.at("decision"), "belongs to %s, which is %s; only processed or paid violations enter points", at, v.Status)
		return
	}
	if e.Driver != "" && v.Driver != "" && e.Driver != v.Driver {
		d.c.add(o.at("driver_id"), "the decision of %s was issued to another driver; points go to the driver decided against", at)
	}
	if pointsOK && e.Points != v.Points {
		d.c.add(o.at("points"), "must equal the points of %s (%d)", at, v.Points)
	}
	if !e.EnteredAt.IsZero() && !v.DecidedAt.IsZero() && e.EnteredAt.Before(v.DecidedAt) {
		d.c.add(o.at("entered_at"), "is before %s was decided; points are entered when the decision is issued", at)
	}
	switch {
	case v.Status == model.StatusPaid && !o.present("paid_at"):
		d.c.add(o.at("paid_at"), "is required: %s is paid", at)
	case v.Status == model.StatusProcessed && o.present("paid_at"):
		d.c.add(o.at("paid_at"), "%s is not paid yet; remove paid_at", at)
	}
}

func digitsOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
