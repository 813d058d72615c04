package console

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"golang.org/x/text/width"
)

// fit cuts s (which may hold ANSI styles) to at most w cells and pads it with spaces to exactly
// w cells. A cut is marked with "~" (ASCII: an ellipsis is East-Asian ambiguous).
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := ansi.StringWidth(s)
	if n > w {
		s = ansi.Truncate(s, w, "~")
		n = ansi.StringWidth(s)
	}
	if n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// fitRight is fit with the text put against the right edge (numbers in a column).
func fitRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := ansi.StringWidth(s)
	if n > w {
		return fit(s, w)
	}
	return strings.Repeat(" ", w-n) + s
}

// spread puts left at the start and right at the end of a line w cells wide; right keeps its
// place when both do not fit, because it holds the time or the sort.
func spread(left, right string, w int) string {
	rw := ansi.StringWidth(right)
	if rw == 0 || rw+2 >= w {
		return fit(left, w)
	}
	return fit(left, w-rw-2) + "  " + right
}

// narrowSafe replaces East-Asian ambiguous glyphs in text that comes from elsewhere (kiosk
// names, device names, staff ids) with ASCII, so that a name never shifts a column by a cell
// in a terminal that draws them wide.
func narrowSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7f:
			b.WriteByte(' ') // a control character from a name must not reach the terminal
		case width.LookupRune(r).Kind() == width.EastAsianAmbiguous:
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// clock formats a wait as mm:ss (minutes beyond 99 go on counting), which staff read at a
// glance: "03:12" has waited three minutes.
func clock(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}

// short formats a duration in its largest unit only: 45s, 12m, 5h, 3d. Columns stay narrow,
// and how long something has been wrong matters to a minute, not a second.
func short(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	default:
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	}
}

// skew formats a clock skew with its sign: +3s, -12m. Under a second is 0s.
func skew(d time.Duration) string {
	switch {
	case d >= time.Second:
		return "+" + short(d)
	case d <= -time.Second:
		return "-" + short(-d)
	default:
		return "0s"
	}
}

// bytesText formats a size in binary units: 812K, 120M, 1.5G.
func bytesText(n int64) string {
	const k = 1024
	switch {
	case n < k:
		return fmt.Sprintf("%dB", n)
	case n < k*k:
		return fmt.Sprintf("%dK", n/k)
	case n < k*k*k:
		return fmt.Sprintf("%dM", n/(k*k))
	default:
		return fmt.Sprintf("%.1fG", float64(n)/(k*k*k))
	}
}

// percent is used*100/max rounded down, 0 when max is not positive.
func percent(used, max int64) int64 {
	if max <= 0 {
		return 0
	}
	return used * 100 / max
}

// lines splits a block into exactly h lines of exactly w cells.
func lines(block string, w, h int) []string {
	in := strings.Split(block, "\n")
	out := make([]string, h)
	for i := range out {
		s := ""
		if i < len(in) {
			s = in[i]
		}
		out[i] = fit(s, w)
	}
	return out
}

// wrap breaks text into lines of at most w cells. Chinese may break between any two
// characters, Latin words stay whole unless longer than a line, and a line's leading spaces
// indent its continuation lines too.
func wrap(s string, w int) string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		out = append(out, wrapLine(para, w)...)
	}
	return strings.Join(out, "\n")
}

func wrapLine(s string, w int) []string {
	body := strings.TrimLeft(s, " ")
	indent := strings.Repeat(" ", len(s)-len(body))
	if w-len(indent) < 8 {
		indent = ""
	}
	var out []string
	cur, curW := indent, len(indent)
	gap := 0 // the spaces before the next word, dropped at a break
	for _, tok := range wrapTokens(body) {
		if strings.TrimLeft(tok, " ") == "" {
			if curW > len(indent) {
				gap = len(tok)
			}
			continue
		}
		tw := ansi.StringWidth(tok)
		if curW > len(indent) && curW+gap+tw > w {
			out = append(out, cur)
			cur, curW, gap = indent, len(indent), 0
		}
		for curW+tw > w && tw > 1 { // a word longer than a line: cut it
			head := ansi.Truncate(tok, w-curW, "")
			if head == "" {
				break
			}
			out = append(out, cur+head)
			tok = tok[len(head):]
			tw = ansi.StringWidth(tok)
			cur, curW, gap = indent, len(indent), 0
		}
		cur += strings.Repeat(" ", gap) + tok
		curW += gap + tw
		gap = 0
	}
	return append(out, cur)
}

// wrapTokens splits s into words of narrow characters, single wide characters and runs of
// spaces (kept, so that aligned help lines stay aligned). Closing punctuation clings to what it follows so that it never starts a line.
func wrapTokens(s string) []string {
	const closing = "，。、；：？！）」』》,.;:?!)"
	var toks []string
	var word strings.Builder
	endWord := func() {
		if word.Len() > 0 {
			toks = append(toks, word.String())
			word.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r == ' ':
			endWord()
			if n := len(toks); n > 0 && strings.TrimLeft(toks[n-1], " ") == "" {
				toks[n-1] += " "
			} else {
				toks = append(toks, " ")
			}
		case strings.ContainsRune(closing, r) && word.Len() > 0:
			word.WriteRune(r)
		case strings.ContainsRune(closing, r) && len(toks) > 0 && strings.TrimLeft(toks[len(toks)-1], " ") != "":
			toks[len(toks)-1] += string(r)
		case ansi.StringWidth(string(r)) < 2:
			word.WriteRune(r)
		default:
			endWord()
			toks = append(toks, string(r))
		}
	}
	endWord()
	return toks
}
