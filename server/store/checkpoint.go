package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"time"
)

// checkpointer copies the embedded store's WAL into the database file in the background.
//
// Left to SQLite, the commit that takes the WAL past its limit does that copy itself, holding
// the one writer connection while it writes the pages back and waits for the disk: every write
// queues behind it. In a database the size of a province the pages are scattered over gigabytes,
// and that commit's request, and the ones waiting for the writer, took tens of milliseconds
// longer (the p99 of processing and payment). Here a connection of its own runs a PASSIVE
// checkpoint every period: it waits for no reader and no writer, and the writer goes on
// appending to the WAL meanwhile; the first commit after a complete copy starts the WAL again
// from its beginning, so the file stops growing. The writer's own checkpoint remains as a
// fallback at a larger size (sqliteFallbackCheckpoint), should this one fall behind or fail.
type checkpointer struct {
	db   *sql.DB
	done chan struct{}
	quit chan struct{}
	runs atomic.Int64 // checkpoints run, for tests
}

// startCheckpointer opens the checkpointer's connection to the database at path and starts it.
func startCheckpointer(ctx context.Context, path string, every time.Duration) (*checkpointer, error) {
	pool, err := openSQLitePool(ctx, path, fmt.Sprintf("_pragma=busy_timeout(%d)", sqliteBusyTimeout.Milliseconds()), 1)
	if err != nil {
		return nil, err
	}
	c := &checkpointer{db: pool, done: make(chan struct{}), quit: make(chan struct{})}
	go c.run(every)
	return c, nil
}

func (c *checkpointer) run(every time.Duration) {
	defer close(c.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.quit:
			return
		case <-t.C:
		}
		// A failure (the disk full, say) is not this goroutine's to report: the writer's own
		// checkpoint takes over at the larger size, and the health check reports the disk.
		var busy, frames, copied int64
		if err := c.db.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied); err == nil {
			c.runs.Add(1)
		}
	}
}

// stop ends the checkpointer and closes its connection; nil does nothing.
func (c *checkpointer) stop() error {
	if c == nil {
		return nil
	}
	close(c.quit)
	<-c.done
	return c.db.Close()
}
