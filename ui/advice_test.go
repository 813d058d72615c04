package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/service"
)

// processOn opens the process screen of a record l on a model of w x h in lang, without a
// server: what the screen does with the record is what is tested.
func processOn(t *testing.T, lang model.Lang, w, h int, l func(model.IDNumber) service.Looked) *Model {
	t.Helper()
	opts := testOptions(t)
	opts.Connect = nil
	opts.Lang = lang
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	id := model.IDNumber("440304199003140717") // a valid check character: the record is judged
	s := newSession(m.c, id, "440300000001", l(id))
	m.Update(navOverview{session: s})
	m.Update(navSession{id: processID, build: func(c *Common, s *session) Screen { return newProcess(c, s) }})
	if m.id != processID {
		t.Fatalf("on screen %d, want the process screen", m.id)
	}
	return m
}

func screenText(m *Model) string { return ansi.Strip(m.View().Content) }

// The case: in English at 80x24 two refused violations (each with its reasons) fill the
// list and the eligible third is out of view. The list says so, and pressing 3 ticks the third
// whatever is on screen: numbers belong to items.
func TestProcessNumbersReachItemsOutOfView(t *testing.T) {
	m := processOn(t, model.EN, 80, 24, func(id model.IDNumber) service.Looked {
		l := bigRecord(id, 3, 1)
		for i := range l.Violations {
			l.Violations[i].Status = string(model.StatusRecorded)
			l.Violations[i].Decision, l.Violations[i].DecidedAt, l.Violations[i].DriverID = "", nil, ""
		}
		// Two refused for two reasons each (on site, a fine over the simple procedure's limit, the
		// full score in one violation), one eligible.
		l.Violations[0].Source, l.Violations[0].FineFen = "on_site", 50000
		l.Violations[1].FineFen, l.Violations[1].Points = 50000, 12
		l.Violations[2].Points, l.Violations[2].FineFen = 1, 10000
		return service.Looked{Lookup: l}
	})
	p := m.screen.(*process)
	view := screenText(m)
	if strings.Contains(view, "[3]") {
		t.Fatalf("the third item fits on screen; the case needs it out of view:\n%s", view)
	}
	// The third is below, and the second is cut at the bottom: two are not wholly in view.
	if !strings.Contains(view, m.c.T(txtListItemsBelow, "n", "2")) {
		t.Fatalf("no line says an item is below:\n%s", view)
	}
	m.Update(tea.KeyPressMsg{Code: '3', Text: "3"})
	view = screenText(m)
	if !p.selected[2] {
		t.Fatalf("3 did not tick the third item:\n%s", view)
	}
	if !strings.Contains(view, "[3] > [x]") {
		t.Errorf("the ticked item is not on screen with its number and the highlight:\n%s", view)
	}
	if !strings.Contains(view, strings.SplitN(m.c.T(txtListItemsAbove, "n", "1"), "1", 2)[1]) {
		t.Errorf("no line says items are above:\n%s", view)
	}
}

// A long list: "1" moves the highlight to item 1 and waits for a second digit (the screen
// says so), "2" then ticks item 12; Space after a lone digit ticks that item.
func TestProcessTwoDigitNumbers(t *testing.T) {
	m := processOn(t, model.ZH, 80, 24, func(id model.IDNumber) service.Looked {
		l := bigRecord(id, 40, 2)
		for i := range l.Violations {
			l.Violations[i].Status = string(model.StatusRecorded)
			l.Violations[i].Decision, l.Violations[i].DecidedAt, l.Violations[i].DriverID = "", nil, ""
			l.Violations[i].Points, l.Violations[i].FineFen = 0, 10000
		}
		return service.Looked{Lookup: l}
	})
	p := m.screen.(*process)
	m.Update(tea.KeyPressMsg{Code: '1', Text: "1"})
	if p.list.cursor != 0 || len(p.selected) != 0 {
		t.Fatalf("after 1: cursor %d, %d selected; want the highlight on item 1 and nothing ticked", p.list.cursor, len(p.selected))
	}
	if view := screenText(m); !strings.Contains(view, m.c.T(txtListNumberTyped, "n", "1")) {
		t.Errorf("the screen does not say a number is being typed:\n%s", view)
	}
	m.Update(tea.KeyPressMsg{Code: '2', Text: "2"})
	if p.list.cursor != 11 || !p.selected[11] || len(p.selected) != 1 {
		t.Fatalf("after 12: cursor %d, selected %v; want item 12 ticked", p.list.cursor, p.selected)
	}
	if view := screenText(m); !strings.Contains(view, "[12] > [x]") {
		t.Errorf("item 12 is not shown ticked and highlighted:\n%s", view)
	}
	m.Update(tea.KeyPressMsg{Code: '3', Text: "3"})
	m.Update(tea.KeyPressMsg{Code: tea.KeySpace, Text: " "})
	if !p.selected[2] || p.list.typed != 0 {
		t.Errorf("3 then Space: selected %v typed %d; want item 3 ticked and the number done", p.selected, p.list.typed)
	}
}

