package model

import (
	"fmt"
	"strconv"
)

// DecisionNumber identifies a penalty decision (决定书编号). Ours is 19 characters: the 6-digit
// region code of the deciding office, the 4-digit year, an 8-digit sequence and an ISO 7064
// MOD 11-2 check character over the 18 digits, so that a mistyped number is caught at the
// keyboard rather than at the server.
type DecisionNumber string

// NewDecisionNumber builds a decision number. office is a 6-digit region code.
func NewDecisionNumber(office string, year int, seq int64) (DecisionNumber, error) {
	if len(office) != 6 || !allDigits(office) {
		return "", fmt.Errorf("decision number: office %q must be a 6-digit region code", office)
	}
	if year < 2000 || year > 9999 {
		return "", fmt.Errorf("decision number: year %d out of range", year)
	}
	if seq < 0 || seq > 99999999 {
		return "", fmt.Errorf("decision number: sequence %d out of range 0..99999999", seq)
	}
	digits := office + strconv.Itoa(year) + fmt.Sprintf("%08d", seq)
	return DecisionNumber(digits + string(Mod112(digits))), nil
}

// ParseDecisionNumber checks the form and the check character.
func ParseDecisionNumber(s string) (DecisionNumber, error) {
	if len(s) != 19 || !allDigits(s[:18]) {
		return "", inputError("decision_number", InputDecisionNumber, Args{N: len(s), Limit: 19})
	}
	last := s[18]
	if last == 'x' {
		last = 'X'
	}
	if want := Mod112(s[:18]); last != want {
		return "", inputError("decision_number", InputDecisionCheck, Args{Want: string(want), Got: string(s[18])})
	}
	return DecisionNumber(s[:18] + string(last)), nil
}

// String returns the number.
func (d DecisionNumber) String() string { return string(d) }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}
