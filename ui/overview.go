package ui

import (
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
)

// overview shows who was identified and where their licence stands. This first version is a
// summary; the violation list, processing, payment and binding screens come next and the
// screen says so.
type overview struct {
	c    *Common
	s    *session
	w, h int
}

func newOverview(c *Common, s *session) *overview { return &overview{c: c, s: s} }

func (o *overview) Init() tea.Cmd          { return nil }
func (o *overview) SetSize(w, h int)       { o.w, o.h = w, h }
func (o *overview) Timeout() time.Duration { return o.c.IdleTimeout }
func (o *overview) Help() []key.Binding    { return []key.Binding{o.c.Keys.Finish, o.c.Keys.Back} }

func (o *overview) Update(msg tea.Msg) (Screen, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	switch {
	case !ok:
		return o, nil
	case key.Matches(k, o.c.Keys.Finish):
		return o, navigate(navWelcome{})
	case key.Matches(k, o.c.Keys.Back):
		return o, navigate(navIdentify{})
	}
	return o, nil
}

func (o *overview) View() string {
	c, st, l := o.c, o.c.Styles, o.s.lookup
	facts := [][2]string{
		{c.T(txtOverviewName), maskedName(l.Person.Name)},
		{c.T(txtOverviewID), o.s.id.Masked()},
		{c.T(txtOverviewLicence), o.licence()},
		{c.T(txtOverviewPoints), o.points()},
		{c.T(txtOverviewViolations), c.T(txtOverviewViolationCount,
			"n", strconv.Itoa(len(l.Violations)), "open", strconv.Itoa(o.s.openViolations()),
			"vehicles", strconv.Itoa(len(l.Vehicles)))},
	}
	labelW := 0
	for _, f := range facts {
		labelW = max(labelW, ansi.StringWidth(f[0]))
	}
	rows := make([]string, len(facts))
	for i, f := range facts {
		rows[i] = "  " + st.Label.Render(fit(f[0], labelW)) + "  " + st.Value.Render(f[1])
	}
	blocks := []string{stepLine(c, 2, txtStepOverview), strings.Join(rows, "\n")}
	if o.s.fromCache {
		at := o.s.cachedAt.In(model.ChinaZone()).Format("2006-01-02 15:04")
		blocks = append(blocks, st.Error.Render(wrap("! "+c.T(txtOverviewFromCache, "time", at), max(o.w, 20))))
	}
	blocks = append(blocks,
		st.Placeholder.Render(wrap(c.T(txtOverviewLater), max(o.w, 20))),
		st.Option.Render("[0]")+" "+st.Text.Render(c.T(txtOverviewFinish)))
	return stack(blocks, st.SpaceBetween, o.h)
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
