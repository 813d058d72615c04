package store

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// sqliteConstraint is SQLite's primary result code of a constraint violation.
const sqliteConstraint = 19

// IsConstraint reports whether err is the database refusing a write that breaks a constraint
// (unique, foreign key, not null, check): the same write would be refused again, so retrying it
// is pointless.
func IsConstraint(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return len(pg.Code) == 5 && pg.Code[:2] == "23" // class 23: integrity constraint violation
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		return lite.Code()&0xff == sqliteConstraint
	}
	return false
}
