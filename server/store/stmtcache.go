package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCacheSize bounds the cache: queries are fixed strings except the plate lists of
// ViolationsOfPlates, whose length varies, and the LIMITs written into the text (one per
// constant the server passes), so the set is small but not closed.
const stmtCacheSize = 256

// stmtCache holds statements prepared on one pool, so that SQL is parsed once instead of on
// every call (parsing was a fifth of the embedded store's CPU time under load). A transaction
// uses a cached statement through Tx.StmtContext, which prepares it once on the transaction's
// own connection and keeps it there.
//
// A statement is prepared in the background after its first use, never inside the transaction
// that missed: preparing on the pool needs a free connection, and the embedded store's single
// writer connection is the one that transaction holds.
type stmtCache struct {
	pool    *sql.DB
	mu      sync.Mutex
	m       map[string]*sql.Stmt
	pending map[string]bool
	closed  bool
	wg      sync.WaitGroup
}

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, m: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// get returns the cached statement for query, or nil (and starts preparing it) on a miss.
func (c *stmtCache) get(query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok || c.closed || c.pending[query] || len(c.m)+len(c.pending) >= stmtCacheSize {
		return st
	}
	c.pending[query] = true
	c.wg.Add(1)
	go c.prepare(query)
	return nil
}

func (c *stmtCache) prepare(query string) {
	defer c.wg.Done()
	st, err := c.pool.PrepareContext(context.Background(), query)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.pending, query)
	switch {
	case err != nil:
		// Left unprepared: the query keeps running without the cache, and reports its own error.
	case c.closed:
		st.Close()
	default:
		c.m[query] = st
	}
}

// close releases the statements; it waits for preparations in flight.
func (c *stmtCache) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = map[string]*sql.Stmt{}
}
