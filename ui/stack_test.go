package ui

import (
	"context"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/device"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server"
	"github.com/hallkiosk/kiosk/service"
	"github.com/hallkiosk/kiosk/storage"
	"github.com/hallkiosk/kiosk/uplink"
)

// liveStack is the real world behind the UI for flow tests that change something: a central server
// with demo data on loopback, the kiosk's encrypted store, its sync engine and the service.
// The UI clock is the real one (the server judges with its own clock).
type liveStack struct {
	demo     *server.Demo
	http     *httptest.Server
	store    *storage.Store
	engine   *uplink.Engine
	svc      *service.Service
	profile  *model.Profile
	now      time.Time
	receipts string // the file printer's directory
}

func newStack(t *testing.T, profile string) *liveStack {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	demo, err := server.NewDemo(ctx, t.TempDir(), profile, 7, 20, now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { demo.Close() })
	s := &liveStack{demo: demo, http: httptest.NewServer(demo.Server.Handler()), now: now,
		profile: demo.Reference.Profiles[profile], receipts: t.TempDir()}
	t.Cleanup(s.http.Close)
	secret, _ := hex.DecodeString(demo.Kiosk.Secret)
	s.startKiosk(t, api.NewClient(s.http.URL, demo.Kiosk.KioskID, secret, &http.Client{Timeout: 2 * time.Second}), secret)
	return s
}

// startKiosk opens the kiosk's store, runs its sync engine against the stack's server through
// client and builds the service, then waits until the engine is online.
func (s *liveStack) startKiosk(t *testing.T, client *api.Client, secret []byte) {
	t.Helper()
	var err error
	if s.store, _, err = storage.Open(filepath.Join(t.TempDir(), "kiosk.db"), secret, storage.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.store.Close() })
	s.engine = uplink.New(uplink.Config{Store: s.store, Client: client, Probe: 100 * time.Millisecond,
		MaxBackoff: 200 * time.Millisecond, RequestTimeout: 2 * time.Second, HeartbeatEvery: time.Hour,
		RefEvery: time.Hour, DegradedFor: 300 * time.Millisecond})
	ectx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = s.engine.Run(ectx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	s.svc = service.New(service.Config{Store: s.store, Client: client, Engine: s.engine, Profile: s.profile})
	for start := time.Now(); s.engine.Status().State != uplink.Online; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("the kiosk never came online: %+v", s.engine.Status())
		}
	}
}

// persona is the demo persona with key, as the stack's data holds it.
func (s *liveStack) persona(t *testing.T, key string) dataset.Persona {
	t.Helper()
	for _, p := range dataset.Personas(s.now) {
		if p.Key == key {
			return p
		}
	}
	t.Fatalf("no persona %q", key)
	return dataset.Persona{}
}

// newStackHarness drives a Model whose services are the stack's. Timers are recorded as in
// newHarness; commands (lookups, submissions, waits for the server) run for real.
func newStackHarness(t *testing.T, s *liveStack, mutate ...func(*Options)) *harness {
	t.Helper()
	h := &harness{t: t, now: time.Now()}
	opts := testOptions(t)
	opts.Profile = s.profile
	opts.Offline = &s.profile.Offline
	opts.Devices = device.Set{Face: device.SimFace{}, Card: &device.SimCard{}, Printer: paperPrinter{device.FilePrinter{Dir: s.receipts}}}
	opts.DemoIDs = nil
	for _, p := range dataset.Personas(s.now) {
		opts.DemoIDs = append(opts.DemoIDs, DemoIdentity{Name: p.Name, ID: p.ID, File: p.File})
	}
	h.start(opts, s.svc, mutate)
	return h
}

func TestStackIdentifiesAPersona(t *testing.T) {
	s := newStack(t, "national")
	h := newStackHarness(t, s)
	h.identifyAs(s.persona(t, "borrower-late"))
}

// paperPrinter stands for a kiosk's paper receipt printer in the flow tests: it keeps what it
// prints as files (for the tests to read), and says it puts paper in the person's hand.
type paperPrinter struct{ device.FilePrinter }

func (p paperPrinter) Info() device.Info { return device.Info{Name: "paper printer (test)"} }
