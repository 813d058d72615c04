package model

import (
	"testing"
	"unicode/utf8"
)

func TestParsePlateNumberValid(t *testing.T) {
	cases := []struct {
		in, want string
		form     PlateForm
		suffix   string
		region   string
	}{
		{"京A00599", "京A00599", FormOrdinary, "", "京A"},
		{"黑D23908", "黑D23908", FormOrdinary, "", "黑D"},
		{"苏E5Z7K9", "苏E5Z7K9", FormOrdinary, "", "苏E"},
		{"粤B1234D", "粤B1234D", FormOrdinary, "", "粤B"}, // 7 runes ending in D is ordinary
		{"京AD92035", "京AD92035", FormSmallNEV, "", "京A"},
		{"粤BD12345", "粤BD12345", FormSmallNEV, "", "粤B"},
		{"沪AK12345", "沪AK12345", FormSmallNEV, "", "沪A"}, // later letters A-K
		{"川AGB1234", "川AGB1234", FormSmallNEV, "", "川A"},
		{"甘G23459F", "甘G23459F", FormLargeNEV, "", "甘G"},
		{"京A19203D", "京A19203D", FormLargeNEV, "", "京A"},
		{"粤B12345D", "粤B12345D", FormLargeNEV, "", "粤B"},
		{"闽C12345F", "闽C12345F", FormLargeNEV, "", "闽C"},
		{"渝a12345d", "渝A12345D", FormLargeNEV, "", "渝A"}, // typed in lower case
		{"渝A1234学", "渝A1234学", FormOrdinary, "学", "渝A"},
		{"粤Z1234港", "粤Z1234港", FormOrdinary, "港", "粤Z"},
		{"粤Z1234澳", "粤Z1234澳", FormOrdinary, "澳", "粤Z"},
		{"京A1234警", "京A1234警", FormOrdinary, "警", "京A"},
		{"鲁Q1234挂", "鲁Q1234挂", FormOrdinary, "挂", "鲁Q"},
		{"粤b12345", "粤B12345", FormOrdinary, "", "粤B"},      // keyboard lower case
		{" 京ad92035\t", "京AD92035", FormSmallNEV, "", "京A"}, // spaces trimmed
	}
	for _, c := range cases {
		n, err := ParsePlateNumber(c.in)
		if err != nil {
			t.Errorf("ParsePlateNumber(%q): %v", c.in, err)
			continue
		}
		if n.String() != c.want || n.Form() != c.form || n.Suffix() != c.suffix || n.Region() != c.region {
			t.Errorf("ParsePlateNumber(%q) = %q form %v suffix %q region %q; want %q %v %q %q",
				c.in, n, n.Form(), n.Suffix(), n.Region(), c.want, c.form, c.suffix, c.region)
		}
		if got, want := n.Province(), c.region[:len(c.region)-1]; got != want {
			t.Errorf("%s.Province() = %q, want %q", n, got, want)
		}
	}
}

