package console

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// sortKey is an order of the fleet list; `s` cycles through them.
type sortKey int

const (
	sortState sortKey = iota // worst first: offline, degraded, online, revoked
	sortName
	sortOutbox
	sortOldest
	sortRejected
	sortKeys // how many there are
)

func (s sortKey) text() textKey {
	return [...]textKey{txtSortState, txtSortName, txtSortOutbox, txtSortOldest, txtSortRejected}[s]
}

// stateRank orders kiosk states worst first. A revoked kiosk comes last: nothing can be done
// for it in the hall.
func stateRank(state string) int {
	switch state {
	case KioskOffline:
		return 0
	case KioskDegraded:
		return 1
	case KioskOnline:
		return 2
	case KioskRevoked:
		return 4
	}
	return 3
}

// sortFleet orders the fleet by the current key; ties go by name, then id, so that rows never
// swap places between refreshes. Names compare as Chinese readers expect (by pinyin) with
// numbers by value, so that 东门2号机 comes before 东门10号机.
func (m *Model) sortFleet() {
	by := m.sortBy
	sort.SliceStable(m.fleet, func(i, j int) bool {
		a, b := m.fleet[i], m.fleet[j]
		switch by {
		case sortState:
			if ra, rb := stateRank(a.State), stateRank(b.State); ra != rb {
				return ra < rb
			}
			if !a.Since.Equal(b.Since) { // longest in its state first
				return before(a.Since, b.Since)
			}
		case sortOutbox:
			if a.OutboxDepth != b.OutboxDepth {
				return a.OutboxDepth > b.OutboxDepth
			}
		case sortOldest:
			if !a.OldestPending.Equal(b.OldestPending) {
				return before(a.OldestPending, b.OldestPending)
			}
		case sortRejected:
			if a.RejectedOpen != b.RejectedOpen {
				return a.RejectedOpen > b.RejectedOpen
			}
		}
		if c := m.names.CompareString(a.Name, b.Name); c != 0 {
			return c < 0
		}
		return a.ID < b.ID
	})
}

// before orders times earliest first with the zero time (unknown, nothing waiting) last.
func before(a, b time.Time) bool {
	switch {
	case a.IsZero():
		return false
	case b.IsZero():
		return true
	}
	return a.Before(b)
}

// column is a column of the fleet list. Columns are taken by priority while they fit the
// width; the name column then gets what is left, up to maxName.
type column struct {
	head  textKey
	width int
	right bool
	prio  int // 0 always; higher ones only on wider screens
	cell  func(m *Model, k Kiosk) string
}

const (
	minName = 10
	maxName = 16
)

