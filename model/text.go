package model

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Free text (names, places, office names, descriptions) comes from data the kiosk does not
// control and goes to a terminal, receipt files and a printer, all of which obey some characters
// as commands: ESC starts terminal and printer escape sequences, bidi overrides make a screen
// show text in an order other than the one stored ("RLO" turns "fine 200" into "002 enif"), and
// invisible format characters or piles of combining marks hide or smear what is written. This
// file says which characters free text may hold, for the importer (which refuses the others,
// naming them) and for the kiosk (which removes them from whatever it receives).

// MaxCombiningRun is the most combining marks that may follow one character. Chinese and the
// names of China's minorities written in Chinese need none; Latin transcriptions with tone marks
// need one or two (ǚ is u with two).
const MaxCombiningRun = 2

// bidiControls reorder text on screen: the embeddings, overrides and isolates, and the marks.
func isBidiControl(r rune) bool {
	switch {
	case r == 0x061C, r == 0x200E, r == 0x200F:
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// isCombining reports a combining mark (non-spacing or enclosing).
func isCombining(r rune) bool { return unicode.In(r, unicode.Mn, unicode.Me) }

// TextProblem is a character free text may not hold, with its place.
type TextProblem struct {
	Pos  int  // 1-based character position
	Rune rune // utf8.RuneError for bytes that are not UTF-8
	Kind string
}

func (p TextProblem) String() string {
	if p.Rune == utf8.RuneError {
		return fmt.Sprintf("holds bytes that are not UTF-8 at character %d", p.Pos)
	}
	if p.Kind == "combining" {
		return fmt.Sprintf("has more than %d combining marks in a row at character %d (%s); keep at most %d after a letter",
			MaxCombiningRun, p.Pos, RuneName(p.Rune), MaxCombiningRun)
	}
	return fmt.Sprintf("contains %s at character %d; remove it", RuneName(p.Rune), p.Pos)
}

// CheckText finds the first character free text may not hold: invalid UTF-8, a control
// character (line breaks and tabs included: free text is one line), a bidi control, another
// invisible format character, a line or paragraph separator, or a run of more than
// MaxCombiningRun combining marks. ok is true when there is none.
func CheckText(s string) (TextProblem, bool) {
	pos, run := 0, 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		pos++
		switch {
		case r == utf8.RuneError && size <= 1:
			return TextProblem{Pos: pos, Rune: utf8.RuneError, Kind: "utf8"}, false
		case unicode.IsControl(r):
			return TextProblem{Pos: pos, Rune: r, Kind: "control"}, false
		case isBidiControl(r):
			return TextProblem{Pos: pos, Rune: r, Kind: "bidi"}, false
		case unicode.Is(unicode.Cf, r), r == 0x2028, r == 0x2029:
			return TextProblem{Pos: pos, Rune: r, Kind: "format"}, false
		case isCombining(r):
			if run++; run > MaxCombiningRun {
				return TextProblem{Pos: pos, Rune: r, Kind: "combining"}, false
			}
		default:
			run = 0
		}
		i += size
	}
	return TextProblem{}, true
}

// CleanText makes text from elsewhere safe to show, save and print: line breaks, tabs and
// separators become spaces, and every other character CheckText refuses is dropped (bytes that
// are not UTF-8 become U+FFFD, so that something visibly stands where they were). Text that
// CheckText accepts comes back unchanged, and cleaning twice changes nothing.
func CleanText(s string) string {
	if _, ok := CheckText(s); ok {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	run := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune(utf8.RuneError)
			run = 0
		case r == '\t', r == '\n', r == '\r', r == 0x2028, r == 0x2029, r == 0x85:
			b.WriteByte(' ')
			run = 0
		case unicode.IsControl(r), isBidiControl(r), unicode.Is(unicode.Cf, r):
			// dropped
		case isCombining(r):
			if run++; run <= MaxCombiningRun {
				b.WriteRune(r)
			}
		default:
			b.WriteRune(r)
			run = 0
		}
	}
	return b.String()
}

// runeNames names the characters CheckText refuses most often, so that a message can say what
// was found; others are named by their class.
func runeNames() map[rune]string {
	return map[rune]string{
		0x00: "NULL", 0x07: "BELL", 0x08: "BACKSPACE", 0x09: "CHARACTER TABULATION (a tab)",
		0x0A: "LINE FEED (a line break)", 0x0D: "CARRIAGE RETURN (a line break)", 0x1B: "ESCAPE",
		0x7F: "DELETE", 0x85: "NEXT LINE (a line break)", 0x9B: "CONTROL SEQUENCE INTRODUCER",
		0x00AD: "SOFT HYPHEN", 0x061C: "ARABIC LETTER MARK",
		0x200B: "ZERO WIDTH SPACE", 0x200C: "ZERO WIDTH NON-JOINER", 0x200D: "ZERO WIDTH JOINER",
		0x200E: "LEFT-TO-RIGHT MARK", 0x200F: "RIGHT-TO-LEFT MARK",
		0x2028: "LINE SEPARATOR", 0x2029: "PARAGRAPH SEPARATOR",
		0x202A: "LEFT-TO-RIGHT EMBEDDING", 0x202B: "RIGHT-TO-LEFT EMBEDDING",
		0x202C: "POP DIRECTIONAL FORMATTING", 0x202D: "LEFT-TO-RIGHT OVERRIDE",
		0x202E: "RIGHT-TO-LEFT OVERRIDE", 0x2060: "WORD JOINER",
		0x2066: "LEFT-TO-RIGHT ISOLATE", 0x2067: "RIGHT-TO-LEFT ISOLATE",
		0x2068: "FIRST STRONG ISOLATE", 0x2069: "POP DIRECTIONAL ISOLATE",
		0xFEFF: "ZERO WIDTH NO-BREAK SPACE (a byte order mark)",
	}
}

// RuneName says which character r is: its code point, and its name where known.
func RuneName(r rune) string {
	if name, ok := runeNames()[r]; ok {
		return fmt.Sprintf("U+%04X %s", r, name)
	}
	switch {
	case unicode.IsControl(r):
		return fmt.Sprintf("U+%04X (a control character)", r)
	case isCombining(r):
		return fmt.Sprintf("U+%04X (a combining mark)", r)
	case unicode.Is(unicode.Cf, r):
		return fmt.Sprintf("U+%04X (an invisible format character)", r)
	}
	return fmt.Sprintf("U+%04X", r)
}
