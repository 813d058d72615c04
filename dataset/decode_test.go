package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// testToday is the import's today in these tests.
func testToday() time.Time { return time.Date(2026, 11, 21, 10, 0, 0, 0, model.ChinaZone()) }

func goodFile(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/good.json")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// problemsOf decodes data and returns its problems, failing if it decodes or fails otherwise.
func problemsOf(t *testing.T, data []byte) Problems {
	t.Helper()
	_, err := Decode(bytes.NewReader(data), testToday())
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("Decode error = %v, want Problems", err)
	}
	return ps
}

func TestDecodeGoodFile(t *testing.T) {
	d, err := Decode(bytes.NewReader(goodFile(t)), testToday())
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if len(d.People) != 3 || len(d.Vehicles) != 3 || len(d.Bindings) != 1 || len(d.Follows) != 1 ||
		len(d.Violations) != 3 || len(d.Points) != 2 {
		t.Fatalf("counts: %d people, %d vehicles, %d bindings, %d follows, %d violations, %d points",
			len(d.People), len(d.Vehicles), len(d.Bindings), len(d.Follows), len(d.Violations), len(d.Points))
	}
	l := d.People[1].Licence
	if l == nil || l.ID != d.People[1].Driver.ID || l.Classes.String() != "C1E" || l.Issuer != "京A" ||
		model.DateOf(l.FirstIssued).String() != "1990-05-10" {
		t.Errorf("licence of people[1] = %+v", l)
	}
	if d.People[2].Licence != nil || d.People[2].Registered {
		t.Errorf("people[2] = %+v, want no licence and not registered", d.People[2])
	}
	if b := d.Bindings[0]; b.Owner != d.People[1].Driver.ID || b.Channel != model.ChannelSelfService {
		t.Errorf("binding = %+v, want the owner taken from the vehicle", b)
	}
	if f := d.Follows[0]; f.Owner != d.People[0].Driver.ID || !f.Until.After(testToday()) {
		t.Errorf("follow = %+v", f)
	}
	v := d.Violations[1]
	if v.Status != model.StatusPaid || v.Fine != model.Yuan(200) || v.Decision != "4403042026000000015" ||
		v.PaidAt.Sub(v.DecidedAt) != 3*time.Minute+26*time.Second {
		t.Errorf("violations[1] = %+v", v)
	}
	if e := d.Points[1]; e.Driver != d.People[1].Driver.ID || e.Points != 1 || !e.PaidAt.IsZero() {
		t.Errorf("points[1] = %+v", e)
	}
}

func TestGoodFileRoundTrips(t *testing.T) {
	good := goodFile(t)
	d, err := Decode(bytes.NewReader(good), testToday())
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Encode(&out, d); err != nil {
		t.Fatal(err)
	}
	// The file is written in Encode's canonical form, so the bytes match exactly.
	if !bytes.Equal(out.Bytes(), good) {
		t.Errorf("Encode did not reproduce testdata/good.json:\n%s", out.String())
	}
	again, err := Decode(&out, testToday())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d, again) {
		t.Errorf("Decode(Encode(d)) differs from d")
	}
}

func TestDecodeNormalisesValues(t *testing.T) {
	data := strings.NewReplacer(
		`"C1E"`, `" ec1 "`,
		`"11010519491231002X"`, `"11010519491231002x"`,
		`"2026-08-01T19:20:00+08:00"`, `"2026-08-01T11:20:00Z"`,
		`"粤B7K2M5"`, `"粤b7k2m5"`,
	).Replace(string(goodFile(t)))
	d, err := Decode(strings.NewReader(data), testToday())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Decode(bytes.NewReader(goodFile(t)), testToday())
	if !reflect.DeepEqual(d, want) {
		t.Errorf("lower case, spaces, class order and UTC offsets should decode to the canonical values")
	}
}

func TestEncodeEmptyData(t *testing.T) {
	for _, d := range []*Data{nil, {}} {
		var out bytes.Buffer
		if err := Encode(&out, d); err != nil {
			t.Fatal(err)
		}
		got, err := Decode(&out, testToday())
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, &Data{}) {
			t.Errorf("empty data decoded to %+v", got)
		}
	}
}

