package console

import (
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/hallkiosk/kiosk/model"
)

// View draws the console: exactly the terminal's height in lines of at most its width.
func (m *Model) View() tea.View {
	var ls []string
	switch {
	case m.closing:
		ls = []string{m.header(), m.st.Error.Render(fit(" "+m.t(txtClosing), m.w))}
	case m.help:
		ls = m.helpLines()
	case m.detail != "":
		ls = m.detailLines()
	default:
		ls = m.mainLines()
	}
	for len(ls) < m.h {
		ls = append(ls, strings.Repeat(" ", m.w))
	}
	v := tea.NewView(strings.Join(ls[:m.h], "\n"))
	v.AltScreen = true
	return v
}

// Text helpers.

func (m *Model) pick(w wording) string {
	if m.lang == model.EN {
		return w.en
	}
	return w.zh
}

// t is the text of k in the current language; a missing text shows its key, which the
// completeness test and the goldens would catch.
func (m *Model) t(k textKey) string {
	w, ok := m.texts[k]
	if !ok {
		return "[" + string(k) + "]"
	}
	return m.pick(w)
}

// tf is t with {name} placeholders filled from name, value pairs.
func (m *Model) tf(k textKey, pairs ...string) string {
	// One pass, so that a value holding "{name}" (a kiosk's name is anybody's text) stays as it is.
	olds := make([]string, 0, len(pairs))
	for i := 0; i+1 < len(pairs); i += 2 {
		olds = append(olds, "{"+pairs[i]+"}", pairs[i+1])
	}
	return strings.NewReplacer(olds...).Replace(m.t(k))
}

func (m *Model) colon() string {
	if m.lang == model.EN {
		return ": "
	}
	return "："
}

func (m *Model) commaSep() string {
	if m.lang == model.EN {
		return ", "
	}
	return "，"
}

func (m *Model) listSep() string {
	if m.lang == model.EN {
		return "; "
	}
	return "；"
}

func (m *Model) now() time.Time { return m.opts.Now() }

// hhmm and hhmmss show a time in the clock's location.
func (m *Model) hhmm(t time.Time) string   { return t.In(m.now().Location()).Format("15:04") }
func (m *Model) hhmmss(t time.Time) string { return t.In(m.now().Location()).Format("15:04:05") }

// Layout of the main screen: header, the calls band, a rule, the fleet's title and column
// heads and rows, the status line, the key line.

// callBandRows is how many calls show: all of them up to a third of the screen's rest.
func (m *Model) callBandRows() int {
	if len(m.calls) == 0 {
		return 0
	}
	return min(len(m.calls), max(2, (m.h-8)/3))
}

// callRows is the calls' page size for PgUp and PgDn.
func (m *Model) callRows() int { return max(m.callBandRows(), 1) }

func (m *Model) fleetRows() int {
	band := 1 + m.callBandRows()
	return max(m.h-1-band-1-2-m.statusHeight()-1, 1)
}

func (m *Model) header() string {
	where := m.t(txtAllHalls)
	if !m.staff.Admin {
		where = m.tf(txtHall, "hall", narrowSafe(m.staff.Hall))
	}
	left := " " + m.t(txtTitle) + "  " + m.tf(txtStaff, "id", narrowSafe(m.staff.ID)) + "  " + where
	right := m.now().Format("2006-01-02 15:04:05") + " "
	return m.st.Header.Render(spread(left, right, m.w))
}

func (m *Model) mainLines() []string {
	ls := []string{m.header()}
	ls = append(ls, m.callLines()...)
	ls = append(ls, m.st.Rule.Render(strings.Repeat("-", m.w)))
	ls = append(ls, m.fleetLines()...)
	return m.bottom(ls)
}

// rangeText is "from-to/n" when a list shows only part of itself.
func rangeText(top, rows, n int) string {
	if n <= rows {
		return ""
	}
	return strconv.Itoa(top+1) + "-" + strconv.Itoa(min(top+rows, n)) + "/" + strconv.Itoa(n)
}

func (m *Model) bandTitle(focused bool, left, right string) string {
	s := m.st.BandIdle
	if focused {
		s = m.st.BandTitle
	}
	return s.Render(spread(left, right, m.w))
}

