package dataset

import (
	"fmt"
	"strings"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// weightedCode is a violation code with how often the demo uses it and where it happens.
type weightedCode struct {
	code    string
	weight  int
	highway bool // happens on an expressway, so the place is a kilometre post
}

// cameraCodes are what cameras record, by vehicle kind: parking, red lights, lanes and speed
// dominate; a few carry 6, 9 or 12 points or fines over 200 yuan.
func cameraCodes(t model.PlateType) []weightedCode {
	switch {
	case t.Motorcycle():
		return []weightedCode{{"1119", 4, false}, {"1625", 3, false}, {"1018", 3, false}, {"1039", 3, false},
			{"1117", 2, false}}
	case t == model.PlateLargeCar || t == model.PlateLargeNEV:
		return []weightedCode{{"1130", 3, false}, {"1633", 2, false}, {"4610", 2, true}, {"1625", 3, false},
			{"1039", 3, false}, {"1019", 2, false}}
	}
	return []weightedCode{
		{"1039", 20, false}, {"10393", 6, false}, {"1625", 12, false}, {"6095", 8, false}, {"1117", 8, false},
		{"6093", 8, false}, {"1369", 5, false}, {"1357", 6, false}, {"1362", 3, false}, {"1120", 3, false},
		{"1019", 4, false}, {"13635", 2, false}, {"11211", 3, false}, {"1373", 2, false}, {"1355", 2, false},
		{"4616", 3, true}, {"46081", 2, true}, {"1903", 1, false}, {"4901", 1, true}, {"1650", 1, false},
		{"4714", 1, true}, {"1734", 1, false},
	}
}

// onSiteCodes are what officers stop drivers for.
func onSiteCodes(t model.PlateType) []weightedCode {
	if t.Motorcycle() {
		return []weightedCode{{"1119", 5, false}, {"6013", 2, false}, {"1059", 1, false}}
	}
	return []weightedCode{{"1120", 4, false}, {"1362", 3, false}, {"11181", 2, false}, {"1049", 1, false},
		{"1373", 1, false}, {"17121", 1, false}}
}

func (g *generator) pickCode(list []weightedCode) (weightedCode, model.CatalogueEntry) {
	total := 0
	for _, c := range list {
		total += c.weight
	}
	n := g.rng.IntN(total)
	for _, c := range list {
		if n < c.weight {
			return c, g.entry(c.code)
		}
		n -= c.weight
	}
	return list[0], g.entry(list[0].code)
}

// entry looks a code up in the embedded catalogue; every code the demo uses is in it, which
// the tests check.
func (g *generator) entry(code string) model.CatalogueEntry {
	e, ok := g.cat.Lookup(model.ViolationCode(code))
	if !ok {
		panic(fmt.Sprintf("dataset: demo code %s is not in the catalogue", code))
	}
	return e
}

// fine is mostly the catalogue's default; some provinces set another amount within the range.
func (g *generator) fine(e model.CatalogueEntry) model.Fen {
	if e.Fine <= model.SimpleProcedureMaxFine && g.chance(15) {
		f := model.Fen(5000 * (1 + g.rng.IntN(4)))
		if f >= e.FineMin && f <= e.FineMax {
			return f
		}
	}
	return e.Fine
}

// place writes where a violation happened: a junction or stretch of a road of the city, or a
// kilometre post of an expressway.
func (g *generator) place(c city, dist district, highway bool) string {
	pick := func(list []string) string { return list[g.rng.IntN(len(list))] }
	prefix := c.name + dist.name
	if highway {
		return fmt.Sprintf("%s%sK%d+%d00", prefix, pick(c.highways), 5+g.rng.IntN(300), g.rng.IntN(10))
	}
	road, other := pick(c.roads), pick(c.roads)
	for other == road {
		other = pick(c.roads)
	}
	switch g.rng.IntN(3) {
	case 0:
		return prefix + road + "与" + other + "交叉口"
	case 1:
		return fmt.Sprintf("%s%s%d号附近", prefix, road, 1+g.rng.IntN(400))
	}
	return prefix + road + "（近" + strings.TrimSuffix(other, "路") + "路口）"
}

// newViolation builds a recorded violation of vehicle v at t in a district of c.
func (g *generator) newViolation(v model.Vehicle, t time.Time, c city, wc weightedCode, e model.CatalogueEntry,
	src model.Source) model.Violation {
	dist := c.districts[g.rng.IntN(len(c.districts))]
	g.violationSeq++
	return model.Violation{
		ID: fmt.Sprintf("%s%010d", dist.code, g.violationSeq), Plate: v.Plate, Time: t,
		Place: g.place(c, dist, wc.highway), Code: e.Code, Points: e.Points, Fine: g.fine(e), Source: src,
		Status: model.StatusRecorded, Office: c.office(dist), OfficeCode: dist.code,
	}
}

// decide issues v's decision to person pi at decided, enters the points and, when paidAt is not
// zero, records the payment.
func (g *generator) decide(v *model.Violation, pi int, decided, paidAt time.Time) {
	g.decisionSeq++
	n, err := model.NewDecisionNumber(v.OfficeCode, model.DateOf(decided).Year, g.decisionSeq)
	if err != nil {
		panic(fmt.Sprintf("dataset: demo decision number: %v", err))
	}
	id := g.d.People[pi].Driver.ID
	v.Decision, v.Driver, v.DecidedAt, v.Status = n, id, decided, model.StatusProcessed
	if !paidAt.IsZero() {
		v.PaidAt, v.Status = paidAt, model.StatusPaid
	}
	if v.Points == 0 {
		return
	}
	e := model.PointsEntry{Decision: n, Points: v.Points, EnteredAt: decided, PaidAt: v.PaidAt}
	g.ledger[id] = append(g.ledger[id], e)
	g.d.Points = append(g.d.Points, PointsEntry{Driver: id, PointsEntry: e})
}

// cyclePoints is person pi's points total in the cycle that contains at.
func (g *generator) cyclePoints(pi int, at time.Time) int {
	l := g.d.People[pi].Licence
	return model.CyclePoints(g.ledger[l.ID], model.CycleAt(l.FirstIssued, at, 12))
}

// roomFor reports whether person pi can take points at decided without reaching 12, in that
// cycle and in today's, where unpaid points carry over.
func (g *generator) roomFor(pi int, points int, decided time.Time) bool {
	return points == 0 || (g.cyclePoints(pi, decided)+points < 12 && g.cyclePoints(pi, g.now)+points < 12)
}
