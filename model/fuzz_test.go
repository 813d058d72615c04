package model

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzInputErr fails unless err is an *InputError for field with one of codes.
func fuzzInputErr(t *testing.T, in string, err error, field string, codes ...ReasonCode) {
	t.Helper()
	var ie *InputError
	if !errors.As(err, &ie) || ie.Field != field || !slices.Contains(codes, ie.Reason.Code) {
		t.Fatalf("parse %q: error %v (%T) is not an input error of %s", in, err, err, field)
	}
}

func FuzzParseIDNumber(f *testing.F) {
	for _, s := range []string{
		"11010519491231002X", "440524188001010014", "440308199901101512", "34052419800101001X",
		"11010219840406970X", "810000199408230021", "830000199201300022", "53010219200508011X",
		"11010519491231002x", "610104620927690", " 440308199901101512 ", "440308199901101513",
		"340524198001010013", "4403081999011015133", "44030819990110151", "110105199002300000",
		"44030820250616151X", "", "一40308199901101512",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseIDNumber(s, idToday())
		if err != nil {
			fuzzInputErr(t, s, err, "id_number", InputIDLength, InputIDChar, InputIDRegion,
				InputIDBirthInvalid, InputIDBirthFuture, InputIDCheck)
			return
		}
		if len(n) != 18 || Mod112(string(n[:17])) != n[17] {
			t.Fatalf("ParseIDNumber(%q) = %q, not a valid 18-character number", s, n)
		}
		again, err := ParseIDNumber(n.String(), idToday())
		if err != nil || again != n {
			t.Fatalf("reparse of %q = %q, %v", n, again, err)
		}
		trimmed := strings.TrimSpace(s)
		if len(trimmed) == 18 && !strings.Contains(trimmed, "x") && n.String() != trimmed {
			t.Fatalf("canonical %q came back as %q", trimmed, n)
		}
		if DateOf(idToday()).Before(n.BirthDate()) || n.BirthDate() == (Date{}) {
			t.Fatalf("%q has birth date %v", n, n.BirthDate())
		}
	})
}

func FuzzParsePlateNumber(f *testing.F) {
	for _, s := range []string{
		"京A00599", "黑D23908", "京AD92035", "甘G23459F", "京A19203D", "粤B12345D", "渝A1234学",
		"粤Z1234港", "粤b12345", " 京ad92035 ", "宁AD1234555555", "浙苏H6F681", "京A0O599", "京I12345",
		"使A12345", "粤B1234D", "京A12挂45", "京AZ12345", "\xff京A12345", "", "闽C12345J", "粤B12345A",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParsePlateNumber(s)
		if err != nil {
			fuzzInputErr(t, s, err, "plate", InputPlateLength, InputPlateProvince, InputPlateOffice,
				InputPlateIO, InputPlateChar, InputPlateForm)
			return
		}
		runes := utf8.RuneCountInString(string(n))
		if n.Form() == 0 || (runes != 7 && runes != 8) || utf8.RuneCountInString(n.Masked()) != runes {
			t.Fatalf("ParsePlateNumber(%q) = %q form %v masked %q", s, n, n.Form(), n.Masked())
		}
		if last := n[len(n)-1]; n.Form() == FormLargeNEV && last != 'D' && last != 'F' {
			t.Fatalf("large new-energy plate %q does not end in D or F", n)
		}
		again, err := ParsePlateNumber(n.String())
		if err != nil || again != n {
			t.Fatalf("reparse of %q = %q, %v", n, again, err)
		}
		trimmed := strings.TrimSpace(s)
		if strings.ToUpper(trimmed) == trimmed && n.String() != trimmed {
			t.Fatalf("canonical %q came back as %q", trimmed, n)
		}
		// Every legal number is issued under at least one type.
		fits := 0
		for _, typ := range PlateTypes() {
			if p, err := NewPlate(typ, n); err == nil {
				fits++
				if p.Number != n || p.Type != typ {
					t.Fatalf("NewPlate(%s, %s) = %v", typ, n, p)
				}
			}
		}
		if fits == 0 {
			t.Fatalf("%q fits no plate type", n)
		}
	})
}

func FuzzParseFileNumber(f *testing.F) {
	for _, s := range []string{"440300123456", " 110100000001 ", "44030012345", "4403001234567", "44030012345A", "４40300123456", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseFileNumber(s)
		if err != nil {
			fuzzInputErr(t, s, err, "file_number", InputFileLength, InputFileChar)
			return
		}
		if n.String() != strings.TrimSpace(s) || len(n) != 12 || len(n.Masked()) != 12 {
			t.Fatalf("ParseFileNumber(%q) = %q", s, n)
		}
		again, err := ParseFileNumber(n.String())
		if err != nil || again != n {
			t.Fatalf("reparse of %q = %q, %v", n, again, err)
		}
	})
}

func FuzzParseLicenceClasses(f *testing.F) {
	for _, s := range []string{"C1", "C1E", "c1e", "A2D", "EC1", "DEF", "A1A2B1C6MNP", "", "C7", "C1C1", "C1 E", "1C"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := ParseLicenceClasses(s)
		if err != nil {
			fuzzInputErr(t, s, err, "licence_class", InputLicenceClass)
			return
		}
		order := LicenceClassList()
		for i, c := range cs {
			if i > 0 && slices.Index(order, cs[i-1]) >= slices.Index(order, c) {
				t.Fatalf("ParseLicenceClasses(%q) = %v: not canonical or duplicated", s, cs)
			}
		}
		again, err := ParseLicenceClasses(cs.String())
		if err != nil || !slices.Equal(again, cs) {
			t.Fatalf("reparse of %q = %v, %v", cs.String(), again, err)
		}
		if len(cs.String()) != len(strings.TrimSpace(s)) {
			t.Fatalf("%q re-formats as %q, a different length", s, cs.String())
		}
	})
}

func FuzzParseVIN(f *testing.F) {
	for _, s := range []string{"1M8GDM9AXKP042788", " 1m8gdm9axkp042788", "1M8GDM9A1KP042788", "IM8GDM9AXKP042788", "", "车"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVIN(s)
		if err != nil {
			fuzzInputErr(t, s, err, "vin", InputVINLength, InputVINChar, InputVINCheck)
			return
		}
		if string(v) != strings.ToUpper(strings.TrimSpace(s)) || len(v) != VINLength || len(v.Tail()) != VINTailLength {
			t.Fatalf("ParseVIN(%q) = %q", s, v)
		}
		if c, ok := VINCheckChar(string(v)); !ok || c != v[8] {
			t.Fatalf("%q accepted with check %c", v, c)
		}
		if tail, err := ParseVINTail(string(v.Tail())); err != nil || tail != v.Tail() {
			t.Fatalf("tail of %q: %q %v", v, tail, err)
		}
	})
}

func FuzzParseVINTailAndRegCert(f *testing.F) {
	for _, s := range []string{"042788", "kp0427", "04I788", "440001234567", "44000123456A", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if tail, err := ParseVINTail(s); err != nil {
			fuzzInputErr(t, s, err, "vin_tail", InputVINLength, InputVINChar)
		} else if string(tail) != strings.ToUpper(strings.TrimSpace(s)) || len(tail) != VINTailLength {
			t.Fatalf("ParseVINTail(%q) = %q", s, tail)
		}
		if n, err := ParseRegCertNumber(s); err != nil {
			fuzzInputErr(t, s, err, "reg_cert", InputRegCertLength, InputRegCertChar)
		} else if string(n) != strings.TrimSpace(s) || len(n) != RegCertLength {
			t.Fatalf("ParseRegCertNumber(%q) = %q", s, n)
		}
	})
}
