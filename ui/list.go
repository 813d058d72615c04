package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/model"
)

// itemList is a scrolling list of items of one or more lines each, under group headings (the
// violations of one vehicle). Items are rendered once and kept; a key press re-renders only the
// items it changed (the highlight moved, a box was ticked), so that a list of hundreds stays
// instant. The caller renders; the list keeps lines, the cursor and the scroll position.
type itemList struct {
	render  func(i, width int, cursor bool) []string // an item's lines
	heading func(g, width int) string                // a group's heading line
	groupOf []int                                    // item -> group; nil for no groups
	cursor  int                                      // the highlighted item; -1 for a list without one
	top     int                                      // first visible line
	// numbered lists show each item's own number ("[1]", "[12]") in a gutter of their own: a
	// number belongs to its item and never changes on scroll, so what the screen says and what
	// a digit chooses agree (numbered).
	numbered bool
	// typed is the start of a number being typed, for a list long enough to need more digits;
	// 0 when none.
	typed int

	// gap is the blank lines after each item: the large mode's wider spacing shows fewer items
	// a screen. look is the language and contrast the lines were drawn in.
	gap  int
	look look

	width  int
	height int        // of the last view: numbers name only items on screen
	items  [][]string // rendered items; nil entries are re-rendered on the next view
	heads  []string   // rendered headings by group
}

func newItemList(n int, groupOf []int, withCursor bool, render func(i, width int, cursor bool) []string,
	heading func(g, width int) string) *itemList {
	l := &itemList{render: render, heading: heading, groupOf: groupOf, items: make([][]string, n)}
	if !withCursor || n == 0 {
		l.cursor = -1
	}
	return l
}

// look is what a rendered line depends on besides its width: the language and the contrast
// mode (whose styles and spacing differ).
type look struct {
	lang model.Lang
	hc   bool
}

func lookOf(c *Common) look { return look{lang: c.Lang, hc: c.Styles.HighContrast} }

// restyle redraws everything when the language or the contrast mode changed since the last
// view, and takes the mode's spacing between items.
func (l *itemList) restyle(c *Common) {
	if lk := lookOf(c); lk != l.look {
		l.look, l.gap = lk, c.Styles.ItemGap
		l.invalidate()
	}
}

// invalidate drops every rendered line: the width or the language changed.
func (l *itemList) invalidate() {
	clear(l.items)
	l.heads = nil
}

// redraw drops one item's lines.
func (l *itemList) redraw(i int) {
	if i >= 0 && i < len(l.items) {
		l.items[i] = nil
	}
}

func (l *itemList) len() int { return len(l.items) }

// newGroup reports whether item i starts a group (and so has a heading above it).
func (l *itemList) newGroup(i int) bool {
	return l.groupOf != nil && (i == 0 || l.groupOf[i] != l.groupOf[i-1])
}

// gutterWidth is the room the numbers take before every line of a numbered list: "[12] " for
// a list of up to 99 items; none for a list without numbers.
func (l *itemList) gutterWidth() int {
	if !l.numbered {
		return 0
	}
	return len(strconv.Itoa(max(len(l.items), 1))) + 3
}

func (l *itemList) ensure(width int) {
	width -= l.gutterWidth()
	if width != l.width {
		l.width = width
		l.invalidate()
	}
	for i := range l.items {
		if l.items[i] == nil {
			l.items[i] = l.render(i, width, i == l.cursor)
			for range l.gap {
				l.items[i] = append(l.items[i], "")
			}
		}
	}
	if l.groupOf != nil && l.heads == nil {
		n := 0
		for _, g := range l.groupOf {
			n = max(n, g+1)
		}
		l.heads = make([]string, n)
		for g := range l.heads {
			l.heads[g] = l.heading(g, width)
		}
	}
}

// span returns the first line of item i and its line count, headings included.
func (l *itemList) span(i int) (first, n int) {
	line := 0
	for k := 0; k < i; k++ {
		if l.newGroup(k) {
			line++
		}
		line += len(l.items[k])
	}
	if l.newGroup(i) {
		line++
	}
	return line, len(l.items[i])
}

func (l *itemList) totalLines() int {
	n := 0
	for k := range l.items {
		if l.newGroup(k) {
			n++
		}
		n += len(l.items[k])
	}
	return n
}

