package ui

import (
	"strconv"
	"strings"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
)

// names are the flow's texts that differ between a binding and a follow request.
type bindNames struct {
	flow, plateIntro, ownerStep, ownerIntro, refused, effect, limits textKey
}

func (f *bindFlow) names() bindNames {
	if f.follow {
		return bindNames{txtFollowFlow, txtFollowPlateIntro, txtFollowStepOwner, txtFollowOwnerIntro,
			txtFollowRefused, txtFollowEffect, txtFollowLimits}
	}
	return bindNames{txtBindFlow, txtBindPlateIntro, txtBindStepOwner, txtBindOwnerIntro,
		txtBindRefused, txtBindEffect, txtBindLimits}
}

// stepOf is the indicator's step of where the flow is.
func (f *bindFlow) stepOf(s bindStep) (int, textKey) {
	switch s {
	case bindPlate, bindChecking:
		return 1, txtLinkStepPlate
	case bindProof, bindOwner, bindCard, bindVerifying:
		return 2, f.names().ownerStep
	case bindRefused:
		return f.stepOf(f.refusedAt)
	case bindReview:
		return 3, txtLinkStepReview
	}
	return 4, txtLinkStepResult
}

func (f *bindFlow) view(w, h int) string {
	c, st, nm := f.c, f.c.Styles, f.names()
	n, title := f.stepOf(f.step)
	head := linkStepLine(c, nm.flow, n, bindSteps, title)
	text := func(k textKey, kv ...string) string {
		return joinLines(styledLines(st.Text.Render, wrap(c.T(k, kv...), w)))
	}
	var blocks []string
	switch {
	case f.discarding:
		blocks = []string{head, text(txtBindDiscardQuestion),
			optionLine(c, "1", c.T(txtBindDiscardYes)) + "   " + optionLine(c, "Esc", c.T(txtBindDiscardNo))}
	case f.step == bindPlate:
		blocks = []string{head, text(nm.plateIntro, "types", f.acceptedTypes()), f.plate.View(w)}
		if f.plateProb != "" {
			blocks = append(blocks, joinLines(problemLines(c, &problem{text: f.plateProb}, w)))
		}
	case f.step == bindChecking:
		plate := factLines(c, [][2]string{{c.T(txtLinkFactPlate), plateText(c, f.vehicle)}}, w)[0]
		blocks = []string{head, plate, st.Value.Render(fit(c.T(txtOwnerChecking), w))}
	case f.step == bindProof || f.step == bindOwner || f.step == bindCard || f.step == bindVerifying:
		plate := factLines(c, [][2]string{{c.T(txtLinkFactPlate), plateText(c, f.vehicle)}}, w)[0]
		blocks = append([]string{head, plate, text(nm.ownerIntro)}, f.ownerView(w)...)
	case f.step == bindRefused:
		blocks = []string{head, st.Title.Render(fit(c.T(nm.refused, "plate", string(f.vehicle.Number)), w)),
			joinLines(reasonLines(c, f.refusal, w)),
			optionLine(c, "1", c.T(txtBindRefusedFix)) + "   " + optionLine(c, "2", c.T(txtLinkBackToList))}
	case f.step == bindReview:
		blocks = []string{head, text(txtLinkReviewIntro), joinLines(factLines(c, f.facts(), w)), text(nm.limits, f.limitArgs()...),
			optionLine(c, "1", c.T(txtLinkSubmit)) + "   " + optionLine(c, "Esc", c.T(txtLinkGoBack))}
	case f.step == bindSend:
		body := f.run.lines(w)
		if f.run.stage == runDone {
			body = append(body, "", optionLine(c, "Enter", c.T(txtLinkBackToList)))
		}
		blocks = []string{head, joinLines(factLines(c, f.facts()[:2], w)), joinLines(body)}
	}
	return stack(blocks, st.SpaceBetween, h)
}

// proofText names a way of verifying an owner.
func proofText(proof string) textKey {
	switch proof {
	case api.ProofVIN:
		return txtOwnerChoiceVIN
	case api.ProofRegCert:
		return txtOwnerChoiceCert
	}
	return txtOwnerChoiceCard
}

