package store

import (
	"context"
	"errors"
	"time"

	"github.com/hallkiosk/kiosk/model"
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
}

// Attempted is the decision: the admission (AttemptIdentify's), whether the kiosk's failure
// level has just reached its rate, and whether the person was identified as the decision saw
// the record.
type Attempted struct {
	Decided    bool // false when no attempt was given
	Admission  Admission
	BecameSlow bool
	Found      bool
}

// Identifies is the rule by which a person's record identifies them: a licence, and its file
// number when they typed it. lookupAttemptSQL says it again in SQL; TestIdentifiesInSQL holds
// the two to one answer.
func Identifies(d Driver, file model.FileNumber, card bool) bool {
	return d.Licence != nil && (card || d.Licence.FileNumber == file)
}

// lookupAttemptSQL decides a lookup's identification in one statement: $1-$10 as the limiter's
// (limitArgs), $11 the ID number, $12 the file number typed ("" with a card).
func (p limitProcs) lookupAttemptSQL() string {
	return `SELECT a.out_rate, a.out_slow, a.out_pair, a.out_id, a.out_became_slow, d.found
	FROM (SELECT EXISTS (SELECT 1 FROM drivers WHERE id_number = $11 AND has_licence
			AND (NOT $4 OR file_number = $12)) AS found,
		set_config('synchronous_commit', 'off', true) AS async) AS d,
	LATERAL ` + p.attempt.pgName() + `($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, d.found) AS a`
}

// lookupAttemptArgs are lookupAttemptSQL's arguments.
func (s *db) lookupAttemptArgs(id model.IDNumber, a IdentifyAttempt) []any {
	return append(s.limitArgs(a.Limits, a.KioskID, id, !a.Card, a.Now), string(id), string(a.File))
}

// scanAttempted reads lookupAttemptSQL's row.
func scanAttempted(r scanner) (Attempted, error) {
	var rate float64
	var slow, pair, global int64
	out := Attempted{Decided: true}
	if err := r.Scan(&rate, &slow, &pair, &global, &out.BecameSlow, &out.Found); err != nil {
		return Attempted{}, err
	}
	out.Admission = Admission{KioskRate: time.Duration(rate * float64(time.Millisecond)),
		KioskFailures: time.Duration(slow) * time.Millisecond, KioskID: time.Duration(pair) * time.Millisecond,
		ID: time.Duration(global) * time.Millisecond}
	return out, nil
}

// readPersonThenAttempt is ReadPerson with an attempt where the decision cannot travel with the
// reads (SQLite): the reads, the outcome found from the record they read, then AttemptIdentify.
func (s *db) readPersonThenAttempt(ctx context.Context, id model.IDNumber, rejections int, a IdentifyAttempt,
	fn func(Reader) error) (Attempted, error) {
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
		return Attempted{}, err
	}
	adm, slow, err := s.AttemptIdentify(ctx, a.Limits, a.KioskID, id, !a.Card, found, a.Now)
	if err != nil {
		return Attempted{}, err
	}
	return Attempted{Decided: true, Admission: adm, BecameSlow: slow, Found: found}, fnErr
}
