package uplink

import (
	"context"
	"encoding/hex"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server"
	"github.com/hallkiosk/kiosk/server/store"
	"github.com/hallkiosk/kiosk/storage"
)

// rig is a real server on a fixed loopback address that can be stopped and started, and a
// kiosk store with an engine pointed at it.
type rig struct {
	t       *testing.T
	addr    string
	handler http.Handler
	srv     *http.Server
	kiosk   server.Enrollment
	central store.Store // the server's store
	store   *storage.Store
	data    *dataset.Data
	mu      sync.Mutex
	states  []State
}

func newRig(t *testing.T) *rig {
	t.Helper()
	demo, err := server.NewDemo(context.Background(), t.TempDir(), "national", 3, 20, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { demo.Close() })
	r := &rig{t: t, handler: demo.Server.Handler(), data: demo.Data, kiosk: demo.Kiosk, central: demo.Store}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	ln.Close()
	r.up()
	secret, _ := hex.DecodeString(r.kiosk.Secret)
	if r.store, _, err = storage.Open(filepath.Join(t.TempDir(), "kiosk.db"), secret, storage.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.store.Close(); r.down() })
	return r
}

func (r *rig) up() {
	ln, err := net.Listen("tcp", r.addr)
	if err != nil {
		r.t.Fatal(err)
	}
	r.srv = &http.Server{Handler: r.handler}
	go r.srv.Serve(ln)
}

func (r *rig) down() {
	if r.srv != nil {
		r.srv.Close()
		r.srv = nil
	}
}

func (r *rig) engine() (*Engine, context.CancelFunc) {
	secret, _ := hex.DecodeString(r.kiosk.Secret)
	e := New(Config{Store: r.store, Client: api.NewClient("http://"+r.addr, r.kiosk.KioskID, secret, &http.Client{Timeout: 2 * time.Second}),
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 500 * time.Millisecond, Probe: 200 * time.Millisecond,
		HeartbeatEvery: time.Hour, RefEvery: time.Hour, DegradedFor: 300 * time.Millisecond, RequestTimeout: time.Second,
		OnStatus: func(s Status) { r.mu.Lock(); r.states = append(r.states, s.State); r.mu.Unlock() }})
	ctx, cancel := context.WithCancel(context.Background())
	go e.Run(ctx)
	r.t.Cleanup(cancel)
	return e, cancel
}

// payOp is a payment of a violation of the demo data.
func (r *rig) payOp(i int) api.Op {
	v := r.data.Violations[i%len(r.data.Violations)]
	return api.Op{ID: NewOpID(), Type: api.OpPay, At: time.Now(), Pay: &api.PayOp{Method: "card", Reference: "r",
		Items: []api.PayItem{{ViolationID: v.ID, FineFen: int64(v.Fine)}}}}
}

