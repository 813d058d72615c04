package reliability

import (
	"context"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/console"
	"github.com/hallkiosk/kiosk/service"
	"github.com/hallkiosk/kiosk/uplink"
)

// TestCallMadeOfflineReachesStaff: F3 pressed two hours into an outage (a real server, the
// kiosk's store and sync engine, compressed time) is kept at the kiosk, reaches the hall's
// console within seconds of the network's return with the time it was made, and the staff's
// acknowledgement reaches the person; the end of their session reaches the console too, and the
// next person is shown no call.
func TestCallMadeOfflineReachesStaff(t *testing.T) {
	h := newHall(t, hallOptions{})
	svc := h.service()
	ctx := context.Background()
	staff := console.Staff{ID: "desk-01", Hall: "soak hall"}
	src := h.server.StaffSource()
	var (
		made      time.Time
		back      time.Time
		view      service.CallView
		delivered time.Time
		acked     bool
		ended     bool
	)
	h.hook = func(now time.Time) bool {
		st := h.engine.Status()
		switch {
		case st.LastSuccess.IsZero():
		case made.IsZero() && h.link.Load() == linkUp:
			h.link.Store(linkDown)
			made = now.Add(2 * time.Hour) // two hours into the outage
		case back.IsZero() && now.Before(made):
		case view.ID == "":
			var err error
			if view, err = svc.CallStaff("pay"); err != nil {
				t.Errorf("F3 offline: %v", err)
				return false
			}
			if view.State != service.CallQueued {
				t.Errorf("a call made offline reads %q, want queued", view.State)
			}
		case back.IsZero() && now.Before(made.Add(30*time.Minute)):
		case back.IsZero():
			if st.State == uplink.Online {
				t.Errorf("online during the outage")
			}
			back = now
			h.link.Store(linkUp)
		case delivered.IsZero():
			calls, err := src.Calls(ctx, staff)
			if err != nil {
				t.Error(err)
				return false
			}
			if len(calls) == 1 {
				delivered = now
				if calls[0].ID != view.ID || calls[0].Screen != "pay" || calls[0].MadeAt.Sub(made).Abs() > 10*time.Second {
					t.Errorf("the console shows %+v, want call %s made at %v", calls[0], view.ID, made)
				}
				if err := src.Acknowledge(ctx, staff, h.kioskID, view.ID); err != nil {
					t.Error(err)
					return false
				}
			}
		case !acked:
			v, ok, err := svc.Call()
			if err != nil || !ok {
				t.Errorf("the person's call: %v %v", ok, err)
				return false
			}
			if v.State == service.CallComing {
				acked = true
				if err := svc.EndSession(); err != nil {
					t.Error(err)
					return false
				}
			}
		default:
			calls, _ := src.Calls(ctx, staff)
			if len(calls) == 1 && !calls[0].EndedAt.IsZero() {
				ended = true
				return false
			}
		}
		return now.Before(h.start.Add(6 * time.Hour))
	}
	h.run(time.Minute)
	if delivered.IsZero() || !acked || !ended {
		t.Fatalf("delivered %v, acknowledged %v, end delivered %v", delivered, acked, ended)
	}
	t.Logf("offline call delivered %v after the network came back", delivered.Sub(back))
	if d := delivered.Sub(back); d > 10*time.Second {
		t.Errorf("the call reached the console %v after the network came back, want within 10 s", d)
	}
	if v, ok, err := svc.Call(); err != nil || ok {
		t.Errorf("the next person is shown a call: %+v %v", v, err)
	}
}
