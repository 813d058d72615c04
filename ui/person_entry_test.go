package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hallkiosk/kiosk/model"
)

func keyRune(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Text: string(r)} }

// typeInto types s into an entry key by key and returns the last done/back.
func typeInto(p interface {
	Update(tea.KeyPressMsg) (bool, bool)
}, s string) (done, back bool) {
	for _, r := range s {
		done, back = p.Update(keyRune(r))
	}
	return done, back
}

func newTestPersonEntry(t *testing.T) (*personEntry, *Common) {
	t.Helper()
	c := newHarness(t).m.c
	p := newPersonEntry(c)
	return &p, c
}

func TestPersonEntryTakesBothNumbers(t *testing.T) {
	p, _ := newTestPersonEntry(t)
	who := persona(t, "owner-lent")
	if done, back := typeInto(p, string(who.ID)); done || back {
		t.Fatal("done or back after the ID number alone")
	}
	view := ansi.Strip(p.View(78))
	if !strings.Contains(view, who.ID.Masked()) || strings.Contains(view, string(who.ID)) {
		t.Fatalf("an accepted ID number must show masked:\n%s", view)
	}
	typeInto(p, string(who.File))
	if id, file := p.Values(); id != "" || file != "" {
		t.Fatal("values before Enter")
	}
	done, back := p.Update(keyEnter)
	if !done || back {
		t.Fatalf("Enter on a full file number: done %v back %v\n%s", done, back, ansi.Strip(p.View(78)))
	}
	if id, file := p.Values(); id != who.ID || file != who.File {
		t.Fatalf("values %q %q", id, file)
	}
	// Typing again after done (the server said no) drops the stale file number.
	p.Update(keyBack)
	if _, file := p.Values(); file != "" {
		t.Fatal("a changed file number still reads as accepted")
	}
}

// X is the check character: only the 18th character, refused anywhere else at once, with the
// reason; in the file number it is refused too.
func TestPersonEntryTakesXOnlyAsTheLastCharacter(t *testing.T) {
	p, c := newTestPersonEntry(t)
	x := tea.KeyPressMsg{Code: 'x', Text: "x"}
	typeInto(p, "110105194912")
	p.Update(x)
	if len(p.idBuf) != 12 || !strings.Contains(ansi.Strip(p.View(78)), c.T(txtIdentifyXLast)) {
		t.Fatalf("X in the middle was not refused with the reason:\n%s", ansi.Strip(p.View(78)))
	}
	typeInto(p, "31002")
	p.Update(tea.KeyPressMsg{Code: '*', Text: "*"}) // the keypad's *
	if !p.onFile || p.id != "11010519491231002X" {
		t.Fatalf("the 18th character X was not taken: %q\n%s", p.idBuf, ansi.Strip(p.View(78)))
	}
	p.Update(x)
	if !strings.Contains(ansi.Strip(p.View(78)), c.T(txtIdentifyFileDigits)) || len(p.fileBuf) != 0 {
		t.Fatal("X in the file number was not refused")
	}
}

// A wrong check character is judged as soon as the 18th character is typed, and worded with
// the model's reason: what it should be and what was typed.
func TestPersonEntryWordsAWrongCheckCharacter(t *testing.T) {
	for _, lang := range []model.Lang{model.ZH, model.EN} {
		p, c := newTestPersonEntry(t)
		c.Lang = lang
		typeInto(p, "440308199901101513") // the check character is 2
		if p.onFile {
			t.Fatal("a wrong ID number was accepted")
		}
		want := c.Reason(model.Reason{Code: model.InputIDCheck, Args: model.Args{Want: "2", Got: "3"}})
		view := ansi.Strip(p.View(78))
		if !strings.Contains(view, want.Message) || !strings.Contains(view, want.Remedy) {
			t.Fatalf("%s: lacks %q:\n%s", lang, want.Message, view)
		}
	}
}

// Backspace removes the last character and zeroes it in the buffer; Wipe zeroes everything.
func TestPersonEntryZeroesWhatItDeletes(t *testing.T) {
	p, _ := newTestPersonEntry(t)
	who := persona(t, "owner-lent")
	typeInto(p, string(who.ID[:10]))
	for range 4 {
		p.Update(keyBack)
	}
	if string(p.idBuf) != string(who.ID[:6]) {
		t.Fatalf("after 4 Backspaces: %q", p.idBuf)
	}
	for i, b := range p.idBuf[len(p.idBuf):cap(p.idBuf)] {
		if b != 0 {
			t.Fatalf("deleted byte %d still holds %q", len(p.idBuf)+i, b)
		}
	}
	typeInto(p, string(who.ID[6:])+string(who.File[:5]))
	idArr, fileArr := p.idBuf[:cap(p.idBuf)], p.fileBuf[:cap(p.fileBuf)]
	p.Wipe()
	for _, arr := range [][]byte{idArr, fileArr} {
		for _, b := range arr {
			if b != 0 {
				t.Fatalf("Wipe left %q", arr)
			}
		}
	}
	if p.onFile || p.typed() || p.prob != nil {
		t.Fatal("Wipe left state behind")
	}
}

// Esc on the file number goes back to the ID number (kept, the file number dropped); Esc on
// the ID number tells the caller to leave.
func TestPersonEntryEscGoesBackThenLeaves(t *testing.T) {
	p, _ := newTestPersonEntry(t)
	who := persona(t, "owner-lent")
	typeInto(p, string(who.ID)+"1234")
	if done, back := p.Update(keyEsc); done || back || p.onFile || len(p.fileBuf) != 0 || string(p.idBuf) != string(who.ID) {
		t.Fatalf("Esc on the file number: back %v onFile %v file %q id %q", back, p.onFile, p.fileBuf, p.idBuf)
	}
	if _, back := p.Update(keyEsc); !back {
		t.Fatal("Esc on the ID number did not ask to leave")
	}
}

// A short file number and an ID number that is not full are refused on Enter with the reason.
func TestPersonEntryRefusesShortNumbersOnEnter(t *testing.T) {
	p, c := newTestPersonEntry(t)
	typeInto(p, "4403")
	p.Update(keyEnter)
	want := c.Reason(model.Reason{Code: model.InputIDLength, Args: model.Args{N: 4, Limit: 18}}).Message
	if !strings.Contains(ansi.Strip(p.View(78)), want) {
		t.Fatalf("lacks %q:\n%s", want, ansi.Strip(p.View(78)))
	}
	p.Wipe()
	typeInto(p, string(persona(t, "owner-lent").ID)+"12345")
	if done, _ := p.Update(keyEnter); done {
		t.Fatal("a 5-digit file number was accepted")
	}
	want = c.Reason(model.Reason{Code: model.InputFileLength, Args: model.Args{N: 5, Limit: 12}}).Message
	if !strings.Contains(ansi.Strip(p.View(78)), want) {
		t.Fatalf("lacks %q:\n%s", want, ansi.Strip(p.View(78)))
	}
	p.SetProblem(txtBindOwnerIsYou)
	if !strings.Contains(ansi.Strip(p.View(78)), c.T(txtBindOwnerIsYou)) {
		t.Fatal("SetProblem is not shown")
	}
}
