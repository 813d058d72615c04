package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hallkiosk/kiosk/model"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	// The SQLite database/sql driver, registered as "sqlite".
	_ "modernc.org/sqlite"
)

// Connection settings. SQLite has one writer connection by design (below); PostgreSQL's pool is
// sized for a server handling a few hundred kiosks, well under the server's default of 100
// connections even with several server processes.
const (
	sqliteReaders     = 4
	sqliteBusyTimeout = 10 * time.Second
	// sqliteCacheKiB is each connection's page cache, as SQLite's cache_size takes it (negative:
	// KiB): 64 MiB, so that the inner pages of a province's indexes stay in the process rather
	// than being read again from the operating system's cache on every lookup (SQLite's default
	// is 2 MiB). Five connections: at most 320 MiB.
	sqliteCacheKiB = -64 * 1024
	// sqliteFallbackCheckpoint is the WAL's size in pages (4 KiB) at which a commit checkpoints
	// by itself, should the checkpointer fall behind: 40 MiB.
	sqliteFallbackCheckpoint = 10000
	// sqliteCheckpointEvery is how often the checkpointer copies the WAL into the database.
	sqliteCheckpointEvery = time.Second
	pgMaxConns            = 16
	pgNosyncConns         = 8
)

// errInUse is returned by Open when another process (or another Open in this one) holds the
// embedded database.
var errInUse = errors.New("store: database file is in use by another kiosk serve process")

// db is the Store over either backend.
type db struct {
	d      dialect
	writer *sql.DB // read-write transactions
	reader *sql.DB // Read; the same pool as writer on PostgreSQL
	// txOpts and readOpts are the options of read-write and read-only transactions.
	txOpts, readOpts *sql.TxOptions
	path             string        // SQLite: the database file
	lock             *os.File      // SQLite: the flock held on <file>.lock
	nonces           *nonceLog     // SQLite: the nonces, in memory and in a log of their own
	checkpoints      *checkpointer // SQLite: copies the WAL into the database off the writer's time
	// PostgreSQL: connections that do not wait for the WAL to reach disk at commit, for claiming
	// nonces (rememberNoncePG), drawing decision numbers (NextDecisionSeq) and the
	// identification limiter's calls, whose tables are unlogged: a commit there has nothing
	// worth an fsync to wait for.
	nosyncDB *sql.DB
	stmtMu   sync.Mutex
	// Prepared statements per pool, the writer's and the reader's (SQLite only: see stmtsFor).
	writerStmts, readerStmts *stmtCache
	// The identification limiter's operations (PostgreSQL), the key of its ID numbers' hashes,
	// and (SQLite) its state in this process's memory (limitsgo.go).
	limits      limitProcs
	identifyKey []byte
	memLimits   *memLimits
	// trace, when set (by tests only), is told the SQL of every statement the store's
	// transactions and single statements send, as sent.
	trace func(query string)
}

// stmtsFor returns the statement cache of a pool, creating it on first use.
// PostgreSQL has none: pgx prepares each query on the connection that first runs it and keeps
// it there (its statement cache), so a query costs one round trip from its second run on. A
// statement prepared through database/sql as well would be prepared again on every connection
// a transaction happens to get, each time one more round trip.
func (s *db) stmtsFor(pool *sql.DB) *stmtCache {
	if s.d.kind == kindPostgres {
		return nil
	}
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	switch {
	case pool == s.writer:
		if s.writerStmts == nil {
			s.writerStmts = newStmtCache(pool)
		}
		return s.writerStmts
	case pool == s.reader:
		if s.readerStmts == nil {
			s.readerStmts = newStmtCache(pool)
		}
		return s.readerStmts
	}
	return nil
}

// Open opens the store named by dsn and brings its schema up to date. A dsn starting with
// postgres:// or postgresql:// is a PostgreSQL connection string; anything else is the path of
// a SQLite file, optionally prefixed "sqlite:", created with its directory if missing. The
// SQLite store belongs to one process: a second Open of the same file fails until the first is
// closed.
func Open(ctx context.Context, dsn string) (Store, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn)
	}
	return openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"))
}

