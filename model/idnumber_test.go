package model

import (
	"errors"
	"testing"
	"time"
)

// idToday is noon of 2025-06-15 in China; every ID test judges "born in the future" against it.
func idToday() time.Time { return time.Date(2025, 6, 15, 12, 0, 0, 0, ChinaZone()) }

// checkInputErr fails unless err is an *InputError for field with exactly code and args.
func checkInputErr(t *testing.T, err error, field string, code ReasonCode, args Args) {
	t.Helper()
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("error = %v (%T), want *InputError %s", err, err, code)
	}
	if ie.Field != field || ie.Reason.Code != code || ie.Reason.Args != args {
		t.Fatalf("error = field %q code %q args %+v; want field %q code %q args %+v",
			ie.Field, ie.Reason.Code, ie.Reason.Args, field, code, args)
	}
	if ie.Reason.Rule != 0 {
		t.Fatalf("input errors carry no rule number, got %d", ie.Reason.Rule)
	}
}

func TestParseIDNumberValid(t *testing.T) {
	cases := []struct{ in, want string }{
		{"11010519491231002X", "11010519491231002X"},
		{"440524188001010014", "440524188001010014"},
		{"440308199901101512", "440308199901101512"},
		{"34052419800101001X", "34052419800101001X"},
		{"11010219840406970X", "11010219840406970X"},
		{"810000199408230021", "810000199408230021"},
		{"830000199201300022", "830000199201300022"},
		{"53010219200508011X", "53010219200508011X"},
		{"11010519491231002x", "11010519491231002X"},       // lower-case x stored upper-case
		{"  440308199901101512\t", "440308199901101512"},   // surrounding spaces trimmed
		{"\u3000440308199901101512", "440308199901101512"}, // ideographic space from a Chinese IME
		{"610104620927690", "610104196209276908"},          // 15-digit upgrade
		{"110105200002290021", "110105200002290021"},       // 2000-02-29 exists
		{"440308202506151514", "440308202506151514"},       // born today
	}
	for _, c := range cases {
		got, err := ParseIDNumber(c.in, idToday())
		if err != nil {
			t.Errorf("ParseIDNumber(%q) error %v", c.in, err)
			continue
		}
		if got != IDNumber(c.want) || got.String() != c.want {
			t.Errorf("ParseIDNumber(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseIDNumberErrors(t *testing.T) {
	cases := []struct {
		in   string
		code ReasonCode
		args Args
	}{
		{"", InputIDLength, Args{N: 0, Limit: 18}},
		{"44030819990110151", InputIDLength, Args{N: 17, Limit: 18}},
		{"4403081999011015", InputIDLength, Args{N: 16, Limit: 18}},
		{"4403081999011015133", InputIDLength, Args{N: 19, Limit: 18}},
		{"4403081999 01101512", InputIDLength, Args{N: 19, Limit: 18}},
		// Length counts runes, so a full-width digit is one wrong character, not three bytes.
		{"44030819990110151２", InputIDChar, Args{Pos: 18, Got: "２"}},
		{"4403081999O1101512", InputIDChar, Args{Pos: 11, Got: "O"}},
		{"X40308199901101512", InputIDChar, Args{Pos: 1, Got: "X"}},
		{"4403081999011015X2", InputIDChar, Args{Pos: 17, Got: "X"}},
		{"44030819990110151Y", InputIDChar, Args{Pos: 18, Got: "Y"}},
		{"一40308199901101512", InputIDChar, Args{Pos: 1, Got: "一"}},
		{"61010462092769X", InputIDChar, Args{Pos: 15, Got: "X"}}, // 15-digit numbers had no X
		{"710308199901101512", InputIDRegion, Args{Got: "71"}},
		{"000000199901101512", InputIDRegion, Args{Got: "00"}},
		{"160308199901101512", InputIDRegion, Args{Got: "16"}},
		{"840000199408230021", InputIDRegion, Args{Got: "84"}},
		{"990308620927690", InputIDRegion, Args{Got: "99"}},
		{"110105199002300000", InputIDBirthInvalid, Args{Got: "1990-02-30"}},
		{"110105199013010000", InputIDBirthInvalid, Args{Got: "1990-13-01"}},
		{"110105199000100000", InputIDBirthInvalid, Args{Got: "1990-00-10"}},
		{"110105199001000000", InputIDBirthInvalid, Args{Got: "1990-01-00"}},
		{"110105199004310000", InputIDBirthInvalid, Args{Got: "1990-04-31"}},
		{"110105190002290000", InputIDBirthInvalid, Args{Got: "1900-02-29"}}, // 1900 is not a leap year
		{"110105900230002", InputIDBirthInvalid, Args{Got: "1990-02-30"}},    // upgraded, then checked
		{"44030820250616151X", InputIDBirthFuture, Args{Got: "2025-06-16"}},  // tomorrow
		{"440308202506171515", InputIDBirthFuture, Args{Got: "2025-06-17"}},
		{"440308199901101513", InputIDCheck, Args{Want: "2", Got: "3"}},
		{"340524198001010013", InputIDCheck, Args{Want: "X", Got: "3"}},
		{"810000199408230022", InputIDCheck, Args{Want: "1", Got: "2"}},
		{"830000199201300023", InputIDCheck, Args{Want: "2", Got: "3"}},
		{"44030819990110151x", InputIDCheck, Args{Want: "2", Got: "x"}}, // shown as typed
		{"110105194912310021", InputIDCheck, Args{Want: "X", Got: "1"}},
	}
	for _, c := range cases {
		got, err := ParseIDNumber(c.in, idToday())
		if got != "" {
			t.Errorf("ParseIDNumber(%q) returned %q with an error", c.in, got)
		}
		t.Run(c.in, func(t *testing.T) { checkInputErr(t, err, "id_number", c.code, c.args) })
	}
}

// The future check compares calendar days in China, not instants and not the machine's zone.
func TestParseIDNumberTodayInChina(t *testing.T) {
	const bornJune16 = "44030820250616151X"
	lateUTC := time.Date(2025, 6, 15, 17, 0, 0, 0, time.UTC) // 2025-06-16 01:00 in China
	if _, err := ParseIDNumber(bornJune16, lateUTC); err != nil {
		t.Errorf("born on the China date of today: %v", err)
	}
	earlyUTC := time.Date(2025, 6, 15, 15, 59, 0, 0, time.UTC) // 2025-06-15 23:59 in China
	_, err := ParseIDNumber(bornJune16, earlyUTC)
	checkInputErr(t, err, "id_number", InputIDBirthFuture, Args{Got: "2025-06-16"})
}

func TestIDNumberMethods(t *testing.T) {
	cases := []struct {
		in               string
		masked           string
		birth            Date
		male             bool
		province, region string
	}{
		{"11010519491231002X", "1101**********002X", Date{1949, time.December, 31}, false, "11", "110105"},
		{"440308199901101512", "4403**********1512", Date{1999, time.January, 10}, true, "44", "440308"},
		{"610104620927690", "6101**********6908", Date{1962, time.September, 27}, false, "61", "610104"},
		{"440524188001010014", "4405**********0014", Date{1880, time.January, 1}, true, "44", "440524"},
	}
	for _, c := range cases {
		n, err := ParseIDNumber(c.in, idToday())
		if err != nil {
			t.Fatalf("ParseIDNumber(%q): %v", c.in, err)
		}
		if got := n.Masked(); got != c.masked {
			t.Errorf("%s.Masked() = %q, want %q", n, got, c.masked)
		}
		if got := n.BirthDate(); got != c.birth {
			t.Errorf("%s.BirthDate() = %v, want %v", n, got, c.birth)
		}
		if got := n.Male(); got != c.male {
			t.Errorf("%s.Male() = %v, want %v", n, got, c.male)
		}
		if n.Province() != c.province || n.Region() != c.region {
			t.Errorf("%s province/region = %q/%q, want %q/%q", n, n.Province(), n.Region(), c.province, c.region)
		}
	}
}

// Methods on a zero value must not panic: a struct holding an IDNumber may be printed before it
// is filled.
func TestIDNumberZeroValue(t *testing.T) {
	var n IDNumber
	if n.Masked() != "" || n.BirthDate() != (Date{}) || n.Male() || n.Province() != "" || n.Region() != "" {
		t.Errorf("zero IDNumber methods returned non-zero values")
	}
}
