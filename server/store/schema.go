package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// migrationLockKey is the PostgreSQL advisory lock that serialises migrations of server
// processes starting together ("kiosk" in ASCII): without it two processes could both find a
// table missing and both try to create it.
const migrationLockKey = 0x6b696f736b

// migration is one schema version: statements separated by ";", with {{id}} and {{blob}} for
// the column types the dialects spell differently, and optionally fill, run after them in the
// same transaction, for data the new tables must start with.
type migration struct {
	version int
	ddl     string
	fill    func(c *conn) error
}

// migrations lists every schema version in order. Released versions are never edited: a change
// is a new version.
func migrations() []migration {
	return []migration{{version: 1, ddl: schemaV1}, {version: 2, ddl: schemaV2}, {version: 3, ddl: schemaV3},
		{version: 4, ddl: schemaV4}, {version: 5, ddl: schemaV5}, {version: 6, ddl: schemaV6},
		{version: 7, ddl: schemaV7}, {version: 8, ddl: schemaV8},
		{version: 9, ddl: schemaV9, fill: backfillRefunds}, {version: 10, ddl: schemaV10},
		{version: 11, fill: migrateIdentifyLimits}}
}

// Conventions of the schema: times are BIGINT Unix milliseconds UTC (0 for none), money is
// BIGINT fen, dates are TEXT YYYY-MM-DD (” for none), plates are two columns. Absent optional
// values are ” or 0 rather than NULL, so that every column scans into a plain Go value.
// Foreign keys are checked at commit (DEFERRABLE INITIALLY DEFERRED), so a transaction may write
// related records in any order. They link only what cannot exist alone: a decision to its
// violation, a points entry to its licence holder, an op to its kiosk. Imported reference data
// arrives in no particular order and has none; payments have none because money received for an
// unknown violation is still recorded (as a refund owed).
const schemaV1 = `
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE TABLE drivers (
	id_number    TEXT PRIMARY KEY,
	name         TEXT NOT NULL,
	phone        TEXT NOT NULL,
	registered   BOOLEAN NOT NULL,
	has_licence  BOOLEAN NOT NULL,
	file_number  TEXT NOT NULL,
	classes      TEXT NOT NULL,
	status       TEXT NOT NULL,
	first_issued BIGINT NOT NULL,
	issuer       TEXT NOT NULL
);
CREATE TABLE vehicles (
	plate_type   TEXT NOT NULL,
	plate_number TEXT NOT NULL,
	owner_kind   TEXT NOT NULL,
	owner_id     TEXT NOT NULL,
	use_nature   TEXT NOT NULL,
	owner_name   TEXT NOT NULL,
	PRIMARY KEY (plate_type, plate_number)
);
CREATE INDEX vehicles_owner ON vehicles (owner_id, plate_type, plate_number);
CREATE TABLE bindings (
	id           {{id}},
	driver_id    TEXT NOT NULL,
	plate_type   TEXT NOT NULL,
	plate_number TEXT NOT NULL,
	owner_id     TEXT NOT NULL,
	since        BIGINT NOT NULL,
	ended        BIGINT NOT NULL,
	channel      TEXT NOT NULL
);
CREATE INDEX bindings_driver ON bindings (driver_id, since, id);
CREATE INDEX bindings_plate ON bindings (plate_type, plate_number, since, id);
CREATE INDEX bindings_owner ON bindings (owner_id, since, id);
CREATE TABLE follows (
	id           {{id}},
	follower_id  TEXT NOT NULL,
	plate_type   TEXT NOT NULL,
	plate_number TEXT NOT NULL,
	owner_id     TEXT NOT NULL,
	requested_at BIGINT NOT NULL,
	since        BIGINT NOT NULL,
	until_at     BIGINT NOT NULL,
	cancelled    BIGINT NOT NULL
);
CREATE INDEX follows_follower ON follows (follower_id, requested_at, id);
CREATE INDEX follows_plate ON follows (plate_type, plate_number, requested_at, id);
CREATE INDEX follows_owner ON follows (owner_id, requested_at, id);
CREATE TABLE violations (
	id           TEXT PRIMARY KEY,
	plate_type   TEXT NOT NULL,
	plate_number TEXT NOT NULL,
	occurred_at  BIGINT NOT NULL,
	place        TEXT NOT NULL,
	code         TEXT NOT NULL,
	points       INTEGER NOT NULL,
	fine         BIGINT NOT NULL,
	source       TEXT NOT NULL,
	status       TEXT NOT NULL,
	office       TEXT NOT NULL,
	office_code  TEXT NOT NULL,
	decision     TEXT NOT NULL,
	driver_id    TEXT NOT NULL,
	decided_at   BIGINT NOT NULL,
	paid_at      BIGINT NOT NULL
);
CREATE INDEX violations_plate ON violations (plate_type, plate_number, occurred_at, id);
CREATE INDEX violations_driver ON violations (driver_id, occurred_at, id);
CREATE TABLE decisions (
	number       TEXT PRIMARY KEY,
	violation_id TEXT NOT NULL REFERENCES violations (id) DEFERRABLE INITIALLY DEFERRED,
	driver_id    TEXT NOT NULL,
	plate_type   TEXT NOT NULL,
	plate_number TEXT NOT NULL,
	points       INTEGER NOT NULL,
	fine         BIGINT NOT NULL,
	issued_at    BIGINT NOT NULL,
	due          TEXT NOT NULL
);
CREATE INDEX decisions_violation ON decisions (violation_id);
CREATE TABLE points_entries (
	decision   TEXT PRIMARY KEY,
	driver_id  TEXT NOT NULL REFERENCES drivers (id_number) DEFERRABLE INITIALLY DEFERRED,
	points     INTEGER NOT NULL,
	entered_at BIGINT NOT NULL,
	paid_at    BIGINT NOT NULL
);
CREATE INDEX points_entries_driver ON points_entries (driver_id, entered_at, decision);
CREATE TABLE payments (
	id           TEXT PRIMARY KEY,
	violation_id TEXT NOT NULL,
	decision     TEXT NOT NULL,
	fine         BIGINT NOT NULL,
	late_fee     BIGINT NOT NULL,
	paid_at      BIGINT NOT NULL,
	method       TEXT NOT NULL,
	refund       BOOLEAN NOT NULL
);
CREATE INDEX payments_violation ON payments (violation_id, paid_at, id);
CREATE TABLE kiosks (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	hall        TEXT NOT NULL,
	profile     TEXT NOT NULL,
	secret      {{blob}} NOT NULL,
	enrolled_at BIGINT NOT NULL,
	last_seen   BIGINT NOT NULL,
	epoch       BIGINT NOT NULL,
	last_seq    BIGINT NOT NULL
);
CREATE TABLE ops (
	op_id        TEXT PRIMARY KEY,
	kiosk_id     TEXT NOT NULL REFERENCES kiosks (id) DEFERRABLE INITIALLY DEFERRED,
	epoch        BIGINT NOT NULL,
	seq          BIGINT NOT NULL,
	op_type      TEXT NOT NULL,
	request_hash TEXT NOT NULL,
	outcome      TEXT NOT NULL,
	result       {{blob}} NOT NULL,
	applied_at   BIGINT NOT NULL,
	UNIQUE (kiosk_id, epoch, seq)
);
CREATE INDEX ops_outcome ON ops (outcome);
CREATE TABLE ref_changes (
	seq  BIGINT PRIMARY KEY,
	kind TEXT NOT NULL,
	key  TEXT NOT NULL,
	body {{blob}} NOT NULL,
	at   BIGINT NOT NULL
);
CREATE TABLE decision_seq (
	office_code TEXT NOT NULL,
	year        INTEGER NOT NULL,
	last_seq    BIGINT NOT NULL,
	PRIMARY KEY (office_code, year)
);
CREATE TABLE counters (
	name  TEXT PRIMARY KEY,
	value BIGINT NOT NULL
);
CREATE TABLE nonces (
	kiosk_id TEXT NOT NULL,
	nonce    TEXT NOT NULL,
	expires  BIGINT NOT NULL,
	PRIMARY KEY (kiosk_id, nonce)
);
CREATE INDEX nonces_expires ON nonces (expires)
`

