package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/model"
)

// The selection lists of the process and pay screens: some of a session's judged violations,
// numbered, under their vehicles' headings, with a running summary and a line for what to do
// next (or what is wrong, or the question before ticks are dropped) below.

// pickList lists the judged items cands (indices into the session's judgement) to choose from.
func pickList(c *Common, s *session, cands []int, render func(k, w int, cursor bool) []string) *itemList {
	groupOf := make([]int, len(cands))
	for k, i := range cands {
		groupOf[k] = s.judged.items[i].group
	}
	l := newItemList(len(cands), groupOf, true, render,
		func(g, w int) string { return vehicleHeading(c, s.judged.groups[g], w) })
	l.numbered = true
	return l
}

// pickFooter is what a selection screen shows: the list in h lines (its last counting what is
// out of view), the summary lines, then the discard question, the problem or the hint in room lines.
// A problem longer than room takes lines from the list, which keeps at least four, so that a
// reason, its remedy and the advice are read whole.
func pickFooter(c *Common, l *itemList, w, h int, summary []string, ask *discardAsk, ticked int,
	prob *problem, room int, hint textKey) []string {
	var block []string
	switch {
	case ask.asking:
		block = ask.lines(c, ticked, w)
	case prob != nil:
		// The rows under the list are the problem's: a reason and what to do instead.
		block = atMost(problemLines(c, prob, w), max(room, h+room-4))
	case l.typed > 0:
		block = []string{c.Styles.Value.Render(fit(c.T(txtListNumberTyped, "n", strconv.Itoa(l.typed)), w))}
	default:
		block = []string{c.Styles.Text.Render(fit(c.T(hint), w))}
	}
	if len(block) > room {
		h -= len(block) - room
	}
	// The list's last row says how many items lie out of view, so that nothing is left over
	// unseen: a person reads "3 more below" and knows to scroll.
	out := strings.Split(l.view(w, h-1), "\n")
	for len(out) < h-1 {
		out = append(out, "")
	}
	out = append(out, c.Styles.Placeholder.Render(fit(moreLine(c, l, h-1), w)))
	out = append(out, summary...)
	return append(out, block...)
}

// moreLine counts what a list of height rows holds out of view; "" when everything shows.
func moreLine(c *Common, l *itemList, height int) string {
	above, below := l.hidden(height)
	switch {
	case above > 0 && below > 0:
		return c.T(txtListItemsBoth, "above", strconv.Itoa(above), "below", strconv.Itoa(below))
	case below > 0:
		return c.T(txtListItemsBelow, "n", strconv.Itoa(below))
	case above > 0:
		return c.T(txtListItemsAbove, "n", strconv.Itoa(above))
	}
	return ""
}

// reasonProblem is the first of rs as the screen's problem; nil when there is none.
func reasonProblem(rs []model.Reason) *problem {
	if len(rs) == 0 {
		return nil
	}
	r := rs[0]
	return &problem{reason: &r}
}

// pickLine is a violation's line in a list to choose from: the highlight mark, the box and the
// facts, reversed where the highlight is.
func pickLine(c *Common, it judged, box string, cursor bool, w int) string {
	mark := "  "
	if cursor {
		mark = "> "
	}
	line := violationLine(c, it, mark+box+" ", w)
	if cursor {
		line = c.Styles.FieldActive.Render(line)
	}
	return line
}

// pickedItem is the item a key chooses in a list to choose from: the highlighted one for
// Space, the one whose number has been typed in full for digits (the highlight follows the
// digits as they are typed); -1 for other keys and for a number not yet complete.
func pickedItem(l *itemList, msg tea.KeyPressMsg, k KeyMap) int {
	if key.Matches(msg, k.Toggle) {
		l.typed = 0
		return l.cursor
	}
	d, ok := digit(msg)
	if !ok || (d == '0' && l.typed == 0) {
		l.typed = 0
		return -1
	}
	i, done := l.typeDigit(int(d - '0'))
	if i >= 0 {
		l.move(i - l.cursor)
	}
	if !done {
		return -1
	}
	return i
}
