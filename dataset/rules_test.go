package dataset

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// badCase breaks one rule of a good file and names the problem Decode must report.
type badCase struct {
	name string
	edit func(d doc)
	path string
	msg  string // part of the message
}

func set(section string, i int, key string, value any) func(doc) {
	return func(d doc) { d.rec(section, i)[key] = value }
}

func del(section string, i int, keys ...string) func(doc) {
	return func(d doc) {
		for _, k := range keys {
			delete(d.rec(section, i), k)
		}
	}
}

func setLicence(key string, value any) func(doc) {
	return func(d doc) { d.licence(0)[key] = value }
}

// both applies several edits.
func both(edits ...func(doc)) func(doc) {
	return func(d doc) {
		for _, e := range edits {
			e(d)
		}
	}
}

const (
	idUnknown   = "440524188001010014" // valid, and in no one's records
	idNoLicence = "34052419800101001X" // people[2]
)

func documentAndPeopleCases() []badCase {
	return []badCase{
		{"format wrong", func(d doc) { d["format"] = "hallkiosk-import/2" }, "format", `must be "hallkiosk-import/1"`},
		{"format missing", func(d doc) { delete(d, "format") }, "format", "is required"},
		{"unknown top key", func(d doc) { d["peoples"] = []any{} }, "peoples", "did you mean people?"},
		{"section not array", func(d doc) { d["people"] = map[string]any{} }, "people", "must be an array"},
		{"record not object", func(d doc) { d["people"].([]any)[0] = "x" }, "people[0]", "must be an object"},
		{"unknown person key", set("people", 0, "nmae", "x"), "people[0].nmae", "did you mean name?"},
		{"unknown key listed", set("people", 0, "email", "x"), "people[0].email", "has the keys id_number, name"},
		{"data as a key", set("people", 0, "440308199901101512", true), "people[0]", "(cut short)"},
		{"id check", set("people", 0, "id_number", "440308199901101513"), "people[0].id_number",
			"check character should be 2, not 3"},
		{"id length", set("people", 0, "id_number", "4403081999011015"), "people[0].id_number", "this one has 16"},
		{"id region", set("people", 0, "id_number", "990308199901101512"), "people[0].id_number", "starts with 99"},
		{"id birth", set("people", 0, "id_number", "440308199902301512"), "people[0].id_number", "not a real calendar day"},
		{"id future", set("people", 0, "id_number", "440308202701011512"), "people[0].id_number", "after today"},
		{"id char", set("people", 0, "id_number", "44030819990110151A"), "people[0].id_number", "character 18"},
		{"id repeated", set("people", 2, "id_number", "440308199901101512"), "people[2].id_number",
			"the same ID number as people[0]"},
		{"name missing", del("people", 0, "name"), "people[0].name", "is required"},
		{"name blank", set("people", 0, "name", "  "), "people[0].name", "must not be empty"},
		{"name control", set("people", 0, "name", "陈\t晓东"), "people[0].name", "contains U+0009 CHARACTER TABULATION (a tab) at character 2; remove it"},
		{"name escape", set("people", 0, "name", "\x1b[2J陈晓东"), "people[0].name", "contains U+001B ESCAPE at character 1; remove it"},
		{"place reversed", set("violations", 0, "place", "深南大道\u202e口叉交"), "violations[0].place", "contains U+202E RIGHT-TO-LEFT OVERRIDE at character 5; remove it"},
		{"office isolate", set("violations", 0, "office", "福田\u2067大队"), "violations[0].office", "contains U+2067 RIGHT-TO-LEFT ISOLATE at character 3"},
		{"owner name combining pile", set("vehicles", 0, "owner_name", "a\u0301\u0301\u0301\u0301"), "vehicles[0].owner_name", "more than 2 combining marks in a row at character 4"},
		{"name zero width", set("people", 0, "name", "陈\u200b晓东"), "people[0].name", "contains U+200B ZERO WIDTH SPACE at character 2"},
		{"name long", set("people", 0, "name", strings.Repeat("陈", 51)), "people[0].name", "at most 50"},
		{"name not string", set("people", 0, "name", 7), "people[0].name", "must be a string"},
		{"phone", set("people", 0, "phone", "+8613812345678"), "people[0].phone", "11-digit mobile number"},
		{"registered", set("people", 0, "registered", "yes"), "people[0].registered", "true or false"},
		{"file length", setLicence("file_number", "44030012345"), "people[0].licence.file_number", "this one has 11"},
		{"file char", setLicence("file_number", "44030012345A"), "people[0].licence.file_number", "character 12"},
		{"class unknown", setLicence("classes", "C7"), "people[0].licence.classes", "is not a licence class"},
		{"class repeated", setLicence("classes", "C1C1"), "people[0].licence.classes", "appears twice"},
		{"status", setLicence("status", "Z"), "people[0].licence.status", "is not a licence status"},
		{"first issued format", setLicence("first_issued", "2018/07/02"), "people[0].licence.first_issued",
			"must be a date like"},
		{"first issued future", setLicence("first_issued", "2027-01-01"), "people[0].licence.first_issued",
			"is in the future"},
		{"first issued young", setLicence("first_issued", "2010-01-01"), "people[0].licence.first_issued",
			"before the holder turned 16"},
		{"first issued year", setLicence("first_issued", "1066-10-14"), "people[0].licence.first_issued",
			"year 1066 is out of range"},
		{"issuer", setLicence("issuer", "粤"), "people[0].licence.issuer", "like 粤B"},
		{"issuer letter O", setLicence("issuer", "粤O"), "people[0].licence.issuer", "capital letter"},
		{"licence key", setLicence("expires", "2030-01-01"), "people[0].licence.expires", "unknown key"},
		{"licence missing key", func(d doc) { delete(d.licence(0), "status") }, "people[0].licence.status", "is required"},
	}
}

