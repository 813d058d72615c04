package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/console"
)

// A kiosk's call reaches the staff of its hall, and only them; acknowledging and closing it
// show in the kiosk's next answer; sending it again stores it once; the end of the person's
// session is recorded once.
func TestCallReachesItsHallsStaff(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		made := e.clock.Now().Add(-20 * time.Second)
		call := api.StaffCall{ID: "call-1", Screen: "process", MadeAt: made}
		reply, err := e.client.Calls(ctx, api.CallsRequest{Calls: []api.StaffCall{call}})
		if err != nil {
			t.Fatal(err)
		}
		if len(reply.Calls) != 1 || reply.Calls[0].ID != "call-1" || reply.Calls[0].State != api.CallOpen {
			t.Fatalf("reply %+v, want call-1 open", reply.Calls)
		}
		src := e.srv.StaffSource()
		mine := console.Staff{ID: "desk-1", Hall: "test hall"}
		other := console.Staff{ID: "desk-9", Hall: "another hall"}
		admin := console.Staff{ID: "chief", Admin: true}

		calls, err := src.Calls(ctx, mine)
		if err != nil {
			t.Fatal(err)
		}
		if len(calls) != 1 || calls[0].ID != "call-1" || calls[0].KioskID != e.kiosk.KioskID || calls[0].Hall != "test hall" ||
			calls[0].Screen != "process" || !calls[0].MadeAt.Equal(made) || calls[0].State != console.CallOpen {
			t.Fatalf("the hall's staff see %+v", calls)
		}
		if calls, err := src.Calls(ctx, other); err != nil || len(calls) != 0 {
			t.Fatalf("another hall's staff see %+v (%v)", calls, err)
		}
		if calls, err := src.Calls(ctx, admin); err != nil || len(calls) != 1 {
			t.Fatalf("an admin sees %+v (%v)", calls, err)
		}
		if err := src.Acknowledge(ctx, other, e.kiosk.KioskID, "call-1"); !errors.Is(err, console.ErrNotAllowed) {
			t.Fatalf("another hall acknowledged: %v", err)
		}

		e.clock.Add(30 * time.Second)
		if err := src.Acknowledge(ctx, mine, e.kiosk.KioskID, "call-1"); err != nil {
			t.Fatal(err)
		}
		if err := src.Acknowledge(ctx, admin, e.kiosk.KioskID, "call-1"); !errors.Is(err, console.ErrConflict) {
			t.Fatalf("a second acknowledgement: %v, want ErrConflict", err)
		}
		if err := src.Acknowledge(ctx, mine, e.kiosk.KioskID, "call-404"); !errors.Is(err, console.ErrNotFound) {
			t.Fatalf("an unknown call: %v, want ErrNotFound", err)
		}
		// The kiosk sends it again (its answer was lost, say) with the session's end.
		end := e.clock.Now()
		call.EndedAt = &end
		reply, err = e.client.Calls(ctx, api.CallsRequest{Calls: []api.StaffCall{call}})
		if err != nil {
			t.Fatal(err)
		}
		if got := reply.Calls[0]; got.State != api.CallComing || got.AckedAt == nil || !got.AckedAt.Equal(end) {
			t.Fatalf("after the acknowledgement the kiosk reads %+v", got)
		}
		calls, _ = src.Calls(ctx, mine)
		if len(calls) != 1 || calls[0].AckedBy != "desk-1" || !calls[0].EndedAt.Equal(end) {
			t.Fatalf("after the resend the console reads %+v", calls)
		}
		if err := src.CloseCall(ctx, mine, e.kiosk.KioskID, "call-1"); err != nil {
			t.Fatal(err)
		}
		reply, _ = e.client.Calls(ctx, api.CallsRequest{Calls: []api.StaffCall{call}})
		if got := reply.Calls[0]; got.State != api.CallClosed || got.ClosedAt == nil {
			t.Fatalf("after closing the kiosk reads %+v", got)
		}
		// Closed calls stay on the console for ten minutes, then leave it.
		if calls, _ := src.Calls(ctx, mine); len(calls) != 1 || calls[0].ClosedBy != "desk-1" {
			t.Fatalf("just closed: %+v", calls)
		}
		e.clock.Add(11 * time.Minute)
		if calls, _ := src.Calls(ctx, mine); len(calls) != 0 {
			t.Fatalf("closed 11 minutes ago, still shown: %+v", calls)
		}
		for _, want := range []string{`"staff_call_acknowledged"`, `"staff":"desk-1"`, `"staff_call_closed"`, `"staff_call_acknowledged_refused"`} {
			if !strings.Contains(e.logs.String(), want) {
				t.Errorf("logs lack %s", want)
			}
		}
	})
}

