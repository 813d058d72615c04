package store

import (
	"fmt"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// OwnerCheck is the server's record that an owner proved who they are at a kiosk (POST
// /v1/verify with both numbers) to let one driver process violations of one of the owner's
// vehicles. The store keeps the fields; how long a check is good for and who may use it is the
// server's business.
type OwnerCheck struct {
	Token    string // 32 hex characters, random: the proof the kiosk sends with the process op
	KioskID  string // the kiosk the owner verified at
	Owner    model.IDNumber
	Driver   model.IDNumber // the driver the owner authorised
	Plate    model.Plate    // the owner's vehicle
	IssuedAt time.Time
	UsedBy   string // the op id that used the check; "" while unused
}

const ownerCheckColumns = `token, kiosk_id, owner_id, driver_id, plate_type, plate_number, issued_at, used_by`

func scanOwnerCheck(r scanner) (OwnerCheck, error) {
	var (
		o                          OwnerCheck
		owner, driver, typ, number string
		issued                     int64
	)
	err := r.Scan(&o.Token, &o.KioskID, &owner, &driver, &typ, &number, &issued, &o.UsedBy)
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
	_, err := c.exec(`INSERT INTO owner_checks (`+ownerCheckColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		o.Token, o.KioskID, string(o.Owner), string(o.Driver), string(o.Plate.Type), string(o.Plate.Number),
		millis(o.IssuedAt), o.UsedBy)
	if err != nil {
		return fmt.Errorf("store: insert owner check: %w", err)
	}
	return nil
}

func (c *conn) UseOwnerCheck(token, opID string) error {
	return c.execOne("use owner check", `UPDATE owner_checks SET used_by = $2 WHERE token = $1`, token, opID)
}
