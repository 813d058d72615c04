package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/model"
	"github.com/jackc/pgx/v5/pgconn"
)

// writeOneOfEverything writes a record of every kind (and draws from every counter).
func writeOneOfEverything(tx Tx) error {
	v := violation("V1", plateA(), at("2025-03-01 08:00:00.000"))
	ok, err := tx.InsertOp(OpRecord{OpID: "op-1", KioskID: "K-001", Epoch: 1, Seq: 1, Outcome: "applied"})
	if err != nil || !ok {
		return fmt.Errorf("insert op: %v %w", ok, err)
	}
	if _, err := tx.NextDecisionSeq("500112", 2025, 1); err != nil {
		return err
	}
	if _, err := tx.AppendRefChange("texts", "", []byte("{}")); err != nil {
		return err
	}
	if _, err := tx.InsertBinding(model.Binding{Driver: idLi, Plate: plateA(), Since: v.Time}); err != nil {
		return err
	}
	if _, err := tx.InsertFollow(model.Follow{Follower: idLi, Plate: plateA(), RequestedAt: v.Time}); err != nil {
		return err
	}
	return errors.Join(tx.InsertKiosk(kiosk("K-001")), tx.PutDriver(licensed(idZhang, "张三")),
		tx.PutVehicle(Vehicle{Vehicle: model.Vehicle{Plate: plateA(), Owner: idZhang}}),
		tx.PutViolation(v), tx.PutMeta("k", "v"),
		tx.InsertDecision(model.Decision{Number: "D1", ViolationID: v.ID}),
		tx.InsertPointsEntry(idZhang, model.PointsEntry{Decision: "D1", Points: 3}),
		tx.InsertPayment(v.ID, model.Payment{ID: "P1", Decision: "D1", Fine: 100}),
		insertPayOrder(tx, PayOrder{ID: "order-1", KioskID: "K-001", Status: "waiting", Token: "TOKEN1"}))
}

// insertPayOrder inserts an order that must be new.
func insertPayOrder(tx Tx, o PayOrder) error {
	ok, err := tx.InsertPayOrder(o)
	if err == nil && !ok {
		err = errors.New("insert pay order: an order with this id exists")
	}
	return err
}

// checkEmpty fails unless the store holds nothing: single lookups report ErrNotFound and lists
// are empty but not nil.
func checkEmpty(t *testing.T, r Reader) {
	t.Helper()
	notFound := map[string]error{}
	_, notFound["Driver"] = r.Driver(idZhang)
	_, notFound["Vehicle"] = r.Vehicle(plateA())
	_, notFound["Violation"] = r.Violation("V1")
	_, notFound["Decision"] = r.Decision("D1")
	_, notFound["Op"] = r.Op("op-1")
	_, notFound["OpAt"] = r.OpAt("K-001", 1, 1)
	_, notFound["Kiosk"] = r.Kiosk("K-001")
	_, notFound["PayOrder"] = r.PayOrder("order-1")
	for name, err := range notFound {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}
	lists := map[string]func() (int, bool, error){
		"VehiclesOwnedBy":          lenOf(func() ([]Vehicle, error) { return r.VehiclesOwnedBy(idZhang) }),
		"Bindings":                 lenOf(func() ([]Binding, error) { return r.Bindings(BindingFilter{Driver: idLi}) }),
		"Follows":                  lenOf(func() ([]Follow, error) { return r.Follows(FollowFilter{Follower: idLi}) }),
		"ViolationsOfPlates":       lenOf(func() ([]model.Violation, error) { return r.ViolationsOfPlates([]model.Plate{plateA()}) }),
		"ViolationsOfNoPlates":     lenOf(func() ([]model.Violation, error) { return r.ViolationsOfPlates(nil) }),
		"ViolationsDecidedAgainst": lenOf(func() ([]model.Violation, error) { return r.ViolationsDecidedAgainst(idZhang) }),
		"PointsEntries":            lenOf(func() ([]model.PointsEntry, error) { return r.PointsEntries(idZhang) }),
		"Payments":                 lenOf(func() ([]model.Payment, error) { return r.Payments("V1") }),
		"Kiosks":                   lenOf(r.Kiosks),
		"RefChanges":               lenOf(func() ([]RefChange, error) { return r.RefChanges(0) }),
	}
	for name, fn := range lists {
		if n, isNil, err := fn(); n != 0 || isNil || err != nil {
			t.Errorf("%s: %d records, nil %v, error %v; want an empty list", name, n, isNil, err)
		}
	}
	if counts, err := r.OpCounts(); counts == nil || len(counts) != 0 || err != nil {
		t.Errorf("OpCounts: %v %v, want an empty map", counts, err)
	}
	if _, ok, err := r.Meta("k"); ok || err != nil {
		t.Errorf("Meta: %v %v", ok, err)
	}
}

