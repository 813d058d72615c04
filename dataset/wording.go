package dataset

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hallkiosk/kiosk/model"
)

// shown quotes a fragment of the input for a message. It is cut to a few characters so that a
// message can name a wrong character or a short code but never carry a whole ID number, plate or
// name that someone put in the wrong field.
func shown(s string) string {
	const limit = 6
	rs := []rune(s)
	if len(rs) > limit {
		return strconv.Quote(string(rs[:limit])) + " (cut short)"
	}
	return strconv.Quote(s)
}

// parserMessage words an error of a model parser in plain English. The parsers' own Error text
// may contain the whole input, so it is never used; the reason code and its facts are.
func parserMessage(err error) string {
	var ie *model.InputError
	if !errors.As(err, &ie) {
		return "is not valid"
	}
	a := ie.Reason.Args
	switch ie.Reason.Code {
	case model.InputIDLength, model.InputIDChar, model.InputIDRegion, model.InputIDBirthInvalid,
		model.InputIDBirthFuture, model.InputIDCheck:
		return idMessage(ie.Reason.Code, a)
	case model.InputFileLength:
		return fmt.Sprintf("a file number has 12 digits, this one has %d", a.N)
	case model.InputFileChar:
		return fmt.Sprintf("character %d is %s; a file number has digits only", a.Pos, shown(a.Got))
	case model.InputPlateLength, model.InputPlateProvince, model.InputPlateOffice, model.InputPlateIO,
		model.InputPlateChar, model.InputPlateForm, model.InputPlateType, model.InputPlateTypeMatch:
		return plateMessage(ie.Reason.Code, a)
	case model.InputVINLength:
		return fmt.Sprintf("a VIN has 17 characters, this one has %d", a.N)
	case model.InputVINChar:
		return fmt.Sprintf("character %d is %s; a VIN has digits and capital letters without I, O and Q", a.Pos, shown(a.Got))
	case model.InputVINCheck:
		return fmt.Sprintf("the check character (the 9th) should be %s, not %s: a character is probably miscopied", a.Want, a.Got)
	case model.InputRegCertLength:
		return fmt.Sprintf("a registration certificate number has 12 digits, this one has %d", a.N)
	case model.InputRegCertChar:
		return fmt.Sprintf("character %d is %s; a registration certificate number has digits only", a.Pos, shown(a.Got))
	case model.InputLicenceClass:
		if _, err := model.ParseLicenceClass(a.Got); err == nil {
			return fmt.Sprintf("class %s appears twice; write each class once, like C1E", a.Got)
		}
		return fmt.Sprintf("%s is not a licence class; write the classes as printed, like C1, C1E or A2D "+
			"(A1 A2 A3 B1 B2 C1 C2 C3 C4 C5 C6 D E F M N P)", shown(a.Got))
	case model.InputLicenceStatus:
		return fmt.Sprintf("%s is not a licence status; use one letter: A (normal), B (over 12 points), "+
			"C, D (suspended), E, F (revoked), G, H, I, J, K, L, M (overdue renewal), N, P or R", shown(a.Got))
	case model.InputViolationCode:
		return fmt.Sprintf("%s is not a violation code: 4 digits, sometimes followed by one more digit "+
			"or capital letter, like 1625 or 10393", shown(a.Got))
	case model.InputDecisionNumber:
		return fmt.Sprintf("a decision number has 19 characters, 18 digits and a check digit or X; "+
			"this one has %d characters", a.N)
	case model.InputDecisionCheck:
		return fmt.Sprintf("check character should be %s, not %s: one of the first 18 digits is probably mistyped",
			a.Want, a.Got)
	}
	return "is not valid (" + string(ie.Reason.Code) + ")"
}

// idMessage words the ID number checks. The birth date is personal data, so the messages say
// which part is wrong without repeating it.
func idMessage(code model.ReasonCode, a model.Args) string {
	switch code {
	case model.InputIDLength:
		return fmt.Sprintf("an ID number has 18 characters (15 for an old one), this one has %d", a.N)
	case model.InputIDChar:
		return fmt.Sprintf("character %d is %s; an ID number has digits only, and X only as the last character",
			a.Pos, shown(a.Got))
	case model.InputIDRegion:
		return fmt.Sprintf("starts with %s, which is not a province code "+
			"(11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 81-83)", a.Got)
	case model.InputIDBirthInvalid:
		return "the birth date in the number is not a real calendar day"
	case model.InputIDBirthFuture:
		return "the birth date in the number is after today"
	}
	return fmt.Sprintf("check character should be %s, not %s: one of the first 17 characters is probably mistyped",
		a.Want, a.Got)
}

// plateMessage words the plate checks. The whole number is never repeated, only the character
// at fault.
func plateMessage(code model.ReasonCode, a model.Args) string {
	switch code {
	case model.InputPlateLength:
		return fmt.Sprintf("a plate number has 7 characters (8 for new-energy plates), this one has %d", a.N)
	case model.InputPlateProvince:
		return fmt.Sprintf("must start with a province character such as 京, 粤 or 渝, not %s", shown(a.Got))
	case model.InputPlateOffice:
		return fmt.Sprintf("the second character must be the issuing office's capital letter, not %s", shown(a.Got))
	case model.InputPlateIO:
		digit := "1"
		if a.Got == "O" {
			digit = "0"
		}
		return fmt.Sprintf("character %d is the letter %s, which plates never use; it is probably the digit %s",
			a.Pos, a.Got, digit)
	case model.InputPlateChar:
		return fmt.Sprintf("character %d is %s; after the office letter use digits and capital letters other than I and O",
			a.Pos, shown(a.Got))
	case model.InputPlateForm:
		return "does not have the shape of a plate: 7 characters like 粤B12345, or 8 for new-energy plates " +
			"(粤BD12345 small, 粤B12345D large)"
	case model.InputPlateType:
		return fmt.Sprintf("%s is not a plate type; use one of %s", shown(a.Got), plateTypeCodes())
	}
	return fmt.Sprintf("the number does not fit plate type %s: %s", a.Want, plateShapeOf(model.PlateType(a.Want)))
}

func plateTypeCodes() string {
	var codes []string
	for _, t := range model.PlateTypes() {
		codes = append(codes, string(t))
	}
	return strings.Join(codes, ", ")
}

// plateShapeOf says what a number of plate type t looks like, to explain a mismatch.
func plateShapeOf(t model.PlateType) string {
	switch t {
	case model.PlateSmallNEV:
		return "small new-energy plates have 8 characters with a new-energy letter third, like 粤BD12345"
	case model.PlateLargeNEV:
		return "large new-energy plates have 8 characters ending in a new-energy letter, like 粤B12345D"
	case model.PlateTrailer:
		return "trailer plates end in 挂"
	case model.PlateCoach:
		return "coach plates end in 学"
	case model.PlatePolice:
		return "police plates end in 警"
	case model.PlateHongKong:
		return "Hong Kong cross-border plates end in 港"
	case model.PlateMacau:
		return "Macau cross-border plates end in 澳"
	}
	return "these plates have 7 characters with no special last character, like 粤B12345; " +
		"8-character new-energy numbers take type 51 or 52"
}
