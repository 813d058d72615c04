package ui

import (
	"context"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/service"
)

// overview shows who was identified and where their licence stands: licence, points this
// cycle, and every violation grouped by vehicle with what can be done about it here, and for
// each one that cannot, why, in plain words, and what to do instead. From here the person
// chooses a task by its number. Looking is itself a task (query only): nothing has to be done.
type overview struct {
	c    *Common
	s    *session
	w, h int
	list *itemList

	refreshing uint64 // the lookup request of a refresh; 0 when none
	refreshErr bool   // the refresh failed: the record shown may be out of date
	lang       model.Lang
	shownH     int // the list's height in the frame last drawn; 0 before the first
	detail     detailPane
}

// refreshedMsg is the answer to a refresh of the session's record.
type refreshedMsg struct {
	req    uint64
	looked service.Looked
	err    error
}

func newOverview(c *Common, s *session) *overview {
	o := &overview{c: c, s: s, lang: c.Lang}
	o.build()
	return o
}

func (o *overview) build() {
	j := o.s.judged
	groupOf := make([]int, len(j.items))
	for i, it := range j.items {
		groupOf[i] = it.group
	}
	// The highlight marks the violation the detail key shows in full.
	o.list = newItemList(len(j.items), groupOf, true, o.renderItem, o.renderHeading)
}

// Init asks the server again when a flow changed the record.
func (o *overview) Init() tea.Cmd {
	if !o.s.stale || o.c.Services == nil {
		return nil
	}
	var cmd tea.Cmd
	o.refreshing, cmd = lookupAgain(o.c, o.s)
	return cmd
}

// lookupAgain asks the server for the session's record again; the answer comes back as a
// refreshedMsg carrying the returned request id.
func lookupAgain(c *Common, s *session) (uint64, tea.Cmd) {
	req, svc, id, file, byCard := c.newRequest(), c.Services, s.id, s.file, s.byCard
	return req, func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
		defer cancel()
		look := func() (service.Looked, error) { return svc.Lookup(ctx, id, file) }
		if byCard {
			look = func() (service.Looked, error) { return svc.LookupCard(ctx, id) }
		}
		l, err := look()
		return refreshedMsg{req: req, looked: l, err: err}
	}
}

func (o *overview) SetSize(w, h int)       { o.w, o.h = w, h }
func (o *overview) Timeout() time.Duration { return o.c.IdleTimeout }
func (o *overview) HelpText() textKey      { return txtHelpOverview }

func (o *overview) Help() []key.Binding {
	k := o.c.Keys
	if o.detail.open {
		return []key.Binding{k.Move, k.PageDown, k.Back}
	}
	if o.list.len() == 0 {
		return []key.Binding{k.Finish}
	}
	return []key.Binding{k.Move, k.PageDown, k.Detail, k.Finish}
}

// menu is the overview's numbered tasks.
func (o *overview) menu() []menuItem {
	process, pay := o.s.judged.count()
	return []menuItem{
		{key: '1', text: txtMenuProcess, n: process},
		{key: '2', text: txtMenuPay, n: pay},
		{key: '3', text: txtMenuVehicles, n: -1},
		{key: '4', text: txtMenuPending, n: -1},
		{key: '0', text: txtMenuFinish, n: -1},
	}
}

type menuItem struct {
	key  rune
	text textKey
	n    int // a count to show, -1 for none
}

func (o *overview) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case refreshedMsg:
		if msg.req != o.refreshing {
			return o, nil
		}
		o.refreshing = 0
		if msg.err != nil {
			o.refreshErr = true // keep showing what we have, and say it may be out of date
			return o, nil
		}
		o.s.update(o.c, msg.looked)
		o.build()
		return o, nil
	case tea.KeyPressMsg:
		return o, o.onKey(msg)
	}
	return o, nil
}

func (o *overview) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := o.c.Keys
	switch {
	case o.detail.key(o.c, msg, o.h-2):
		return nil
	case key.Matches(msg, k.Detail) && o.list.cursor >= 0:
		o.detail.show(o.s.judged.items[o.list.cursor])
		return nil
	case o.list.scroll(msg, k, o.listHeight()):
		return nil
	case key.Matches(msg, k.Back):
		return navigate(navIdentify{})
	}
	d, ok := digit(msg)
	if !ok {
		return nil
	}
	switch d {
	case '0':
		return navigate(navWelcome{})
	case '1':
		return navigate(navSession{id: processID, build: func(c *Common, s *session) Screen { return newProcess(c, s) }})
	case '2':
		return navigate(navSession{id: payID, build: func(c *Common, s *session) Screen { return newPay(c, s, nil) }})
	case '3':
		return navigate(navSession{id: vehiclesID, build: func(c *Common, s *session) Screen { return newVehicles(c, s) }})
	case '4':
		return navigate(navSession{id: pendingID, build: func(c *Common, s *session) Screen { return newPending(c, s) }})
	}
	return nil
}