func vehicleCases() []badCase {
	return []badCase{
		{"plate type", set("vehicles", 0, "plate_type", "03"), "vehicles[0].plate_type", `"03" is not a plate type`},
		{"plate I", set("vehicles", 0, "plate_number", "粤B7K2MI"), "vehicles[0].plate_number", "the letter I"},
		{"plate province", set("vehicles", 0, "plate_number", "XB7K2M5"), "vehicles[0].plate_number",
			"province character"},
		{"plate length", set("vehicles", 0, "plate_number", "粤B7K2"), "vehicles[0].plate_number", "this one has 5"},
		{"plate type mismatch", set("vehicles", 0, "plate_type", "52"), "vehicles[0].plate_number",
			"does not fit plate type 52"},
		{"owner kind", set("vehicles", 0, "owner_kind", "private"), "vehicles[0].owner_kind",
			"use one of personal, unit"},
		{"use", set("vehicles", 0, "use", "taxi"), "vehicles[0].use", "use one of non_operating, operating"},
		{"personal without owner", del("vehicles", 0, "owner_id"), "vehicles[0].owner_id",
			"is required for a personal vehicle"},
		{"owner unknown", set("vehicles", 0, "owner_id", idUnknown), "vehicles[0].owner_id", "no person with this ID number"},
		{"owner id invalid", set("vehicles", 0, "owner_id", "11010519491231002"), "vehicles[0].owner_id", "this one has 17"},
		{"unit with owner id", set("vehicles", 2, "owner_id", idNoLicence), "vehicles[2].owner_id",
			"a unit-owned vehicle has no owner_id"},
		{"unit without name", del("vehicles", 2, "owner_name"), "vehicles[2].owner_name",
			"is required for a unit-owned vehicle"},
		{"owner name differs", set("vehicles", 1, "owner_name", "陈晓"), "vehicles[1].owner_name",
			"differs from the name of the owner in people[0]"},
		{"vehicle repeated", both(set("vehicles", 1, "plate_type", "02"), set("vehicles", 1, "plate_number", "粤B7K2M5")),
			"vehicles[1].plate_number", "the same vehicle (plate type and number) as vehicles[0]"},
		{"vin length", set("vehicles", 0, "vin", "LSVAU218XN218329"), "vehicles[0].vin", "a VIN has 17 characters, this one has 16"},
		{"vin letter O", set("vehicles", 0, "vin", "LSVAU218XN2O83294"), "vehicles[0].vin", `character 12 is "O"`},
		{"vin check", set("vehicles", 0, "vin", "LSVAU2181N2183294"), "vehicles[0].vin", "should be X, not 1"},
		{"vin repeated", set("vehicles", 1, "vin", "lsvau218xn2183294"), "vehicles[1].vin", "the same VIN as vehicles[0]"},
		{"reg cert length", set("vehicles", 0, "reg_cert", "44000123456"), "vehicles[0].reg_cert", "12 digits, this one has 11"},
		{"reg cert char", set("vehicles", 0, "reg_cert", "44000123456X"), "vehicles[0].reg_cert", `character 12 is "X"`},
		{"reg cert repeated", set("vehicles", 1, "reg_cert", "440001234567"), "vehicles[1].reg_cert",
			"the same registration certificate number as vehicles[0]"},
	}
}

