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
	s.maybePruneNonces(ctx, now)
	return fresh, nil
}

// maybePruneNonces deletes the expired nonces about once in noncePruneEvery calls. Best effort:
// a failed prune only leaves expired rows, which a claim takes over.
func (s *db) maybePruneNonces(ctx context.Context, now time.Time) {
	if rand.N(noncePruneEvery) == 0 {
		_, _ = s.writer.ExecContext(ctx, `DELETE FROM nonces WHERE expires < $1`, millis(now))
	}
}

// A nonce is claimed on PostgreSQL with one upsert: it inserts a new nonce ($1, $2, expiring at
// $3), or takes over one whose expiry has passed at $4, and returns a row only then. A
// concurrent claim of the same nonce waits for the first and then finds it unexpired, so exactly
// one caller sees it fresh. The statement runs on its own, on connections with
// synchronous_commit off (nosyncDB): a nonce lost in a crash of the database reopens a replay
// window that the request timestamp check bounds anyway, and the request waits neither for
// fsync nor for a transaction's extra round trips.
const (
	nonceTakeOver = `ON CONFLICT (kiosk_id, nonce) DO UPDATE SET expires = EXCLUDED.expires
		WHERE nonces.expires < $4`
	nonceClaim = `INSERT INTO nonces (kiosk_id, nonce, expires) VALUES ($1, $2, $3) ` + nonceTakeOver + `
		RETURNING expires`
)

func (s *db) ClaimNonce(ctx context.Context, k Kiosk, nonce string, now, until time.Time) (Kiosk, bool, error) {
	if s.nonces != nil {
		fresh, err := s.RememberNonce(ctx, k.ID, nonce, now, until)
		return k, fresh, err
	}
	var cur Kiosk
	var fresh bool
	err := s.retry(ctx, func() error {
		var err error
		cur, fresh, err = s.claimNoncePG(ctx, k, nonce, until, now)
		return err
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Kiosk{}, false, fmt.Errorf("store: claim nonce: kiosk: %w", ErrNotFound)
	case err != nil:
		return Kiosk{}, false, fmt.Errorf("store: claim nonce: %w", err)
	}
	s.maybePruneNonces(ctx, now)
	return cur, fresh, nil
}

// nonceClaimForKiosk reads a kiosk's record and, if it still holds the secret the request was
// checked with ($5) and is not revoked at $4, claims the nonce as nonceClaim does. It answers
// the record (no row: no such kiosk) and whether the nonce was claimed.
const nonceClaimForKiosk = `WITH k AS (SELECT ` + kioskColumns + ` FROM kiosks WHERE id = $1),
	claimed AS (INSERT INTO nonces (kiosk_id, nonce, expires)
		SELECT $1, $2, $3 FROM k WHERE k.secret = $5 AND (k.revoked_at = 0 OR k.revoked_at > $4)
		` + nonceTakeOver + `
		RETURNING 1)
	SELECT k.*, EXISTS (SELECT 1 FROM claimed) FROM k`

func (s *db) claimNoncePG(ctx context.Context, k Kiosk, nonce string, until, now time.Time) (Kiosk, bool, error) {
	s.traced(nonceClaimForKiosk)
	var fresh bool
	cur, err := scanKiosk(tailScanner{s.nosyncDB.QueryRowContext(ctx, nonceClaimForKiosk, k.ID, nonce, millis(until),
		millis(now), blob(k.Secret)), []any{&fresh}})
	return cur, fresh, err
}

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
