package dataset

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"time"

	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/model"
)

// Demo generates a realistic data set: the fixed personas of Personas(now) with their stories,
// plus `people` generated people with vehicles, bindings, follows, violations in every state and
// a points ledger that agrees with the decisions. The result is the same for the same seed, now
// and people, and passes Decode with today = now.
//
// It panics only if the embedded violation catalogue cannot be read, which the model's tests
// rule out.
func Demo(seed int64, now time.Time, people int) *Data {
	g := newGenerator(seed, now)
	g.addPersonas()
	for range max(people, 0) {
		g.addPerson()
	}
	g.addPersonalVehicles()
	g.addUnitVehicles(max(people, 0) / 15)
	g.addBindings()
	g.addFollows()
	g.addViolations()
	g.topUpPoints()
	g.addUnitDrivers()
	return &g.d
}

// generator builds one demo data set. Persona records come first in every list; the random
// steps only touch records after them, so the personas' stories hold for any seed.
type generator struct {
	rng    *rand.Rand
	now    time.Time // China time, whole seconds
	today  model.Date
	cities []city
	cat    *model.Catalogue
	d      Data

	base    []int // per person: index in cities of where they live and drive
	ids     map[model.IDNumber]int
	plates  map[model.Plate]bool
	files   map[model.FileNumber]bool
	boundBy map[model.Plate][]int // binding indexes per vehicle
	ledger  map[model.IDNumber][]model.PointsEntry

	violationSeq, decisionSeq int64
	personaPeople             int // people[:personaPeople] are personas
	personaVehicles           int

	// unique, when set, holds the keys earlier chunks of a province took (nil for Demo).
	unique *uniqueKeys
	// spanDays is how far back violations go; decidedPercent says how many of those older
	// than five days were decided, by their age (province.go).
	spanDays       int
	decidedPercent func(days int) int
}

func newGenerator(seed int64, now time.Time) *generator {
	data, err := fs.ReadFile(assets.FS(), "catalogue.json")
	if err != nil {
		panic(fmt.Sprintf("dataset: embedded catalogue: %v", err))
	}
	cat, err := model.ParseCatalogue(data)
	if err != nil {
		panic(fmt.Sprintf("dataset: embedded catalogue: %v", err))
	}
	now = now.In(model.ChinaZone()).Truncate(time.Second)
	return &generator{
		rng:          rand.New(rand.NewPCG(uint64(seed), 0x6b696f736b)),
		now:          now,
		today:        model.DateOf(now),
		cities:       cities(),
		cat:          cat,
		ids:          map[model.IDNumber]int{},
		plates:       map[model.Plate]bool{},
		files:        map[model.FileNumber]bool{},
		boundBy:      map[model.Plate][]int{},
		ledger:       map[model.IDNumber][]model.PointsEntry{},
		violationSeq: 1000,
		decisionSeq:  1000,
		spanDays:     730,
	}
}

// at is hh:mm on the day daysAgo days before today, in China. daysAgo is at least 1, so the
// result is always in the past.
func (g *generator) at(daysAgo, hh, mm int) time.Time {
	return g.today.AddDays(-daysAgo).Start().Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute).
		In(model.ChinaZone())
}

// daytime is a random moment between 07:00 and 22:59 on the day daysAgo days before today.
func (g *generator) daytime(daysAgo int) time.Time {
	return g.at(daysAgo, 7+g.rng.IntN(16), g.rng.IntN(60)).Add(time.Duration(g.rng.IntN(60)) * time.Second)
}

// chance reports true with probability percent/100.
func (g *generator) chance(percent int) bool { return g.rng.IntN(100) < percent }

// pickCity chooses a city by weight.
func (g *generator) pickCity() int {
	total := 0
	for _, c := range g.cities {
		total += c.weight
	}
	n := g.rng.IntN(total)
	for i, c := range g.cities {
		if n < c.weight {
			return i
		}
		n -= c.weight
	}
	return 0
}

