package model

// MaxRecordIDLen bounds a violation's record id.
const MaxRecordIDLen = 40

// ValidRecordID reports whether s may name a violation record: 1 to MaxRecordIDLen ASCII
// letters, digits, hyphens and underscores. Platform violation numbers are digits, and nothing
// else needs to be typed or quoted; the same rule holds in the import format and in operations.
func ValidRecordID(s string) bool { return IDChars(s, MaxRecordIDLen) }

// IDChars reports whether s is 1 to max characters of A-Z, a-z, 0-9, '-' and '_'.
func IDChars(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
