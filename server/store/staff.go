package store

import (
	"fmt"
	"strconv"
	"time"
)

// schemaV10 holds what the hall's staff console reads and changes.
//
// staff_calls holds each call for staff a kiosk made (F3), keyed by the kiosk and the kiosk's
// id for it, so that a kiosk sending a call again stores it once. A call names no person: the
// screen the person was on and times. state goes open -> coming (acked_by, the staff id who
// said they are on the way) -> closed (closed_by); ended_at is when the kiosk said the person's
// session ended while the call was not closed. The hall of a call is its kiosk's (a join), so
// that a kiosk moved to another hall is seen by that hall's staff.
//
// op_followups records that a member of staff followed up a rejected operation of a kiosk, and
// kiosks.open_rejections counts each kiosk's rejected operations nobody has followed up (one
// more when a rejection is stored, one less when it is followed up), so that a console's
// refresh each second reads 200 kiosk rows rather than a year of rejections.
//
// kiosk_status gains when the kiosk's current unbroken contact began (online_since: heartbeats
// less than KioskSilentAfter apart) and when what makes it degraded began (problems_since, 0
// while nothing is wrong). Its devices column becomes the JSON object of DeviceState: the old
// "name: state" strings are not kept (the next heartbeat of each kiosk reports them again).
const schemaV10 = `
CREATE TABLE staff_calls (
	kiosk_id    TEXT NOT NULL REFERENCES kiosks (id) DEFERRABLE INITIALLY DEFERRED,
	call_id     TEXT NOT NULL,
	screen      TEXT NOT NULL,
	made_at     BIGINT NOT NULL,
	received_at BIGINT NOT NULL,
	ended_at    BIGINT NOT NULL,
	state       TEXT NOT NULL,
	acked_at    BIGINT NOT NULL,
	acked_by    TEXT NOT NULL,
	closed_at   BIGINT NOT NULL,
	closed_by   TEXT NOT NULL,
	PRIMARY KEY (kiosk_id, call_id)
);
CREATE INDEX staff_calls_closed ON staff_calls (closed_at, received_at);
CREATE TABLE op_followups (
	op_id    TEXT PRIMARY KEY,
	kiosk_id TEXT NOT NULL,
	staff_id TEXT NOT NULL,
	at       BIGINT NOT NULL
);
CREATE INDEX ops_kiosk_outcome ON ops (kiosk_id, outcome, applied_at);
ALTER TABLE kiosks ADD COLUMN open_rejections BIGINT NOT NULL DEFAULT 0;
UPDATE kiosks SET open_rejections = (SELECT count(*) FROM ops WHERE ops.kiosk_id = kiosks.id AND ops.outcome = 'rejected');
ALTER TABLE kiosk_status ADD COLUMN online_since BIGINT NOT NULL DEFAULT 0;
ALTER TABLE kiosk_status ADD COLUMN problems_since BIGINT NOT NULL DEFAULT 0;
UPDATE kiosk_status SET devices = '{}'
`

// KioskSilentAfter is how long without a heartbeat makes a kiosk offline to staff: three
// missed heartbeats of a minute.
const KioskSilentAfter = 3 * time.Minute

// CallRetention is how long a closed call is kept: a quarter of calls, for the hall's review
// of how long people waited.
const CallRetention = 92 * 24 * time.Hour

// Call states as stored (the api's names).
const (
	CallOpen   = "open"
	CallComing = "coming"
	CallClosed = "closed"
)

// StaffCall is a kiosk's call for staff as stored.
type StaffCall struct {
	KioskID, CallID string
	Screen          string
	MadeAt          time.Time // the kiosk's time, bounded by the server
	ReceivedAt      time.Time
	EndedAt         time.Time // zero: the session has not ended (or the kiosk has not said)
	State           string
	AckedAt         time.Time
	AckedBy         string
	ClosedAt        time.Time
	ClosedBy        string
	// KioskName and KioskHall are read from the kiosk's row.
	KioskName, KioskHall string
}

// DeviceState is one device of a kiosk as its last heartbeat reported it.
type DeviceState struct {
	State string    `json:"state"`
	Name  string    `json:"name,omitempty"`
	Since time.Time `json:"since,omitzero"`
}

