package dataset

import (
	"encoding/json"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// linkKey names a driver's relation to one vehicle, to find overlapping periods.
type linkKey struct {
	person model.IDNumber
	plate  model.Plate
}

// period is when one binding or follow was in force; a zero end means open-ended.
type period struct {
	index      int
	start, end time.Time
}

func (p period) overlaps(q period) bool {
	return (q.end.IsZero() || p.start.Before(q.end)) && (p.end.IsZero() || q.start.Before(p.end))
}

// overlapping returns the index of an earlier period of the same driver and vehicle that
// overlaps p, or -1; it records p for the records that follow.
func overlapping(seen map[linkKey][]period, k linkKey, p period) int {
	for _, q := range seen[k] {
		if p.overlaps(q) {
			return q.index
		}
	}
	seen[k] = append(seen[k], p)
	return -1
}

func (d *decoder) decodeBindings(items []json.RawMessage) {
	seen := map[linkKey][]period{}
	for i, raw := range items {
		path := itemPath("bindings", i)
		var b model.Binding
		if o, ok := newObject(d.c, path, kindBinding, raw, d.today); ok {
			b = d.decodeBinding(o)
		}
		d.out.Bindings = append(d.out.Bindings, b)
		if b.Driver == "" || b.Plate.Number == "" || b.Since.IsZero() {
			continue
		}
		if j := overlapping(seen, linkKey{b.Driver, b.Plate}, period{i, b.Since, b.Ended}); j >= 0 {
			d.c.add(path+".since", "overlaps %s of the same driver and vehicle; end one binding before the next begins",
				itemPath("bindings", j))
		}
	}
}

func (d *decoder) decodeBinding(o *object) model.Binding {
	var b model.Binding
	b.Since, _ = o.past("since")
	if t, ok := o.past("ended"); ok {
		if !b.Since.IsZero() && !t.After(b.Since) {
			d.c.add(o.at("ended"), "must be after since")
		} else {
			b.Ended = t
		}
	}
	if ch, ok := o.enum("channel", string(model.ChannelSelfService), string(model.ChannelCounter)); ok {
		b.Channel = model.BindingChannel(ch)
	}
	b.Driver, _ = d.idNumber(o, "driver_id")
	if b.Driver != "" {
		if i, ok := d.person(o, "driver_id", b.Driver); ok {
			d.licensed(o, "driver_id", i, "a bound driver")
		}
	}
	b.Plate, b.Owner = d.otherPersonsVehicle(o, "driver_id", b.Driver, "bound")
	return b
}

// otherPersonsVehicle reads the plate of a binding or follow and checks that it names a personal
// vehicle of someone other than who (the driver or follower at key). It returns the plate and
// the vehicle's owner.
func (d *decoder) otherPersonsVehicle(o *object, key string, who model.IDNumber, verb string) (model.Plate, model.IDNumber) {
	p, ok := d.plate(o)
	if !ok {
		return model.Plate{}, ""
	}
	vi, ok := d.vehicles[p]
	if !ok {
		d.c.add(o.at("plate_number"), "no vehicle with this plate type and number is in vehicles; add the vehicle "+
			"or correct the plate")
		return p, ""
	}
	v := d.out.Vehicles[vi]
	switch {
	case v.OwnerKind == model.OwnerUnit:
		d.c.add(o.at("plate_number"), "%s is unit-owned; only personal vehicles can be %s", itemPath("vehicles", vi), verb)
	case who != "" && v.Owner == who:
		d.c.add(o.at(key), "this person owns %s; only vehicles of other people are %s", itemPath("vehicles", vi), verb)
	}
	return p, v.Owner
}

func (d *decoder) decodeFollows(items []json.RawMessage) {
	seen := map[linkKey][]period{}
	for i, raw := range items {
		path := itemPath("follows", i)
		var f model.Follow
		if o, ok := newObject(d.c, path, kindFollow, raw, d.today); ok {
			f = d.decodeFollow(o)
		}
		d.out.Follows = append(d.out.Follows, f)
		if f.Follower == "" || f.Plate.Number == "" || f.Since.IsZero() || f.Until.IsZero() {
			continue
		}
		end := f.Until
		if !f.Cancelled.IsZero() && f.Cancelled.Before(end) {
			end = f.Cancelled
		}
		if j := overlapping(seen, linkKey{f.Follower, f.Plate}, period{i, f.Since, end}); j >= 0 {
			d.c.add(path+".since", "overlaps %s of the same follower and vehicle; one follow must end before the next begins",
				itemPath("follows", j))
		}
	}
}

func (d *decoder) decodeFollow(o *object) model.Follow {
	var f model.Follow
	f.RequestedAt, _ = o.past("requested_at")
	if t, ok := o.past("since"); ok {
		if !f.RequestedAt.IsZero() && t.Before(f.RequestedAt) {
			d.c.add(o.at("since"), "is before requested_at; the owner consents after the request")
		} else {
			f.Since = t
		}
	}
	// until may lie in the future: it is when the authorisation will end.
	if t, ok := o.instant("until"); ok {
		if !f.Since.IsZero() && !t.After(f.Since) {
			d.c.add(o.at("until"), "must be after since")
		} else {
			f.Until = t
		}
	}
	if t, ok := o.past("cancelled"); ok {
		if !f.Since.IsZero() && t.Before(f.Since) {
			d.c.add(o.at("cancelled"), "is before since; only a follow in force can be cancelled")
		} else {
			f.Cancelled = t
		}
	}
	f.Follower, _ = d.idNumber(o, "follower_id")
	if f.Follower != "" {
		if i, ok := d.person(o, "follower_id", f.Follower); ok {
			d.licensed(o, "follower_id", i, "a follower")
		}
	}
	f.Plate, f.Owner = d.otherPersonsVehicle(o, "follower_id", f.Follower, "followed")
	return f
}
