package service

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server"
	"github.com/hallkiosk/kiosk/storage"
	"github.com/hallkiosk/kiosk/uplink"
)

type rig struct {
	svc     *Service
	http    *httptest.Server
	store   *storage.Store
	engine  *uplink.Engine
	persona dataset.Persona
}

// newRig starts a server with demo data and a kiosk whose engine runs against it.
func newRig(t *testing.T) *rig {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	demo, err := server.NewDemo(ctx, t.TempDir(), "national", 5, 10, now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { demo.Close() })
	e, p := demo.Kiosk, demo.Reference.Profiles["national"]
	r := &rig{http: httptest.NewServer(demo.Server.Handler()), persona: dataset.Personas(now)[0]}
	t.Cleanup(r.http.Close)
	secret, _ := hex.DecodeString(e.Secret)
	if r.store, _, err = storage.Open(filepath.Join(t.TempDir(), "kiosk.db"), secret, storage.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.store.Close() })
	client := api.NewClient(r.http.URL, e.KioskID, secret, &http.Client{Timeout: time.Second})
	r.engine = uplink.New(uplink.Config{Store: r.store, Client: client, Probe: 100 * time.Millisecond,
		MaxBackoff: 200 * time.Millisecond, RequestTimeout: time.Second, HeartbeatEvery: time.Hour, RefEvery: time.Hour,
		DegradedFor: 300 * time.Millisecond})
	ectx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	go r.engine.Run(ectx)
	r.svc = New(Config{Store: r.store, Client: client, Engine: r.engine, Profile: p})
	return r
}

func (r *rig) waitState(t *testing.T, want uplink.State) {
	t.Helper()
	for start := time.Now(); r.engine.Status().State != want; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("state %v never reached", want)
		}
	}
}

func TestLookupFallsBackToTheCacheOffline(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	got, err := r.svc.Lookup(ctx, r.persona.ID, r.persona.File)
	if err != nil || got.FromCache || got.Person.IDNumber != string(r.persona.ID) {
		t.Fatalf("online lookup: %+v %v", got.Person, err)
	}
	if _, err := r.svc.Lookup(ctx, r.persona.ID, "000000000000"); !errors.Is(err, ErrNoMatch) {
		t.Errorf("wrong file number online: %v", err)
	}
	r.http.Close()
	r.waitState(t, uplink.Offline)
	got, err = r.svc.Lookup(ctx, r.persona.ID, r.persona.File)
	if err != nil || !got.FromCache || got.Person.IDNumber != string(r.persona.ID) {
		t.Fatalf("offline lookup of someone looked up before: %+v %v", got.Person, err)
	}
	other := dataset.Personas(time.Now())[1]
	if _, err := r.svc.Lookup(ctx, other.ID, other.File); !errors.Is(err, ErrUnreachable) {
		t.Errorf("offline lookup of someone never looked up: %v", err)
	}
	// Offline, the profile keeps the cache past the session end.
	if err := r.svc.EndSession(); err != nil {
		t.Fatal(err)
	}
	if got, err := r.svc.Lookup(ctx, r.persona.ID, r.persona.File); err != nil || !got.FromCache {
		t.Errorf("the cache should survive a session while offline: %v", err)
	}
}

func TestEndSessionWipesOnline(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	if _, err := r.svc.Lookup(ctx, r.persona.ID, r.persona.File); err != nil {
		t.Fatal(err)
	}
	r.waitState(t, uplink.Online)
	if err := r.svc.EndSession(); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := r.store.GetCache(cacheName(r.persona.ID, r.persona.File)); ok {
		t.Error("the session's lookup is still cached after the session ended online")
	}
}

func TestSubmitUnderTheOfflinePolicy(t *testing.T) {
	r := newRig(t)
	r.waitState(t, uplink.Online)
	pay := func() api.Op {
		return api.Op{Type: api.OpPay, At: time.Now(), Pay: &api.PayOp{Method: "card", Reference: "x",
			Items: []api.PayItem{{ViolationID: "V", FineFen: 20000}}}}
	}
	op, rs, err := r.svc.Submit(pay(), []byte("receipt"), model.Yuan(200))
	if err != nil || rs != nil || op.Seq != 1 {
		t.Fatalf("online submit: %+v %v %v", op, rs, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if res, err := r.svc.Await(ctx, op.Seq); err != nil || res == nil {
		t.Fatalf("await: %v %v", res, err)
	}
	r.http.Close()
	r.waitState(t, uplink.Offline)
	bind := api.Op{Type: api.OpBind, At: time.Now(), Bind: &api.BindOp{DriverID: "x", PlateType: "02", PlateNumber: "y", OwnerID: "z", OwnerFile: "w"}}
	if _, rs, err := r.svc.Submit(bind, nil, 0); err != nil || len(rs) != 1 || rs[0].Code != model.ReasonOfflineNotAllowed {
		t.Errorf("offline bind: %v %v", rs, err)
	}
	op, rs, err = r.svc.Submit(pay(), []byte("receipt"), model.Yuan(200))
	if err != nil || rs != nil || op.Seq != 2 {
		t.Errorf("offline payment within bounds: %+v %v %v", op, rs, err)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	if res, _ := r.svc.Await(short, op.Seq); res != nil {
		t.Error("an offline payment cannot have a result yet: it is pending confirmation")
	}
	if _, rs, _ := r.svc.Submit(pay(), nil, model.Yuan(3000)); len(rs) == 0 || rs[0].Code != model.ReasonOfflineAmount {
		t.Errorf("offline payments above the amount bound: %v", rs)
	}
}
