package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Expired nonces are deleted about once in this many calls: often enough to keep the table
// small, rarely enough to cost nothing per request.
const noncePruneEvery = 1000

// RememberNonce records a kiosk's request nonce until the given time and reports whether it was
// fresh at now.
func (s *db) RememberNonce(ctx context.Context, kioskID, nonce string, now, until time.Time) (bool, error) {
	if s.nonces != nil {
		fresh, err := s.nonces.remember(kioskID, nonce, now, until)
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
// waits for the first and then finds it unexpired, so exactly one caller sees it fresh. The
// statement runs on its own, on connections with synchronous_commit off (nosyncDB): a nonce lost
// in a crash of the database reopens a replay window that the request timestamp check bounds
// anyway, and the request waits neither for fsync nor for a transaction's extra round trips.
// nonceClaim inserts a nonce or takes over an expired one, returning a row only then.
const nonceClaim = `INSERT INTO nonces (kiosk_id, nonce, expires) VALUES ($1, $2, $3)
		ON CONFLICT (kiosk_id, nonce) DO UPDATE SET expires = EXCLUDED.expires
		WHERE nonces.expires < $4
		RETURNING expires`

func (s *db) rememberNoncePG(ctx context.Context, kioskID, nonce string, until, now time.Time) (bool, error) {
	var expires int64
	s.traced(nonceClaim)
	err := s.nosyncDB.QueryRowContext(ctx, nonceClaim, kioskID, nonce, millis(until), millis(now)).Scan(&expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}
