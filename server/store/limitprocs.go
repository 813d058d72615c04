package store

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// limitProc is one operation of the identification limiter on PostgreSQL: statements with the
// parameters $1..$n (the embedded store does the same arithmetic in memory, limitsgo.go, and the
// limiter's tests hold both to one behaviour). PostgreSQL runs them in a PL/pgSQL function the store installs at open, so that an operation is one round trip and its plans are
// kept per connection. Under READ COMMITTED each statement of a function sees what committed
// before it started, so a statement that reads rows an earlier one locked reads their latest
// state.
type limitProc struct {
	name    string   // the function's name, before the suffix of its definition's hash
	params  []string // PostgreSQL types of $1..$n
	returns string   // the function's result: "void" or "TABLE (...)"
	stmts   []limitStmt
	// body, when set, is the function's PL/pgSQL text in place of stmts: a procedural function
	// that reads the rows it decides on into variables, computes in them, and writes each row
	// once, doing only the statements the case needs.
	body string
	// call is pgCall's statement, made once by newLimitProcs: the function's name is a hash of
	// its definition, 6.6 µs and 10 allocations to make.
	call string
}

// limitStmt is one statement of a limitProc.
type limitStmt struct {
	sql string
	// lock: a "SELECT 1 FROM ..." that only locks the rows it finds, run on PostgreSQL only.
	lock bool
	// typed: run only for a typed attempt ($4 true).
	typed bool
	// result: its rows are the operation's result (the function returns them and goes on).
	result bool
}

// pgName is the function's name with a hash of its definition: a server process calls exactly
// the SQL it was built with, even while processes of another version share the database.
func (p limitProc) pgName() string {
	h := sha256.Sum256([]byte(p.pgDefinition("")))
	return p.name + "_" + hex.EncodeToString(h[:5])
}

func (p limitProc) pgDefinition(name string) string {
	var b strings.Builder
	if p.body != "" {
		fmt.Fprintf(&b, "CREATE OR REPLACE FUNCTION %s(%s) RETURNS %s LANGUAGE plpgsql AS $fn$\n%s\n$fn$",
			name, strings.Join(p.params, ", "), p.returns, p.body)
		return b.String()
	}
	fmt.Fprintf(&b, "CREATE OR REPLACE FUNCTION %s(%s) RETURNS %s LANGUAGE plpgsql AS $fn$\nBEGIN\n",
		name, strings.Join(p.params, ", "), p.returns)
	for _, st := range p.stmts {
		q := st.sql
		switch {
		case st.lock:
			q = "PERFORM " + strings.TrimPrefix(q, "SELECT ") + " FOR UPDATE"
		case st.result:
			q = "RETURN QUERY " + q
		}
		if st.typed {
			q = "IF $4 THEN\n" + q + ";\nEND IF"
		}
		b.WriteString(q)
		b.WriteString(";\n")
	}
	b.WriteString("END\n$fn$")
	return b.String()
}

// pgCall is the statement that calls the function.
func (p limitProc) pgCall() string {
	args := make([]string, len(p.params))
	for i := range args {
		args[i] = "$" + strconv.Itoa(i+1)
	}
	if p.returns == "void" {
		return "SELECT " + p.pgName() + "(" + strings.Join(args, ", ") + ")"
	}
	return "SELECT * FROM " + p.pgName() + "(" + strings.Join(args, ", ") + ")"
}

// limitProcs are the limiter's operations. Their parameters: $1 kiosk, $2 ID hash, $3 now (ms),
// $4 typed, $5 the bucket's size per minute, $6 free failures, $7 the longest delay (ms), $8
// the failure level per hour, $9 the forget time (ms), $10 the spacing of typed attempts (ms).
// Clearing takes the first two only.
//
// Every operation locks the rows it decides on before reading them, and always in the order:
// the kiosk, the ID number, the kiosk and ID number. Concurrent operations on PostgreSQL (from
// one server process or several) therefore decide one after the other, and never deadlock.
type limitProcs struct {
	admit, failed, abort, clear, attempt limitProc
	// lookupSQL and claimedSQL are the statements that end a lookup's batch (lookupAttemptSQL,
	// claimedAttemptSQL), made once: the function's name is a hash of its definition.
	lookupSQL, claimedSQL string
}

