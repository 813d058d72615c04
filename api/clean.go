package api

import "github.com/hallkiosk/kiosk/model"

// The kiosk shows, saves and prints what the server sends. Whatever reached the server's
// database without the importer's checks (a record written by another system, a hostile server)
// must not reach a screen, a receipt file or a printer able to act: the client cleans every text
// of an answer (model.CleanText) before returning it. Valid identifiers, codes and plates hold
// nothing CleanText removes and come back unchanged.

func clean(s *string) { *s = model.CleanText(*s) }

// Clean cleans every text of a lookup.
func (l *Lookup) Clean() {
	clean(&l.Profile)
	clean(&l.Person.IDNumber)
	clean(&l.Person.Name)
	clean(&l.Person.Phone)
	if li := l.Licence; li != nil {
		for _, s := range []*string{&li.FileNumber, &li.Classes, &li.Status, &li.FirstIssued, &li.Issuer} {
			clean(s)
		}
	}
	for _, s := range []*string{&l.Points.CycleStart, &l.Points.CycleEnd} {
		clean(s)
	}
	for i := range l.Vehicles {
		v := &l.Vehicles[i]
		for _, s := range []*string{&v.PlateType, &v.PlateNumber, &v.OwnerKind, &v.OwnerID, &v.OwnerName, &v.Use, &v.Relation} {
			clean(s)
		}
	}
	for i := range l.Violations {
		v := &l.Violations[i]
		for _, s := range []*string{&v.ID, &v.PlateType, &v.PlateNumber, &v.Place, &v.Code, &v.Source, &v.Status,
			&v.Office, &v.OfficeCode, &v.Decision, &v.DriverID, &v.DueDate, &v.CatalogueZH, &v.CatalogueEN} {
			clean(s)
		}
	}
	for _, bs := range [][]Binding{l.BoundToMine, l.MyBindings} {
		for i := range bs {
			b := &bs[i]
			for _, s := range []*string{&b.DriverID, &b.PlateType, &b.PlateNumber, &b.OwnerID, &b.Channel, &b.DriverName} {
				clean(s)
			}
		}
	}
	for _, fs := range [][]Follow{l.FollowsOfMine, l.MyFollows} {
		for i := range fs {
			f := &fs[i]
			for _, s := range []*string{&f.FollowerID, &f.PlateType, &f.PlateNumber, &f.OwnerID, &f.FollowerName} {
				clean(s)
			}
		}
	}
	for i := range l.Rejections {
		rj := &l.Rejections[i]
		for _, s := range []*string{&rj.OpID, &rj.OpType, &rj.Kiosk} {
			clean(s)
		}
		cleanReasons(rj.Reasons)
	}
}

// Clean cleans every text of an operation's result.
func (r *OpResult) Clean() {
	clean(&r.OpID)
	clean(&r.Outcome)
	cleanReasons(r.Reasons)
	for i := range r.Decisions {
		d := &r.Decisions[i]
		for _, s := range []*string{&d.Number, &d.ViolationID, &d.DueDate} {
			clean(s)
		}
	}
	cleanPayments(r.Payments)
	for i := range r.Skipped {
		clean(&r.Skipped[i])
	}
}

// Clean cleans every text of a payment order.
func (o *PayOrder) Clean() {
	for _, s := range []*string{&o.OrderID, &o.Status, &o.QR, &o.Reference} {
		clean(s)
	}
	for i := range o.Items {
		clean(&o.Items[i].ViolationID)
	}
	cleanPayments(o.Payments)
	cleanReasons(o.Reasons)
}

func cleanReasons(rs []Reason) {
	for i := range rs {
		r := &rs[i]
		for _, s := range []*string{&r.Code, &r.ViolationID, &r.Want, &r.Got, &r.Term, &r.Path} {
			clean(s)
		}
	}
}

func cleanPayments(ps []Payment) {
	for i := range ps {
		p := &ps[i]
		for _, s := range []*string{&p.ID, &p.ViolationID, &p.Decision, &p.Method} {
			clean(s)
		}
	}
}
