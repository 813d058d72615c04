package service

import (
	"errors"
	"fmt"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/storage"
	"github.com/hallkiosk/kiosk/uplink"
)

// Calls for staff (F3). The person at the kiosk has at most one call at a time: pressing F3
// again while it is live rings it again (the engine sends it at once) rather than making
// another. The call is kept in the store until the server has it (storage.Call), and the
// person is told what actually happened: saved and waiting for the network, received by the
// platform, acknowledged by staff, or closed. When the person's session ends the call is
// ended too (the engine tells staff that nobody may be waiting any more) and forgotten here,
// so that the next person never sees it.

// CallState is where a call stands, as the person is told.
type CallState string

// Call states.
const (
	CallQueued  CallState = "queued"  // saved at the kiosk; the platform does not have it yet
	CallSent    CallState = "sent"    // the platform has it; no member of staff has answered
	CallComing  CallState = "coming"  // a member of staff acknowledged it and is on the way
	CallClosed  CallState = "closed"  // staff closed it
	CallRefused CallState = "refused" // the platform did not keep it (too many open calls)
)

// CallView is what the UI shows of the person's call.
type CallView struct {
	ID      string
	State   CallState
	MadeAt  time.Time // when F3 was pressed (the kiosk's corrected clock)
	AckedAt time.Time // when staff acknowledged it (zero: not yet)
	// Offline says the kiosk cannot reach the platform right now: a queued call waits for it.
	Offline bool
}

// Live reports a call the person may still be waiting on.
func (v CallView) Live() bool { return v.State != CallClosed && v.State != CallRefused }

// ErrCallsFull is storage.ErrCallsFull: the kiosk cannot keep another call.
var ErrCallsFull = storage.ErrCallsFull

// CallStaff calls staff for the person at the kiosk, who is on screen (a UI screen name: a-z,
// 0-9 and '_'). When it returns a view, the call is on disk and the sync engine has been told
// to send it at once. A person whose call is still live gets that call back, rung again. A
// call that was closed or refused lets them make a new one.
func (s *Service) CallStaff(screen string) (CallView, error) {
	s.callMu.Lock()
	defer s.callMu.Unlock()
	if s.callID != "" {
		c, ok, err := s.cfg.Store.CallByID(s.callID)
		if err != nil {
			return CallView{}, fmt.Errorf("call staff: %w", err)
		}
		if ok && !c.Final() {
			s.cfg.Engine.Wake()
			return s.callView(c), nil
		}
	}
	c, err := s.cfg.Store.AddCall(api.StaffCall{ID: uplink.NewOpID(), Screen: screen, MadeAt: s.cfg.Now()})
	if err != nil {
		return CallView{}, fmt.Errorf("call staff: %w", err)
	}
	s.callID = c.ID
	s.cfg.Engine.Wake()
	return s.callView(c), nil
}

// Call returns the current person's call; false when they made none (or it was forgotten at
// the end of the last session).
func (s *Service) Call() (CallView, bool, error) {
	s.callMu.Lock()
	id := s.callID
	s.callMu.Unlock()
	if id == "" {
		return CallView{}, false, nil
	}
	c, ok, err := s.cfg.Store.CallByID(id)
	if err != nil || !ok {
		return CallView{}, false, err
	}
	return s.callView(c), true, nil
}

func (s *Service) callView(c storage.Call) CallView {
	v := CallView{ID: c.ID, MadeAt: c.MadeAt, Offline: s.cfg.Engine.Status().State != uplink.Online}
	switch c.State {
	case "":
		v.State = CallQueued
	case api.CallOpen:
		v.State = CallSent
	case api.CallComing:
		v.State = CallComing
	case api.CallClosed:
		v.State = CallClosed
	case api.CallRefused:
		v.State = CallRefused
	}
	if c.AckedAt != nil {
		v.AckedAt = *c.AckedAt
	}
	return v
}

// endCall ends and forgets the current person's call (see EndSession).
func (s *Service) endCall() error {
	s.callMu.Lock()
	id := s.callID
	s.callID = ""
	s.callMu.Unlock()
	if id == "" {
		return nil
	}
	_, err := s.cfg.Store.EndCall(id, s.cfg.Now())
	if errors.Is(err, storage.ErrNotFound) {
		return nil // pruned: nothing is left to tell staff
	}
	s.cfg.Engine.Wake()
	return err
}
