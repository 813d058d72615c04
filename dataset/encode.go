package dataset

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// The wire records mirror the import format key by key, in the order of recordFields. Optional
// keys are omitted when empty, so a written file shows only what is known.
type (
	wireDocument struct {
		Format      string           `json:"format"`
		People      []wirePerson     `json:"people"`
		Vehicles    []wireVehicle    `json:"vehicles"`
		Bindings    []wireBinding    `json:"bindings"`
		Follows     []wireFollow     `json:"follows"`
		UnitDrivers []wireUnitDriver `json:"unit_drivers"`
		Violations  []wireViolation  `json:"violations"`
		Points      []wirePoints     `json:"points"`
	}
	wirePerson struct {
		IDNumber   string       `json:"id_number"`
		Name       string       `json:"name"`
		Phone      string       `json:"phone,omitempty"`
		Registered bool         `json:"registered"`
		Licence    *wireLicence `json:"licence,omitempty"`
	}
	wireLicence struct {
		FileNumber  string `json:"file_number"`
		Classes     string `json:"classes"`
		Status      string `json:"status"`
		FirstIssued string `json:"first_issued"`
		Issuer      string `json:"issuer"`
	}
	wireVehicle struct {
		PlateType   string `json:"plate_type"`
		PlateNumber string `json:"plate_number"`
		OwnerKind   string `json:"owner_kind"`
		OwnerID     string `json:"owner_id,omitempty"`
		OwnerName   string `json:"owner_name,omitempty"`
		Use         string `json:"use"`
		VIN         string `json:"vin,omitempty"`
		RegCert     string `json:"reg_cert,omitempty"`
	}
	wireBinding struct {
		DriverID    string `json:"driver_id"`
		PlateType   string `json:"plate_type"`
		PlateNumber string `json:"plate_number"`
		Since       string `json:"since"`
		Ended       string `json:"ended,omitempty"`
		Channel     string `json:"channel"`
	}
	wireFollow struct {
		FollowerID  string `json:"follower_id"`
		PlateType   string `json:"plate_type"`
		PlateNumber string `json:"plate_number"`
		RequestedAt string `json:"requested_at"`
		Since       string `json:"since"`
		Until       string `json:"until"`
		Cancelled   string `json:"cancelled,omitempty"`
	}
	wireViolation struct {
		ID          string `json:"id"`
		PlateType   string `json:"plate_type"`
		PlateNumber string `json:"plate_number"`
		Time        string `json:"time"`
		Place       string `json:"place"`
		Code        string `json:"code"`
		Points      int    `json:"points"`
		FineFen     int64  `json:"fine_fen"`
		Source      string `json:"source"`
		Status      string `json:"status"`
		Office      string `json:"office"`
		OfficeCode  string `json:"office_code"`
		Decision    string `json:"decision,omitempty"`
		DriverID    string `json:"driver_id,omitempty"`
		DecidedAt   string `json:"decided_at,omitempty"`
		PaidAt      string `json:"paid_at,omitempty"`
	}
	wirePoints struct {
		DriverID  string `json:"driver_id"`
		Decision  string `json:"decision"`
		Points    int    `json:"points"`
		EnteredAt string `json:"entered_at"`
		PaidAt    string `json:"paid_at,omitempty"`
	}
)

// Encode writes d in the import format: records in the order of d, keys in a fixed order,
// indented two spaces, times in China Standard Time. Decode of the output gives d back.
func Encode(w io.Writer, d *Data) error {
	if d == nil {
		d = &Data{}
	}
	doc := wireDocument{
		Format:      Format,
		People:      make([]wirePerson, 0, len(d.People)),
		Vehicles:    make([]wireVehicle, 0, len(d.Vehicles)),
		Bindings:    make([]wireBinding, 0, len(d.Bindings)),
		Follows:     make([]wireFollow, 0, len(d.Follows)),
		UnitDrivers: make([]wireUnitDriver, 0, len(d.UnitDrivers)),
		Violations:  make([]wireViolation, 0, len(d.Violations)),
		Points:      make([]wirePoints, 0, len(d.Points)),
	}
	for _, p := range d.People {
		doc.People = append(doc.People, wirePersonOf(p))
	}
	for _, v := range d.Vehicles {
		doc.Vehicles = append(doc.Vehicles, wireVehicle{
			PlateType: string(v.Plate.Type), PlateNumber: string(v.Plate.Number), OwnerKind: string(v.OwnerKind),
			OwnerID: string(v.Owner), OwnerName: v.OwnerName, Use: string(v.Use),
			VIN: string(v.VIN), RegCert: string(v.RegCert)})
	}
	for _, b := range d.Bindings {
		doc.Bindings = append(doc.Bindings, wireBinding{
			DriverID: string(b.Driver), PlateType: string(b.Plate.Type), PlateNumber: string(b.Plate.Number),
			Since: instantText(b.Since), Ended: instantText(b.Ended), Channel: string(b.Channel)})
	}
	for _, f := range d.Follows {
		doc.Follows = append(doc.Follows, wireFollow{
			FollowerID: string(f.Follower), PlateType: string(f.Plate.Type), PlateNumber: string(f.Plate.Number),
			RequestedAt: instantText(f.RequestedAt), Since: instantText(f.Since), Until: instantText(f.Until),
			Cancelled: instantText(f.Cancelled)})
	}
	for _, u := range d.UnitDrivers {
		doc.UnitDrivers = append(doc.UnitDrivers, wireUnitDriverOf(u))
	}
	for _, v := range d.Violations {
		doc.Violations = append(doc.Violations, wireViolationOf(v))
	}
	for _, e := range d.Points {
		doc.Points = append(doc.Points, wirePoints{
			DriverID: string(e.Driver), Decision: string(e.Decision), Points: e.Points,
			EnteredAt: instantText(e.EnteredAt), PaidAt: instantText(e.PaidAt)})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // keep names and places readable; the file is not HTML
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write import file: %w", err)
	}
	return nil
}

func wirePersonOf(p Person) wirePerson {
	out := wirePerson{IDNumber: string(p.Driver.ID), Name: p.Driver.Name, Phone: p.Driver.Phone, Registered: p.Registered}
	if l := p.Licence; l != nil {
		out.Licence = &wireLicence{FileNumber: string(l.FileNumber), Classes: l.Classes.String(),
			Status: string(l.Status), FirstIssued: dateText(l.FirstIssued), Issuer: l.Issuer}
	}
	return out
}

func wireViolationOf(v model.Violation) wireViolation {
	return wireViolation{
		ID: v.ID, PlateType: string(v.Plate.Type), PlateNumber: string(v.Plate.Number),
		Time: instantText(v.Time), Place: v.Place, Code: string(v.Code), Points: v.Points,
		FineFen: int64(v.Fine), Source: string(v.Source), Status: string(v.Status), Office: v.Office,
		OfficeCode: v.OfficeCode, Decision: string(v.Decision), DriverID: string(v.Driver),
		DecidedAt: instantText(v.DecidedAt), PaidAt: instantText(v.PaidAt),
	}
}

// instantText writes a time in China Standard Time, the zone staff read, with fractions of a
// second only when there are some; a zero time is an absent key.
func instantText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(model.ChinaZone()).Format(time.RFC3339Nano)
}

func dateText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return model.DateOf(t).String()
}
