package server

// Calls for staff (F3). A kiosk sends the calls it watches in POST /v1/calls; the server
// stores each once (kiosk and call id), records the end of the person's session when the kiosk
// reports it, and answers each call's state, which staff change from the console
// (staffsource.go). A call names no person, so it is logged and shown freely; its fields are
// still a kiosk's word and checked like any.

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/server/store"
)

// callMaxAge bounds the time a kiosk reports for a call: a call queued through a week offline
// (the profiles' acceptance age) is still a call, older ones are not believed.
const callMaxAge = 7 * 24 * time.Hour

func (s *Server) handleCalls(w http.ResponseWriter, r *http.Request, sess *session) {
	var req api.CallsRequest
	if err := decodeBody(sess.body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "the body must be a list of calls: "+err.Error())
		return
	}
	now := s.now()
	if path := checkCalls(&req, now); path != "" {
		writeError(w, http.StatusBadRequest, "bad_request", "the request's "+path+
			" is out of bounds: see docs/openapi.json")
		return
	}
	var states []api.CallState
	var received []api.StaffCall
	err := s.store.Tx(r.Context(), func(tx store.Tx) error {
		states, received = states[:0], received[:0] // the store may retry this function
		if err := tx.TouchKiosk(sess.kiosk.ID, now); err != nil {
			return err
		}
		open, err := tx.OpenStaffCalls(sess.kiosk.ID)
		if err != nil {
			return err
		}
		for _, c := range req.Calls {
			stored, err := tx.StaffCall(sess.kiosk.ID, c.ID)
			switch {
			case errors.Is(err, store.ErrNotFound):
				if open >= api.MaxOpenCallsPerKiosk {
					states = append(states, api.CallState{ID: c.ID, State: api.CallRefused})
					continue
				}
				stored = store.StaffCall{KioskID: sess.kiosk.ID, CallID: c.ID, Screen: c.Screen, MadeAt: c.MadeAt,
					ReceivedAt: now, State: store.CallOpen}
				if c.EndedAt != nil {
					stored.EndedAt = *c.EndedAt
				}
				if _, err := tx.InsertStaffCall(stored); err != nil {
					return err
				}
				open++
				received = append(received, c)
			case err != nil:
				return err
			case c.EndedAt != nil && stored.EndedAt.IsZero():
				if _, err := tx.EndStaffCall(sess.kiosk.ID, c.ID, *c.EndedAt); err != nil {
					return err
				}
			}
			states = append(states, callState(stored))
		}
		return nil
	})
	if err != nil {
		s.internalError(w, "calls", err)
		return
	}
	for _, c := range received {
		s.log.Info("staff call received", "event", "staff_call", "kiosk", sess.kiosk.ID, "call", c.ID,
			"screen", c.Screen, "waited_s", strconv.Itoa(int(now.Sub(c.MadeAt).Seconds())))
	}
	writeJSON(w, http.StatusOK, api.CallsReply{Calls: states, ServerTime: now})
}

// checkCalls returns the path of a call field out of bounds, or "". Times are believed inside
// a window: a made_at in the future beyond the skew or older than callMaxAge is replaced by the
// server's clock (the call is real; its time is not), an end before the call is dropped.
func checkCalls(req *api.CallsRequest, now time.Time) string {
	if len(req.Calls) == 0 || len(req.Calls) > api.MaxCallsPerRequest {
		return "calls"
	}
	seen := make(map[string]bool, len(req.Calls))
	for i := range req.Calls {
		c := &req.Calls[i]
		path := "calls[" + strconv.Itoa(i) + "]."
		switch {
		case !api.ValidClientID(c.ID) || seen[c.ID]:
			return path + "id"
		case !api.ValidScreenName(c.Screen):
			return path + "screen"
		}
		seen[c.ID] = true
		if c.MadeAt.After(now.Add(api.MaxClockSkew)) || c.MadeAt.Before(now.Add(-callMaxAge)) {
			c.MadeAt = now
		} else if c.MadeAt.After(now) {
			c.MadeAt = now
		}
		if c.EndedAt != nil {
			end := *c.EndedAt
			switch {
			case end.After(now.Add(api.MaxClockSkew)), end.Before(c.MadeAt):
				c.EndedAt = nil
			case end.After(now):
				c.EndedAt = &now
			}
		}
	}
	return ""
}

// callState is a stored call as its kiosk may know it: no staff id.
func callState(c store.StaffCall) api.CallState {
	st := api.CallState{ID: c.CallID, State: c.State}
	if !c.AckedAt.IsZero() {
		st.AckedAt = &c.AckedAt
	}
	if !c.ClosedAt.IsZero() {
		st.ClosedAt = &c.ClosedAt
	}
	return st
}