func (p limitProcs) all() []limitProc {
	return []limitProc{p.admit, p.failed, p.abort, p.clear, p.attempt}
}

// Expressions the statements share.
const (
	// refreshKiosk creates the kiosk's row or brings it up to now (tokens refilled, the level
	// leaked), which locks it on PostgreSQL until the call ends.
	refreshKiosk = `INSERT INTO limit_kiosks (kiosk_id, tokens, level, at, next_slow, warned, admitted,
	wait_rate, wait_slow, wait_pair, wait_id, became_slow)
VALUES ($1, $5, 0, $3, 0, FALSE, FALSE, 0, 0, 0, 0, FALSE)
ON CONFLICT (kiosk_id) DO UPDATE SET
	tokens = CASE WHEN $3 <= limit_kiosks.at THEN limit_kiosks.tokens
		WHEN limit_kiosks.tokens + ($3 - limit_kiosks.at) * $5 / 60000 >= $5 THEN $5
		ELSE limit_kiosks.tokens + ($3 - limit_kiosks.at) * $5 / 60000 END,
	level = CASE WHEN $3 <= limit_kiosks.at THEN limit_kiosks.level
		WHEN limit_kiosks.level - ($3 - limit_kiosks.at) * $8 / 3600000 <= 0 THEN 0
		ELSE limit_kiosks.level - ($3 - limit_kiosks.at) * $8 / 3600000 END,
	at = CASE WHEN $3 <= limit_kiosks.at THEN limit_kiosks.at ELSE $3 END`
	// lockID locks the ID number's row before anything reads it, creating an empty one (no
	// count) if there is none: attempts on one ID number at several kiosks are decided one after
	// the other, the first ones too (without a row to lock, concurrent first attempts would all
	// read no count and all be admitted).
	lockID = `INSERT INTO limit_ids (id_hash, n, last) VALUES ($2, 0, 0)
	ON CONFLICT (id_hash) DO UPDATE SET n = limit_ids.n`
	// lockIDNumber serialises the operations that decide on an ID number's counts across
	// kiosks, as lockID does with a row, without writing one: a transaction-scoped advisory lock
	// on the first four bytes of the ID number's hash (two ID numbers that share them only wait
	// for each other). Every operation that reads limit_ids to decide takes it after the kiosk's
	// row and before any limit_ids row.
	lockIDNumber = `SELECT pg_advisory_xact_lock(1279872340, ('x' || encode(substring($2 FROM 1 FOR 4), 'hex'))::bit(32)::int)`
	// pairN and globalN are the live counts of the ID number at the kiosk and across kiosks (0
	// when none, or forgotten: quiet for the forget time).
	pairN   = `COALESCE((SELECT p.n FROM limit_kiosk_ids p WHERE p.kiosk_id = $1 AND p.id_hash = $2 AND p.last > $3 - $9), 0)`
	globalN = `COALESCE((SELECT g.n FROM limit_ids g WHERE g.id_hash = $2 AND g.last > $3 - $9), 0)`
)

// delaySQL is the wait after the last of n failures over f free ones (n >= f): a quarter, half,
// then all of the longest delay.
func delaySQL(n, f string) string {
	return fmt.Sprintf("CASE WHEN %[1]s - %[2]s >= 2 THEN $7 WHEN %[1]s - %[2]s = 1 THEN $7 / 2 ELSE $7 / 4 END", n, f)
}

// The derived tables below end in LIMIT 1 (they hold the kiosk's one row): that keeps
// PostgreSQL from copying their subqueries into every expression that uses them, and SQLite
// reads it alike.

