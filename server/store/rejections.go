package store

import (
	"fmt"
	"strconv"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// RejectionNotice tells a person that an operation they confirmed at a kiosk was rejected,
// until they acknowledge it.
type RejectionNotice struct {
	OpID       string
	Person     model.IDNumber // the person the operation named (driver, payer, follower, actor)
	KioskID    string
	OpType     string
	OpAt       time.Time // when the person confirmed it
	RejectedAt time.Time
	Reasons    []byte    // JSON: the rejection's reasons as the op's result holds them
	AckedAt    time.Time // zero while unread
	// KioskName and KioskHall are read with the notice, from the kiosk's row (not stored with
	// the notice: a renamed kiosk is shown by its current name).
	KioskName, KioskHall string
}

// NoticeRetention is how long a rejection notice is kept, read or not: long enough for a person
// who was told "recorded" to come back and learn otherwise (the right to sue over a decision
// runs for six months), and no longer, so that the table holds about a year of rejections.
const NoticeRetention = 366 * 24 * time.Hour

// InsertRejectionNotice also deletes the notices older than NoticeRetention (an index range,
// empty nearly always), as owner checks are pruned when one is inserted.
func (c *conn) InsertRejectionNotice(n RejectionNotice) error {
	if _, err := c.exec(`DELETE FROM rejection_notices WHERE rejected_at < $1`,
		millis(n.RejectedAt.Add(-NoticeRetention))); err != nil {
		return fmt.Errorf("store: prune rejection notices: %w", err)
	}
	_, err := c.exec(`INSERT INTO rejection_notices (op_id, person_id, kiosk_id, op_type, op_at, rejected_at, reasons,
		acked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		n.OpID, string(n.Person), n.KioskID, n.OpType, millis(n.OpAt), millis(n.RejectedAt), string(n.Reasons),
		millis(n.AckedAt))
	if err != nil {
		return fmt.Errorf("store: insert rejection notice: %w", err)
	}
	return nil
}

func scanRejectionNotice(r scanner) (RejectionNotice, error) {
	var (
		n                       RejectionNotice
		person, reasons         string
		opAt, rejectedAt, acked int64
	)
	err := r.Scan(&n.OpID, &person, &n.KioskID, &n.OpType, &opAt, &rejectedAt, &reasons, &acked, &n.KioskName, &n.KioskHall)
	if err != nil {
		return RejectionNotice{}, err
	}
	n.Person, n.Reasons = model.IDNumber(person), []byte(reasons)
	n.OpAt, n.RejectedAt, n.AckedAt = fromMillis(opAt), fromMillis(rejectedAt), fromMillis(acked)
	return n, nil
}

// unreadRejections is the statement that lists a person's unread rejection notices. Its limit
// is written into the text rather than sent as a parameter: SQLite compiles a statement again
// at each execution when a parameter can change its plan, and a LIMIT's can (see
// dropSQLiteSamples for the other case).
func unreadRejections(limit int) string {
	return `SELECT n.op_id, n.person_id, n.kiosk_id, n.op_type, n.op_at, n.rejected_at, n.reasons, n.acked_at, k.name, k.hall
	FROM rejection_notices n JOIN kiosks k ON k.id = n.kiosk_id
	WHERE n.person_id = $1 AND n.acked_at = 0
	ORDER BY n.rejected_at DESC, n.op_id DESC LIMIT ` + strconv.Itoa(limit)
}

// UnreadRejections reads through the index on (person_id, acked_at, rejected_at).
func (c *conn) UnreadRejections(person model.IDNumber, limit int) ([]RejectionNotice, error) {
	if l, ok := aheadList[RejectionNotice](c, rejectionsKey(person, limit)); ok {
		return l, nil
	}
	return list(c, "unread rejections", scanRejectionNotice, unreadRejections(limit), string(person))
}

func (c *conn) AckRejection(person model.IDNumber, opID string, at time.Time) (bool, error) {
	res, err := c.exec(`UPDATE rejection_notices SET acked_at = $3 WHERE op_id = $1 AND person_id = $2 AND acked_at = 0`,
		opID, string(person), millis(at))
	if err != nil {
		return false, fmt.Errorf("store: acknowledge rejection: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: acknowledge rejection: %w", err)
	}
	return n == 1, nil
}
