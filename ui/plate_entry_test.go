package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/hallkiosk/kiosk/model"
)

func newTestPlateEntry(t *testing.T, home string) (*plateEntry, *Common) {
	t.Helper()
	c := newHarness(t).m.c
	p := newPlateEntry(c, home)
	return &p, c
}

func (p *plateEntry) text() string { return ansi.Strip(p.View(78)) }

// The kiosk's province is option 00 and highlighted: Enter takes it.
func TestPlateEntryOffersTheHomeProvinceFirst(t *testing.T) {
	p, _ := newTestPlateEntry(t, "粤")
	if !strings.Contains(p.text(), ">00 粤") {
		t.Fatalf("粤 is not offered as 00:\n%s", p.text())
	}
	p.Update(keyEnter)
	if p.phase != plateNumber || p.chosen != "粤" {
		t.Fatalf("Enter did not take the home province: %v %q", p.phase, p.chosen)
	}
	// Without a known province the grid starts at 01 京.
	q, _ := newTestPlateEntry(t, "")
	if strings.Contains(q.text(), "00 ") || !strings.Contains(q.text(), ">01 京") {
		t.Fatalf("unexpected grid:\n%s", q.text())
	}
}

// Two digits pick a province by its stable number; a single digit and Enter picks 0N; a
// number without an option says so and picks nothing; Up/Down move the highlight.
func TestPlateEntryProvincePicker(t *testing.T) {
	tests := []struct {
		keys string
		want string
	}{
		{"29", "川"},
		{"04", "渝"},
		{"26", "粤"},
		{"31", "琼"},
	}
	for _, tt := range tests {
		p, _ := newTestPlateEntry(t, "粤")
		typeInto(p, tt.keys)
		if p.chosen != tt.want || p.phase != plateNumber {
			t.Errorf("%s picked %q", tt.keys, p.chosen)
		}
	}
	p, c := newTestPlateEntry(t, "粤")
	typeInto(p, "5")
	if !strings.Contains(p.text(), c.T(txtPlatePicking, "n", "5_")) {
		t.Fatalf("the first digit is not shown:\n%s", p.text())
	}
	p.Update(keyEnter)
	if p.chosen != "冀" {
		t.Fatalf("5 Enter picked %q", p.chosen)
	}
	p, c = newTestPlateEntry(t, "粤")
	typeInto(p, "45")
	if p.phase != plateProvince || !strings.Contains(p.text(), c.T(txtPlateNoOption)) {
		t.Fatalf("45 was not refused:\n%s", p.text())
	}
	p.Update(vkDown)
	p.Update(vkDown)
	p.Update(vkUp)
	p.Update(keyEnter)
	if p.chosen != "京" {
		t.Fatalf("Down Down Up Enter from 00 picked %q", p.chosen)
	}
}

// The model judges the typed number: I and O are refused with the model's own reason naming
// the position; lower case is accepted as upper case.
func TestPlateEntryNumberIsJudgedByTheModel(t *testing.T) {
	for _, lang := range []model.Lang{model.ZH, model.EN} {
		p, c := newTestPlateEntry(t, "粤")
		c.Lang = lang
		p.Update(keyEnter)
		typeInto(p, "b1o345")
		p.Update(keyEnter)
		want := c.Reason(model.Reason{Code: model.InputPlateIO, Args: model.Args{Pos: 4, Got: "O"}})
		if p.phase != plateNumber || !strings.Contains(p.text(), want.Message) || !strings.Contains(p.text(), want.Remedy) {
			t.Fatalf("%s: O was not refused with %q:\n%s", lang, want.Message, p.text())
		}
		for range 4 {
			p.Update(keyBack)
		}
		typeInto(p, "0345")
		p.Update(keyEnter)
		if p.phase != plateType || p.number != "粤B10345" {
			t.Fatalf("%s: corrected plate not taken: %q\n%s", lang, p.number, p.text())
		}
	}
	p, c := newTestPlateEntry(t, "粤")
	p.Update(keyEnter)
	typeInto(p, "B123")
	p.Update(keyEnter)
	want := c.Reason(model.Reason{Code: model.InputPlateLength, Args: model.Args{N: 5}}).Message
	if !strings.Contains(p.text(), want) {
		t.Fatalf("short plate: lacks %q:\n%s", want, p.text())
	}
	typeInto(p, "45678")
	if len(p.rest) != plateRestMax || !strings.Contains(p.text(), c.T(txtIdentifyFull)) {
		t.Fatalf("the number took more than 8 characters: %q", p.rest)
	}
}

// The type list preselects a type the number's form is issued under, and the model refuses a
// type that does not fit.
func TestPlateEntryType(t *testing.T) {
	p, c := newTestPlateEntry(t, "粤")
	p.Update(keyEnter)
	typeInto(p, "BD12345")
	p.Update(keyEnter)
	if model.PlateTypes()[p.typ] != model.PlateSmallNEV {
		t.Fatalf("a small new-energy number preselected %s", model.PlateTypes()[p.typ])
	}
	done, _ := typeInto(p, "02")
	want := c.Reason(model.Reason{Code: model.InputPlateTypeMatch, Args: model.Args{Got: "粤BD12345", Term: model.PlateSmallCar.Term()}}).Message
	if done || !strings.Contains(p.text(), want) {
		t.Fatalf("02 for a new-energy number: lacks %q:\n%s", want, p.text())
	}
	if done, _ := typeInto(p, "52"); !done || p.Plate() != (model.Plate{Type: model.PlateSmallNEV, Number: "粤BD12345"}) {
		t.Fatalf("52 did not complete the plate: %v", p.Plate())
	}
	// Esc goes back one step at a time, and from the grid tells the caller to leave.
	q, _ := newTestPlateEntry(t, "粤")
	q.Update(keyEnter)
	typeInto(q, "B12345")
	q.Update(keyEnter)
	if _, back := q.Update(keyEsc); back || q.phase != plateNumber {
		t.Fatal("Esc on the type did not return to the number")
	}
	if _, back := q.Update(keyEsc); back || q.phase != plateProvince || !q.Touched() {
		t.Fatal("Esc on the number did not return to the province, keeping the number")
	}
	if _, back := q.Update(keyEsc); !back {
		t.Fatal("Esc on the grid did not ask to leave")
	}
	q.Wipe()
	if q.Touched() || len(q.rest) != 0 || q.home != "粤" {
		t.Fatal("Wipe left what was typed")
	}
}