func newLimitProcs() limitProcs {
	params := []string{"TEXT", "BYTEA", "BIGINT", "BOOLEAN", "DOUBLE PRECISION", "BIGINT", "BIGINT",
		"DOUBLE PRECISION", "BIGINT", "BIGINT"}
	admit := limitProc{name: "limit_admit", params: params,
		returns: "TABLE (out_rate DOUBLE PRECISION, out_slow BIGINT, out_pair BIGINT, out_id BIGINT, out_pending BOOLEAN)",
		stmts: []limitStmt{
			{sql: refreshKiosk},
			{sql: lockIDNumber, lock: true, typed: true},
			{sql: lockID, typed: true},
			// The decision: each scope's wait (w), kept in the kiosk's row for the statements
			// after it. An admitted attempt takes a token, and a typed one starts the spacing
			// while the kiosk's level is high. Pending: counts remain that a success clears.
			{result: true, sql: `UPDATE limit_kiosks SET
				tokens = limit_kiosks.tokens - CASE WHEN w.admitted THEN 1 ELSE 0 END,
				next_slow = CASE WHEN $4 AND w.admitted AND limit_kiosks.level >= $8 THEN $3 + $10
					ELSE limit_kiosks.next_slow END,
				warned = limit_kiosks.warned AND limit_kiosks.level >= $8,
				admitted = w.admitted, wait_rate = w.rate, wait_slow = w.slow, wait_pair = w.pair, wait_id = w.id
			FROM (SELECT v.rate, v.slow, v.pair, v.id,
					(v.rate <= 0 AND v.slow <= 0 AND v.pair <= 0 AND v.id <= 0) AS admitted
				FROM (SELECT
					CASE WHEN k.tokens < 1 THEN (1 - k.tokens) * 60000 / $5 ELSE 0 END AS rate,
					CASE WHEN $4 AND k.level >= $8 THEN k.next_slow - $3 ELSE 0 END AS slow,
					CASE WHEN $4 THEN COALESCE((SELECT p.last + ` + delaySQL("p.n", "$6") + ` - $3
						FROM limit_kiosk_ids p WHERE p.kiosk_id = $1 AND p.id_hash = $2 AND p.last > $3 - $9 AND p.n >= $6), 0)
						ELSE 0 END AS pair,
					CASE WHEN $4 THEN COALESCE((SELECT g.last + ` + delaySQL("g.n", "2 * $6") + ` - $3
						FROM limit_ids g WHERE g.id_hash = $2 AND g.last > $3 - $9 AND g.n >= 2 * $6), 0)
						ELSE 0 END AS id
					FROM limit_kiosks k WHERE k.kiosk_id = $1 LIMIT 1) AS v) AS w
			WHERE limit_kiosks.kiosk_id = $1
			RETURNING limit_kiosks.wait_rate, limit_kiosks.wait_slow, limit_kiosks.wait_pair, limit_kiosks.wait_id,
				($4 AND limit_kiosks.admitted OR ` + pairN + ` > 0 OR ` + globalN + ` > 0)`},
			// An admitted typed attempt counts for the ID number across kiosks while it is among
			// the kiosk's free failures, or once the ID number's delay has started (this reads
			// the kiosk's count before the next statement raises it) ...
			{typed: true, sql: `INSERT INTO limit_ids (id_hash, n, last)
			SELECT $2, 1, $3 FROM limit_kiosks k WHERE k.kiosk_id = $1 AND k.admitted
				AND (` + pairN + ` < $6 OR ` + globalN + ` >= 2 * $6)
			ON CONFLICT (id_hash) DO UPDATE SET
				n = CASE WHEN limit_ids.last > $3 - $9 THEN limit_ids.n ELSE 0 END + 1, last = $3`},
			// The row lockID created stays only if it counts: a refused attempt leaves nothing.
			{typed: true, sql: `DELETE FROM limit_ids WHERE id_hash = $2 AND last = 0`},
			// ... and always at the kiosk.
			{typed: true, sql: `INSERT INTO limit_kiosk_ids (kiosk_id, id_hash, n, last)
			SELECT $1, $2, 1, $3 FROM limit_kiosks k WHERE k.kiosk_id = $1 AND k.admitted
			ON CONFLICT (kiosk_id, id_hash) DO UPDATE SET
				n = CASE WHEN limit_kiosk_ids.last > $3 - $9 THEN limit_kiosk_ids.n ELSE 0 END + 1, last = $3`},
		}}
	failed := limitProc{name: "limit_failed", params: params, returns: "TABLE (out_became_slow BOOLEAN)",
		stmts: []limitStmt{
			{sql: refreshKiosk},
			// c.counts: the ID number has not failed beyond its free failures at the kiosk; the
			// level reaching the rate that spaces typed attempts warns the operator once.
			{result: true, sql: `UPDATE limit_kiosks SET
				level = limit_kiosks.level + CASE WHEN c.counts THEN 1 ELSE 0 END,
				became_slow = c.counts AND NOT (limit_kiosks.warned AND limit_kiosks.level >= $8)
					AND limit_kiosks.level + 1 >= $8,
				warned = (limit_kiosks.warned AND limit_kiosks.level >= $8) OR (c.counts AND limit_kiosks.level + 1 >= $8)
			FROM (SELECT ` + pairN + ` <= $6 AS counts FROM limit_kiosks k WHERE k.kiosk_id = $1 LIMIT 1) AS c
			WHERE limit_kiosks.kiosk_id = $1
			RETURNING limit_kiosks.became_slow`},
		}}
	abort := limitProc{name: "limit_abort", params: params, returns: "void",
		stmts: []limitStmt{
			{sql: `SELECT 1 FROM limit_kiosks WHERE kiosk_id = $1`, lock: true},
			{sql: lockIDNumber, lock: true},
			{sql: `SELECT 1 FROM limit_ids WHERE id_hash = $2`, lock: true},
			// The admission counted the attempt across kiosks when it was among the kiosk's
			// free failures or the ID number's delay had started; others' attempts since may
			// blur the second case: this only ever takes back one.
			{sql: `UPDATE limit_ids SET n = n - 1
			WHERE id_hash = $2 AND last > $3 - $9 AND n > 0
				AND EXISTS (SELECT 1 FROM limit_kiosk_ids p WHERE p.kiosk_id = $1 AND p.id_hash = $2
					AND p.last > $3 - $9 AND p.n > 0 AND (p.n <= $6 OR limit_ids.n > 2 * $6))`},
			{sql: `UPDATE limit_kiosk_ids SET n = n - 1
			WHERE kiosk_id = $1 AND id_hash = $2 AND last > $3 - $9 AND n > 0`},
		}}
	clear := limitProc{name: "limit_clear", params: params[:2], returns: "void",
		stmts: []limitStmt{
			{sql: `DELETE FROM limit_ids WHERE id_hash = $2`},
			{sql: `DELETE FROM limit_kiosk_ids WHERE kiosk_id = $1 AND id_hash = $2`},
		}}
	attempt := limitProc{name: "limit_attempt", params: append(params[:10:10], "BOOLEAN"),
		returns: "TABLE (out_rate DOUBLE PRECISION, out_slow BIGINT, out_pair BIGINT, out_id BIGINT, out_became_slow BOOLEAN)",
		body:    attemptBody()}
	for _, p := range []*limitProc{&admit, &failed, &abort, &clear, &attempt} {
		p.call = p.pgCall()
	}
	name := attempt.pgName()
	return limitProcs{admit: admit, failed: failed, abort: abort, clear: clear, attempt: attempt,
		lookupSQL: lookupAttemptSQL(name), claimedSQL: claimedAttemptSQL(name)}
}

