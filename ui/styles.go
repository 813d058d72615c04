package ui

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// The palette uses only the 16 basic ANSI colours: the Linux console (TERM=linux) has no others,
// and a true-colour terminal shows them as its theme defines, so one palette serves both.
// Nothing is said by colour alone: every state also has a word ("在线", "!").
const (
	colBlack   = lipgloss.Black
	colRed     = lipgloss.Red
	colGreen   = lipgloss.Green
	colYellow  = lipgloss.Yellow
	colBlue    = lipgloss.Blue
	colWhite   = lipgloss.White
	colBrRed   = lipgloss.BrightRed
	colBrYel   = lipgloss.BrightYellow
	colBrWhite = lipgloss.BrightWhite
)

// Styles holds every style the UI draws with, built once for a contrast mode. Screens never make
// their own styles, so a change of mode or palette happens here only.
type Styles struct {
	// HighContrast is the large, high-contrast mode: white on black, yellow accents, bold text,
	// more space between lines and fewer list items a screen, and the key figures (amounts,
	// points, times, the digits being typed) drawn in large glyphs (bigtext.go), since the
	// terminal cannot enlarge text on the application's request.
	HighContrast bool

	// Background and Foreground set the terminal's default colours in high-contrast mode; nil
	// keeps the terminal's theme.
	Background, Foreground color.Color

	Header       lipgloss.Style // the top bar
	Demo         lipgloss.Style // the DEMO marker
	NetOnline    lipgloss.Style
	NetDegraded  lipgloss.Style
	NetOffline   lipgloss.Style
	NetStarting  lipgloss.Style
	Rule         lipgloss.Style // the lines under the header and above the keys
	Step         lipgloss.Style // "第 1 步，共 4 步"
	Title        lipgloss.Style
	Text         lipgloss.Style
	Label        lipgloss.Style // a field's or a fact's name
	Value        lipgloss.Style // a fact's value
	Field        lipgloss.Style // an input field not being typed in
	FieldActive  lipgloss.Style // the input field being typed in
	Option       lipgloss.Style // the "[1]" of a numbered option
	Error        lipgloss.Style // what is wrong
	Remedy       lipgloss.Style // what to do about it
	Warning      lipgloss.Style // the idle warning box
	Call         lipgloss.Style // the call for staff's panel
	Notice       lipgloss.Style // "the last session ended"
	KeyCap       lipgloss.Style // "[F1]" in the key line
	KeyDesc      lipgloss.Style
	Placeholder  lipgloss.Style // a "coming later" note
	Figure       lipgloss.Style // a key figure drawn in large glyphs
	Question     lipgloss.Style // the question being answered, on a line of its own
	SpaceBetween int            // blank lines between blocks of a screen
	// ItemGap is the blank lines between two items of a list: none normally, one in the large
	// mode, so that fewer items show and each stands apart.
	ItemGap int
}

// asciiBox is a frame of plain ASCII: box-drawing glyphs are East-Asian ambiguous and would
// draw two cells wide in a CJK locale.
func asciiBox() lipgloss.Border {
	return lipgloss.Border{Top: "-", Bottom: "-", Left: "|", Right: "|",
		TopLeft: "+", TopRight: "+", BottomLeft: "+", BottomRight: "+"}
}

// NewStyles builds the styles of the normal or the high-contrast mode.
func NewStyles(highContrast bool) Styles {
	if highContrast {
		return highContrastStyles()
	}
	base := lipgloss.NewStyle()
	return Styles{
		Header:       base.Foreground(colBrWhite).Background(colBlue).Bold(true),
		Demo:         base.Foreground(colBlack).Background(colBrYel).Bold(true),
		NetOnline:    base.Foreground(colBlack).Background(colGreen).Bold(true),
		NetDegraded:  base.Foreground(colBlack).Background(colYellow).Bold(true),
		NetOffline:   base.Foreground(colBrWhite).Background(colRed).Bold(true),
		NetStarting:  base.Foreground(colBlack).Background(colWhite),
		Rule:         base.Foreground(colBlue),
		Step:         base.Foreground(colBlue).Bold(true),
		Title:        base.Bold(true),
		Text:         base,
		Label:        base,
		Value:        base.Bold(true),
		Field:        base,
		FieldActive:  base.Reverse(true).Bold(true),
		Option:       base.Foreground(colBrWhite).Background(colBlue).Bold(true),
		Error:        base.Foreground(colBrWhite).Background(colRed).Bold(true),
		Remedy:       base.Bold(true),
		Warning:      base.Foreground(colBlack).Background(colBrYel).Bold(true).Border(asciiBox()).BorderForeground(colBlack).BorderBackground(colBrYel).Padding(0, 2),
		Call:         base.Foreground(colBrWhite).Background(colBlue).Bold(true).Border(asciiBox()).BorderForeground(colBrWhite).BorderBackground(colBlue).Padding(0, 2),
		Notice:       base.Foreground(colBlack).Background(colBrYel).Bold(true),
		KeyCap:       base.Reverse(true).Bold(true),
		KeyDesc:      base,
		Placeholder:  base.Italic(true),
		Figure:       base.Bold(true),
		Question:     base.Bold(true),
		SpaceBetween: 1,
	}
}

func highContrastStyles() Styles {
	base := lipgloss.NewStyle().Foreground(colBrWhite).Background(colBlack).Bold(true)
	inverse := lipgloss.NewStyle().Foreground(colBlack).Background(colBrYel).Bold(true)
	return Styles{
		HighContrast: true,
		Background:   colBlack,
		Foreground:   colBrWhite,
		Header:       lipgloss.NewStyle().Foreground(colBlack).Background(colBrWhite).Bold(true),
		Demo:         inverse,
		NetOnline:    inverse,
		NetDegraded:  inverse,
		NetOffline:   lipgloss.NewStyle().Foreground(colBrWhite).Background(colBrRed).Bold(true),
		NetStarting:  inverse,
		Rule:         base.Foreground(colBrYel),
		Step:         base.Foreground(colBrYel),
		Title:        base.Foreground(colBrYel).Underline(true),
		Text:         base,
		Label:        base,
		Value:        base.Foreground(colBrYel),
		Field:        base,
		FieldActive:  inverse,
		Option:       inverse,
		Error:        lipgloss.NewStyle().Foreground(colBrWhite).Background(colBrRed).Bold(true),
		Remedy:       base.Foreground(colBrYel),
		Warning:      inverse.Border(asciiBox()).BorderForeground(colBlack).BorderBackground(colBrYel).Padding(0, 2),
		Call:         base.Border(asciiBox()).BorderForeground(colBrYel).BorderBackground(colBlack).Padding(0, 2),
		Notice:       inverse,
		KeyCap:       inverse,
		KeyDesc:      base,
		Placeholder:  base,
		Figure:       base.Foreground(colBrYel),
		Question:     base.Foreground(colBrYel),
		SpaceBetween: 2,
		ItemGap:      1,
	}
}
