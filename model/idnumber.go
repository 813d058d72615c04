package model

import (
	"strconv"
	"strings"
	"time"
)

// IDNumber is a resident ID number (公民身份号码, GB 11643-1999) that passed every check. It is
// always the 18-character form with an upper-case X, so two IDNumbers for the same person are
// equal as strings whatever the person typed. It is also the driver licence number.
type IDNumber string

const idField = "id_number"

// ParseIDNumber checks a typed ID number and returns it normalised. Old 15-digit numbers are
// upgraded to 18 characters first and then checked like any other. today is the instant to judge
// "not born in the future" at; the package never reads the clock itself.
//
// The checks run from the cheapest and most visible mistake to the subtlest, and each failure has
// its own reason code, so the screen can say exactly which part to look at again.
func ParseIDNumber(s string, today time.Time) (IDNumber, error) {
	s = strings.TrimSpace(s)
	rs := []rune(s)
	if len(rs) != 18 && len(rs) != 15 {
		return "", inputError(idField, InputIDLength, Args{N: len(rs), Limit: 18})
	}
	for i, r := range rs {
		digit := r >= '0' && r <= '9'
		if !digit && !(i == 17 && (r == 'X' || r == 'x')) {
			return "", inputError(idField, InputIDChar, Args{Pos: i + 1, Got: string(r)})
		}
	}
	// Every rune is ASCII from here on, so byte indexes and rune positions agree.
	if len(s) == 15 {
		s = s[:6] + "19" + s[6:]
		s += string(Mod112(s))
	}
	if !idProvinceValid(s[:2]) {
		return "", inputError(idField, InputIDRegion, Args{Got: s[:2]})
	}
	if err := checkIDBirth(s[6:14], today); err != nil {
		return "", err
	}
	if want, got := Mod112(s[:17]), s[17]; want != idUpperX(got) {
		return "", inputError(idField, InputIDCheck, Args{Want: string(want), Got: string(got)})
	}
	return IDNumber(s[:17] + string(idUpperX(s[17]))), nil
}

func idUpperX(c byte) byte {
	if c == 'x' {
		return 'X'
	}
	return c
}

// idProvinceValid reports whether two digits are a province-level prefix that ID numbers are
// issued under: the mainland provinces of GB/T 2260 and 81/82/83 for the residence permits of
// Hong Kong, Macau and Taiwan residents. 71 (Taiwan) appears in the standard but is never issued.
func idProvinceValid(p string) bool {
	switch p {
	case "11", "12", "13", "14", "15",
		"21", "22", "23",
		"31", "32", "33", "34", "35", "36", "37",
		"41", "42", "43", "44", "45", "46",
		"50", "51", "52", "53", "54",
		"61", "62", "63", "64", "65",
		"81", "82", "83":
		return true
	}
	return false
}

// checkIDBirth checks eight ASCII digits YYYYMMDD: a real calendar day, not after today in China.
func checkIDBirth(ymd string, today time.Time) error {
	d, ok := parseYYYYMMDD(ymd)
	shown := ymd[:4] + "-" + ymd[4:6] + "-" + ymd[6:]
	if !ok {
		return inputError(idField, InputIDBirthInvalid, Args{Got: shown})
	}
	if DateOf(today).Before(d) {
		return inputError(idField, InputIDBirthFuture, Args{Got: shown})
	}
	return nil
}

// parseYYYYMMDD reads eight ASCII digits as a date and reports whether that day exists. time.Date
// normalises 02-30 into March, so a day that exists is one that survives the round trip.
func parseYYYYMMDD(ymd string) (Date, bool) {
	y, errY := strconv.Atoi(ymd[:4])
	m, errM := strconv.Atoi(ymd[4:6])
	d, errD := strconv.Atoi(ymd[6:])
	if errY != nil || errM != nil || errD != nil || m < 1 || m > 12 || d < 1 {
		return Date{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || int(t.Month()) != m {
		return Date{}, false
	}
	return Date{Year: y, Month: time.Month(m), Day: d}, true
}

func (n IDNumber) String() string { return string(n) }

// Masked shows enough to recognise one's own number on a screen or a receipt while hiding the
// birth date and sequence from whoever stands behind the user.
func (n IDNumber) Masked() string {
	if len(n) != 18 {
		return strings.Repeat("*", len(n))
	}
	return string(n[:4]) + strings.Repeat("*", 10) + string(n[14:])
}

// BirthDate is the birth date the number encodes (the zero Date for an unparsed value).
func (n IDNumber) BirthDate() Date {
	if len(n) != 18 {
		return Date{}
	}
	d, _ := parseYYYYMMDD(string(n[6:14]))
	return d
}

// Male reports whether the sequence number is odd, which GB 11643 reserves for men.
func (n IDNumber) Male() bool { return len(n) == 18 && (n[16]-'0')%2 == 1 }

// Province is the two-digit province code, e.g. "44" for Guangdong.
func (n IDNumber) Province() string {
	if len(n) != 18 {
		return ""
	}
	return string(n[:2])
}

// Region is the six-digit address code of where the number was first issued.
func (n IDNumber) Region() string {
	if len(n) != 18 {
		return ""
	}
	return string(n[:6])
}
