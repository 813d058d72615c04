package store

import (
	"errors"
	"fmt"

	"github.com/hallkiosk/kiosk/model"
)

const driverColumns = `id_number, name, phone, registered, has_licence, file_number, classes, status,
	first_issued, issuer`

func scanDriver(r scanner) (Driver, error) {
	var (
		d                     Driver
		hasLicence            bool
		file, classes, status string
		firstIssued           int64
		issuer                string
		id, name, phone       string
	)
	err := r.Scan(&id, &name, &phone, &d.Registered, &hasLicence, &file, &classes, &status,
		&firstIssued, &issuer)
	if err != nil {
		return Driver{}, err
	}
	d.Driver = model.Driver{ID: model.IDNumber(id), Name: name, Phone: phone}
	if !hasLicence {
		return d, nil
	}
	var cs model.LicenceClasses
	if classes != "" {
		if cs, err = model.ParseLicenceClasses(classes); err != nil {
			// The value came from LicenceClasses.String, so this is a damaged row.
			return Driver{}, errors.New("licence classes column is not a valid class list")
		}
	}
	d.Licence = &model.Licence{
		ID:          d.ID,
		FileNumber:  model.FileNumber(file),
		Classes:     cs,
		Status:      model.LicenceStatus(status),
		FirstIssued: fromMillis(firstIssued),
		Issuer:      issuer,
	}
	return d, nil
}

// driverArgs lays out a driver in driverColumns order. A licence's number is its holder's ID
// number, so it is stored once, as the driver's key.
func driverArgs(d Driver) ([]any, error) {
	args := []any{string(d.ID), d.Name, d.Phone, d.Registered, d.Licence != nil, "", "", "", int64(0), ""}
	if l := d.Licence; l != nil {
		if l.ID != "" && l.ID != d.ID {
			return nil, errors.New("licence number differs from the holder's ID number")
		}
		args[5], args[6], args[7], args[8], args[9] =
			string(l.FileNumber), l.Classes.String(), string(l.Status), millis(l.FirstIssued), l.Issuer
	}
	return args, nil
}

const driverByID = `SELECT ` + driverColumns + ` FROM drivers WHERE id_number = $1`

func (c *conn) Driver(id model.IDNumber) (Driver, error) {
	if d, ok, err := aheadRecord[Driver](c, driverKey(id), "driver"); ok {
		return d, err
	}
	return getOne(c, "driver", scanDriver, driverByID, string(id))
}

func (c *conn) LockDriver(id model.IDNumber) (Driver, error) {
	return getOne(c, "lock driver", scanDriver,
		`SELECT `+driverColumns+` FROM drivers WHERE id_number = $1`+c.d.forUpdate(), string(id))
}

// PutDriver inserts or replaces a person. A licence with an empty ID is taken to be the
// holder's; one with another person's ID is refused.
func (c *conn) PutDriver(d Driver) error {
	args, err := driverArgs(d)
	if err != nil {
		return fmt.Errorf("store: put driver: %w", err)
	}
	_, err = c.exec(`INSERT INTO drivers (`+driverColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (id_number) DO UPDATE SET name = EXCLUDED.name, phone = EXCLUDED.phone,
			registered = EXCLUDED.registered, has_licence = EXCLUDED.has_licence,
			file_number = EXCLUDED.file_number, classes = EXCLUDED.classes,
			status = EXCLUDED.status, first_issued = EXCLUDED.first_issued, issuer = EXCLUDED.issuer`,
		args...)
	if err != nil {
		return fmt.Errorf("store: put driver: %w", err)
	}
	return nil
}

const vehicleColumns = `plate_type, plate_number, owner_kind, owner_id, use_nature, owner_name, vin, reg_cert`

func scanVehicle(r scanner) (Vehicle, error) {
	var typ, number, kind, owner, use, ownerName, vin, cert string
	if err := r.Scan(&typ, &number, &kind, &owner, &use, &ownerName, &vin, &cert); err != nil {
		return Vehicle{}, err
	}
	return Vehicle{
		Vehicle: model.Vehicle{
			Plate:     plateOf(typ, number),
			OwnerKind: model.OwnerKind(kind),
			Owner:     model.IDNumber(owner),
			Use:       model.UseNature(use),
			VIN:       model.VIN(vin),
			RegCert:   model.RegCertNumber(cert),
		},
		OwnerName: ownerName,
	}, nil
}

func (c *conn) Vehicle(p model.Plate) (Vehicle, error) {
	if v, ok, err := aheadRecord[Vehicle](c, vehicleKey(p), "vehicle"); ok {
		return v, err
	}
	return getOne(c, "vehicle", scanVehicle,
		`SELECT `+vehicleColumns+` FROM vehicles WHERE plate_type = $1 AND plate_number = $2`,
		string(p.Type), string(p.Number))
}

// LockVehicle takes the vehicle's row lock on PostgreSQL: an owner's proofs of one vehicle are
// judged and their failures counted one at a time.
func (c *conn) LockVehicle(p model.Plate) (Vehicle, error) {
	return getOne(c, "lock vehicle", scanVehicle,
		`SELECT `+vehicleColumns+` FROM vehicles WHERE plate_type = $1 AND plate_number = $2`+c.d.forUpdate(),
		string(p.Type), string(p.Number))
}

func (c *conn) VehiclesOwnedBy(owner model.IDNumber) ([]Vehicle, error) {
	if owner == "" {
		// Units' vehicles have no owner ID; they are nobody's "own" vehicles.
		return []Vehicle{}, nil
	}
	if l, ok := aheadList[Vehicle](c, ownedKey(owner)); ok {
		return l, nil
	}
	return list(c, "vehicles of owner", scanVehicle, vehiclesOfOwner, string(owner))
}

const vehiclesOfOwner = `SELECT ` + vehicleColumns + ` FROM vehicles WHERE owner_id = $1 ORDER BY plate_type, plate_number`

func (c *conn) PutVehicle(v Vehicle) error {
	_, err := c.exec(`INSERT INTO vehicles (`+vehicleColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (plate_type, plate_number) DO UPDATE SET owner_kind = EXCLUDED.owner_kind,
			owner_id = EXCLUDED.owner_id, use_nature = EXCLUDED.use_nature,
			owner_name = EXCLUDED.owner_name, vin = EXCLUDED.vin, reg_cert = EXCLUDED.reg_cert`,
		string(v.Plate.Type), string(v.Plate.Number), string(v.OwnerKind), string(v.Owner),
		string(v.Use), v.OwnerName, string(v.VIN), string(v.RegCert))
	if err != nil {
		return fmt.Errorf("store: put vehicle: %w", err)
	}
	return nil
}

// plateOf rebuilds a plate from its columns. The values were valid when stored, so they are not
// parsed again.
func plateOf(typ, number string) model.Plate {
	return model.Plate{Type: model.PlateType(typ), Number: model.PlateNumber(number)}
}
