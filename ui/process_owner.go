package ui

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/service"
)

// The owner of a vehicle that is not the driver's verifies at the kiosk before its violations
// with points go on the driver's licence (rule 9). An owner verifies with what owners have, as
// for a binding: the ID number with the vehicle's VIN characters or its registration
// certificate number, the ID number with the licence file number for an owner who holds a
// licence, or the ID card on the reader (and the face, where there is a camera). The server
// judges the proof and answers a token the process op carries.

// ownerStep is the state of one owner's verification: the way chosen ("" while choosing) and
// what is being typed or read.
type ownerStep struct {
	proofs []string
	proof  string
	file   personEntry // ID number and licence file number
	nums   ownerEntry  // ID number and the VIN's last six or the certificate number
	card   ownerCard
}

// startOwner offers the ways to verify to the owner at index i.
func (p *process) startOwner(i int) {
	p.owner, p.phase = i, procOwner
	proofs := []string{api.ProofVIN, api.ProofRegCert, api.ProofFile}
	if p.c.Devices.IDReader != nil {
		proofs = append(proofs, api.ProofCard)
	}
	p.ow = ownerStep{proofs: proofs}
}

// ownerKey handles a key in the owner's step.
func (p *process) ownerKey(msg tea.KeyPressMsg) tea.Cmd {
	k, o := p.c.Keys, &p.ow
	switch o.proof {
	case "":
		d, ok := digit(msg)
		switch {
		case ok && int(d-'0') >= 1 && int(d-'0') <= len(o.proofs):
			return p.chooseProof(o.proofs[d-'1'])
		case key.Matches(msg, k.Back):
			p.phase = procSelect
		}
	case api.ProofFile:
		done, back := o.file.Update(msg)
		switch {
		case back:
			o.file.Wipe()
			o.proof = ""
		case done:
			return p.verifyOwnerFile()
		}
	case api.ProofVIN, api.ProofRegCert:
		done, back := o.nums.Update(msg)
		switch {
		case back:
			o.nums.Wipe()
			o.proof = ""
		case done:
			id, vin, cert := o.nums.proof()
			if p.notThisOwner(id) {
				return nil
			}
			return p.askOwner(service.OwnerProof{ID: id, VINTail: vin, RegCert: cert})
		}
	case api.ProofCard:
		if key.Matches(msg, k.Back) {
			o.card.stop()
			p.pending, o.proof = 0, ""
		}
	}
	return nil
}

// chooseProof starts the way the owner picked.
func (p *process) chooseProof(proof string) tea.Cmd {
	o := &p.ow
	o.proof = proof
	switch proof {
	case api.ProofCard:
		return o.card.start(p.c)
	case api.ProofFile:
		o.file = newPersonEntry(p.c)
	default:
		o.nums = newOwnerEntry(p.c, proof)
	}
	return nil
}

// ownerHelp is the key line of the owner's step.
func (p *process) ownerHelp() []key.Binding {
	switch p.ow.proof {
	case api.ProofFile:
		return p.ow.file.Help()
	case api.ProofVIN, api.ProofRegCert:
		return p.ow.nums.Help()
	}
	return []key.Binding{p.c.Keys.Back}
}

// notThisOwner refuses at once an ID number that is not the vehicle's owner's: the kiosk knows
// the owner of a vehicle the driver is related to, and asking the server would only spend one
// of the vehicle's attempts.
func (p *process) notThisOwner(id model.IDNumber) bool {
	if id == p.owners[p.owner].id {
		return false
	}
	p.ow.file.Wipe()
	p.ow.nums.Wipe()
	p.setOwnerProblem(&problem{text: txtOwnerNotOwner})
	return true
}

func (p *process) setOwnerProblem(prob *problem) {
	switch p.ow.proof {
	case api.ProofFile:
		p.ow.file.prob = prob
	case api.ProofCard:
		p.ow.card.prob = prob
	default:
		p.ow.nums.prob = prob
	}
}

// verifyOwnerFile sends the owner's ID number and licence file number.
func (p *process) verifyOwnerFile() tea.Cmd {
	id, file := p.ow.file.Values()
	if p.notThisOwner(id) {
		return nil
	}
	want := p.owners[p.owner]
	p.pending = p.c.newRequest()
	req, svc, driver := p.pending, p.c.Services, p.s.id
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
		defer cancel()
		token, err := svc.VerifyOwner(ctx, id, file, driver, want.plate)
		return ownerVerifiedMsg{req: req, token: token, err: err}
	}
}