func openPostgres(ctx context.Context, dsn string) (Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's parse error can quote the DSN, password included; say only what failed.
		return nil, errors.New("store: postgres: the DSN cannot be parsed")
	}
	// Generic plans: every query is prepared once per connection and looks up by key, so the
	// plan is the same whatever the values, and planning it again at each run (PostgreSQL's
	// custom plans) cost more than running it: the subqueries of a lookup's reads took half a
	// millisecond to plan and a tenth to run.
	cfg.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	pool := stdlib.OpenDB(*cfg)
	pool.SetMaxOpenConns(pgMaxConns)
	pool.SetMaxIdleConns(pgMaxConns)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	s := &db{
		d:      dialect{kind: kindPostgres},
		writer: pool,
		reader: pool,
		// READ COMMITTED with explicit row locks (the Lock methods) and unique constraints:
		// every statement sees the latest committed rows, so a transaction that waited for a
		// lock reads what its predecessor wrote.
		txOpts: &sql.TxOptions{Isolation: sql.LevelReadCommitted},
		// One snapshot for the whole read.
		readOpts: &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
		limits:   newLimitProcs(),
	}
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: connect to postgres: %w", err)
	}
	err = s.migrate(ctx)
	if err == nil {
		err = s.loadIdentifyKey(ctx)
	}
	if err != nil {
		pool.Close()
		return nil, err
	}
	// A nonce claimed, or a limiter's call, is one statement on a connection whose commits do
	// not wait for fsync; setting that per transaction would take three more round trips.
	nonceCfg := cfg.Copy()
	nonceCfg.RuntimeParams["synchronous_commit"] = "off"
	s.nosyncDB = stdlib.OpenDB(*nonceCfg)
	s.nosyncDB.SetMaxOpenConns(pgNosyncConns)
	s.nosyncDB.SetMaxIdleConns(pgNosyncConns)
	s.nosyncDB.SetConnMaxIdleTime(5 * time.Minute)
	return s, nil
}

func openSQLite(ctx context.Context, path string) (_ Store, err error) {
	if path == "" {
		return nil, errors.New("store: empty database path")
	}
	if strings.ContainsRune(path, '?') {
		// The driver would read the rest as connection parameters.
		return nil, errors.New("store: database path must not contain '?'")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("store: create database directory: %w", err)
	}
	s := &db{
		d:        dialect{kind: kindSQLite},
		path:     path,
		txOpts:   &sql.TxOptions{},
		readOpts: &sql.TxOptions{ReadOnly: true},
		limits:   newLimitProcs(),
	}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if s.lock, err = lockFile(path + ".lock"); err != nil {
		return nil, err
	}
	if s.writer, err = openSQLitePool(ctx, path, sqliteWriterParams(), 1); err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	if err := s.loadIdentifyKey(ctx); err != nil {
		return nil, err
	}
	// Readers open after the migration, when the file is already in WAL mode.
	if s.reader, err = openSQLitePool(ctx, path, sqliteReaderParams(), sqliteReaders); err != nil {
		return nil, err
	}
	// The nonce log is covered by the database's lock: the process that owns one owns both.
	if s.nonces, err = openNonceLog(nonceLogDir(path)); err != nil {
		return nil, err
	}
	s.memLimits = newMemLimits()
	if s.checkpoints, err = startCheckpointer(ctx, path, sqliteCheckpointEvery); err != nil {
		return nil, err
	}
	return s, nil
}

// sqliteWriterParams configure the one connection that writes. synchronous=FULL makes every
// commit durable on its own: in WAL mode, NORMAL may lose the last commits on power loss, and
// those carry points and money. _txlock=immediate takes the write lock at BEGIN, so a
// transaction never fails half-way when it first writes.
// wal_autocheckpoint is only the fallback of the checkpointer (checkpoint.go): the commit that
// takes the WAL past it copies the WAL into the database on the writer's time.
func sqliteWriterParams() string {
	return fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"+
		"&_pragma=foreign_keys(1)&_pragma=cache_size(%d)&_pragma=wal_autocheckpoint(%d)&_txlock=immediate",
		sqliteBusyTimeout.Milliseconds(), sqliteCacheKiB, sqliteFallbackCheckpoint)
}

// sqliteReaderParams configure the connections of Read; query_only guards against a write
// slipping through a Reader.
func sqliteReaderParams() string {
	return fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)&_pragma=query_only(1)&_pragma=cache_size(%d)",
		sqliteBusyTimeout.Milliseconds(), sqliteCacheKiB)
}

// openSQLitePool opens a pool of at most n connections. Connections never expire: each one
// repeats the pragmas when opened, and SQLite connections are cheap to keep.
func openSQLitePool(ctx context.Context, path, params string, n int) (*sql.DB, error) {
	pool, err := sql.Open("sqlite", path+"?"+params)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	return pool, nil
}

func (s *db) Kind() string { return s.d.kind }

func (s *db) Warm(ctx context.Context, rejections int) error {
	if s.d.kind != kindPostgres {
		return nil
	}
	// The tables a request reads, each touched once so that its catalogue entries are loaded;
	// LIMIT 0 reads no row.
	tables := append(bulkTableNames(), "kiosks", "ops", "nonces", "decision_seq", "limit_kiosks", "limit_ids",
		"limit_kiosk_ids")
	for _, p := range []struct {
		pool *sql.DB
		n    int
	}{{s.writer, pgMaxConns}, {s.nosyncDB, pgNosyncConns}} {
		// Held all at once, so that the pool opens n connections rather than reusing one.
		conns := make([]*sql.Conn, 0, p.n)
		var err error
		for range p.n {
			var c *sql.Conn
			if c, err = p.pool.Conn(ctx); err != nil {
				break
			}
			conns = append(conns, c)
			for _, t := range tables {
				if _, err = c.ExecContext(ctx, `SELECT 1 FROM `+t+` LIMIT 0`); err != nil {
					break
				}
			}
			if err == nil && p.pool == s.reader {
				if _, err = s.snapshotOn(ctx, c, WarmID, rejections, nil); err == nil {
					err = s.warmLookupAttempt(ctx, c)
				}
			}
			if err == nil && p.pool == s.nosyncDB {
				err = s.warmNosync(ctx, c)
			}
			if err != nil {
				break
			}
		}
		for _, c := range conns {
			c.Close() // back to the pool, which keeps them idle
		}
		if err != nil {
			return fmt.Errorf("store: warm connections: %w", err)
		}
	}
	return nil
}