// KioskRejection is a rejected operation of a kiosk with its follow-up, if any.
type KioskRejection struct {
	OpID      string
	Type      string
	AppliedAt time.Time // when the server rejected it
	Result    []byte    // the stored result (reasons)
	// FollowedUpAt is zero until a member of staff marked it followed up.
	FollowedUpAt time.Time
	FollowedUpBy string
}

const staffCallColumns = `c.kiosk_id, c.call_id, c.screen, c.made_at, c.received_at, c.ended_at, c.state, c.acked_at,
	c.acked_by, c.closed_at, c.closed_by, k.name, k.hall`

func scanStaffCall(r scanner) (StaffCall, error) {
	var (
		c                                      StaffCall
		made, received, ended, acked, closedAt int64
	)
	err := r.Scan(&c.KioskID, &c.CallID, &c.Screen, &made, &received, &ended, &c.State, &acked, &c.AckedBy,
		&closedAt, &c.ClosedBy, &c.KioskName, &c.KioskHall)
	if err != nil {
		return StaffCall{}, err
	}
	c.MadeAt, c.ReceivedAt, c.EndedAt = fromMillis(made), fromMillis(received), fromMillis(ended)
	c.AckedAt, c.ClosedAt = fromMillis(acked), fromMillis(closedAt)
	return c, nil
}

// StaffCall returns one call.
func (c *conn) StaffCall(kioskID, callID string) (StaffCall, error) {
	return getOne(c, "staff call", scanStaffCall, `SELECT `+staffCallColumns+`
		FROM staff_calls c JOIN kiosks k ON k.id = c.kiosk_id WHERE c.kiosk_id = $1 AND c.call_id = $2`, kioskID, callID)
}

// StaffCalls lists the calls not closed and those closed at or after closedSince, of one hall
// or of every hall when hall is "", by ReceivedAt. The index on (closed_at, received_at) reads
// the open ones (closed_at 0) and the recently closed ones, each half of the union a range of
// it, not the quarter's history.
func (c *conn) StaffCalls(hall string, closedSince time.Time) ([]StaffCall, error) {
	return list(c, "staff calls", scanStaffCall, `SELECT kiosk_id, call_id, screen, made_at, received_at, ended_at, state,
		acked_at, acked_by, closed_at, closed_by, name, hall FROM (
		SELECT `+staffCallColumns+` FROM staff_calls c JOIN kiosks k ON k.id = c.kiosk_id
		WHERE c.closed_at = 0 AND ($2 = '' OR k.hall = $2)
		UNION ALL
		SELECT `+staffCallColumns+` FROM staff_calls c JOIN kiosks k ON k.id = c.kiosk_id
		WHERE c.closed_at >= $1 AND c.closed_at > 0 AND ($2 = '' OR k.hall = $2)) AS calls
		ORDER BY received_at, kiosk_id, call_id`, millis(closedSince), hall)
}

// OpenStaffCalls counts a kiosk's calls that are not closed.
func (c *conn) OpenStaffCalls(kioskID string) (int, error) {
	var n int
	err := c.queryRow(`SELECT count(*) FROM staff_calls WHERE kiosk_id = $1 AND closed_at = 0`, kioskID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count open staff calls: %w", err)
	}
	return n, nil
}

// InsertStaffCall stores a new call; it reports false, and stores nothing, when the kiosk's
// call of that id is stored already. It also deletes calls closed more than CallRetention
// before the new one (an index range, empty nearly always).
func (c *conn) InsertStaffCall(s StaffCall) (bool, error) {
	if _, err := c.exec(`DELETE FROM staff_calls WHERE closed_at > 0 AND closed_at < $1`,
		millis(s.ReceivedAt.Add(-CallRetention))); err != nil {
		return false, fmt.Errorf("store: prune staff calls: %w", err)
	}
	res, err := c.exec(`INSERT INTO staff_calls (kiosk_id, call_id, screen, made_at, received_at, ended_at, state,
		acked_at, acked_by, closed_at, closed_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (kiosk_id, call_id) DO NOTHING`,
		s.KioskID, s.CallID, s.Screen, millis(s.MadeAt), millis(s.ReceivedAt), millis(s.EndedAt), s.State,
		millis(s.AckedAt), s.AckedBy, millis(s.ClosedAt), s.ClosedBy)
	return affected(res, err, "insert staff call")
}

