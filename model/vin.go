package model

import "strings"

// VIN is a vehicle identification number (车辆识别代号, GB 16735 / ISO 3779): 17 characters
// from the digits and the capital letters without I, O and Q, the ninth a check character.
// It is printed on the vehicle's registration certificate and driving permit (行驶证), so every
// owner has it, licence or not: its last six characters are one of the owner's proofs.
type VIN string

// VINTail is the last six characters of a VIN, as an owner types them to prove ownership.
type VINTail string

// RegCertNumber is the number of a vehicle's registration certificate (机动车登记证书编号, the
// "green book" every owner keeps): 12 digits printed under the bar code on its first page. Its
// inner structure is not published, so it is treated like a file number: an opaque proof,
// checked for form only.
type RegCertNumber string

// Lengths of the vehicle's numbers.
const (
	VINLength     = 17
	VINTailLength = 6
	RegCertLength = 12
)

const (
	vinField     = "vin"
	vinTailField = "vin_tail"
	regCertField = "reg_cert"
)

// vinWeights are GB 16735's (ISO 3779 annex) weights of positions 1 to 17; the ninth, the check
// character itself, weighs nothing.
var vinWeights = [VINLength]int{8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2}

// vinValue is the value a VIN character carries in the check sum (letters transliterate to
// digits as the standard's table says), or -1 for a character a VIN never has.
func vinValue(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case c == 'I' || c == 'O' || c == 'Q':
		return -1
	case 'A' <= c && c <= 'H':
		return int(c-'A') + 1 // A=1 … H=8
	case 'J' <= c && c <= 'R':
		return int(c-'J') + 1 // J=1 … R=9 (Q is refused above)
	case 'S' <= c && c <= 'Z':
		return int(c-'S') + 2 // S=2 … Z=9
	}
	return -1
}

// VINCheckChar computes the check character of the 17 characters in s (whatever stands in the
// ninth place): the weighted sum modulo 11, 10 written X. ok is false when s is not 17 VIN
// characters.
func VINCheckChar(s string) (byte, bool) {
	if len(s) != VINLength {
		return 0, false
	}
	sum := 0
	for i := 0; i < VINLength; i++ {
		v := vinValue(s[i])
		if v < 0 {
			return 0, false
		}
		sum += v * vinWeights[i]
	}
	if r := sum % 11; r < 10 {
		return byte('0' + r), true
	}
	return 'X', true
}

// vinChars checks that rs are VIN characters, reporting the first that is not.
func vinChars(field string, rs []rune) error {
	for i, r := range rs {
		if r > 0x7f || vinValue(byte(r)) < 0 {
			return inputError(field, InputVINChar, Args{Pos: i + 1, Got: string(r)})
		}
	}
	return nil
}

// ParseVIN checks a VIN: 17 characters after trimming spaces, lower case read as upper case, no
// I, O or Q, and the check character in the ninth place.
func ParseVIN(s string) (VIN, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	rs := []rune(s)
	if len(rs) != VINLength {
		return "", inputError(vinField, InputVINLength, Args{N: len(rs), Limit: VINLength})
	}
	if err := vinChars(vinField, rs); err != nil {
		return "", err
	}
	want, _ := VINCheckChar(s)
	if s[8] != want {
		return "", inputError(vinField, InputVINCheck, Args{Want: string(want), Got: string(s[8])})
	}
	return VIN(s), nil
}

// Tail is the VIN's last six characters.
func (v VIN) Tail() VINTail {
	if len(v) < VINTailLength {
		return ""
	}
	return VINTail(v[len(v)-VINTailLength:])
}

// ParseVINTail checks the last six characters of a VIN as an owner types them: six VIN
// characters after trimming spaces, lower case read as upper case.
func ParseVINTail(s string) (VINTail, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	rs := []rune(s)
	if len(rs) != VINTailLength {
		return "", inputError(vinTailField, InputVINLength, Args{N: len(rs), Limit: VINTailLength})
	}
	if err := vinChars(vinTailField, rs); err != nil {
		return "", err
	}
	return VINTail(s), nil
}

// ParseRegCertNumber checks a registration certificate number: exactly 12 ASCII digits after
// trimming spaces.
func ParseRegCertNumber(s string) (RegCertNumber, error) {
	s = strings.TrimSpace(s)
	rs := []rune(s)
	if len(rs) != RegCertLength {
		return "", inputError(regCertField, InputRegCertLength, Args{N: len(rs), Limit: RegCertLength})
	}
	for i, r := range rs {
		if r < '0' || r > '9' {
			return "", inputError(regCertField, InputRegCertChar, Args{Pos: i + 1, Got: string(r)})
		}
	}
	return RegCertNumber(s), nil
}
