package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/internal/pgtest"
)

// race runs fn(i) for i in [0, n) in n goroutines released together, and returns the first error.
func race(n int, fn func(i int) error) error {
	var (
		start = make(chan struct{})
		wg    sync.WaitGroup
		errs  = make([]error, n)
	)
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errors.Join(errs...)
}

// pick spreads work over several Store instances, as over several server processes.
func pick(stores []Store, i int) Store { return stores[i%len(stores)] }

func setupKioskAndDriver(t *testing.T, s Store) {
	t.Helper()
	mustTx(t, s, func(tx Tx) error {
		return errors.Join(tx.InsertKiosk(kiosk("K-001")), tx.PutDriver(licensed(idZhang, "张三")))
	})
}

// checkInsertOpOnce inserts one op from 10 transactions at once, each holding its transaction
// open a moment after the insert so that the others meet it uncommitted. Exactly one inserts.
func checkInsertOpOnce(t *testing.T, stores []Store, sameOpID bool) {
	var inserted atomic.Int32
	err := race(10, func(i int) error {
		rec := OpRecord{OpID: "op-1", KioskID: "K-001", Epoch: 1, Seq: 5, Outcome: "applied",
			Result: []byte(strconv.Itoa(i))}
		if !sameOpID {
			rec.OpID = fmt.Sprintf("op-%d", i) // only (kiosk, epoch, seq) collides
		}
		return pick(stores, i).Tx(context.Background(), func(tx Tx) error {
			ok, err := tx.InsertOp(rec)
			if ok {
				inserted.Add(1)
			}
			time.Sleep(5 * time.Millisecond)
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := inserted.Load(); n != 1 {
		t.Errorf("%d transactions inserted the op, want exactly 1", n)
	}
	mustRead(t, stores[0], func(r Reader) error {
		counts, err := r.OpCounts()
		if counts["applied"] != 1 {
			t.Errorf("%d ops stored, want 1", counts["applied"])
		}
		return err
	})
}

// checkCounterUnderLock has 8 goroutines each make 25 read-modify-write increments of a counter
// kept in meta, each inside a transaction that first takes lock. No increment may be lost.
func checkCounterUnderLock(t *testing.T, stores []Store, key string, lock func(Tx) error) {
	err := race(8, func(i int) error {
		for range 25 {
			err := pick(stores, i).Tx(context.Background(), func(tx Tx) error {
				if err := lock(tx); err != nil {
					return err
				}
				v, _, err := tx.Meta(key)
				if err != nil {
					return err
				}
				n, _ := strconv.Atoi(v)
				time.Sleep(100 * time.Microsecond) // widen the window a lost update needs
				return tx.PutMeta(key, strconv.Itoa(n+1))
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mustRead(t, stores[0], func(r Reader) error {
		if v, _, _ := r.Meta(key); v != "200" {
			t.Errorf("counter %s = %s after 200 increments", key, v)
		}
		return nil
	})
}

// checkDecisionSeqs draws 4 × 50 decision numbers at once: they must be exactly 1..200.
func checkDecisionSeqs(t *testing.T, stores []Store) {
	got := make([][]int64, 4)
	err := race(4, func(i int) error {
		for range 50 {
			err := pick(stores, i).Tx(context.Background(), func(tx Tx) error {
				n, err := tx.NextDecisionSeq("500112", 2025, 1)
				if err == nil {
					got[i] = append(got[i], n)
				}
				return err
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	all := slices.Concat(got...)
	slices.Sort(all)
	for i, n := range all {
		if n != int64(i+1) {
			t.Fatalf("numbers drawn are not 1..200 without duplicates: position %d holds %d", i, n)
		}
	}
	if len(all) != 200 {
		t.Errorf("%d numbers drawn, want 200", len(all))
	}
}

// checkNonceOnce presents each of several nonces from 10 goroutines at once: each nonce is
// fresh for exactly one of them.
func checkNonceOnce(t *testing.T, stores []Store) {
	checkOnce(t, "nonce", func(s Store, nonce string, until time.Time) (bool, error) {
		return s.RememberNonce(context.Background(), "K-001", nonce, time.Now(), until)
	})(stores)
}

// checkClaimOnce is checkNonceOnce for claims through the kiosk's record (ClaimNonce).
func checkClaimOnce(t *testing.T, stores []Store) {
	k := kiosk("K-001")
	checkOnce(t, "claim", func(s Store, nonce string, until time.Time) (bool, error) {
		_, fresh, err := s.ClaimNonce(context.Background(), k, nonce, time.Now(), until)
		return fresh, err
	})(stores)
}

// checkOnce races 10 claims of each of five nonces, spread over the stores.
func checkOnce(t *testing.T, prefix string, claim func(s Store, nonce string, until time.Time) (bool, error)) func([]Store) {
	return func(stores []Store) {
		until := time.Now().Add(time.Minute)
		for round := range 5 {
			var fresh atomic.Int32
			nonce := fmt.Sprintf("%s-%d", prefix, round)
			err := race(10, func(i int) error {
				ok, err := claim(pick(stores, i), nonce, until)
				if ok {
					fresh.Add(1)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if n := fresh.Load(); n != 1 {
				t.Errorf("nonce %s was fresh %d times, want once", nonce, n)
			}
		}
	}
}

func TestConcurrentInsertOp(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		setupKioskAndDriver(t, s)
		checkInsertOpOnce(t, []Store{s}, true)
	})
}

func TestConcurrentInsertOpSameSequence(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		setupKioskAndDriver(t, s)
		checkInsertOpOnce(t, []Store{s}, false)
	})
}

func TestConcurrentIncrementsUnderLock(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		setupKioskAndDriver(t, s)
		checkCounterUnderLock(t, []Store{s}, "by_driver", func(tx Tx) error {
			_, err := tx.LockDriver(idZhang)
			return err
		})
		checkCounterUnderLock(t, []Store{s}, "by_kiosk", func(tx Tx) error {
			_, err := tx.LockKiosk("K-001")
			return err
		})
	})
}

func TestConcurrentDecisionSeq(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) { checkDecisionSeqs(t, []Store{s}) })
}

func TestConcurrentNonce(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		checkNonceOnce(t, []Store{s})
		setupKioskAndDriver(t, s)
		checkClaimOnce(t, []Store{s})
	})
}

// TestTwoServersShareOnePostgres opens two stores on one PostgreSQL database at the same time,
// as two server processes starting together would, and races them against each other.
func TestTwoServersShareOnePostgres(t *testing.T) {
	dsn := pgtest.New(t)
	stores := make([]Store, 2)
	err := race(2, func(i int) error {
		var err error
		stores[i], err = Open(context.Background(), dsn)
		return err
	})
	for _, s := range stores {
		if s != nil {
			t.Cleanup(func() { s.Close() })
		}
	}
	if err != nil {
		t.Fatalf("concurrent Open (migration): %v", err)
	}
	setupKioskAndDriver(t, stores[0])
	t.Run("InsertOp", func(t *testing.T) { checkInsertOpOnce(t, stores, true) })
	t.Run("IncrementsUnderLock", func(t *testing.T) {
		checkCounterUnderLock(t, stores, "by_driver", func(tx Tx) error {
			_, err := tx.LockDriver(idZhang)
			return err
		})
	})
	t.Run("NextDecisionSeq", func(t *testing.T) { checkDecisionSeqs(t, stores) })
	t.Run("RememberNonce", func(t *testing.T) { checkNonceOnce(t, stores) })
	t.Run("ClaimNonce", func(t *testing.T) { checkClaimOnce(t, stores) })
}
