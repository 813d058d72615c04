package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// Expired nonces are deleted about once in this many calls: often enough to keep the table
// small, rarely enough to cost nothing per request.
const noncePruneEvery = 1000

// RememberNonce records a kiosk's request nonce until the given time and reports whether it was
// fresh at now.
func (s *db) RememberNonce(ctx context.Context, kioskID, nonce string, now, until time.Time) (bool, error) {
	if s.nonces != nil {
		fresh, err := s.nonces.remember(ctx, kioskID, nonce, until, now)
		if err != nil {
			return false, fmt.Errorf("store: remember nonce: %w", err)
		}
		return fresh, nil
	}
	var fresh bool
	err := s.retry(ctx, func() error {
		var err error
		fresh, err = s.rememberNoncePG(ctx, kioskID, nonce, until, now)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: remember nonce: %w", err)
	}
	if rand.N(noncePruneEvery) == 0 {
		// Best effort: a failed prune only leaves expired rows, which the upsert overwrites.
		_, _ = s.writer.ExecContext(ctx, `DELETE FROM nonces WHERE expires < $1`, millis(now))
	}
	return fresh, nil
}

// rememberNoncePG claims the nonce with one upsert: it inserts a new nonce, or takes over one
// whose expiry has passed, and returns a row only then. A concurrent claim of the same nonce
// waits for the first and then finds it unexpired, so exactly one caller sees it fresh.
// synchronous_commit is off for this transaction only: a nonce lost in a crash reopens a replay
// window that the request timestamp check bounds anyway, and the request waits for no fsync.
func (s *db) rememberNoncePG(ctx context.Context, kioskID, nonce string, until, now time.Time) (bool, error) {
	var fresh bool
	err := s.runTx(ctx, s.writer, s.txOpts, func(c *conn) error {
		if _, err := c.exec(`SET LOCAL synchronous_commit TO OFF`); err != nil {
			return err
		}
		var expires int64
		err := c.queryRow(`INSERT INTO nonces (kiosk_id, nonce, expires) VALUES ($1, $2, $3)
			ON CONFLICT (kiosk_id, nonce) DO UPDATE SET expires = EXCLUDED.expires
			WHERE nonces.expires < $4
			RETURNING expires`, kioskID, nonce, millis(until), millis(now)).Scan(&expires)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			fresh = false
		case err != nil:
			return err
		default:
			fresh = true
		}
		return nil
	})
	return fresh, err
}

// nonceCache holds the nonces of the embedded store. One process owns the SQLite file (the
// flock), so the map in memory is the whole truth while it runs. Every fresh nonce is also
// written to a small SQLite file of its own beside the database, read back at the next start, so
// that a request captured before a restart cannot be replayed after it. Writing happens behind
// the requests: a flusher commits the nonces of the last nonceFlushEvery in one transaction
// (WAL, synchronous=NORMAL: it survives the process dying, and waits for no fsync), and Close
// writes the rest. A request therefore waits for no disk and never takes the database's single
// writer connection from the operations; what a crash may lose is the last nonceFlushEvery of
// nonces, as PostgreSQL may lose its last nonces (written without synchronous commit there), and
// the request timestamp check still bounds those replays.
type nonceCache struct {
	mu      sync.Mutex
	expires map[string]time.Time
	calls   int
	file    *sql.DB // nil: memory only
	pending []nonceRow
	stop    chan struct{}
	done    chan struct{}
}

type nonceRow struct {
	kiosk, nonce string
	expires      int64
}

// nonceFlushEvery is how often the nonces are written to their file; maxPendingNonces bounds
// what waits for a file that cannot be written (a full disk).
const (
	nonceFlushEvery  = 20 * time.Millisecond
	maxPendingNonces = 100_000
)

// nonceFileParams configure the nonces' own file (see nonceCache).
func nonceFileParams() string {
	return fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)",
		sqliteBusyTimeout.Milliseconds())
}