func TestDecodeMalformedJSON(t *testing.T) {
	cases := []struct{ name, data, want string }{
		{"syntax", "{\"format\": \"hallkiosk-import/1\",\n  \"people\": [,]}", "line 2, column 14: the JSON is malformed"},
		{"truncated", "{\"format\": \"hallkiosk-import/1\",\n  \"people\": [", "line 2, column 14: the file ends in the middle"},
		{"empty", "  \n", "the file is empty"},
		{"trailing", "{\"format\": \"hallkiosk-import/1\"}\n{}", "line 2, column 1: there is more after the end"},
		{"not an object", "[1, 2]", "must be an object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ps := problemsOf(t, []byte(c.data))
			if len(ps) != 1 || ps[0].Path != "" || !strings.Contains(ps[0].Message, c.want) {
				t.Errorf("problems = %v, want one document problem containing %q", ps, c.want)
			}
		})
	}
}

func TestDecodeRefusesRepeatedKeys(t *testing.T) {
	data := strings.Replace(string(goodFile(t)), `"name": "陈晓东",`, `"name": "陈晓东", "name": "陈晓",`, 1)
	// The decoder would keep the last value silently; the scan names the key instead.
	ps := problemsOf(t, []byte(data))
	if ps[0].Path != "people[0].name" || !strings.Contains(ps[0].Message, "appears twice") {
		t.Errorf("problems = %v", ps)
	}
}

func TestDecodeReportsEveryProblem(t *testing.T) {
	d := goodDoc(t)
	d.rec("people", 0)["id_number"] = "440308199901101513"
	d.licence(1)["file_number"] = "1101006543"
	d.rec("vehicles", 2)["use"] = "taxi"
	d.rec("bindings", 0)["channel"] = "app"
	d.rec("violations", 0)["points"] = 2
	d.rec("points", 1)["points"] = 3
	ps := problemsOf(t, d.bytes(t))
	for _, path := range []string{"people[0].id_number", "people[1].licence.file_number", "vehicles[2].use",
		"bindings[0].channel", "violations[0].points", "points[1].points"} {
		if !hasPath(ps, path) {
			t.Errorf("no problem at %s in:\n%v", path, ps)
		}
	}
}

func TestDecodeCapsTheList(t *testing.T) {
	d := goodDoc(t)
	var people []any
	for range 150 {
		people = append(people, map[string]any{"id_number": "440308199901101513", "name": "甲", "registered": true})
	}
	d["people"] = people
	delete(d, "vehicles")
	delete(d, "bindings")
	delete(d, "follows")
	delete(d, "unit_drivers")
	delete(d, "violations")
	delete(d, "points")
	ps := problemsOf(t, d.bytes(t))
	if len(ps) != maxProblems+1 {
		t.Fatalf("%d problems, want %d and a summary", len(ps), maxProblems)
	}
	last := ps[len(ps)-1]
	if last.Path != "" || !strings.Contains(last.Message, "50 more problems") {
		t.Errorf("last problem = %v, want a count of the rest", last)
	}
	if lines := strings.Count(ps.Error(), "\n") + 1; lines != len(ps) {
		t.Errorf("Error() has %d lines, want one per problem", lines)
	}
}

func hasPath(ps Problems, path string) bool {
	for _, p := range ps {
		if p.Path == path {
			return true
		}
	}
	return false
}

// doc is an import file as generic JSON, for tests that break one value at a time.
type doc map[string]any

func goodDoc(t testing.TB) doc {
	t.Helper()
	var d doc
	if err := json.Unmarshal(goodFile(t), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func (d doc) rec(section string, i int) map[string]any { return d[section].([]any)[i].(map[string]any) }

func (d doc) licence(i int) map[string]any { return d.rec("people", i)["licence"].(map[string]any) }

func (d doc) bytes(t testing.TB) []byte {
	t.Helper()
	data, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestDocExampleDecodes(t *testing.T) {
	text, err := os.ReadFile("../docs/import-format.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(text), "```json\n")
	example, _, closed := strings.Cut(rest, "```")
	if !ok || !closed {
		t.Fatal("docs/import-format.md has no ```json example")
	}
	d, err := Decode(strings.NewReader(example), testToday())
	if err != nil {
		t.Fatalf("the documented example is refused:\n%v", err)
	}
	if len(d.People) == 0 || len(d.Vehicles) == 0 || len(d.Bindings) == 0 || len(d.Follows) == 0 ||
		len(d.Violations) == 0 || len(d.Points) == 0 {
		t.Errorf("the example should show every section: %+v", d)
	}
}
