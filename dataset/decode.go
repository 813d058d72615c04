package dataset

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// Decode reads and validates a whole import file. today judges ID numbers' birth dates and
// which times lie in the future. Invalid content gives a Problems error listing everything
// found; a file that cannot be read gives a plain error.
func Decode(r io.Reader, today time.Time) (*Data, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read import file: %w", err)
	}
	c := &collector{}
	if !scanJSON(data, c) {
		return nil, c.result()
	}
	doc, ok := newObject(c, "", kindDocument, data, today)
	if !ok {
		return nil, c.result()
	}
	if f, ok := doc.str("format"); ok && f != Format {
		c.add("format", "must be %q; this server reads only that format", Format)
	}
	d := newDecoder(c, today)
	d.decodePeople(doc.array("people"))
	d.decodeVehicles(doc.array("vehicles"))
	d.decodeBindings(doc.array("bindings"))
	d.decodeFollows(doc.array("follows"))
	d.decodeUnitDrivers(doc.array("unit_drivers"))
	d.decodeViolations(doc.array("violations"))
	d.decodePoints(doc.array("points"))
	if !c.empty() {
		return nil, c.result()
	}
	return d.result(), nil
}

// array returns the elements of an array value; absent or null is an empty list.
func (o *object) array(key string) []json.RawMessage {
	if !o.present(key) {
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(o.values[key], &items); err != nil {
		o.c.add(o.at(key), "must be an array in brackets [ ]")
		return nil
	}
	return items
}

// decoder holds what the sections decoded so far, so that later sections can check their
// references. Its slices keep one entry per input record, valid or not, so an index in a
// message is the record's index in the file.
type decoder struct {
	c     *collector
	today time.Time
	out   Data

	people     map[model.IDNumber]int
	vehicles   map[model.Plate]int
	vins       map[string]string // path of the vehicle of each VIN, and of each certificate ("cert:" and the number)
	violations map[string]int
	decisions  map[model.DecisionNumber]int // violation index
	ledger     map[model.DecisionNumber]int // points index
}

func newDecoder(c *collector, today time.Time) *decoder {
	return &decoder{
		c: c, today: today,
		people:     map[model.IDNumber]int{},
		vehicles:   map[model.Plate]int{},
		vins:       map[string]string{},
		violations: map[string]int{},
		decisions:  map[model.DecisionNumber]int{},
		ledger:     map[model.DecisionNumber]int{},
	}
}

// result is the decoded data, with empty sections as nil so that equal files give equal values.
func (d *decoder) result() *Data {
	out := d.out
	if len(out.People) == 0 {
		out.People = nil
	}
	if len(out.Vehicles) == 0 {
		out.Vehicles = nil
	}
	if len(out.Bindings) == 0 {
		out.Bindings = nil
	}
	if len(out.Follows) == 0 {
		out.Follows = nil
	}
	if len(out.Violations) == 0 {
		out.Violations = nil
	}
	if len(out.Points) == 0 {
		out.Points = nil
	}
	if len(out.UnitDrivers) == 0 {
		out.UnitDrivers = nil
	}
	return &out
}

func itemPath(section string, i int) string { return section + "[" + strconv.Itoa(i) + "]" }

// idNumber reads an ID number key through the model's parser.
func (d *decoder) idNumber(o *object, key string) (model.IDNumber, bool) {
	s, ok := o.str(key)
	if !ok {
		return "", false
	}
	id, err := model.ParseIDNumber(s, d.today)
	if err != nil {
		d.c.add(o.at(key), "%s", parserMessage(err))
		return "", false
	}
	return id, true
}

// plate reads plate_type and plate_number together, putting each problem on the key at fault.
func (d *decoder) plate(o *object) (model.Plate, bool) {
	typ, okT := o.str("plate_type")
	num, okN := o.str("plate_number")
	if !okT || !okN {
		return model.Plate{}, false
	}
	p, err := model.ParsePlate(typ, num)
	if err != nil {
		key := "plate_number"
		var ie *model.InputError
		if errors.As(err, &ie) && ie.Field == "plate_type" {
			key = "plate_type"
		}
		d.c.add(o.at(key), "%s", parserMessage(err))
		return model.Plate{}, false
	}
	return p, true
}

// person returns the index of the person with id, reporting a missing one at key.
func (d *decoder) person(o *object, key string, id model.IDNumber) (int, bool) {
	i, ok := d.people[id]
	if !ok {
		d.c.add(o.at(key), "no person with this ID number is in people; add the person or correct the number")
	}
	return i, ok
}

// licensed checks that person i holds a licence, for the roles that need one.
func (d *decoder) licensed(o *object, key string, i int, role string) bool {
	if d.out.People[i].Licence != nil {
		return true
	}
	d.c.add(o.at(key), "%s must hold a driving licence, and %s has none; add the licence", role, itemPath("people", i))
	return false
}

// text reads a free-text key: at most limit characters, one line, without characters that a
// screen or a printer would obey or hide (model.CheckText), naming the character found.
func (d *decoder) text(o *object, key string, limit int) (string, bool) {
	s, ok := o.str(key)
	if !ok {
		return "", false
	}
	if n := len([]rune(s)); n > limit {
		d.c.add(o.at(key), "is %d characters long; at most %d are allowed", n, limit)
		return "", false
	}
	if p, ok := model.CheckText(s); !ok {
		d.c.add(o.at(key), "%s", p)
		return "", false
	}
	return s, true
}
