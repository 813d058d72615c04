package dataset

import (
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// addViolations gives every generated vehicle its last two years of violations, more of them
// recent: mostly camera records still waiting, and older ones in every later state.
func (g *generator) addViolations() {
	for vi := g.personaVehicles; vi < len(g.d.Vehicles); vi++ {
		n := 0
		switch r := g.rng.IntN(100); {
		case r < 38:
		case r < 68:
			n = 1
		case r < 85:
			n = 2
		case r < 94:
			n = 3
		case r < 98:
			n = 4
		default:
			n = 5
		}
		for range n {
			g.addRandomViolation(g.d.Vehicles[vi])
		}
	}
}

// plateCity is the city that issued the vehicle's plate.
func (g *generator) plateCity(v Vehicle) city {
	region := v.Plate.Number.Region()
	for _, c := range g.cities {
		for _, r := range c.plates {
			if r == region {
				return c
			}
		}
	}
	return g.cities[0]
}

func (g *generator) addRandomViolation(v Vehicle) {
	days := 1 + min(g.rng.IntN(g.spanDays), g.rng.IntN(g.spanDays))
	t := g.daytime(days)
	c := g.plateCity(v)
	if g.chance(22) {
		c = g.cities[g.pickCity()] // driving out of town
	}
	if g.chance(12) {
		g.addOnSite(v, t, c)
		return
	}
	wc, e := g.pickCode(cameraCodes(v.Plate.Type))
	viol := g.newViolation(v.Vehicle, t, c, wc, e, model.SourceCamera)
	if days > 5 {
		switch r := g.rng.IntN(100); {
		case r < 4:
			viol.Status = model.StatusDisputed
		case r < 4+g.decided(days):
			decidedDays := days - 1 - g.rng.IntN(min(60, days-1))
			decided := g.daytime(decidedDays)
			pi := g.decider(v, decided, false)
			if pi >= 0 && g.roomFor(pi, viol.Points, decided) {
				// Most fines are paid; the longer ago the decision, the likelier.
				var paid time.Time
				if g.chance(65) || (decidedDays > 45 && g.chance(75)) {
					paid = g.payTime(decided)
				}
				g.decide(&viol, pi, decided, paid)
			}
		}
	}
	g.d.Violations = append(g.d.Violations, viol)
}

// addOnSite adds a violation an officer decided on the spot. Points are entered whatever the
// total; a driver who reaches 12 has the licence marked over points, and drink driving
// suspends it.
func (g *generator) addOnSite(v Vehicle, t time.Time, c city) {
	wc, e := g.pickCode(onSiteCodes(v.Plate.Type))
	viol := g.newViolation(v.Vehicle, t, c, wc, e, model.SourceOnSite)
	pi := g.decider(v, t, true)
	if pi < 0 {
		return
	}
	decided := t.Add(time.Duration(5+g.rng.IntN(35)) * time.Minute)
	full := !g.roomFor(pi, viol.Points, decided)
	var paid time.Time
	if g.chance(70) {
		paid = g.payTime(decided)
	}
	g.decide(&viol, pi, decided, paid)
	l := g.d.People[pi].Licence
	switch {
	case viol.Code == "17121":
		l.Status = model.StatusSuspended
	case full && l.Status == model.StatusNormal:
		l.Status = model.StatusOverPoints
	}
	g.d.Violations = append(g.d.Violations, viol)
}

// decided is the percentage of violations days old that were decided, besides the 4 % under
// objection: 38 % whatever their age in the demo, which spans two years.
func (g *generator) decided(days int) int {
	if g.decidedPercent == nil {
		return 38
	}
	return g.decidedPercent(days)
}

// payTime is when a fine decided at decided was paid: mostly within the 15 days, sometimes
// late; zero when that moment has not come yet.
func (g *generator) payTime(decided time.Time) time.Time {
	after := time.Duration(1+g.rng.IntN(15*24*60)) * time.Minute
	if g.chance(20) {
		after = time.Duration(16*24+g.rng.IntN(30*24)) * time.Hour
	}
	p := decided.Add(after)
	if !p.Before(g.now) {
		return time.Time{}
	}
	return p
}

// decider chooses who was decided against for a violation of v at at: usually the owner, else a
// driver bound to the vehicle then, else (at a counter, or stopped on the road) any generated
// licence holder who may drive it. -1 when nobody fits.
func (g *generator) decider(v Vehicle, at time.Time, anyStatus bool) int {
	owner, ownerOK := -1, false
	if v.OwnerKind == model.OwnerPersonal {
		owner = g.ids[v.Owner]
		ownerOK = g.canDecide(owner, v.Plate.Type, anyStatus)
		if ownerOK && g.chance(75) {
			return owner
		}
	}
	for _, bi := range g.boundBy[v.Plate] {
		if b := g.d.Bindings[bi]; b.ActiveAt(at) && g.canDecide(g.ids[b.Driver], v.Plate.Type, anyStatus) {
			return g.ids[b.Driver]
		}
	}
	if ownerOK {
		return owner
	}
	generated := len(g.d.People) - g.personaPeople
	for range 20 {
		if generated <= 0 {
			break
		}
		if pi := g.personaPeople + g.rng.IntN(generated); g.canDecide(pi, v.Plate.Type, anyStatus) {
			return pi
		}
	}
	return -1
}

func (g *generator) canDecide(pi int, t model.PlateType, anyStatus bool) bool {
	l := g.d.People[pi].Licence
	return pi >= g.personaPeople && l != nil && l.Classes.CanDrive(t) && (anyStatus || l.Status == model.StatusNormal)
}

// topUpPoints brings a few drivers close to 12 points in their current cycle with decided
// violations of their own vehicle, so the demo shows the points rule biting.
func (g *generator) topUpPoints() {
	own := map[model.IDNumber]Vehicle{}
	for vi := g.personaVehicles; vi < len(g.d.Vehicles); vi++ {
		if v := g.d.Vehicles[vi]; v.OwnerKind == model.OwnerPersonal {
			if _, seen := own[v.Owner]; !seen {
				own[v.Owner] = v
			}
		}
	}
	for pi := g.personaPeople; pi < len(g.d.People); pi++ {
		p := g.d.People[pi]
		v, ok := own[p.Driver.ID]
		if !ok || !g.canDecide(pi, v.Plate.Type, false) || !g.chance(6) {
			continue
		}
		cycle := model.CycleAt(p.Licence.FirstIssued, g.now, 12)
		if span := cycle.Start.DaysUntil(g.today); span >= 20 {
			g.topUp(pi, v, span, 8+g.rng.IntN(4))
		}
	}
}

// topUp adds decided violations in the last span days until person pi has target points.
func (g *generator) topUp(pi int, v Vehicle, span, target int) {
	for range 12 {
		have := g.cyclePoints(pi, g.now)
		var fits []weightedCode
		for _, wc := range cameraCodes(v.Plate.Type) {
			if p := g.entry(wc.code).Points; p > 0 && p <= target-have {
				fits = append(fits, wc)
			}
		}
		if len(fits) == 0 {
			return
		}
		wc, e := g.pickCode(fits)
		days := 2 + g.rng.IntN(span-3)
		viol := g.newViolation(v.Vehicle, g.daytime(days), g.plateCity(v), wc, e, model.SourceCamera)
		decided := g.daytime(days - 1)
		if !g.roomFor(pi, viol.Points, decided) {
			return
		}
		var paid time.Time
		if g.chance(60) {
			paid = g.payTime(decided)
		}
		g.decide(&viol, pi, decided, paid)
		g.d.Violations = append(g.d.Violations, viol)
	}
}
