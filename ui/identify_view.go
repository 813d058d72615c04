package ui

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
)

func (s *identify) View() string {
	c, st := s.c, s.c.Styles
	blocks := []string{
		stepLine(c, 1, txtStepIdentify) + "\n" + st.Text.Render(c.T(txtIdentifyIntro)) + s.cardHint(),
		s.idBlock(),
		s.fileBlock(),
	}
	if b := s.statusBlock(); b != "" {
		blocks = append(blocks, b)
	}
	return stack(blocks, st.SpaceBetween, s.h)
}

// idBlock is the ID number field: in the clear while typed, masked once accepted.
func (s *identify) idBlock() string {
	c, st := s.c, s.c.Styles
	label := st.Label.Render(c.T(txtIdentifyIDLabel))
	if s.phase != phaseID {
		said := txtIdentifyAccepted
		if s.byCard {
			said = txtIdentifyByCard
		}
		return label + "\n  " + field(st.Field, s.id.Masked(), idLen+3) + "  " + st.Value.Render(c.T(said))
	}
	line := "  " + field(st.FieldActive, grouped(s.idBuf, 6, 14)+"_", idLen+3) + "  " +
		st.Text.Render(c.T(txtIdentifyCount, "n", strconv.Itoa(len(s.idBuf)), "of", strconv.Itoa(idLen)))
	return s.question(txtIdentifyIDLabel, grouped(s.idBuf, 6, 14)) + "\n" + line + "\n  " + st.Text.Render(c.T(txtIdentifyXHint))
}

// question is the label of the field being typed in. In the large mode it stands out (bold,
// in the accent colour, a blank line under it) and the characters typed so far follow in large
// glyphs, three lines that are blank until the first key, so the field below never moves.
// They are the characters the field shows in the clear anyway, while they are typed.
func (s *identify) question(label textKey, typed string) string {
	st := s.c.Styles
	if !st.HighContrast {
		return st.Label.Render(s.c.T(label))
	}
	out := []string{st.Question.Render(wrap(s.c.T(label), max(s.w, 20))), ""}
	big := make([]string, bigLines)
	if typed != "" {
		big = bigText(st.Figure, typed, max(s.w, 20)-2)
	}
	for _, l := range big {
		out = append(out, "  "+l)
	}
	return strings.Join(out, "\n")
}

// fileBlock is the file number field: empty until the ID number is accepted, masked once the
// lookup starts.
func (s *identify) fileBlock() string {
	c, st := s.c, s.c.Styles
	label := st.Label.Render(c.T(txtIdentifyFileLabel))
	switch s.phase {
	case phaseID:
		return label + "\n  " + field(st.Field, "", fileLen+3)
	case phaseLookup:
		if s.byCard {
			return label + "\n  " + field(st.Field, "", fileLen+3) + "  " + st.Value.Render(c.T(txtIdentifyByCard))
		}
		return label + "\n  " + field(st.Field, s.file.Masked(), fileLen+3)
	}
	return s.question(txtIdentifyFileLabel, grouped(s.fileBuf, 4, 8)) + "\n  " + field(st.FieldActive, grouped(s.fileBuf, 4, 8)+"_", fileLen+3) + "  " +
		st.Text.Render(c.T(txtIdentifyCount, "n", strconv.Itoa(len(s.fileBuf)), "of", strconv.Itoa(fileLen)))
}

// statusBlock says what is wrong and what to do, or that the lookup is under way.
func (s *identify) statusBlock() string {
	c, st := s.c, s.c.Styles
	if s.phase == phaseLookup {
		return st.Value.Render(c.T(txtIdentifyLooking))
	}
	if s.prob == nil {
		return ""
	}
	var msg, remedy string
	if s.prob.reason != nil {
		r := c.Reason(*s.prob.reason)
		msg, remedy = r.Message, r.Remedy
	} else {
		msg = c.T(s.prob.text, s.prob.args...)
	}
	w := max(s.w, 20)
	if s.prob.info {
		return st.Value.Render(wrap(msg, w))
	}
	out := st.Error.Render(wrap("! "+msg, w))
	if remedy != "" {
		out += "\n" + st.Remedy.Render(wrap(remedy, w))
	}
	return out
}

// field draws an input box of a fixed number of cells in plain ASCII brackets.
func field(style lipgloss.Style, value string, width int) string {
	return "[" + style.Render(fit(value, width)) + "]"
}

// grouped spaces typed digits the way they are read off a card: an ID number as region, birth
// date and sequence (6-8-4), a file number in fours. breaks are the positions before which a
// space goes.
func grouped(b []byte, breaks ...int) string {
	var sb strings.Builder
	for i, ch := range b {
		for _, at := range breaks {
			if i == at {
				sb.WriteByte(' ')
			}
		}
		sb.WriteByte(ch)
	}
	return sb.String()
}

// stepLine is the step indicator ("第 1 步，共 4 步：身份识别"), so a person always knows
// where they are in the flow and how much is left.
func stepLine(c *Common, n int, title textKey) string {
	return c.Styles.Step.Render(c.T(txtStep, "n", strconv.Itoa(n), "of", strconv.Itoa(flowSteps), "title", c.T(title)))
}

// flowSteps is the number of steps of the main flow: identify, overview, process, pay.
const flowSteps = 4

// cardHint tells a kiosk's users they may use the card reader instead of typing.
func (s *identify) cardHint() string {
	if s.c.Devices.IDReader == nil {
		return ""
	}
	return "\n" + s.c.Styles.Text.Render(s.c.T(txtIdentifyCardHint))
}
