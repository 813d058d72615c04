package store

import (
	"errors"
	"testing"

	"github.com/hallkiosk/kiosk/model"
)

// Designations come back by driver and by plate, in Since order; putting one again with the same
// driver, vehicle and Since replaces only its end.
func TestUnitDriversRoundTrip(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		first := model.UnitDriver{Driver: idZhang, Plate: plateA(), Since: at("2025-03-01 09:00:00.000")}
		second := model.UnitDriver{Driver: idLi, Plate: plateA(), Since: at("2025-04-01 09:00:00.000")}
		other := model.UnitDriver{Driver: idZhang, Plate: plateC(), Since: at("2025-05-01 09:00:00.000"),
			Ended: at("2025-09-30 18:00:00.000")}
		mustTx(t, s, func(tx Tx) error {
			for _, u := range []model.UnitDriver{other, second, first} {
				if err := tx.PutUnitDriver(u); err != nil {
					return err
				}
			}
			return nil
		})
		mustRead(t, s, func(r Reader) error {
			byDriver, err := r.UnitDrivers(UnitDriverFilter{Driver: idZhang})
			if err != nil {
				return err
			}
			same(t, "by driver", byDriver, []model.UnitDriver{first, other})
			byPlate, err := r.UnitDrivers(UnitDriverFilter{Plate: plateA()})
			if err != nil {
				return err
			}
			same(t, "by plate", byPlate, []model.UnitDriver{first, second})
			none, err := r.UnitDrivers(UnitDriverFilter{Driver: idWang})
			if err != nil {
				return err
			}
			if none == nil || len(none) != 0 {
				t.Errorf("a driver without designations: %#v, want an empty list", none)
			}
			return nil
		})
		withdrawn := first
		withdrawn.Ended = at("2026-01-31 18:00:00.000")
		mustTx(t, s, func(tx Tx) error { return tx.PutUnitDriver(withdrawn) })
		mustRead(t, s, func(r Reader) error {
			byPlate, err := r.UnitDrivers(UnitDriverFilter{Plate: plateA()})
			same(t, "after the withdrawal", byPlate, []model.UnitDriver{withdrawn, second})
			return err
		})
	})
}

func TestUnitDriversFilterMustNameOne(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		err := s.Read(t.Context(), func(r Reader) error {
			_, err := r.UnitDrivers(UnitDriverFilter{Driver: idZhang, Plate: plateA()})
			return err
		})
		if !errors.Is(err, errFilter) {
			t.Errorf("both fields set: %v, want the filter refused", err)
		}
	})
}

// A database of schema version 5 gains the table on opening, whether or not version 6 was applied
// before: version 7 depends on nothing after 5.
func TestMigrationToUnitDrivers(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		mustTx(t, s, func(tx Tx) error { return tx.InsertKiosk(kiosk("K-001")) })
		d := s.(*db)
		for _, q := range []string{`DROP TABLE unit_drivers`, `DELETE FROM schema_migrations WHERE version = 7`} {
			if _, err := d.writer.ExecContext(t.Context(), q); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.migrate(t.Context()); err != nil {
			t.Fatalf("migrate to version 7: %v", err)
		}
		same(t, "schema versions", schemaVersions(t, s), latestVersions())
		mustTx(t, s, func(tx Tx) error {
			if _, err := tx.Kiosk("K-001"); err != nil {
				return err
			}
			return tx.PutUnitDriver(model.UnitDriver{Driver: idZhang, Plate: plateA(), Since: at("2025-03-01 09:00:00.000")})
		})
	})
}
