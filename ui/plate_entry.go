package ui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hallkiosk/kiosk/model"
)

// plateEntry takes a plate without an input method, in three steps: the province character
// from a numbered grid (the kiosk's own province is option 00 and highlighted), then the rest
// typed on the keyboard (letters and digits), then the plate type from a numbered list whose
// numbers are the type codes themselves (02 small car, 52 small new-energy...). The model judges
// the number and the type, and its reason is shown when it refuses them.
type plateEntry struct {
	c      *Common
	phase  platePhase
	home   string // the kiosk's own province, option 00; "" when unknown
	prov   int    // the highlighted province option
	chosen string // the province picked
	pick   []byte // the first digit of an option number, while its second is awaited
	rest   []byte // office letter and serial as typed, upper-case ASCII
	number model.PlateNumber
	typ    int // the highlighted plate type, an index into model.PlateTypes()
	plate  model.Plate
	prob   *problem
}

type platePhase int

const (
	plateProvince platePhase = iota // picking the province character
	plateNumber                     // typing the rest
	plateType                       // picking the plate type
)

// plateRestMax is the most characters after the province: a new-energy plate has 8 in all.
const plateRestMax = 7

// newPlateEntry starts on the province grid with home (a province character such as "粤", or
// "" when unknown) offered first.
func newPlateEntry(c *Common, home string) plateEntry {
	p := plateEntry{c: c, rest: make([]byte, 0, plateRestMax)}
	for _, prov := range model.Provinces() {
		if prov == home {
			p.home = home
		}
	}
	p.typ = plateTypeIndex(model.PlateSmallCar)
	return p
}

// provinceOption is a cell of the province grid.
type provinceOption struct {
	num  int
	name string
}

// provinces lists the grid: 00 for the kiosk's own province, then every province under a number
// that does not depend on the hall (01 京 ... in the model's order), so it can be learnt.
func (p *plateEntry) provinces() []provinceOption {
	var out []provinceOption
	if p.home != "" {
		out = append(out, provinceOption{0, p.home})
	}
	for i, name := range model.Provinces() {
		out = append(out, provinceOption{i + 1, name})
	}
	return out
}

func plateTypeIndex(t model.PlateType) int {
	for i, x := range model.PlateTypes() {
		if x == t {
			return i
		}
	}
	return 0
}

// Update takes a key. done is true once the plate is complete and the model accepted it;
// back is true when Esc was pressed on the province grid, the first step: the caller leaves.
func (p *plateEntry) Update(msg tea.KeyPressMsg) (done, back bool) {
	k := p.c.Keys
	if p.phase == plateNumber {
		return p.numberKey(msg), false
	}
	n := len(p.provinces())
	if p.phase == plateType {
		n = len(model.PlateTypes())
	}
	if d, ok := digit(msg); ok {
		return p.pickDigit(d), false
	}
	switch {
	case key.Matches(msg, k.Up):
		p.move(-1, n)
	case key.Matches(msg, k.Down):
		p.move(1, n)
	case key.Matches(msg, k.Delete):
		p.pick, p.prob = nil, nil
	case key.Matches(msg, k.Confirm):
		if len(p.pick) == 1 { // a single digit and Enter: option 0N
			return p.pickNumber(int(p.pick[0] - '0')), false
		}
		return p.accept(), false
	case key.Matches(msg, k.Back):
		p.pick, p.prob = nil, nil
		if p.phase == plateProvince {
			return false, true
		}
		p.phase = plateNumber
	}
	return false, false
}

func (p *plateEntry) move(delta, n int) {
	p.pick, p.prob = nil, nil
	cur := &p.prov
	if p.phase == plateType {
		cur = &p.typ
	}
	*cur = max(min(*cur+delta, n-1), 0)
}

// pickDigit takes one digit of a two-digit option number; the second picks the option.
func (p *plateEntry) pickDigit(d byte) bool {
	p.prob = nil
	if len(p.pick) == 0 {
		p.pick = append(p.pick, d)
		return false
	}
	return p.pickNumber(int(p.pick[0]-'0')*10 + int(d-'0'))
}

// pickNumber highlights and accepts the option numbered n, or says there is none.
func (p *plateEntry) pickNumber(n int) bool {
	p.pick = nil
	found := -1
	if p.phase == plateProvince {
		for i, o := range p.provinces() {
			if o.num == n {
				found = i
			}
		}
	} else {
		for i, t := range model.PlateTypes() {
			if string(t) == fmt.Sprintf("%02d", n) {
				found = i
			}
		}
	}
	if found < 0 {
		p.prob = &problem{text: txtPlateNoOption}
		return false
	}
	if p.phase == plateProvince {
		p.prov = found
	} else {
		p.typ = found
	}
	return p.accept()
}

// accept takes the highlighted option: a province moves on to the number, a type completes
// the plate when the model agrees that the number is issued under it.
func (p *plateEntry) accept() bool {
	if p.phase == plateProvince {
		p.chosen, p.phase, p.prob = p.provinces()[p.prov].name, plateNumber, nil
		return false
	}
	plate, err := model.NewPlate(model.PlateTypes()[p.typ], p.number)
	if err != nil {
		p.prob = problemOf(err)
		return false
	}
	p.plate, p.prob = plate, nil
	return true
}

