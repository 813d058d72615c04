package pgtest

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Run(m)) }

func openDB(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	db, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(ctx) })
	return db
}

func TestNewDatabaseIsUsable(t *testing.T) {
	dsn := New(t)
	db := openDB(t, dsn)
	ctx := context.Background()
	if _, err := db.Exec(ctx, `CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO t VALUES ($1, $2)`, 1, "重庆"); err != nil {
		t.Fatal(err)
	}
	var name, fsync string
	if err := db.QueryRow(ctx, `SELECT name FROM t WHERE id = 1`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	if name != "重庆" {
		t.Errorf("read back %q", name)
	}
	// The tests exercise durability-sensitive code; the cluster must not cheat on fsync.
	if err := db.QueryRow(ctx, `SHOW fsync`).Scan(&fsync); err != nil {
		t.Fatal(err)
	}
	if fsync != "on" {
		t.Errorf("fsync = %s, want on", fsync)
	}
}

func TestDatabasesAreSeparateAndDropped(t *testing.T) {
	var first string
	t.Run("inner", func(t *testing.T) {
		first = New(t)
		second := New(t)
		if first == second {
			t.Fatalf("two calls returned the same database")
		}
		if _, err := openDB(t, first).Exec(context.Background(), `CREATE TABLE only_here (x INT)`); err != nil {
			t.Fatal(err)
		}
		var n int
		err := openDB(t, second).QueryRow(context.Background(),
			`SELECT count(*) FROM information_schema.tables WHERE table_name = 'only_here'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("a table made in one test database is visible in another")
		}
	})
	if t.Skipped() || first == "" {
		return
	}
	name := first[strings.LastIndex(first, "/")+1:]
	name, _, _ = strings.Cut(name, "?")
	var n int
	err := openDB(t, os.Getenv(EnvDSN)).QueryRow(context.Background(), `SELECT count(*) FROM pg_database WHERE datname = $1`, name).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("database %s still exists after its test ended", name)
	}
}

func TestDatabaseName(t *testing.T) {
	a := databaseName("TestX/sub case: 中文 and a very long name that goes on and on and on")
	b := databaseName("TestX/sub case: 中文 and a very long name that goes on and on and on")
	if a == b {
		t.Errorf("names are not unique: %s", a)
	}
	if len(a) > 63 {
		t.Errorf("name %s is longer than PostgreSQL's 63-byte limit", a)
	}
	for _, r := range a {
		if !(r == '_' || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9')) {
			t.Fatalf("name %s has character %q", a, r)
		}
	}
}

func TestWithDatabase(t *testing.T) {
	got, err := withDatabase("postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "t_x")
	if err != nil || got != "postgres://postgres@127.0.0.1:5432/t_x?sslmode=disable" {
		t.Errorf("URL form: %q, %v", got, err)
	}
	got, _ = withDatabase("host=/tmp port=5432 user=postgres dbname=postgres", "t_x")
	if !strings.HasSuffix(got, " dbname=t_x") {
		t.Errorf("keyword form: %q", got)
	}
}
