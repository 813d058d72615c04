package store

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/model"
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

// TestMigrationToOwnerChecks opens a database without owner checks and without the vehicles'
// numbers (schema versions 3 and 6 undone): opening it again adds them and keeps the data, and
// a vehicle stored before has no VIN or certificate number.
func TestMigrationToOwnerChecks(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		mustTx(t, s, func(tx Tx) error { return tx.InsertKiosk(kiosk("K-001")) })
		car := Vehicle{Vehicle: model.Vehicle{Plate: plateB(), OwnerKind: model.OwnerPersonal, Owner: idLi,
			Use: model.UseNonOperating, VIN: "LSVAU218XN2183294"}, OwnerName: "李娜"}
		mustTx(t, s, func(tx Tx) error { return tx.PutVehicle(car) })
		d := s.(*db)
		for _, q := range []string{`DROP TABLE owner_checks`, `DROP TABLE owner_proof_failures`,
			`ALTER TABLE vehicles DROP COLUMN vin`, `ALTER TABLE vehicles DROP COLUMN reg_cert`,
			`DELETE FROM schema_migrations WHERE version IN (3, 6)`} {
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
			got, err := tx.Vehicle(plateB())
			car.VIN = ""
			same(t, "a vehicle stored before version 6", got, car)
			if err != nil {
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

// A check keeps what it authorises and how the owner proved it; a failed proof by number is
// kept with its vehicle and kiosk, listed from a time on, and pruned two days later.
func TestOwnerProofRecords(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		o := ownerCheck("fedcba9876543210fedcba9876543210")
		o.Purpose, o.Proof, o.Face = "bind", "card", "match"
		mustTx(t, s, func(tx Tx) error { return tx.InsertOwnerCheck(o) })
		mustTx(t, s, func(tx Tx) error {
			got, err := tx.LockOwnerCheck(o.Token)
			same(t, "owner check with purpose and proof", got, o)
			return err
		})

		t0 := at("2026-11-21 10:00:00.000")
		other := plateB()
		other.Number = "粤B99999"
		mustTx(t, s, func(tx Tx) error {
			for i, f := range []struct {
				kiosk string
				plate bool // plateB, else other
				at    time.Time
			}{{"K-001", true, t0}, {"K-002", true, t0.Add(time.Hour)}, {"K-001", false, t0.Add(2 * time.Hour)}} {
				p := other
				if f.plate {
					p = plateB()
				}
				if err := tx.InsertOwnerProofFailure(p, f.kiosk, f.at); err != nil {
					return errors.Join(err, errors.New("failure "+string(rune('0'+i))))
				}
			}
			return nil
		})
		mustTx(t, s, func(tx Tx) error {
			byVehicle, err := tx.OwnerProofFailures(plateB(), t0.Add(time.Minute))
			same(t, "failures of the vehicle since", byVehicle, []time.Time{t0.Add(time.Hour)})
			if err != nil {
				return err
			}
			byKiosk, err := tx.KioskOwnerProofFailures("K-001", t0)
			same(t, "failures at the kiosk", byKiosk, []time.Time{t0, t0.Add(2 * time.Hour)})
			return err
		})
		// A failure two days later prunes the older ones.
		mustTx(t, s, func(tx Tx) error { return tx.InsertOwnerProofFailure(other, "K-003", t0.Add(50*time.Hour)) })
		mustTx(t, s, func(tx Tx) error {
			all, err := tx.KioskOwnerProofFailures("K-001", time.Time{})
			same(t, "failures after pruning", all, []time.Time{t0.Add(2 * time.Hour)})
			return err
		})

		// A vehicle keeps its VIN and certificate number; LockVehicle reads it.
		mustTx(t, s, func(tx Tx) error {
			v := Vehicle{Vehicle: model.Vehicle{Plate: plateB(), OwnerKind: model.OwnerPersonal, Owner: idLi,
				Use: model.UseNonOperating, VIN: "LSVAU218XN2183294", RegCert: "440001234567"}, OwnerName: "李娜"}
			if err := tx.PutVehicle(v); err != nil {
				return err
			}
			got, err := tx.LockVehicle(plateB())
			same(t, "vehicle with its numbers", got, v)
			return err
		})
	})
}