// WarmID is the ID number warming reads and calls ask about: it has the form of one, with a
// check character that is wrong, so no record has it.
const WarmID model.IDNumber = "000000000000000000"

// warmLookupAttempt has a connection of the reading pool prepare and plan the statements a
// lookup's batch ends with, with the nonce's claim and without, and run them once (which
// compiles the limiter's function there), in a transaction it rolls back. No kiosk has the id
// "warm", so the claim finds no record and claims nothing.
func (s *db) warmLookupAttempt(ctx context.Context, c *sql.Conn) error {
	return rolledBack(ctx, c, func(tx *sql.Tx) error {
		now := time.Now()
		a := IdentifyAttempt{KioskID: "warm", Limits: warmLimits(), Now: now}
		if _, err := scanAttempted(tx.QueryRowContext(ctx, s.limits.lookupSQL, s.lookupAttemptArgs(WarmID, a)...)); err != nil {
			return err
		}
		a.Claim = &NonceClaim{Kiosk: Kiosk{ID: "warm"}, Nonce: "warm", Until: now}
		err := tx.QueryRowContext(ctx, s.limits.claimedSQL, s.lookupAttemptArgs(WarmID, a)...).Scan()
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("warming a lookup's claim: %v, want no row", err)
		}
		return nil
	})
}

// warmLimits are the limits warming calls the limiter's functions with.
func warmLimits() IdentifyLimits {
	return IdentifyLimits{PerMinute: 1, FreeFailures: 1, MaxDelay: time.Second, FailuresPerHour: 1,
		ForgetAfter: time.Minute, SlowEvery: time.Second}
}

// warmNosync has a connection of the no-fsync pool run what requests send it, in a transaction
// it rolls back: a nonce's claims and the limiter's admission (an owner check's), whose PL/pgSQL
// function each backend compiles at its first call. A lookup's decision goes with its reads, on
// the reading pool (warmLookupAttempt).
func (s *db) warmNosync(ctx context.Context, c *sql.Conn) error {
	return rolledBack(ctx, c, func(tx *sql.Tx) error {
		now := time.Now()
		var expires int64
		if err := tx.QueryRowContext(ctx, nonceClaim, "warm", "warm", millis(now), millis(now)).Scan(&expires); err != nil {
			return err
		}
		// No kiosk has the id "warm": the claim reads no record and claims nothing.
		var fresh bool
		err := tx.QueryRowContext(ctx, nonceClaimForKiosk, "warm", "warm", millis(now), millis(now), []byte{}).Scan(&fresh)
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("warming a kiosk's nonce claim: %v, want no row", err)
		}
		var rate float64
		var slow, pair, global int64
		var pending bool
		return tx.QueryRowContext(ctx, s.limits.admit.call, s.limitArgs(warmLimits(), "warm", WarmID, true, now)...).
			Scan(&rate, &slow, &pair, &global, &pending)
	})
}

// rolledBack runs fn in a transaction on c and rolls it back: warming sends what requests send
// and keeps nothing.
func rolledBack(ctx context.Context, c *sql.Conn, fn func(*sql.Tx) error) error {
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	return fn(tx)
}

func (s *db) Analyze(ctx context.Context) error {
	if s.d.kind != kindPostgres {
		return nil
	}
	err := s.retry(ctx, func() error {
		_, err := s.writer.ExecContext(ctx, `ANALYZE `+strings.Join(bulkTableNames(), ", "))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: analyze: %w", err)
	}
	return nil
}

// Close closes the connections and, for SQLite, releases the file to the next process.
func (s *db) Close() error {
	for _, c := range []*stmtCache{s.writerStmts, s.readerStmts} {
		if c != nil {
			c.close()
		}
	}
	var errs []error
	errs = append(errs, s.checkpoints.stop())
	s.checkpoints = nil
	errs = append(errs, s.nonces.close())
	s.nonces = nil
	if s.reader != nil && s.reader != s.writer {
		errs = append(errs, s.reader.Close())
	}
	if s.nosyncDB != nil {
		errs = append(errs, s.nosyncDB.Close())
	}
	if s.writer != nil {
		errs = append(errs, s.writer.Close())
	}
	if s.lock != nil {
		// Closing the descriptor releases the flock. The file stays: deleting it would let a
		// process that opened the old file lock it while another locks a new one.
		errs = append(errs, s.lock.Close())
	}
	s.reader, s.writer, s.lock, s.nosyncDB = nil, nil, nil, nil
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}
