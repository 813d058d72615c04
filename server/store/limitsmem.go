package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// The embedded store keeps the identification limiter's tables in a SQLite database of their own,
// in memory, with its own connection. Every identification writes there, and lookups are most of
// a server's requests: in the database file each would wait for the single writer behind the
// operations' transactions and commit with an fsync (about a millisecond each on this project's
// machine); even in a file of its own without fsync, the pages each commit writes cost a typed
// identification about 0.3 ms. In memory it costs only the statements. The embedded store belongs
// to one process (its file lock), so this memory is the whole truth; a restart of the server
// forgets recent counts, as it did when they lived in the server's memory, and as a crash of
// PostgreSQL forgets its unlogged tables.
//
// The database lives as long as its one connection: the pool keeps it open (no idle or lifetime
// limit), and should the connection ever be replaced, the tables are created again on the first
// call that misses them (limitTablesMissing).
func openLimitsMemory(ctx context.Context) (*sql.DB, error) {
	pool, err := sql.Open("sqlite", "file:limits?mode=memory&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: open limits database: %w", err)
	}
	pool.SetMaxOpenConns(1)
	pool.SetMaxIdleConns(1)
	if err := createLimitTables(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

// createLimitTables creates the limiter's tables in the embedded store's memory database.
func createLimitTables(ctx context.Context, pool *sql.DB) error {
	ddl := strings.ReplaceAll(limitsDDL, "CREATE {{unlogged}} TABLE", "CREATE TABLE IF NOT EXISTS")
	if err := execDDL(ctx, pool, dialect{kind: kindSQLite}, ddl); err != nil {
		return fmt.Errorf("store: create limits tables: %w", err)
	}
	return nil
}

// limitTablesMissing reports an error of a memory database that lost its tables with its
// connection.
func limitTablesMissing(err error) bool {
	return err != nil && strings.Contains(err.Error(), "no such table: limit_")
}

// limitsPool is where the limiter's tables are: the limiter's file, or the PostgreSQL database.
func (s *db) limitsPool() *sql.DB {
	if s.limitsDB != nil {
		return s.limitsDB
	}
	return s.writer
}

// loadIdentifyKey reads the key of the ID numbers' hashes after the migrations.
func (s *db) loadIdentifyKey(ctx context.Context) error {
	return s.runTx(ctx, s.writer, s.txOpts, func(c *conn) error {
		v, ok, err := c.Meta(identifyKeyMeta)
		if err == nil && !ok {
			err = errors.New("missing")
		}
		if err == nil {
			s.identifyKey, err = hex.DecodeString(v)
		}
		if err != nil {
			return fmt.Errorf("store: identification limits key: %w", err)
		}
		return nil
	})
}
