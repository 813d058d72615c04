package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// limitsDDL holds the identification limiter's state (server/limits.go has the design), so that
// every server process sharing a database enforces one set of limits. On PostgreSQL, schema
// version 11 creates these tables; the embedded store, which one process owns, keeps the same
// state in that process's memory (limitsgo.go).
//
// limit_kiosks holds each kiosk's token bucket (tokens, brought up to date at "at"), its failure
// level (leaking from "at" on), and when its next typed identification may start while the level
// is high (next_slow); warned records that the operator was warned of that level. The columns
// after it hold the outcome of the kiosk's latest operation while its call runs (admitted, each
// scope's wait in milliseconds; became_slow for a failure): the statements of one call pass it on
// through the kiosk's row, which the call holds locked.
//
// limit_kiosk_ids counts failed (and admitted, not yet successful) typed attempts per kiosk and
// ID number, limit_ids per ID number across kiosks, each with its last counted attempt. ID numbers
// appear only as keyed hashes (id_hash: HMAC-SHA256 under the key in meta's identify_hash_key,
// cut to 16 bytes).
//
// The tables are UNLOGGED on PostgreSQL: they write no WAL, so an admission never waits for a
// disk, but a crash of the database (or a failover to a standby, which never receives them)
// empties them: recent failures are forgotten, as a restart of a server process forgot them when
// they lived in its memory. Rows quiet for the forget time are deleted by PruneIdentifyLimits;
// last has no index, so that counting an attempt updates a row in place (a HOT update on
// PostgreSQL), and the once-a-minute sweep reads the small tables whole.
const limitsDDL = `
CREATE {{unlogged}} TABLE limit_kiosks (
	kiosk_id    TEXT PRIMARY KEY,
	tokens      DOUBLE PRECISION NOT NULL,
	level       DOUBLE PRECISION NOT NULL,
	at          BIGINT NOT NULL,
	next_slow   BIGINT NOT NULL,
	warned      BOOLEAN NOT NULL,
	admitted    BOOLEAN NOT NULL,
	wait_rate   DOUBLE PRECISION NOT NULL,
	wait_slow   BIGINT NOT NULL,
	wait_pair   BIGINT NOT NULL,
	wait_id     BIGINT NOT NULL,
	became_slow BOOLEAN NOT NULL
);
CREATE {{unlogged}} TABLE limit_kiosk_ids (
	kiosk_id TEXT NOT NULL,
	id_hash  {{blob}} NOT NULL,
	n        BIGINT NOT NULL,
	last     BIGINT NOT NULL,
	PRIMARY KEY (kiosk_id, id_hash)
);
CREATE {{unlogged}} TABLE limit_ids (
	id_hash {{blob}} PRIMARY KEY,
	n       BIGINT NOT NULL,
	last    BIGINT NOT NULL
)
`

// identifyKeyMeta names the meta row holding the key of the ID numbers' hashes. It is created
// once, by schema version 11, so that every server process hashes alike; it never leaves the
// store.
const identifyKeyMeta = "identify_hash_key"

// migrateIdentifyLimits is schema version 11: a random key for the hashes of ID numbers and, on
// PostgreSQL, the limiter's tables.
func migrateIdentifyLimits(c *conn) error {
	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil {
		return err
	}
	if err := c.PutMeta(identifyKeyMeta, hex.EncodeToString(key[:])); err != nil {
		return err
	}
	if c.d.kind != kindPostgres {
		return nil
	}
	return execDDL(c.ctx, c.tx, c.d, limitsDDL)
}

