package server

// A validator of the JSON Schema subset docs/openapi.json uses, so that the contract tests need
// no OpenAPI library. It refuses any keyword it does not implement, so the document cannot carry
// a constraint that the tests would silently ignore.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var (
	// schemaKeywords: true for keywords that validate, false for annotations (no effect).
	schemaKeywords = map[string]bool{"$ref": true, "type": true, "enum": true, "pattern": true, "format": true,
		"minLength": true, "maxLength": true, "minimum": true, "items": true, "minItems": true, "maxItems": true,
		"required": true, "properties": true, "additionalProperties": true,
		"description": false, "title": false, "example": false, "examples": false, "default": false, "deprecated": false}
	schemaTypes   = map[string]bool{"object": true, "array": true, "string": true, "integer": true, "number": true, "boolean": true, "null": true}
	schemaFormats = map[string]string{"date-time": time.RFC3339Nano, "date": time.DateOnly, "int64": ""}
)

// openAPIDoc is a parsed document: plain decoded JSON, numbers kept as json.Number.
type openAPIDoc struct{ root map[string]any }

// schemaDecode decodes exactly one JSON value, keeping numbers exact.
func schemaDecode(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

// resolve follows a local reference such as "#/components/schemas/Op".
func (d *openAPIDoc) resolve(ref string) (any, error) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, fmt.Errorf("unsupported reference %q: only local ones", ref)
	}
	var cur any = d.root
	for _, part := range strings.Split(ref[2:], "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok || m[part] == nil {
			return nil, fmt.Errorf("unresolved reference %q", ref)
		}
		cur = m[part]
	}
	return cur, nil
}