// A kiosk's calls are bounded: at most MaxOpenCallsPerKiosk open, more are refused and not
// stored; bad ids, screens and list lengths are refused whole; times outside the window are
// replaced by the server's.
func TestCallsAreBounded(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		now := e.clock.Now()
		var calls []api.StaffCall
		for i := range api.MaxOpenCallsPerKiosk + 2 {
			calls = append(calls, api.StaffCall{ID: fmt.Sprintf("c%d", i), Screen: "welcome", MadeAt: now})
		}
		reply, err := e.client.Calls(ctx, api.CallsRequest{Calls: calls})
		if err != nil {
			t.Fatal(err)
		}
		refused := 0
		for _, c := range reply.Calls {
			if c.State == api.CallRefused {
				refused++
			}
		}
		if refused != 2 {
			t.Fatalf("refused %d of %d calls, want 2: %+v", refused, len(calls), reply.Calls)
		}
		staff := console.Staff{ID: "desk-1", Hall: "test hall"}
		if got, _ := e.srv.StaffSource().Calls(ctx, staff); len(got) != api.MaxOpenCallsPerKiosk {
			t.Fatalf("stored %d calls, want %d", len(got), api.MaxOpenCallsPerKiosk)
		}
		future := now.Add(time.Hour)
		ok := api.StaffCall{ID: "later", Screen: "pay", MadeAt: future}
		for name, req := range map[string]api.CallsRequest{
			"no calls":     {},
			"17 calls":     {Calls: make([]api.StaffCall, api.MaxCallsPerRequest+1)},
			"bad id":       {Calls: []api.StaffCall{{ID: "a/b", Screen: "pay", MadeAt: now}}},
			"long id":      {Calls: []api.StaffCall{{ID: strings.Repeat("a", 65), Screen: "pay", MadeAt: now}}},
			"twice":        {Calls: []api.StaffCall{ok, ok}},
			"ESC screen":   {Calls: []api.StaffCall{{ID: "x", Screen: "\x1b[2J", MadeAt: now}}},
			"empty screen": {Calls: []api.StaffCall{{ID: "x", MadeAt: now}}},
		} {
			var se *api.StatusError
			if _, err := e.client.Calls(ctx, req); !errors.As(err, &se) || se.Status != 400 {
				t.Errorf("%s: %v, want 400", name, err)
			}
		}
		// A full kiosk's close frees a place; the future time is the server's.
		if err := e.srv.StaffSource().CloseCall(ctx, staff, e.kiosk.KioskID, "c0"); err != nil {
			t.Fatal(err)
		}
		if reply, err := e.client.Calls(ctx, api.CallsRequest{Calls: []api.StaffCall{ok}}); err != nil || reply.Calls[0].State != api.CallOpen {
			t.Fatalf("after a close: %+v %v", reply, err)
		}
		got, _ := e.srv.StaffSource().Calls(ctx, staff)
		last := got[len(got)-1]
		if last.ID != "later" || !last.MadeAt.Equal(now) {
			t.Fatalf("a call dated an hour ahead is stored as %+v, want made at the server's %v", last, now)
		}
	})
}

