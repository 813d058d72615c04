package dataset

import (
	"errors"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// ProvincePeople is how many people a province holds at scale 1: with them come about 1.5
// million vehicles, 10 million violations over six years, and the bindings, follows, points and
// unit drivers of the demo's proportions.
const ProvincePeople = 2_000_000

// Province shapes. A province's violations go back further than the demo's two years, and most
// of the older ones were dealt with long ago.
const (
	provinceSpanDays = 6 * 365
	// provinceChunk is how many people a chunk holds: a town whose people bind each other's
	// cars, are decided against for them and drive their units' vehicles. Chunks are made one
	// at a time, so memory holds one chunk and the keys already taken, never the province.
	provinceChunk = 10_000
	// provinceStream seeds the random stream of each chunk, apart from Demo's.
	provinceStream = 0x70726f76 << 32
)

// ProvinceCounts counts what Province made.
type ProvinceCounts struct {
	Chunks, People, Vehicles, Bindings, Follows, Violations, Decided, Points, UnitDrivers int
}

// Records is the number of records of every kind together.
func (c ProvinceCounts) Records() int {
	return c.People + c.Vehicles + c.Bindings + c.Follows + c.Violations + c.Points + c.UnitDrivers
}

func (c *ProvinceCounts) add(d *Data) {
	c.Chunks++
	c.People += len(d.People)
	c.Vehicles += len(d.Vehicles)
	c.Bindings += len(d.Bindings)
	c.Follows += len(d.Follows)
	c.Violations += len(d.Violations)
	c.Points += len(d.Points)
	c.UnitDrivers += len(d.UnitDrivers)
	for _, v := range d.Violations {
		if v.Decision != "" {
			c.Decided++
		}
	}
}

// Province generates the data of a province at scale (1: ProvincePeople people; 0.001: two
// thousand, for tests) and hands it to emit a chunk at a time, so that nothing ever holds the
// whole province. Each chunk is complete on its own (the bindings, follows, decisions, points
// and unit drivers of its people and vehicles point only into it) and passes Decode with today
// = now; ID numbers, file numbers, plates, violation ids and decision numbers are unique across
// all chunks, so the chunks together pass Decode too. The demo's personas are not in it.
//
// Most people have a few violations or none; a tail of vehicles has dozens, up to about 150
// (operating vehicles more often). The result is the same for the same seed, now and scale.
// emit may keep the chunk; an error from emit stops the generation and is returned.
func Province(seed int64, now time.Time, scale float64, emit func(*Data) error) (ProvinceCounts, error) {
	if math.IsNaN(scale) || scale <= 0 || scale > 10 {
		return ProvinceCounts{}, errors.New("dataset: a province's scale must be above 0 and at most 10 (1 is 2 million people)")
	}
	return province(seed, now, int(math.Round(ProvincePeople*scale)), provinceChunk, emit)
}

// province makes people people in chunks of chunk.
func province(seed int64, now time.Time, people, chunk int, emit func(*Data) error) (ProvinceCounts, error) {
	var counts ProvinceCounts
	u := &uniqueKeys{ids: map[uint64]struct{}{}, files: map[uint64]struct{}{}, plates: map[uint64]struct{}{}}
	violationSeq, decisionSeq := int64(1000), int64(1000)
	for k, done := 0, 0; done < people; k++ {
		n := min(chunk, people-done)
		g := newGenerator(seed, now)
		g.rng = rand.New(rand.NewPCG(uint64(seed), provinceStream+uint64(k)))
		g.unique, g.spanDays, g.decidedPercent = u, provinceSpanDays, provinceDecided
		g.violationSeq, g.decisionSeq = violationSeq, decisionSeq
		for range n {
			g.addPerson()
		}
		g.addPersonalVehicles()
		g.addUnitVehicles(n / 25)
		g.addBindings()
		g.addFollows()
		g.addProvinceViolations()
		g.topUpPoints()
		g.addUnitDrivers()
		violationSeq, decisionSeq = g.violationSeq, g.decisionSeq
		done += n
		counts.add(&g.d)
		if err := emit(&g.d); err != nil {
			return counts, err
		}
	}
	return counts, nil
}

// provinceDecided is the percentage of a province's violations days old (more than five) that
// were decided: a third of last month's, nine in ten of those over a year old.
func provinceDecided(days int) int {
	switch {
	case days <= 30:
		return 30
	case days <= 180:
		return 60
	case days <= 365:
		return 78
	}
	return 90
}

// addProvinceViolations gives every vehicle of the chunk its violations of the last six years:
// none for about a third, a few for most, dozens for a tail; an operating vehicle (a taxi, a
// lorry, a ride-hailing car) is on the road all day and lands further along the tail.
func (g *generator) addProvinceViolations() {
	for vi := range g.d.Vehicles {
		v := g.d.Vehicles[vi]
		r := g.rng.IntN(100)
		if v.Use == model.UseOperating {
			r = 30 + r*7/10
		}
		n := 0
		switch {
		case r < 37:
		case r < 74:
			n = 1 + g.rng.IntN(4)
		case r < 92:
			n = 5 + g.rng.IntN(11)
		case r < 98:
			n = 16 + g.rng.IntN(25)
		default:
			n = 41 + g.rng.IntN(110)
		}
		for range n {
			g.addRandomViolation(v)
		}
	}
}

// uniqueKeys are the ID numbers, file numbers and plates the chunks of a province took, as
// numbers: a few bytes each instead of the records. A plate is kept as a 64-bit hash, so two
// plates may collide; the later one is then drawn again, which costs nothing but a draw, while
// a plate is never issued twice.
type uniqueKeys struct {
	ids, files, plates map[uint64]struct{}
}

// claim takes k in m and reports whether it was free.
func claim(m map[uint64]struct{}, k uint64) bool {
	if _, taken := m[k]; taken {
		return false
	}
	m[k] = struct{}{}
	return true
}

// claimID takes an ID number (its 17 digits before the check character); true without a set.
func (u *uniqueKeys) claimID(id model.IDNumber) bool {
	if u == nil {
		return true
	}
	n, err := strconv.ParseUint(string(id[:17]), 10, 64)
	return err == nil && claim(u.ids, n)
}

func (u *uniqueKeys) claimFile(f model.FileNumber) bool {
	if u == nil {
		return true
	}
	n, err := strconv.ParseUint(string(f), 10, 64)
	return err == nil && claim(u.files, n)
}

func (u *uniqueKeys) claimPlate(p model.Plate) bool {
	if u == nil {
		return true
	}
	h := fnv.New64a()
	h.Write([]byte(p.Type))
	h.Write([]byte{0})
	h.Write([]byte(p.Number))
	return claim(u.plates, h.Sum64())
}