func (m *Model) callLines() []string {
	focused := m.focus == focusCalls
	if len(m.calls) == 0 {
		text := "1 " + m.t(txtNoCalls)
		if !m.loaded && m.loadErr == nil {
			text = "1 " + m.t(txtLoading)
		}
		return []string{m.st.NoCalls.Render(fit(text, m.w))}
	}
	n := map[string]int{}
	for _, c := range m.calls {
		n[c.State]++
	}
	title := "1 " + m.tf(txtCallsHead, "open", strconv.Itoa(n[CallOpen]), "coming", strconv.Itoa(n[CallComing]),
		"closed", strconv.Itoa(n[CallClosed]))
	rows := m.callBandRows()
	ls := []string{m.bandTitle(focused, title, rangeText(m.callTop, rows, len(m.calls)))}
	sel := m.callIndex()
	for i := m.callTop; i < len(m.calls) && i < m.callTop+rows; i++ {
		ls = append(ls, m.callLine(m.calls[i], focused && i == sel))
	}
	return ls
}

func (m *Model) callLine(c Call, selected bool) string {
	var state, when string
	style := m.st.CallClosed
	switch c.State {
	case CallOpen:
		state, style = m.t(txtCallOpen), m.st.CallOpen
		when = m.tf(txtWaited, "t", clock(m.now().Sub(callStart(c))))
	case CallComing:
		state, style = m.t(txtCallComing), m.st.CallComing
		when = m.tf(txtAckedBy, "who", narrowSafe(c.AckedBy), "at", m.hhmm(c.AckedAt))
	default:
		state = m.t(txtCallClosed)
		when = m.tf(txtClosedBy, "who", narrowSafe(c.ClosedBy), "at", m.hhmm(c.ClosedAt))
	}
	where := m.callWhere(c) + "  " + m.tf(txtScreen, "screen", m.screenName(c.Screen))
	if !c.EndedAt.IsZero() {
		where += " " + m.tf(txtCallEnded, "at", m.hhmm(c.EndedAt))
	}
	marker := "  "
	if selected {
		marker = "> "
		style = style.Underline(true)
	}
	return style.Render(fit(marker+fit(state, 6)+" "+fit(when, 16)+" "+where, m.w))
}

func (m *Model) screenName(s string) string {
	if w, ok := screenWords()[s]; ok {
		return m.pick(w)
	}
	return narrowSafe(s)
}

func (m *Model) fleetLines() []string {
	focused := m.focus == focusFleet
	counts := fleetCounts(m.fleet)
	var parts []string
	for _, s := range []struct {
		state string
		word  textKey
	}{{KioskOnline, txtKioskOnline}, {KioskDegraded, txtKioskDegraded}, {KioskOffline, txtKioskOffline}, {KioskRevoked, txtKioskRevoked}} {
		if counts[s.state] > 0 {
			parts = append(parts, m.tf(txtCountOf, "state", m.t(s.word), "n", strconv.Itoa(counts[s.state])))
		}
	}
	sep := m.commaSep()
	title := "2 " + m.tf(txtFleetHead, "n", strconv.Itoa(len(m.fleet)))
	if len(parts) > 0 {
		title += m.colon() + strings.Join(parts, sep)
	}
	rows := m.fleetRows()
	right := m.tf(txtSortBy, "by", m.t(m.sortBy.text()))
	if r := rangeText(m.fleetTop, rows, len(m.fleet)); r != "" {
		right = r + "  " + right
	}
	ls := []string{m.bandTitle(focused, title, right)}
	if len(m.fleet) == 0 {
		text := m.t(txtFleetNone)
		if !m.loaded {
			text = m.t(txtLoading)
		}
		return append(ls, m.st.Dim.Render(fit("  "+text, m.w)))
	}
	numW := len(strconv.Itoa(len(m.fleet)))
	cols := m.layoutColumns(m.w, numW)
	heads := "  " + fitRight("#", numW)
	for _, c := range cols {
		heads += " " + m.cellText(m.t(c.head), c)
	}
	ls = append(ls, m.st.ColHeads.Render(fit(heads, m.w)))
	sel := m.kioskIndex()
	for i := m.fleetTop; i < len(m.fleet) && i < m.fleetTop+rows; i++ {
		ls = append(ls, m.kioskLine(i, m.fleet[i], cols, numW, i == sel, focused))
	}
	return ls
}

