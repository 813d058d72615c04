package store

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// sqliteStats is which of the statistics tables exist, and how many rows sqlite_stat1 holds.
func sqliteStats(t *testing.T, s Store) (stat1 int, stat4 bool) {
	t.Helper()
	w := s.(*db).writer
	var n int
	if err := w.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat4'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	stat4 = n > 0
	if err := w.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'`).Scan(&n); err != nil || n == 0 {
		return 0, stat4
	}
	if err := w.QueryRow(`SELECT count(*) FROM sqlite_stat1`).Scan(&stat1); err != nil {
		t.Fatal(err)
	}
	return stat1, stat4
}

// The embedded store keeps each index's average rows per key (sqlite_stat1) and no samples of
// its keys (sqlite_stat4): while samples exist, SQLite compiles every statement that compares
// a parameter to an indexed column again at each execution. A bulk load gathers the averages
// only, and a store that holds samples (from an ANALYZE of an earlier version) loses them at
// its next open.
func TestSQLiteKeepsNoKeySamples(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := BulkLoad(ctx, s, sourceOf(bulkFixture(), nil)); err != nil {
		t.Fatal(err)
	}
	if stat1, stat4 := sqliteStats(t, s); stat1 == 0 || stat4 {
		t.Errorf("after a bulk load: %d averages, samples %v; want averages and no samples", stat1, stat4)
	}
	if _, err := s.(*db).writer.ExecContext(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	if _, stat4 := sqliteStats(t, s); !stat4 {
		t.Fatal("ANALYZE gathered no samples: this SQLite is built without STAT4, and the test shows nothing")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openT(t, path)
	if stat1, stat4 := sqliteStats(t, s); stat1 == 0 || stat4 {
		t.Errorf("reopened: %d averages, samples %v; want averages and no samples", stat1, stat4)
	}
}

// A LIMIT or OFFSET sent as a parameter makes SQLite compile its statement again at each
// execution, as samples do (see unreadRejections): the store writes them into the text.
func TestNoLimitSentAsAParameter(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`(?i)\b(LIMIT|OFFSET)\s+\$[0-9]`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if param.MatchString(line) {
				t.Errorf("%s:%d: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}
