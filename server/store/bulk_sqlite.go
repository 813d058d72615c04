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

// dropSQLiteSamples removes the samples of index keys that ANALYZE gathers beside each index's
// average rows per key (sqlite_stat1), since SQLite is built here with ENABLE_STAT4. While
// samples exist, every statement that compares a parameter to an indexed column is compiled
// again each time its parameters change, that is at every execution: in a lookup on a
// bulk-loaded province that was 40% of its time. The store's statements find rows by key,
// where the averages alone choose the same indexes (bulk_explain_test.go holds the plans), so
// the samples are dropped after each ANALYZE and at every open. Dropping a table changes the
// schema, which makes every other connection load the statistics again.
const dropSQLiteSamples = `DROP TABLE IF EXISTS sqlite_stat4`

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
	// temp_store=MEMORY keeps each statement's journal (a multi-row INSERT may fail half-way)
	// and the index builds' sorting in memory instead of temporary files.
	for _, p := range []string{`PRAGMA synchronous=OFF`, `PRAGMA foreign_keys=OFF`, `PRAGMA temp_store=MEMORY`,
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
	ins := make([]*bulkInsert, len(tables))
	for i, t := range tables {
		if ins[i], err = prepareBulkInsert(ctx, tx, t); err != nil {
			return err
		}
		defer ins[i].close()
	}
	for {
		c, err := f.next()
		if err != nil {
			return err
		}
		if c == nil {
			break
		}
		for i, t := range tables {
			if err := ins[i].write(ctx, c); err != nil {
				return err
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
	if _, err := tx.ExecContext(ctx, dropSQLiteSamples); err != nil {
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

// bulkRowsPerInsert is how many rows one INSERT of a bulk load writes: a statement's cost in
// database/sql and the driver is paid once for them all (well under SQLite's 32,766 variables).
// Its placeholders are plain ?s: the driver looks each numbered one up by name, in a list as
// long as the statement's, which made the cost grow with the square of the rows.
const bulkRowsPerInsert = 64

// bulkInsert writes one table's rows with two prepared statements: one of bulkRowsPerInsert
// rows, and one of a single row for the rest of a chunk.
type bulkInsert struct {
	t         bulkTable
	many, one *sql.Stmt
	args      []any
}

func prepareBulkInsert(ctx context.Context, tx *sql.Tx, t bulkTable) (*bulkInsert, error) {
	values := func(rows int) string {
		var b strings.Builder
		for r := range rows {
			if r > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for c := range t.columns {
				if c > 0 {
					b.WriteString(", ")
				}
				b.WriteByte('?')
			}
			b.WriteByte(')')
		}
		return `INSERT INTO ` + t.name + ` (` + strings.Join(t.columns, ", ") + `) VALUES ` + b.String()
	}
	ins := &bulkInsert{t: t}
	var err error
	if ins.many, err = tx.PrepareContext(ctx, values(bulkRowsPerInsert)); err != nil {
		return nil, fmt.Errorf("prepare %s: %w", t.name, err)
	}
	if ins.one, err = tx.PrepareContext(ctx, values(1)); err != nil {
		ins.many.Close()
		return nil, fmt.Errorf("prepare %s: %w", t.name, err)
	}
	return ins, nil
}

// write inserts the table's rows of a chunk.
func (b *bulkInsert) write(ctx context.Context, c *BulkChunk) error {
	n := b.t.count(c)
	for i := 0; i < n; {
		rows, st := bulkRowsPerInsert, b.many
		if n-i < bulkRowsPerInsert {
			rows, st = 1, b.one
		}
		b.args = b.args[:0]
		for r := range rows {
			vals, err := b.t.row(c, i+r)
			if err != nil {
				return fmt.Errorf("%s: %w", b.t.name, err)
			}
			b.args = append(b.args, vals...)
		}
		if _, err := st.ExecContext(ctx, b.args...); err != nil {
			return fmt.Errorf("insert into %s: %w", b.t.name, err)
		}
		i += rows
	}
	return nil
}

func (b *bulkInsert) close() {
	b.many.Close()
	b.one.Close()
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
