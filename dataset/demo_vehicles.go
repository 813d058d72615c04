package dataset

import (
	"fmt"
	"strings"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

const (
	serialLetters = "ABCDEFGHJKLMNPQRSTUVWXYZ" // plates never use I or O
	digits        = "0123456789"
)

// plate makes a new plate of type t in region (like 粤B), unique in the data set.
func (g *generator) plate(region string, t model.PlateType) model.Plate {
	for {
		var b strings.Builder
		b.WriteString(region)
		switch t {
		case model.PlateSmallNEV:
			b.WriteByte("DDDDDFFFAC"[g.rng.IntN(10)]) // D and F are by far the most common
			b.WriteByte((serialLetters + digits)[g.rng.IntN(len(serialLetters)+len(digits))])
			b.WriteString(g.digits(4))
		case model.PlateLargeNEV:
			b.WriteString(g.digits(5))
			b.WriteByte("DF"[g.rng.IntN(2)])
		default:
			b.WriteString(g.ordinarySerial())
		}
		p, err := model.ParsePlate(string(t), b.String())
		if err != nil {
			panic(fmt.Sprintf("dataset: demo made an invalid plate: %v", err))
		}
		if !g.plates[p] && g.unique.claimPlate(p) {
			g.plates[p] = true
			return p
		}
	}
}

func (g *generator) digits(n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(digits[g.rng.IntN(10)])
	}
	return b.String()
}

// ordinarySerial is five characters with up to two letters, as blue plates are issued now.
func (g *generator) ordinarySerial() string {
	s := []byte(g.digits(5))
	letters := []int{0, 1, 1, 2}[g.rng.IntN(4)]
	for range letters {
		s[g.rng.IntN(5)] = serialLetters[g.rng.IntN(len(serialLetters))]
	}
	return string(s)
}

// addVehicle appends a vehicle record, with its VIN and certificate number.
func (g *generator) addVehicle(v Vehicle) int {
	if v.VIN == "" {
		v.VIN = demoVIN(v.Plate)
	}
	if v.RegCert == "" {
		v.RegCert = demoRegCert(v.Plate)
	}
	g.d.Vehicles = append(g.d.Vehicles, v)
	return len(g.d.Vehicles) - 1
}

// addPersonalVehicles gives generated people their cars and motorcycles: most licence holders
// own one car, some two; a few people without a licence own a car that relatives drive.
func (g *generator) addPersonalVehicles() {
	for i := g.personaPeople; i < len(g.d.People); i++ {
		p := g.d.People[i]
		cars := 0
		switch n := g.rng.IntN(100); {
		case p.Licence == nil && n < 15:
			cars = 1
		case p.Licence != nil && n < 55:
			cars = 1
		case p.Licence != nil && n < 67:
			cars = 2
		}
		for range cars {
			g.addOwnCar(i)
		}
		if p.Licence != nil && p.Licence.Classes.CanDrive(model.PlateMotorcycle) && g.chance(40) {
			t := model.PlateMotorcycle
			if g.chance(10) {
				t = model.PlateLightMotorcycle
			}
			g.addVehicle(Vehicle{Vehicle: model.Vehicle{Plate: g.plate(g.cityOf(i).plates[0], t),
				OwnerKind: model.OwnerPersonal, Owner: p.Driver.ID, Use: model.UseNonOperating}})
		}
	}
}

// cityOf is where person i lives and drives.
func (g *generator) cityOf(i int) city { return g.cities[g.base[i]] }

// addOwnCar adds a car owned by person i, mostly registered in their city: a small car, petrol
// or new-energy, or a lorry for holders of a large-vehicle licence.
func (g *generator) addOwnCar(i int) {
	p := g.d.People[i]
	c := g.cityOf(i)
	if g.chance(10) {
		c = g.cities[g.pickCity()]
	}
	t, use := model.PlateSmallCar, model.UseNonOperating
	switch {
	case p.Licence != nil && p.Licence.Classes.CanDrive(model.PlateLargeCar) && g.chance(30):
		t = model.PlateLargeCar
		if g.chance(60) {
			use = model.UseOperating
		}
	case g.chance(28):
		t = model.PlateSmallNEV
	}
	if t != model.PlateLargeCar && g.chance(3) {
		use = model.UseOperating // a ride-hailing car registered as operating
	}
	region := c.plates[g.rng.IntN(len(c.plates))]
	g.addVehicle(Vehicle{Vehicle: model.Vehicle{Plate: g.plate(region, t), OwnerKind: model.OwnerPersonal,
		Owner: p.Driver.ID, Use: use}})
}