// schemaV2 adds phone payment orders (扫码缴款). An order belongs to the kiosk that created it.
// Its items are JSON text, written once and read whole; once paid, result holds the server's
// answer about the payment, as ops.result does for an operation (the payment records
// themselves are rows of payments). The token (the random part of the QR text) is unique, so
// that a payment channel's notice names exactly one order.
const schemaV2 = `
CREATE TABLE pay_orders (
	order_id     TEXT PRIMARY KEY,
	kiosk_id     TEXT NOT NULL REFERENCES kiosks (id) DEFERRABLE INITIALLY DEFERRED,
	payer_id     TEXT NOT NULL,
	request_hash TEXT NOT NULL,
	status       TEXT NOT NULL,
	amount       BIGINT NOT NULL,
	items        TEXT NOT NULL,
	token        TEXT NOT NULL UNIQUE,
	created_at   BIGINT NOT NULL,
	expires_at   BIGINT NOT NULL,
	paid_at      BIGINT NOT NULL,
	reference    TEXT NOT NULL,
	result       {{blob}} NOT NULL
)
`

// schemaV3 adds owner checks: the proof that an owner verified at a kiosk (both numbers through
// POST /v1/verify) to let a driver process violations of the owner's vehicle. The token column
// holds the SHA-256 of the random proof the kiosk sends back with the process op (the server
// hashes what it issues and what it is shown); used_by is the op id that used it (empty while
// unused), so that one verification authorises one op and its retries, never another.
const schemaV3 = `
CREATE TABLE owner_checks (
	token        TEXT PRIMARY KEY,
	kiosk_id     TEXT NOT NULL,
	owner_id     TEXT NOT NULL,
	driver_id    TEXT NOT NULL,
	plate_type   TEXT NOT NULL,
	plate_number TEXT NOT NULL,
	issued_at    BIGINT NOT NULL,
	used_by      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX owner_checks_issued ON owner_checks (issued_at)
`

