package model

import (
	"strings"
	"unicode/utf8"
)

// PlateType is a plate type code (号牌种类, hpzl, GA/T 16.7). The same characters under another
// type are another vehicle, so a vehicle is always named by type and number together.
type PlateType string

// The plate types the kiosk knows.
const (
	PlateLargeCar        PlateType = "01" // 大型汽车, yellow
	PlateSmallCar        PlateType = "02" // 小型汽车, blue
	PlateMotorcycle      PlateType = "07" // 普通摩托车
	PlateLightMotorcycle PlateType = "08" // 轻便摩托车
	PlateTrailer         PlateType = "15" // 挂车, ends in 挂
	PlateCoach           PlateType = "16" // 教练汽车, ends in 学
	PlatePolice          PlateType = "23" // 警用汽车, ends in 警
	PlateHongKong        PlateType = "26" // 香港入出境车, ends in 港
	PlateMacau           PlateType = "27" // 澳门入出境车, ends in 澳
	PlateLargeNEV        PlateType = "51" // 大型新能源汽车
	PlateSmallNEV        PlateType = "52" // 小型新能源汽车
)

// PlateTypes lists the known plate types in code order, for pickers and exhaustive tests.
func PlateTypes() []PlateType {
	return []PlateType{
		PlateLargeCar, PlateSmallCar, PlateMotorcycle, PlateLightMotorcycle, PlateTrailer,
		PlateCoach, PlatePolice, PlateHongKong, PlateMacau, PlateLargeNEV, PlateSmallNEV,
	}
}

// ParsePlateType accepts a known two-digit type code.
func ParsePlateType(s string) (PlateType, error) {
	s = strings.TrimSpace(s)
	for _, t := range PlateTypes() {
		if string(t) == s {
			return t, nil
		}
	}
	return "", inputError("plate_type", InputPlateType, Args{Got: s})
}

// Term is the key of the type's localised name in the text catalogue.
func (t PlateType) Term() string { return "plate_type." + string(t) }

// SmallCar reports whether the type is a small passenger car, petrol or new-energy.
func (t PlateType) SmallCar() bool { return t == PlateSmallCar || t == PlateSmallNEV }

// Motorcycle reports whether the type is a motorcycle of either size.
func (t PlateType) Motorcycle() bool { return t == PlateMotorcycle || t == PlateLightMotorcycle }

// PlateForm is the shape of a plate number (GA 36-2018). Zero means unknown, so a forgotten
// assignment never looks like an ordinary plate.
type PlateForm int

// The shapes a plate number can have.
const (
	FormOrdinary PlateForm = iota + 1 // 7 characters
	FormSmallNEV                      // 8 characters, letter after the office letter
	FormLargeNEV                      // 8 characters, five digits then D or F
)

func (f PlateForm) String() string {
	switch f {
	case FormOrdinary:
		return "ordinary"
	case FormSmallNEV:
		return "small_nev"
	case FormLargeNEV:
		return "large_nev"
	}
	return "unknown"
}

// Character sets of GA 36-2018. They are constants, not tables, so nothing can change them.
const (
	provinceChars = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
	plateSuffixes = "挂学警港澳"
	// D and F came first (pure electric, other new energy); A B C E and G H J K were added
	// when those ranges ran out. That extension is of the small plates' first serial letter.
	nevLetters = "DFABCEGHJK"
	// A large new-energy plate (GA 36-2018) ends in D or F only: five digits, then D for pure
	// electric or F for other new energy.
	largeNEVLetters = "DF"
)

// Provinces lists the province characters in the order of the on-screen picker grid.
func Provinces() []string {
	out := make([]string, 0, utf8.RuneCountInString(provinceChars))
	for _, r := range provinceChars {
		out = append(out, string(r))
	}
	return out
}

// PlateNumber is a plate number (号牌号码, hphm) that has one of the three legal forms. It is
// stored with upper-case letters, as printed on the plate.
type PlateNumber string

const plateField = "plate"

// ParsePlateNumber checks a typed plate number. Errors name the first wrong character and, for
// I and O, say so separately: people read them off a plate where 1 and 0 were meant.
func ParsePlateNumber(s string) (PlateNumber, error) {
	s = upperASCIILetters(strings.TrimSpace(s))
	rs := []rune(s)
	if len(rs) != 7 && len(rs) != 8 {
		return "", inputError(plateField, InputPlateLength, Args{N: len(rs), Want: "7/8"})
	}
	if !strings.ContainsRune(provinceChars, rs[0]) {
		return "", inputError(plateField, InputPlateProvince, Args{Got: string(rs[0])})
	}
	for i := 1; i < len(rs); i++ {
		r, args := rs[i], Args{Pos: i + 1, Got: string(rs[i])}
		switch {
		case r == 'I' || r == 'O':
			return "", inputError(plateField, InputPlateIO, args)
		case i == 1 && !(r >= 'A' && r <= 'Z'):
			return "", inputError(plateField, InputPlateOffice, Args{Got: args.Got})
		case i > 1 && !plateSerialChar(r) && !strings.ContainsRune(plateSuffixes, r):
			return "", inputError(plateField, InputPlateChar, args)
		}
	}
	if plateFormOf(rs) == 0 {
		return "", inputError(plateField, InputPlateForm, Args{Got: s})
	}
	return PlateNumber(s), nil
}

