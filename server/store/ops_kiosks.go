package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

const opColumns = `op_id, kiosk_id, epoch, seq, op_type, request_hash, outcome, result, applied_at`

func scanOp(r scanner) (OpRecord, error) {
	var (
		o       OpRecord
		applied int64
	)
	err := r.Scan(&o.OpID, &o.KioskID, &o.Epoch, &o.Seq, &o.Type, &o.RequestHash, &o.Outcome,
		&o.Result, &applied)
	if err != nil {
		return OpRecord{}, err
	}
	o.AppliedAt = fromMillis(applied)
	return o, nil
}

func (c *conn) Op(opID string) (OpRecord, error) {
	return getOne(c, "op", scanOp, `SELECT `+opColumns+` FROM ops WHERE op_id = $1`, opID)
}

func (c *conn) Ops(opIDs []string) (map[string]OpRecord, error) {
	out := make(map[string]OpRecord, len(opIDs))
	if c.session == nil {
		for _, id := range opIDs {
			rec, err := c.Op(id)
			if errors.Is(err, ErrNotFound) {
				continue
			} else if err != nil {
				return nil, err
			}
			out[id] = rec
		}
		return out, nil
	}
	if len(opIDs) == 0 {
		return out, nil
	}
	recs, err := list(c, "ops", scanOp, `SELECT `+opColumns+` FROM ops WHERE op_id = ANY($1)`, opIDs)
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		out[rec.OpID] = rec
	}
	return out, nil
}

func (c *conn) OpAt(kioskID string, epoch, seq int64) (OpRecord, error) {
	return getOne(c, "op at sequence", scanOp,
		`SELECT `+opColumns+` FROM ops WHERE kiosk_id = $1 AND epoch = $2 AND seq = $3`,
		kioskID, epoch, seq)
}

func (c *conn) OpCounts() (map[string]int64, error) {
	type count struct {
		outcome string
		n       int64
	}
	counts, err := list(c, "op counts", func(r scanner) (count, error) {
		var x count
		return x, r.Scan(&x.outcome, &x.n)
	}, `SELECT outcome, count(*) FROM ops GROUP BY outcome`)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(counts))
	for _, x := range counts {
		out[x.outcome] = x.n
	}
	return out, nil
}

// InsertOp relies on ON CONFLICT DO NOTHING without a conflict target, which covers every unique
// constraint: the op ID and (kiosk, epoch, seq). On PostgreSQL a concurrent insert of the same
// key waits for the first transaction and then inserts nothing; on SQLite writers never overlap.
func (c *conn) InsertOp(rec OpRecord) (bool, error) {
	res, err := c.exec(`INSERT INTO ops (`+opColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT DO NOTHING`,
		rec.OpID, rec.KioskID, rec.Epoch, rec.Seq, rec.Type, rec.RequestHash, rec.Outcome,
		blob(rec.Result), millis(rec.AppliedAt))
	if err != nil {
		return false, fmt.Errorf("store: insert op: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: insert op: %w", err)
	}
	if n == 1 && rec.Outcome == "rejected" {
		// The kiosk's count of rejections nobody has followed up (staff.go): the ops
		// transaction holds the kiosk's row already, so this costs no new lock.
		if err := c.later("count a rejection", false, `UPDATE kiosks SET open_rejections = open_rejections + 1 WHERE id = $1`, rec.KioskID); err != nil {
			return false, err
		}
	}
	return n == 1, nil
}

const kioskColumns = `id, name, hall, profile, secret, enrolled_at, last_seen, epoch, last_seq, revoked_at`

func scanKiosk(r scanner) (Kiosk, error) {
	var (
		k                           Kiosk
		enrolled, lastSeen, revoked int64
	)
	err := r.Scan(&k.ID, &k.Name, &k.Hall, &k.Profile, &k.Secret, &enrolled, &lastSeen, &k.Epoch, &k.LastSeq, &revoked)
	if err != nil {
		return Kiosk{}, err
	}
	k.EnrolledAt, k.LastSeen, k.RevokedAt = fromMillis(enrolled), fromMillis(lastSeen), fromMillis(revoked)
	return k, nil
}

func (c *conn) Kiosk(id string) (Kiosk, error) {
	return getOne(c, "kiosk", scanKiosk, `SELECT `+kioskColumns+` FROM kiosks WHERE id = $1`, id)
}

func (s *db) Kiosk(ctx context.Context, id string) (Kiosk, error) {
	q := s.d.rebind(`SELECT ` + kioskColumns + ` FROM kiosks WHERE id = $1`)
	s.traced(q)
	var row *sql.Row
	if st := s.stmtsFor(s.reader).get(q); st != nil {
		row = st.QueryRowContext(ctx, id)
	} else {
		row = s.reader.QueryRowContext(ctx, q, id)
	}
	k, err := scanKiosk(row)
	if errors.Is(err, sql.ErrNoRows) {
		return k, fmt.Errorf("store: kiosk: %w", ErrNotFound)
	} else if err != nil {
		return k, fmt.Errorf("store: kiosk: %w", err)
	}
	return k, nil
}

func (c *conn) LockKiosk(id string) (Kiosk, error) {
	return getOne(c, "lock kiosk", scanKiosk,
		`SELECT `+kioskColumns+` FROM kiosks WHERE id = $1`+c.d.forUpdate(), id)
}

func (c *conn) Kiosks() ([]Kiosk, error) {
	return list(c, "kiosks", scanKiosk, `SELECT `+kioskColumns+` FROM kiosks ORDER BY id`)
}

func (c *conn) InsertKiosk(k Kiosk) error {
	_, err := c.exec(`INSERT INTO kiosks (`+kioskColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		k.ID, k.Name, k.Hall, k.Profile, blob(k.Secret), millis(k.EnrolledAt), millis(k.LastSeen), k.Epoch,
		k.LastSeq, millis(k.RevokedAt))
	if err != nil {
		return fmt.Errorf("store: insert kiosk: %w", err)
	}
	return nil
}

func (c *conn) SetKioskProgress(kioskID string, epoch, lastSeq int64) error {
	return c.later("set kiosk progress", true, `UPDATE kiosks SET epoch = $2, last_seq = $3 WHERE id = $1`,
		kioskID, epoch, lastSeq)
}

func (c *conn) TouchKiosk(kioskID string, at time.Time) error {
	return c.later("touch kiosk", true, `UPDATE kiosks SET last_seen = $2 WHERE id = $1`,
		kioskID, millis(at))
}

// RevokeKiosk keeps the first revocation time of a kiosk that is revoked already.
func (c *conn) RevokeKiosk(kioskID string, at time.Time) error {
	if _, err := c.Kiosk(kioskID); err != nil {
		return err
	}
	_, err := c.exec(`UPDATE kiosks SET revoked_at = $2 WHERE id = $1 AND revoked_at = 0`, kioskID, millis(at))
	if err != nil {
		return fmt.Errorf("store: revoke kiosk: %w", err)
	}
	return nil
}

func (c *conn) SetKioskSecret(kioskID string, secret []byte) error {
	return c.execOne("set kiosk secret", `UPDATE kiosks SET secret = $2 WHERE id = $1`, kioskID, blob(secret))
}
