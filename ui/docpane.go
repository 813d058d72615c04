package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/device"
)

// docPane shows documents the person takes home (the penalty decisions, and the receipt when
// the printer gave nothing) in the room a result screen has left, scrolled with Up/Down and
// PgUp/PgDn. Everything in them is reachable at 80x24: a line above says which document and
// which lines show.
type docPane struct {
	key      docPaneKey
	lines    []string
	sections []paneSection
	top      int
	room     int
}

// paneSection is where a document starts in the pane: the receipt or a decision.
type paneSection struct {
	start   int
	receipt bool
}

// docPaneKey is what the laid-out lines depend on: they are laid out again only when it changes.
type docPaneKey struct {
	lang        string
	w           int
	result      *api.OpResult
	receipt     string
	receiptLast bool
}

// fill lays the documents out for width w, unless nothing changed since the last time.
func (d *docPane) fill(c *Common, result *api.OpResult, receipt []string, receiptLast bool, w int, docs func() []device.Doc) {
	k := docPaneKey{lang: string(c.Lang), w: w, result: result, receipt: strings.Join(receipt, "\n"), receiptLast: receiptLast}
	if k == d.key && d.lines != nil {
		return
	}
	d.key, d.lines, d.sections = k, nil, nil
	st := c.Styles
	add := func(receipt bool, lines []string) {
		if len(d.lines) > 0 {
			d.lines = append(d.lines, "")
		}
		d.sections = append(d.sections, paneSection{start: len(d.lines), receipt: receipt})
		d.lines = append(d.lines, lines...)
	}
	// A receipt the printer failed to print comes first: it is short and says what happened;
	// the decisions follow it. Where the kiosk prints no paper at all, the decisions (the legal
	// document) come first and the receipt after them.
	addReceipt := func() {
		if len(receipt) == 0 {
			return
		}
		var lines []string
		for _, l := range receipt {
			lines = append(lines, "  "+st.Text.Render(ansi.Truncate(l, w-2, "")))
		}
		add(true, lines)
	}
	if !receiptLast {
		addReceipt()
	}
	defer func() {
		if receiptLast {
			addReceipt()
		}
	}()
	for _, doc := range docs() {
		lines := []string{"  " + st.Title.Render(fit(doc.Title, w-2))}
		for _, l := range doc.Lines {
			for _, part := range strings.Split(wrap(l, max(w-2, 10)), "\n") {
				lines = append(lines, "  "+st.Text.Render(part))
			}
		}
		add(false, lines)
	}
}

// view draws the pane in h rows: a line saying where the view stands, then the lines. A pane
// that fits shows no position line.
func (d *docPane) view(c *Common, w, h int) []string {
	if len(d.lines) == 0 || h < 2 {
		d.room = 0
		return nil
	}
	if len(d.lines) <= h {
		d.room, d.top = h, 0
		return d.lines
	}
	d.room = h - 1
	d.top = min(max(d.top, 0), len(d.lines)-d.room)
	// The section at the top of the view, its decision number, and its own line numbers.
	at, n, decisions := 0, 0, 0
	for i, sec := range d.sections {
		if !sec.receipt {
			decisions++
		}
		if sec.start <= d.top {
			at, n = i, decisions
		}
	}
	sec, end := d.sections[at], len(d.lines)
	if at+1 < len(d.sections) {
		end = d.sections[at+1].start - 1 // the blank line between documents is no one's
	}
	from, to := d.top-sec.start+1, min(d.top+d.room, end)-sec.start
	var where string
	if sec.receipt {
		where = c.T(txtDecisionPaneReceipt, "from", strconv.Itoa(from), "to", strconv.Itoa(to), "lines", strconv.Itoa(end-sec.start))
	} else {
		where = c.T(txtDecisionPane, "n", strconv.Itoa(n), "of", strconv.Itoa(decisions), "from", strconv.Itoa(from),
			"to", strconv.Itoa(to), "lines", strconv.Itoa(end-sec.start))
	}
	out := []string{c.Styles.Label.Render(fit(where, w))}
	return append(out, d.lines[d.top:d.top+d.room]...)
}

// scroll moves the pane for Up/Down and PgUp/PgDn and reports whether the key was its.
func (d *docPane) scroll(c *Common, msg tea.KeyPressMsg) bool {
	if len(d.lines) == 0 || d.room == 0 {
		return false
	}
	switch {
	case key.Matches(msg, c.Keys.Up):
		d.top--
	case key.Matches(msg, c.Keys.Down):
		d.top++
	case key.Matches(msg, c.Keys.PageUp):
		d.top -= max(d.room-1, 1)
	case key.Matches(msg, c.Keys.PageDown):
		d.top += max(d.room-1, 1)
	default:
		return false
	}
	d.top = min(max(d.top, 0), max(len(d.lines)-d.room, 0))
	return true
}
