package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/model"
)

// personEntry takes ANOTHER person's ID number and licence file number at the kiosk: the owner
// of a vehicle who authorises a binding or a follow, or who verifies when a driver processes a
// violation of their vehicle. It is a component, not a screen: the screen that holds it passes
// it the keys, asks the server with Values once Update says done, and says what the server
// answered with SetProblem. The keys are those of identification (digits, X or keypad * for the
// check character, Backspace, Enter, Esc), and so are the rules: what is typed shows in the
// clear so it can be checked against the card, and the ID number is masked once accepted.
type personEntry struct {
	c       *Common
	onFile  bool   // the ID number was accepted; the file number is being typed
	idBuf   []byte // ASCII digits and a final X; capacity idLen, so it is never copied
	fileBuf []byte // capacity fileLen
	id      model.IDNumber
	file    model.FileNumber // set when Update reports done
	prob    *problem
}

func newPersonEntry(c *Common) personEntry {
	return personEntry{c: c, idBuf: make([]byte, 0, idLen), fileBuf: make([]byte, 0, fileLen)}
}

// Update takes a key. done is true when both numbers parsed (Enter on the file number); back is
// true when Esc was pressed on the ID number, the first field: the caller leaves.
func (p *personEntry) Update(msg tea.KeyPressMsg) (done, back bool) {
	k := p.c.Keys
	if d, ok := digit(msg); ok {
		p.typeDigit(d)
		return false, false
	}
	switch {
	case key.Matches(msg, k.X):
		p.typeX()
	case key.Matches(msg, k.Delete):
		p.prob, p.file = nil, ""
		if p.onFile {
			p.fileBuf = dropLast(p.fileBuf)
		} else {
			p.idBuf = dropLast(p.idBuf)
		}
	case key.Matches(msg, k.Confirm):
		return p.confirm(), false
	case key.Matches(msg, k.Back):
		if !p.onFile {
			return false, true
		}
		// Back to the ID number, which stays to be corrected; the file number goes.
		clear(p.fileBuf)
		p.fileBuf, p.onFile, p.id, p.file, p.prob = p.fileBuf[:0], false, "", "", nil
	}
	return false, false
}

func (p *personEntry) typeDigit(d byte) {
	p.prob, p.file = nil, ""
	buf, limit := &p.idBuf, idLen
	if p.onFile {
		buf, limit = &p.fileBuf, fileLen
	}
	if len(*buf) >= limit {
		p.prob = &problem{text: txtIdentifyFull}
		return
	}
	*buf = append(*buf, d)
	if !p.onFile && len(p.idBuf) == idLen {
		p.checkID() // live: the whole number is there, judge it now
	}
}

// typeX types the check character, which can only be the 18th: anywhere else it is refused at
// once, with the reason.
func (p *personEntry) typeX() {
	p.prob = nil
	switch {
	case p.onFile:
		p.prob = &problem{text: txtIdentifyFileDigits}
	default:
		var typed bool
		if p.idBuf, p.prob, typed = appendCheckX(p.idBuf); typed {
			p.checkID()
		}
	}
}

// appendCheckX types the check character X into an ID number being typed. It can only be the
// 18th character, so anywhere else it is refused at once, with the reason, rather than when
// the number is complete; ok says it was typed (and the number is complete).
func appendCheckX(buf []byte) (out []byte, prob *problem, ok bool) {
	switch {
	case len(buf) == idLen-1:
		return append(buf, 'X'), nil, true
	case len(buf) >= idLen:
		return buf, &problem{text: txtIdentifyFull}, false
	}
	return buf, &problem{text: txtIdentifyXLast}, false
}

// parseTypedID judges a typed ID number with the model: the number, or the problem to show.
func parseTypedID(c *Common, buf []byte) (model.IDNumber, *problem) {
	id, err := model.ParseIDNumber(string(buf), c.Now())
	if err != nil {
		return "", problemOf(err)
	}
	return id, nil
}

// checkID judges the ID number with the model; a good one moves on to the file number.
func (p *personEntry) checkID() {
	if p.id, p.prob = parseTypedID(p.c, p.idBuf); p.prob == nil {
		p.onFile = true
	}
}

func (p *personEntry) confirm() bool {
	if !p.onFile {
		p.checkID()
		return false
	}
	file, err := model.ParseFileNumber(string(p.fileBuf))
	if err != nil {
		p.prob = problemOf(err)
		return false
	}
	p.file, p.prob = file, nil
	return true
}