func (m *Model) fleetColumns() []column {
	hallPrio := -1 // never: the header names a hall member's hall
	if m.staff.Admin {
		hallPrio = 1 // an admin's list mixes halls
	}
	return []column{
		{head: txtColName, width: minName, prio: 0, cell: func(m *Model, k Kiosk) string { return narrowSafe(k.Name) }},
		{head: txtColHall, width: 8, prio: hallPrio, cell: func(m *Model, k Kiosk) string { return narrowSafe(k.Hall) }},
		{head: txtColState, width: 12, prio: 0, cell: (*Model).stateCell},
		{head: txtColOutbox, width: 6, right: true, prio: 0, cell: func(m *Model, k Kiosk) string {
			return strconv.FormatInt(k.OutboxDepth, 10)
		}},
		{head: txtColOldest, width: 6, right: true, prio: 0, cell: func(m *Model, k Kiosk) string {
			if k.OldestPending.IsZero() {
				return "-"
			}
			return short(m.opts.Now().Sub(k.OldestPending))
		}},
		{head: txtColRejected, width: 4, right: true, prio: 1, cell: func(m *Model, k Kiosk) string {
			return strconv.Itoa(k.RejectedOpen)
		}},
		{head: txtColStore, width: 5, right: true, prio: 2, cell: func(m *Model, k Kiosk) string {
			if !k.StoreKnown {
				return "?"
			}
			s := fmt.Sprintf("%d%%", percent(k.StoreUsedBytes, k.StoreMaxBytes))
			if k.StoreLevel != "" && k.StoreLevel != "ok" {
				s += "!"
			}
			return s
		}},
		{head: txtColSkew, width: 5, right: true, prio: 3, cell: func(m *Model, k Kiosk) string {
			if !k.ClockSkewKnown {
				return "?"
			}
			return skew(k.ClockSkew)
		}},
		{head: txtColPrinter, width: 10, prio: 2, cell: func(m *Model, k Kiosk) string { return m.deviceCell(k, "printer") }},
		{head: txtColVersion, width: 8, prio: 4, cell: func(m *Model, k Kiosk) string { return narrowSafe(k.Version) }},
		{head: txtColSeen, width: 9, right: true, prio: 5, cell: func(m *Model, k Kiosk) string {
			if k.LastSeen.IsZero() {
				return m.t(txtNever)
			}
			return short(m.opts.Now().Sub(k.LastSeen))
		}},
		{head: txtColCalls, width: 5, right: true, prio: 5, cell: func(m *Model, k Kiosk) string { return strconv.Itoa(k.OpenCalls) }},
		{head: txtColIDReader, width: 10, prio: 8, cell: func(m *Model, k Kiosk) string { return m.deviceCell(k, "id_reader") }},
		{head: txtColFace, width: 10, prio: 8, cell: func(m *Model, k Kiosk) string { return m.deviceCell(k, "face") }},
		{head: txtColCard, width: 10, prio: 8, cell: func(m *Model, k Kiosk) string { return m.deviceCell(k, "card") }},
		{head: txtColProblems, width: 20, prio: 6, cell: func(m *Model, k Kiosk) string {
			var ws []string
			for _, p := range k.Problems {
				ws = append(ws, problemText(p, m.lang, true))
			}
			return narrowSafe(strings.Join(ws, m.commaSep()))
		}},
	}
}

// layoutColumns picks the columns that fit w cells (with the row marker and number before
// them and a space between) and widens the name and the last column with what is left.
func (m *Model) layoutColumns(w, numW int) []column {
	all := m.fleetColumns()
	used := 2 + numW // "> " and the number
	take := make([]bool, len(all))
	for prio := 0; prio <= 8; prio++ {
		for i, c := range all {
			if c.prio == prio && used+1+c.width <= w {
				take[i] = true
				used += 1 + c.width
			}
		}
	}
	var out []column
	for i, c := range all {
		if take[i] {
			out = append(out, c)
		}
	}
	if len(out) == 0 || out[0].head != txtColName {
		return out // a screen too narrow for the name: nothing but numbers
	}
	spare := w - used
	if grow := min(spare, maxName-minName); grow > 0 {
		out[0].width += grow
		spare -= grow
	}
	if last := len(out) - 1; spare > 0 && out[last].head == txtColProblems {
		out[last].width += spare
	}
	return out
}

func (m *Model) stateCell(k Kiosk) string {
	s := m.stateWord(k.State)
	if !k.Since.IsZero() {
		s += " " + short(m.opts.Now().Sub(k.Since))
	}
	return s
}

func (m *Model) stateWord(state string) string {
	switch state {
	case KioskOnline:
		return m.t(txtKioskOnline)
	case KioskDegraded:
		return m.t(txtKioskDegraded)
	case KioskOffline:
		return m.t(txtKioskOffline)
	case KioskRevoked:
		return m.t(txtKioskRevoked)
	}
	return narrowSafe(state)
}

// deviceCell is the state of the kiosk's device of kind, "-" when it reports none.
func (m *Model) deviceCell(k Kiosk, kind string) string {
	for _, d := range k.Devices {
		if d.Kind == kind {
			return m.deviceState(d.State)
		}
	}
	return "-"
}

func (m *Model) deviceState(state string) string {
	if w, ok := deviceStateWords()[state]; ok {
		return m.pick(w)
	}
	return narrowSafe(state)
}

// fleetCounts counts the fleet's kiosks by state.
func fleetCounts(fleet []Kiosk) map[string]int {
	n := map[string]int{}
	for _, k := range fleet {
		n[k.State]++
	}
	return n
}
