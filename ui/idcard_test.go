package ui

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/device"
	"github.com/hallkiosk/kiosk/model"
)

// scriptedReader answers ReadCard from a script, one answer per call; past its end it answers
// "no card yet" (the deadline), as a reader with nothing on it does.
type scriptedReader struct {
	answers []readAnswer
	calls   *int
}

type readAnswer struct {
	card device.IDCard
	err  error
}

func (scriptedReader) Info() device.Info { return device.Info{Name: "test ID card reader"} }
func (r scriptedReader) ReadCard(ctx context.Context) (device.IDCard, error) {
	i := *r.calls
	*r.calls++
	if i < len(r.answers) {
		return r.answers[i].card, r.answers[i].err
	}
	return device.IDCard{}, errors.New("the script has ended")
}

// A card on the reader identifies the person without typing: the real server looks them up by
// the card, the session remembers it, and asking the server again goes by the card too.
func TestIdentifyByCard(t *testing.T) {
	s := newStack(t, "national")
	who := s.persona(t, "nine-points")
	calls := 0
	reader := scriptedReader{calls: &calls, answers: []readAnswer{
		{err: context.DeadlineExceeded}, {err: context.DeadlineExceeded}, // nothing on the reader yet
		{card: device.IDCard{Number: who.ID}},
	}}
	h := newStackHarness(t, s, func(o *Options) { o.Devices.IDReader = reader })
	h.typeText("1")
	if h.m.id != overviewID || h.m.session == nil || !h.m.session.byCard || h.m.session.file != "" {
		t.Fatalf("the card did not identify (%d reads):\n%s", calls, h.view())
	}
	h.mustShow(who.ID.Masked())
	h.mustNotShow(string(who.ID))
	h.m.session.stale = true
	h.typeText("2") // the pay screen asks the server again: by the card
	h.press(keyEsc)
	if h.m.id != overviewID || h.m.session == nil || h.m.session.fromCache {
		t.Fatalf("asking again by card failed:\n%s", h.view())
	}
}

// A card that cannot be read is said so, and typing works as before; a card whose holder has
// no licence here says that, and the reader is asked again.
func TestIdentifyCardProblems(t *testing.T) {
	s := newStack(t, "national")
	who := s.persona(t, "nine-points")
	calls := 0
	reader := scriptedReader{calls: &calls, answers: []readAnswer{{err: errors.New("checksum error")}}}
	h := newStackHarness(t, s, func(o *Options) { o.Devices.IDReader = reader })
	h.typeText("1")
	h.mustShow(h.text(model.ZH, txtIdentifyCardHint), h.text(model.ZH, txtIdentifyCardFailed)[:24])
	h.identifyFromHere(who)
	if h.m.session.byCard {
		t.Fatal("a typed identification is marked as by card")
	}

	stranger, err := model.ParseIDNumber("110105198804121238", testNow)
	if err != nil {
		t.Fatal(err)
	}
	calls = 0
	h2 := newStackHarness(t, s, func(o *Options) {
		o.Devices.IDReader = scriptedReader{calls: &calls, answers: []readAnswer{{card: device.IDCard{Number: stranger}}}}
	})
	h2.typeText("1")
	scr := h2.m.screen.(*identify)
	if h2.m.id != identifyID || scr.phase != phaseID || scr.byCard || scr.id != "" {
		t.Fatalf("after an unknown card: screen %v, phase %d:\n%s", h2.m.id, scr.phase, h2.view())
	}
	h2.mustShow(h2.text(model.ZH, txtIdentifyCardNoMatch)[:24])
	if calls != 1 {
		t.Fatalf("%d reads right after the unknown card, want 1 (the next after a pause)", calls)
	}
	h2.advance(time.Second)
	if calls != 2 {
		t.Errorf("the reader was not asked again a second after the unknown card (%d reads)", calls)
	}
}
