package dataset

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// FuzzDecode checks that Decode never panics, that what it refuses it refuses with Problems, and
// that whatever it accepts survives a trip through Encode unchanged.
func FuzzDecode(f *testing.F) {
	f.Add(goodFile(f))
	var demo bytes.Buffer
	if err := Encode(&demo, Demo(7, testToday(), 3)); err != nil {
		f.Fatal(err)
	}
	f.Add(demo.Bytes())
	for _, s := range []string{
		``, `{}`, `[]`, `{"format": "hallkiosk-import/1"}`, `{"format": "hallkiosk-import/1", "people": [{}]}`,
		`{"format": "hallkiosk-import/1", "people": [{"id_number": "440308990110151", "name": " 甲 ", "registered": false}]}`,
		`{"format": "hallkiosk-import/1", "follows": null, "points": [1]}`,
		`{"a": 1, "a": 2}`, `{"format": "x"} []`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Decode(bytes.NewReader(data), testToday())
		if err != nil {
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 || len(ps) > maxProblems+1 {
				t.Fatalf("Decode error %v: want 1 to %d Problems", err, maxProblems+1)
			}
			return
		}
		var out bytes.Buffer
		if err := Encode(&out, d); err != nil {
			t.Fatal(err)
		}
		again, err := Decode(bytes.NewReader(out.Bytes()), testToday())
		if err != nil {
			t.Fatalf("the encoding of accepted data is refused: %v\n%s", err, out.String())
		}
		if !reflect.DeepEqual(d, again) {
			t.Fatalf("Decode(Encode(d)) differs from d:\n%s", out.String())
		}
	})
}
