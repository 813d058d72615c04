package store

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// Backend kinds, as Store.Kind reports them.
const (
	kindSQLite   = "sqlite"
	kindPostgres = "postgres"
)

// dialect holds the few places where the SQL of the two backends differs. Everything else is
// written once, in PostgreSQL's spelling, which SQLite also accepts.
type dialect struct {
	kind string
}

// rebind turns the $1..$n placeholders the queries are written with into SQLite's ?1..?n, which
// bind by index exactly as $n does in PostgreSQL. The queries contain no string literal with a
// dollar sign, so a plain scan is enough.
func (d dialect) rebind(query string) string {
	if d.kind != kindSQLite || !strings.Contains(query, "$") {
		return query
	}
	b := []byte(query)
	for i := 0; i+1 < len(b); i++ {
		if b[i] == '$' && b[i+1] >= '0' && b[i+1] <= '9' {
			b[i] = '?'
		}
	}
	return string(b)
}

// forUpdate is the row-locking suffix of a locking read. SQLite has no row locks and needs none:
// a read-write transaction there holds the database's single write lock from BEGIN IMMEDIATE.
func (d dialect) forUpdate() string {
	if d.kind == kindPostgres {
		return " FOR UPDATE"
	}
	return ""
}

// ddl fills in the column types that are spelled differently, and {{unlogged}}: PostgreSQL's
// tables that write no WAL (SQLite has no such thing; its tables are all alike).
func (d dialect) ddl(stmt string) string {
	if d.kind == kindPostgres {
		return strings.NewReplacer("{{id}}", "BIGSERIAL PRIMARY KEY", "{{blob}}", "BYTEA",
			"{{unlogged}}", "UNLOGGED").Replace(stmt)
	}
	return strings.NewReplacer("{{id}}", "INTEGER PRIMARY KEY AUTOINCREMENT", "{{blob}}", "BLOB",
		"{{unlogged}} ", "").Replace(stmt)
}

// PostgreSQL error codes that mean "the same transaction may well succeed if run again".
const (
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
)

// SQLite primary result codes for a database another connection holds locked.
const (
	sqliteBusy   = 5
	sqliteLocked = 6
)

// retryable reports whether err is a concurrency conflict the database detected, after which
// running the whole transaction again is correct.
func retryable(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == pgSerializationFailure || pg.Code == pgDeadlockDetected
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		code := lite.Code() & 0xff // extended codes keep the primary code in the low byte
		return code == sqliteBusy || code == sqliteLocked
	}
	return false
}
