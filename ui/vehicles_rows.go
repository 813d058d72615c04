package ui

import (
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
)

// vehRow is one line of the vehicles list: a heading, a vehicle, or a link between a person and
// a vehicle. Links are the rows a person can act on (end their own, revoke one of their vehicle).
type vehRow struct {
	kind   vehRowKind
	text   textKey // a heading's or an empty section's text
	plate  model.Plate
	person model.IDNumber // the other party of a link: bound driver or follower; the owner of my link
	owner  string         // the owner's name of a vehicle I am linked to (masked when shown)
	name   string         // the other party's name of a link to my vehicle (masked when shown)
	since  time.Time
	until  time.Time // follows only
}

type vehRowKind int

const (
	rowHeading      vehRowKind = iota
	rowEmpty                   // "none" under a heading
	rowOwn                     // a vehicle of mine
	rowDesignated              // a unit's vehicle the unit designated me to drive: only the unit ends it
	rowUnitName                // the unit that owns the vehicle of the designation above
	rowBoundToMine             // someone is bound to a vehicle of mine: I may revoke
	rowFollowOfMine            // someone follows a vehicle of mine: I may revoke
	rowMyBinding               // I am bound to someone's vehicle: I may unbind
	rowMyFollow                // I follow someone's vehicle: I may unfollow
)

// actionable reports whether the row is a link its viewer can end.
func (r vehRow) actionable() bool { return r.kind >= rowBoundToMine }

// vehicleRows lays out a looked-up record: my vehicles, each with who is bound to it or follows
// it, then the vehicles I am bound to or follow. Ended links are left out; they still count
// towards the limits, which the model reads from the record itself.
func vehicleRows(l api.Lookup, me model.IDNumber, now time.Time) []vehRow {
	rows := []vehRow{{kind: rowHeading, text: txtVehOwnHeading}}
	var own []model.Plate
	seen := map[model.Plate]bool{}
	for _, v := range l.Vehicles {
		if p, err := model.ParsePlate(v.PlateType, v.PlateNumber); err == nil && v.Relation == "own" && !seen[p] {
			own, seen[p] = append(own, p), true
		}
	}
	// Links to vehicles of mine that the vehicle list lacks still show, under their plate.
	bound, follows := activeBindings(l.BoundToMine, now), activeFollows(l.FollowsOfMine, now)
	names := map[model.IDNumber]string{}
	for _, b := range l.BoundToMine {
		names[model.IDNumber(b.DriverID)] = b.DriverName
	}
	for _, f := range l.FollowsOfMine {
		names[model.IDNumber(f.FollowerID)] = f.FollowerName
	}
	for _, b := range bound {
		if !seen[b.Plate] {
			own, seen[b.Plate] = append(own, b.Plate), true
		}
	}
	for _, f := range follows {
		if !seen[f.Plate] {
			own, seen[f.Plate] = append(own, f.Plate), true
		}
	}
	for _, p := range own {
		rows = append(rows, vehRow{kind: rowOwn, plate: p})
		for _, b := range bound {
			if b.Plate == p {
				rows = append(rows, vehRow{kind: rowBoundToMine, plate: p, person: b.Driver, name: names[b.Driver], since: b.Since})
			}
		}
		for _, f := range follows {
			if f.Plate == p {
				rows = append(rows, vehRow{kind: rowFollowOfMine, plate: p, person: f.Follower, name: names[f.Follower], since: f.Since, until: f.Until})
			}
		}
	}
	if len(own) == 0 {
		rows = append(rows, vehRow{kind: rowEmpty, text: txtVehNoOwn})
	}

	rows = append(rows, vehRow{kind: rowHeading, text: txtVehLinkedHeading})
	linked := 0
	for _, v := range l.Vehicles {
		p, err := model.ParsePlate(v.PlateType, v.PlateNumber)
		if err != nil {
			continue
		}
		r := vehRow{plate: p, person: model.IDNumber(v.OwnerID), owner: v.OwnerName}
		if v.Since != nil {
			r.since = *v.Since
		}
		if v.Until != nil {
			r.until = *v.Until
		}
		switch v.Relation {
		case "bound":
			r.kind = rowMyBinding
		case "followed":
			r.kind = rowMyFollow
		default:
			continue
		}
		rows = append(rows, r)
		linked++
	}
	if linked == 0 {
		rows = append(rows, vehRow{kind: rowEmpty, text: txtVehNoLinked})
	}
	return append(rows, designatedRows(l)...)
}

// designatedRows lists the unit vehicles a unit designated me to drive, under their own heading,
// with a note that says where their violations go: nothing here can end a designation (the
// unit does), so none of these rows is acted on. A person without one sees no such section.
func designatedRows(l api.Lookup) []vehRow {
	var rows []vehRow
	for _, v := range l.Vehicles {
		p, err := model.ParsePlate(v.PlateType, v.PlateNumber)
		if err != nil || v.Relation != api.RelationDesignated {
			continue
		}
		r := vehRow{kind: rowDesignated, plate: p, owner: v.OwnerName}
		if v.Since != nil {
			r.since = *v.Since
		}
		rows = append(rows, r, vehRow{kind: rowUnitName, plate: p, owner: v.OwnerName})
	}
	if len(rows) == 0 {
		return nil
	}
	head := []vehRow{{kind: rowHeading, text: txtVehDesignatedHead}}
	return append(append(head, rows...), vehRow{kind: rowEmpty, text: txtVehDesignatedNote})
}

// recordTime is the time links are judged at: the later of the kiosk's clock and the server's
// time in the record, so that a link the server made or ended a moment ago counts as the
// server says even when the kiosk's clock is a little behind.
func recordTime(c *Common, s *session) time.Time {
	now := c.Now()
	if at := s.lookup.ServerTime; at.After(now) {
		return at
	}
	return now
}

func activeBindings(ws []api.Binding, now time.Time) []model.Binding {
	var out []model.Binding
	for _, w := range ws {
		if b, err := w.Model(); err == nil && b.ActiveAt(now) {
			out = append(out, b)
		}
	}
	return out
}

func activeFollows(ws []api.Follow, now time.Time) []model.Follow {
	var out []model.Follow
	for _, w := range ws {
		if f, err := w.Model(); err == nil && f.ActiveAt(now) {
			out = append(out, f)
		}
	}
	return out
}

// allBindings and allFollows convert a record's links, ended ones included (the limits count
// history).
func allBindings(ws []api.Binding) []model.Binding {
	var out []model.Binding
	for _, w := range ws {
		if b, err := w.Model(); err == nil {
			out = append(out, b)
		}
	}
	return out
}

func allFollows(ws []api.Follow) []model.Follow {
	var out []model.Follow
	for _, w := range ws {
		if f, err := w.Model(); err == nil {
			out = append(out, f)
		}
	}
	return out
}