func lenOf[T any](fn func() ([]T, error)) func() (int, bool, error) {
	return func() (int, bool, error) {
		l, err := fn()
		return len(l), l == nil, err
	}
}

func TestEmptyStore(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		mustRead(t, s, func(r Reader) error { checkEmpty(t, r); return nil })
		mustTx(t, s, func(tx Tx) error {
			_, errK := tx.LockKiosk("K-001")
			_, errD := tx.LockDriver(idZhang)
			_, errV := tx.LockViolation("V1")
			_, errO := tx.LockPayOrder("order-1")
			for _, err := range []error{errK, errD, errV, errO} {
				if !errors.Is(err, ErrNotFound) {
					t.Errorf("lock of a missing record: %v, want ErrNotFound", err)
				}
			}
			return nil
		})
	})
}

func TestRolledBackTxLeavesNothing(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		boom := errors.New("boom")
		err := s.Tx(t.Context(), func(tx Tx) error {
			if err := writeOneOfEverything(tx); err != nil {
				t.Fatalf("write: %v", err)
			}
			return fmt.Errorf("service: %w", boom)
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx returned %v, want fn's error", err)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("a panic in fn did not reach the caller")
				}
			}()
			_ = s.Tx(t.Context(), func(tx Tx) error {
				_ = writeOneOfEverything(tx)
				panic("service bug")
			})
		}()
		mustRead(t, s, func(r Reader) error { checkEmpty(t, r); return nil })
		// Counters rolled back too: the first committed numbers are still 1. On PostgreSQL a
		// decision number is drawn as a sequence's value is, committed at once: the two drawn
		// by the transactions that rolled back stay unused, and the next is the third.
		wantSeq := int64(1)
		if s.Kind() == "postgres" {
			wantSeq = 3
		}
		mustTx(t, s, func(tx Tx) error {
			n, err := tx.NextDecisionSeq("500112", 2025, 1)
			seq, err2 := tx.AppendRefChange("texts", "", nil)
			if n != wantSeq || seq != 1 {
				t.Errorf("after rollback: decision seq %d, ref change seq %d; want %d and 1", n, seq, wantSeq)
			}
			return errors.Join(err, err2)
		})
		// And the store works normally afterwards.
		mustTx(t, s, writeOneOfEverything)
	})
}

func TestReadSeesOneSnapshot(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		mustTx(t, s, func(tx Tx) error { return tx.PutMeta("x", "1") })
		mustRead(t, s, func(r Reader) error {
			if v, _, _ := r.Meta("x"); v != "1" {
				t.Fatalf("first read: %q", v)
			}
			// A writer commits in the middle of the read.
			mustTx(t, s, func(tx Tx) error {
				return errors.Join(tx.PutMeta("x", "2"), tx.PutMeta("y", "new"))
			})
			v, _, err := r.Meta("x")
			_, okY, errY := r.Meta("y")
			if v != "1" || okY {
				t.Errorf("read saw a later commit: x=%q, y present %v", v, okY)
			}
			return errors.Join(err, errY)
		})
		mustRead(t, s, func(r Reader) error {
			if v, _, _ := r.Meta("x"); v != "2" {
				t.Errorf("next read: x=%q, want 2", v)
			}
			return nil
		})
	})
}

func TestNextDecisionSeq(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		imported, err := model.NewDecisionNumber("500114", 2025, 41)
		if err != nil {
			t.Fatal(err)
		}
		mustTx(t, s, func(tx Tx) error {
			return errors.Join(tx.PutViolation(violation("V-IMPORTED", plateA(), at("2025-03-01 08:00:00.000"))),
				tx.InsertDecision(model.Decision{Number: imported, ViolationID: "V-IMPORTED"}))
		})
		var got []int64
		mustTx(t, s, func(tx Tx) error {
			for _, k := range []struct {
				office  string
				year, n int
			}{{"500112", 2025, 1}, {"500112", 2025, 3}, {"500112", 2026, 1}, {"500113", 2025, 2}, {"500112", 2025, 1},
				{"500114", 2025, 2}, {"500114", 2025, 1}} {
				n, err := tx.NextDecisionSeq(k.office, k.year, k.n)
				if err != nil {
					return err
				}
				got = append(got, n)
			}
			if _, err := tx.NextDecisionSeq("500112", 2025, 0); err == nil {
				return errors.New("no numbers asked for, and no error")
			}
			return nil
		})
		// Each draw answers the first of its numbers; the next draw of the office and year goes
		// on after the last. An imported decision's number is the floor of its office's first.
		same(t, "sequences per office and year", got, []int64{1, 2, 1, 1, 5, 42, 44})
	})
}

