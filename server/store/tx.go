package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Retry policy for transactions that hit a concurrency conflict. Conflicts are rare (row locks
// order the usual contenders), so a few attempts with a short, jittered pause are plenty; the
// jitter keeps two retried transactions from colliding again in lockstep.
const (
	txAttempts  = 6
	txBaseDelay = 2 * time.Millisecond
)

// Tx runs fn in a read-write transaction, running it again when the database reports a
// serialization failure, a deadlock or a busy database.
func (s *db) Tx(ctx context.Context, fn func(Tx) error) error {
	return s.retry(ctx, func() error {
		return s.runTx(ctx, s.writer, s.txOpts, func(c *conn) error { return fn(c) })
	})
}

// Read runs fn in a read-only transaction with one snapshot: REPEATABLE READ on PostgreSQL, a
// WAL read transaction on SQLite (which keeps the snapshot of its first read).
func (s *db) Read(ctx context.Context, fn func(Reader) error) error {
	return s.retry(ctx, func() error {
		return s.runTx(ctx, s.reader, s.readOpts, func(c *conn) error { return fn(c) })
	})
}

func (s *db) retry(ctx context.Context, attempt func() error) error {
	for i := 1; ; i++ {
		err := attempt()
		if err == nil || i == txAttempts || !retryable(err) {
			return err
		}
		delay := txBaseDelay << i
		delay = delay/2 + rand.N(delay)
		select {
		case <-ctx.Done():
			return fmt.Errorf("store: retry after conflict: %w", errors.Join(ctx.Err(), err))
		case <-time.After(delay):
		}
	}
}

// runTx runs one attempt. The transaction is rolled back when fn fails or panics.
func (s *db) runTx(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(*conn) error) error {
	var sc *sql.Conn
	if s.d.kind == kindPostgres {
		// A connection held by name, so that reads sent ahead together (prefetch) can reach
		// pgx beneath database/sql on the transaction's own session.
		var err error
		if sc, err = pool.Conn(ctx); err != nil {
			return fmt.Errorf("store: begin transaction: %w", err)
		}
		defer sc.Close()
	}
	var tx *sql.Tx
	var err error
	if sc != nil {
		tx, err = sc.BeginTx(ctx, opts)
	} else {
		tx, err = pool.BeginTx(ctx, opts)
	}
	if err != nil {
		return fmt.Errorf("store: begin transaction: %w", err)
	}
	// After a commit this does nothing (sql.ErrTxDone); otherwise the error that got us here is
	// the one to report.
	defer func() { _ = tx.Rollback() }()
	c := &conn{ctx: ctx, tx: tx, session: sc, readOnly: opts.ReadOnly, d: s.d, stmts: s.stmtsFor(pool), trace: s.trace,
		seqDB: s.nosyncDB}
	if err := fn(c); err != nil {
		if c.flushErr != nil {
			// The statement that failed may only have found the transaction aborted by a
			// queued write; that write's error says why, and whether a retry may help.
			return errors.Join(c.flushErr, err)
		}
		return err
	}
	if err := c.Flush(); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// conn is one transaction, seen as a Reader or a Tx. The interfaces take no context, so the
// transaction's context travels here.
type conn struct {
	ctx   context.Context
	tx    *sql.Tx
	d     dialect
	stmts *stmtCache
	// session is the connection tx runs on (PostgreSQL only); ahead holds the answers of
	// reads sent ahead on it (prefetch), by the call they answer.
	session  *sql.Conn
	ahead    map[string]any
	readOnly bool
	// sealed: the snapshot was read and released (ReadPerson); only the answers kept in ahead
	// remain, and anything else fails with errSnapshotReleased.
	sealed bool
	// queued are writes waiting to be sent (later.go), and flushErr the failure of the last
	// sending, which the transaction ends with.
	queued   []queuedWrite
	flushErr error
	trace    func(query string) // see db.trace
	seqDB    *sql.DB            // PostgreSQL: where decision numbers are drawn (NextDecisionSeq)
}

// traced tells the trace hook, if any, of a statement about to be sent.
func (c *conn) traced(query string) {
	if c.trace != nil {
		c.trace(c.d.rebind(query))
	}
}

// traced tells the trace hook, if any, of a statement sent outside a transaction (written for
// the store's own dialect already).
func (s *db) traced(query string) {
	if s.trace != nil {
		s.trace(query)
	}
}

// ready sends the queued writes before a statement that needs an answer, and forgets the
// answers read ahead in a read-write transaction: from here on the database may hold newer ones.
func (c *conn) ready() error {
	if c.sealed {
		return errSnapshotReleased
	}
	if !c.readOnly {
		c.ahead = nil
	}
	return c.Flush()
}

func (c *conn) exec(query string, args ...any) (sql.Result, error) {
	if len(c.queued) > 0 && c.flushErr == nil {
		// Sent after the queued writes, with them: one round trip for all.
		return c.send(&queuedWrite{query: query, args: args})
	}
	if err := c.ready(); err != nil {
		return nil, err
	}
	c.traced(query)
	if st := c.stmt(query); st != nil {
		return st.ExecContext(c.ctx, args...)
	}
	return c.tx.ExecContext(c.ctx, c.d.rebind(query), args...)
}

func (c *conn) queryRow(query string, args ...any) scanner {
	if c.sealed {
		return errScanner{errSnapshotReleased}
	}
	// A failed flush is kept in flushErr: the query then fails on the aborted transaction,
	// and the transaction ends with the flush's error.
	_ = c.ready()
	c.traced(query)
	if st := c.stmt(query); st != nil {
		return st.QueryRowContext(c.ctx, args...)
	}
	return c.tx.QueryRowContext(c.ctx, c.d.rebind(query), args...)
}

// stmt returns the query as a statement of this transaction, prepared once per connection and
// reused after, or nil when it cannot be cached (the query is then prepared for this call only).
// Parsing SQL was a fifth of the embedded store's CPU time before statements were reused.
func (c *conn) stmt(query string) *sql.Stmt {
	if c.stmts == nil {
		return nil
	}
	st := c.stmts.get(c.d.rebind(query))
	if st == nil {
		return nil
	}
	return c.tx.StmtContext(c.ctx, st)
}

// execOne runs a statement that must change exactly one row, and reports ErrNotFound when it
// changed none.
func (c *conn) execOne(what, query string, args ...any) error {
	res, err := c.exec(query, args...)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("store: %s: %w", what, ErrNotFound)
	}
	return nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// errScanner is a row that could not be read.
type errScanner struct{ err error }

func (e errScanner) Scan(...any) error { return e.err }

// getOne reads one record; what names the table for the error, never the key.
func getOne[T any](c *conn, what string, scan func(scanner) (T, error), query string, args ...any) (T, error) {
	v, err := scan(c.queryRow(query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("store: %s: %w", what, ErrNotFound)
	}
	if err != nil {
		return v, fmt.Errorf("store: %s: %w", what, err)
	}
	return v, nil
}

// list reads records; the result is empty, never nil, when nothing matches.
func list[T any](c *conn, what string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	c.traced(query)
	var rows *sql.Rows
	var err error
	if st := c.stmt(query); st != nil {
		rows, err = st.QueryContext(c.ctx, args...)
	} else {
		rows, err = c.tx.QueryContext(c.ctx, c.d.rebind(query), args...)
	}
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	return collect(rows, what, scan)
}

// rowSource is a *sql.Rows or a pgx.Rows (reads sent ahead).
type rowSource interface {
	scanner
	Next() bool
	Err() error
}

// collect scans every row; the result is empty, never nil, when there are none.
func collect[T any](rows rowSource, what string, scan func(scanner) (T, error)) ([]T, error) {
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return out, nil
}

// Times are stored as milliseconds since the Unix epoch, UTC; the zero time is 0. Sub-millisecond
// precision is dropped on the way in.
func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// blob makes a nil slice an empty one: the columns are NOT NULL and a nil []byte binds as NULL.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