func TestParsePlateNumberErrors(t *testing.T) {
	cases := []struct {
		in   string
		code ReasonCode
		args Args
	}{
		{"", InputPlateLength, Args{N: 0, Want: "7/8"}},
		{"京A1234", InputPlateLength, Args{N: 6, Want: "7/8"}},
		{"宁AD1234555555", InputPlateLength, Args{N: 13, Want: "7/8"}},
		{"使A12345", InputPlateProvince, Args{Got: "使"}},
		{"A123456", InputPlateProvince, Args{Got: "A"}},
		{"\xff京A12345", InputPlateProvince, Args{Got: "\uFFFD"}},
		{"浙苏H6F681", InputPlateOffice, Args{Got: "苏"}},
		{"京112345", InputPlateOffice, Args{Got: "1"}},
		{"京I12345", InputPlateIO, Args{Pos: 2, Got: "I"}},
		{"京A0O599", InputPlateIO, Args{Pos: 4, Got: "O"}},
		{"京ao0599", InputPlateIO, Args{Pos: 3, Got: "O"}}, // reported upper-case, as on the plate
		{"京A1234i", InputPlateIO, Args{Pos: 7, Got: "I"}},
		{"京AD9I035", InputPlateIO, Args{Pos: 5, Got: "I"}},
		{"京A12-45", InputPlateChar, Args{Pos: 5, Got: "-"}},
		{"京A12 45", InputPlateChar, Args{Pos: 5, Got: " "}},
		{"京A1234领", InputPlateChar, Args{Pos: 7, Got: "领"}},
		{"京A12345０", InputPlateChar, Args{Pos: 8, Got: "０"}},
		{"京A12挂45", InputPlateForm, Args{Got: "京A12挂45"}},   // suffix not last
		{"京AD1234挂", InputPlateForm, Args{Got: "京AD1234挂"}}, // no suffix on NEV plates
		{"京AZ12345", InputPlateForm, Args{Got: "京AZ12345"}}, // Z is no new-energy letter
		{"京A123456", InputPlateForm, Args{Got: "京A123456"}},
		{"京A1234DD", InputPlateForm, Args{Got: "京A1234DD"}},
		{"京AD1234A", InputPlateForm, Args{Got: "京AD1234A"}},
		{"粤B12345X", InputPlateForm, Args{Got: "粤B12345X"}},
		// Large new-energy plates end in D or F only; the later letters are small plates' only.
		{"闽C12345J", InputPlateForm, Args{Got: "闽C12345J"}},
		{"粤B12345A", InputPlateForm, Args{Got: "粤B12345A"}},
		{"京A12345K", InputPlateForm, Args{Got: "京A12345K"}},
		{"沪A12345e", InputPlateForm, Args{Got: "沪A12345E"}},
		{"京ad1234a", InputPlateForm, Args{Got: "京AD1234A"}},
	}
	for _, c := range cases {
		n, err := ParsePlateNumber(c.in)
		if n != "" {
			t.Errorf("ParsePlateNumber(%q) returned %q with an error", c.in, n)
		}
		t.Run(c.in, func(t *testing.T) { checkInputErr(t, err, "plate", c.code, c.args) })
	}
}

func TestPlateNumberMasked(t *testing.T) {
	for in, want := range map[string]string{
		"粤B12345":  "粤B***45",
		"京AD92035": "京A****35",
		"甘G23459F": "甘G****9F",
		"渝A1234学":  "渝A***4学",
	} {
		n, err := ParsePlateNumber(in)
		if err != nil {
			t.Fatalf("ParsePlateNumber(%q): %v", in, err)
		}
		got := n.Masked()
		if got != want || utf8.RuneCountInString(got) != utf8.RuneCountInString(in) {
			t.Errorf("%s.Masked() = %q, want %q", in, got, want)
		}
		if p := (Plate{Type: PlateSmallCar, Number: n}); p.Masked() != want {
			t.Errorf("Plate.Masked() = %q, want %q", p.Masked(), want)
		}
	}
}

func TestPlateNumberZeroValue(t *testing.T) {
	var n PlateNumber
	if n.Form() != 0 || n.Province() != "" || n.Region() != "" || n.Suffix() != "" || n.Masked() != "" {
		t.Errorf("zero PlateNumber methods returned non-zero values")
	}
}

func TestPlateFormString(t *testing.T) {
	for f, want := range map[PlateForm]string{
		0: "unknown", FormOrdinary: "ordinary", FormSmallNEV: "small_nev", FormLargeNEV: "large_nev",
	} {
		if f.String() != want {
			t.Errorf("PlateForm(%d).String() = %q, want %q", int(f), f.String(), want)
		}
	}
}

func TestProvinces(t *testing.T) {
	ps := Provinces()
	if len(ps) != 31 || ps[0] != "京" || ps[30] != "琼" {
		t.Fatalf("Provinces() = %v", ps)
	}
	seen := map[string]bool{}
	for _, p := range ps {
		if seen[p] {
			t.Errorf("province %s listed twice", p)
		}
		seen[p] = true
		if n, err := ParsePlateNumber(p + "A12345"); err != nil || n.Province() != p {
			t.Errorf("plate of province %s: %q, %v", p, n, err)
		}
	}
	ps[0] = "使"
	if Provinces()[0] != "京" {
		t.Errorf("Provinces() shares its slice with callers")
	}
}