func (m *Model) cellText(s string, c column) string {
	if c.right {
		return fitRight(s, c.width)
	}
	return fit(s, c.width)
}

func (m *Model) kioskLine(i int, k Kiosk, cols []column, numW int, selected, focused bool) string {
	marker := "  "
	if selected && focused {
		marker = "> "
	}
	if selected {
		line := marker + fitRight(strconv.Itoa(i+1), numW)
		for _, c := range cols {
			line += " " + m.cellText(c.cell(m, k), c)
		}
		s := m.st.SelectedDim
		if focused {
			s = m.st.Selected
		}
		return s.Render(fit(line, m.w))
	}
	var b strings.Builder
	b.WriteString(marker + fitRight(strconv.Itoa(i+1), numW))
	for _, c := range cols {
		cell := m.cellText(c.cell(m, k), c)
		if c.head == txtColState {
			cell = m.stateStyle(k.State).Render(cell)
		}
		b.WriteString(" " + cell)
	}
	return fit(b.String(), m.w)
}

func (m *Model) stateStyle(state string) lipgloss.Style {
	switch state {
	case KioskOnline:
		return m.st.Online
	case KioskDegraded:
		return m.st.Degraded
	case KioskOffline:
		return m.st.Offline
	}
	return m.st.Revoked
}

// statusLines are the lines above the keys: a question waiting for y/n, else the outcome of
// the last action (unless reading failed since), else whether the data is fresh. A long text
// (an error and what to do about it) wraps to at most three lines rather than lose its remedy.
func (m *Model) statusLines() []string {
	style, text := m.statusContent()
	ls := strings.Split(wrap(text, max(m.w-1, 1)), "\n")
	if len(ls) > 3 {
		ls = ls[:3]
	}
	for i, l := range ls {
		ls[i] = style.Render(fit(" "+l, m.w))
	}
	return ls
}

func (m *Model) statusContent() (lipgloss.Style, string) {
	switch {
	case m.confirm != nil:
		return m.st.Ask, m.tf(txtConfirmClose, "where", m.callWhere(*m.confirm))
	case m.status.kind != statusNone && (m.loadErr == nil || !m.status.at.Before(m.errAt)):
		s := map[statusKind]lipgloss.Style{statusInfo: m.st.Dim.Faint(false), statusOK: m.st.OK, statusErr: m.st.Error}[m.status.kind]
		return s, m.hhmmss(m.status.at) + " " + m.status.text
	case m.loadErr != nil && m.loaded:
		return m.st.Error, m.tf(txtStale, "at", m.hhmmss(m.loadedAt), "why", m.errText(m.loadErr))
	case m.loadErr != nil:
		return m.st.Error, m.tf(txtNoData, "why", m.errText(m.loadErr))
	case !m.loaded:
		return m.st.Dim, m.t(txtLoading)
	}
	return m.st.Dim, m.tf(txtUpdatedAt, "at", m.hhmmss(m.loadedAt))
}

// statusHeight is how many lines the status takes.
func (m *Model) statusHeight() int { return len(m.statusLines()) }

// bottom pads the lines of a view and puts the status and the keys at the screen's foot.
func (m *Model) bottom(ls []string) []string {
	foot := append(m.statusLines(), m.keyLine())
	n := max(m.h-len(foot), 0)
	for len(ls) < n {
		ls = append(ls, strings.Repeat(" ", m.w))
	}
	return append(ls[:n], foot...)
}

func (m *Model) keyLine() string {
	k := txtKeysFleet
	switch {
	case m.help:
		k = txtKeysHelp
	case m.detail != "":
		k = txtKeysDetail
	case m.focus == focusCalls:
		k = txtKeysCalls
	}
	return m.st.Keys.Render(fit(" "+m.t(k), m.w))
}

func (m *Model) helpLines() []string {
	ls := []string{m.header(), m.st.BandTitle.Render(fit(" "+m.t(txtHelpTitle), m.w))}
	for _, l := range strings.Split(wrap(m.t(txtHelpBody), m.w-2), "\n") {
		ls = append(ls, fit(" "+l, m.w))
	}
	for len(ls) < m.h-1 {
		ls = append(ls, strings.Repeat(" ", m.w))
	}
	return append(ls[:max(m.h-1, 0)], m.keyLine())
}
