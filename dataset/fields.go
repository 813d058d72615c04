package dataset

import (
	"bytes"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// The years a time in an import file may have.
const (
	minYear = 1900
	maxYear = 2199
)

// field is one key of a record. required means the key must always be present; keys required
// only in some states (a decision for a processed violation) are checked by the record's decoder.
type field struct {
	name     string
	required bool
}

// Record kinds, named as the definitions in docs/import.schema.json.
const (
	kindDocument   = "document"
	kindPerson     = "person"
	kindLicence    = "licence"
	kindVehicle    = "vehicle"
	kindBinding    = "binding"
	kindFollow     = "follow"
	kindViolation  = "violation"
	kindPoints     = "points_entry"
	kindUnitDriver = "unit_driver"
)

// recordFields lists the keys of every record kind, in the order Encode writes them. The schema
// test compares it with docs/import.schema.json and with the encoder's structs, so the three
// cannot drift apart.
func recordFields() map[string][]field {
	req := func(name string) field { return field{name, true} }
	opt := func(name string) field { return field{name, false} }
	return map[string][]field{
		kindDocument: {req("format"), opt("people"), opt("vehicles"), opt("bindings"), opt("follows"),
			opt("unit_drivers"), opt("violations"), opt("points")},
		kindPerson:  {req("id_number"), req("name"), opt("phone"), req("registered"), opt("licence")},
		kindLicence: {req("file_number"), req("classes"), req("status"), req("first_issued"), req("issuer")},
		kindVehicle: {req("plate_type"), req("plate_number"), req("owner_kind"), opt("owner_id"),
			opt("owner_name"), req("use"), opt("vin"), opt("reg_cert")},
		kindBinding: {req("driver_id"), req("plate_type"), req("plate_number"), req("since"), opt("ended"),
			req("channel")},
		kindFollow: {req("follower_id"), req("plate_type"), req("plate_number"), req("requested_at"),
			req("since"), req("until"), opt("cancelled")},
		kindViolation: {req("id"), req("plate_type"), req("plate_number"), req("time"), req("place"),
			req("code"), req("points"), req("fine_fen"), req("source"), req("status"), req("office"),
			req("office_code"), opt("decision"), opt("driver_id"), opt("decided_at"), opt("paid_at")},
		kindPoints: {req("driver_id"), req("decision"), req("points"), req("entered_at"), opt("paid_at")},
		kindUnitDriver: {req("driver_id"), req("plate_type"), req("plate_number"), req("since"),
			opt("ended")},
	}
}

// object is one JSON object being decoded: its raw values by key, where it sits, and the
// collector its problems go to. Getters report type errors themselves and return ok=false for
// a key that is absent, null or of the wrong type, so callers only decide what absence means.
type object struct {
	path   string
	values map[string]json.RawMessage
	c      *collector
	today  time.Time
}

// newObject reads raw as an object of the given kind, refusing unknown keys (with a guess at the
// intended one) and reporting missing required keys.
func newObject(c *collector, path, kind string, raw json.RawMessage, today time.Time) (*object, bool) {
	var values map[string]json.RawMessage
	if err := json.Unmarshal(raw, &values); err != nil || values == nil {
		c.add(path, "must be an object in braces { }, with the keys of a %s", strings.ReplaceAll(kind, "_", " "))
		return nil, false
	}
	fields := recordFields()[kind]
	var names []string
	for _, f := range fields {
		names = append(names, f.name)
	}
	unknown := make([]string, 0)
	for k := range values {
		if !slices.Contains(names, k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		msg := "unknown key " + shownKey(k) + "; a " + strings.ReplaceAll(kind, "_", " ") + " has the keys " +
			strings.Join(names, ", ")
		if guess := closestName(k, names); guess != "" {
			msg = "unknown key " + shownKey(k) + "; did you mean " + guess + "?"
		}
		c.add(keyPath(path, k), "%s", msg)
	}
	o := &object{path: path, values: values, c: c, today: today}
	for _, f := range fields {
		if f.required && !o.present(f.name) {
			c.add(joinPath(path, f.name), "is required")
		}
	}
	return o, true
}

// keyLike reports whether k looks like a key name: it starts with a letter and has at most 30
// letters, digits and underscores. Only such keys go into paths and messages whole; anything else
// may be data typed in the wrong place (an ID number used as a key) and is cut short.
func keyLike(k string) bool {
	if k == "" || len(k) > 30 || !isASCIILetter(k[0]) {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !isASCIILetter(c) && !(c >= '0' && c <= '9') && c != '_' {
			return false
		}
	}
	return true
}

func isASCIILetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// keyPath is the path of key inside parent, or parent itself when the key is not key-like.
func keyPath(parent, k string) string {
	if keyLike(k) {
		return joinPath(parent, k)
	}
	return parent
}

func shownKey(k string) string {
	if keyLike(k) {
		return `"` + k + `"`
	}
	return shown(k)
}

// present reports whether key has a value other than null.
func (o *object) present(key string) bool {
	raw, ok := o.values[key]
	return ok && !bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

func (o *object) at(key string) string { return joinPath(o.path, key) }

// str returns a string value with surrounding spaces removed. An empty string counts as given
// but is reported, since no key of the format accepts one.
func (o *object) str(key string) (string, bool) {
	if !o.present(key) {
		return "", false
	}
	var s string
	if err := json.Unmarshal(o.values[key], &s); err != nil {
		o.c.add(o.at(key), "must be a string in double quotes")
		return "", false
	}
	s = strings.TrimSpace(s)
	if s == "" {
		o.c.add(o.at(key), "must not be empty; leave the key out if there is no value")
		return "", false
	}
	return s, true
}

func (o *object) boolean(key string) (bool, bool) {
	if !o.present(key) {
		return false, false
	}
	var b bool
	if err := json.Unmarshal(o.values[key], &b); err != nil {
		o.c.add(o.at(key), "must be true or false, without quotes")
		return false, false
	}
	return b, true
}

func (o *object) integer(key string) (int64, bool) {
	if !o.present(key) {
		return 0, false
	}
	var n int64
	if err := json.Unmarshal(o.values[key], &n); err != nil {
		o.c.add(o.at(key), "must be a whole number without quotes or decimals")
		return 0, false
	}
	return n, true
}

// instant reads an RFC 3339 time with its offset. Times are kept in China Standard Time, the
// zone every date rule counts in, so decoded data compares equal whatever offset the file used.
func (o *object) instant(key string) (time.Time, bool) {
	s, ok := o.str(key)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		o.c.add(o.at(key), "must be a date and time with its offset, like 2026-10-10T09:30:00+08:00")
		return time.Time{}, false
	}
	t = t.In(model.ChinaZone())
	if !o.plausibleYear(key, t) {
		return time.Time{}, false
	}
	return t, true
}

// plausibleYear keeps years to a range real records can have; anything else is a typo, and
// years outside 0000-9999 could not even be written back.
func (o *object) plausibleYear(key string, t time.Time) bool {
	if y := t.Year(); y < minYear || y > maxYear {
		o.c.add(o.at(key), "the year %d is out of range: records lie between %d and %d", y, minYear, maxYear)
		return false
	}
	return true
}

// past reads an instant that must not be after the import's today.
func (o *object) past(key string) (time.Time, bool) {
	t, ok := o.instant(key)
	if ok && t.After(o.today) {
		o.c.add(o.at(key), "is in the future; records describe what has already happened")
		return time.Time{}, false
	}
	return t, ok
}

// date reads a calendar day, YYYY-MM-DD, as the first instant of that day in China.
func (o *object) date(key string) (time.Time, bool) {
	s, ok := o.str(key)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		o.c.add(o.at(key), "must be a date like 2016-05-20 (year-month-day)")
		return time.Time{}, false
	}
	if !o.plausibleYear(key, t) {
		return time.Time{}, false
	}
	d := model.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}
	return d.Start().In(model.ChinaZone()), true
}

// enum reads a string that must be one of allowed.
func (o *object) enum(key string, allowed ...string) (string, bool) {
	s, ok := o.str(key)
	if !ok {
		return "", false
	}
	if !slices.Contains(allowed, s) {
		o.c.add(o.at(key), "%s is not allowed here; use one of %s", shown(s), strings.Join(allowed, ", "))
		return "", false
	}
	return s, true
}

// closestName guesses the key meant by a misspelt one: the known name within two edits.
func closestName(k string, names []string) string {
	best, bestDist := "", 3
	for _, n := range names {
		if d := editDistance(k, n); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 40 || len(rb) > 40 {
		return 99 // not a typo of any key, and not worth the work
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