// attemptBody decides an identification whose outcome is known ($11: the person was identified)
// in one call: the admission of admit, then, when admitted, the clearing of clear (identified)
// or the counting of admit and failed (a typed failure). Its arithmetic is theirs, expression
// for expression, and the limiter's tests hold the two ways to one result. In the common case,
// an identification with no counts against it, it reads the kiosk's row and two index entries
// that are not there, and writes the kiosk's row once (a typed success deletes only counts it
// found).
func attemptBody() string {
	return `DECLARE
	k limit_kiosks%ROWTYPE;
	pn BIGINT := 0; plast BIGINT := 0; pfound BOOLEAN := FALSE;
	gn BIGINT := 0; glast BIGINT := 0; gfound BOOLEAN := FALSE;
	admitted BOOLEAN;
BEGIN
	out_rate := 0; out_slow := 0; out_pair := 0; out_id := 0; out_became_slow := FALSE;
	SELECT * INTO k FROM limit_kiosks WHERE kiosk_id = $1 FOR UPDATE;
	IF NOT FOUND THEN
		INSERT INTO limit_kiosks (kiosk_id, tokens, level, at, next_slow, warned, admitted,
			wait_rate, wait_slow, wait_pair, wait_id, became_slow)
		VALUES ($1, $5, 0, $3, 0, FALSE, FALSE, 0, 0, 0, 0, FALSE) ON CONFLICT (kiosk_id) DO NOTHING;
		SELECT * INTO k FROM limit_kiosks WHERE kiosk_id = $1 FOR UPDATE;
	END IF;
	IF $3 > k.at THEN
		k.tokens := CASE WHEN k.tokens + ($3 - k.at) * $5 / 60000 >= $5 THEN $5
			ELSE k.tokens + ($3 - k.at) * $5 / 60000 END;
		k.level := CASE WHEN k.level - ($3 - k.at) * $8 / 3600000 <= 0 THEN 0
			ELSE k.level - ($3 - k.at) * $8 / 3600000 END;
		k.at := $3;
	END IF;
	k.warned := k.warned AND k.level >= $8;
	IF k.tokens < 1 THEN
		out_rate := (1 - k.tokens) * 60000 / $5;
	END IF;
	IF $4 THEN
		PERFORM pg_advisory_xact_lock(1279872340, ('x' || encode(substring($2 FROM 1 FOR 4), 'hex'))::bit(32)::int);
		SELECT p.n, p.last INTO pn, plast FROM limit_kiosk_ids p WHERE p.kiosk_id = $1 AND p.id_hash = $2;
		pfound := FOUND;
		IF NOT pfound OR plast <= $3 - $9 THEN pn := 0; END IF;
		SELECT g.n, g.last INTO gn, glast FROM limit_ids g WHERE g.id_hash = $2;
		gfound := FOUND;
		IF NOT gfound OR glast <= $3 - $9 THEN gn := 0; END IF;
		IF k.level >= $8 THEN
			out_slow := k.next_slow - $3;
		END IF;
		IF pn >= $6 THEN
			out_pair := plast + ` + delaySQL("pn", "$6") + ` - $3;
		END IF;
		IF gn >= 2 * $6 THEN
			out_id := glast + ` + delaySQL("gn", "2 * $6") + ` - $3;
		END IF;
	END IF;
	admitted := out_rate <= 0 AND out_slow <= 0 AND out_pair <= 0 AND out_id <= 0;
	IF admitted THEN
		k.tokens := k.tokens - 1;
		IF $4 AND k.level >= $8 THEN
			k.next_slow := $3 + $10;
		END IF;
		IF $11 THEN
			IF $4 THEN
				-- Read above under the ID number's lock, which every writer of these rows takes:
				-- what was not there is not there now.
				IF gfound THEN DELETE FROM limit_ids WHERE id_hash = $2; END IF;
				IF pfound THEN DELETE FROM limit_kiosk_ids WHERE kiosk_id = $1 AND id_hash = $2; END IF;
			ELSIF $2 <> ''::bytea THEN
				DELETE FROM limit_ids WHERE id_hash = $2;
				DELETE FROM limit_kiosk_ids WHERE kiosk_id = $1 AND id_hash = $2;
			END IF;
		ELSIF $4 THEN
			IF pn < $6 OR gn >= 2 * $6 THEN
				INSERT INTO limit_ids (id_hash, n, last) VALUES ($2, 1, $3)
				ON CONFLICT (id_hash) DO UPDATE SET
					n = CASE WHEN limit_ids.last > $3 - $9 THEN limit_ids.n ELSE 0 END + 1, last = $3;
			END IF;
			INSERT INTO limit_kiosk_ids (kiosk_id, id_hash, n, last) VALUES ($1, $2, 1, $3)
			ON CONFLICT (kiosk_id, id_hash) DO UPDATE SET
				n = CASE WHEN limit_kiosk_ids.last > $3 - $9 THEN limit_kiosk_ids.n ELSE 0 END + 1, last = $3;
			IF pn + 1 <= $6 THEN
				k.level := k.level + 1;
				out_became_slow := NOT k.warned AND k.level >= $8;
				k.warned := k.warned OR k.level >= $8;
			END IF;
		END IF;
	END IF;
	UPDATE limit_kiosks SET tokens = k.tokens, level = k.level, at = k.at, next_slow = k.next_slow,
		warned = k.warned WHERE kiosk_id = $1;
	RETURN NEXT;
END`
}