// headerLines is what stands above the list: the step, the person, the licence and points, the
// counts, and notes about the record's freshness.
func (o *overview) header() []string {
	c, st, l := o.c, o.c.Styles, o.s.lookup
	w := max(o.w, 20)
	who := st.Value.Render(maskedName(l.Person.Name)) + "  " + st.Text.Render(o.s.id.Masked())
	out := []string{stepLine(c, 2, txtStepOverview), who}
	lic := st.Label.Render(c.T(txtOverviewLicence)) + " " + st.Value.Render(o.licence())
	pts := st.Label.Render(c.T(txtOverviewPoints)) + " " + st.Value.Render(o.points())
	switch {
	case st.HighContrast: // the points in large glyphs, the line that states them beside
		out = append(out, lic)
		out = append(out, figureBeside(st, strconv.Itoa(l.Points.Total), c.T(txtOverviewPoints)+" "+o.points(), w)...)
	case ansi.StringWidth(lic)+3+ansi.StringWidth(pts) <= w:
		out = append(out, lic+"   "+pts)
	default:
		out = append(out, fit(lic, w), fit(pts, w))
	}
	process, pay := o.s.judged.count()
	out = append(out, st.Text.Render(c.T(txtOverviewViolationCount, "n", strconv.Itoa(len(l.Violations)),
		"process", strconv.Itoa(process), "pay", strconv.Itoa(pay))))
	switch {
	case o.refreshing != 0:
		out = append(out, st.Placeholder.Render(c.T(txtOverviewRefreshing)))
	case o.refreshErr:
		out = append(out, styledLines(st.Error.Render, wrap(c.T(txtOverviewRefreshFailed), w))...)
	case o.s.fromCache:
		at := o.s.cachedAt.In(model.ChinaZone()).Format("2006-01-02 15:04")
		for _, line := range strings.Split(wrap("! "+c.T(txtOverviewFromCache, "time", at), w), "\n") {
			out = append(out, st.Error.Render(line))
		}
	}
	if n := len(o.s.rejected); n > 0 {
		out = append(out, styledLines(st.Error.Render, wrap(c.T(txtOverviewRejected, "n", strconv.Itoa(n)), w))...)
	}
	if o.s.judged.noCase != nil && o.s.lookup.Licence == nil {
		out = append(out, st.Error.Render(c.T(txtOverviewNoLicence)))
	}
	return out
}

func (o *overview) menuLines() []string {
	st, w := o.c.Styles, max(o.w, 20)
	var parts []string
	for _, m := range o.menu() {
		label := o.c.T(m.text)
		if m.n >= 0 {
			label += "(" + strconv.Itoa(m.n) + ")"
		}
		parts = append(parts, st.Option.Render("["+string(m.key)+"]")+" "+st.Text.Render(label))
	}
	return packLine(parts, "  ", w)
}