// dropLast removes the last byte and zeroes it in the backing array.
func dropLast(b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	b[len(b)-1] = 0
	return b[:len(b)-1]
}

// Values returns the accepted numbers; both are empty until Update reported done.
func (p *personEntry) Values() (model.IDNumber, model.FileNumber) {
	if p.file == "" {
		return "", ""
	}
	return p.id, p.file
}

// SetProblem shows a text of the UI's own under the fields, e.g. that the numbers do not match.
func (p *personEntry) SetProblem(text textKey) { p.prob = &problem{text: text} }

// SetReason shows a model reason under the fields, worded in the current language.
func (p *personEntry) SetReason(r model.Reason) { p.prob = &problem{reason: &r} }

// Wipe zeroes both buffers and forgets the numbers and the problem: the caller is done with
// this person, or the person gave up.
func (p *personEntry) Wipe() {
	clear(p.idBuf)
	clear(p.fileBuf)
	p.idBuf, p.fileBuf = p.idBuf[:0], p.fileBuf[:0]
	p.id, p.file, p.onFile, p.prob = "", "", false, nil
}

// typed reports whether anything was typed.
func (p *personEntry) typed() bool { return len(p.idBuf) > 0 || len(p.fileBuf) > 0 }

// Help lists the keys of the field being typed in.
func (p *personEntry) Help() []key.Binding {
	k := p.c.Keys
	if p.onFile {
		return []key.Binding{k.Confirm, k.Delete, k.Back}
	}
	return []key.Binding{k.Confirm, k.Delete, k.X, k.Back}
}

// View draws the two fields with their labels and, below them, what is wrong.
func (p *personEntry) View(width int) string {
	c, st := p.c, p.c.Styles
	count := func(n, of int) string {
		return "  " + st.Text.Render(c.T(txtIdentifyCount, "n", strconv.Itoa(n), "of", strconv.Itoa(of)))
	}
	out := []string{st.Label.Render(fit(c.T(txtPersonIDLabel), width))}
	if p.onFile {
		out = append(out, "  "+field(st.Field, p.id.Masked(), idLen+3)+"  "+st.Value.Render(c.T(txtIdentifyAccepted)))
	} else {
		out = append(out, "  "+field(st.FieldActive, grouped(p.idBuf, 6, 14)+"_", idLen+3)+count(len(p.idBuf), idLen),
			"  "+st.Text.Render(fit(c.T(txtIdentifyXHint), width-2)))
	}
	out = append(out, st.Label.Render(fit(c.T(txtPersonFileLabel), width)))
	if p.onFile {
		out = append(out, "  "+field(st.FieldActive, grouped(p.fileBuf, 4, 8)+"_", fileLen+3)+count(len(p.fileBuf), fileLen))
	} else {
		out = append(out, "  "+field(st.Field, "", fileLen+3))
	}
	out = append(out, problemLines(c, p.prob, width)...)
	return strings.Join(out, "\n")
}

// problemLines words a problem, a model reason with its remedy or a text of our own, wrapped
// to width; none for no problem.
func problemLines(c *Common, prob *problem, width int) []string {
	if prob == nil {
		return nil
	}
	if prob.reason != nil {
		out := reasonLines(c, []model.Reason{*prob.reason}, width)
		if prob.advice != nil {
			out = append(out, prob.advice(c, width)...)
		}
		return out
	}
	return styledLines(c.Styles.Error.Render, wrap("! "+c.T(prob.text, prob.args...), max(width, 10)))
}

// reasonLines words every reason and what to do instead, each line styled on its own so that
// no line is padded beyond its text.
func reasonLines(c *Common, rs []model.Reason, width int) []string {
	st, w := c.Styles, max(width, 10)
	var out []string
	for _, r := range rs {
		text := c.Reason(r)
		out = append(out, styledLines(st.Error.Render, wrap("! "+text.Message, w))...)
		if text.Remedy != "" {
			out = append(out, styledLines(st.Remedy.Render, indent(wrap("> "+text.Remedy, w-2), 2))...)
		}
	}
	return out
}

func styledLines(style func(...string) string, block string) []string {
	ls := strings.Split(block, "\n")
	for i, l := range ls {
		ls[i] = style(l)
	}
	return ls
}
