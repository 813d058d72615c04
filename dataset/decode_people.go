package dataset

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

func (d *decoder) decodePeople(items []json.RawMessage) {
	for i, raw := range items {
		path := itemPath("people", i)
		var p Person
		if o, ok := newObject(d.c, path, kindPerson, raw, d.today); ok {
			p = d.decodePerson(o)
		}
		d.out.People = append(d.out.People, p)
		if p.Driver.ID == "" {
			continue
		}
		if j, dup := d.people[p.Driver.ID]; dup {
			d.c.add(path+".id_number", "the same ID number as %s; each person appears once", itemPath("people", j))
			continue
		}
		d.people[p.Driver.ID] = i
	}
}

func (d *decoder) decodePerson(o *object) Person {
	var p Person
	p.Driver.ID, _ = d.idNumber(o, "id_number")
	p.Driver.Name, _ = d.text(o, "name", 50)
	if phone, ok := o.str("phone"); ok {
		if validPhone(phone) {
			p.Driver.Phone = phone
		} else {
			d.c.add(o.at("phone"), "must be an 11-digit mobile number starting with 13 to 19, "+
				"without +86, spaces or dashes")
		}
	}
	p.Registered, _ = o.boolean("registered")
	if o.present("licence") {
		// A broken licence still counts as one, so that records naming this person as a driver
		// are not reported a second time for a missing licence.
		l := model.Licence{ID: p.Driver.ID}
		if lo, ok := newObject(d.c, o.at("licence"), kindLicence, o.values["licence"], d.today); ok {
			l = d.decodeLicence(lo, p.Driver.ID)
		}
		p.Licence = &l
	}
	return p
}

// validPhone accepts a mainland mobile number: 11 digits, 1 then 3 to 9.
func validPhone(s string) bool {
	if len(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9' {
		return false
	}
	for i := 2; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (d *decoder) decodeLicence(o *object, id model.IDNumber) model.Licence {
	l := model.Licence{ID: id}
	if s, ok := o.str("file_number"); ok {
		var err error
		if l.FileNumber, err = model.ParseFileNumber(s); err != nil {
			d.c.add(o.at("file_number"), "%s", parserMessage(err))
		}
	}
	if s, ok := o.str("classes"); ok {
		var err error
		if l.Classes, err = model.ParseLicenceClasses(s); err != nil {
			d.c.add(o.at("classes"), "%s", parserMessage(err))
		}
	}
	if s, ok := o.str("status"); ok {
		var err error
		if l.Status, err = model.ParseLicenceStatus(s); err != nil {
			d.c.add(o.at("status"), "%s", parserMessage(err))
		}
	}
	if t, ok := o.date("first_issued"); ok {
		switch {
		case model.DateOf(d.today).Before(model.DateOf(t)):
			d.c.add(o.at("first_issued"), "is in the future; give the day the first licence was issued")
		case id != "" && model.DateOf(t).Before(sixteenthBirthday(id)):
			d.c.add(o.at("first_issued"), "is before the holder turned 16 (by the ID number's birth date); "+
				"check the year")
		default:
			l.FirstIssued = t
		}
	}
	if s, ok := o.str("issuer"); ok {
		if validIssuer(s) {
			l.Issuer = s
		} else {
			d.c.add(o.at("issuer"), "must be the issuing office as a province character and its capital "+
				"letter, like 粤B or 渝A")
		}
	}
	return l
}

// sixteenthBirthday is the earliest day anyone can have been issued a licence: the youngest
// class (light motorcycle, F) was open at 16 under the older rules.
func sixteenthBirthday(id model.IDNumber) model.Date {
	b := id.BirthDate()
	y, m, day := time.Date(b.Year+16, b.Month, b.Day, 0, 0, 0, 0, time.UTC).Date()
	return model.Date{Year: y, Month: m, Day: day}
}

// validIssuer accepts a plate region: a province character and an office letter other than I
// and O, which plates never use.
func validIssuer(s string) bool {
	rs := []rune(s)
	if len(rs) != 2 || !slices.Contains(model.Provinces(), string(rs[0])) {
		return false
	}
	return rs[1] >= 'A' && rs[1] <= 'Z' && rs[1] != 'I' && rs[1] != 'O'
}

func (d *decoder) decodeVehicles(items []json.RawMessage) {
	for i, raw := range items {
		path := itemPath("vehicles", i)
		var v Vehicle
		if o, ok := newObject(d.c, path, kindVehicle, raw, d.today); ok {
			v = d.decodeVehicle(o)
		}
		d.out.Vehicles = append(d.out.Vehicles, v)
		if v.Plate.Number == "" {
			continue
		}
		if j, dup := d.vehicles[v.Plate]; dup {
			d.c.add(path+".plate_number", "the same vehicle (plate type and number) as %s; each vehicle appears once",
				itemPath("vehicles", j))
			continue
		}
		d.vehicles[v.Plate] = i
	}
}

func (d *decoder) decodeVehicle(o *object) Vehicle {
	var v Vehicle
	v.Plate, _ = d.plate(o)
	if u, ok := o.enum("use", string(model.UseNonOperating), string(model.UseOperating)); ok {
		v.Use = model.UseNature(u)
	}
	v.OwnerName, _ = d.text(o, "owner_name", 100)
	d.vehicleNumbers(o, &v)
	kind, ok := o.enum("owner_kind", string(model.OwnerPersonal), string(model.OwnerUnit))
	if !ok {
		return v
	}
	v.OwnerKind = model.OwnerKind(kind)
	if v.OwnerKind == model.OwnerUnit {
		if o.present("owner_id") {
			d.c.add(o.at("owner_id"), "a unit-owned vehicle has no owner_id; remove it and give the unit's name in owner_name")
		}
		if !o.present("owner_name") {
			d.c.add(o.at("owner_name"), "is required for a unit-owned vehicle: the unit's name")
		}
		return v
	}
	if !o.present("owner_id") {
		d.c.add(o.at("owner_id"), "is required for a personal vehicle: the owner's ID number")
		return v
	}
	id, ok := d.idNumber(o, "owner_id")
	if !ok {
		return v
	}
	v.Owner = id
	if i, ok := d.person(o, "owner_id", id); ok && v.OwnerName != "" && v.OwnerName != d.out.People[i].Driver.Name {
		d.c.add(o.at("owner_name"), "differs from the name of the owner in %s; correct one of them or leave owner_name out",
			itemPath("people", i))
	}
	return v
}

// vehicleNumbers reads a vehicle's VIN and registration certificate number, both optional (a
// vehicle without them cannot be verified by them), each belonging to one vehicle only.
func (d *decoder) vehicleNumbers(o *object, v *Vehicle) {
	if s, ok := o.str("vin"); ok {
		vin, err := model.ParseVIN(s)
		switch {
		case err != nil:
			d.c.add(o.at("vin"), "%s", parserMessage(err))
		case d.vins[string(vin)] != "":
			d.c.add(o.at("vin"), "the same VIN as %s; a VIN belongs to one vehicle", d.vins[string(vin)])
		default:
			v.VIN = vin
			d.vins[string(vin)] = o.path
		}
	}
	if s, ok := o.str("reg_cert"); ok {
		n, err := model.ParseRegCertNumber(s)
		switch {
		case err != nil:
			d.c.add(o.at("reg_cert"), "%s", parserMessage(err))
		case d.vins["cert:"+string(n)] != "":
			d.c.add(o.at("reg_cert"), "the same registration certificate number as %s; a certificate belongs to one vehicle",
				d.vins["cert:"+string(n)])
		default:
			v.RegCert = n
			d.vins["cert:"+string(n)] = o.path
		}
	}
}