func TestRememberNonce(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx, now := t.Context(), time.Now()
		later := now.Add(time.Minute)
		check := func(kiosk, nonce string, at, until time.Time, want bool) {
			t.Helper()
			fresh, err := s.RememberNonce(ctx, kiosk, nonce, at, until)
			if err != nil || fresh != want {
				t.Errorf("RememberNonce(%s, %s): %v %v, want %v", kiosk, nonce, fresh, err, want)
			}
		}
		check("K-001", "n1", now, later, true)
		check("K-001", "n1", now, later, false)
		check("K-002", "n1", now, later, true) // nonces are per kiosk
		check("K-001", "n2", now, now.Add(-time.Second), true)
		check("K-001", "n2", now, later, true) // its expiry had passed
		check("K-001", "n2", now, later, false)
		// The caller's clock decides, not this machine's: hours behind, a replay is still caught,
		// and a nonce is free again once its expiry has passed on that clock.
		behind := now.Add(-10 * time.Hour)
		check("K-001", "n3", behind, behind.Add(2*time.Minute), true)
		check("K-001", "n3", behind, behind.Add(2*time.Minute), false)
		check("K-001", "n3", behind.Add(time.Hour), behind.Add(time.Hour+2*time.Minute), true)
	})
}

// TestDeadlockIsRetried makes two transactions lock two drivers in opposite orders. PostgreSQL
// aborts one with a deadlock error; Tx must run it again so that both succeed.
func TestDeadlockIsRetried(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		if s.Kind() == kindSQLite {
			t.Skip("SQLite runs one writer at a time: transactions cannot deadlock")
		}
		mustTx(t, s, func(tx Tx) error {
			return errors.Join(tx.PutDriver(licensed(idZhang, "张三")), tx.PutDriver(licensed(idLi, "李四")))
		})
		var attempts atomic.Int32
		var firstLocks sync.WaitGroup
		firstLocks.Add(2)
		run := func(first, second model.IDNumber) error {
			tried := false
			return s.Tx(t.Context(), func(tx Tx) error {
				attempts.Add(1)
				if _, err := tx.LockDriver(first); err != nil {
					return err
				}
				if !tried {
					tried = true
					firstLocks.Done()
					firstLocks.Wait() // both hold their first lock: the second locks now cross
				}
				_, err := tx.LockDriver(second)
				return err
			})
		}
		errs := make(chan error, 2)
		go func() { errs <- run(idZhang, idLi) }()
		go func() { errs <- run(idLi, idZhang) }()
		for range 2 {
			if err := <-errs; err != nil {
				t.Errorf("Tx: %v", err)
			}
		}
		if n := attempts.Load(); n < 3 {
			t.Errorf("%d attempts: the deadlock was not provoked or not retried", n)
		}
	})
}

func TestRetryable(t *testing.T) {
	for code, want := range map[string]bool{"40001": true, "40P01": true, "23505": false, "57014": false} {
		err := fmt.Errorf("store: commit: %w", &pgconn.PgError{Code: code})
		if retryable(err) != want {
			t.Errorf("SQLSTATE %s: retryable %v, want %v", code, !want, want)
		}
	}
	if retryable(ErrNotFound) || retryable(errors.New("other")) {
		t.Errorf("a non-database error is retryable")
	}
}