// schemaV4 lets a kiosk be revoked: from revoked_at on (0: never) its requests are refused,
// whatever they carry. The row stays, since its operations refer to it.
const schemaV4 = `
ALTER TABLE kiosks ADD COLUMN revoked_at BIGINT NOT NULL DEFAULT 0
`

// schemaV5 keeps what kiosks report and what people must be told.
//
// kiosk_status holds each kiosk's last heartbeat, checked and bounded by the server, one row
// per kiosk replaced on every heartbeat, so that staff see a kiosk's outbox, store fill, clock
// skew and journal checkpoint in any server process and after a restart. A value the kiosk did
// not report is 0 or ” like every absent value here, with a known flag where 0 is a real
// value (a clock skew of 0 ms, a store or journal not reported). devices is the JSON object
// of device states.
//
// rejection_notices holds, for each stored rejection of an operation that names a person, what
// the person is shown at their next identification until they acknowledge it (acked_at, 0
// while unread). reasons is the JSON list of the rejection's reasons, as in the op's result.
// The notice belongs to its operation; it is found by person and read state.
const schemaV5 = `
CREATE TABLE kiosk_status (
	kiosk_id         TEXT PRIMARY KEY REFERENCES kiosks (id) DEFERRABLE INITIALLY DEFERRED,
	received_at      BIGINT NOT NULL,
	version          TEXT NOT NULL,
	outbox_depth     BIGINT NOT NULL,
	oldest_pending   BIGINT NOT NULL,
	last_sync        BIGINT NOT NULL,
	rejected         BIGINT NOT NULL,
	failed_attempts  BIGINT NOT NULL,
	clock_skew_known BOOLEAN NOT NULL,
	clock_skew_ms    BIGINT NOT NULL,
	store_known      BOOLEAN NOT NULL,
	store_file_bytes BIGINT NOT NULL,
	store_used_bytes BIGINT NOT NULL,
	store_max_bytes  BIGINT NOT NULL,
	store_disk_free  BIGINT NOT NULL,
	store_level      TEXT NOT NULL,
	journal_known    BOOLEAN NOT NULL,
	checkpoint_seq   BIGINT NOT NULL,
	checkpoint_hash  TEXT NOT NULL,
	checkpoint_at    BIGINT NOT NULL,
	head_seq         BIGINT NOT NULL,
	head_hash        TEXT NOT NULL,
	devices          TEXT NOT NULL
);
CREATE TABLE rejection_notices (
	op_id       TEXT PRIMARY KEY REFERENCES ops (op_id) DEFERRABLE INITIALLY DEFERRED,
	person_id   TEXT NOT NULL,
	kiosk_id    TEXT NOT NULL REFERENCES kiosks (id) DEFERRABLE INITIALLY DEFERRED,
	op_type     TEXT NOT NULL,
	op_at       BIGINT NOT NULL,
	rejected_at BIGINT NOT NULL,
	reasons     TEXT NOT NULL,
	acked_at    BIGINT NOT NULL
);
CREATE INDEX rejection_notices_person ON rejection_notices (person_id, acked_at, rejected_at);
CREATE INDEX rejection_notices_rejected ON rejection_notices (rejected_at)
`

