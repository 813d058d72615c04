package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

func (c *conn) Meta(key string) (string, bool, error) {
	var value string
	err := c.queryRow(`SELECT value FROM meta WHERE key = $1`, key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: meta: %w", err)
	}
	return value, true, nil
}

func (c *conn) PutMeta(key, value string) error {
	_, err := c.exec(`INSERT INTO meta (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, key, value)
	if err != nil {
		return fmt.Errorf("store: put meta: %w", err)
	}
	return nil
}

// refChangeCounter names the counter that numbers reference-data changes.
const refChangeCounter = "ref_changes"

// AppendRefChange numbers changes from a counter row rather than a sequence. Kiosks read the
// feed as "everything after the last number I saw", so numbers must become visible in order.
// A sequence hands out numbers at insert time and two transactions may commit in the other
// order, letting a reader skip the smaller number for ever; the counter's row lock makes the
// next transaction wait for the commit of the previous one, so number order is commit order.
func (c *conn) AppendRefChange(kind, key string, body []byte) (int64, error) {
	var seq int64
	err := c.queryRow(`INSERT INTO counters (name, value) VALUES ($1, 1)
		ON CONFLICT (name) DO UPDATE SET value = counters.value + 1
		RETURNING value`, refChangeCounter).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("store: append reference change: %w", err)
	}
	_, err = c.exec(`INSERT INTO ref_changes (seq, kind, key, body, at) VALUES ($1, $2, $3, $4, $5)`,
		seq, kind, key, blob(body), millis(time.Now()))
	if err != nil {
		return 0, fmt.Errorf("store: append reference change: %w", err)
	}
	return seq, nil
}

func (c *conn) RefChanges(since int64) ([]RefChange, error) {
	return list(c, "reference changes", func(r scanner) (RefChange, error) {
		var (
			ch RefChange
			at int64
		)
		err := r.Scan(&ch.Seq, &ch.Kind, &ch.Key, &ch.Body, &at)
		ch.At = fromMillis(at)
		return ch, err
	}, `SELECT seq, kind, key, body, at FROM ref_changes WHERE seq > $1 ORDER BY seq`, since)
}
