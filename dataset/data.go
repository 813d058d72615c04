package dataset

import "github.com/hallkiosk/kiosk/model"

// Format is the value of the top-level "format" key. A later incompatible format gets a new
// number, so an old server refuses a new file instead of misreading it.
const Format = "hallkiosk-import/1"

// Person is one person known to the platform, with the licence they hold, if any.
type Person struct {
	Driver  model.Driver
	Licence *model.Licence // nil for a person without a driving licence
	// Registered reports whether the person has a platform account: binding a vehicle needs a
	// registered owner.
	Registered bool
}

// Vehicle is a registered vehicle. OwnerName is the unit's name for a unit-owned vehicle; for a
// personal vehicle it is optional and, when given, must match the owner's name among people.
type Vehicle struct {
	model.Vehicle
	OwnerName string
}

// PointsEntry is one entry of a driver's points ledger.
type PointsEntry struct {
	Driver model.IDNumber
	model.PointsEntry
}

// Data is the whole content of an import file. Every value in it has passed the model's parsers
// and the cross-reference checks of Decode.
type Data struct {
	People     []Person
	Vehicles   []Vehicle
	Bindings   []model.Binding
	Follows    []model.Follow
	Violations []model.Violation
	Points     []PointsEntry
	// UnitDrivers are the drivers units designated for their vehicles (单位车辆驾驶人).
	UnitDrivers []model.UnitDriver
}