// The fleet view: a kiosk's state and since when from its heartbeats (online, degraded by a
// printer out of paper, offline after three silent minutes), its devices as reported, and its
// rejected operations, which staff follow up once.
func TestFleetFromHeartbeats(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		src := e.srv.StaffSource()
		staff := console.Staff{ID: "desk-1", Hall: "test hall"}
		fleet := func() console.Kiosk {
			t.Helper()
			ks, err := src.Fleet(ctx, staff)
			if err != nil || len(ks) != 1 {
				t.Fatalf("fleet %+v %v", ks, err)
			}
			return ks[0]
		}
		if k := fleet(); k.State != console.KioskOffline {
			t.Fatalf("before any heartbeat: %+v", k)
		}
		if ks, _ := src.Fleet(ctx, console.Staff{ID: "x", Hall: "another hall"}); len(ks) != 0 {
			t.Fatalf("another hall sees %+v", ks)
		}
		first := e.clock.Now()
		beat := func(printer string) {
			t.Helper()
			hb := api.Heartbeat{Version: "1.5.0", OutboxDepth: 3, DeviceStates: map[string]api.DeviceStatus{
				api.DevicePrinter: {State: printer, Name: "receipt printer"}, api.DeviceIDReader: {State: api.DeviceOK}}}
			if _, err := e.client.Heartbeat(ctx, hb); err != nil {
				t.Fatal(err)
			}
		}
		beat(api.DeviceOK)
		e.clock.Add(time.Minute)
		beat(api.DeviceOK)
		k := fleet()
		if k.State != console.KioskOnline || !k.Since.Equal(first) || k.Version != "1.5.0" || k.OutboxDepth != 3 ||
			len(k.Devices) != 2 || k.Devices[0].Kind != "id_reader" || k.Devices[1].State != "ok" {
			t.Fatalf("online kiosk %+v, want online since %v", k, first)
		}
		e.clock.Add(time.Minute)
		out := e.clock.Now()
		beat(api.DevicePaperOut)
		e.clock.Add(time.Minute)
		beat(api.DevicePaperOut)
		k = fleet()
		if k.State != console.KioskDegraded || !k.Since.Equal(out) || len(k.Problems) != 1 || k.Problems[0] != "printer.paper_out" {
			t.Fatalf("paper out: %+v, want degraded since %v", k, out)
		}
		last := e.clock.Now()
		e.clock.Add(3 * time.Minute)
		if k = fleet(); k.State != console.KioskOffline || !k.Since.Equal(last) {
			t.Fatalf("silent 3 minutes: %+v, want offline since %v", k, last)
		}
		// Back: a new run of contact begins.
		back := e.clock.Now()
		beat(api.DeviceOK)
		if k = fleet(); k.State != console.KioskOnline || !k.Since.Equal(back) {
			t.Fatalf("back: %+v, want online since %v", k, back)
		}

		// A rejected operation: a payment of a violation the kiosk's time cannot cover.
		op := goodPay(e.clock.Now().Add(time.Hour))
		res, err := e.client.Ops(ctx, []api.Op{op})
		if err != nil || res.Results[0].Outcome != "rejected" {
			t.Fatalf("op %+v %v", res, err)
		}
		k = fleet()
		if k.RejectedOpen != 1 || k.State != console.KioskDegraded {
			t.Fatalf("with a rejection: %+v", k)
		}
		rej, err := src.Rejections(ctx, staff, e.kiosk.KioskID)
		if err != nil || len(rej) != 1 || rej[0].OpID != "op-1" || rej[0].Type != "pay" || len(rej[0].Reasons) != 1 ||
			rej[0].Reasons[0] != "op.time_future" {
			t.Fatalf("rejections %+v %v", rej, err)
		}
		if _, err := src.Rejections(ctx, console.Staff{ID: "x", Hall: "another hall"}, e.kiosk.KioskID); !errors.Is(err, console.ErrNotAllowed) {
			t.Fatalf("another hall read the rejections: %v", err)
		}
		if err := src.FollowUp(ctx, staff, e.kiosk.KioskID, "op-1"); err != nil {
			t.Fatal(err)
		}
		if err := src.FollowUp(ctx, staff, e.kiosk.KioskID, "op-1"); !errors.Is(err, console.ErrConflict) {
			t.Fatalf("a second follow-up: %v", err)
		}
		if err := src.FollowUp(ctx, staff, e.kiosk.KioskID, "op-404"); !errors.Is(err, console.ErrNotFound) {
			t.Fatalf("an unknown op: %v", err)
		}
		rej, _ = src.Rejections(ctx, staff, e.kiosk.KioskID)
		if rej[0].FollowedUpBy != "desk-1" || rej[0].FollowedUpAt.IsZero() {
			t.Fatalf("followed up: %+v", rej[0])
		}
		if k = fleet(); k.RejectedOpen != 0 || k.State != console.KioskOnline {
			t.Fatalf("after the follow-up: %+v", k)
		}
	})
}

// A device state the server does not know is kept as unknown, not refused (the heartbeat is how
// staff learn the kiosk is alive), and a device time in the future is dropped; an older kiosk's
// "name: state" strings are read as well as they can be.
func TestDeviceStatesFromAnyKiosk(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/server.db")
	ctx := context.Background()
	future := e.clock.Now().Add(time.Hour)
	hb := api.Heartbeat{Version: "2.0", DeviceStates: map[string]api.DeviceStatus{
		"printer": {State: "on_fire", Name: "printer 2", Since: &future}},
		Devices: map[string]string{"face": "simulated camera: simulated", "card": "POS: jammed"}}
	if _, err := e.client.Heartbeat(ctx, hb); err != nil {
		t.Fatal(err)
	}
	ks, err := e.srv.StaffSource().Fleet(ctx, console.Staff{ID: "a", Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []console.Device{{Kind: "card", Name: "POS", State: "unknown"}, {Kind: "face", Name: "simulated camera", State: "simulated"},
		{Kind: "printer", Name: "printer 2", State: "unknown"}}
	if fmt.Sprint(ks[0].Devices) != fmt.Sprint(want) {
		t.Fatalf("devices %+v, want %+v", ks[0].Devices, want)
	}
}
