package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hallkiosk/kiosk/model"
)

// The frame around every screen, top to bottom: header bar, rule, body, notice line, rule, the
// screen's keys, the keys that work everywhere. Fixed heights keep each part in its place, so a
// person learns once where to look.
const (
	headerLines = 2
	footerLines = 4 // notice, rule, two key lines
	margin      = 1 // columns left and right of the body
)

func (m *Model) bodySize() (int, int) {
	return max(m.termW-2*margin, 20), max(m.termH-headerLines-footerLines, 3)
}

// View draws the frame and the active screen (or the help in its place).
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = m.c.T(txtAppTitle)
	v.BackgroundColor = m.c.Styles.Background
	v.ForegroundColor = m.c.Styles.Foreground
	return v
}

func (m *Model) render() string {
	s, w := m.c.Styles, m.termW
	bw, bh := m.bodySize()
	body := m.screen.View()
	if m.helpOpen {
		body = m.helpView()
	}
	bodyLines := lines(body, bw, bh)
	if m.call.open && !m.helpOpen {
		overlay(bodyLines, m.callPanelView(bw), bw)
	}
	if m.idle.warning {
		if km, ok := m.screen.(middleKeeper); ok && km.KeepMiddle() {
			overlayBottom(bodyLines, m.warningView(bw), bw)
		} else {
			overlay(bodyLines, m.warningView(bw), bw)
		}
	}
	out := make([]string, 0, m.termH)
	out = append(out, m.headerView(), s.Rule.Render(strings.Repeat("=", w)))
	pad := strings.Repeat(" ", margin)
	for _, l := range bodyLines {
		out = append(out, fit(pad+l+pad, w))
	}
	notice := ""
	switch {
	case m.notice != "":
		notice = s.Notice.Render(" " + m.c.T(m.notice) + " ")
	case m.callLine() != "":
		notice = s.Notice.Render(" " + m.callLine() + " ")
	default:
		if b := m.noticeBanner(); b != "" {
			notice = s.NetOffline.Render(" " + b + " ")
		}
	}
	out = append(out, fit(pad+notice, w), s.Rule.Render(strings.Repeat("-", w)),
		fit(pad+m.keyLine(m.screenHelp()), w), fit(pad+m.keyLine(m.c.Keys.globalHelp()), w))
	return strings.Join(out, "\n")
}

// headerView is the top bar: what this is and where, then DEMO and the network state, which
// keep their place at the right whatever the width.
func (m *Model) headerView() string {
	s, c := m.c.Styles, m.c
	left := s.Header.Render(" " + c.T(txtAppTitle) + " ")
	right := ""
	if c.Demo {
		right += s.Demo.Render(" "+c.T(txtDemoMarker)+" ") + s.Header.Render(" ")
	}
	right += m.netView() + s.Header.Render(" ")
	fill := m.termW - ansi.StringWidth(left) - ansi.StringWidth(right)
	if fill > 0 {
		left += s.Header.Render(strings.Repeat(" ", fill))
	}
	return spread(left, right, m.termW)
}

// netView names the link's condition in words and colour: the words alone must suffice, and
// they agree with the notice line (see linkCondition).
func (m *Model) netView() string {
	s, c := m.c.Styles, m.c
	l := conditionOf(m.net, m.netKnown && c.Services != nil)
	style := s.NetOffline
	switch l {
	case linkStarting:
		style = s.NetStarting
	case linkOnline:
		style = s.NetOnline
	case linkUnstable:
		style = s.NetDegraded
	}
	return style.Render(" " + c.T(l.headerText()) + " ")
}

// screenHelp is the first key line: the help's own keys while it is open, else the screen's.
func (m *Model) screenHelp() []key.Binding {
	if m.helpOpen {
		if m.c.Demo && len(m.c.DemoIDs) > 0 && !m.helpOnIDs {
			return []key.Binding{m.c.Keys.PageDown, m.c.Keys.Back}
		}
		if m.c.Demo && len(m.c.DemoIDs) > 0 {
			return []key.Binding{m.c.Keys.PageDown, m.c.Keys.PageUp, m.c.Keys.Back}
		}
		return []key.Binding{m.c.Keys.Back}
	}
	return m.screen.Help()
}

// keyLine renders bindings as "[F1] 帮助  [F2] English ...", in the current language.
func (m *Model) keyLine(bs []key.Binding) string {
	s := m.c.Styles
	parts := make([]string, 0, len(bs))
	for _, b := range bs {
		h := b.Help()
		parts = append(parts, s.KeyCap.Render("["+h.Key+"]")+" "+s.KeyDesc.Render(m.c.T(textKey(h.Desc))))
	}
	return strings.Join(parts, "  ")
}

