package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
)

// detailPane shows everything about one violation, nothing cut: a list line gives way to
// points and fine and shortens the description and the place, and nobody should confirm or pay
// a violation they could not read in full. A list screen opens it on the highlighted item with
// the Detail key and closes it with Esc (or the Detail key, or Left) where it was.
type detailPane struct {
	open  bool
	it    judged
	top   int      // first line shown
	lines []string // rendered for width and look
	width int
	look  look
}

// show opens the pane on it.
func (d *detailPane) show(it judged) {
	*d = detailPane{open: true, it: it}
}

// key handles a key while the pane is open: scrolling, or closing. It reports false when the
// pane is closed and the key is the screen's.
func (d *detailPane) key(c *Common, msg tea.KeyPressMsg, height int) bool {
	if !d.open {
		return false
	}
	k := c.Keys
	page := max(height-1, 1)
	switch {
	case key.Matches(msg, k.Back, k.Detail), msg.Code == tea.KeyLeft:
		d.open = false
	case key.Matches(msg, k.Up):
		d.top--
	case key.Matches(msg, k.Down):
		d.top++
	case key.Matches(msg, k.PageUp):
		d.top -= page
	case key.Matches(msg, k.PageDown):
		d.top += page
	}
	return true // every other key waits: the pane is read, then closed
}

// view draws the pane in height lines at width w: the facts, then the line that says how to
// scroll and how to go back.
func (d *detailPane) view(c *Common, w, h int) string {
	if d.lines == nil || d.width != w || d.look != lookOf(c) {
		d.lines, d.width, d.look = detailLines(c, d.it, w), w, lookOf(c)
	}
	body := max(h-2, 1)
	d.top = max(min(d.top, len(d.lines)-body), 0)
	out := []string{c.Styles.Title.Render(c.T(txtDetailTitle))}
	shown := d.lines[d.top:min(d.top+body, len(d.lines))]
	out = append(out, shown...)
	for len(out) < body+1 {
		out = append(out, "")
	}
	hint := c.T(txtDetailBack)
	if d.top > 0 || d.top+body < len(d.lines) {
		hint = c.T(txtDetailScroll)
	}
	out = append(out, c.Styles.Placeholder.Render(fit(hint, w)))
	return strings.Join(out, "\n")
}

// detailLines are a violation's facts, one labelled fact after another, each wrapped under its
// value's column, then what can be done about it here.
func detailLines(c *Common, it judged, w int) []string {
	st, v := c.Styles, it.wire
	what := violationWhat(c, v)
	source := c.Term("source.non_on_site")
	if it.v.Source == model.SourceOnSite {
		source = c.Term("source.on_site")
	}
	vehicle := string(it.v.Plate.Number) + c.T(txtListSep) + c.Term(it.v.Plate.Type.Term())
	office := v.Office
	if v.OfficeCode != "" {
		office += " (" + v.OfficeCode + ")"
	}
	status := c.Term("violation_status." + string(it.v.Status))
	if v.Decision != "" {
		status += c.T(txtListSep) + c.T(txtDetailDecision, "number", v.Decision)
	}
	facts := []struct {
		label textKey
		value string
	}{
		{txtDetailWhat, what},
		{txtDetailCode, v.Code},
		{txtDetailTime, v.Time.In(model.ChinaZone()).Format("2006-01-02 15:04")},
		{txtDetailPlace, v.Place},
		{txtDetailVehicle, vehicle},
		{txtDetailSource, source},
		{txtDetailPoints, strconv.Itoa(v.Points)},
		{txtDetailFine, c.Money(model.Fen(v.FineFen))},
		{txtDetailLateFee, lateFeeSoFar(c, it)},
		{txtDetailStatus, status},
		{txtDetailOffice, office},
	}
	labelW := 0
	for _, f := range facts {
		labelW = max(labelW, ansi.StringWidth(c.T(f.label)))
	}
	labelW += 2
	valueW := max(w-labelW, 10)
	var out []string
	for _, f := range facts {
		label := c.T(f.label)
		label += strings.Repeat(" ", max(labelW-ansi.StringWidth(label), 0))
		for i, line := range strings.Split(wrap(narrowSafe(f.value), valueW), "\n") {
			if i > 0 {
				label = strings.Repeat(" ", labelW)
			}
			out = append(out, st.Label.Render(label)+st.Value.Render(line))
		}
	}
	out = append(out, "", st.Label.Render(c.T(txtDetailHere)))
	out = append(out, verdictLines(c, it, "  ", w)...)
	out = append(out, adviceLines(c, it.el.Reasons, w)...)
	return out
}