// migrate applies the missing schema versions in one transaction, so a failed migration leaves
// the previous schema intact.
func (s *db) migrate(ctx context.Context) error {
	err := s.runTx(ctx, s.writer, s.txOpts, func(c *conn) error {
		if s.d.kind == kindPostgres {
			// Held until this transaction ends: a second process waits here, then finds the
			// versions applied.
			if _, err := c.exec(`SELECT pg_advisory_xact_lock($1)`, int64(migrationLockKey)); err != nil {
				return fmt.Errorf("migration lock: %w", err)
			}
		}
		if _, err := c.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			applied_at BIGINT NOT NULL)`); err != nil {
			return err
		}
		for _, m := range migrations() {
			if err := s.apply(c, m); err != nil {
				return fmt.Errorf("schema version %d: %w", m.version, err)
			}
		}
		if s.d.kind == kindPostgres {
			return s.installLimitProcs(c)
		}
		_, err := c.exec(dropSQLiteSamples)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

func (s *db) apply(c *conn, m migration) error {
	var n int
	err := c.queryRow(`SELECT count(*) FROM schema_migrations WHERE version = $1`, m.version).Scan(&n)
	if err != nil || n > 0 {
		return err
	}
	for _, stmt := range strings.Split(s.d.ddl(m.ddl), ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := c.exec(stmt); err != nil {
			return err
		}
	}
	if m.fill != nil {
		if err := m.fill(c); err != nil {
			return err
		}
	}
	_, err = c.exec(`INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
		m.version, time.Now().UnixMilli())
	return err
}

// schemaV6 lets owners without a driving licence verify (DOMAIN.md section 7).
//
// vehicles gain the vehicle identification number and the registration certificate number
// (empty where the data has none): an owner proves ownership with their ID number and either.
//
// owner_checks record what they authorise (purpose: process, bind or follow; a check made for
// one is no proof for another) and how the owner proved it (proof: file, vin, reg_cert or card;
// face: match or no_camera for a card read, empty otherwise).
//
// owner_proof_failures holds one row per failed proof by number (VIN characters or certificate
// number) of a vehicle at a kiosk: six VIN characters can be guessed, so the server counts the
// failures per vehicle and per kiosk over a window and refuses proofs by number beyond a limit
// (server/ownerlimits.go). Rows older than the longest window are deleted as new ones come.
const schemaV6 = `
ALTER TABLE vehicles ADD COLUMN vin TEXT NOT NULL DEFAULT '';
ALTER TABLE vehicles ADD COLUMN reg_cert TEXT NOT NULL DEFAULT '';
ALTER TABLE owner_checks ADD COLUMN purpose TEXT NOT NULL DEFAULT 'process';
ALTER TABLE owner_checks ADD COLUMN proof TEXT NOT NULL DEFAULT 'file';
ALTER TABLE owner_checks ADD COLUMN face TEXT NOT NULL DEFAULT '';
CREATE TABLE owner_proof_failures (
	plate_type   TEXT NOT NULL,
	plate_number TEXT NOT NULL,
	kiosk_id     TEXT NOT NULL,
	failed_at    BIGINT NOT NULL
);
CREATE INDEX owner_proof_failures_plate ON owner_proof_failures (plate_type, plate_number, failed_at);
CREATE INDEX owner_proof_failures_kiosk ON owner_proof_failures (kiosk_id, failed_at);
CREATE INDEX owner_proof_failures_at ON owner_proof_failures (failed_at)
`
