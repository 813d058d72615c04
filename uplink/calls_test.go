package uplink

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/storage"
)

// fakeServer is the server's side of the calls as a Client: it keeps what it was sent, answers
// calls from its own table of states, and can be made unreachable.
type fakeServer struct {
	mu       sync.Mutex
	down     bool
	log      []string // "calls", "ops", "heartbeat", "changes", in order
	requests []api.CallsRequest
	states   map[string]api.CallState // the server's state of each call it has
	beats    []api.Heartbeat
}

func newFakeServer() *fakeServer { return &fakeServer{states: map[string]api.CallState{}} }

var errUnreachable = &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}

func (f *fakeServer) exchange(what string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, what)
	if f.down {
		return errUnreachable
	}
	return nil
}

func (f *fakeServer) Ops(_ context.Context, ops []api.Op) (api.OpsResponse, error) {
	if err := f.exchange("ops"); err != nil {
		return api.OpsResponse{}, err
	}
	var resp api.OpsResponse
	for _, op := range ops {
		resp.Results = append(resp.Results, api.OpResult{OpID: op.ID, Seq: op.Seq, Outcome: api.OutcomeApplied})
	}
	return resp, nil
}

func (f *fakeServer) Changes(context.Context, string) (api.Changes, error) {
	return api.Changes{Cursor: "1.0"}, f.exchange("changes")
}

func (f *fakeServer) Heartbeat(_ context.Context, hb api.Heartbeat) (api.HeartbeatReply, error) {
	if err := f.exchange("heartbeat"); err != nil {
		return api.HeartbeatReply{}, err
	}
	f.mu.Lock()
	f.beats = append(f.beats, hb)
	f.mu.Unlock()
	return api.HeartbeatReply{}, nil
}

func (f *fakeServer) Calls(_ context.Context, req api.CallsRequest) (api.CallsReply, error) {
	if err := f.exchange("calls"); err != nil {
		return api.CallsReply{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, req)
	var reply api.CallsReply
	for _, c := range req.Calls {
		st, ok := f.states[c.ID]
		if !ok {
			st = api.CallState{ID: c.ID, State: api.CallOpen}
			f.states[c.ID] = st
		}
		reply.Calls = append(reply.Calls, st)
	}
	return reply, nil
}

func (f *fakeServer) StaleClock(error) (time.Time, bool) { return time.Time{}, false }

func (f *fakeServer) setDown(down bool) { f.mu.Lock(); f.down = down; f.mu.Unlock() }

func (f *fakeServer) set(st api.CallState) { f.mu.Lock(); f.states[st.ID] = st; f.mu.Unlock() }

// callRequests returns the calls requests so far and forgets them.
func (f *fakeServer) takeRequests() []api.CallsRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.requests
	f.requests = nil
	return out
}

func (f *fakeServer) takeLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.log
	f.log = nil
	return out
}

// fakeTime is a clock that moves only when told.
type fakeTime struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeTime) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeTime) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// callRig is an engine over a kiosk store and a fake server, stepped by the test.
type callRig struct {
	srv      *fakeServer
	store    *storage.Store
	clock    *fakeTime
	engine   *Engine
	mu       sync.Mutex
	statuses []Status
}

func newCallRig(t *testing.T) *callRig {
	t.Helper()
	r := &callRig{srv: newFakeServer(), clock: &fakeTime{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}}
	var err error
	r.store, _, err = storage.Open(filepath.Join(t.TempDir(), "kiosk.db"), []byte("test secret: 32 bytes of entropy"),
		storage.Options{Now: r.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.store.Close() })
	r.engine = New(Config{Store: r.store, Client: r.srv, Now: r.clock.Now, HeartbeatEvery: time.Hour, RefEvery: time.Hour,
		OnStatus: func(s Status) { r.mu.Lock(); r.statuses = append(r.statuses, s); r.mu.Unlock() }})
	return r
}

func (r *callRig) step() time.Duration { return r.engine.step(context.Background()) }

