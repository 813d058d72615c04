package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// A query missed inside a write transaction is prepared afterwards, on the single writer
// connection, and used from then on; the transaction that missed must not wait for it.
func TestStatementsArePreparedOnceAndReused(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := st.(*db)
	read := func() {
		done := make(chan error, 1)
		go func() { done <- s.Tx(ctx, func(tx Tx) error { _, _, err := tx.Meta("probe"); return err }) }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a transaction that missed the cache waited for the preparation: deadlock")
		}
	}
	read()
	cache := s.stmtsFor(s.writer)
	deadline := time.Now().Add(5 * time.Second)
	for {
		cache.mu.Lock()
		n := len(cache.m)
		cache.mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the missed statement was never prepared")
		}
		time.Sleep(10 * time.Millisecond)
	}
	read() // now through the cache
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if len(cache.m) != 0 {
		t.Error("closing the store must release its statements")
	}
}