// lateFeeSoFar is the late fee a decided, unpaid violation has run up, with its days; for an
// undecided one, that none runs until a decision and by when it will have to be paid.
func lateFeeSoFar(c *Common, it judged) string {
	switch {
	case it.v.Status == model.StatusPaid:
		return c.T(txtDetailLateFeePaid)
	case it.payable && it.due.LateFee > 0:
		return c.T(txtDetailLateFeeRunning, "fee", c.Money(it.due.LateFee), "days", strconv.Itoa(it.due.LateDays),
			"due", it.due.Due.String())
	case it.payable:
		return c.T(txtDetailLateFeeNone, "due", it.due.Due.String())
	}
	days := 15
	if c.Profile != nil && c.Profile.Payment.DueDays > 0 {
		days = c.Profile.Payment.DueDays
	}
	return c.T(txtDetailLateFeeUndecided, "days", strconv.Itoa(days))
}

// adviceLines add what a reason's own remedy cannot know: where the profile lets study take
// points off the cycle (学法减分), a driver refused for the points is told so.
func adviceLines(c *Common, rs []model.Reason, w int) []string {
	if c.Profile == nil || c.Profile.Points.StudyReductionMax <= 0 {
		return nil
	}
	for _, r := range rs {
		if r.Code == model.ReasonPointsReachFullAlone || r.Code == model.ReasonWouldReachFull {
			text := c.T(txtAdviceStudy, "max", strconv.Itoa(c.Profile.Points.StudyReductionMax),
				"full", strconv.Itoa(c.Profile.Points.FullScore))
			return styledLines(c.Styles.Remedy.Render, indent(wrap("> "+text, max(w-2, 10)), 2))
		}
	}
	return nil
}

// fullViolationLines is a violation with nothing cut, for the screen where it is confirmed:
// time, points and fine on the first line, then the whole description and the whole place,
// wrapped under it.
func fullViolationLines(c *Common, it judged, prefix string, w int) []string {
	st, v := c.Styles, it.wire
	what := violationWhat(c, v)
	facts := c.T(txtViolationFacts, "points", strconv.Itoa(v.Points), "fine", c.Money(model.Fen(v.FineFen)))
	when := v.Time.In(model.ChinaZone()).Format("2006-01-02 15:04")
	out := []string{fit(prefix+when+"  "+string(it.v.Plate.Number)+"  "+facts, w)}
	pad := prefix + "  "
	inner := max(w-ansi.StringWidth(pad), 10)
	for _, l := range strings.Split(wrap(narrowSafe(what)+" ("+v.Code+")", inner), "\n") {
		out = append(out, pad+st.Value.Render(l))
	}
	for _, l := range strings.Split(wrap(narrowSafe(v.Place), inner), "\n") {
		out = append(out, pad+st.Label.Render(l))
	}
	return out
}

// violationWhat is a violation's description in the screen's language, or its code where the
// catalogue has no words for it.
func violationWhat(c *Common, v api.Violation) string {
	what := v.CatalogueZH
	if c.Lang == model.EN {
		what = v.CatalogueEN
	}
	if what == "" {
		what = c.T(txtViolationCode, "code", v.Code)
	}
	return what
}
