// Package pgtest gives tests a throwaway PostgreSQL. Run, called from TestMain, starts a private
// cluster from Debian's binaries (unless KIOSK_TEST_PG_DSN already names a server) and stops it
// when the tests end; New creates a fresh, empty database on it for one test.
//
// The DSN travels in the environment, not in package state, so every test binary that calls Run
// gets its own cluster and an outer harness can point all of them at one server instead.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
)

// EnvDSN names the environment variable holding the DSN of a PostgreSQL server that tests may
// create databases on (as a superuser or a role with CREATEDB).
const EnvDSN = "KIOSK_TEST_PG_DSN"

// envSetupError carries why Run could not start a cluster, so that New can say so instead of
// claiming the binaries are missing.
const envSetupError = "KIOSK_TEST_PG_SETUP_ERROR"

const installHint = "install PostgreSQL (Debian: apt-get install -y postgresql) or set " + EnvDSN

// Run runs the tests of a package with a PostgreSQL server available when possible, and returns
// the exit code for os.Exit. Use it as: func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }.
func Run(m *testing.M) int {
	if os.Getenv(EnvDSN) != "" {
		return m.Run()
	}
	bin, ok := findBinaries()
	if !ok {
		return m.Run()
	}
	c, err := startCluster(bin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: cannot start a PostgreSQL test cluster: %v\n", err)
		os.Setenv(envSetupError, err.Error())
		return m.Run()
	}
	defer c.stop()
	os.Setenv(EnvDSN, c.dsn)
	fmt.Fprintf(os.Stderr, "pgtest: PostgreSQL (%s) on 127.0.0.1:%d, data in %s\n", bin, c.port, c.dir)
	return m.Run()
}

// New creates an empty database for this test and returns its DSN. The database is dropped
// when the test ends, with any connections still open to it. Without a server, New skips the
// test, or fails it when CI=true: CI must not pass by skipping the PostgreSQL half.
func New(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvDSN)
	if admin == "" {
		unavailable(t)
	}
	name := databaseName(t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := adminExec(ctx, admin, "CREATE DATABASE "+quoteIdent(name)); err != nil {
		t.Fatalf("pgtest: create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// FORCE ends sessions a test left open; the database goes either way.
		if err := adminExec(ctx, admin, "DROP DATABASE IF EXISTS "+quoteIdent(name)+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop test database: %v", err)
		}
	})
	dsn, err := withDatabase(admin, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return dsn
}

func unavailable(t testing.TB) {
	t.Helper()
	reason := "PostgreSQL binaries not found"
	if e := os.Getenv(envSetupError); e != "" {
		reason = "PostgreSQL test cluster did not start: " + e
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true requires PostgreSQL tests to run): %s", reason, installHint)
	}
	t.Skip(reason)
}

// adminExec runs one statement on the server's administrative database.
func adminExec(ctx context.Context, dsn, stmt string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, stmt)
	return err
}

// databaseName derives a valid, unique database name from a test name: readable in the server's
// log, and under PostgreSQL's 63-byte identifier limit.
func databaseName(testName string) string {
	var b strings.Builder
	b.WriteString("t_")
	for _, r := range strings.ToLower(testName) {
		if b.Len() >= 40 {
			break
		}
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	var suffix [6]byte
	_, _ = rand.Read(suffix[:]) // crypto/rand.Read never fails on supported platforms
	b.WriteByte('_')
	b.WriteString(hex.EncodeToString(suffix[:]))
	return b.String()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// withDatabase returns the admin DSN pointed at another database. It accepts both DSN forms
// pgx reads: a URL, or keyword=value pairs (where a later keyword overrides an earlier one).
func withDatabase(admin, name string) (string, error) {
	if strings.HasPrefix(admin, "postgres://") || strings.HasPrefix(admin, "postgresql://") {
		u, err := url.Parse(admin)
		if err != nil {
			return "", fmt.Errorf("parse %s: %w", EnvDSN, err)
		}
		u.Path = "/" + name
		u.RawPath = ""
		return u.String(), nil
	}
	return admin + " dbname=" + name, nil
}
