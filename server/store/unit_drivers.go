package store

import (
	"fmt"

	"github.com/hallkiosk/kiosk/model"
)

// schemaV7 adds the drivers units designated for their vehicles (单位车辆驾驶人), from the import
// file. A designation is keyed by driver, vehicle and start: importing it again replaces its end,
// which is how a unit withdraws one. It stands alone (no foreign keys, like the other imported
// records), so it does not depend on any other version after 5.
const schemaV7 = `
CREATE TABLE unit_drivers (
	driver_id    TEXT NOT NULL,
	plate_type   TEXT NOT NULL,
	plate_number TEXT NOT NULL,
	since        BIGINT NOT NULL,
	ended        BIGINT NOT NULL,
	PRIMARY KEY (driver_id, plate_type, plate_number, since)
);
CREATE INDEX unit_drivers_plate ON unit_drivers (plate_type, plate_number, since)
`

// UnitDriverFilter selects designations by exactly one of its fields.
type UnitDriverFilter struct {
	Driver model.IDNumber
	Plate  model.Plate
}

const unitDriverColumns = `driver_id, plate_type, plate_number, since, ended`

func scanUnitDriver(r scanner) (model.UnitDriver, error) {
	var (
		driver, typ, number string
		since, ended        int64
	)
	if err := r.Scan(&driver, &typ, &number, &since, &ended); err != nil {
		return model.UnitDriver{}, err
	}
	return model.UnitDriver{Driver: model.IDNumber(driver), Plate: plateOf(typ, number), Since: fromMillis(since),
		Ended: fromMillis(ended)}, nil
}

func (c *conn) UnitDrivers(f UnitDriverFilter) ([]model.UnitDriver, error) {
	where, args, err := filterWhere("driver_id", f.Driver, "", f.Plate)
	if err != nil {
		return nil, fmt.Errorf("store: unit drivers: %w", err)
	}
	if l, ok := aheadList[model.UnitDriver](c, unitKey(f)); ok {
		return l, nil
	}
	return list(c, "unit drivers", scanUnitDriver, unitDriversWhere(where), args...)
}

func unitDriversWhere(where string) string {
	return `SELECT ` + unitDriverColumns + ` FROM unit_drivers WHERE ` + where +
		` ORDER BY since, driver_id, plate_type, plate_number`
}

func (c *conn) PutUnitDriver(u model.UnitDriver) error {
	_, err := c.exec(`INSERT INTO unit_drivers (`+unitDriverColumns+`) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (driver_id, plate_type, plate_number, since) DO UPDATE SET ended = EXCLUDED.ended`,
		string(u.Driver), string(u.Plate.Type), string(u.Plate.Number), millis(u.Since), millis(u.Ended))
	if err != nil {
		return fmt.Errorf("store: put unit driver: %w", err)
	}
	return nil
}