func waitFor(t *testing.T, what string, limit time.Duration, ok func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !ok() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

func TestDrainsInOrderAndReportsOnline(t *testing.T) {
	r := newRig(t)
	for i := 0; i < 120; i++ {
		if _, err := r.store.Enqueue(r.payOp(i), nil); err != nil {
			t.Fatal(err)
		}
	}
	e, _ := r.engine()
	e.Wake()
	waitFor(t, "drain 120 operations", 10*time.Second, func() bool { d, _ := r.store.Depth(); return d == 0 })
	waitFor(t, "online", 5*time.Second, func() bool { return e.Status().State == Online })
	acked, err := r.store.Entries(storage.StateAcked)
	if err != nil || len(acked) != 120 {
		t.Fatalf("acked %d, %v", len(acked), err)
	}
	for i, a := range acked {
		if a.Seq != int64(i+1) || a.Result == nil || a.Result.Outcome == api.OutcomeDeferred {
			t.Fatalf("entry %d: seq %d result %+v", i, a.Seq, a.Result)
		}
	}
	// The reference data came along, with a cursor.
	cursor, docs, err := r.store.Reference()
	if err != nil || cursor == "" || len(docs) != 4 {
		t.Errorf("reference: cursor %q, %d documents, %v", cursor, len(docs), err)
	}
}

// The server goes away and comes back: the state follows within 5 s each way, nothing queued
// meanwhile is lost, and everything is sent once it is back.
func TestOfflineAndBack(t *testing.T) {
	r := newRig(t)
	e, _ := r.engine()
	waitFor(t, "online at start", 5*time.Second, func() bool { return e.Status().State == Online })
	r.down()
	took := waitFor(t, "offline after the server went away", 5*time.Second, func() bool { return e.Status().State == Offline })
	t.Logf("offline noticed after %s", took)
	for i := 0; i < 10; i++ {
		r.store.Enqueue(r.payOp(i), nil)
		e.Wake()
	}
	if d, _ := r.store.Depth(); d != 10 {
		t.Fatalf("depth while offline: %d", d)
	}
	r.up()
	took = waitFor(t, "online after the server came back", 5*time.Second, func() bool { return e.Status().State == Online })
	t.Logf("online noticed after %s", took)
	waitFor(t, "drain after the outage", 5*time.Second, func() bool { d, _ := r.store.Depth(); return d == 0 })
	r.mu.Lock()
	defer r.mu.Unlock()
	sawOffline := false
	for _, s := range r.states {
		sawOffline = sawOffline || s == Offline
	}
	if !sawOffline {
		t.Errorf("the UI was never told about the outage: %v", r.states)
	}
}

// A rejected operation is kept for staff and does not block the queue.
func TestRejectedIsSurfacedAndDoesNotBlock(t *testing.T) {
	r := newRig(t)
	bad := api.Op{ID: NewOpID(), Type: api.OpProcess, At: time.Now(),
		Process: &api.ProcessOp{DriverID: "not an id", ViolationIDs: []string{"x"}}}
	r.store.Enqueue(bad, nil)
	r.store.Enqueue(r.payOp(1), nil)
	e, _ := r.engine()
	waitFor(t, "drain", 5*time.Second, func() bool { d, _ := r.store.Depth(); return d == 0 })
	rej, _ := r.store.Entries(storage.StateRejected)
	if len(rej) != 1 || rej[0].Op.ID != bad.ID || rej[0].Result.Reasons[0].Code != string(model.ReasonOpMalformed) {
		t.Fatalf("rejected: %+v", rej)
	}
	waitFor(t, "status counts the rejection", 2*time.Second, func() bool { return e.Status().Rejected == 1 })
}

// A server that cannot write (its database read-only, or its disk full) answers 503: the kiosk
// keeps the operations queued, shows that the server cannot take them, and sends them once the
// server can write again.
func TestServerThatCannotWriteKeepsOperations(t *testing.T) {
	r := newRig(t)
	e, _ := r.engine()
	waitFor(t, "online at start", 5*time.Second, func() bool { return e.Status().State == Online })
	ctx := context.Background()
	if err := store.TestingExec(ctx, r.central, "PRAGMA query_only = 1"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if _, err := r.store.Enqueue(r.payOp(i), nil); err != nil {
			t.Fatal(err)
		}
	}
	e.Wake()
	waitFor(t, "the server's answer seen", 5*time.Second, func() bool {
		return e.Status().LastError == "server answered store_read_only"
	})
	if st := e.Status(); st.State == Online {
		t.Errorf("a server that cannot record is not online for the kiosk: %+v", st)
	}
	pending, err := r.store.Pending(10)
	done, _ := r.store.Entries(storage.StateAcked, storage.StateRejected)
	if err != nil || len(pending) != 5 || len(done) != 0 {
		t.Fatalf("while the server cannot write: %d pending, %d done, %v", len(pending), len(done), err)
	}
	if err := store.TestingExec(ctx, r.central, "PRAGMA query_only = 0"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "drain once the server can write", 10*time.Second, func() bool { d, _ := r.store.Depth(); return d == 0 })
	if acked, _ := r.store.Entries(storage.StateAcked); len(acked) != 5 {
		t.Errorf("acked %d of 5", len(acked))
	}
}