// view draws height lines of the list at width, scrolled so that the cursor's item is visible.
func (l *itemList) view(width, height int) string {
	l.ensure(width)
	l.height = height
	if l.cursor >= 0 {
		first, n := l.span(l.cursor)
		if l.newGroup(l.cursor) {
			first-- // keep the vehicle's heading in view with its first item
			n++
		}
		// The item's end in view, then its start: an item taller than the view shows its
		// first lines, where its facts and its number are.
		if first+n > l.top+height {
			l.top = first + n - height
		}
		if first < l.top {
			l.top = first
		}
	}
	l.top = max(min(l.top, l.totalLines()-height), 0)
	out := make([]byte, 0, width*height*2)
	line, shown := 0, 0
	emit := func(gutter, s string) {
		if line >= l.top && shown < height {
			if shown > 0 {
				out = append(out, '\n')
			}
			out = append(append(out, gutter...), s...)
			shown++
		}
		line++
	}
	gw := l.gutterWidth()
	blank := strings.Repeat(" ", gw)
	for k := range l.items {
		if shown >= height {
			break
		}
		if l.newGroup(k) {
			emit(blank, l.heads[l.groupOf[k]])
		}
		for i, s := range l.items[k] {
			gutter := blank
			if l.numbered && i == 0 {
				n := "[" + strconv.Itoa(k+1) + "]"
				gutter = n + blank[len(n):]
			}
			emit(gutter, s)
		}
	}
	return string(out)
}

// typeDigit takes a digit typed on a numbered list and returns the item whose number has been
// typed so far, or -1. done says the number is complete: no longer number of this list starts
// with it, so that in a list of up to 9 items one digit chooses, and in a list of 40 "3" waits
// for a second digit ("35") while the highlight already shows item 3. A digit that cannot
// continue the number starts a new one.
func (l *itemList) typeDigit(d int) (item int, done bool) {
	n := len(l.items)
	next := l.typed*10 + d
	if next == 0 || next > n {
		next = d // "0" starts nothing; a number too large starts over with this digit
	}
	if next == 0 || next > n {
		l.typed = 0
		return -1, false
	}
	if next*10 > n {
		l.typed = 0
		return next - 1, true
	}
	l.typed = next
	return next - 1, false
}

// hidden counts the items wholly or partly out of view above and below a view of height
// lines: what the "more" line under a list tells.
func (l *itemList) hidden(height int) (above, below int) {
	line := 0
	for k := range l.items {
		if l.newGroup(k) {
			line++
		}
		n := 1
		if l.items[k] != nil {
			n = len(l.items[k])
		}
		switch {
		case line < l.top:
			above++
		case line+n > l.top+height:
			below++
		}
		line += n
	}
	return above, below
}

// scroll handles the keys that move through a list of height lines; it reports whether msg
// was one of them.
func (l *itemList) scroll(msg tea.KeyPressMsg, k KeyMap, height int) bool {
	if key.Matches(msg, k.Up, k.Down, k.PageUp, k.PageDown) {
		l.typed = 0 // moving abandons a number being typed
	}
	switch {
	case key.Matches(msg, k.Up):
		l.move(-1)
	case key.Matches(msg, k.Down):
		l.move(1)
	case key.Matches(msg, k.PageUp):
		l.page(-1, height)
	case key.Matches(msg, k.PageDown):
		l.page(1, height)
	default:
		return false
	}
	return true
}

// more reports whether lines are hidden above and below the visible part.
func (l *itemList) more(height int) (above, below bool) {
	return l.top > 0, l.top+height < l.totalLines()
}

// move moves the cursor by delta items, or scrolls a list without a cursor by delta lines.
func (l *itemList) move(delta int) {
	if l.cursor < 0 {
		l.top = max(l.top+delta, 0)
		return
	}
	next := max(min(l.cursor+delta, len(l.items)-1), 0)
	if next != l.cursor {
		l.redraw(l.cursor)
		l.redraw(next)
		l.cursor = next
	}
}

// page moves a page of height lines.
func (l *itemList) page(dir, height int) {
	if l.cursor < 0 {
		l.move(dir * max(height-1, 1))
		return
	}
	// Move by items until about a page of lines has passed.
	moved, lines := 0, 0
	for i := l.cursor + dir; i >= 0 && i < len(l.items) && lines < height-1; i += dir {
		if l.items[i] != nil {
			lines += len(l.items[i])
		} else {
			lines++
		}
		moved++
	}
	l.move(dir * max(moved, 1))
}
