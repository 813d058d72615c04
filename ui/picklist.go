package ui

import (
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

// pickFooter is what a selection screen shows: the list padded to h lines, the summary, then
// the discard question, the problem (in at most room lines) or the hint.
func pickFooter(c *Common, l *itemList, w, h int, summary string, ask *discardAsk, ticked int,
	prob *problem, room int, hint textKey) []string {
	out := strings.Split(l.view(w, h), "\n")
	for len(out) < h {
		out = append(out, "")
	}
	out = append(out, c.Styles.Value.Render(fit(summary, w)))
	switch {
	case ask.asking:
		out = append(out, ask.lines(c, ticked, w)...)
	case prob != nil:
		// The rows under the list are the problem's: a reason and what to do instead.
		out = append(out, atMost(problemLines(c, prob, w), room)...)
	default:
		out = append(out, c.Styles.Text.Render(fit(c.T(hint), w)))
	}
	return out
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
// Space, the one numbered so for a digit (the highlight moves there); -1 for other keys.
func pickedItem(l *itemList, msg tea.KeyPressMsg, k KeyMap) int {
	if key.Matches(msg, k.Toggle) {
		return l.cursor
	}
	d, ok := digit(msg)
	if !ok || d < '1' || d > '9' {
		return -1
	}
	i := l.numberedItem(int(d - '0'))
	if i >= 0 {
		l.move(i - l.cursor)
	}
	return i
}
