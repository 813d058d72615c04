package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/hallkiosk/kiosk/model"
)

func (v *vehicles) View() string {
	switch {
	case v.flow != nil:
		return v.flow.view(max(v.w, 20), v.h)
	}
	return v.listView()
}

// header is the title with whose record this is.
func (v *vehicles) header() []string {
	c, st := v.c, v.c.Styles
	who := maskedName(v.s.lookup.Person.Name) + "  " + v.s.id.Masked()
	return []string{st.Title.Render(c.T(txtVehTitle)) + "   " + st.Text.Render(who)}
}

// footer holds the numbered options and notes about the record's freshness.
func (v *vehicles) footer() []string {
	c, st, w := v.c, v.c.Styles, max(v.w, 20)
	var out []string
	offered, follow := linkOffer(c.Profile)
	switch {
	case offered && follow:
		out = append(out, optionLine(c, "1", c.T(txtVehOptFollow)))
	case offered:
		out = append(out, optionLine(c, "1", c.T(txtVehOptBind)))
	default:
		r := c.Reason(model.Reason{Code: model.ReasonBindDisabled})
		out = append(out, styledLines(st.Placeholder.Render, wrap(r.Message+" "+r.Remedy, w))...)
	}
	if v.cursor >= 0 {
		out = append(out, fit(optionLine(c, "2", v.actionText(v.rows[v.cursor]))+"  "+
			st.Text.Render(c.T(txtVehOrEnter)), w))
	}
	switch {
	case v.refreshing != 0:
		out = append(out, st.Placeholder.Render(fit(c.T(txtVehRefreshing), w)))
	case v.refreshErr:
		out = append(out, st.Error.Render(fit("! "+c.T(txtVehRefreshFailed), w)))
	case v.note != "":
		out = append(out, st.Error.Render(fit("! "+c.T(v.note), w)))
	}
	return out
}

// actionText names what option 2 does to the highlighted link.
func (v *vehicles) actionText(r vehRow) string {
	c, plate := v.c, string(r.plate.Number)
	switch r.kind {
	case rowMyBinding:
		return c.T(txtVehOptUnbind, "plate", plate)
	case rowMyFollow:
		return c.T(txtVehOptUnfollow, "plate", plate)
	case rowBoundToMine:
		return c.T(txtVehOptRevokeBind, "plate", plate, "id", partyText(r))
	}
	return c.T(txtVehOptRevokeFollow, "plate", plate, "id", partyText(r))
}

// partyText names the other party of a link to my vehicle: masked name and masked ID number.
func partyText(r vehRow) string {
	if r.name == "" {
		return r.person.Masked()
	}
	return maskedName(r.name) + " " + r.person.Masked()
}

// listHeight is the rows of the list that fit between the header and the footer, leaving a
// line for the scroll hint and one blank line each side of the list.
func (v *vehicles) listHeight() int {
	return max(v.h-len(v.header())-len(v.footer())-3, 1)
}

func (v *vehicles) listView() string {
	c, st, w := v.c, v.c.Styles, max(v.w, 20)
	n := v.listHeight()
	if v.cursor >= 0 {
		first := v.cursor
		if first > 0 && v.rows[first-1].kind == rowHeading {
			first-- // keep a section's heading in view with its first row
		}
		if first < v.top {
			v.top = first
		}
		if v.cursor >= v.top+n {
			v.top = v.cursor - n + 1
		}
	}
	v.top = max(min(v.top, len(v.rows)-n), 0)
	out := append(v.header(), "")
	for i := v.top; i < v.top+n; i++ {
		line := ""
		if i < len(v.rows) {
			line = v.rowLine(v.rows[i], i == v.cursor, w)
		}
		out = append(out, line)
	}
	hint := ""
	above, below := v.top > 0, v.top+n < len(v.rows)
	switch {
	case above && below:
		hint = c.T(txtVehMoreBoth)
	case below:
		hint = c.T(txtVehMoreBelow)
	case above:
		hint = c.T(txtVehMoreAbove)
	}
	out = append(out, st.Placeholder.Render(fit(hint, w)), "")
	return strings.Join(append(out, v.footer()...), "\n")
}

