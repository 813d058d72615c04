package store

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Writes sent later.
//
// Most writes of an operation need no answer from the database but "done": a decision
// inserted, a violation's new status, a points entry, the kiosk's progress. On PostgreSQL each
// would cost a round trip of its own; instead they wait in the transaction and go together, in
// one pgx batch, just before the next statement that needs an answer, at Flush, or at commit.
// Nothing reads in between (every read flushes first), so every read still sees the
// transaction's own writes, and the order of the statements is the order they were made. An
// error of a queued write fails the transaction as an immediate one would; it is reported by
// the call that sent it (Flush, a read, the commit) rather than by the call that queued it,
// which is why the server flushes after each operation: a failure is then charged to the
// operation that caused it.

// queuedWrite is one write waiting to be sent.
type queuedWrite struct {
	what  string // the operation, for the error
	one   bool   // it must change exactly one row (ErrNotFound otherwise)
	query string
	args  []any
}

// later runs a write whose answer nobody waits for: queued on PostgreSQL, at once elsewhere.
func (c *conn) later(what string, one bool, query string, args ...any) error {
	if c.session == nil {
		if one {
			return c.execOne(what, query, args...)
		}
		if _, err := c.exec(query, args...); err != nil {
			return fmt.Errorf("store: %s: %w", what, err)
		}
		return nil
	}
	c.queued = append(c.queued, queuedWrite{what: what, one: one, query: query, args: args})
	return nil
}

// Flush sends the queued writes and reports the first that failed. A failure is kept: the
// transaction can only roll back after it, and the commit reports it again.
func (c *conn) Flush() error {
	if c.flushErr != nil || len(c.queued) == 0 {
		return c.flushErr
	}
	_, err := c.send(nil)
	return err
}

// send sends the queued writes, and then last when it is not nil, in one round trip, and
// returns what last changed. An error of last itself is returned as the database gave it, for
// its caller to name.
func (c *conn) send(last *queuedWrite) (sql.Result, error) {
	q := c.queued
	c.queued = nil
	c.ahead = nil // answers read ahead may predate these writes
	if last != nil {
		q = append(q, *last)
	}
	var changed int64
	err := c.sendBatch(func(queue func(string, []any)) {
		for _, w := range q {
			queue(w.query, w.args)
		}
	}, func(res pgx.BatchResults) error {
		for i, w := range q {
			tag, err := res.Exec()
			if err == nil && w.one && tag.RowsAffected() != 1 {
				err = ErrNotFound
			}
			if err != nil {
				if last != nil && i == len(q)-1 {
					return err
				}
				return fmt.Errorf("store: %s: %w", w.what, err)
			}
			changed = tag.RowsAffected()
		}
		return nil
	})
	if err != nil && (last == nil || len(q) > 1) {
		// The queued writes are part of what failed: the transaction ends with this error.
		c.flushErr = err
	}
	if err != nil {
		return nil, err
	}
	return rowsChanged(changed), nil
}

// rowsChanged is the sql.Result of a statement sent in a batch.
type rowsChanged int64

func (n rowsChanged) RowsAffected() (int64, error) { return int64(n), nil }
func (rowsChanged) LastInsertId() (int64, error) {
	return 0, errors.New("store: no insert ID from PostgreSQL; use RETURNING")
}

// sendBatch sends the statements add queues as one pgx batch on the transaction's own
// connection, one round trip, and hands their results to read in order.
func (c *conn) sendBatch(add func(queue func(query string, args []any)), read func(pgx.BatchResults) error) error {
	return c.session.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return errors.New("store: batch: not a pgx connection")
		}
		b := &pgx.Batch{}
		add(func(query string, args []any) {
			c.traced(query)
			b.Queue(query, args...)
		})
		res := sc.Conn().SendBatch(c.ctx, b)
		if err := read(res); err != nil {
			res.Close()
			return err
		}
		if err := res.Close(); err != nil {
			return fmt.Errorf("store: batch: %w", err)
		}
		return nil
	})
}
