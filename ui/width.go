package ui

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"golang.org/x/text/width"
)

// ambiguousRunes returns the East-Asian ambiguous-width runes of s (· … ─ │ • █ “ ” and so on).
// Terminals draw them one or two cells wide depending on locale and settings, while lipgloss
// always counts one; a single one in a line shifts everything after it.
func ambiguousRunes(s string) []rune {
	var out []rune
	for _, r := range s {
		if width.LookupRune(r).Kind() == width.EastAsianAmbiguous {
			out = append(out, r)
		}
	}
	return out
}

// narrowSafe replaces the ambiguous punctuation that texts from elsewhere (the model's reason
// catalogue, data from the server) may hold with glyphs of a fixed width, so that what we draw
// lines up whatever the terminal's ambiguous-width setting is. Chinese quotation marks become
// corner brackets, which are the mainland's other standard quotation marks and always wide.
func narrowSafe(s string) string {
	if len(ambiguousRunes(s)) == 0 {
		return s
	}
	return strings.NewReplacer(
		"\u201c", "\u300c", "\u201d", "\u300d", // “ ” -> 「 」
		"\u2018", "\u300e", "\u2019", "\u300f", // ‘ ’ -> 『 』
		"\u00b7", "-", "\u2026", "...", "\u2014", "-", "\u2013", "-", "\u00d7", "x",
	).Replace(s)
}

// fit cuts s (which may hold ANSI styles) to at most w cells and pads it with spaces to exactly
// w, so that lines of a frame always meet the right edge.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	// Measured first: most lines fit already, and measuring is one pass where cutting is two.
	n := cellWidth(s)
	if n > w {
		s = ansi.Truncate(s, w, "")
		n = ansi.StringWidth(s)
	}
	if n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// cellWidth is ansi.StringWidth, faster for the text nearly every line of the kiosk holds:
// printable ASCII, SGR styles and wide Chinese characters and punctuation. Those need no
// grapheme segmentation (none of them joins a neighbour into one cluster), which is most of
// ansi.StringWidth's cost; anything else is left to it.
func cellWidth(s string) int {
	n := 0
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c >= 0x20 && c < 0x7f:
			n++
			i++
		case c == 0x1b && i+1 < len(s) && s[i+1] == '[':
			// CSI: parameter and intermediate bytes, then one final byte.
			j := i + 2
			for j < len(s) && s[j] >= 0x20 && s[j] <= 0x3f {
				j++
			}
			if j >= len(s) || s[j] < 0x40 || s[j] > 0x7e {
				return ansi.StringWidth(s)
			}
			i = j + 1
		case c >= 0x80:
			r, size := utf8.DecodeRuneInString(s[i:])
			if !wideHan(r) {
				return ansi.StringWidth(s)
			}
			n += 2
			i += size
		default:
			return ansi.StringWidth(s)
		}
	}
	return n
}

// wideHan reports the runes two cells wide that never combine with a neighbour: CJK
// ideographs, CJK punctuation (without its combining tone marks, U+302A to U+302F) and the
// full-width forms (，：（）！ and so on).
func wideHan(r rune) bool {
	switch {
	case r >= 0x4e00 && r <= 0x9fff, r >= 0x3400 && r <= 0x4dbf:
		return true
	case r >= 0x3000 && r <= 0x3029, r >= 0x3030 && r <= 0x303e:
		return true
	case r >= 0xff01 && r <= 0xff60, r >= 0xffe0 && r <= 0xffe6:
		return true
	}
	return false
}

// spread puts left at the start and right at the end of a line w cells wide; right wins
// the space when both do not fit, because it holds the state (network, DEMO) that must show.
func spread(left, right string, w int) string {
	rw := cellWidth(right)
	if rw >= w {
		return fit(right, w)
	}
	return fit(left, w-rw) + right
}

// lines splits a rendered block into exactly h lines of exactly w cells: longer blocks are cut,
// shorter ones padded, so that the frame around a screen never moves.
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

// wrap breaks plain text into lines of at most w cells. Chinese may break between any two
// characters; Latin words and numbers ("F3", "12123") stay whole unless longer than a line;
// closing punctuation never starts a line and opening punctuation never ends one (the usual
// rules of Chinese typesetting). lipgloss's word wrap treats a run of Chinese as one word and
// leaves lines ragged, hence this.
func wrap(s string, w int) string {
	if w < 2 {
		return s
	}
	paras := strings.Split(s, "\n")
	for i, p := range paras {
		paras[i] = wrapLine(p, w)
	}
	return strings.Join(paras, "\n")
}

func wrapLine(s string, w int) string {
	var out []string
	var cur strings.Builder
	curW, space := 0, false
	flush := func() {
		out = append(out, cur.String())
		cur.Reset()
		curW, space = 0, false
	}
	for _, tok := range wrapTokens(s) {
		if tok == " " {
			space = curW > 0
			continue
		}
		tw := ansi.StringWidth(tok)
		gap := 0
		if space {
			gap = 1
		}
		if curW > 0 && curW+gap+tw > w {
			flush()
			gap = 0
		}
		for tw > w { // a token longer than a line: cut it
			head := ansi.Truncate(tok, w, "")
			out = append(out, head)
			tok = tok[len(head):]
			tw = ansi.StringWidth(tok)
		}
		if gap > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(tok)
		curW += gap + tw
		space = false
	}
	if curW > 0 || len(out) == 0 {
		flush()
	}
	return strings.Join(out, "\n")
}

// wrapTokens splits s into units that are never broken: a Latin word, one wide character,
// each with the punctuation that clings to it, or a single " " for a run of spaces.
func wrapTokens(s string) []string {
	const closing = "，。、；：？！）」』》,.;:?!)"
	const opening = "（「『《("
	var toks []string
	var word strings.Builder
	endWord := func() {
		if word.Len() > 0 {
			toks = append(toks, word.String())
			word.Reset()
		}
	}
	glue := false // the last token is opening punctuation: what follows joins it
	for _, r := range s {
		last := len(toks) - 1
		switch {
		case r == ' ':
			endWord()
			if last = len(toks) - 1; last >= 0 && toks[last] != " " {
				toks = append(toks, " ")
			}
			glue = false
		case strings.ContainsRune(closing, r):
			switch {
			case word.Len() > 0:
				word.WriteRune(r)
			case last >= 0 && toks[last] != " ":
				toks[last] += string(r)
			default:
				toks = append(toks, string(r))
			}
		case ansi.StringWidth(string(r)) < 2 && !strings.ContainsRune(opening, r):
			if glue { // "(" + "a": the word starts with the bracket
				word.WriteString(toks[last])
				toks = toks[:last]
				glue = false
			}
			word.WriteRune(r)
		default: // a wide character or opening punctuation: a unit of its own
			endWord()
			last = len(toks) - 1
			if glue {
				toks[last] += string(r)
			} else {
				toks = append(toks, string(r))
			}
			glue = strings.ContainsRune(opening, r)
		}
	}
	endWord()
	return toks
}