// rowLine draws one row; the highlighted link is marked with ">" and drawn reversed.
func (v *vehicles) rowLine(r vehRow, cursor bool, w int) string {
	c, st := v.c, v.c.Styles
	var text string
	switch r.kind {
	case rowHeading:
		return st.Title.Render(fit(c.T(r.text), w))
	case rowEmpty:
		return "  " + st.Placeholder.Render(fit(c.T(r.text), w-2))
	case rowOwn:
		return "  " + st.Value.Render(string(r.plate.Number)) + "  " + st.Text.Render(fit(c.Term(r.plate.Type.Term()), w-4-ansi.StringWidth(string(r.plate.Number))))
	case rowBoundToMine:
		text = "  " + c.T(txtVehBoundToMine, "id", partyText(r), "period", periodText(c, r))
	case rowFollowOfMine:
		text = "  " + c.T(txtVehFollowOfMine, "id", partyText(r), "period", periodText(c, r))
	case rowMyBinding:
		text = plateText(c, r.plate) + "  " + c.T(txtVehMyBinding, "owner", ownerText(r), "period", periodText(c, r))
	case rowMyFollow:
		text = plateText(c, r.plate) + "  " + c.T(txtVehMyFollow, "owner", ownerText(r), "period", periodText(c, r))
	case rowDesignated:
		text = plateText(c, r.plate) + "  " + c.T(txtVehDesignated, "period", periodText(c, r))
	case rowUnitName:
		// A unit's name is not a person's: it is shown whole, on a line of its own, as on the
		// vehicle's papers.
		unit := narrowSafe(r.owner)
		if unit == "" {
			unit = c.T(txtVehDesignatedNoName)
		}
		return "    " + st.Text.Render(fit(c.T(txtVehDesignatedUnit, "unit", unit), w-4))
	}
	text = keepTail(text, periodText(c, r), w-3)
	if cursor {
		return ">" + st.FieldActive.Render(" "+fit(text, w-3)) + " "
	}
	return "  " + st.Text.Render(fit(text, w-2))
}

// Pieces the vehicle screens share.

// linkStepLine is the step indicator of a flow: its name, the step and how many there are.
func linkStepLine(c *Common, flow textKey, n, of int, title textKey) string {
	return c.Styles.Step.Render(c.T(txtLinkStep, "flow", c.T(flow), "n", strconv.Itoa(n), "of", strconv.Itoa(of), "title", c.T(title)))
}

func plateText(c *Common, p model.Plate) string {
	return string(p.Number) + " " + c.Term(p.Type.Term())
}

// ownerText names the owner of a vehicle someone is linked to: the masked name when the record
// has it, else the masked ID number.
func ownerText(r vehRow) string {
	switch {
	case r.owner != "":
		return maskedName(r.owner)
	case r.person != "":
		return r.person.Masked()
	}
	return "-"
}

func dateText(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(model.ChinaZone()).Format("2006-01-02")
}

// periodText is when a link holds: since a day, or from a day to a day.
func periodText(c *Common, r vehRow) string {
	if r.until.IsZero() {
		return c.T(txtLinkSince, "date", dateText(r.since))
	}
	return c.T(txtLinkFromTo, "from", dateText(r.since), "to", dateText(r.until))
}

// factLines lays out label and value pairs with the labels in one column.
func factLines(c *Common, facts [][2]string, w int) []string {
	st := c.Styles
	labelW := 0
	for _, f := range facts {
		labelW = max(labelW, ansi.StringWidth(f[0]))
	}
	out := make([]string, len(facts))
	for i, f := range facts {
		out[i] = "  " + st.Label.Render(fit(f[0], labelW)) + "  " + st.Value.Render(ansi.Truncate(f[1], max(w-labelW-4, 1), ""))
	}
	return out
}

func optionLine(c *Common, key, text string) string {
	return c.Styles.Option.Render("["+key+"]") + " " + c.Styles.Text.Render(text)
}

func joinLines(ls []string) string { return strings.Join(ls, "\n") }

// keepTail fits text into w columns by cutting it before its tail (the link's dates), so that a
// narrow screen loses some of the name rather than half a date ("2027-09-2").
func keepTail(text, tail string, w int) string {
	if ansi.StringWidth(text) <= w {
		return text
	}
	i := strings.LastIndex(text, tail)
	if i < 0 {
		return text
	}
	head := ansi.Truncate(text[:i], max(w-ansi.StringWidth(text[i:])-2, 0), "..")
	return head + text[i:]
}