// numberKey types the characters after the province: letters from the keyboard (upper-cased),
// digits from either keypad. I and O are typed like any letter; the model refuses them on
// Enter with its own reason, which names the position.
func (p *plateEntry) numberKey(msg tea.KeyPressMsg) bool {
	k := p.c.Keys
	ch, ok := digit(msg)
	if !ok && msg.Mod&^tea.ModShift == 0 && len(msg.Text) == 1 {
		if r := msg.Text[0] &^ 0x20; r >= 'A' && r <= 'Z' { // upper case
			ch, ok = r, true
		}
	}
	switch {
	case ok:
		p.prob = nil
		if len(p.rest) >= plateRestMax {
			p.prob = &problem{text: txtIdentifyFull}
			return false
		}
		p.rest = append(p.rest, ch)
	case key.Matches(msg, k.Delete):
		p.prob = nil
		p.rest = dropLast(p.rest)
	case key.Matches(msg, k.Confirm):
		n, err := model.ParsePlateNumber(p.chosen + string(p.rest))
		if err != nil {
			p.prob = problemOf(err)
			return false
		}
		p.number, p.phase, p.prob = n, plateType, nil
		p.preselectType()
	case key.Matches(msg, k.Back):
		p.phase, p.prob = plateProvince, nil
	}
	return false
}

// preselectType highlights a type the number is issued under: the highlighted one if it fits,
// else the likeliest (small car, small then large new-energy), else the first that fits.
func (p *plateEntry) preselectType() {
	fits := func(t model.PlateType) bool { _, err := model.NewPlate(t, p.number); return err == nil }
	types := model.PlateTypes()
	if fits(types[p.typ]) {
		return
	}
	order := append([]model.PlateType{model.PlateSmallCar, model.PlateSmallNEV, model.PlateLargeNEV}, types...)
	for _, t := range order {
		if fits(t) {
			p.typ = plateTypeIndex(t)
			return
		}
	}
}

// Plate is the accepted plate; zero until Update reported done.
func (p *plateEntry) Plate() model.Plate { return p.plate }

// Touched reports whether anything was typed or picked beyond the offered province.
func (p *plateEntry) Touched() bool { return p.phase != plateProvince || len(p.rest) > 0 }

// Wipe forgets everything typed and starts again on the province grid.
func (p *plateEntry) Wipe() {
	clear(p.rest)
	*p = plateEntry{c: p.c, home: p.home, rest: p.rest[:0], typ: plateTypeIndex(model.PlateSmallCar)}
}

// Help lists the keys of the current step.
func (p *plateEntry) Help() []key.Binding {
	k := p.c.Keys
	if p.phase == plateNumber {
		return []key.Binding{k.Confirm, k.Delete, k.Back}
	}
	return []key.Binding{k.Up, k.Down, k.Confirm, k.Back}
}

// View draws the plate so far, what to do, the grid or list of the step and what is wrong.
func (p *plateEntry) View(width int) string {
	c, st := p.c, p.c.Styles
	w := max(width, 20)
	typed := p.chosen + string(p.rest)
	if p.phase == plateNumber {
		typed += "_"
	}
	typeName := "-"
	if p.phase == plateType {
		typeName = c.Term(model.PlateTypes()[p.typ].Term())
	}
	out := []string{fit(st.Label.Render(c.T(txtPlateLabel))+" "+field(st.FieldActive, typed, plateRestMax+3)+"  "+
		st.Label.Render(c.T(txtPlateTypeLabel))+" "+st.Value.Render(typeName), w)}
	switch p.phase {
	case plateProvince:
		intro := c.T(txtPlatePickProvince)
		if p.home != "" {
			intro = c.T(txtPlatePickProvinceHome, "home", p.home)
		}
		out = append(out, styledLines(st.Text.Render, wrap(intro, w))...)
		out = append(out, p.grid(p.provinceCells(), w)...)
	case plateNumber:
		out = append(out, styledLines(st.Text.Render, wrap(c.T(txtPlateTypeRest, "n", strconv.Itoa(len(p.rest))), w))...)
	case plateType:
		out = append(out, styledLines(st.Text.Render, wrap(c.T(txtPlatePickType), w))...)
		out = append(out, p.grid(p.typeCells(), w)...)
	}
	if len(p.pick) == 1 {
		out = append(out, st.Value.Render(c.T(txtPlatePicking, "n", string(p.pick)+"_")))
	}
	out = append(out, problemLines(c, p.prob, w)...)
	return strings.Join(out, "\n")
}

func (p *plateEntry) provinceCells() []string {
	var cells []string
	for _, o := range p.provinces() {
		cells = append(cells, fmt.Sprintf("%02d %s", o.num, o.name))
	}
	return cells
}

func (p *plateEntry) typeCells() []string {
	var cells []string
	for _, t := range model.PlateTypes() {
		cells = append(cells, string(t)+" "+p.c.Term(t.Term()))
	}
	return cells
}

// grid lays cells out in rows, left to right, as wide as the screen allows; the highlighted
// cell is marked with ">" as well as drawn reversed, so it does not depend on colour.
func (p *plateEntry) grid(cells []string, w int) []string {
	cur := p.prov
	if p.phase == plateType {
		cur = p.typ
	}
	cellW := 0
	for _, s := range cells {
		cellW = max(cellW, ansi.StringWidth(s))
	}
	cellW += 3 // marker and two spaces
	if w >= 120 {
		cellW += 2 // a wide screen: more air between the cells
	}
	cols := max(w/cellW, 1)
	st := p.c.Styles
	var out []string
	for row := 0; row*cols < len(cells); row++ {
		var line strings.Builder
		for i := row * cols; i < min((row+1)*cols, len(cells)); i++ {
			text := fit(cells[i], cellW-3)
			if i == cur {
				line.WriteString(">" + st.FieldActive.Render(text) + "  ")
			} else {
				line.WriteString(" " + st.Text.Render(text) + "  ")
			}
		}
		out = append(out, line.String())
	}
	return out
}
