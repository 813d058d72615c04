package reliability

import (
	"context"
	"encoding/hex"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server"
	"github.com/hallkiosk/kiosk/server/store"
	"github.com/hallkiosk/kiosk/service"
	"github.com/hallkiosk/kiosk/storage"
	"github.com/hallkiosk/kiosk/uplink"
)

// A hall in compressed time: a real server (embedded store) and a kiosk (store and sync engine)
// that share one fake clock. The engine's waits move the clock instead of sleeping, so a week of
// the real retry schedule runs in seconds; the kiosk reaches the server through an in-process
// transport that can be cut (a network error, as when nothing listens) or made to fail (500).
// Scenario code runs on the engine's goroutine between its steps (the hook), so what happens
// at a given fake time happens exactly then.

// fakeTime is the true time of the hall; the kiosk's own clock may be off by skew.
type fakeTime struct {
	mu   sync.Mutex
	now  time.Time
	skew time.Duration
}

func (f *fakeTime) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// KioskNow is the kiosk's own clock: true time plus its skew.
func (f *fakeTime) KioskNow() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now.Add(f.skew)
}

func (f *fakeTime) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// Link states of the hall's transport.
const (
	linkUp   = iota
	linkDown // nothing answers: a network error
	link500  // the server answers 500 to everything
)

type hall struct {
	t       *testing.T
	start   time.Time // true time at the start
	kioskID string
	profile *model.Profile
	ref     *model.Reference
	time    *fakeTime
	central store.Store
	server  *server.Server
	data    *dataset.Data
	kiosk   *storage.Store
	clock   *uplink.Clock
	client  *api.Client
	engine  *uplink.Engine
	link    atomic.Int32
	// hook runs on the engine's goroutine after each wait, at the new time; it returns false
	// when the scenario is over.
	hook func(now time.Time) bool
	done chan struct{}
	// steps counts the engine's waits: its attempts and probes.
	steps int
}

type hallOptions struct {
	skew     time.Duration   // the kiosk clock's error
	storage  storage.Options // Now is set by the hall
	engine   uplink.Config   // Store, Client, Clock, Now and After are set by the hall
	people   int
	startsAt time.Time
}

func newHall(t *testing.T, o hallOptions) *hall {
	t.Helper()
	if o.people == 0 {
		o.people = 60
	}
	if o.startsAt.IsZero() {
		o.startsAt = time.Date(2026, 3, 2, 0, 30, 0, 0, time.UTC) // 08:30 in China, a Monday
	}
	ft := &fakeTime{now: o.startsAt, skew: o.skew}
	h := &hall{t: t, time: ft, start: o.startsAt, done: make(chan struct{})}
	ctx := context.Background()
	ref, err := model.LoadReference(assets.FS())
	if err != nil {
		t.Fatal(err)
	}
	p, err := ref.Profile("national")
	if err != nil {
		t.Fatal(err)
	}
	h.profile, h.ref = p, ref
	if h.central, err = store.Open(ctx, filepath.Join(t.TempDir(), "server.db")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.central.Close() })
	h.data = dataset.Demo(5, ft.Now(), o.people)
	if _, err := server.Import(ctx, h.central, p, h.data); err != nil {
		t.Fatal(err)
	}
	enr, err := server.Enroll(ctx, h.central, ref, "soak kiosk", "soak hall", "national", ft.Now())
	if err != nil {
		t.Fatal(err)
	}
	if h.server, err = server.New(ctx, server.Config{Store: h.central, Reference: ref, DefaultProfile: "national", Now: ft.Now}); err != nil {
		t.Fatal(err)
	}
	h.kioskID = enr.KioskID
	secret, _ := hex.DecodeString(enr.Secret)
	o.storage.Now = ft.KioskNow
	if h.kiosk, _, err = storage.Open(filepath.Join(t.TempDir(), "kiosk.db"), secret, o.storage); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.kiosk.Close() })
	h.clock = uplink.NewClock(ft.KioskNow)
	h.client = api.NewClientWithClock("http://hall", enr.KioskID, secret, &http.Client{Transport: h}, h.clock.Now)
	cfg := o.engine
	cfg.Store, cfg.Client, cfg.Clock, cfg.Now, cfg.After = h.kiosk, h.client, h.clock, ft.KioskNow, h.after
	h.engine = uplink.New(cfg)
	return h
}