// EndStaffCall records that the session of a call ended, if no end is recorded yet.
func (c *conn) EndStaffCall(kioskID, callID string, at time.Time) (bool, error) {
	res, err := c.exec(`UPDATE staff_calls SET ended_at = $3 WHERE kiosk_id = $1 AND call_id = $2 AND ended_at = 0`,
		kioskID, callID, millis(at))
	return affected(res, err, "end staff call")
}

// AckStaffCall marks an open call coming, and reports whether it did (false: not open).
func (c *conn) AckStaffCall(kioskID, callID, staff string, at time.Time) (bool, error) {
	res, err := c.exec(`UPDATE staff_calls SET state = $3, acked_at = $4, acked_by = $5
		WHERE kiosk_id = $1 AND call_id = $2 AND state = $6`, kioskID, callID, CallComing, millis(at), staff, CallOpen)
	return affected(res, err, "acknowledge staff call")
}

// CloseStaffCall closes a call that is not closed, and reports whether it did.
func (c *conn) CloseStaffCall(kioskID, callID, staff string, at time.Time) (bool, error) {
	res, err := c.exec(`UPDATE staff_calls SET state = $3, closed_at = $4, closed_by = $5
		WHERE kiosk_id = $1 AND call_id = $2 AND closed_at = 0`, kioskID, callID, CallClosed, millis(at), staff)
	return affected(res, err, "close staff call")
}

// KioskRejections lists a kiosk's rejected operations, newest first, at most limit, through
// the index on (kiosk_id, outcome, applied_at).
func (c *conn) KioskRejections(kioskID string, limit int) ([]KioskRejection, error) {
	return list(c, "kiosk rejections", func(r scanner) (KioskRejection, error) {
		var (
			k               KioskRejection
			applied, follow int64
			result          []byte
		)
		if err := r.Scan(&k.OpID, &k.Type, &applied, &result, &follow, &k.FollowedUpBy); err != nil {
			return KioskRejection{}, err
		}
		k.AppliedAt, k.FollowedUpAt, k.Result = fromMillis(applied), fromMillis(follow), result
		return k, nil
	}, `SELECT o.op_id, o.op_type, o.applied_at, o.result, COALESCE(f.at, 0), COALESCE(f.staff_id, '')
		FROM ops o LEFT JOIN op_followups f ON f.op_id = o.op_id
		WHERE o.kiosk_id = $1 AND o.outcome = 'rejected'
		ORDER BY o.applied_at DESC, o.op_id DESC LIMIT `+strconv.Itoa(limit), kioskID) // see unreadRejections
}

// OpenRejections counts, per kiosk, the rejected operations nobody has followed up: the
// kiosks' counters, kept by InsertOp and FollowUpOp.
func (c *conn) OpenRejections() (map[string]int, error) {
	type count struct {
		kiosk string
		n     int
	}
	counts, err := list(c, "open rejections", func(r scanner) (count, error) {
		var k count
		return k, r.Scan(&k.kiosk, &k.n)
	}, `SELECT id, open_rejections FROM kiosks WHERE open_rejections > 0`)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(counts))
	for _, k := range counts {
		out[k.kiosk] = k.n
	}
	return out, nil
}

// FollowUpOp records that staff followed up a rejected operation of the kiosk; false when it
// was already.
func (c *conn) FollowUpOp(opID, kioskID, staff string, at time.Time) (bool, error) {
	res, err := c.exec(`INSERT INTO op_followups (op_id, kiosk_id, staff_id, at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (op_id) DO NOTHING`, opID, kioskID, staff, millis(at))
	done, err := affected(res, err, "follow up operation")
	if !done || err != nil {
		return done, err
	}
	_, err = c.exec(`UPDATE kiosks SET open_rejections = open_rejections - 1 WHERE id = $1 AND open_rejections > 0`, kioskID)
	if err != nil {
		return false, fmt.Errorf("store: follow up operation: count: %w", err)
	}
	return true, nil
}

// affected reports whether a statement changed one row.
func affected(res interface{ RowsAffected() (int64, error) }, err error, what string) (bool, error) {
	if err != nil {
		return false, fmt.Errorf("store: %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: %s: %w", what, err)
	}
	return n == 1, nil
}
