package model

import "strings"

// FileNumber is a driver licence file number (档案编号): 12 digits printed on the licence. Its
// inner structure is reported inconsistently, so it is treated as an opaque second factor that
// proves the person holds the licence, never decoded.
type FileNumber string

const fileField = "file_number"

// ParseFileNumber checks a typed file number: exactly 12 ASCII digits after trimming spaces.
func ParseFileNumber(s string) (FileNumber, error) {
	s = strings.TrimSpace(s)
	rs := []rune(s)
	if len(rs) != 12 {
		return "", inputError(fileField, InputFileLength, Args{N: len(rs), Limit: 12})
	}
	for i, r := range rs {
		if r < '0' || r > '9' {
			return "", inputError(fileField, InputFileChar, Args{Pos: i + 1, Got: string(r)})
		}
	}
	return FileNumber(s), nil
}

func (f FileNumber) String() string { return string(f) }

// Masked hides the middle so a screen or receipt never shows the whole second factor.
func (f FileNumber) Masked() string {
	if len(f) != 12 {
		return strings.Repeat("*", len(f))
	}
	return string(f[:2]) + strings.Repeat("*", 6) + string(f[8:])
}
