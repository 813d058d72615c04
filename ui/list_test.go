package ui

import (
	"strconv"
	"strings"
	"testing"
)

// A numbered list shows each item's own number, whatever the scroll: after scrolling to the
// 14th item the screen shows "[14] item 13", and typing 1 then 4 chooses that item. The
// hidden counts add up to the items not fully on screen.
func TestNumberedListNumbersBelongToItems(t *testing.T) {
	groupOf := make([]int, 30)
	for i := range groupOf {
		groupOf[i] = i / 4
	}
	l := newItemList(30, groupOf, true, func(i, w int, _ bool) []string {
		return []string{"item " + strconv.Itoa(i), "  detail"}
	}, func(g, w int) string { return "group " + strconv.Itoa(g) })
	l.numbered = true
	for _, scrollTo := range []int{0, 13, 29} {
		l.move(scrollTo - l.cursor)
		view := strings.Split(l.view(40, 12), "\n")
		highlighted := false
		for _, line := range view {
			if n, item, ok := numberedLine(line); ok {
				if n != item+1 {
					t.Errorf("cursor %d: line %q numbers item %d as %d", scrollTo, line, item, n)
				}
				highlighted = highlighted || item == scrollTo
			}
		}
		if !highlighted {
			t.Errorf("cursor %d: the highlighted item is not shown with its number:\n%s", scrollTo, strings.Join(view, "\n"))
		}
		above, below := l.hidden(12)
		if full := fullyShown(view); above+below+full != 30 {
			t.Errorf("cursor %d: %d above + %d below + %d fully shown != 30 items", scrollTo, above, below, full)
		}
	}
	// Typing a number: "1" waits (10..19 and more exist), "4" completes 14.
	if i, done := l.typeDigit(1); i != 0 || done || l.typed != 1 {
		t.Errorf("typed 1: item %d done %v typed %d, want item 0 pending", i, done, l.typed)
	}
	if i, done := l.typeDigit(4); i != 13 || !done || l.typed != 0 {
		t.Errorf("typed 14: item %d done %v typed %d, want item 13 chosen", i, done, l.typed)
	}
	// "4" alone completes: no item 40 exists. "9" after "3" (39) is too large: it starts over.
	if i, done := l.typeDigit(4); i != 3 || !done {
		t.Errorf("typed 4: item %d done %v, want item 3 chosen", i, done)
	}
	l.typeDigit(3)
	if i, done := l.typeDigit(9); i != 8 || !done {
		t.Errorf("typed 3 then 9: item %d done %v, want the 9th item (39 does not exist)", i, done)
	}
	// A list of up to 9 items: one digit chooses at once.
	short := newItemList(3, nil, true, func(i, w int, _ bool) []string { return []string{"x"} }, nil)
	short.numbered = true
	if i, done := short.typeDigit(3); i != 2 || !done {
		t.Errorf("3 of 3: item %d done %v", i, done)
	}
	if i, _ := short.typeDigit(4); i != -1 {
		t.Errorf("4 of 3: item %d, want none", i)
	}
}

// numberedLine reads "[14]  item 13" as 14 and 13.
func numberedLine(line string) (n, item int, ok bool) {
	num, rest, found := strings.Cut(strings.TrimPrefix(line, "["), "]")
	rest = strings.TrimSpace(rest)
	if !found || !strings.HasPrefix(line, "[") || !strings.HasPrefix(rest, "item ") {
		return 0, 0, false
	}
	n, err1 := strconv.Atoi(num)
	item, err2 := strconv.Atoi(strings.TrimPrefix(rest, "item "))
	return n, item, err1 == nil && err2 == nil
}

// fullyShown counts the items whose every line is in view (each item has two lines here).
func fullyShown(view []string) int {
	n := 0
	for i, line := range view {
		if _, _, ok := numberedLine(line); ok && i+1 < len(view) && strings.HasSuffix(view[i+1], "  detail") {
			n++
		}
	}
	return n
}