func (r *callRig) addCall(t *testing.T, id string) storage.Call {
	t.Helper()
	c, err := r.store.AddCall(api.StaffCall{ID: id, Screen: "overview", MadeAt: r.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// lastStatus is the last status the UI was told of.
func (r *callRig) lastStatus() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.statuses) == 0 {
		return Status{}
	}
	return r.statuses[len(r.statuses)-1]
}

func callIDs(req api.CallsRequest) []string {
	var ids []string
	for _, c := range req.Calls {
		ids = append(ids, c.ID)
	}
	return ids
}

// A call made while the server cannot be reached waits in the store, the kiosk shows it is
// offline, and the call is delivered (before the outbox) once the server is back; the answer
// reaches the UI and the journal records the delivery.
func TestCallMadeOfflineIsDeliveredAfterReconnection(t *testing.T) {
	r := newCallRig(t)
	r.srv.setDown(true)
	r.addCall(t, "call-1")
	if _, err := r.store.Enqueue(api.Op{ID: "op-1", Type: api.OpPay, At: r.clock.Now(),
		Pay: &api.PayOp{Method: "card", Items: []api.PayItem{{ViolationID: "v1", FineFen: 100}}}}, nil); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		r.clock.Advance(r.step())
	}
	if st := r.engine.Status(); st.State != Offline || st.Problem != Unreachable {
		t.Fatalf("while the server is away: %+v", st)
	}
	if got, _, _ := r.store.CallByID("call-1"); got.State != "" || !got.Live() {
		t.Fatalf("the call while offline: %+v", got)
	}
	r.srv.takeLog()
	r.srv.setDown(false)
	r.clock.Advance(r.step())
	if log := r.srv.takeLog(); len(log) < 2 || log[0] != "calls" || log[1] != "ops" {
		t.Errorf("after reconnection the kiosk sent %v, want the calls first, then the operations", log)
	}
	got, _, _ := r.store.CallByID("call-1")
	if got.State != api.CallOpen || got.DeliveredAt.IsZero() {
		t.Fatalf("the call after reconnection: %+v", got)
	}
	if st := r.lastStatus(); st.CallUpdates != 1 || st.LiveCalls != 1 || st.State != Online {
		t.Errorf("the UI was told %+v", st)
	}
	entries, _ := r.store.Journal(0, 0)
	delivered := slices.IndexFunc(entries, func(e storage.JournalEntry) bool {
		return e.Event == storage.EventCallDelivered && e.OpID == "call-1"
	})
	if delivered < 0 {
		t.Error("the delivery is not in the journal")
	}
}

// While a call is live the engine asks about it every Probe, and an acknowledgement in an
// answer reaches the UI at once; a closed call is asked about no more.
func TestLiveCallIsPolledUntilClosed(t *testing.T) {
	r := newCallRig(t)
	r.addCall(t, "call-1")
	r.step()
	if reqs := r.srv.takeRequests(); len(reqs) != 1 {
		t.Fatalf("%d requests at first", len(reqs))
	}
	r.clock.Advance(time.Second)
	r.step()
	if reqs := r.srv.takeRequests(); len(reqs) != 0 {
		t.Fatalf("asked again after a second: %d requests", len(reqs))
	}
	acked := r.clock.Now()
	r.srv.set(api.CallState{ID: "call-1", State: api.CallComing, AckedAt: &acked})
	r.clock.Advance(time.Second)
	if wait := r.step(); wait > 2*time.Second {
		t.Errorf("the engine waits %s with a live call", wait)
	}
	if reqs := r.srv.takeRequests(); len(reqs) != 1 {
		t.Fatalf("not asked again after Probe: %d requests", len(reqs))
	}
	got, _, _ := r.store.CallByID("call-1")
	if got.State != api.CallComing || got.AckedAt == nil || !got.AckedAt.Equal(acked) {
		t.Fatalf("after the acknowledgement: %+v", got)
	}
	if st := r.lastStatus(); st.CallUpdates != 2 {
		t.Errorf("the UI was not told of the acknowledgement: %+v", st)
	}
	r.srv.set(api.CallState{ID: "call-1", State: api.CallClosed})
	r.clock.Advance(2 * time.Second)
	r.step()
	r.clock.Advance(10 * time.Second)
	r.step()
	if reqs := r.srv.takeRequests(); len(reqs) != 1 {
		t.Errorf("%d requests after the call was closed, want only the one that learnt it", len(reqs))
	}
	if st := r.lastStatus(); st.LiveCalls != 0 {
		t.Errorf("live calls %d", st.LiveCalls)
	}
}

// A session that ends with its call open sends the end at once (staff learn the person may
// have gone), and then the call is not sent any more.
func TestEndedCallIsDeliveredWithItsEnd(t *testing.T) {
	r := newCallRig(t)
	r.addCall(t, "call-1")
	r.step()
	r.srv.takeRequests()
	r.clock.Advance(100 * time.Millisecond)
	end := r.clock.Now()
	if _, err := r.store.EndCall("call-1", end); err != nil {
		t.Fatal(err)
	}
	r.step() // well within Probe: the end goes at once
	reqs := r.srv.takeRequests()
	if len(reqs) != 1 || len(reqs[0].Calls) != 1 || reqs[0].Calls[0].EndedAt == nil || !reqs[0].Calls[0].EndedAt.Equal(end) {
		t.Fatalf("requests after the end: %+v", reqs)
	}
	if live, _ := r.store.LiveCalls(); len(live) != 0 {
		t.Errorf("still live after its end was delivered: %+v", live)
	}
	r.clock.Advance(time.Minute)
	r.step()
	if reqs := r.srv.takeRequests(); len(reqs) != 0 {
		t.Errorf("sent again after its end was delivered: %+v", reqs)
	}
}

