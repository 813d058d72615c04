package model

import (
	"slices"
	"testing"
)

func TestParseLicenceClass(t *testing.T) {
	list := LicenceClassList()
	if len(list) != 17 || list[0] != ClassA1 || list[16] != ClassP {
		t.Fatalf("LicenceClassList() = %v", list)
	}
	for _, c := range list {
		for _, in := range []string{string(c), " " + string(c) + " ", lowerASCIIForTest(string(c))} {
			if got, err := ParseLicenceClass(in); err != nil || got != c {
				t.Errorf("ParseLicenceClass(%q) = %q, %v", in, got, err)
			}
		}
	}
	for _, bad := range []string{"", "A", "C7", "G", "O", "C1E", "Ｃ1"} {
		_, err := ParseLicenceClass(bad)
		t.Run(bad, func(t *testing.T) { checkInputErr(t, err, "licence_class", InputLicenceClass, Args{Got: bad}) })
	}
}

func lowerASCIIForTest(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c - 'A' + 'a'
		}
	}
	return string(b)
}

func TestParseLicenceClasses(t *testing.T) {
	cases := []struct {
		in   string
		want LicenceClasses
		str  string
	}{
		{"C1", LicenceClasses{ClassC1}, "C1"},
		{"C1E", LicenceClasses{ClassC1, ClassE}, "C1E"},
		{"c1e", LicenceClasses{ClassC1, ClassE}, "C1E"},
		{"A2D", LicenceClasses{ClassA2, ClassD}, "A2D"},
		{"EC1", LicenceClasses{ClassC1, ClassE}, "C1E"}, // canonical order
		{" DEF ", LicenceClasses{ClassD, ClassE, ClassF}, "DEF"},
		{"A1A2B1C6MNP", LicenceClasses{ClassA1, ClassA2, ClassB1, ClassC6, ClassM, ClassN, ClassP}, "A1A2B1C6MNP"},
	}
	for _, c := range cases {
		got, err := ParseLicenceClasses(c.in)
		if err != nil || !slices.Equal(got, c.want) || got.String() != c.str {
			t.Errorf("ParseLicenceClasses(%q) = %v (%q), %v; want %v (%q)", c.in, got, got.String(), err, c.want, c.str)
			continue
		}
		again, err := ParseLicenceClasses(got.String())
		if err != nil || !slices.Equal(again, got) {
			t.Errorf("round trip of %q: %v, %v", got.String(), again, err)
		}
	}
}

func TestParseLicenceClassesErrors(t *testing.T) {
	for in, got := range map[string]string{
		"":      "",
		"C":     "C",
		"C7":    "C7",
		"C1X":   "X",
		"1C":    "1",
		"C11":   "1",
		"C1 E":  " ",
		"C1,E":  ",",
		"C1C1":  "C1", // duplicate
		"DEd":   "D",  // duplicate across case
		"C1中":   "中",
		"A2D2E": "D2",
	} {
		cs, err := ParseLicenceClasses(in)
		if cs != nil {
			t.Errorf("ParseLicenceClasses(%q) returned %v with an error", in, cs)
		}
		t.Run(in, func(t *testing.T) { checkInputErr(t, err, "licence_class", InputLicenceClass, Args{Got: got}) })
	}
}

func TestLicenceClassIncludes(t *testing.T) {
	want := map[LicenceClass]LicenceClasses{
		ClassA1: {ClassA3, ClassB1, ClassB2, ClassC1, ClassC2, ClassC3, ClassC4, ClassM},
		ClassA2: {ClassB1, ClassB2, ClassC1, ClassC2, ClassC3, ClassC4, ClassC6, ClassM},
		ClassA3: {ClassC1, ClassC2, ClassC3, ClassC4},
		ClassB1: {ClassC1, ClassC2, ClassC3, ClassC4, ClassM},
		ClassB2: {ClassC1, ClassC2, ClassC3, ClassC4, ClassM},
		ClassC1: {ClassC2, ClassC3, ClassC4},
		ClassC3: {ClassC4},
		ClassD:  {ClassE, ClassF},
		ClassE:  {ClassF},
	}
	for _, c := range LicenceClassList() {
		got := c.Includes()
		if !slices.Equal(LicenceClasses(got), want[c]) {
			t.Errorf("%s.Includes() = %v, want %v", c, got, want[c])
		}
		if slices.Contains(got, c) {
			t.Errorf("%s includes itself", c)
		}
	}
}

// For each plate type, one holder who may drive it and one who may not.
func TestCanDrive(t *testing.T) {
	cases := []struct {
		typ      PlateType
		can, not string
	}{
		{PlateLargeCar, "B2", "C1E"},
		{PlateLargeCar, "A3", "C6"},
		{PlateLargeNEV, "A1", "C1"},
		{PlateSmallCar, "C1", "DEF"},
		{PlateSmallCar, "C5", "C3"},
		{PlateSmallCar, "A1", "C4"}, // through A1 -> C1
		{PlateSmallNEV, "C2", "C6"},
		{PlateSmallNEV, "B1", "M"},
		{PlateCoach, "C1", "D"},
		{PlatePolice, "A2", "C3"},
		{PlateHongKong, "C2", "E"},
		{PlateMacau, "C1E", "F"},
		{PlateMotorcycle, "D", "F"},
		{PlateMotorcycle, "C1E", "A1"},
		{PlateLightMotorcycle, "F", "C1"},
		{PlateLightMotorcycle, "E", "B2"},
		{PlateTrailer, "C6", "C1"},
		{PlateTrailer, "A2", "A1B2"},
	}
	for _, c := range cases {
		can, _ := ParseLicenceClasses(c.can)
		not, _ := ParseLicenceClasses(c.not)
		if !can.CanDrive(c.typ) {
			t.Errorf("%s should drive %s", c.can, c.typ)
		}
		if not.CanDrive(c.typ) {
			t.Errorf("%s should not drive %s", c.not, c.typ)
		}
	}
	if (LicenceClasses{ClassA1, ClassA2, ClassC1, ClassD}).CanDrive(PlateType("99")) {
		t.Errorf("an unknown plate type is never covered")
	}
	if (LicenceClasses{}).CanDrive(PlateSmallCar) {
		t.Errorf("no classes drive nothing")
	}
}

func TestParseLicenceStatus(t *testing.T) {
	list := LicenceStatusList()
	if len(list) != 16 {
		t.Fatalf("LicenceStatusList() has %d statuses, want 16", len(list))
	}
	for _, st := range list {
		got, err := ParseLicenceStatus(" " + lowerASCIIForTest(string(st)))
		if err != nil || got != st {
			t.Errorf("ParseLicenceStatus(%q) = %q, %v", st, got, err)
		}
		if st.Normal() != (st == StatusNormal) {
			t.Errorf("%s.Normal() = %v", st, st.Normal())
		}
		if st.Term() != "licence_status."+string(st) {
			t.Errorf("%s.Term() = %q", st, st.Term())
		}
	}
	if StatusNormal != "A" || StatusOverPoints != "B" || StatusSuspended != "D" || StatusRevoked != "F" ||
		StatusOverdueRenewal != "M" || StatusDeregisteredRecoverable != "R" {
		t.Errorf("status codes moved")
	}
	for _, bad := range []string{"", "O", "Q", "AB", "正常"} {
		_, err := ParseLicenceStatus(bad)
		t.Run(bad, func(t *testing.T) { checkInputErr(t, err, "licence_status", InputLicenceStatus, Args{Got: bad}) })
	}
}
