package ui

import (
	"sort"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
)

// judgement is a session's record judged with the model: every violation with its verdict,
// grouped by vehicle. It is built once per lookup (never per key press) and holds what every
// screen of the session lists.
type judgement struct {
	eval   *model.Evaluator // nil when the record cannot be judged (no licence)
	noCase error            // why not
	items  []judged         // in display order: grouped by vehicle
	groups []vehicleGroup
	// process and pay count the items that can be processed and paid here: the overview
	// shows them on every frame.
	process, pay int
}

// judged is one violation as the screens show it.
type judged struct {
	wire  api.Violation
	v     model.Violation
	el    model.Eligibility
	group int // index into groups
	// pay is what paying it costs now, for a decided, unpaid one; payable says it can be paid.
	payable bool
	due     model.AmountDue
	// waiting is the type of the operation waiting at this kiosk that changes it (the record
	// already shows it as the operation will leave it), "" when none.
	waiting string
}

// vehicleGroup is the violations of one plate and the driver's relation to the vehicle.
type vehicleGroup struct {
	plate    model.Plate
	relation string // own, bound, followed, designated, or "" for a vehicle the driver has no link to
	first    int    // index of the group's first item
	n        int
}

// relationOrder puts own vehicles first, then bound, followed, a unit's vehicles the driver is
// designated for, and the rest.
func relationOrder(r string) int {
	switch r {
	case "own":
		return 0
	case "bound":
		return 1
	case "followed":
		return 2
	case api.RelationDesignated:
		return 3
	}
	return 4
}

// judge builds the judgement of a lookup at now under profile p and the catalogue cat (the
// simple-procedure rule; nil: by the fine alone), as the server judges it.
func judge(l api.Lookup, p *model.Profile, cat *model.Catalogue, now time.Time) *judgement {
	j := &judgement{}
	var vs []model.Violation
	if p == nil {
		j.noCase = errNoProfile
	} else if c, mv, err := l.Case(p, now); err != nil {
		j.noCase = err
	} else {
		c.Catalogue = cat
		j.eval, vs = model.NewEvaluator(c), mv
	}
	var els []model.Eligibility
	if j.eval != nil {
		els = j.eval.EvaluateAll(vs)
	}
	relation := map[string]string{}
	for _, veh := range l.Vehicles {
		relation[veh.PlateType+":"+veh.PlateNumber] = veh.Relation
	}
	type row struct {
		judged
		key string
		rel string
	}
	rows := make([]row, 0, len(l.Violations))
	for i, w := range l.Violations {
		r := row{judged: judged{wire: w}, key: w.PlateType + ":" + w.PlateNumber}
		r.rel = relation[r.key]
		if vs != nil {
			r.v, r.el = vs[i], els[i]
		} else if mv, err := w.Model(); err == nil {
			r.v = mv
			r.el = model.Eligibility{ViolationID: w.ID, Action: model.ActionCounter}
		}
		if r.v.Status == model.StatusProcessed && p != nil {
			r.payable = len(model.PayCheck(r.v)) == 0
			r.due = model.AmountAt(r.v.Fine, r.v.DecidedAt, now, p.Payment)
		}
		rows = append(rows, r)
	}
	sort.SliceStable(rows, func(a, b int) bool {
		ra, rb := relationOrder(rows[a].rel), relationOrder(rows[b].rel)
		if ra != rb {
			return ra < rb
		}
		if rows[a].key != rows[b].key {
			return rows[a].key < rows[b].key
		}
		return rows[a].wire.Time.After(rows[b].wire.Time) // newest first within a vehicle
	})
	j.items = make([]judged, len(rows))
	for i, r := range rows {
		if i == 0 || r.key != rows[i-1].key {
			j.groups = append(j.groups, vehicleGroup{plate: r.v.Plate, relation: r.rel, first: i})
		}
		g := len(j.groups) - 1
		j.groups[g].n++
		r.judged.group = g
		j.items[i] = r.judged
		if r.el.Eligible {
			j.process++
		}
		if r.payable {
			j.pay++
		}
	}
	return j
}

// count reports how many items can be processed here and how many can be paid.
func (j *judgement) count() (process, pay int) { return j.process, j.pay }
