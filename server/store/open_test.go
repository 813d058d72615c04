package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hallkiosk/kiosk/internal/pgtest"
)

// schemaVersions lists the versions recorded in schema_migrations.
func schemaVersions(t *testing.T, s Store) []int {
	t.Helper()
	d := s.(*db)
	rows, err := d.writer.QueryContext(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func latestVersions() []int {
	var out []int
	for _, m := range migrations() {
		out = append(out, m.version)
	}
	return out
}

// TestReopen closes and reopens each backend: the data survives and migrations run once.
func TestReopen(t *testing.T) {
	dsns := map[string]string{
		"sqlite":   "sqlite:" + filepath.Join(t.TempDir(), "nested", "dir", "kiosk.db"),
		"postgres": "",
	}
	for kind, dsn := range dsns {
		t.Run(kind, func(t *testing.T) {
			if dsn == "" {
				dsn = pgtest.New(t)
			}
			for round := range 3 {
				s, err := Open(t.Context(), dsn)
				if err != nil {
					t.Fatalf("open %d: %v", round, err)
				}
				if s.Kind() != kind {
					t.Errorf("Kind() = %q, want %q", s.Kind(), kind)
				}
				same(t, "schema versions", schemaVersions(t, s), latestVersions())
				if round == 0 {
					mustTx(t, s, writeOneOfEverything)
				}
				mustRead(t, s, func(r Reader) error {
					_, err := r.Op("op-1")
					return err
				})
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestSQLiteBelongsToOneProcess opens one SQLite file twice: the second Open fails with an error
// that says why, until the first store is closed.
func TestSQLiteBelongsToOneProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.db")
	first, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	second, err := Open(t.Context(), "sqlite:"+path)
	if err == nil {
		second.Close()
		t.Fatal("a second Open of the same SQLite file succeeded")
	}
	if !errors.Is(err, errInUse) || !strings.Contains(err.Error(), "in use by another kiosk serve process") {
		t.Errorf("second Open: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	third, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open after the first store closed: %v", err)
	}
	third.Close()
}

func TestOpenRefusesBadPaths(t *testing.T) {
	for _, dsn := range []string{"", "sqlite:", filepath.Join(t.TempDir(), "a?mode=ro")} {
		if s, err := Open(context.Background(), dsn); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", dsn)
		}
	}
	// A directory in the way of the file's directory.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := Open(context.Background(), filepath.Join(file, "kiosk.db")); err == nil {
		s.Close()
		t.Errorf("Open under a file succeeded")
	}
}

func TestSQLitePragmas(t *testing.T) {
	s := openSQLiteT(t)
	w := s.(*db).writer
	for pragma, want := range map[string]string{
		"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "busy_timeout": "10000",
	} {
		var got string
		if err := w.QueryRowContext(t.Context(), "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
	// Read's connections refuse writes.
	err := s.Read(t.Context(), func(r Reader) error {
		return r.(Tx).PutMeta("k", "v")
	})
	if err == nil {
		t.Errorf("a write through Read succeeded")
	}
}

func TestRebind(t *testing.T) {
	q := `SELECT a FROM t WHERE b = $1 AND c = $12 OR d = '$'`
	if got := (dialect{kind: kindPostgres}).rebind(q); got != q {
		t.Errorf("postgres: %s", got)
	}
	want := `SELECT a FROM t WHERE b = ?1 AND c = ?12 OR d = '$'`
	if got := (dialect{kind: kindSQLite}).rebind(q); got != want {
		t.Errorf("sqlite: %s", got)
	}
}

// Warm leaves the pools' connections open and idle, so that a server's first requests find
// them: on PostgreSQL as many backends as the two pools hold, each of the reading pool's having
// read a lookup's snapshot.
func TestWarmOpensThePools(t *testing.T) {
	s := openT(t, pgtest.New(t))
	ran := 0
	s.(*db).trace = func(query string) {
		if query == beginSnapshot {
			ran++
		}
	}
	if err := s.Warm(context.Background(), 5); err != nil {
		t.Fatal(err)
	}
	s.(*db).trace = nil
	if ran != pgMaxConns {
		t.Errorf("a lookup's snapshot was read on %d connections, want the reading pool's %d", ran, pgMaxConns)
	}
	d := s.(*db)
	var n int
	if err := d.writer.QueryRow(`SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND backend_type = 'client backend'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if want := pgMaxConns + pgNosyncConns; n < want {
		t.Errorf("%d backends after Warm, want the pools' %d", n, want)
	}
	// What the pools ran to warm up (a nonce's claim, the limiter's admission, a lookup's
	// decision) was rolled back.
	if err := d.writer.QueryRow(`SELECT (SELECT count(*) FROM nonces) + (SELECT count(*) FROM limit_kiosks)`).Scan(&n); err != nil || n != 0 {
		t.Errorf("Warm left %d nonces and limiter rows (%v), want none", n, err)
	}
	if err := openSQLiteT(t).Warm(context.Background(), 5); err != nil {
		t.Errorf("the embedded store has nothing to warm, yet: %v", err)
	}
}
