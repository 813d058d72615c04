package dataset

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// schemaObject is the part of a JSON Schema object definition the test compares.
type schemaObject struct {
	Required   []string                   `json:"required"`
	Properties map[string]json.RawMessage `json:"properties"`
}

func loadSchema(t *testing.T) (schemaObject, map[string]schemaObject) {
	t.Helper()
	data, err := os.ReadFile("../docs/import.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Schema string `json:"$schema"`
		schemaObject
		Defs map[string]json.RawMessage `json:"$defs"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("docs/import.schema.json is not valid JSON: %v", err)
	}
	if s.Schema != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %q, want draft 2020-12", s.Schema)
	}
	defs := map[string]schemaObject{}
	for name, raw := range s.Defs {
		var o schemaObject
		if err := json.Unmarshal(raw, &o); err != nil {
			t.Fatalf("$defs.%s: %v", name, err)
		}
		defs[name] = o
	}
	return s.schemaObject, defs
}

// wireTypes are the encoder's structs for each record kind.
func wireTypes() map[string]reflect.Type {
	return map[string]reflect.Type{
		kindDocument:   reflect.TypeFor[wireDocument](),
		kindPerson:     reflect.TypeFor[wirePerson](),
		kindLicence:    reflect.TypeFor[wireLicence](),
		kindVehicle:    reflect.TypeFor[wireVehicle](),
		kindBinding:    reflect.TypeFor[wireBinding](),
		kindFollow:     reflect.TypeFor[wireFollow](),
		kindViolation:  reflect.TypeFor[wireViolation](),
		kindPoints:     reflect.TypeFor[wirePoints](),
		kindUnitDriver: reflect.TypeFor[wireUnitDriver](),
	}
}

// TestSchemaMatchesDecoder keeps the three descriptions of the format in step: the decoder's key
// table, the encoder's structs and docs/import.schema.json.
func TestSchemaMatchesDecoder(t *testing.T) {
	top, defs := loadSchema(t)
	for kind, fields := range recordFields() {
		var names, required []string
		for _, f := range fields {
			names = append(names, f.name)
			if f.required {
				required = append(required, f.name)
			}
		}
		def, ok := defs[kind]
		if kind == kindDocument {
			def, ok = top, true
		}
		if !ok {
			t.Errorf("the schema has no $defs.%s", kind)
			continue
		}
		var props []string
		for p := range def.Properties {
			props = append(props, p)
		}
		if !sameSet(props, names) {
			t.Errorf("%s: schema properties %v, decoder keys %v", kind, props, names)
		}
		if !sameSet(def.Required, required) {
			t.Errorf("%s: schema requires %v, decoder requires %v", kind, def.Required, required)
		}
		checkWireType(t, kind, fields)
	}
}

// checkWireType compares the encoder's struct tags with the decoder's keys: same keys in the same
// order, and omitempty exactly on the optional keys of records (a required 0 must be written).
func checkWireType(t *testing.T, kind string, fields []field) {
	t.Helper()
	typ := wireTypes()[kind]
	if typ.NumField() != len(fields) {
		t.Errorf("%s: encoder has %d keys, decoder %d", kind, typ.NumField(), len(fields))
		return
	}
	for i, f := range fields {
		name, opts, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		omit := opts == "omitempty"
		if name != f.name || (kind != kindDocument && omit == f.required) {
			t.Errorf("%s: encoder key %d is %q (omitempty %v), decoder key is %q (required %v)",
				kind, i, name, omit, f.name, f.required)
		}
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
