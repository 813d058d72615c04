package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"time"
)

// writeHeadroom is the room a store must have left to call itself writable: more than a batch
// of 500 operations with their results and indexes needs. A database with less is full for
// practical purposes, and saying so before a write fails half-way through a hall's queue is the
// truth an operator needs.
const writeHeadroom = 4 << 20

// healthKey is the meta row CheckWritable writes.
const healthKey = "health_checked_at"

// CheckWritable commits a one-row write (the time of the check in meta: an update in place that
// costs one commit, which the server rate-limits) and, on SQLite, checks the room left for the
// database to grow: the free space of its file system and its page limit. A full store answers
// an error IsFull recognises (ErrFull when only the headroom is short), a read-only one an
// error IsReadOnly recognises.
func (s *db) CheckWritable(ctx context.Context, now time.Time) error {
	err := s.Tx(ctx, func(tx Tx) error {
		c := tx.(*conn)
		if err := c.PutMeta(healthKey, strconv.FormatInt(millis(now), 10)); err != nil {
			return err
		}
		if s.d.kind == kindSQLite {
			return c.sqliteRoom()
		}
		return nil
	})
	if err == nil && s.path != "" {
		err = diskRoom(filepath.Dir(s.path))
	}
	if err != nil {
		return fmt.Errorf("store: check writable: %w", err)
	}
	return nil
}

// sqliteRoom checks that the database may grow by writeHeadroom under its page limit
// (max_page_count, which an operator may set to cap the file), counting free pages inside it.
func (c *conn) sqliteRoom() error {
	var pages, maxPages, free, size int64
	for _, p := range []struct {
		pragma string
		v      *int64
	}{{"page_count", &pages}, {"max_page_count", &maxPages}, {"freelist_count", &free}, {"page_size", &size}} {
		if err := c.tx.QueryRowContext(c.ctx, "PRAGMA "+p.pragma).Scan(p.v); err != nil {
			return fmt.Errorf("read %s: %w", p.pragma, err)
		}
	}
	if room := (maxPages - pages + free) * size; room < writeHeadroom {
		return fmt.Errorf("%d bytes left under the page limit: %w", room, ErrFull)
	}
	return nil
}
