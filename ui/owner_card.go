package ui

import (
	"context"
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/device"
	"github.com/hallkiosk/kiosk/model"
)

// ownerCard is the ID-card way for an owner to verify: the reader reads the card (the chip,
// which a photocopy cannot give), then, where the kiosk has a camera, the face is compared with
// the card's photo. The server then judges whether the card's holder owns the vehicle. A face
// that does not match, or that the camera cannot judge, sends the owner to a counter once:
// the kiosk never asks again (as for drivers).
type ownerCard struct {
	c     *Common
	req   uint64 // the read or face check waited for
	phase ownerCardPhase
	id    model.IDNumber // the card's holder, once read
	face  string         // api.FaceMatch or api.FaceNoCamera, once judged
	prob  *problem
	done  bool // judged (by the face check or the server): the card is not read again
}

type ownerCardPhase int

// ownerFaceTimeout bounds the owner's face check, as the driver's is bounded.
const ownerFaceTimeout = 30 * time.Second

const (
	ownerCardReading ownerCardPhase = iota
	ownerCardFace
	ownerCardReady // card read and face judged: the proof can go to the server
)

type (
	ownerCardMsg struct {
		req  uint64
		card device.IDCard
		err  error
	}
	ownerCardRetryMsg struct{ req uint64 }
	ownerFaceMsg      struct {
		req    uint64
		result device.FaceResult
		err    error
	}
)

// start waits for a card on the reader.
func (o *ownerCard) start(c *Common) tea.Cmd {
	*o = ownerCard{c: c}
	return o.poll()
}

func (o *ownerCard) poll() tea.Cmd {
	r := o.c.Devices.IDReader
	if r == nil {
		return nil
	}
	o.req = o.c.newRequest()
	req := o.req
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), cardPoll)
		defer cancel()
		card, err := r.ReadCard(ctx)
		return ownerCardMsg{req: req, card: card, err: err}
	}
}

// stop drops what was read and any answer still to come.
func (o *ownerCard) stop() {
	o.req, o.id, o.face, o.prob, o.phase, o.done = 0, "", "", nil, ownerCardReading, false
}

// update takes the reader's and the camera's answers; ready is true once the card was read and
// the face judged a match (or there is no camera).
func (o *ownerCard) update(msg tea.Msg) (cmd tea.Cmd, ready bool) {
	switch msg := msg.(type) {
	case ownerCardMsg:
		if msg.req != o.req || o.req == 0 || o.done {
			return nil, false
		}
		o.req = 0
		switch {
		case errors.Is(msg.err, context.DeadlineExceeded):
			return o.poll(), false
		case msg.err != nil:
			o.prob = &problem{text: txtIdentifyCardFailed}
			o.req = o.c.newRequest()
			return o.c.After(time.Second, ownerCardRetryMsg{req: o.req}), false
		}
		o.id, o.prob = msg.card.Number, nil
		face := o.c.Devices.Face
		if face == nil {
			o.face, o.phase = api.FaceNoCamera, ownerCardReady
			return nil, true
		}
		o.phase, o.req = ownerCardFace, o.c.newRequest()
		req, id := o.req, o.id
		return func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), ownerFaceTimeout)
			defer cancel()
			res, err := face.Verify(ctx, id)
			return ownerFaceMsg{req: req, result: res, err: err}
		}, false
	case ownerCardRetryMsg:
		if msg.req == o.req && !o.done {
			return o.poll(), false
		}
	case ownerFaceMsg:
		if msg.req != o.req || o.req == 0 {
			return nil, false
		}
		o.req = 0
		if msg.err != nil || msg.result != device.FaceMatch {
			o.prob, o.done, o.id = &problem{text: txtFaceCounter}, true, ""
			return nil, false
		}
		o.face, o.phase = api.FaceMatch, ownerCardReady
		return nil, true
	}
	return nil, false
}