// idNumber builds a valid ID number for someone born on birth in dist, unique in the data set.
// The sequence number is odd for men, as GB 11643 has it.
func (g *generator) idNumber(dist district, birth model.Date, male bool) model.IDNumber {
	for {
		seq := 2 + 2*g.rng.IntN(499)
		if male {
			seq--
		}
		body := fmt.Sprintf("%s%04d%02d%02d%03d", dist.code, birth.Year, int(birth.Month), birth.Day, seq)
		id := model.IDNumber(body + string(model.Mod112(body)))
		if _, taken := g.ids[id]; !taken && g.unique.claimID(id) {
			return id
		}
	}
}

// addPersonRecord appends a person and indexes them.
func (g *generator) addPersonRecord(p Person, base int) int {
	i := len(g.d.People)
	g.d.People = append(g.d.People, p)
	g.base = append(g.base, base)
	g.ids[p.Driver.ID] = i
	if p.Licence != nil {
		g.files[p.Licence.FileNumber] = true
	}
	return i
}

// addPerson adds one generated person: aged 18 to 75, mostly with a phone and a licence.
func (g *generator) addPerson() {
	home := g.pickCity()
	c := g.cities[home]
	dist := c.districts[g.rng.IntN(len(c.districts))]
	male := g.chance(50)
	age := 18 + g.rng.IntN(29) + g.rng.IntN(29) // most drivers are middle-aged
	// Born between 1 and 360 days after a birthday, so the age is exactly age today.
	b := time.Date(g.today.Year-age, g.today.Month, g.today.Day, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1-g.rng.IntN(360))
	birth := model.Date{Year: b.Year(), Month: b.Month(), Day: b.Day()}
	p := Person{
		Driver:     model.Driver{ID: g.idNumber(dist, birth, male), Name: personName(g.rng, male)},
		Registered: g.chance(65),
	}
	if g.chance(90) {
		p.Driver.Phone = fmt.Sprintf("1%d%09d", 3+g.rng.IntN(7), g.rng.IntN(1_000_000_000))
	}
	base := home
	if g.chance(85) {
		if g.chance(15) {
			base = g.pickCity() // licensed where they moved to
		}
		p.Licence = g.licence(p.Driver.ID, birth, base)
	}
	g.addPersonRecord(p, base)
}

// licence issues a licence in city ci to someone born on birth, first issued between their 18th
// birthday and a month ago; nil when they turned 18 too recently.
func (g *generator) licence(id model.IDNumber, birth model.Date, ci int) *model.Licence {
	adult := time.Date(birth.Year+18, birth.Month, birth.Day, 0, 0, 0, 0, time.UTC)
	latest := g.today.AddDays(-30).Start()
	span := int(latest.Sub(adult).Hours() / 24)
	if span < 1 {
		return nil
	}
	first := model.DateOf(adult).AddDays(g.rng.IntN(span))
	c := g.cities[ci]
	classes, err := model.ParseLicenceClasses(g.licenceClasses())
	if err != nil {
		panic(fmt.Sprintf("dataset: demo licence classes: %v", err))
	}
	return &model.Licence{
		ID: id, FileNumber: g.fileNumber(c), Classes: classes, Status: g.licenceStatus(),
		FirstIssued: first.Start().In(model.ChinaZone()), Issuer: c.plates[0],
	}
}

func (g *generator) licenceClasses() string {
	switch n := g.rng.IntN(100); {
	case n < 56:
		return "C1"
	case n < 78:
		return "C2"
	case n < 87:
		return "C1E"
	case n < 93:
		return "B2"
	case n < 96:
		return "A1"
	case n < 98:
		return "E"
	}
	return "A2"
}

func (g *generator) licenceStatus() model.LicenceStatus {
	switch n := g.rng.IntN(100); {
	case n < 93:
		return model.StatusNormal
	case n < 95:
		return model.StatusOverdueRenewal
	case n < 97:
		return model.StatusSuspended
	case n < 98:
		return model.StatusOverPoints
	case n < 99:
		return model.StatusRevoked
	}
	return model.StatusViolationPending
}

// fileNumber is 12 digits starting with the first four of the issuing city's code; the rest has
// no meaning, as the kiosk treats file numbers as opaque.
func (g *generator) fileNumber(c city) model.FileNumber {
	for {
		f := model.FileNumber(fmt.Sprintf("%s%08d", c.districts[0].code[:4], g.rng.IntN(100_000_000)))
		if !g.files[f] && g.unique.claimFile(f) {
			g.files[f] = true
			return f
		}
	}
}