// validate checks value against schema; at names the value's place in messages.
func (d *openAPIDoc) validate(schema, value any, at string) error {
	if b, ok := schema.(bool); ok {
		if !b {
			return fmt.Errorf("%s: no value is allowed here", at)
		}
		return nil
	}
	s, ok := schema.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: schema is not an object: %v", at, schema)
	}
	for k := range s {
		if _, known := schemaKeywords[k]; !known {
			return fmt.Errorf("%s: unsupported schema keyword %q", at, k)
		}
	}
	if ref, ok := s["$ref"].(string); ok { // siblings of $ref apply too (JSON Schema 2020-12)
		target, err := d.resolve(ref)
		if err != nil {
			return fmt.Errorf("%s: %v", at, err)
		}
		if err := d.validate(target, value, at); err != nil {
			return err
		}
	}
	if typ, ok := s["type"]; ok && !schemaHasType(typ, value) {
		return fmt.Errorf("%s: %s is not of type %v", at, schemaShort(value), typ)
	}
	if enum, ok := s["enum"].([]any); ok && !schemaContains(enum, value) {
		return fmt.Errorf("%s: %s is not one of %v", at, schemaShort(value), enum)
	}
	switch v := value.(type) {
	case string:
		return schemaString(s, v, at)
	case json.Number:
		if min, ok := s["minimum"].(json.Number); ok && schemaLess(v, min) {
			return fmt.Errorf("%s: %s is below the minimum %s", at, v, min)
		}
		if _, err := strconv.ParseInt(v.String(), 10, 64); s["format"] == "int64" && err != nil {
			return fmt.Errorf("%s: %s is not an int64", at, v)
		}
	case []any:
		if n, ok := s["minItems"].(json.Number); ok && schemaLess(json.Number(strconv.Itoa(len(v))), n) {
			return fmt.Errorf("%s: %d items, fewer than %s", at, len(v), n)
		}
		if n, ok := s["maxItems"].(json.Number); ok && schemaLess(n, json.Number(strconv.Itoa(len(v)))) {
			return fmt.Errorf("%s: %d items, more than %s", at, len(v), n)
		}
		for i, e := range v {
			if items, ok := s["items"]; ok {
				if err := d.validate(items, e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
					return err
				}
			}
		}
	case map[string]any:
		for _, r := range schemaList(s["required"]) {
			if _, ok := v[r]; !ok {
				return fmt.Errorf("%s: required property %q is missing", at, r)
			}
		}
		props, _ := s["properties"].(map[string]any)
		for _, k := range sortedKeys(v) {
			sub, ok := props[k]
			if !ok {
				if sub, ok = s["additionalProperties"]; sub == false {
					return fmt.Errorf("%s: property %q is not allowed", at, k)
				}
			}
			if ok {
				if err := d.validate(sub, v[k], at+"."+k); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func schemaString(s map[string]any, v, at string) error {
	n := json.Number(strconv.Itoa(utf8.RuneCountInString(v)))
	if min, ok := s["minLength"].(json.Number); ok && schemaLess(n, min) {
		return fmt.Errorf("%s: %q is shorter than %s characters", at, v, min)
	}
	if max, ok := s["maxLength"].(json.Number); ok && schemaLess(max, n) {
		return fmt.Errorf("%s: %q is longer than %s characters", at, v, max)
	}
	if p, ok := s["pattern"].(string); ok {
		re, err := regexp.Compile(p)
		if err != nil {
			return fmt.Errorf("%s: bad pattern %q: %v", at, p, err)
		}
		if !re.MatchString(v) {
			return fmt.Errorf("%s: %q does not match %s", at, v, p)
		}
	}
	if layout := schemaFormats[fmt.Sprint(s["format"])]; layout != "" {
		if _, err := time.Parse(layout, v); err != nil {
			return fmt.Errorf("%s: %q is not a %s: %v", at, v, s["format"], err)
		}
	}
	return nil
}

// lint walks a schema and every schema inside it, refusing unknown keywords, types and formats,
// bad patterns and unresolved references, whether or not a value ever reaches them.
func (d *openAPIDoc) lint(schema any, at string) error {
	s, ok := schema.(map[string]any)
	if !ok {
		if _, isBool := schema.(bool); isBool {
			return nil
		}
		return fmt.Errorf("%s: schema is not an object", at)
	}
	for _, k := range sortedKeys(s) {
		var err error
		switch v := s[k]; k {
		case "$ref":
			_, err = d.resolve(fmt.Sprint(v))
		case "type":
			for _, t := range schemaList(v) {
				if !schemaTypes[t] {
					err = fmt.Errorf("unknown type %q", t)
				}
			}
		case "format":
			if _, ok := schemaFormats[fmt.Sprint(v)]; !ok {
				err = fmt.Errorf("unsupported format %v", v)
			}
		case "pattern":
			_, err = regexp.Compile(fmt.Sprint(v))
		case "items", "additionalProperties":
			err = d.lint(v, at+"/"+k)
		case "properties":
			props, _ := v.(map[string]any)
			for _, p := range sortedKeys(props) {
				if err == nil {
					err = d.lint(props[p], at+"/properties/"+p)
				}
			}
		default:
			if _, known := schemaKeywords[k]; !known {
				err = fmt.Errorf("unsupported schema keyword %q", k)
			}
		}
		if err != nil {
			return fmt.Errorf("%s: %w", at, err)
		}
	}
	return nil
}

// schemaList reads a keyword that is a string or a list of strings ("type", "required", "enum").
func schemaList(v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	var out []string
	list, _ := v.([]any)
	for _, e := range list {
		out = append(out, fmt.Sprint(e))
	}
	return out
}

// schemaJSONType names a decoded value's JSON type; an integral number is an "integer".
func schemaJSONType(v any) string {
	switch n := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case json.Number:
		if _, err := strconv.ParseInt(n.String(), 10, 64); err == nil {
			return "integer"
		}
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

func schemaHasType(typ, v any) bool {
	got := schemaJSONType(v)
	for _, t := range schemaList(typ) {
		if t == got || t == "number" && got == "integer" {
			return true
		}
	}
	return false
}

func schemaContains(enum []any, v any) bool {
	for _, e := range enum {
		if reflect.DeepEqual(e, v) {
			return true
		}
	}
	return false
}

func schemaLess(a, b json.Number) bool {
	x, _ := a.Float64()
	y, _ := b.Float64()
	return x < y
}

// short renders a value for an error message.
func schemaShort(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 80 {
		return string(b[:80]) + "..."
	}
	return string(b)
}

// The validator's own tests: each keyword accepts a conforming value and refuses a violating one.
func TestSchemaValidatorKeywords(t *testing.T) {
	doc := &openAPIDoc{root: schemaMustJSON(t, `{"components":{"schemas":{
		"Pair":{"type":"object","required":["a"],"properties":{"a":{"type":"string"},"b":{"type":"integer"}},"additionalProperties":false},
		"Str":{"type":"string"}}}}`).(map[string]any)}
	cases := []struct{ name, schema, good, bad string }{
		{"type string", `{"type":"string"}`, `"x"`, `1`},
		{"type integer", `{"type":"integer"}`, `12`, `1.5`},
		{"type number", `{"type":"number"}`, `1.5`, `"1.5"`},
		{"type boolean", `{"type":"boolean"}`, `true`, `"true"`},
		{"type object", `{"type":"object"}`, `{}`, `[]`},
		{"type array", `{"type":"array"}`, `[]`, `{}`},
		{"nullable by type array", `{"type":["string","null"]}`, `null`, `3`},
		{"null not allowed", `{"type":"string"}`, `""`, `null`},
		{"properties", `{"properties":{"a":{"type":"string"}}}`, `{"a":"x"}`, `{"a":1}`},
		{"required", `{"required":["a"]}`, `{"a":1}`, `{"b":1}`},
		{"additionalProperties false", `{"properties":{"a":{}},"additionalProperties":false}`, `{"a":1}`, `{"a":1,"z":2}`},
		{"additionalProperties schema", `{"additionalProperties":{"type":"string"}}`, `{"k":"v"}`, `{"k":1}`},
		{"items", `{"items":{"type":"integer"}}`, `[1,2]`, `[1,"2"]`},
		{"minItems", `{"minItems":1}`, `[1]`, `[]`},
		{"maxItems", `{"maxItems":1}`, `[1]`, `[1,2]`},
		{"enum", `{"enum":["a","b"]}`, `"b"`, `"c"`},
		{"format date-time", `{"format":"date-time"}`, `"2026-11-21T10:00:00.5+08:00"`, `"2026-11-21 10:00:00"`},
		{"format date", `{"format":"date"}`, `"2026-02-28"`, `"2026-02-30"`},
		{"format int64", `{"format":"int64"}`, `9223372036854775807`, `9223372036854775808`},
		{"pattern", `{"pattern":"^\\d{4}-\\d{2}-\\d{2}$"}`, `"2026-01-01"`, `"2026-1-1"`},
		{"minLength in characters", `{"minLength":2}`, `"粤B"`, `"粤"`},
		{"maxLength in characters", `{"maxLength":2}`, `"粤B"`, `"粤B1"`},
		{"minimum", `{"minimum":1}`, `1`, `0`},
		{"$ref", `{"$ref":"#/components/schemas/Pair"}`, `{"a":"x","b":2}`, `{"a":"x","c":2}`},
		{"$ref nested", `{"items":{"$ref":"#/components/schemas/Pair"}}`, `[{"a":"x"}]`, `[{"a":"x","b":"2"}]`},
		{"$ref with sibling", `{"$ref":"#/components/schemas/Str","enum":["ok"]}`, `"ok"`, `"ko"`},
		{"$ref target still applies", `{"$ref":"#/components/schemas/Str","maxLength":9}`, `"ok"`, `7`},
		{"false schema", `{"properties":{"a":false}}`, `{}`, `{"a":1}`},
	}
	for _, c := range cases {
		schema := schemaMustJSON(t, c.schema)
		if err := doc.lint(schema, "#"); err != nil {
			t.Errorf("%s: lint: %v", c.name, err)
		}
		if err := doc.validate(schema, schemaMustJSON(t, c.good), "$"); err != nil {
			t.Errorf("%s: %s refused: %v", c.name, c.good, err)
		}
		if err := doc.validate(schema, schemaMustJSON(t, c.bad), "$"); err == nil {
			t.Errorf("%s: %s accepted", c.name, c.bad)
		}
	}
	// Schemas the validator cannot honour are refused, not ignored.
	for _, bad := range []string{`{"oneOf":[{"type":"string"}]}`, `{"type":"text"}`, `{"format":"email"}`,
		`{"pattern":"("}`, `{"$ref":"#/components/schemas/Nope"}`, `{"items":{"const":1}}`,
		`{"properties":{"a":{"anyOf":[]}}}`, `{"$ref":"other.json#/x"}`} {
		if err := doc.lint(schemaMustJSON(t, bad), "#"); err == nil {
			t.Errorf("lint accepted %s", bad)
		}
	}
	if err := doc.validate(schemaMustJSON(t, `{"oneOf":[{"type":"string"}]}`), "x", "$"); err == nil {
		t.Error("validate ignored an unsupported keyword")
	}
	if _, err := schemaDecode([]byte(`{} {}`)); err == nil {
		t.Error("trailing data accepted")
	}
}

func schemaMustJSON(t *testing.T, s string) any {
	t.Helper()
	v, err := schemaDecode([]byte(s))
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return v
}
