package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"
)

// bulkSQLiteCacheKiB is the page cache of the writer connection during a bulk load (1 GiB):
// the primary-key indexes, which take rows in no particular order, stay in memory instead of
// being spilled to the WAL and written again.
const bulkSQLiteCacheKiB = 1 << 20

// bulkSQLite loads the chunks on the writer connection, in one transaction. The connection's
// settings for the load (no fsync, foreign keys off, a large cache) are its own; it is closed at
// the end, so the pool opens the next one with the store's settings.
func (s *db) bulkSQLite(ctx context.Context, f *feed, sum *BulkSummary) (err error) {
	conn, err := s.writer.Conn(ctx)
	if err != nil {
		return err
	}
	defer func() {
		// Discard the connection: its pragmas were for the load only.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		_ = conn.Close()
	}()
	// synchronous=OFF is safe here: the load is one transaction into an empty store, and a
	// crash during it leaves a store to delete and load again. Foreign keys are checked once at
	// the end with foreign_key_check, instead of a probe per row (and, with the child tables'
	// indexes dropped, a scan per parent row).
	for _, p := range []string{`PRAGMA synchronous=OFF`, `PRAGMA foreign_keys=OFF`,
		fmt.Sprintf(`PRAGMA cache_size=-%d`, bulkSQLiteCacheKiB)} {
		if _, err := conn.ExecContext(ctx, p); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	indexes, err := dropSQLiteIndexes(ctx, tx)
	if err != nil {
		return err
	}
	start := time.Now()
	tables := bulkTables()
	stmts := make([]*sql.Stmt, len(tables))
	for i, t := range tables {
		marks := make([]string, len(t.columns))
		for j := range marks {
			marks[j] = fmt.Sprintf("?%d", j+1)
		}
		stmts[i], err = tx.PrepareContext(ctx, `INSERT INTO `+t.name+` (`+strings.Join(t.columns, ", ")+`) VALUES (`+
			strings.Join(marks, ", ")+`)`)
		if err != nil {
			return fmt.Errorf("prepare %s: %w", t.name, err)
		}
		defer stmts[i].Close()
	}
	for {
		c, err := f.next()
		if err != nil {
			return err
		}
		if c == nil {
			break
		}
		for ti, t := range tables {
			for i := range t.count(c) {
				args, err := t.row(c, i)
				if err != nil {
					return fmt.Errorf("%s: %w", t.name, err)
				}
				if _, err := stmts[ti].ExecContext(ctx, args...); err != nil {
					return fmt.Errorf("insert into %s: %w", t.name, err)
				}
			}
			sum.Rows[t.name] += int64(t.count(c))
		}
	}
	sum.Load = time.Since(start)
	start = time.Now()
	for _, def := range indexes {
		if _, err := tx.ExecContext(ctx, def); err != nil {
			return fmt.Errorf("create index again: %w", err)
		}
	}
	if err := foreignKeyCheck(ctx, tx); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `ANALYZE`); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	// The WAL holds the whole load; copy it into the database now rather than at the first
	// requests' commits.
	if _, err := conn.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	sum.Finish = time.Since(start)
	return nil
}

// dropSQLiteIndexes drops the secondary indexes of the bulk tables and returns their CREATE
// statements. Indexes SQLite made for a PRIMARY KEY or UNIQUE constraint have no SQL and stay.
func dropSQLiteIndexes(ctx context.Context, tx *sql.Tx) ([]string, error) {
	names := bulkTableNames()
	marks := make([]string, len(names))
	args := make([]any, len(names))
	for i, n := range names {
		marks[i], args[i] = fmt.Sprintf("?%d", i+1), n
	}
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
		AND tbl_name IN (`+strings.Join(marks, ", ")+`) ORDER BY name`, args...)
	if err != nil {
		return nil, fmt.Errorf("read indexes: %w", err)
	}
	var drop, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read indexes: %w", err)
		}
		drop, defs = append(drop, name), append(defs, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read indexes: %w", err)
	}
	for _, name := range drop {
		if _, err := tx.ExecContext(ctx, `DROP INDEX "`+strings.ReplaceAll(name, `"`, `""`)+`"`); err != nil {
			return nil, fmt.Errorf("drop index: %w", err)
		}
	}
	return defs, nil
}

// foreignKeyCheck fails when a row of a bulk table refers to a row that does not exist.
func foreignKeyCheck(ctx context.Context, tx *sql.Tx) error {
	for _, t := range bulkTableNames() {
		rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check(`+t+`)`)
		if err != nil {
			return fmt.Errorf("foreign key check of %s: %w", t, err)
		}
		bad := rows.Next()
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("foreign key check of %s: %w", t, err)
		}
		if bad {
			return errors.New("foreign key check of " + t + ": a row refers to a record that does not exist")
		}
	}
	return nil
}
