package service

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/storage"
	"github.com/hallkiosk/kiosk/uplink"
)

// callServer plays the server for the sync engine: it answers calls from a table of states the
// test sets, and can be unreachable.
type callServer struct {
	mu     sync.Mutex
	down   bool
	states map[string]api.CallState
	got    []api.StaffCall // every call reported, in order
}

func (f *callServer) err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	}
	return nil
}

func (f *callServer) Ops(_ context.Context, ops []api.Op) (api.OpsResponse, error) {
	var resp api.OpsResponse
	for _, op := range ops {
		resp.Results = append(resp.Results, api.OpResult{OpID: op.ID, Seq: op.Seq, Outcome: api.OutcomeApplied})
	}
	return resp, f.err()
}

func (f *callServer) Changes(context.Context, string) (api.Changes, error) {
	return api.Changes{Cursor: "1.0"}, f.err()
}

func (f *callServer) Heartbeat(context.Context, api.Heartbeat) (api.HeartbeatReply, error) {
	return api.HeartbeatReply{}, f.err()
}

func (f *callServer) Calls(_ context.Context, req api.CallsRequest) (api.CallsReply, error) {
	if err := f.err(); err != nil {
		return api.CallsReply{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var reply api.CallsReply
	for _, c := range req.Calls {
		f.got = append(f.got, c)
		st, ok := f.states[c.ID]
		if !ok {
			st = api.CallState{ID: c.ID, State: api.CallOpen}
			f.states[c.ID] = st
		}
		reply.Calls = append(reply.Calls, st)
	}
	return reply, nil
}

func (f *callServer) StaleClock(error) (time.Time, bool) { return time.Time{}, false }

func (f *callServer) set(st api.CallState) { f.mu.Lock(); f.states[st.ID] = st; f.mu.Unlock() }

func (f *callServer) setDown(down bool) { f.mu.Lock(); f.down = down; f.mu.Unlock() }

// reported returns the last report of call id the server received.
func (f *callServer) reported(id string) (api.StaffCall, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.got) - 1; i >= 0; i-- {
		if f.got[i].ID == id {
			return f.got[i], true
		}
	}
	return api.StaffCall{}, false
}

type callRig struct {
	svc      *Service
	srv      *callServer
	store    *storage.Store
	engine   *uplink.Engine
	statuses chan uplink.Status
}

// newCallRig runs a kiosk's service and sync engine against a callServer. The engine polls
// every 20 ms of real time: what is measured here is order and content, not durations.
func newCallRig(t *testing.T, now func() time.Time) *callRig {
	t.Helper()
	r := &callRig{srv: &callServer{states: map[string]api.CallState{}}, statuses: make(chan uplink.Status, 100)}
	var err error
	path := filepath.Join(t.TempDir(), "kiosk.db")
	if r.store, _, err = storage.Open(path, []byte("test secret: 32 bytes of entropy"), storage.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.store.Close() })
	r.engine = uplink.New(uplink.Config{Store: r.store, Client: r.srv, Probe: 20 * time.Millisecond,
		MaxBackoff: 50 * time.Millisecond, HeartbeatEvery: time.Hour, RefEvery: time.Hour, DegradedFor: 100 * time.Millisecond,
		OnStatus: func(s uplink.Status) {
			select {
			case r.statuses <- s:
			default:
			}
		}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = r.engine.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	r.svc = New(Config{Store: r.store, Engine: r.engine, Profile: testProfile(t), Now: now})
	return r
}

func within(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for start := time.Now(); !ok(); time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("%s: not within 5 s", what)
		}
	}
}

func (r *callRig) view(t *testing.T) (CallView, bool) {
	t.Helper()
	v, ok, err := r.svc.Call()
	if err != nil {
		t.Fatal(err)
	}
	return v, ok
}