// packLine puts parts on as few lines of width w as it can.
func packLine(parts []string, sep string, w int) []string {
	var out []string
	cur := ""
	for _, p := range parts {
		switch {
		case cur == "":
			cur = p
		case ansi.StringWidth(cur+sep+p) <= w:
			cur += sep + p
		default:
			out = append(out, cur)
			cur = p
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

// listHeight is the room left for the list under the header and above the menu of tasks. A
// key moves the list the person sees, so the frame last drawn answers, without drawing the
// header and the menu again for their heights (that was a sixth of a key press's work).
func (o *overview) listHeight() int {
	if o.shownH > 0 {
		return o.shownH
	}
	return o.listRoom(len(o.header()), len(o.menuLines()))
}

func (o *overview) listRoom(head, menu int) int { return max(o.h-head-menu-2, 1) }

func (o *overview) View() string {
	o.lang = o.c.Lang
	o.list.restyle(o.c)
	st, w := o.c.Styles, max(o.w, 20)
	if o.detail.open {
		return o.detail.view(o.c, w, o.h)
	}
	head, menu := o.header(), o.menuLines()
	listH := o.listRoom(len(head), len(menu))
	o.shownH = listH
	var body string
	if o.list.len() == 0 {
		body = st.Text.Render(o.c.T(txtOverviewNoViolations))
	} else {
		body = o.list.view(w, listH)
	}
	above, below := o.list.more(listH)
	scroll := ""
	switch {
	case above && below:
		scroll = o.c.T(txtListMoreBoth)
	case below:
		scroll = o.c.T(txtListMoreBelow)
	case above:
		scroll = o.c.T(txtListMoreAbove)
	}
	bodyLines := strings.Split(body, "\n")
	for len(bodyLines) < listH {
		bodyLines = append(bodyLines, "")
	}
	out := append(head, st.Placeholder.Render(scroll))
	out = append(out, bodyLines...)
	out = append(out, "")
	return strings.Join(append(out, menu...), "\n")
}

// renderHeading is a vehicle's line: plate, type and the driver's relation to it.
func (o *overview) renderHeading(g, w int) string {
	return vehicleHeading(o.c, o.s.judged.groups[g], w)
}

func vehicleHeading(c *Common, g vehicleGroup, w int) string {
	rel := txtRelationNone
	switch g.relation {
	case "own":
		rel = txtRelationOwn
	case "bound":
		rel = txtRelationBound
	case "followed":
		rel = txtRelationFollowed
	case api.RelationDesignated:
		rel = txtRelationDesignated
	}
	text := "-- " + string(g.plate.Number) + " " + c.Term(g.plate.Type.Term()) + " (" + c.T(rel) + ") "
	return c.Styles.Title.Render(fit(text+strings.Repeat("-", max(w-ansi.StringWidth(text), 0)), w))
}

func (o *overview) renderItem(i, w int, cursor bool) []string {
	it := o.s.judged.items[i]
	line := violationLine(o.c, it, "  ", w)
	if cursor {
		line = o.c.Styles.FieldActive.Render(violationLine(o.c, it, "> ", w))
	}
	out := []string{line}
	return append(out, verdictLines(o.c, it, "     ", w)...)
}

// violationLine is a violation's facts on one line: when, what, points, fine, and where when
// there is room.
func violationLine(c *Common, it judged, prefix string, w int) string {
	st := c.Styles
	v := it.wire
	what := violationWhat(c, v)
	facts := c.T(txtViolationFacts, "points", strconv.Itoa(v.Points), "fine", c.Money(model.Fen(v.FineFen)))
	when := v.Time.In(model.ChinaZone()).Format("2006-01-02 15:04")
	// Points and fine are what the person decides on: a long description gives way to them,
	// shortened with a visible "..", and the place gets what room is left.
	what = narrowSafe(what)
	if room := w - ansi.StringWidth(prefix+when+facts) - 4; ansi.StringWidth(what) > room {
		what = ansi.Truncate(what, max(room, 8), "..")
	}
	line := prefix + when + "  " + st.Value.Render(what) + "  " + facts
	if room := w - ansi.StringWidth(line) - 2; room >= 12 {
		line += "  " + st.Label.Render(ansi.Truncate(narrowSafe(v.Place), room, ".."))
	}
	return fit(line, w)
}

// verdictLines say what can be done about a violation here, and for one that cannot be
// handled here, every reason and what to do instead.
func verdictLines(c *Common, it judged, prefix string, w int) []string {
	st := c.Styles
	inner := max(w-ansi.StringWidth(prefix), 10)
	say := func(style func(...string) string, text string) []string {
		var out []string
		for _, l := range strings.Split(wrap(text, inner), "\n") {
			out = append(out, prefix+style(l))
		}
		return out
	}
	if it.waiting != "" {
		// Submitted here and not confirmed: the record shows it processed or paid, and saying
		// "already processed" would hide that the platform has not yet agreed.
		out := say(st.Value.Render, c.T(txtVerdictWaiting))
		if it.payable {
			it.waiting = ""
			out = append(out, verdictLines(c, it, prefix, w)...)
		}
		return out
	}
	switch {
	case it.v.Status == model.StatusPaid:
		return say(st.Text.Render, c.T(txtVerdictPaid))
	case it.payable:
		text := c.T(txtVerdictPay, "amount", c.Money(it.due.Total()), "due", it.due.Due.String())
		if it.due.LateFee > 0 {
			text = c.T(txtVerdictPayLate, "amount", c.Money(it.due.Total()), "fee", c.Money(it.due.LateFee),
				"days", strconv.Itoa(it.due.LateDays))
		}
		return say(st.Value.Render, text)
	case it.el.Eligible:
		text := c.T(txtVerdictProcess)
		if it.el.Verify == model.VerifyDriverAndOwner {
			text = c.T(txtVerdictProcessOwner)
		}
		return say(st.Value.Render, text)
	}
	var out []string
	for n, r := range it.el.Reasons {
		w := c.Reason(r)
		lead := c.T(txtVerdictNotHere)
		if n > 0 {
			lead = c.T(txtVerdictAlso)
		}
		out = append(out, say(st.Text.Render, lead+w.Message)...)
		if w.Remedy != "" {
			out = append(out, say(st.Remedy.Render, "> "+w.Remedy)...)
		}
	}
	if len(out) == 0 { // not judged (no licence): only a counter can help
		out = say(st.Text.Render, c.T(txtVerdictCounter))
	}
	return out
}

// licence is "C1, 正常" or a note that the person holds no licence.
func (o *overview) licence() string {
	lic := o.s.lookup.Licence
	if lic == nil {
		return o.c.T(txtOverviewNoLicence)
	}
	return lic.Classes + o.c.T(txtListSep) + o.c.Term("licence_status."+lic.Status)
}

// points is the cycle's points against the full score, and the cycle's last day.
func (o *overview) points() string {
	p := o.s.lookup.Points
	last := p.CycleEnd
	if end, err := api.ParseDate(p.CycleEnd); err == nil {
		last = end.AddDays(-1).String() // CycleEnd is the first day of the next cycle
	}
	return o.c.T(txtOverviewPointsValue, "n", strconv.Itoa(p.Total), "full", strconv.Itoa(p.FullScore), "end", last)
}