func TestPlateTypes(t *testing.T) {
	small := map[PlateType]bool{PlateSmallCar: true, PlateSmallNEV: true}
	moto := map[PlateType]bool{PlateMotorcycle: true, PlateLightMotorcycle: true}
	types := PlateTypes()
	if len(types) != 11 {
		t.Fatalf("PlateTypes() has %d types, want 11", len(types))
	}
	for _, typ := range types {
		got, err := ParsePlateType(" " + string(typ) + " ")
		if err != nil || got != typ {
			t.Errorf("ParsePlateType(%q) = %q, %v", typ, got, err)
		}
		if typ.Term() != "plate_type."+string(typ) {
			t.Errorf("%s.Term() = %q", typ, typ.Term())
		}
		if typ.SmallCar() != small[typ] || typ.Motorcycle() != moto[typ] {
			t.Errorf("%s SmallCar %v Motorcycle %v", typ, typ.SmallCar(), typ.Motorcycle())
		}
	}
	for _, bad := range []string{"", "2", "03", "99", "O2", "002"} {
		_, err := ParsePlateType(bad)
		t.Run("bad "+bad, func(t *testing.T) { checkInputErr(t, err, "plate_type", InputPlateType, Args{Got: bad}) })
	}
}

// Each type accepts the forms it is issued in and refuses a form it is not.
func TestNewPlateTypeFit(t *testing.T) {
	cases := []struct {
		typ           PlateType
		good, refused string
	}{
		{PlateLargeCar, "粤B12345", "粤B1234挂"},
		{PlateSmallCar, "粤B12345", "粤BD12345"},
		{PlateMotorcycle, "粤B12345", "粤B1234学"},
		{PlateLightMotorcycle, "粤B12345", "粤B12345D"},
		{PlateTrailer, "粤B1234挂", "粤B12345"},
		{PlateCoach, "粤B1234学", "粤B1234警"},
		{PlatePolice, "粤B1234警", "粤B1234学"},
		{PlateHongKong, "粤Z1234港", "粤Z1234澳"},
		{PlateMacau, "粤Z1234澳", "粤Z1234港"},
		{PlateLargeNEV, "粤B12345D", "粤BD12345"},
		{PlateSmallNEV, "粤BD12345", "粤B12345D"},
	}
	for _, c := range cases {
		p, err := NewPlate(c.typ, PlateNumber(c.good))
		if err != nil || p != (Plate{Type: c.typ, Number: PlateNumber(c.good)}) {
			t.Errorf("NewPlate(%s, %s) = %v, %v", c.typ, c.good, p, err)
		}
		p, err = NewPlate(c.typ, PlateNumber(c.refused))
		if p != (Plate{}) {
			t.Errorf("NewPlate(%s, %s) returned %v with an error", c.typ, c.refused, p)
		}
		t.Run(string(c.typ)+" "+c.refused, func(t *testing.T) {
			checkInputErr(t, err, "plate", InputPlateTypeMatch,
				Args{Got: c.refused, Want: string(c.typ), Term: "plate_type." + string(c.typ)})
		})
	}
}

// NewPlate checks both parts again, so a Plate is valid even when built from raw strings.
func TestNewPlateRechecks(t *testing.T) {
	p, err := NewPlate(PlateSmallCar, PlateNumber("粤b12345"))
	if err != nil || p.Number != "粤B12345" {
		t.Errorf("NewPlate normalises the number: %v, %v", p, err)
	}
	_, err = NewPlate(PlateType("99"), PlateNumber("粤B12345"))
	checkInputErr(t, err, "plate_type", InputPlateType, Args{Got: "99"})
	_, err = NewPlate(PlateSmallCar, PlateNumber("京I12345"))
	checkInputErr(t, err, "plate", InputPlateIO, Args{Pos: 2, Got: "I"})
}

func TestParsePlate(t *testing.T) {
	p, err := ParsePlate("02", "粤b12345")
	if err != nil || p != (Plate{Type: PlateSmallCar, Number: "粤B12345"}) {
		t.Fatalf("ParsePlate = %v, %v", p, err)
	}
	if p.String() != "02:粤B12345" {
		t.Errorf("String() = %q", p.String())
	}
	// Same characters, another type: another vehicle, another map key.
	other, err := ParsePlate("01", "粤B12345")
	if err != nil {
		t.Fatal(err)
	}
	m := map[Plate]int{p: 1, other: 2}
	if len(m) != 2 || m[Plate{Type: PlateSmallCar, Number: "粤B12345"}] != 1 {
		t.Errorf("plates as map keys: %v", m)
	}
	_, err = ParsePlate("2", "粤B12345")
	checkInputErr(t, err, "plate_type", InputPlateType, Args{Got: "2"})
	_, err = ParsePlate("02", "使A12345")
	checkInputErr(t, err, "plate", InputPlateProvince, Args{Got: "使"})
	_, err = ParsePlate("52", "粤B12345")
	checkInputErr(t, err, "plate", InputPlateTypeMatch, Args{Got: "粤B12345", Want: "52", Term: "plate_type.52"})
}
