package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// A unique violation (at the statement) and a foreign-key violation (at the deferred commit)
// are constraint violations on both stores, and nothing else is.
func TestIsConstraint(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		mustTx(t, s, func(tx Tx) error { return tx.InsertKiosk(kiosk("K-001")) })
		dup := s.Tx(ctx, func(tx Tx) error { return tx.InsertKiosk(kiosk("K-001")) })
		if dup == nil || !IsConstraint(dup) {
			t.Errorf("a second kiosk with the same id: %v, want a constraint violation", dup)
		}
		orphan := s.Tx(ctx, func(tx Tx) error {
			ok, err := tx.InsertOp(OpRecord{OpID: "op-1", KioskID: "K-404", Epoch: 1, Seq: 1, Outcome: "applied"})
			if err == nil && !ok {
				err = errors.New("not inserted")
			}
			return err
		})
		if orphan == nil || !IsConstraint(orphan) {
			t.Errorf("an op of an unknown kiosk: %v, want a constraint violation", orphan)
		}
		for _, err := range []error{dup, orphan} {
			if IsFull(err) || IsReadOnly(err) || IsOutOfResources(err) {
				t.Errorf("%v classified as a storage failure", err)
			}
		}
		notFound := s.Read(ctx, func(r Reader) error { _, err := r.Kiosk("K-404"); return err })
		if IsConstraint(notFound) || IsConstraint(errors.New("UNIQUE constraint failed")) || IsConstraint(nil) {
			t.Error("only the databases' own constraint errors are constraint violations")
		}
	})
}

// SQLite's page limit reached: writes fail with SQLITE_FULL, which IsFull recognises, and
// CheckWritable says full as soon as the room left is under the headroom, before a write fails.
func TestFullSQLite(t *testing.T) {
	s := openSQLiteT(t)
	ctx := context.Background()
	if err := s.CheckWritable(ctx, time.Now()); err != nil {
		t.Fatalf("a fresh store: %v", err)
	}
	if err := TestingExec(ctx, s, "PRAGMA max_page_count = 1"); err != nil { // clamps to the pages in use
		t.Fatal(err)
	}
	if err := s.CheckWritable(ctx, time.Now()); !IsFull(err) || !errors.Is(err, ErrFull) {
		t.Errorf("at the page limit, CheckWritable: %v", err)
	}
	var err error
	for i := 0; err == nil && i < 1000; i++ {
		err = s.Tx(ctx, func(tx Tx) error {
			return tx.PutMeta(fmt.Sprintf("filler-%d", i), strings.Repeat("x", 2000))
		})
	}
	if !IsFull(err) || errors.Is(err, ErrFull) || IsReadOnly(err) || IsConstraint(err) {
		t.Fatalf("writing past the page limit: %v, want SQLITE_FULL", err)
	}
	if code, _ := sqliteCode(err); code != sqliteFull {
		t.Errorf("code %d", code)
	}
	if err := TestingExec(ctx, s, "PRAGMA max_page_count = 4294967294"); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckWritable(ctx, time.Now()); err != nil {
		t.Errorf("with the limit lifted: %v", err)
	}
}

// A read-only database: SQLite with query_only on its writer, PostgreSQL with the database set
// read-only (as a standby answers). Writes and CheckWritable fail with errors IsReadOnly
// recognises; reads go on.
func TestReadOnly(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		mustTx(t, s, func(tx Tx) error { return tx.InsertKiosk(kiosk("K-001")) })
		setReadOnly(t, s, true)
		err := s.Tx(ctx, func(tx Tx) error { return tx.TouchKiosk("K-001", time.Now()) })
		if !IsReadOnly(err) || IsFull(err) || IsConstraint(err) {
			t.Errorf("a write: %v, want read-only", err)
		}
		if err := s.CheckWritable(ctx, time.Now()); !IsReadOnly(err) {
			t.Errorf("CheckWritable: %v, want read-only", err)
		}
		mustRead(t, s, func(r Reader) error { _, err := r.Kiosk("K-001"); return err })
		setReadOnly(t, s, false)
		if err := s.CheckWritable(ctx, time.Now()); err != nil {
			t.Errorf("writable again: %v", err)
		}
	})
}

// setReadOnly makes the store's database read-only, or writable again.
func setReadOnly(t *testing.T, s Store, on bool) {
	t.Helper()
	stmt := map[bool]string{true: "PRAGMA query_only = 1", false: "PRAGMA query_only = 0"}[on]
	if s.Kind() == kindPostgres {
		// Explicitly read-write: turning it off again runs in a read-only session.
		stmt = fmt.Sprintf(`BEGIN READ WRITE; DO $$ BEGIN EXECUTE format('ALTER DATABASE %%I SET default_transaction_read_only = %v', current_database()); END $$; COMMIT`, on)
	}
	if err := TestingExec(context.Background(), s, stmt); err != nil {
		t.Fatal(err)
	}
}

// PostgreSQL's codes, as the server sends them (a full disk cannot be produced on demand here;
// see the server's tests for one raised by the database itself).
func TestClassifyPostgresCodes(t *testing.T) {
	for _, c := range []struct {
		code                            string
		full, readOnly, resources, cons bool
	}{
		{"53100", true, false, false, false}, // disk_full
		{"53200", false, false, true, false}, // out_of_memory
		{"53300", false, false, true, false}, // too_many_connections
		{"53000", false, false, true, false}, // insufficient_resources
		{"25006", false, true, false, false}, // read_only_sql_transaction
		{"23505", false, false, false, true}, // unique_violation
		{"23503", false, false, false, true}, // foreign_key_violation
		{"40001", false, false, false, false},
		{"42P01", false, false, false, false},
	} {
		err := fmt.Errorf("store: insert op: %w", &pgconn.PgError{Code: c.code})
		if IsFull(err) != c.full || IsReadOnly(err) != c.readOnly || IsOutOfResources(err) != c.resources || IsConstraint(err) != c.cons {
			t.Errorf("%s: full %v, read-only %v, resources %v, constraint %v", c.code, IsFull(err), IsReadOnly(err), IsOutOfResources(err), IsConstraint(err))
		}
	}
}

// A file the store writes itself meeting a full disk, a quota or a read-only mount is classified
// like the database saying so.
func TestClassifyFileErrors(t *testing.T) {
	wrap := func(errno syscall.Errno) error {
		return fmt.Errorf("store: nonce log: %w", &os.PathError{Op: "write", Path: "x", Err: errno})
	}
	if !IsFull(wrap(syscall.ENOSPC)) || !IsFull(wrap(syscall.EDQUOT)) {
		t.Error("ENOSPC and EDQUOT must read as a full store")
	}
	if !IsReadOnly(wrap(syscall.EROFS)) || IsFull(wrap(syscall.EROFS)) {
		t.Error("EROFS must read as a read-only store, and only that")
	}
	if IsFull(wrap(syscall.EIO)) || IsReadOnly(wrap(syscall.EIO)) {
		t.Error("EIO is neither")
	}
}