// execDDL runs the statements of a DDL text, separated by ";".
func execDDL(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, d dialect, ddl string) error {
	for _, stmt := range strings.Split(d.ddl(ddl), ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// IdentifyLimits are the parameters of the identification limiter (server/limits.go explains
// each). They travel with every call, so the store holds state and no policy.
type IdentifyLimits struct {
	PerMinute       int           // the kiosk's bucket: its size, and its refill per minute
	FreeFailures    int           // failures of an ID number at a kiosk before delays start
	MaxDelay        time.Duration // the longest delay; the first is a quarter, the second half
	FailuresPerHour int           // the kiosk's failure level at which typed attempts are spaced
	ForgetAfter     time.Duration // quiet time after which counts are forgotten
	SlowEvery       time.Duration // the spacing of typed attempts at a kiosk whose level is high
}

// Admission is the limiter's answer to an identification attempt: for each scope, how long the
// attempt must wait before it may start (zero or less: that scope lets it start now).
type Admission struct {
	KioskRate     time.Duration // the kiosk's bucket is empty
	KioskFailures time.Duration // the kiosk's failure level is high and a typed attempt came lately
	KioskID       time.Duration // failures of the ID number at the kiosk
	ID            time.Duration // failures of the ID number at several kiosks
	// Pending is true when counts of the kiosk and ID number remain after the admission (an
	// admitted typed attempt always leaves one): a success should clear them.
	Pending bool
}

// Admitted reports whether the attempt was admitted (and, when typed, counted).
func (a Admission) Admitted() bool {
	return a.KioskRate <= 0 && a.KioskFailures <= 0 && a.KioskID <= 0 && a.ID <= 0
}

// IdentifyLimiter keeps the identification limiter's state. Each method is one statement on
// PostgreSQL (a call of a function the store installs: one round trip, atomic, its rows locked
// in the order kiosk, ID number, kiosk and ID number, so that concurrent calls from any number
// of server processes count one after the other); on SQLite, a call on the same state in this
// process's memory (limitsgo.go). times are the server's clock, never the database's. An ID number is given in
// clear and kept only as a keyed hash; "" names nobody (a request that guesses nothing).
type IdentifyLimiter interface {
	// AdmitIdentify decides an attempt of a kiosk, typed or by card. A card (typed false) meets
	// only the kiosk's bucket. An admitted attempt takes a token; an admitted typed attempt also
	// counts at once as a failure of the ID number at the kiosk, and across kiosks when it is
	// among the kiosk's free failures or the ID number's delay has started.
	AdmitIdentify(ctx context.Context, lim IdentifyLimits, kioskID string, id model.IDNumber, typed bool, now time.Time) (Admission, error)
	// FailedIdentify raises the kiosk's failure level for a failed typed attempt, unless the ID
	// number has failed more than its free failures at the kiosk; it reports whether the level
	// has just reached FailuresPerHour.
	FailedIdentify(ctx context.Context, lim IdentifyLimits, kioskID string, id model.IDNumber, now time.Time) (becameSlow bool, err error)
	// AbortIdentify takes back what an admitted typed attempt counted.
	AbortIdentify(ctx context.Context, lim IdentifyLimits, kioskID string, id model.IDNumber, now time.Time) error
	// ClearIdentify forgets the counts of the ID number at the kiosk and across kiosks.
	ClearIdentify(ctx context.Context, kioskID string, id model.IDNumber) error
	// AttemptIdentify decides an attempt whose outcome the caller already knows (it read the
	// records first and has not answered yet) in one call: AdmitIdentify, then, when admitted,
	// ClearIdentify if the person was identified, or FailedIdentify if a typed attempt failed.
	// It reports the admission, and whether the kiosk's failure level has just reached
	// FailuresPerHour. Concurrent calls decide one after the other, as AdmitIdentify's do, and
	// an attempt that ends in neither outcome never calls it: it counts nowhere.
	AttemptIdentify(ctx context.Context, lim IdentifyLimits, kioskID string, id model.IDNumber, typed, identified bool,
		now time.Time) (a Admission, becameSlow bool, err error)
	// PruneIdentifyLimits deletes the counts quiet for ForgetAfter and the kiosks whose bucket is
	// full and level empty: they mean what an absent row means.
	PruneIdentifyLimits(ctx context.Context, lim IdentifyLimits, now time.Time) error
}

// installLimitProcs creates the limiter's functions on PostgreSQL that do not exist yet, inside
// the migration's transaction (whose advisory lock keeps processes starting together from
// creating them at once). A function's name carries the hash of its definition, so one that
// exists is this one; leaving it alone spares the other processes' sessions from compiling it
// again.
func (s *db) installLimitProcs(c *conn) error {
	for _, p := range s.limits.all() {
		var n int
		if err := c.tx.QueryRowContext(c.ctx, `SELECT count(*) FROM pg_proc
			WHERE proname = $1 AND pronamespace = current_schema()::regnamespace`, p.pgName()).Scan(&n); err != nil {
			return fmt.Errorf("find %s: %w", p.name, err)
		}
		if n > 0 {
			continue
		}
		if _, err := c.tx.ExecContext(c.ctx, p.pgDefinition(p.pgName())); err != nil {
			return fmt.Errorf("install %s: %w", p.name, err)
		}
	}
	return nil
}

// limitArgs are the arguments of a limiter statement.
func (s *db) limitArgs(lim IdentifyLimits, kioskID string, id model.IDNumber, typed bool, now time.Time) []any {
	return []any{kioskID, s.idHash(id), millis(now), typed, float64(lim.PerMinute), int64(lim.FreeFailures),
		lim.MaxDelay.Milliseconds(), float64(lim.FailuresPerHour), lim.ForgetAfter.Milliseconds(),
		lim.SlowEvery.Milliseconds()}
}

// idHash is the keyed hash of an ID number, 16 bytes; nobody ("") has the empty one, which no
// ID number's hash equals.
func (s *db) idHash(id model.IDNumber) []byte {
	if id == "" {
		return []byte{}
	}
	m := hmac.New(sha256.New, s.identifyKey)
	m.Write([]byte(id))
	return m.Sum(nil)[:16]
}

// runLimit calls one limiter operation's function on PostgreSQL and scans its result, if it has
// one, into dest (the function itself skips the typed statements when $4 is false).
func (s *db) runLimit(ctx context.Context, p limitProc, dest []any, args ...any) error {
	err := s.retry(ctx, func() error {
		// The tables are unlogged, yet a call that locked or changed a row commits a transaction,
		// whose commit record would wait for fsync on the writer's connections.
		s.traced(p.call)
		if p.returns == "void" {
			_, err := s.nosyncDB.ExecContext(ctx, p.call, args...)
			return err
		}
		return s.nosyncDB.QueryRowContext(ctx, p.call, args...).Scan(dest...)
	})
	if err != nil {
		return fmt.Errorf("store: identification limits (%s): %w", p.name, err)
	}
	return nil
}

func (s *db) AdmitIdentify(ctx context.Context, lim IdentifyLimits, kioskID string, id model.IDNumber, typed bool, now time.Time) (Admission, error) {
	if s.memLimits != nil {
		return s.memLimits.admit(lim, kioskID, string(s.idHash(id)), typed, now), nil
	}
	var rate float64
	var slow, pair, global int64
	var pending bool
	err := s.runLimit(ctx, s.limits.admit, []any{&rate, &slow, &pair, &global, &pending},
		s.limitArgs(lim, kioskID, id, typed, now)...)
	if err != nil {
		return Admission{}, err
	}
	a := admission(rate, slow, pair, global)
	a.Pending = pending
	return a, nil
}

func (s *db) AttemptIdentify(ctx context.Context, lim IdentifyLimits, kioskID string, id model.IDNumber, typed, identified bool,
	now time.Time) (Admission, bool, error) {
	if s.memLimits != nil {
		a, slow := s.memLimits.attempt(lim, kioskID, string(s.idHash(id)), typed, identified, now)
		return a, slow, nil
	}
	var rate float64
	var slow, pair, global int64
	var became bool
	err := s.runLimit(ctx, s.limits.attempt, []any{&rate, &slow, &pair, &global, &became},
		append(s.limitArgs(lim, kioskID, id, typed, now), identified)...)
	if err != nil {
		return Admission{}, false, err
	}
	return admission(rate, slow, pair, global), became, nil
}

func (s *db) FailedIdentify(ctx context.Context, lim IdentifyLimits, kioskID string, id model.IDNumber, now time.Time) (bool, error) {
	if s.memLimits != nil {
		return s.memLimits.failed(lim, kioskID, string(s.idHash(id)), now), nil
	}
	var became bool
	err := s.runLimit(ctx, s.limits.failed, []any{&became}, s.limitArgs(lim, kioskID, id, true, now)...)
	return became, err
}

func (s *db) AbortIdentify(ctx context.Context, lim IdentifyLimits, kioskID string, id model.IDNumber, now time.Time) error {
	if s.memLimits != nil {
		s.memLimits.abort(lim, kioskID, string(s.idHash(id)), now)
		return nil
	}
	return s.runLimit(ctx, s.limits.abort, nil, s.limitArgs(lim, kioskID, id, true, now)...)
}

func (s *db) ClearIdentify(ctx context.Context, kioskID string, id model.IDNumber) error {
	if s.memLimits != nil {
		s.memLimits.clear(kioskID, string(s.idHash(id)))
		return nil
	}
	return s.runLimit(ctx, s.limits.clear, nil, kioskID, s.idHash(id))
}

// PruneIdentifyLimits runs three statements on their own, so that none holds the rows of one
// table while it waits for another's.
func (s *db) PruneIdentifyLimits(ctx context.Context, lim IdentifyLimits, now time.Time) error {
	if s.memLimits != nil {
		s.memLimits.prune(lim, now)
		return nil
	}
	forgotten := millis(now) - lim.ForgetAfter.Milliseconds()
	stmts := []struct {
		query string
		args  []any
	}{
		{`DELETE FROM limit_ids WHERE last <= $1`, []any{forgotten}},
		{`DELETE FROM limit_kiosk_ids WHERE last <= $1`, []any{forgotten}},
		{`DELETE FROM limit_kiosks WHERE next_slow <= $1 AND at <= $1
			AND tokens + ($1 - at) * CAST($2 AS DOUBLE PRECISION) / 60000 >= $2
			AND level - ($1 - at) * CAST($3 AS DOUBLE PRECISION) / 3600000 <= 0`,
			[]any{millis(now), float64(lim.PerMinute), float64(lim.FailuresPerHour)}},
	}
	for _, st := range stmts {
		err := s.retry(ctx, func() error {
			_, err := s.nosyncDB.ExecContext(ctx, st.query, st.args...)
			return err
		})
		if err != nil {
			return fmt.Errorf("store: prune identification limits: %w", err)
		}
	}
	return nil
}