func bindingAndFollowCases() []badCase {
	return []badCase{
		{"binding driver unknown", set("bindings", 0, "driver_id", idUnknown), "bindings[0].driver_id", "no person"},
		{"binding driver unlicensed", set("bindings", 0, "driver_id", idNoLicence), "bindings[0].driver_id",
			"a bound driver must hold a driving licence, and people[2] has none"},
		{"binding unit vehicle", set("bindings", 0, "plate_number", "粤B6W3K9"), "bindings[0].plate_number",
			"vehicles[2] is unit-owned; only personal vehicles can be bound"},
		{"binding own vehicle", both(set("bindings", 0, "plate_type", "52"), set("bindings", 0, "plate_number", "粤BD70418")),
			"bindings[0].driver_id", "this person owns vehicles[1]"},
		{"binding vehicle unknown", set("bindings", 0, "plate_number", "粤B99999"), "bindings[0].plate_number",
			"no vehicle with this plate type and number"},
		{"binding channel", set("bindings", 0, "channel", "app"), "bindings[0].channel", "use one of self_service, counter"},
		{"binding future", set("bindings", 0, "since", "2027-09-01T10:00:00+08:00"), "bindings[0].since", "is in the future"},
		{"binding time format", set("bindings", 0, "since", "2026-09-01 10:00"), "bindings[0].since",
			"with its offset"},
		{"binding ended early", set("bindings", 0, "ended", "2026-08-01T10:00:00+08:00"), "bindings[0].ended",
			"must be after since"},
		{"binding overlap", func(d doc) {
			b := map[string]any{}
			for k, v := range d.rec("bindings", 0) {
				b[k] = v
			}
			d["bindings"] = append(d["bindings"].([]any), b)
		}, "bindings[1].since", "overlaps bindings[0]"},
		{"follow consent early", set("follows", 0, "since", "2026-07-01T08:05:00+08:00"), "follows[0].since",
			"is before requested_at"},
		{"follow until", set("follows", 0, "until", "2026-08-01T08:05:00+08:00"), "follows[0].until", "must be after since"},
		{"follow cancelled early", set("follows", 0, "cancelled", "2026-08-02T08:00:00+08:00"), "follows[0].cancelled",
			"is before since"},
		{"follow cancelled future", set("follows", 0, "cancelled", "2026-12-02T08:00:00+08:00"), "follows[0].cancelled",
			"is in the future"},
		{"follower unlicensed", set("follows", 0, "follower_id", idNoLicence), "follows[0].follower_id",
			"a follower must hold a driving licence"},
		{"follow own vehicle", set("follows", 0, "follower_id", "440308199901101512"), "follows[0].follower_id",
			"this person owns vehicles[1]; only vehicles of other people are followed"},
		{"follow unit vehicle", both(set("follows", 0, "plate_type", "02"), set("follows", 0, "plate_number", "粤B6W3K9")),
			"follows[0].plate_number", "only personal vehicles can be followed"},
	}
}

func TestDecodeRefusesEachBrokenRule(t *testing.T) {
	var cases []badCase
	cases = append(cases, documentAndPeopleCases()...)
	cases = append(cases, vehicleCases()...)
	cases = append(cases, bindingAndFollowCases()...)
	cases = append(cases, violationCases()...)
	cases = append(cases, pointsCases()...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := goodDoc(t)
			c.edit(d)
			ps := problemsOf(t, d.bytes(t))
			found := false
			for _, p := range ps {
				found = found || (p.Path == c.path && strings.Contains(p.Message, c.msg))
			}
			if !found {
				t.Errorf("want a problem at %s containing %q; got:\n%v", c.path, c.msg, ps)
			}
			assertNoPersonalData(t, d, ps)
		})
	}
}

// assertNoPersonalData checks that no problem repeats an ID number, plate, name or phone number
// of the input: problem lists end up in logs and tickets.
func assertNoPersonalData(t *testing.T, d doc, ps Problems) {
	t.Helper()
	var values []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && personalKey(k) && len([]rune(s)) >= 3 {
					values = append(values, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(map[string]any(d))
	for _, p := range ps {
		for _, v := range values {
			if strings.Contains(p.Message, v) || strings.Contains(p.Path, v) {
				t.Errorf("problem %q repeats personal data from the input", p)
			}
		}
	}
}

func personalKey(k string) bool {
	switch k {
	case "id_number", "owner_id", "driver_id", "follower_id", "plate_number", "name", "owner_name", "phone",
		"file_number":
		return true
	}
	return false
}

// TestProblemsOfADemoFileKeepPersonalDataOut breaks every record of a generated file in ways
// whose messages could tempt an echo of the value, and checks that none does.
func TestProblemsOfADemoFileKeepPersonalDataOut(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, Demo(8, testToday(), 40)); err != nil {
		t.Fatal(err)
	}
	var d doc
	if err := json.Unmarshal(buf.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	for i, p := range d["people"].([]any) {
		rec := p.(map[string]any)
		id := rec["id_number"].(string)
		switch i % 3 {
		case 0:
			rec["id_number"] = id[:17] + string("01"[i%2]) // probably a wrong check character
		case 1:
			rec["phone"] = id
		case 2:
			rec[id] = rec["name"]
		}
	}
	for i, v := range d["vehicles"].([]any) {
		rec := v.(map[string]any)
		rec["plate_type"] = []string{"52", "15", "03"}[i%3]
	}
	for _, v := range d["violations"].([]any) {
		rec := v.(map[string]any)
		rec["code"] = rec["plate_number"]
		rec["office_code"] = rec["plate_number"]
	}
	ps := problemsOf(t, d.bytes(t))
	if len(ps) < 50 {
		t.Errorf("only %d problems", len(ps))
	}
	assertNoPersonalData(t, d, ps)
}
