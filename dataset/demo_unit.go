package dataset

import "github.com/hallkiosk/kiosk/model"

// addUnitDrivers lets units designate drivers for most of their generated vehicles, one to
// three licence holders each who can drive the vehicle's type, as units register their drivers
// on 12123; some designations have ended. It runs after every other random step, so that the
// rest of a data set is the same as before designations existed.
func (g *generator) addUnitDrivers() {
	var drivers []int
	for i := g.personaPeople; i < len(g.d.People); i++ {
		if g.d.People[i].Licence != nil {
			drivers = append(drivers, i)
		}
	}
	if len(drivers) == 0 {
		return
	}
	for vi := g.personaVehicles; vi < len(g.d.Vehicles); vi++ {
		v := g.d.Vehicles[vi]
		if v.OwnerKind != model.OwnerUnit || !g.chance(60) {
			continue
		}
		chosen := map[model.IDNumber]bool{}
		for k := 1 + g.rng.IntN(3); k > 0; k-- {
			p := g.d.People[drivers[g.rng.IntN(len(drivers))]]
			if chosen[p.Driver.ID] || !p.Licence.Classes.CanDrive(v.Plate.Type) {
				continue
			}
			chosen[p.Driver.ID] = true
			days := 5 + g.rng.IntN(1000)
			u := model.UnitDriver{Driver: p.Driver.ID, Plate: v.Plate, Since: g.daytime(days)}
			if days > 40 && g.chance(15) {
				u.Ended = g.daytime(1 + g.rng.IntN(days-31))
			}
			g.d.UnitDrivers = append(g.d.UnitDrivers, u)
		}
	}
}