// ReadPerson answers what Read with PrefetchPerson answers. On PostgreSQL the snapshot is read
// and released in one round trip: a read outside it runs the function again in an open read,
// and a read that fails in the batch leaves no transaction open on the connection.
func TestReadPerson(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		mustTx(t, s, func(tx Tx) error {
			return errors.Join(tx.PutDriver(licensed(idZhang, "张三")), tx.PutDriver(licensed(idLi, "李四")),
				tx.PutVehicle(Vehicle{Vehicle: model.Vehicle{Plate: plateA(), Owner: idZhang}}))
		})
		var calls int
		var owned []Vehicle
		_, err := s.ReadPerson(ctx, idZhang, 5, nil, func(r Reader) error {
			calls++
			d, err := r.Driver(idZhang)
			if err != nil || d.Name != "张三" {
				return fmt.Errorf("the person: %+v %w", d, err)
			}
			if owned, err = r.VehiclesOwnedBy(idZhang); err != nil {
				return err
			}
			return nil
		})
		if err != nil || len(owned) != 1 || calls != 1 {
			t.Fatalf("a lookup's reads: %v, %d vehicles, %d calls; want one call", err, len(owned), calls)
		}

		// Someone else's record was not read ahead.
		calls = 0
		var other Driver
		_, err = s.ReadPerson(ctx, idZhang, 5, nil, func(r Reader) error {
			calls++
			var err error
			other, err = r.Driver(idLi)
			return err
		})
		want := 1
		if s.Kind() == "postgres" {
			want = 2
		}
		if err != nil || other.Name != "李四" || calls != want {
			t.Errorf("a read outside the snapshot: %v, %q, %d calls; want %d", err, other.Name, calls, want)
		}
		if s.Kind() != "postgres" {
			return
		}

		// A negative LIMIT fails the unread rejections' read inside the batch.
		for range 3 {
			_, err = s.ReadPerson(ctx, idZhang, -1, nil, func(Reader) error { return nil })
			if err == nil {
				t.Fatal("a failing read in the batch was not reported")
			}
		}
		var open int
		// Asked on the other pool: a connection of the reading pool would first discard one
		// left in a transaction (pgx's stdlib does that before lending it again).
		if err := s.(*db).nosyncDB.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND state LIKE 'idle in transaction%'`).Scan(&open); err != nil {
			t.Fatal(err)
		}
		if open != 0 {
			t.Errorf("%d connections left inside a transaction", open)
		}
		if _, err := s.ReadPerson(ctx, idZhang, 5, nil, func(r Reader) error { _, err := r.Driver(idZhang); return err }); err != nil {
			t.Errorf("a read after the failures: %v", err)
		}
	})
}

// ReadPerson with an attempt decides the identification once the reads have succeeded, by the
// record (Identifies; on PostgreSQL said again in SQL), and only then: a read that fails in the
// batch takes no token from the kiosk's bucket.
func TestReadPersonDecidesTheAttempt(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		noLicence := licensed(idLi, "李四")
		noLicence.Licence = nil
		mustTx(t, s, func(tx Tx) error {
			return errors.Join(tx.PutDriver(licensed(idZhang, "张三")), tx.PutDriver(noLicence))
		})
		lim := IdentifyLimits{PerMinute: 1000, FreeFailures: 3, MaxDelay: time.Minute, FailuresPerHour: 30,
			ForgetAfter: 15 * time.Minute, SlowEvery: 20 * time.Second}
		now := at("2026-12-06 10:00:00.000")
		// Zhang's licence has the file number 500112345678; Li has no licence; the third ID
		// number is nobody's.
		for i, c := range []struct {
			id    model.IDNumber
			file  model.FileNumber
			card  bool
			found bool
		}{
			{idZhang, "500112345678", false, true}, {idZhang, "500112345679", false, false}, {idZhang, "", true, true},
			{idLi, "500112345678", false, false}, {idLi, "", true, false}, {"110101199003070000", "", true, false},
		} {
			want := c.found
			var calls int
			got, err := s.ReadPerson(ctx, c.id, 5, &IdentifyAttempt{KioskID: "K", Limits: lim, Card: c.card, File: c.file, Now: now},
				func(Reader) error { calls++; return nil })
			if err != nil || !got.Decided || got.Found != want || !got.Admission.Admitted() || calls != 1 {
				t.Errorf("case %d (%+v): %+v, %v, %d calls; want decided, found %t, admitted, one call", i, c, got, err, calls, want)
			}
		}
		if s.Kind() != "postgres" {
			return
		}
		// A bucket of one token: the failed read takes none, the next read takes it, the third
		// is refused.
		lim.PerMinute = 1
		attempt := &IdentifyAttempt{KioskID: "one", Limits: lim, Card: true, Now: now}
		if got, err := s.ReadPerson(ctx, idZhang, -1, attempt, func(Reader) error { return nil }); err == nil || got.Decided {
			t.Fatalf("a failing read: %+v, %v; want an error and no decision", got, err)
		}
		for i, admitted := range []bool{true, false} {
			got, err := s.ReadPerson(ctx, idZhang, 5, attempt, func(Reader) error { return nil })
			if err != nil || got.Admission.Admitted() != admitted {
				t.Errorf("read %d after the failed one: %+v, %v; want admitted %t", i+1, got, err, admitted)
			}
		}
	})
}