// RoundTrip serves a request with the server's handler in process, unless the link is cut.
func (h *hall) RoundTrip(r *http.Request) (*http.Response, error) {
	switch h.link.Load() {
	case linkDown:
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	case link500:
		rec := httptest.NewRecorder()
		http.Error(rec, `{"code":"internal","message":"the server failed"}`, http.StatusInternalServerError)
		return rec.Result(), nil
	}
	rec := httptest.NewRecorder()
	h.server.Handler().ServeHTTP(rec, r)
	return rec.Result(), nil
}

// after is the engine's wait: the clock moves by d, then the scenario's hook runs.
func (h *hall) after(d time.Duration) <-chan time.Time {
	h.time.Advance(max(d, time.Millisecond))
	h.steps++
	ch := make(chan time.Time, 1)
	select {
	case <-h.done:
	default:
		if h.hook != nil && !h.hook(h.time.Now()) {
			close(h.done)
		}
	}
	ch <- h.time.Now()
	return ch
}

// run starts the engine and waits until the hook says the scenario is over.
func (h *hall) run(limit time.Duration) {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { _ = h.engine.Run(ctx); close(stopped) }()
	select {
	case <-h.done:
	case <-time.After(limit):
		cancel()
		<-stopped
		h.t.Fatalf("the scenario did not end within %s of real time (fake time %s)", limit, h.time.Now())
	}
	cancel()
	<-stopped
}

// payOp is a card payment of violation i of the hall's data, dated by the kiosk's corrected
// clock as the UI dates it.
func (h *hall) payOp(i int) api.Op {
	v := h.data.Violations[i%len(h.data.Violations)]
	return api.Op{ID: uplink.NewOpID(), Type: api.OpPay, At: h.clock.Now(), Pay: &api.PayOp{Method: "card",
		Reference: "soak", Items: []api.PayItem{{ViolationID: v.ID, FineFen: int64(v.Fine)}}}}
}

// enqueue queues op with a receipt of a realistic size, as the UI does.
func (h *hall) enqueue(op api.Op) api.Op {
	h.t.Helper()
	q, err := h.kiosk.Enqueue(op, make([]byte, 1200))
	if err != nil {
		h.t.Fatalf("enqueue at %s: %v", h.time.Now(), err)
	}
	h.engine.Wake()
	return q
}

// serverOutcome reads the server's stored outcome of an op ("" when it has none).
func (h *hall) serverOutcome(id string) string {
	h.t.Helper()
	var outcome string
	err := h.central.Read(context.Background(), func(r store.Reader) error {
		op, err := r.Op(id)
		if err == nil {
			outcome = op.Outcome
		}
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return outcome
}

func fileSize(t *testing.T, s *storage.Store) int64 {
	t.Helper()
	f, err := s.Fill()
	if err != nil {
		t.Fatal(err)
	}
	return f.FileBytes
}

// service is the kiosk's service over the hall's store, client and engine, as the terminal
// builds it.
func (h *hall) service() *service.Service {
	return service.New(service.Config{Store: h.kiosk, Client: h.client, Engine: h.engine, Profile: h.profile, Now: h.clock.Now})
}

// kioskStatus reads the kiosk's last heartbeat as the server stored it.
func (h *hall) kioskStatus() store.KioskStatus {
	h.t.Helper()
	var ks store.KioskStatus
	err := h.central.Read(context.Background(), func(r store.Reader) error {
		var err error
		ks, err = r.KioskStatus(h.kioskID)
		return err
	})
	if err != nil {
		h.t.Fatalf("kiosk status on the server: %v", err)
	}
	return ks
}

// otherKiosk enrols a second kiosk of the hall and returns its client, talking to the same
// server in process.
func (h *hall) otherKiosk() *api.Client {
	h.t.Helper()
	enr, err := server.Enroll(context.Background(), h.central, h.ref, "second kiosk", "soak hall", "national", h.time.Now())
	if err != nil {
		h.t.Fatal(err)
	}
	secret, _ := hex.DecodeString(enr.Secret)
	return api.NewClientWithClock("http://hall", enr.KioskID, secret, &http.Client{Transport: serverOnly{h}}, h.time.Now)
}

// serverOnly is the hall's server without the first kiosk's link conditions.
type serverOnly struct{ h *hall }

func (s serverOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	s.h.server.Handler().ServeHTTP(rec, r)
	return rec.Result(), nil
}

// reasonText is a reason's Chinese text as the server's catalogue words it (without its
// placeholders).
func (h *hall) reasonText(code model.ReasonCode) string {
	h.t.Helper()
	return h.ref.Texts.Reason(model.Reason{Code: code}, model.ZH).Message
}