// addUnitVehicles adds n vehicles of companies, a few per company: logistics lorries and taxis
// are operating, office cars are not.
func (g *generator) addUnitVehicles(n int) {
	for n > 0 {
		c := g.cities[g.pickCity()]
		businesses := businessList()
		business := businesses[g.rng.IntN(len(businesses))]
		name := unitName(g.rng, c, business)
		for k := 1 + g.rng.IntN(4); k > 0 && n > 0; k-- {
			t, use := model.PlateSmallCar, model.UseNonOperating
			switch business {
			case "物流":
				t, use = model.PlateLargeCar, model.UseOperating
			case "出租汽车", "汽车租赁":
				use = model.UseOperating
				if g.chance(40) {
					t = model.PlateSmallNEV
				}
			}
			g.addVehicle(Vehicle{Vehicle: model.Vehicle{Plate: g.plate(c.plates[0], t), OwnerKind: model.OwnerUnit,
				Use: use}, OwnerName: name})
			n--
		}
	}
}

// addBinding appends a binding and indexes it by vehicle.
func (g *generator) addBinding(b model.Binding) {
	g.boundBy[b.Plate] = append(g.boundBy[b.Plate], len(g.d.Bindings))
	g.d.Bindings = append(g.d.Bindings, b)
}

// bindable lists the generated vehicles others may bind: personal small cars of registered owners.
func (g *generator) bindable() []int {
	var out []int
	for vi := g.personaVehicles; vi < len(g.d.Vehicles); vi++ {
		v := g.d.Vehicles[vi]
		if v.OwnerKind == model.OwnerPersonal && v.Plate.Type.SmallCar() && g.d.People[g.ids[v.Owner]].Registered {
			out = append(out, vi)
		}
	}
	return out
}

// addBindings binds about one licence holder in nine to someone else's car, within the 12123
// limits: one self-service binding, at most three per vehicle; a few hold a second one made at a
// counter. Some bindings have ended.
func (g *generator) addBindings() {
	cands := g.bindable()
	if len(cands) == 0 {
		return
	}
	for i := g.personaPeople; i < len(g.d.People); i++ {
		p := g.d.People[i]
		if p.Licence == nil || !p.Licence.Classes.CanDrive(model.PlateSmallCar) || !g.chance(11) {
			continue
		}
		channel := model.ChannelSelfService
		if g.chance(55) {
			channel = model.ChannelCounter
		}
		g.bindOne(p.Driver.ID, cands, channel)
		if g.chance(25) {
			g.bindOne(p.Driver.ID, cands, model.ChannelCounter)
		}
	}
}

// bindOne tries a few candidate vehicles and binds the first that fits.
func (g *generator) bindOne(driver model.IDNumber, cands []int, channel model.BindingChannel) {
	for range 5 {
		v := g.d.Vehicles[cands[g.rng.IntN(len(cands))]]
		if v.Owner == driver || g.activeBinders(v.Plate) >= 3 || g.boundTo(driver, v.Plate) {
			continue
		}
		days := 2 + g.rng.IntN(900)
		b := model.Binding{Driver: driver, Plate: v.Plate, Owner: v.Owner, Since: g.daytime(days), Channel: channel}
		if days > 40 && g.chance(20) {
			b.Ended = g.daytime(1 + g.rng.IntN(days-31))
		}
		g.addBinding(b)
		return
	}
}

func (g *generator) activeBinders(p model.Plate) int {
	n := 0
	for _, bi := range g.boundBy[p] {
		if g.d.Bindings[bi].Ended.IsZero() {
			n++
		}
	}
	return n
}

func (g *generator) boundTo(driver model.IDNumber, p model.Plate) bool {
	for _, bi := range g.boundBy[p] {
		if g.d.Bindings[bi].Driver == driver {
			return true
		}
	}
	return false
}

// addFollows lets some Chongqing licence holders follow a Chongqing vehicle of someone else, for
// a year from the owner's consent; some follows have lapsed or were cancelled.
func (g *generator) addFollows() {
	var cands []int
	for vi := g.personaVehicles; vi < len(g.d.Vehicles); vi++ {
		v := g.d.Vehicles[vi]
		if v.OwnerKind == model.OwnerPersonal && v.Province() == "渝" && (v.Plate.Type.SmallCar() || v.Plate.Type.Motorcycle()) {
			cands = append(cands, vi)
		}
	}
	if len(cands) == 0 {
		return
	}
	followers := map[model.Plate]int{}
	for i := g.personaPeople; i < len(g.d.People); i++ {
		p := g.d.People[i]
		if p.Licence == nil || p.Licence.Province() != "渝" || !g.chance(15) {
			continue
		}
		v := g.d.Vehicles[cands[g.rng.IntN(len(cands))]]
		if v.Owner == p.Driver.ID || followers[v.Plate] >= 3 {
			continue
		}
		followers[v.Plate]++
		requested := g.daytime(3 + g.rng.IntN(700))
		f := model.Follow{Follower: p.Driver.ID, Plate: v.Plate, Owner: v.Owner, RequestedAt: requested,
			Since: requested.Add(time.Duration(10+g.rng.IntN(2800)) * time.Minute)}
		f.Until = f.Since.AddDate(1, 0, 0)
		if g.chance(10) {
			end := f.Until
			if g.now.Before(end) {
				end = g.now
			}
			f.Cancelled = f.Since.Add(time.Duration(g.rng.Int64N(int64(end.Sub(f.Since))))).Truncate(time.Second)
		}
		g.d.Follows = append(g.d.Follows, f)
	}
}
