package store

import (
	"errors"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// Classes of database failure that are not bugs of ours and call for their own answer: storage
// that is full or read-only (the server says so and asks to be retried later), a database short
// of other resources, and a constraint violation (a conflict with a stored record). The
// predicates look through wrapping, so they see the store's own errors as they come out of Tx
// and Read.

// ErrFull is returned by CheckWritable when the database could still write its probe but has
// less room left than one batch of operations may need; IsFull reports it.
var ErrFull = errors.New("the database's storage is (nearly) full")

// SQLite primary result codes; extended codes keep the primary one in their low byte.
const (
	sqliteNoMem      = 7
	sqliteReadOnly   = 8
	sqliteFull       = 13
	sqliteConstraint = 19
)

// PostgreSQL SQLSTATE codes and classes.
const (
	pgDiskFull           = "53100" // disk_full
	pgResourcesClass     = "53"    // insufficient_resources: disk, memory, connections, limits
	pgReadOnlyTx         = "25006" // read_only_sql_transaction: also what a hot standby answers
	pgIntegrityViolation = "23"    // integrity_constraint_violation: unique, foreign key, check, not null
)

// IsFull reports whether err says the database's storage is full: SQLite's SQLITE_FULL (the
// disk, or the database's page limit), PostgreSQL's disk_full (53100), ErrFull, or a file the
// store writes itself (the embedded store's nonce log) meeting a full disk or quota.
func IsFull(err error) bool {
	if errors.Is(err, ErrFull) || errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return true
	}
	if code, ok := sqliteCode(err); ok {
		return code == sqliteFull
	}
	if code, ok := pgCode(err); ok {
		return code == pgDiskFull
	}
	return false
}

// IsReadOnly reports whether err says the database cannot be written at all now: SQLite's
// SQLITE_READONLY family (a read-only file or directory, query_only) or PostgreSQL's
// read_only_sql_transaction (25006: a read-only database or session, or a hot standby).
func IsReadOnly(err error) bool {
	if errors.Is(err, syscall.EROFS) {
		return true
	}
	if code, ok := sqliteCode(err); ok {
		return code == sqliteReadOnly
	}
	if code, ok := pgCode(err); ok {
		return code == pgReadOnlyTx
	}
	return false
}

// IsOutOfResources reports whether err says the database lacks a resource other than disk
// space for now: PostgreSQL's class 53 (out of memory, too many connections, a configured
// limit), SQLite's SQLITE_NOMEM. A full disk is IsFull, not this.
func IsOutOfResources(err error) bool {
	if code, ok := sqliteCode(err); ok {
		return code == sqliteNoMem
	}
	if code, ok := pgCode(err); ok {
		return strings.HasPrefix(code, pgResourcesClass) && code != pgDiskFull
	}
	return false
}

// IsConstraint reports whether err is a constraint violation: SQLite's SQLITE_CONSTRAINT family
// (unique, primary key, foreign key, check, not null) or PostgreSQL's class 23.
func IsConstraint(err error) bool {
	if code, ok := sqliteCode(err); ok {
		return code == sqliteConstraint
	}
	if code, ok := pgCode(err); ok {
		return strings.HasPrefix(code, pgIntegrityViolation)
	}
	return false
}

// sqliteCode is the primary result code of a SQLite error in err's chain.
func sqliteCode(err error) (int, bool) {
	var lite *sqlite.Error
	if !errors.As(err, &lite) {
		return 0, false
	}
	return lite.Code() & 0xff, true
}

// pgCode is the SQLSTATE of a PostgreSQL error in err's chain.
func pgCode(err error) (string, bool) {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) {
		return "", false
	}
	return pg.Code, true
}
