package store

import (
	"fmt"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// OwnerCheck is the server's record that an owner proved at a kiosk (POST /v1/verify) that they
// own a vehicle, to let one driver process its violations, bind it or follow it. The store
// keeps the fields; how long a check is good for and who may use it is the server's business.
type OwnerCheck struct {
	Token    string // 32 hex characters, random: the proof the kiosk sends with the process op
	KioskID  string // the kiosk the owner verified at
	Owner    model.IDNumber
	Driver   model.IDNumber // the driver the owner authorised
	Plate    model.Plate    // the owner's vehicle
	IssuedAt time.Time
	UsedBy   string // the op id that used the check; "" while unused
	Purpose  string // what it authorises: "process", "bind" or "follow"
	Proof    string // how the owner proved it: "file", "vin", "reg_cert" or "card"
	Face     string // with a card: "match" or "no_camera"; "" otherwise
}

const ownerCheckColumns = `token, kiosk_id, owner_id, driver_id, plate_type, plate_number, issued_at, used_by,
	purpose, proof, face`

func scanOwnerCheck(r scanner) (OwnerCheck, error) {
	var (
		o                          OwnerCheck
		owner, driver, typ, number string
		issued                     int64
	)
	err := r.Scan(&o.Token, &o.KioskID, &owner, &driver, &typ, &number, &issued, &o.UsedBy,
		&o.Purpose, &o.Proof, &o.Face)
	if err != nil {
		return OwnerCheck{}, err
	}
	o.Owner, o.Driver, o.Plate = model.IDNumber(owner), model.IDNumber(driver), plateOf(typ, number)
	o.IssuedAt = fromMillis(issued)
	return o, nil
}

// LockOwnerCheck takes the check's row lock on PostgreSQL: two ops of a kiosk citing one token
// are then judged one after the other, the second finding it used.
func (c *conn) LockOwnerCheck(token string) (OwnerCheck, error) {
	return getOne(c, "lock owner check", scanOwnerCheck,
		`SELECT `+ownerCheckColumns+` FROM owner_checks WHERE token = $1`+c.d.forUpdate(), token)
}

// ownerCheckRetention is how long an owner check is kept: longer than any operation that cites
// it can take to arrive (an op is at most 30 minutes younger than its check, and the server takes
// ops up to the profiles' acceptance bound, at most 30 days old).
const ownerCheckRetention = 31 * 24 * time.Hour

// InsertOwnerCheck also deletes the checks older than ownerCheckRetention (an index range, empty
// nearly always), so that the table holds about a month of verifications.
func (c *conn) InsertOwnerCheck(o OwnerCheck) error {
	if _, err := c.exec(`DELETE FROM owner_checks WHERE issued_at < $1`,
		millis(o.IssuedAt.Add(-ownerCheckRetention))); err != nil {
		return fmt.Errorf("store: prune owner checks: %w", err)
	}
	_, err := c.exec(`INSERT INTO owner_checks (`+ownerCheckColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		o.Token, o.KioskID, string(o.Owner), string(o.Driver), string(o.Plate.Type), string(o.Plate.Number),
		millis(o.IssuedAt), o.UsedBy, o.Purpose, o.Proof, o.Face)
	if err != nil {
		return fmt.Errorf("store: insert owner check: %w", err)
	}
	return nil
}

func (c *conn) UseOwnerCheck(token, opID string) error {
	return c.execOne("use owner check", `UPDATE owner_checks SET used_by = $2 WHERE token = $1`, token, opID)
}

// ownerProofFailureRetention is how long a failed proof by number is kept: the longest window
// the server counts them over (a day) and a margin.
const ownerProofFailureRetention = 48 * time.Hour

// InsertOwnerProofFailure records a failed proof by number of a vehicle at a kiosk, and deletes
// the failures older than ownerProofFailureRetention (an index range, nearly always empty).
func (c *conn) InsertOwnerProofFailure(p model.Plate, kioskID string, at time.Time) error {
	if _, err := c.exec(`DELETE FROM owner_proof_failures WHERE failed_at < $1`,
		millis(at.Add(-ownerProofFailureRetention))); err != nil {
		return fmt.Errorf("store: prune owner proof failures: %w", err)
	}
	_, err := c.exec(`INSERT INTO owner_proof_failures (plate_type, plate_number, kiosk_id, failed_at)
		VALUES ($1, $2, $3, $4)`, string(p.Type), string(p.Number), kioskID, millis(at))
	if err != nil {
		return fmt.Errorf("store: insert owner proof failure: %w", err)
	}
	return nil
}

// OwnerProofFailures lists the times of a vehicle's failed proofs by number at or after since,
// oldest first.
func (c *conn) OwnerProofFailures(p model.Plate, since time.Time) ([]time.Time, error) {
	return list(c, "owner proof failures of vehicle", scanMillis,
		`SELECT failed_at FROM owner_proof_failures WHERE plate_type = $1 AND plate_number = $2 AND failed_at >= $3
		ORDER BY failed_at`, string(p.Type), string(p.Number), millis(since))
}

// KioskOwnerProofFailures lists the times of a kiosk's failed proofs by number (any vehicle) at
// or after since, oldest first.
func (c *conn) KioskOwnerProofFailures(kioskID string, since time.Time) ([]time.Time, error) {
	return list(c, "owner proof failures of kiosk", scanMillis,
		`SELECT failed_at FROM owner_proof_failures WHERE kiosk_id = $1 AND failed_at >= $2
		ORDER BY failed_at`, kioskID, millis(since))
}

func scanMillis(r scanner) (time.Time, error) {
	var ms int64
	if err := r.Scan(&ms); err != nil {
		return time.Time{}, err
	}
	return fromMillis(ms), nil
}
