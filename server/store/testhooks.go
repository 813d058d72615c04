package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// TestingExec runs one statement on the connections that write, to put a store in a state no
// API produces (a page limit reached, a read-only database) for the tests of the packages that
// serve it. Production code never calls it; the name says so at every call.
//
// On SQLite it runs on the single writer connection, where per-connection pragmas such as
// max_page_count and query_only then hold for every later write. On PostgreSQL it runs on the
// pool, whose idle connections are then closed, so that the sessions opened after it start
// with database-level settings it changed (ALTER DATABASE ... SET ...).
func TestingExec(ctx context.Context, s Store, stmt string) error {
	d, ok := s.(*db)
	if !ok {
		return errors.New("store: TestingExec needs a store from Open")
	}
	if _, err := d.writer.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("store: testing exec: %w", err)
	}
	if d.d.kind == kindPostgres {
		d.writer.SetMaxIdleConns(0) // closes the idle sessions
		d.writer.SetMaxIdleConns(pgMaxConns)
	}
	return nil
}

// TestingIdentifyRows counts the identification limiter's rows (kiosks, counts per kiosk and ID
// number, counts per ID number) and returns every stored value as text, for tests that check
// what it keeps: how much, and that no ID number is in it. Production code never calls it.
func TestingIdentifyRows(ctx context.Context, s Store) (kiosks, pairs, ids int, dump string, err error) {
	d, ok := s.(*db)
	if !ok {
		return 0, 0, 0, "", errors.New("store: TestingIdentifyRows needs a store from Open")
	}
	if d.memLimits != nil {
		kiosks, pairs, ids, dump = d.memLimits.dump()
		return kiosks, pairs, ids, dump, nil
	}
	var b strings.Builder
	for _, t := range []struct {
		table string
		n     *int
	}{{"limit_kiosks", &kiosks}, {"limit_kiosk_ids", &pairs}, {"limit_ids", &ids}} {
		rows, err := d.writer.QueryContext(ctx, "SELECT * FROM "+t.table)
		if err != nil {
			return 0, 0, 0, "", fmt.Errorf("store: testing rows: %w", err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return 0, 0, 0, "", err
			}
			for _, v := range vals {
				if raw, ok := v.([]byte); ok {
					v = string(raw)
				}
				fmt.Fprintf(&b, "%v|", v)
			}
			b.WriteString("\n")
			*t.n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, 0, 0, "", err
		}
	}
	return kiosks, pairs, ids, b.String(), nil
}
