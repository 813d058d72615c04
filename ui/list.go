package ui

import (
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
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
	// numbered lists show "[1]".."[9]" before the first nine items whose first line is on
	// screen, in a gutter of their own, so that a digit chooses what it says (numbered).
	numbered bool

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

// gutterWidth is the room the numbers take before every line of a numbered list.
const gutterWidth = 4

func (l *itemList) ensure(width int) {
	if l.numbered {
		width -= gutterWidth
	}
	if width != l.width {
		l.width = width
		l.invalidate()
	}
	for i := range l.items {
		if l.items[i] == nil {
			l.items[i] = l.render(i, width, i == l.cursor)
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
		if first < l.top {
			l.top = first
		}
		if first+n > l.top+height {
			l.top = first + n - height
		}
	}
	l.top = max(min(l.top, l.totalLines()-height), 0)
	out := make([]byte, 0, width*height*2)
	line, shown, number := 0, 0, 0
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
	blank := ""
	if l.numbered {
		blank = "    "
	}
	for k := range l.items {
		if shown >= height {
			break
		}
		if l.newGroup(k) {
			emit(blank, l.heads[l.groupOf[k]])
		}
		for i, s := range l.items[k] {
			gutter := blank
			if l.numbered && i == 0 && line >= l.top && number < 9 {
				number++
				gutter = "[" + strconv.Itoa(number) + "] "
			}
			emit(gutter, s)
		}
	}
	return string(out)
}

// numberedItem returns the item a numbered list shows as [n] (n from 1 to 9): the n-th item
// whose first line is on screen; -1 when there is none.
func (l *itemList) numberedItem(n int) int {
	line := 0
	for k := range l.items {
		if l.newGroup(k) {
			line++
		}
		if line >= l.top+l.height {
			break
		}
		if line >= l.top {
			if n--; n == 0 {
				return k
			}
		}
		if l.items[k] != nil {
			line += len(l.items[k])
		} else {
			line++
		}
	}
	return -1
}

// scroll handles the keys that move through a list of height lines; it reports whether msg
// was one of them.
func (l *itemList) scroll(msg tea.KeyPressMsg, k KeyMap, height int) bool {
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
