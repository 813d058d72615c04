package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// vt is as much of a terminal as lineScreen's output needs: absolute cursor moves, erasing a
// row or the screen, and text, Chinese taking two cells. Styles, modes and titles are read and
// dropped. It reads back the text each row shows.
type vt struct {
	w, h   int
	cells  [][]string
	x, y   int
	titles []string
}

func newVT(w, h int) *vt {
	t := &vt{w: w, h: h}
	t.eraseScreen()
	return t
}

func (t *vt) eraseScreen() {
	t.cells = make([][]string, t.h)
	for y := range t.cells {
		t.eraseRow(y)
	}
}

func (t *vt) eraseRow(y int) {
	t.cells[y] = make([]string, t.w)
	for x := range t.cells[y] {
		t.cells[y][x] = " "
	}
}

// feed interprets what the screen wrote.
func (t *vt) feed(tb testing.TB, out []byte) {
	s := string(out)
	for len(s) > 0 {
		switch {
		case strings.HasPrefix(s, "\x1b["):
			end := strings.IndexFunc(s[2:], func(r rune) bool { return r >= 0x40 && r <= 0x7e })
			if end < 0 {
				tb.Fatalf("unterminated CSI in %q", s)
			}
			params, final := s[2:2+end], s[2+end]
			s = s[3+end:]
			switch {
			case final == 'H':
				row, col, _ := strings.Cut(params, ";")
				r, _ := strconv.Atoi(row)
				c, _ := strconv.Atoi(col)
				t.y, t.x = max(r, 1)-1, max(c, 1)-1
			case final == 'K' && params == "2":
				t.eraseRow(t.y)
			case final == 'J' && params == "2":
				t.eraseScreen()
			case final == 'm', final == 'h', final == 'l', final == 'u':
				// styles, modes and keyboard protocols show nothing
			default:
				tb.Fatalf("unexpected sequence CSI %q %c", params, final)
			}
		case strings.HasPrefix(s, "\x1b]"):
			end := strings.IndexByte(s, '\a')
			if end < 0 {
				tb.Fatalf("unterminated OSC in %q", s)
			}
			if osc := s[2:end]; strings.HasPrefix(osc, "2;") {
				t.titles = append(t.titles, osc[2:])
			}
			s = s[end+1:]
		case s[0] == '\x1b' || s[0] < ' ':
			tb.Fatalf("unexpected control %q", s[:min(len(s), 8)])
		default:
			r, n := utf8.DecodeRuneInString(s)
			s = s[n:]
			wide := ansi.StringWidth(string(r))
			if t.x+wide > t.w {
				continue // no wrap: the last column keeps what it had
			}
			t.cells[t.y][t.x] = string(r)
			if wide == 2 {
				t.cells[t.y][t.x+1] = ""
			}
			t.x += wide
		}
	}
}

// rows is the text of every row, trailing blanks dropped.
func (t *vt) rows() []string {
	out := make([]string, t.h)
	for y, r := range t.cells {
		out[y] = strings.TrimRight(strings.Join(r, ""), " ")
	}
	return out
}

// shown is what a frame should leave on a terminal of height h.
func shown(frame string, h int) []string {
	out := make([]string, h)
	for y, r := range strings.Split(frame, "\n") {
		if y < h {
			out[y] = strings.TrimRight(ansi.Strip(r), " ")
		}
	}
	return out
}