// upperASCIILetters upper-cases ASCII letters only: keyboard users type lower case, and no other
// character of a plate has a case.
func upperASCIILetters(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

// plateSerialChar reports whether r may appear in a plate serial: a digit or a letter but I, O.
func plateSerialChar(r rune) bool {
	return (r >= '0' && r <= '9') || (r >= 'A' && r <= 'Z' && r != 'I' && r != 'O')
}

func isDigitRune(r rune) bool { return r >= '0' && r <= '9' }

// plateFormOf matches the serial (everything after province and office letter) against the three
// forms, or returns 0. The character checks of ParsePlateNumber have already run.
func plateFormOf(rs []rune) PlateForm {
	switch len(rs) {
	case 7:
		for _, r := range rs[2:6] {
			if !plateSerialChar(r) {
				return 0
			}
		}
		if plateSerialChar(rs[6]) || strings.ContainsRune(plateSuffixes, rs[6]) {
			return FormOrdinary
		}
	case 8:
		if strings.ContainsRune(nevLetters, rs[2]) && plateSerialChar(rs[3]) && runesAllDigits(rs[4:]) {
			return FormSmallNEV
		}
		if runesAllDigits(rs[2:7]) && strings.ContainsRune(largeNEVLetters, rs[7]) {
			return FormLargeNEV
		}
	}
	return 0
}

func runesAllDigits(rs []rune) bool {
	for _, r := range rs {
		if !isDigitRune(r) {
			return false
		}
	}
	return true
}

func (n PlateNumber) String() string { return string(n) }

// Form is the shape of the number, or 0 for a value that did not come from ParsePlateNumber.
func (n PlateNumber) Form() PlateForm { return plateFormOf([]rune(string(n))) }

// Province is the province character, e.g. "粤".
func (n PlateNumber) Province() string {
	r, size := utf8.DecodeRuneInString(string(n))
	if size == 0 {
		return ""
	}
	return string(r)
}

// Region is the province character and issuing-office letter, e.g. "渝A": the city the vehicle
// is registered in, which the local-vehicle rule compares.
func (n PlateNumber) Region() string {
	rs := []rune(string(n))
	if len(rs) < 2 {
		return string(n)
	}
	return string(rs[:2])
}

// Suffix is the Chinese character an ordinary plate ends in (挂 学 警 港 澳), or "".
func (n PlateNumber) Suffix() string {
	rs := []rune(string(n))
	if len(rs) == 7 && strings.ContainsRune(plateSuffixes, rs[6]) {
		return string(rs[6])
	}
	return ""
}

// Masked keeps the region and the last two characters and stars the rest, one star per
// character, so the owner recognises the plate but a passer-by cannot note it down.
func (n PlateNumber) Masked() string {
	rs := []rune(string(n))
	if len(rs) < 5 {
		return strings.Repeat("*", len(rs))
	}
	return string(rs[:2]) + strings.Repeat("*", len(rs)-4) + string(rs[len(rs)-2:])
}

// Plate names a vehicle: type and number. It is comparable and used as a map key.
type Plate struct {
	Type   PlateType
	Number PlateNumber
}

// NewPlate pairs a type and a number after checking that the number's form is one the type is
// issued in: a blue 02 plate never ends in 挂, a 52 plate is always small new-energy. Both parts
// are checked again, so a Plate is valid even when built from unparsed strings.
func NewPlate(t PlateType, n PlateNumber) (Plate, error) {
	t, err := ParsePlateType(string(t))
	if err != nil {
		return Plate{}, err
	}
	if n, err = ParsePlateNumber(string(n)); err != nil {
		return Plate{}, err
	}
	if !t.fits(n) {
		return Plate{}, inputError(plateField, InputPlateTypeMatch,
			Args{Got: string(n), Want: string(t), Term: t.Term()})
	}
	return Plate{Type: t, Number: n}, nil
}

// fits reports whether a number of n's form and suffix is issued under type t.
func (t PlateType) fits(n PlateNumber) bool {
	form, suffix := n.Form(), n.Suffix()
	ordinary := func(want string) bool { return form == FormOrdinary && suffix == want }
	switch t {
	case PlateLargeCar, PlateSmallCar, PlateMotorcycle, PlateLightMotorcycle:
		return ordinary("")
	case PlateTrailer:
		return ordinary("挂")
	case PlateCoach:
		return ordinary("学")
	case PlatePolice:
		return ordinary("警")
	case PlateHongKong:
		return ordinary("港")
	case PlateMacau:
		return ordinary("澳")
	case PlateLargeNEV:
		return form == FormLargeNEV
	case PlateSmallNEV:
		return form == FormSmallNEV
	}
	return false
}

// ParsePlate checks a plate type code and a typed plate number together.
func ParsePlate(typ, number string) (Plate, error) {
	t, err := ParsePlateType(typ)
	if err != nil {
		return Plate{}, err
	}
	n, err := ParsePlateNumber(number)
	if err != nil {
		return Plate{}, err
	}
	return NewPlate(t, n)
}

// Masked is the masked number; the type is not sensitive and is shown separately.
func (p Plate) Masked() string { return p.Number.Masked() }

// String is a compact key such as "02:粤B12345", for tests and map keys; screens use Masked.
func (p Plate) String() string { return string(p.Type) + ":" + string(p.Number) }
