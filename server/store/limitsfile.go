package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
)

// The embedded store keeps the identification limiter's tables in a SQLite file of their own
// beside the database (server.db-limits), with its own writer connection. Every identification
// writes there, and lookups are most of a server's requests: in the database itself each would
// wait for the single writer behind the operations' transactions, and commit with an fsync (about
// a millisecond each on this project's machine). The file is written without fsync
// (synchronous=OFF): the process being killed loses nothing, a power loss may lose the last
// counts or damage the file, and a damaged file is started afresh at open. Either way the loss is
// recent failures forgotten, as when the counts lived in the server's memory. The database's
// lock covers the file: the process that owns one owns both.
const limitsFileVersion = 1

// limitsFile names the limiter's file of a database file.
func limitsFile(dbPath string) string { return dbPath + "-limits" }

// openLimitsFile opens the limiter's file, creating it, or creating it again when it is damaged
// or was made by another version (it holds nothing that must outlive either).
func openLimitsFile(ctx context.Context, path string) (*sql.DB, error) {
	pool, err := openSQLitePool(ctx, path, sqliteLimitsParams(), 1)
	if err == nil {
		if err = checkLimitsFile(ctx, pool); err == nil {
			return pool, nil
		}
		pool.Close()
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if rmErr := os.Remove(p); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
			return nil, fmt.Errorf("store: limits file %s (it holds only recent identification failures): %w", path, rmErr)
		}
	}
	if pool, err = openSQLitePool(ctx, path, sqliteLimitsParams(), 1); err != nil {
		return nil, err
	}
	err = execDDL(ctx, pool, dialect{kind: kindSQLite}, limitsDDL)
	if err == nil {
		_, err = pool.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", limitsFileVersion))
	}
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: create limits file %s: %w", path, err)
	}
	return pool, nil
}

// checkLimitsFile reports an error unless the file is sound and of this version.
func checkLimitsFile(ctx context.Context, pool *sql.DB) error {
	var check string
	var version int
	if err := pool.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&check); err != nil {
		return err
	}
	if err := pool.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if check != "ok" || version != limitsFileVersion {
		return errors.New("damaged or of another version")
	}
	return nil
}

// sqliteLimitsParams configure the limiter file's one connection: WAL without fsync (above).
func sqliteLimitsParams() string {
	return fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)&_txlock=immediate",
		sqliteBusyTimeout.Milliseconds())
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
