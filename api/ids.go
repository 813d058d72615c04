package api

// Ids that clients make. An operation id (op_id) and a payment order id are 1 to MaxClientIDLen
// characters of A-Z, a-z, 0-9, '-' and '_' (a UUID fits). The alphabet keeps them safe in URL
// paths, file names and log lines, and leaves out every character ('/', ':', '!') that the server
// uses to name its own records: the payment records of operation X are "X/1", "X/2"..., those of a
// phone order are "payorder:ORDER/1", and no client id can be made to collide with either.
//
// Violation ids (ViolationID fields) are the platform's record ids: 1 to MaxRecordIDLen
// characters of the same alphabet, as the import format requires.
const (
	MaxClientIDLen = 64
	MaxRecordIDLen = 40
)

// ValidClientID reports whether id may name an operation or a payment order.
func ValidClientID(id string) bool { return validID(id, MaxClientIDLen) }

// ValidRecordID reports whether id may name a violation.
func ValidRecordID(id string) bool { return validID(id, MaxRecordIDLen) }

func validID(id string, max int) bool {
	if id == "" || len(id) > max {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