// The detail pane shows the whole description and place that the list line cuts, and Esc
// goes back to the list with the highlight where it was.
func TestProcessDetailShowsEverything(t *testing.T) {
	long := "深圳市南山区深南大道与科技南路交叉口往西约三百米处（科技园地铁站A出口）"
	m := processOn(t, model.EN, 80, 24, func(id model.IDNumber) service.Looked {
		l := bigRecord(id, 4, 1)
		l.Violations[1].Place = long
		l.Violations[1].CatalogueEN = "Drove in the wrong lane on an urban road where lanes are marked for direction of travel"
		return service.Looked{Lookup: l}
	})
	p := m.screen.(*process)
	m.Update(tea.KeyPressMsg{Code: tea.KeyDown})
	before := p.list.cursor
	if strings.Contains(screenText(m), long) {
		t.Fatal("the list shows the long place whole; the case needs it cut")
	}
	m.Update(tea.KeyPressMsg{Code: tea.KeyRight})
	squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
	view := squash(screenText(m))
	it := p.s.judged.items[p.cands[before]]
	for _, want := range []string{long, it.wire.CatalogueEN, it.wire.Office, m.c.T(txtDetailHere)} {
		if !strings.Contains(view, squash(want)) {
			t.Errorf("the detail pane lacks %q:\n%s", want, screenText(m))
		}
	}
	m.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
	if p.detail.open || p.list.cursor != before || m.id != processID {
		t.Errorf("Esc: detail open %v, cursor %d (was %d), screen %d; want the list as it was", p.detail.open, p.list.cursor, before, m.id)
	}
}

// fitPoints keeps the largest sum of points within the room.
func TestFitPoints(t *testing.T) {
	for _, c := range []struct {
		points []int
		room   int
		sum    int
	}{
		{[]int{6, 6, 3}, 11, 9},
		{[]int{6, 6, 3}, 2, 0},
		{[]int{1, 3, 6, 9}, 11, 10},
		{[]int{12}, 11, 0},
		{nil, 11, 0},
	} {
		keep := fitPoints(c.points, c.room)
		sum := 0
		for i, k := range keep {
			if k {
				sum += c.points[i]
			}
		}
		if sum != c.sum {
			t.Errorf("fitPoints(%v, %d) keeps %v = %d, want %d", c.points, c.room, keep, sum, c.sum)
		}
	}
}

// The large mode spaces list items apart, so fewer show on a screen, and F4 redraws a list
// already drawn (its lines were cached in the other mode's styles).
func TestLargeModeShowsFewerItems(t *testing.T) {
	m := processOn(t, model.ZH, 80, 24, func(id model.IDNumber) service.Looked {
		l := bigRecord(id, 40, 1)
		for i := range l.Violations {
			l.Violations[i].Status = string(model.StatusRecorded)
			l.Violations[i].Decision, l.Violations[i].DecidedAt, l.Violations[i].DriverID = "", nil, ""
			l.Violations[i].Points, l.Violations[i].FineFen = 0, 10000
		}
		return service.Looked{Lookup: l}
	})
	count := func() int {
		n := 0
		for _, line := range strings.Split(screenText(m), "\n") {
			if strings.Contains(line, "[ ] ") { // an item's box
				n++
			}
		}
		return n
	}
	normal := count()
	m.Update(tea.KeyPressMsg{Code: tea.KeyF4})
	large := count()
	if normal < 5 || large >= normal {
		t.Errorf("items on screen: %d normally, %d in the large mode; want fewer in the large mode", normal, large)
	}
}

// The advice of the points cases that no demo persona shows, as golden screens (zh and en,
// both contrast modes, 80x24): a violation carrying the full score alone, and a driver already
// at the full score (whose 0-point violation waits for full-score study too).
func TestPointsAdviceGolden(t *testing.T) {
	cases := []struct {
		name   string
		points int // the driver's points this cycle
		viol   int // the points of the violation tried
		want   model.ReasonCode
	}{
		{"full_score_violation", 0, 12, model.ReasonPointsFullScoreViolation},
		{"at_full", 12, 0, model.ReasonPointsAtFull},
	}
	for _, tc := range cases {
		for _, lang := range []model.Lang{model.ZH, model.EN} {
			for _, hc := range []bool{false, true} {
				name := tc.name + "/" + string(lang)
				if hc {
					name += "_hc"
				}
				t.Run(name, func(t *testing.T) {
					m := processOn(t, lang, 80, 24, func(id model.IDNumber) service.Looked {
						l := bigRecord(id, 1, 1)
						l.Points.Total = tc.points
						v := &l.Violations[0]
						v.Status, v.Decision, v.DecidedAt, v.DriverID = string(model.StatusRecorded), "", nil, ""
						// A code the catalogue does not list: the record's own points decide.
						v.Points, v.FineFen, v.Code, v.CatalogueZH, v.CatalogueEN = tc.viol, 20000, "9901", "", ""
						return service.Looked{Lookup: l}
					})
					if hc {
						m.Update(tea.KeyPressMsg{Code: tea.KeyF4})
					}
					m.Update(tea.KeyPressMsg{Code: tea.KeySpace, Text: " "})
					p := m.screen.(*process)
					if p.prob == nil || p.prob.reason == nil || p.prob.reason.Code != tc.want {
						t.Fatalf("problem %+v, want %s\n%s", p.prob, tc.want, screenText(m))
					}
					view := screenText(m)
					msg := m.c.Reason(*p.prob.reason)
					if !strings.Contains(strings.Join(strings.Fields(view), ""), strings.Join(strings.Fields(msg.Message), "")[:20]) {
						t.Errorf("the reason is not on screen:\n%s", view)
					}
					golden.RequireEqual(t, view)
				})
			}
		}
	}
}
