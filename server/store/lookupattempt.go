package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hallkiosk/kiosk/model"
	"github.com/jackc/pgx/v5"
)

// A lookup's identification decided with its reads (ReadPerson with an attempt).
//
// A lookup changes no record: it reads, and the limiter then decides on the outcome (admitted
// or not; cleared or counted). On PostgreSQL that decision was a round trip and a transaction of
// its own after the reads. It now travels in the reads' batch, after their snapshot's COMMIT: the
// database finds the outcome itself, by the rule of Identifies, and calls the limiter's function
// with it. The statement commits on its own without waiting for fsync (the limiter's tables are
// unlogged; set_config makes the commit asynchronous, as on the pool for nonces). A read that
// fails ends the batch before it, so an identification the server could not read is never
// decided, as before.

// IdentifyAttempt is what ReadPerson needs to decide a lookup's identification: the kiosk, the
// limits, and the proof given (the licence's file number, or the card on the reader).
type IdentifyAttempt struct {
	KioskID string
	Limits  IdentifyLimits
	Card    bool
	File    model.FileNumber // "" with a card
	Now     time.Time
	// Claim, when set, is the request's nonce, claimed as ClaimNonce claims it (at Now, for
	// Claim.Kiosk, whose ID must be KioskID) before the limiter decides: the limiter decides
	// only if the claim succeeded. On PostgreSQL the claim is part of the decision's statement,
	// so that a lookup is one round trip; the reads it follows are then those of a request not
	// yet authenticated, and must be dropped unless Attempted.Claim says it was claimed.
	Claim *NonceClaim
}

// NonceClaim is a request's nonce to claim for a kiosk (ClaimNonce's arguments).
type NonceClaim struct {
	Kiosk Kiosk
	Nonce string
	Until time.Time
}

// Attempted is the decision: the admission (AttemptIdentify's), whether the kiosk's failure
// level has just reached its rate, and whether the person was identified as the decision saw
// the record.
type Attempted struct {
	Decided    bool // false when no attempt was given, or the claim did not succeed
	Admission  Admission
	BecameSlow bool
	Found      bool
	// Claim is the claim's outcome, when the attempt had one and the reads succeeded.
	Claim *Claimed
}

// Claimed is what a nonce's claim found, as ClaimNonce answers it: the kiosk's record now
// (Exists false: no such kiosk) and whether the nonce was claimed.
type Claimed struct {
	Exists bool
	Kiosk  Kiosk
	Fresh  bool
}

// Identifies is the rule by which a person's record identifies them: a licence, and its file
// number when they typed it. lookupFound says it again in SQL; TestReadPersonDecidesTheAttempt
// and TestLimiterAttemptEqualsAdmitThenOutcome hold the two to one answer.
func Identifies(d Driver, file model.FileNumber, card bool) bool {
	return d.Licence != nil && (card || d.Licence.FileNumber == file)
}

// lookupAttemptSQL decides a lookup's identification in one statement, calling the limiter's
// attempt function by its name: $1-$10 as the limiter's (limitArgs), $11 the ID number, $12 the
// file number typed ("" with a card).
func lookupAttemptSQL(attempt string) string {
	return `SELECT a.out_rate, a.out_slow, a.out_pair, a.out_id, a.out_became_slow, d.found
	FROM (` + lookupFound + `) AS d,
	LATERAL ` + attempt + `($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, d.found) AS a`
}

// lookupFound is Identifies in SQL, with set_config making the statement's commit asynchronous.
const lookupFound = `SELECT EXISTS (SELECT 1 FROM drivers WHERE id_number = $11 AND has_licence
		AND (NOT $4 OR file_number = $12)) AS found,
	set_config('synchronous_commit', 'off', true) AS async`

// claimedAttemptSQL is lookupAttemptSQL after the claim of the request's nonce, as
// nonceClaimForKiosk claims it ($13 the nonce, $14 its expiry, $15 the secret the request was
// checked with, at $3): it answers the kiosk's record (no row: no such kiosk), whether the nonce
// was claimed, and the decision, which the limiter's function makes only for a claimed nonce
// (its call is a lateral subquery gated on that: a replayed request takes no token).
func claimedAttemptSQL(attempt string) string {
	return `WITH k AS (SELECT ` + kioskColumns + ` FROM kiosks WHERE id = $1),
	claimed AS (INSERT INTO nonces (kiosk_id, nonce, expires)
		SELECT $1, $13, $14 FROM k WHERE k.secret = $15 AND (k.revoked_at = 0 OR k.revoked_at > $3)
		` + strings.ReplaceAll(nonceTakeOver, "$4", "$3") + `
		RETURNING 1)
	SELECT k.*, c.fresh, a.out_rate, a.out_slow, a.out_pair, a.out_id, a.out_became_slow, d.found
	FROM k CROSS JOIN (SELECT EXISTS (SELECT 1 FROM claimed) AS fresh) AS c
		CROSS JOIN (` + lookupFound + `) AS d
		LEFT JOIN LATERAL (SELECT * FROM ` + attempt + `($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, d.found)
			WHERE c.fresh) AS a ON TRUE`
}