// TestLineScreenShowsEveryFrame draws random frames, built from the kind of rows the UI
// draws (styled Chinese and English, padded to the width, blank rows, frames of fewer rows
// than the screen, a resize among them), and checks after each that the terminal shows that
// frame and nothing of the ones before.
func TestLineScreenShowsEveryFrame(t *testing.T) {
	bold := lipgloss.NewStyle().Bold(true)
	bar := lipgloss.NewStyle().Foreground(lipgloss.BrightWhite).Background(lipgloss.Blue)
	pool := []string{
		"", bar.Render(" 交通违法自助处理终端 ") + " ", " " + bold.Render("韩*东") + "  4403**********0935",
		"   2026-10-14 20:42  " + bold.Render("违规停车或临时停车") + "  记 0 分，罚款 200.00元",
		"      " + bold.Render("可在本机处理。"), " Parking where not allowed, 200.00 yuan",
		strings.Repeat("=", 40), bar.Render(strings.Repeat(" ", 30)), "x",
	}
	const w = 80
	rng := rand.New(rand.NewPCG(1, 2))
	var out bytes.Buffer
	h := 12
	term := newVT(w, h)
	s := newLineScreen(&out, h)
	row := func() string {
		r := pool[rng.IntN(len(pool))]
		if rng.IntN(3) == 0 {
			r += strings.Repeat(" ", w-ansi.StringWidth(r))
		}
		return r
	}
	var rows []string
	for i := range 400 {
		switch op := rng.IntN(10); {
		case i%40 == 39:
			// A new size, the same frame: the terminal kept nothing of what was drawn
			// (a real one may keep some rows, which the next frame overwrites anyway).
			h = 8 + rng.IntN(10)
			s.resize(h)
			term = newVT(w, h)
		case op < 4: // a few rows change, as when a box is ticked
			for range 1 + rng.IntN(3) {
				if len(rows) > 0 {
					rows[rng.IntN(len(rows))] = row()
				}
			}
		case op < 8: // the list moves by a row
			if len(rows) > 1 {
				rows = append(rows[1:], row())
			}
		default: // another screen, longer or shorter than the terminal
			rows = make([]string, rng.IntN(h+3))
			for y := range rows {
				rows[y] = row()
			}
		}
		frame := strings.Join(rows, "\n")
		if err := s.draw(tea.View{Content: frame}); err != nil {
			t.Fatal(err)
		}
		term.feed(t, out.Bytes())
		out.Reset()
		if got, want := term.rows(), shown(frame, h); !equalRows(got, want) {
			t.Fatalf("frame %d: the terminal shows\n%s\nwant\n%s", i, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

func equalRows(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }

// TestLineScreenSendsOnlyChangedRows: the same frame again costs no write at all; a frame with
// one row changed sends that row only.
func TestLineScreenSendsOnlyChangedRows(t *testing.T) {
	var out bytes.Buffer
	s := newLineScreen(&out, 5)
	frame := []string{"第一行", "第二行", "第三行", "第四行", "第五行"}
	v := tea.View{Content: strings.Join(frame, "\n"), WindowTitle: "交通违法自助处理终端"}
	if err := s.draw(v); err != nil {
		t.Fatal(err)
	}
	first := out.String()
	for _, r := range frame {
		if !strings.Contains(first, r) {
			t.Fatalf("the first frame lacks %q: %q", r, first)
		}
	}
	out.Reset()
	if err := s.draw(v); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Fatalf("the same frame again wrote %q", out.String())
	}
	frame[3] = "第四行改了"
	v.Content = strings.Join(frame, "\n")
	if err := s.draw(v); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.Contains(got, ansi.CursorPosition(1, 4)+ansi.ResetStyle+ansi.EraseEntireLine+"第四行改了") {
		t.Fatalf("the changed row is not sent at row 4: %q", got)
	}
	for i, r := range frame {
		if i != 3 && strings.Contains(got, r) {
			t.Errorf("row %d (%q) was sent again although it did not change: %q", i+1, r, got)
		}
	}
	if strings.Contains(got, "\x1b]2;") {
		t.Errorf("the unchanged title was sent again: %q", got)
	}
}

// TestLineScreenTitleColoursAndExit: the title and the terminal's default colours are sent
// when they change and reset when the screen stops, with the modes start set.
func TestLineScreenTitleColoursAndExit(t *testing.T) {
	var out bytes.Buffer
	s := newLineScreen(&out, 3)
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{ansi.SetModeAltScreenSaveCursor, ansi.ResetModeTextCursorEnable, ansi.ResetModeAutoWrap} {
		if !strings.Contains(out.String(), mode) {
			t.Errorf("start does not set %q: %q", mode, out.String())
		}
	}
	out.Reset()
	v := tea.View{Content: "a", WindowTitle: "自助终端", BackgroundColor: lipgloss.Black, ForegroundColor: lipgloss.White}
	if err := s.draw(v); err != nil {
		t.Fatal(err)
	}
	for _, seq := range []string{ansi.SetWindowTitle("自助终端"), "\x1b]11;#000000\a", "\x1b]10;#"} {
		if !strings.Contains(out.String(), seq) {
			t.Errorf("the first frame lacks %q: %q", seq, out.String())
		}
	}
	out.Reset()
	v.BackgroundColor = lipgloss.BrightWhite // F4: the high-contrast mode
	if err := s.draw(v); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.Contains(got, "\x1b]11;#ffffff\a") || strings.Contains(got, "\x1b]10;") {
		t.Errorf("a new background should be sent alone: %q", got)
	}
	out.Reset()
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, seq := range []string{ansi.SetWindowTitle(""), ansi.ResetForegroundColor, ansi.ResetBackgroundColor,
		ansi.SetModeAutoWrap, ansi.SetModeTextCursorEnable, ansi.PopKittyKeyboard(1)} {
		if !strings.Contains(got, seq) {
			t.Errorf("stop does not send %q: %q", seq, got)
		}
	}
	if !strings.HasSuffix(got, ansi.ResetModeAltScreenSaveCursor) {
		t.Errorf("stop should leave the alternate screen last: %q", got)
	}
}

// TestWithoutTrailingBlanks: padding after a closed style is dropped, padding inside an open
// style (a coloured bar) is kept.
func TestWithoutTrailingBlanks(t *testing.T) {
	for _, c := range []struct{ row, want string }{
		{"abc   ", "abc"},
		{"\x1b[1mabc\x1b[m 深圳   ", "\x1b[1mabc\x1b[m 深圳"},
		{"\x1b[44mabc   ", "\x1b[44mabc   "},
		{"\x1b[44mabc\x1b[0m  ", "\x1b[44mabc\x1b[0m"},
		{"   ", ""},
		{"abc", "abc"},
	} {
		if got := withoutTrailingBlanks(c.row); got != c.want {
			t.Errorf("withoutTrailingBlanks(%q) = %q, want %q", c.row, got, c.want)
		}
	}
}

// BenchmarkLineScreenDraw is the screen's share of a key press: a frame of 24 rows where the
// list's 16 moved by one.
func BenchmarkLineScreenDraw(b *testing.B) {
	var rows [40]string
	for i := range rows {
		rows[i] = fmt.Sprintf("   2026-10-%02d 20:42  \x1b[1m违规停车或临时停车\x1b[m  记 0 分，罚款 200.00元  深圳市南山区..", i%28+1)
	}
	frames := make([]tea.View, 16)
	for i := range frames {
		frames[i].Content = strings.Join(rows[i:i+24], "\n")
	}
	s := newLineScreen(&bytes.Buffer{}, 24)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.out.(*bytes.Buffer).Reset()
		if err := s.draw(frames[i%len(frames)]); err != nil {
			b.Fatal(err)
		}
	}
}