// More live calls than one request takes go in several, the newest first.
func TestManyCallsGoInChunksNewestFirst(t *testing.T) {
	r := newCallRig(t)
	r.srv.setDown(true)
	var ids []string
	for i := range api.MaxCallsPerRequest + 4 {
		id := "call-" + string(rune('a'+i))
		r.addCall(t, id)
		ids = append(ids, id)
		r.clock.Advance(time.Second)
	}
	r.step()
	r.srv.setDown(false)
	r.srv.takeRequests()
	r.clock.Advance(time.Minute)
	r.step()
	reqs := r.srv.takeRequests()
	if len(reqs) != 2 || len(reqs[0].Calls) != api.MaxCallsPerRequest || len(reqs[1].Calls) != 4 {
		t.Fatalf("requests: %v", reqs)
	}
	slices.Reverse(ids)
	if got := append(callIDs(reqs[0]), callIDs(reqs[1])...); !slices.Equal(got, ids) {
		t.Errorf("sent %v, want %v", got, ids)
	}
}

// The heartbeat carries each device's state as the kiosk's monitor reports it.
func TestHeartbeatCarriesDeviceStates(t *testing.T) {
	r := newCallRig(t)
	since := r.clock.Now()
	r.engine.cfg.Devices = func() map[string]api.DeviceStatus {
		return map[string]api.DeviceStatus{api.DevicePrinter: {State: api.DevicePaperOut, Name: "receipt printer", Since: &since}}
	}
	r.engine.cfg.HeartbeatEvery = time.Second
	r.step()
	r.srv.mu.Lock()
	defer r.srv.mu.Unlock()
	if len(r.srv.beats) == 0 {
		t.Fatal("no heartbeat")
	}
	got := r.srv.beats[0].DeviceStates[api.DevicePrinter]
	if got.State != api.DevicePaperOut || got.Since == nil || !got.Since.Equal(since) {
		t.Errorf("heartbeat's printer: %+v", got)
	}
}

// oldServer is a server without POST /v1/calls (404), or one that refuses the kiosk's calls as
// they are (400).
type oldServer struct {
	*fakeServer
	status int
}

func (o oldServer) Calls(context.Context, api.CallsRequest) (api.CallsReply, error) {
	o.exchange("calls")
	return api.CallsReply{}, &api.StatusError{Status: o.status, Body: api.Error{Code: "refused"}}
}

// Against a server that does not know calls yet, or refuses them, the outbox still drains and
// the kiosk is online; the call stays stored and is offered again after a while.
func TestServerWithoutCallsDoesNotBlockTheOutbox(t *testing.T) {
	for _, status := range []int{http.StatusNotFound, http.StatusBadRequest} {
		t.Run(http.StatusText(status), func(t *testing.T) { refusedCallsDoNotBlock(t, status) })
	}
}

func refusedCallsDoNotBlock(t *testing.T, status int) {
	r := newCallRig(t)
	r.engine.cfg.Client = oldServer{r.srv, status}
	r.addCall(t, "call-1")
	if _, err := r.store.Enqueue(api.Op{ID: "op-1", Type: api.OpPay, At: r.clock.Now(),
		Pay: &api.PayOp{Method: "card", Items: []api.PayItem{{ViolationID: "v1", FineFen: 100}}}}, nil); err != nil {
		t.Fatal(err)
	}
	r.step()
	if d, _ := r.store.Depth(); d != 0 {
		t.Fatalf("the outbox waits behind the calls: depth %d", d)
	}
	if st := r.engine.Status(); st.State != Online {
		t.Errorf("status %+v", st)
	}
	r.srv.takeLog()
	r.clock.Advance(time.Minute)
	r.step()
	if log := r.srv.takeLog(); slices.Contains(log, "calls") {
		t.Errorf("asked again within a minute: %v", log)
	}
	r.clock.Advance(callsUnsupportedWait + time.Second)
	r.step()
	if log := r.srv.takeLog(); !slices.Contains(log, "calls") {
		t.Errorf("not asked again after %s: %v", callsUnsupportedWait, log)
	}
	if live, _ := r.store.LiveCalls(); len(live) != 1 {
		t.Errorf("the call was dropped: %+v", live)
	}
}