// openNonceCache opens (creating) the nonces' file, loads its nonces (expired ones are pruned on
// the callers' clock, as they go) and starts the flusher.
func openNonceCache(ctx context.Context, path string) (*nonceCache, error) {
	file, err := openSQLitePool(ctx, path, nonceFileParams(), 1)
	if err != nil {
		return nil, err
	}
	n := &nonceCache{expires: make(map[string]time.Time), file: file, stop: make(chan struct{}), done: make(chan struct{})}
	load := func() error {
		if _, err := file.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS nonces (
			kiosk_id TEXT NOT NULL, nonce TEXT NOT NULL, expires BIGINT NOT NULL,
			PRIMARY KEY (kiosk_id, nonce))`); err != nil {
			return err
		}
		rows, err := file.QueryContext(ctx, `SELECT kiosk_id, nonce, expires FROM nonces`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var kiosk, nonce string
			var exp int64
			if err := rows.Scan(&kiosk, &nonce, &exp); err != nil {
				return err
			}
			n.expires[kiosk+"\x00"+nonce] = fromMillis(exp)
		}
		return rows.Err()
	}
	if err := load(); err != nil {
		file.Close()
		return nil, fmt.Errorf("store: nonces: %w", err)
	}
	go n.flusher()
	return n, nil
}

func (n *nonceCache) flusher() {
	defer close(n.done)
	t := time.NewTicker(nonceFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-n.stop:
			n.flush()
			return
		case <-t.C:
			n.flush()
		}
	}
}

// flush writes the pending nonces in one transaction. A failure (a full disk) keeps them pending
// for the next try: while this process runs, memory alone refuses their replay.
func (n *nonceCache) flush() {
	n.mu.Lock()
	rows, prune := n.pending, n.calls%noncePruneEvery == 0
	n.pending = nil
	n.mu.Unlock()
	if len(rows) == 0 {
		return
	}
	err := func() error {
		tx, err := n.file.Begin()
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback() }()
		for _, r := range rows {
			if _, err := tx.Exec(`INSERT INTO nonces (kiosk_id, nonce, expires) VALUES (?, ?, ?)
				ON CONFLICT (kiosk_id, nonce) DO UPDATE SET expires = excluded.expires`, r.kiosk, r.nonce, r.expires); err != nil {
				return err
			}
		}
		if prune {
			// Rows expired an hour ago by the newest nonce's clock are of no more use.
			if _, err := tx.Exec(`DELETE FROM nonces WHERE expires < ?`, rows[len(rows)-1].expires-time.Hour.Milliseconds()); err != nil {
				return err
			}
		}
		return tx.Commit()
	}()
	if err != nil {
		n.mu.Lock()
		n.pending = append(rows, n.pending...)
		if over := len(n.pending) - maxPendingNonces; over > 0 {
			n.pending = n.pending[over:] // the oldest are nearest their expiry
		}
		n.mu.Unlock()
	}
}

func (n *nonceCache) close() error {
	if n == nil || n.file == nil {
		return nil
	}
	close(n.stop)
	<-n.done
	return n.file.Close()
}

// remember claims a nonce: fresh when never seen, or seen only with an expiry before now.
func (n *nonceCache) remember(_ context.Context, kioskID, nonce string, until, now time.Time) (bool, error) {
	key := kioskID + "\x00" + nonce
	n.mu.Lock()
	defer n.mu.Unlock()
	n.calls++
	if n.calls%noncePruneEvery == 0 {
		for k, exp := range n.expires {
			if exp.Before(now) {
				delete(n.expires, k)
			}
		}
	}
	if exp, seen := n.expires[key]; seen && !exp.Before(now) {
		return false, nil
	}
	n.expires[key] = until
	if n.file != nil {
		n.pending = append(n.pending, nonceRow{kioskID, nonce, millis(until)})
	}
	return true, nil
}