// lookupAttemptArgs are lookupAttemptSQL's arguments, and claimedAttemptSQL's with a claim.
func (s *db) lookupAttemptArgs(id model.IDNumber, a IdentifyAttempt) []any {
	args := append(s.limitArgs(a.Limits, a.KioskID, id, !a.Card, a.Now), string(id), string(a.File))
	if a.Claim != nil {
		args = append(args, a.Claim.Nonce, millis(a.Claim.Until), blob(a.Claim.Kiosk.Secret))
	}
	return args
}

// lookupAttemptStmt is the statement a lookup's batch ends with, and what reads its answer into
// out.
func (s *db) lookupAttemptStmt(id model.IDNumber, a IdentifyAttempt, out *Attempted) *aheadStmt {
	if a.Claim == nil {
		return &aheadStmt{query: s.limits.lookupSQL, args: s.lookupAttemptArgs(id, a),
			read: func(r pgx.Row) (err error) {
				if *out, err = scanAttempted(r); err != nil {
					return fmt.Errorf("store: identification limits (lookup): %w", err)
				}
				return nil
			}}
	}
	return &aheadStmt{query: s.limits.claimedSQL, args: s.lookupAttemptArgs(id, a),
		read: func(r pgx.Row) error {
			var c Claimed
			var rate sql.NullFloat64
			var slow, pair, global sql.NullInt64
			var became sql.NullBool
			var found bool
			k, err := scanKiosk(tailScanner{r, []any{&c.Fresh, &rate, &slow, &pair, &global, &became, &found}})
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("store: claim nonce and identification limits (lookup): %w", err)
			}
			c.Exists, c.Kiosk = err == nil, k
			*out = Attempted{Claim: &c}
			if c.Fresh && rate.Valid { // the limiter decided
				*out = Attempted{Decided: true, Claim: &c, Found: found, BecameSlow: became.Bool,
					Admission: admission(rate.Float64, slow.Int64, pair.Int64, global.Int64)}
			}
			return nil
		}}
}

// tailScanner scans a row's first columns into what its caller asks and the rest into tail.
type tailScanner struct {
	row  scanner
	tail []any
}

func (t tailScanner) Scan(dest ...any) error { return t.row.Scan(append(dest, t.tail...)...) }

// admission is an Admission from the limiter's waits as its functions return them.
func admission(rate float64, slow, pair, global int64) Admission {
	return Admission{KioskRate: time.Duration(rate * float64(time.Millisecond)),
		KioskFailures: time.Duration(slow) * time.Millisecond, KioskID: time.Duration(pair) * time.Millisecond,
		ID: time.Duration(global) * time.Millisecond}
}

// scanAttempted reads lookupAttemptSQL's row.
func scanAttempted(r scanner) (Attempted, error) {
	var rate float64
	var slow, pair, global int64
	out := Attempted{Decided: true}
	if err := r.Scan(&rate, &slow, &pair, &global, &out.BecameSlow, &out.Found); err != nil {
		return Attempted{}, err
	}
	out.Admission = admission(rate, slow, pair, global)
	return out, nil
}

// readPersonThenAttempt is ReadPerson with an attempt where the decision cannot travel with the
// reads (SQLite): the nonce's claim when there is one (ClaimNonce), the reads, the outcome found
// from the record they read, then AttemptIdentify.
func (s *db) readPersonThenAttempt(ctx context.Context, id model.IDNumber, rejections int, a IdentifyAttempt,
	fn func(Reader) error) (Attempted, error) {
	var claimed *Claimed
	if c := a.Claim; c != nil {
		cur, fresh, err := s.ClaimNonce(ctx, c.Kiosk, c.Nonce, a.Now, c.Until)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return Attempted{}, err
		}
		claimed = &Claimed{Exists: err == nil, Kiosk: cur, Fresh: fresh}
		if !fresh {
			return Attempted{Claim: claimed}, nil
		}
	}
	var found bool
	var fnErr error
	err := s.readPerson(ctx, id, rejections, func(r Reader) error {
		d, err := r.Driver(id)
		switch {
		case errors.Is(err, ErrNotFound):
			found = false
		case err != nil:
			return err
		default:
			found = Identifies(d, a.File, a.Card)
		}
		fnErr = fn(r)
		if errors.Is(fnErr, errSnapshotReleased) {
			return fnErr
		}
		return nil
	})
	if err != nil {
		return Attempted{Claim: claimed}, err
	}
	adm, slow, err := s.AttemptIdentify(ctx, a.Limits, a.KioskID, id, !a.Card, found, a.Now)
	if err != nil {
		return Attempted{Claim: claimed}, err
	}
	return Attempted{Decided: true, Admission: adm, BecameSlow: slow, Found: found, Claim: claimed}, fnErr
}
