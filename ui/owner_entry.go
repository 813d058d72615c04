package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
)

// ownerEntry takes a vehicle owner's ID number and one of the vehicle's numbers: the last six
// characters of its VIN (kind api.ProofVIN: digits and letters, as printed on the driving
// permit) or its registration certificate number (api.ProofRegCert: 12 digits). Owners need no
// driving licence for either. Like personEntry it is a component: the flow passes it keys, asks
// the server once Update says done, and shows the server's answer with SetReason. What is typed
// shows in the clear so that it can be checked against the papers; the ID number is masked
// once accepted.
type ownerEntry struct {
	c      *Common
	kind   string // api.ProofVIN or api.ProofRegCert
	onNum  bool   // the ID number was accepted; the vehicle's number is being typed
	idBuf  []byte
	numBuf []byte
	id     model.IDNumber
	vin    model.VINTail
	cert   model.RegCertNumber
	prob   *problem
}

func newOwnerEntry(c *Common, kind string) ownerEntry {
	return ownerEntry{c: c, kind: kind, idBuf: make([]byte, 0, idLen), numBuf: make([]byte, 0, model.RegCertLength)}
}

// numLen is how many characters the vehicle's number has.
func (p *ownerEntry) numLen() int {
	if p.kind == api.ProofVIN {
		return model.VINTailLength
	}
	return model.RegCertLength
}

// Update takes a key. done is true when both parsed (Enter on the vehicle's number); back is
// true on Esc in the ID number, the first field.
func (p *ownerEntry) Update(msg tea.KeyPressMsg) (done, back bool) {
	k := p.c.Keys
	if d, ok := digit(msg); ok {
		p.typeChar(d)
		return false, false
	}
	if p.onNum && p.kind == api.ProofVIN && msg.Mod&^tea.ModShift == 0 && len(msg.Text) == 1 {
		if r := msg.Text[0] &^ 0x20; r >= 'A' && r <= 'Z' {
			p.typeChar(r)
			return false, false
		}
	}
	switch {
	case key.Matches(msg, k.X) && !p.onNum:
		p.typeX()
	case key.Matches(msg, k.Delete):
		p.clearAnswer()
		if p.onNum {
			p.numBuf = dropLast(p.numBuf)
		} else {
			p.idBuf = dropLast(p.idBuf)
		}
	case key.Matches(msg, k.Confirm):
		return p.confirm(), false
	case key.Matches(msg, k.Back):
		if !p.onNum {
			return false, true
		}
		clear(p.numBuf)
		p.numBuf, p.onNum, p.id = p.numBuf[:0], false, ""
		p.clearAnswer()
	}
	return false, false
}

func (p *ownerEntry) clearAnswer() { p.prob, p.vin, p.cert = nil, "", "" }

func (p *ownerEntry) typeChar(ch byte) {
	p.clearAnswer()
	buf, limit := &p.idBuf, idLen
	if p.onNum {
		buf, limit = &p.numBuf, p.numLen()
	}
	if len(*buf) >= limit {
		p.prob = &problem{text: txtIdentifyFull}
		return
	}
	*buf = append(*buf, ch)
	if !p.onNum && len(p.idBuf) == idLen {
		p.checkID()
	}
}

func (p *ownerEntry) typeX() {
	p.clearAnswer()
	var typed bool
	if p.idBuf, p.prob, typed = appendCheckX(p.idBuf); typed {
		p.checkID()
	}
}

func (p *ownerEntry) checkID() {
	if p.id, p.prob = parseTypedID(p.c, p.idBuf); p.prob == nil {
		p.onNum = true
	}
}

func (p *ownerEntry) confirm() bool {
	if !p.onNum {
		p.checkID()
		return false
	}
	var err error
	if p.kind == api.ProofVIN {
		p.vin, err = model.ParseVINTail(string(p.numBuf))
	} else {
		p.cert, err = model.ParseRegCertNumber(string(p.numBuf))
	}
	if err != nil {
		p.prob = problemOf(err)
		return false
	}
	p.prob = nil
	return true
}

// proof is what the owner proved with, once Update reported done; its ID is empty before.
func (p *ownerEntry) proof() (model.IDNumber, model.VINTail, model.RegCertNumber) {
	if p.vin == "" && p.cert == "" {
		return "", "", ""
	}
	return p.id, p.vin, p.cert
}

// SetProblem shows a text of the UI's own under the fields.
func (p *ownerEntry) SetProblem(text textKey) { p.prob = &problem{text: text} }

// SetReason shows a model reason under the fields, worded in the current language.
func (p *ownerEntry) SetReason(r model.Reason) { p.prob = &problem{reason: &r} }

// Wipe zeroes both buffers and forgets what was typed.
func (p *ownerEntry) Wipe() {
	clear(p.idBuf)
	clear(p.numBuf)
	p.idBuf, p.numBuf = p.idBuf[:0], p.numBuf[:0]
	p.id, p.onNum = "", false
	p.clearAnswer()
}

// Help lists the keys of the field being typed in.
func (p *ownerEntry) Help() []key.Binding {
	k := p.c.Keys
	if p.onNum {
		return []key.Binding{k.Confirm, k.Delete, k.Back}
	}
	return []key.Binding{k.Confirm, k.Delete, k.X, k.Back}
}

// View draws the two fields with their labels, a hint where the vehicle's number is printed,
// and what is wrong.
func (p *ownerEntry) View(width int) string {
	c, st := p.c, p.c.Styles
	count := func(n, of int) string {
		return "  " + st.Text.Render(c.T(txtIdentifyCount, "n", strconv.Itoa(n), "of", strconv.Itoa(of)))
	}
	label, hint := txtOwnerVINLabel, txtOwnerVINHint
	if p.kind == api.ProofRegCert {
		label, hint = txtOwnerCertLabel, txtOwnerCertHint
	}
	n := p.numLen()
	out := []string{st.Label.Render(fit(c.T(txtPersonIDLabel), width))}
	if p.onNum {
		out = append(out, "  "+field(st.Field, p.id.Masked(), idLen+3)+"  "+st.Value.Render(c.T(txtIdentifyAccepted)))
	} else {
		out = append(out, "  "+field(st.FieldActive, grouped(p.idBuf, 6, 14)+"_", idLen+3)+count(len(p.idBuf), idLen),
			"  "+st.Text.Render(fit(c.T(txtIdentifyXHint), width-2)))
	}
	out = append(out, st.Label.Render(fit(c.T(label), width)))
	if p.onNum {
		out = append(out, "  "+field(st.FieldActive, string(p.numBuf)+"_", n+3)+count(len(p.numBuf), n))
		for _, l := range strings.Split(wrap(c.T(hint), max(width-2, 10)), "\n") {
			out = append(out, "  "+st.Text.Render(l))
		}
	} else {
		out = append(out, "  "+field(st.Field, "", n+3))
	}
	out = append(out, problemLines(c, p.prob, width)...)
	return strings.Join(out, "\n")
}
