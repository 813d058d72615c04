package store

import (
	"context"
	"errors"
	"fmt"
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
