package store

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func ownerCheck(token string) OwnerCheck {
	return OwnerCheck{
		Token: token, KioskID: "K-001", Owner: idLi, Driver: idZhang, Plate: plateB(),
		IssuedAt: at("2026-11-21 10:00:00.250"),
	}
}

func TestOwnerChecksRoundTrip(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		o := ownerCheck("0123456789abcdef0123456789abcdef")
		mustTx(t, s, func(tx Tx) error { return tx.InsertOwnerCheck(o) })
		mustTx(t, s, func(tx Tx) error {
			got, err := tx.LockOwnerCheck(o.Token)
			same(t, "owner check as inserted", got, o)
			if err != nil {
				return err
			}
			return tx.UseOwnerCheck(o.Token, "op-1")
		})
		used := o
		used.UsedBy = "op-1"
		mustTx(t, s, func(tx Tx) error {
			got, err := tx.LockOwnerCheck(o.Token)
			same(t, "owner check after use", got, used)
			return err
		})

		// A token is unique: a second check with it is an error, and the first stays as it was.
		other := ownerCheck(o.Token)
		other.Driver = idWang
		if err := s.Tx(t.Context(), func(tx Tx) error { return tx.InsertOwnerCheck(other) }); err == nil {
			t.Error("a second owner check with the same token was accepted")
		}
		mustTx(t, s, func(tx Tx) error {
			got, err := tx.LockOwnerCheck(o.Token)
			same(t, "owner check after a colliding insert", got, used)
			return err
		})

		for name, fn := range map[string]func(Tx) error{
			"lock": func(tx Tx) error { _, err := tx.LockOwnerCheck("ffffffffffffffffffffffffffffffff"); return err },
			"use":  func(tx Tx) error { return tx.UseOwnerCheck("ffffffffffffffffffffffffffffffff", "op-2") },
		} {
			if err := s.Tx(t.Context(), fn); !errors.Is(err, ErrNotFound) {
				t.Errorf("%s of an unknown token: %v, want ErrNotFound", name, err)
			}
		}
	})
}

// TestOwnerCheckUsedOnce runs transactions at once that each lock the same unused check and use
// it when they find it unused: the lock lets exactly one of them find it unused.
func TestOwnerCheckUsedOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		o := ownerCheck("00112233445566778899aabbccddeeff")
		mustTx(t, s, func(tx Tx) error { return tx.InsertOwnerCheck(o) })
		var users atomic.Int32
		errs := make(chan error, 8)
		for i := range 8 {
			go func() {
				errs <- s.Tx(t.Context(), func(tx Tx) error {
					got, err := tx.LockOwnerCheck(o.Token)
					if err != nil || got.UsedBy != "" {
						return err
					}
					users.Add(1)
					return tx.UseOwnerCheck(o.Token, "op-"+string(rune('a'+i)))
				})
			}()
		}
		for range 8 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if n := users.Load(); n != 1 {
			t.Errorf("%d transactions found the check unused, want exactly 1", n)
		}
	})
}

// TestMigrationToOwnerChecks opens a database as schema version 2 left it: opening it again adds
// the table and keeps the data.
func TestMigrationToOwnerChecks(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		mustTx(t, s, func(tx Tx) error { return tx.InsertKiosk(kiosk("K-001")) })
		d := s.(*db)
		for _, q := range []string{`DROP TABLE owner_checks`, `DELETE FROM schema_migrations WHERE version = 3`} {
			if _, err := d.writer.ExecContext(t.Context(), q); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.migrate(t.Context()); err != nil {
			t.Fatalf("migrate from version 2: %v", err)
		}
		same(t, "schema versions", schemaVersions(t, s), latestVersions())
		mustTx(t, s, func(tx Tx) error {
			if _, err := tx.Kiosk("K-001"); err != nil {
				return err
			}
			return tx.InsertOwnerCheck(ownerCheck("TOKEN"))
		})
	})
}

// Owner checks are kept for a month: inserting one deletes those issued more than
// ownerCheckRetention before it, and keeps the younger.
func TestOwnerChecksArePruned(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		old, young, fresh := ownerCheck("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), ownerCheck("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
			ownerCheck("cccccccccccccccccccccccccccccccc")
		young.IssuedAt = old.IssuedAt.Add(time.Hour)
		fresh.IssuedAt = old.IssuedAt.Add(ownerCheckRetention + time.Minute)
		for _, o := range []OwnerCheck{old, young, fresh} {
			mustTx(t, s, func(tx Tx) error { return tx.InsertOwnerCheck(o) })
		}
		mustTx(t, s, func(tx Tx) error {
			if _, err := tx.LockOwnerCheck(old.Token); !errors.Is(err, ErrNotFound) {
				t.Errorf("the check older than the retention: %v, want it gone", err)
			}
			for _, o := range []OwnerCheck{young, fresh} {
				if _, err := tx.LockOwnerCheck(o.Token); err != nil {
					t.Errorf("a check within the retention: %v", err)
				}
			}
			return nil
		})
	})
}
