package model

import (
	"errors"
	"strings"
	"testing"
)

func TestParseVIN(t *testing.T) {
	for _, r := range []struct {
		in   string
		want VIN
		code ReasonCode
		args Args
	}{
		// The standard's worked example: the weighted sum is 351, 351 mod 11 = 10, written X.
		{in: "1M8GDM9AXKP042788", want: "1M8GDM9AXKP042788"},
		{in: " 1m8gdm9axkp042788 ", want: "1M8GDM9AXKP042788"}, // spaces trimmed, lower case read as upper
		{in: "11111111111111111", want: "11111111111111111"},   // 89 mod 11 = 1
		{in: "1M8GDM9AXKP04278", code: InputVINLength, args: Args{N: 16, Limit: 17}},
		{in: "1M8GDM9AXKP0427888", code: InputVINLength, args: Args{N: 18, Limit: 17}},
		{in: "1M8GDM9AXKPO42788", code: InputVINChar, args: Args{Pos: 12, Got: "O"}},
		{in: "IM8GDM9AXKP042788", code: InputVINChar, args: Args{Pos: 1, Got: "I"}},
		{in: "1M8GDM9AXKP04278Q", code: InputVINChar, args: Args{Pos: 17, Got: "Q"}},
		{in: "1M8GDM9AXKP04278车", code: InputVINChar, args: Args{Pos: 17, Got: "车"}},
		{in: "1M8GDM9A1KP042788", code: InputVINCheck, args: Args{Want: "X", Got: "1"}},
		{in: "1M8GDM9AXKP042789", code: InputVINCheck, args: Args{Want: "1", Got: "X"}}, // 351 + 2 = 353, 353 mod 11 = 1
	} {
		got, err := ParseVIN(r.in)
		if r.code == "" {
			if err != nil || got != r.want {
				t.Errorf("ParseVIN(%q) = %q, %v; want %q", r.in, got, err, r.want)
			}
			continue
		}
		var ie *InputError
		if !errors.As(err, &ie) || ie.Field != "vin" || ie.Reason.Code != r.code || ie.Reason.Args != r.args {
			t.Errorf("ParseVIN(%q) = %q, %v; want %s %+v", r.in, got, err, r.code, r.args)
		}
	}
}

// The transliteration follows the standard's table: every letter but I, O and Q has a value,
// and the values run A–H 1–8, J–R 1–9 (without Q, so R is 9), S–Z 2–9.
func TestVINTransliteration(t *testing.T) {
	want := map[byte]int{'A': 1, 'B': 2, 'C': 3, 'D': 4, 'E': 5, 'F': 6, 'G': 7, 'H': 8,
		'J': 1, 'K': 2, 'L': 3, 'M': 4, 'N': 5, 'P': 7, 'R': 9,
		'S': 2, 'T': 3, 'U': 4, 'V': 5, 'W': 6, 'X': 7, 'Y': 8, 'Z': 9}
	for c := byte('A'); c <= 'Z'; c++ {
		w, ok := want[c]
		if !ok {
			w = -1
		}
		if got := vinValue(c); got != w {
			t.Errorf("%c = %d, want %d", c, got, w)
		}
	}
}

// A check character computed for any body makes the VIN valid, and changing any one other
// character of a valid VIN to another valid character is caught unless that happens to keep
// the sum (the standard's weights make one changed character always caught where the weight
// is not 0 and the values differ by a non-multiple of 11).
func TestVINCheckCharCatchesOneChange(t *testing.T) {
	body := []byte("LSVAU2180N2183294")
	c, ok := VINCheckChar(string(body))
	if !ok {
		t.Fatal("body refused")
	}
	body[8] = c
	if _, err := ParseVIN(string(body)); err != nil {
		t.Fatalf("computed check %c: %v", c, err)
	}
	alphabet := "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
	for i := range body {
		if i == 8 {
			continue
		}
		for j := 0; j < len(alphabet); j++ {
			changed := append([]byte(nil), body...)
			if changed[i] == alphabet[j] {
				continue
			}
			changed[i] = alphabet[j]
			_, err := ParseVIN(string(changed))
			caught := err != nil
			if vinValue(alphabet[j]) == vinValue(body[i]) {
				if caught {
					t.Errorf("%s: same value at %d, refused: %v", changed, i+1, err)
				}
			} else if !caught {
				t.Errorf("%s: change at %d not caught", changed, i+1)
			}
		}
	}
}

func TestVINTail(t *testing.T) {
	v, err := ParseVIN("1M8GDM9AXKP042788")
	if err != nil || v.Tail() != "042788" {
		t.Fatalf("tail of %q = %q (%v)", v, v.Tail(), err)
	}
	for _, r := range []struct {
		in   string
		want VINTail
		code ReasonCode
	}{
		{"042788", "042788", ""},
		{" kp0427 ", "KP0427", ""},
		{"04278", "", InputVINLength},
		{"0427889", "", InputVINLength},
		{"04I788", "", InputVINChar},
		{"04 788", "", InputVINChar},
	} {
		got, err := ParseVINTail(r.in)
		var ie *InputError
		switch {
		case r.code == "" && (err != nil || got != r.want):
			t.Errorf("ParseVINTail(%q) = %q, %v", r.in, got, err)
		case r.code != "" && (!errors.As(err, &ie) || ie.Reason.Code != r.code || ie.Field != "vin_tail"):
			t.Errorf("ParseVINTail(%q) = %q, %v; want %s", r.in, got, err, r.code)
		}
	}
}

func TestParseRegCertNumber(t *testing.T) {
	for _, r := range []struct {
		in   string
		code ReasonCode
		args Args
	}{
		{in: "440001234567"},
		{in: " 500012345678 "},
		{in: "44000123456", code: InputRegCertLength, args: Args{N: 11, Limit: 12}},
		{in: "4400012345678", code: InputRegCertLength, args: Args{N: 13, Limit: 12}},
		{in: "44000123456A", code: InputRegCertChar, args: Args{Pos: 12, Got: "A"}},
		{in: "４40001234567", code: InputRegCertChar, args: Args{Pos: 1, Got: "４"}},
	} {
		got, err := ParseRegCertNumber(r.in)
		var ie *InputError
		switch {
		case r.code == "" && (err != nil || string(got) != strings.TrimSpace(r.in)):
			t.Errorf("ParseRegCertNumber(%q) = %q, %v", r.in, got, err)
		case r.code != "" && (!errors.As(err, &ie) || ie.Reason.Code != r.code || ie.Reason.Args != r.args || ie.Field != "reg_cert"):
			t.Errorf("ParseRegCertNumber(%q) = %q, %v; want %s %+v", r.in, got, err, r.code, r.args)
		}
	}
}
