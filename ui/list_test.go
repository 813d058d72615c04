package ui

import (
	"strconv"
	"strings"
	"testing"
)

// A numbered list shows [1]..[9] before the first nine items whose first line is on screen,
// and numberedItem finds the item each number names, also after scrolling.
func TestNumberedListShowsWhatDigitsChoose(t *testing.T) {
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
		for n := 1; n <= 9; n++ {
			i := l.numberedItem(n)
			want := "[" + strconv.Itoa(n) + "] item " + strconv.Itoa(i)
			found := false
			for _, line := range view {
				found = found || line == want
			}
			if i >= 0 && !found {
				t.Errorf("cursor %d: %q not on screen:\n%s", scrollTo, want, strings.Join(view, "\n"))
			}
			if i < 0 && strings.Contains(strings.Join(view, "\n"), "["+strconv.Itoa(n)+"]") {
				t.Errorf("cursor %d: [%d] shown but names no item", scrollTo, n)
			}
		}
	}
}
