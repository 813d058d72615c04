package main

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// lineScreen draws the UI's frames on the terminal a row at a time: a row whose text is the
// same as on screen is not sent again, a changed row is sent whole from its first column.
//
// It replaces bubbletea's renderer (v2.0.10), which costs the kiosk most of a key press: every
// frame it parses the whole view into cells, marks every row as touched (its draw clears the
// buffer cell by cell), and repaints in full every touched row that holds a wide character
// (ultraviolet's lineHasDrift), which in Chinese is nearly every row: about 1.7 KB written per
// key at 80x24 for a list that moved by one line. The UI's frames are whole rows already (the
// root fits every row to the width), so comparing rows as strings finds the same changes for a
// fraction of the work; and a changed row starts at an absolute position, so no width the
// terminal measures differently can shift another row.
type lineScreen struct {
	out    io.Writer
	height int
	rows   []string // what each row of the terminal shows, as the UI wrote it ("" blank)
	title  string
	fg, bg color.Color
	buf    bytes.Buffer
}

// newLineScreen returns a screen of height rows that writes to out; start takes the terminal.
func newLineScreen(out io.Writer, height int) *lineScreen {
	return &lineScreen{out: out, height: height, rows: make([]string, max(height, 0))}
}

// kittyFlags asks a terminal that speaks the kitty keyboard protocol to disambiguate keys
// (Ctrl+Alt+Q, Ctrl+Alt+M), as bubbletea's renderer does; others ignore it.
const kittyFlags = 1

// start takes the terminal: the alternate screen (nothing of a session stays in the terminal's
// history), no cursor, no line wrap (a row never spills into the next), bracketed paste and
// the keyboard protocols bubbletea's renderer would ask for.
func (s *lineScreen) start() error {
	_, err := io.WriteString(s.out, ansi.SetModeAltScreenSaveCursor+ansi.ResetModeTextCursorEnable+
		ansi.ResetModeAutoWrap+ansi.SetModeBracketedPaste+ansi.SetModifyOtherKeys2+
		ansi.PushKittyKeyboard(kittyFlags)+ansi.ResetStyle+ansi.EraseEntireScreen)
	return err
}

// stop gives the terminal back as it was found: the keyboard protocols popped, the colours and
// the title reset, wrap and cursor on, the main screen back.
func (s *lineScreen) stop() error {
	var b strings.Builder
	b.WriteString(ansi.ResetStyle + ansi.EraseEntireScreen + ansi.ResetModifyOtherKeys + ansi.PopKittyKeyboard(1) +
		ansi.ResetModeBracketedPaste + ansi.SetModeAutoWrap + ansi.SetModeTextCursorEnable)
	if s.title != "" {
		b.WriteString(ansi.SetWindowTitle(""))
	}
	if s.fg != nil {
		b.WriteString(ansi.ResetForegroundColor)
	}
	if s.bg != nil {
		b.WriteString(ansi.ResetBackgroundColor)
	}
	b.WriteString(ansi.ResetModeAltScreenSaveCursor)
	_, err := io.WriteString(s.out, b.String())
	return err
}

// resize is a new terminal height: the screen is cleared and the next frame drawn whole.
// (The width needs nothing: rows are fitted by the UI and clipped by the terminal.)
func (s *lineScreen) resize(height int) {
	if height == s.height || height < 0 {
		return
	}
	s.height = height
	s.rows = make([]string, height)
	s.buf.WriteString(ansi.ResetStyle + ansi.EraseEntireScreen)
}

// draw sends what differs between v and the screen, in one write, framed as a synchronized
// update (a terminal that supports it shows the frame at once; others ignore the marks).
func (s *lineScreen) draw(v tea.View) error {
	b := &s.buf
	if v.WindowTitle != s.title {
		b.WriteString(ansi.SetWindowTitle(v.WindowTitle))
		s.title = v.WindowTitle
	}
	if !sameColor(v.ForegroundColor, s.fg) {
		b.WriteString(colorSequence(v.ForegroundColor, ansi.SetForegroundColor, ansi.ResetForegroundColor))
		s.fg = v.ForegroundColor
	}
	if !sameColor(v.BackgroundColor, s.bg) {
		b.WriteString(colorSequence(v.BackgroundColor, ansi.SetBackgroundColor, ansi.ResetBackgroundColor))
		s.bg = v.BackgroundColor
	}
	rest, changed := v.Content, false
	for y := range s.rows {
		var row string
		if rest != "" {
			row, rest, _ = strings.Cut(rest, "\n")
			row = strings.TrimSuffix(row, "\r")
		}
		if row == s.rows[y] {
			continue
		}
		if !changed {
			b.WriteString(ansi.SetModeSynchronizedOutput)
			changed = true
		}
		// Erased with the default colours first, so that nothing of the old row stays to
		// the right of a shorter new one.
		b.WriteString(ansi.CursorPosition(1, y+1) + ansi.ResetStyle + ansi.EraseEntireLine)
		b.WriteString(withoutTrailingBlanks(row))
		s.rows[y] = row
	}
	if changed {
		b.WriteString(ansi.ResetStyle + ansi.ResetModeSynchronizedOutput)
	}
	if b.Len() == 0 {
		return nil
	}
	_, err := s.out.Write(b.Bytes())
	b.Reset()
	return err
}

// withoutTrailingBlanks drops the spaces that pad a row to the width when no style is open at
// its end: the erased row shows them already. (A padded 160-column row is mostly spaces.)
func withoutTrailingBlanks(row string) string {
	trimmed := strings.TrimRight(row, " ")
	if len(trimmed) == len(row) {
		return row
	}
	if i := strings.LastIndex(trimmed, "\x1b["); i >= 0 {
		if last := trimmed[i:]; !strings.HasPrefix(last, ansi.ResetStyle) && !strings.HasPrefix(last, "\x1b[0m") {
			return row // the last style is still open: the spaces may carry its background
		}
	}
	return trimmed
}

// sameColor compares two colours by value; nil is the terminal's default.
func sameColor(a, b color.Color) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	ar, ag, ab, aa := a.RGBA()
	br, bg, bb, ba := b.RGBA()
	return ar == br && ag == bg && ab == bb && aa == ba
}

// colorSequence sets a default colour of the terminal (OSC 10 or 11) as #rrggbb, or resets it.
func colorSequence(c color.Color, set func(string) string, reset string) string {
	if c == nil {
		return reset
	}
	r, g, b, _ := c.RGBA()
	return set(fmt.Sprintf("#%02x%02x%02x", r>>8, g>>8, b>>8))
}

// drawnModel runs the UI's root model and draws its frames on a lineScreen. The program runs
// without a renderer of its own and calls View once after every message it handled (and once
// at the start): that is when a frame is due, so View draws it.
type drawnModel struct {
	ui     tea.Model
	screen *lineScreen
	err    error // the first failed write (the terminal is gone); the program goes on, as it would with bubbletea's renderer
}

func (d *drawnModel) Init() tea.Cmd { return d.ui.Init() }

func (d *drawnModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if ws, ok := msg.(tea.WindowSizeMsg); ok {
		d.screen.resize(ws.Height)
	}
	var cmd tea.Cmd
	d.ui, cmd = d.ui.Update(msg)
	return d, cmd
}

func (d *drawnModel) View() tea.View {
	if err := d.screen.draw(d.ui.View()); err != nil && d.err == nil {
		d.err = err
	}
	return tea.View{}
}