// askOwner sends an owner's proof by the vehicle's numbers or by the card.
func (p *process) askOwner(proof service.OwnerProof) tea.Cmd {
	want := p.owners[p.owner]
	proof.Driver, proof.Plate, proof.Purpose = p.s.id, want.plate, api.PurposeProcess
	p.pending = p.c.newRequest()
	req, svc := p.pending, p.c.Services
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), verifyTimeout)
		defer cancel()
		v, err := svc.VerifyOwnerProof(ctx, proof)
		return ownerVerifiedMsg{req: req, token: v.Token, err: err, face: proof.Face}
	}
}

// onOwnerCard takes the reader's and the camera's answers while the owner uses the card.
func (p *process) onOwnerCard(msg tea.Msg) tea.Cmd {
	if p.phase != procOwner || p.ow.proof != api.ProofCard {
		return nil
	}
	cmd, ready := p.ow.card.update(msg)
	if !ready {
		return cmd
	}
	if p.notThisOwner(p.ow.card.id) {
		p.ow.card.done = true
		return nil
	}
	return p.askOwner(service.OwnerProof{ID: p.ow.card.id, Card: true, Face: p.ow.card.face})
}

func (p *process) onOwnerVerified(msg ownerVerifiedMsg) tea.Cmd {
	var refused *service.OwnerRefusedError
	switch {
	case errors.As(msg.err, &refused):
		r := refused.Reason
		p.setOwnerProblem(&problem{reason: &r})
		if p.ow.proof == api.ProofCard {
			p.ow.card.done = true // the card was judged: it is not read again
		}
		return nil
	case errors.Is(msg.err, service.ErrUnreachable):
		p.setOwnerProblem(&problem{text: txtBindVerifyUnreachable})
		return nil
	case errors.Is(msg.err, service.ErrNoMatch):
		p.ow.file.Wipe()
		p.setOwnerProblem(&problem{text: txtOwnerNoMatch})
		return nil
	case msg.err != nil || msg.token == "":
		p.setOwnerProblem(&problem{text: txtBindVerifyFailed})
		return nil
	}
	o := &p.owners[p.owner]
	o.verified, o.token = true, msg.token
	if msg.face != "" {
		o.face = msg.face // the card's holder was compared with the face already
	}
	p.ow.file.Wipe()
	p.ow.nums.Wipe()
	p.ow.card.stop()
	return p.nextVerification()
}

// ownerView draws the owner's step: the ways to choose from, the entry, the card, or the wait.
func (p *process) ownerView() string {
	c, st, w := p.c, p.c.Styles, max(p.w, 20)
	o := p.owners[p.owner]
	out := []string{p.header(txtProcessStepOwner), st.Text.Render(wrap(c.T(txtOwnerIntro, "plate", string(o.plate.Number)), w)), ""}
	switch p.ow.proof {
	case "":
		out = append(out, st.Text.Render(wrap(c.T(txtOwnerChooseProcess), w)))
		for i, pr := range p.ow.proofs {
			text := txtOwnerChoiceFile
			if pr != api.ProofFile {
				text = proofText(pr)
			}
			out = append(out, optionLine(c, strconv.Itoa(i+1), c.T(text)))
		}
	case api.ProofFile:
		out = append(out, p.ow.file.View(w))
	case api.ProofVIN, api.ProofRegCert:
		out = append(out, p.ow.nums.View(w))
	case api.ProofCard:
		out = append(out, st.Text.Render(wrap(c.T(txtOwnerCardWait), w)))
		if id := p.ow.card.id; id != "" {
			out = append(out, st.Value.Render(fit(c.T(txtOwnerCardRead, "id", id.Masked()), w)))
		}
		if p.ow.card.phase == ownerCardFace && p.ow.card.req != 0 {
			out = append(out, st.Value.Render(fit(c.T(txtFaceOwnerLooking, "plate", string(o.plate.Number)), w)))
		}
		out = append(out, problemLines(c, p.ow.card.prob, w)...)
	}
	if p.pending != 0 && p.ow.proof != api.ProofCard {
		out = append(out, st.Value.Render(fit(c.T(txtBindVerifying), w)))
	}
	return strings.Join(out, "\n")
}
