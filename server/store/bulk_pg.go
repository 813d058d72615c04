package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// bulkMaintenanceMem is the memory each index build of a bulk load may sort in: building an
// index over ten million rows in memory instead of in temporary files.
const bulkMaintenanceMem = "512MB"

// bulkPostgres loads the chunks with COPY on one connection of the pool, in one transaction:
// the secondary indexes and foreign keys of the bulk tables are dropped at its start and made
// again at its end (PostgreSQL's DDL is transactional, so a failed load restores them), then the
// tables are vacuumed and analysed.
func (s *db) bulkPostgres(ctx context.Context, f *feed, sum *BulkSummary) error {
	conn, err := s.writer.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return errors.New("the connection is not pgx's")
		}
		pc := sc.Conn()
		if err := loadPostgres(ctx, pc, f, sum); err != nil {
			return err
		}
		start := time.Now()
		// Outside the transaction, as VACUUM must be: it sets the hint bits and visibility maps
		// that the first reads would otherwise set (and index-only scans need), and gathers the
		// statistics the planner chooses indexes with. Without it autovacuum would do the same
		// work during the first minutes of service.
		if _, err := pc.Exec(ctx, `SET maintenance_work_mem = '`+bulkMaintenanceMem+`'`); err != nil {
			return err
		}
		defer func() { _, _ = pc.Exec(context.Background(), `RESET maintenance_work_mem`) }()
		if _, err := pc.Exec(ctx, `VACUUM (ANALYZE) `+strings.Join(bulkTableNames(), ", ")); err != nil {
			return fmt.Errorf("vacuum: %w", err)
		}
		sum.Finish += time.Since(start)
		return nil
	})
}

func loadPostgres(ctx context.Context, pc *pgx.Conn, f *feed, sum *BulkSummary) error {
	tx, err := pc.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	if _, err := tx.Exec(ctx, `SET LOCAL maintenance_work_mem = '`+bulkMaintenanceMem+`'`); err != nil {
		return err
	}
	restore, err := dropPostgresIndexes(ctx, tx)
	if err != nil {
		return err
	}
	start := time.Now()
	tables := bulkTables()
	for {
		c, err := f.next()
		if err != nil {
			return err
		}
		if c == nil {
			break
		}
		for _, t := range tables {
			n := t.count(c)
			if n == 0 {
				continue
			}
			copied, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.columns, &chunkRows{t: t, c: c, n: n})
			if err != nil {
				return fmt.Errorf("copy into %s: %w", t.name, err)
			}
			sum.Rows[t.name] += copied
		}
	}
	sum.Load = time.Since(start)
	start = time.Now()
	for _, stmt := range restore {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("restore an index or constraint: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	sum.Finish = time.Since(start)
	return nil
}

// dropPostgresIndexes drops the foreign keys of the bulk tables and their indexes other than
// those of primary keys and unique constraints, and returns the statements that make them
// again: indexes first, then the constraints (each checked over the whole table once, instead
// of a probe and a row lock per row written).
func dropPostgresIndexes(ctx context.Context, tx pgx.Tx) ([]string, error) {
	tables := bulkTableNames()
	var drop, restore []string
	rows, err := tx.Query(ctx, `SELECT x.indexrelid::regclass::text, pg_get_indexdef(x.indexrelid)
		FROM pg_index x
		WHERE x.indrelid = ANY($1::text[]::regclass[])
		AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid
			AND c.contype IN ('p', 'u', 'x'))
		ORDER BY 1`, tables)
	if err != nil {
		return nil, fmt.Errorf("read indexes: %w", err)
	}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read indexes: %w", err)
		}
		drop, restore = append(drop, `DROP INDEX `+name), append(restore, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read indexes: %w", err)
	}
	var fks []string
	rows, err = tx.Query(ctx, `SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid)
		FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY($1::text[]::regclass[]) ORDER BY 1, 2`, tables)
	if err != nil {
		return nil, fmt.Errorf("read foreign keys: %w", err)
	}
	for rows.Next() {
		var table, name, def string
		if err := rows.Scan(&table, &name, &def); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read foreign keys: %w", err)
		}
		// Foreign keys are dropped before the indexes and made again after them, so that
		// checking one can use the indexes.
		drop = append([]string{`ALTER TABLE ` + table + ` DROP CONSTRAINT ` + name}, drop...)
		fks = append(fks, `ALTER TABLE `+table+` ADD CONSTRAINT `+name+` `+def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read foreign keys: %w", err)
	}
	for _, stmt := range drop {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return nil, fmt.Errorf("drop an index or constraint: %w", err)
		}
	}
	return append(restore, fks...), nil
}

// chunkRows feeds one table's rows of a chunk to CopyFrom.
type chunkRows struct {
	t    bulkTable
	c    *BulkChunk
	i, n int
	vals []any
	err  error
}

func (r *chunkRows) Next() bool {
	if r.i >= r.n || r.err != nil {
		return false
	}
	r.vals, r.err = r.t.row(r.c, r.i)
	r.i++
	return r.err == nil
}

func (r *chunkRows) Values() ([]any, error) { return r.vals, r.err }
func (r *chunkRows) Err() error             { return r.err }