// warningView is the idle warning: a countdown and the one key that keeps the session.
func (m *Model) warningView(w int) string {
	c := m.c
	inner := min(w, 70) - c.Styles.Warning.GetHorizontalFrameSize()
	text := strings.Join([]string{
		c.T(txtIdleTitle),
		c.T(txtIdleCountdown, "n", strconv.Itoa(max(m.idleSecondsLeft(), 0))),
		c.T(txtIdleExtend),
	}, "\n")
	return c.Styles.Warning.Render(wrap(text, inner))
}

// middleKeeper is a screen whose middle must not be covered (a payment code being scanned).
type middleKeeper interface{ KeepMiddle() bool }

// overlayBottom draws block over the last lines of body, centred: the idle warning under a
// code that must stay scannable.
func overlayBottom(body []string, block string, w int) {
	bl := strings.Split(block, "\n")
	top := max(len(body)-len(bl), 0)
	for i, l := range bl {
		if top+i >= len(body) {
			break
		}
		left := max((w-ansi.StringWidth(l))/2, 0)
		body[top+i] = fit(strings.Repeat(" ", left)+l, w)
	}
}

// overlay draws block over the middle lines of body, centred.
func overlay(body []string, block string, w int) {
	bl := strings.Split(block, "\n")
	top := max((len(body)-len(bl))/2, 0)
	for i, l := range bl {
		if top+i >= len(body) {
			break
		}
		left := max((w-ansi.StringWidth(l))/2, 0)
		body[top+i] = fit(strings.Repeat(" ", left)+l, w)
	}
}

// helpView replaces the body while F1 is on: what this screen is for and what always works (the
// key lines stay visible below it), and in demo mode the identities a presenter can type.
func (m *Model) helpView() string {
	c, s := m.c, m.c.Styles
	parts := []string{
		s.Title.Render(c.T(txtHelpTitle)),
		s.Text.Render(wrap(c.T(m.screenHelpText()), c.Width)),
		s.Text.Render(wrap(c.T(txtHelpGeneral), c.Width)),
	}
	if c.Demo && m.opts.MaintDemoPIN != "" && m.id == welcomeID {
		parts = append(parts, s.Text.Render(wrap(c.T(txtHelpMaintDemo, "pin", m.opts.MaintDemoPIN), c.Width)))
	}
	if c.Demo && len(c.DemoIDs) > 0 {
		if m.helpOnIDs {
			return m.demoIDsView(c.Height)
		}
		parts = append(parts, s.Value.Render(wrap(c.T(txtHelpDemoQuit, "n", strconv.Itoa(len(c.DemoIDs))), c.Width)))
	}
	return strings.Join(parts, "\n\n")
}

// demoIDsView lists the demo identities from the help's page on, each with what it shows, in
// at most room lines; a last line says which are shown and how to turn the page.
func (m *Model) demoIDsView(room int) string {
	c, s := m.c, m.c.Styles
	ids := c.DemoIDs
	first := min(max(m.helpPage, 0), len(ids)-1)
	title := wrap(c.T(txtHelpDemoIDs), c.Width)
	out := []string{s.Title.Render(title)}
	used, last := lipgloss.Height(title), first
	pageLine := wrap(c.T(txtHelpDemoPage, "from", "00", "to", "00", "n", "00"), c.Width)
	room -= lipgloss.Height(pageLine)
	for i := first; i < len(ids); i++ {
		d := ids[i]
		story := d.StoryZH
		if c.Lang == model.EN {
			story = d.StoryEN
		}
		text := string(d.ID) + "  " + string(d.File) + "  " + d.Name + "\n    " + story
		for _, v := range d.Vehicles {
			text += "\n    " + c.T(txtHelpDemoVehicle, "plate", v.Plate, "vin", v.VINTail, "cert", v.RegCert)
		}
		entry := wrap(text, c.Width-2)
		n := lipgloss.Height(entry)
		if used+n > room && i > first {
			break
		}
		out = append(out, s.Text.Render(indent(entry, 2)))
		used, last = used+n, i
	}
	out = append(out, s.Value.Render(wrap(c.T(txtHelpDemoPage, "from", strconv.Itoa(first+1),
		"to", strconv.Itoa(last+1), "n", strconv.Itoa(len(ids))), c.Width)))
	m.helpShown = last - first + 1
	return strings.Join(out, "\n")
}

func (m *Model) screenHelpText() textKey {
	if h, ok := m.screen.(helpTexter); ok {
		return h.HelpText()
	}
	switch m.id {
	case identifyID:
		return txtHelpIdentify
	case overviewID:
		return txtHelpOverview
	}
	return txtHelpWelcome
}