// F3 while the platform cannot be reached: the call is saved and says so (queued, offline); it
// is delivered when the platform is back, and staff's acknowledgement reaches Call() and the
// UI's status feed. F3 again does not make another call.
func TestCallStaffQueuedThenAcknowledged(t *testing.T) {
	made := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	r := newCallRig(t, func() time.Time { return made })
	r.srv.setDown(true)
	within(t, "offline", func() bool { return r.engine.Status().State == uplink.Offline })
	v, err := r.svc.CallStaff("overview")
	if err != nil {
		t.Fatal(err)
	}
	if v.State != CallQueued || !v.Offline || !v.MadeAt.Equal(made) || !v.Live() {
		t.Fatalf("a call made offline: %+v", v)
	}
	again, err := r.svc.CallStaff("pay")
	if err != nil || again.ID != v.ID {
		t.Fatalf("F3 again made another call: %+v, %v", again, err)
	}
	if all, _ := r.store.Calls(); len(all) != 1 {
		t.Fatalf("%d calls stored", len(all))
	}
	for len(r.statuses) > 0 {
		<-r.statuses
	}

	r.srv.setDown(false)
	within(t, "delivered", func() bool { v, _ := r.view(t); return v.State == CallSent && !v.Offline })
	if got, ok := r.srv.reported(v.ID); !ok || got.Screen != "overview" || !got.MadeAt.Equal(made) {
		t.Errorf("the server got %+v", got)
	}
	acked := made.Add(2 * time.Minute)
	r.srv.set(api.CallState{ID: v.ID, State: api.CallComing, AckedAt: &acked})
	within(t, "acknowledged", func() bool { v, _ := r.view(t); return v.State == CallComing })
	if v, _ := r.view(t); !v.AckedAt.Equal(acked) {
		t.Errorf("acknowledged at %v, want %v", v.AckedAt, acked)
	}
	within(t, "the UI told of the acknowledgement", func() bool {
		for {
			select {
			case s := <-r.statuses:
				if s.CallUpdates >= 2 {
					return true
				}
			default:
				return false
			}
		}
	})
}

// A session's end ends its call: the server hears when, and the next person starts with no
// call; their F3 makes a call of their own.
func TestNewSessionShowsNoCall(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	r := newCallRig(t, clock)
	if _, ok := r.view(t); ok {
		t.Fatal("a call before anyone pressed F3")
	}
	first, err := r.svc.CallStaff("identify")
	if err != nil {
		t.Fatal(err)
	}
	within(t, "delivered", func() bool { v, _ := r.view(t); return v.State == CallSent })
	mu.Lock()
	now = now.Add(5 * time.Minute)
	mu.Unlock()
	if err := r.svc.EndSession(); err != nil {
		t.Fatal(err)
	}
	if v, ok := r.view(t); ok {
		t.Fatalf("the next person sees the last one's call: %+v", v)
	}
	within(t, "the end reaches the server", func() bool {
		c, _ := r.srv.reported(first.ID)
		return c.EndedAt != nil && c.EndedAt.Equal(clock())
	})
	within(t, "nothing left to send", func() bool { live, _ := r.store.LiveCalls(); return len(live) == 0 })
	second, err := r.svc.CallStaff("welcome")
	if err != nil || second.ID == first.ID || second.State != CallQueued && second.State != CallSent {
		t.Fatalf("the next person's call: %+v, %v", second, err)
	}
}

// Going back to identification (the person is still there) keeps the call; a closed call lets
// the person call again.
func TestCallOutlivesForgetPersonAndClosedCallMayBeRenewed(t *testing.T) {
	r := newCallRig(t, nil)
	v, err := r.svc.CallStaff("overview")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.svc.ForgetPerson(); err != nil {
		t.Fatal(err)
	}
	if got, ok := r.view(t); !ok || got.ID != v.ID {
		t.Fatalf("going back to identification lost the call: %+v", got)
	}
	r.srv.set(api.CallState{ID: v.ID, State: api.CallClosed})
	within(t, "closed", func() bool { got, _ := r.view(t); return got.State == CallClosed && !got.Live() })
	next, err := r.svc.CallStaff("overview")
	if err != nil || next.ID == v.ID {
		t.Fatalf("F3 after a closed call: %+v, %v", next, err)
	}
}

// Calls a process left open (it died in a session) are ended by the next one.
func TestStartEndsCallsOfAnEarlierProcess(t *testing.T) {
	r := newCallRig(t, nil)
	r.srv.setDown(true)
	v, err := r.svc.CallStaff("overview")
	if err != nil {
		t.Fatal(err)
	}
	later := New(Config{Store: r.store, Engine: r.engine, Profile: testProfile(t)})
	if _, ok, _ := later.Call(); ok {
		t.Error("a new process shows the last one's call")
	}
	c, _, _ := r.store.CallByID(v.ID)
	if c.EndedAt == nil || !c.Live() {
		t.Errorf("the earlier call: %+v, want ended and still to be delivered", c)
	}
}

func testProfile(t *testing.T) *model.Profile {
	t.Helper()
	ref, err := model.LoadReference(assets.FS())
	if err != nil {
		t.Fatal(err)
	}
	return ref.Profiles["national"]
}
