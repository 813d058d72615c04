package api

import "github.com/hallkiosk/kiosk/model"

// Ids that clients make. An operation id (op_id) and a payment order id are 1 to MaxClientIDLen
// characters of A-Z, a-z, 0-9, '-' and '_' (a UUID fits). The alphabet keeps them safe in URL
// paths, file names and log lines, and leaves out the characters ('/', ':') that the server
// uses to name its own records: the payment records of operation X are "X/1", "X/2"..., those of a
// phone order are "payorder:ORDER/1", and no client id can be made to collide with either.
//
// Violation ids (ViolationID fields) are the platform's record ids: model.ValidRecordID, the same
// alphabet and at most 40 characters, as the import format requires.
const MaxClientIDLen = 64

// ValidClientID reports whether id may name an operation or a payment order.
func ValidClientID(id string) bool { return model.IDChars(id, MaxClientIDLen) }