// ownerView draws the owner's step: the ways to choose from, the entry, the card, or the wait
// for the server.
func (f *bindFlow) ownerView(w int) []string {
	c, st := f.c, f.c.Styles
	switch f.step {
	case bindVerifying:
		return []string{st.Value.Render(fit(c.T(txtBindVerifying), w))}
	case bindOwner:
		return []string{f.owner.View(w)}
	case bindCard:
		out := []string{joinLines(styledLines(st.Text.Render, wrap(c.T(txtOwnerCardWait), w)))}
		if f.card.id != "" {
			out = append(out, st.Value.Render(fit(c.T(txtOwnerCardRead, "id", f.card.id.Masked()), w)))
		}
		if f.card.phase == ownerCardFace && f.card.req != 0 {
			out = append(out, st.Value.Render(fit(c.T(txtFaceOwnerLooking, "plate", string(f.vehicle.Number)), w)))
		}
		if lines := problemLines(c, f.card.prob, w); len(lines) > 0 {
			out = append(out, joinLines(lines))
		}
		return out
	}
	if len(f.proofs) == 0 {
		return []string{joinLines(problemLines(c, &problem{text: txtOwnerNoChoice}, w))}
	}
	out := []string{joinLines(styledLines(st.Text.Render, wrap(c.T(txtOwnerChoose), w)))}
	var opts []string
	for i, p := range f.proofs {
		opts = append(opts, optionLine(c, strconv.Itoa(i+1), c.T(proofText(p))))
	}
	return append(out, joinLines(opts))
}

// facts are what the review shows: the kind of request, the vehicle, the owner (masked, and
// that they verified), the person it is for (masked) and when it takes effect.
func (f *bindFlow) facts() [][2]string {
	c, nm := f.c, f.names()
	who := txtLinkFactDriver
	if f.follow {
		who = txtLinkFactFollower
	}
	effect := c.T(nm.effect)
	if f.follow && c.Profile != nil {
		months := c.Profile.Follow.AuthorisationMonths
		until := c.Now().AddDate(0, months, 0).In(model.ChinaZone()).Format("2006-01-02")
		effect = c.T(nm.effect, "months", strconv.Itoa(months), "date", until)
	}
	// The owner is shown, and called verified, only once the server confirmed the proof (the
	// token): before that nothing on screen vouches for anyone.
	owner, how := "-", "-"
	if f.ownerID != "" && f.token != "" {
		owner, how = f.ownerID.Masked()+" "+c.T(txtBindOwnerVerified), c.T(proofText(f.proof))
		if f.ownerName != "" {
			owner = maskedName(f.ownerName) + " " + owner
		}
	}
	return [][2]string{
		{c.T(txtLinkFactWhat), c.T(nm.flow)},
		{c.T(txtLinkFactPlate), plateText(c, f.vehicle)},
		{c.T(txtLinkFactOwner), owner},
		{c.T(txtOwnerProofFact), how},
		{c.T(who), maskedName(f.s.lookup.Person.Name) + " " + f.s.id.Masked()},
		{c.T(txtLinkFactEffect), effect},
	}
}

// acceptedTypes names the plate types the profile accepts for the flow.
func (f *bindFlow) acceptedTypes() string {
	p := f.c.Profile
	if p == nil {
		return "-"
	}
	types := p.Binding.PlateTypes
	if f.follow {
		types = p.Follow.PlateTypes
	}
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = f.c.Term(t.Term())
	}
	return strings.Join(names, f.c.T(txtListSep))
}

// limitArgs fill the limits note from the profile.
func (f *bindFlow) limitArgs() []string {
	p := f.c.Profile
	if p == nil {
		return nil
	}
	if f.follow {
		r := p.Follow
		return []string{"max", strconv.Itoa(r.MaxFollows), "requests", strconv.Itoa(r.MaxRequestsPerYear),
			"followers", strconv.Itoa(r.MaxFollowersPerVehicle)}
	}
	r := p.Binding
	return []string{"vehicle", strconv.Itoa(r.MaxBindersPerVehicle), "concurrent", strconv.Itoa(r.MaxConcurrent),
		"self", strconv.Itoa(r.MaxSelfService)}
}
