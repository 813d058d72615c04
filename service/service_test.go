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

// goOffline stops the server and waits until the engine is offline with a failed attempt since:
// an outage the engine saw earlier (a request that timed out on a busy machine) is no proof of
// this one, and an exchange under way when the server stopped may still succeed and bring the
// engine back online. The engine makes one exchange at a time, so a failure counted after the
// stop comes after that exchange.
func (r *rig) goOffline(t *testing.T) {
	t.Helper()
	r.http.Close()
	before := r.engine.Status().FailedAttempts
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		if st := r.engine.Status(); st.State == uplink.Offline && st.FailedAttempts > before {
			return
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("the engine did not go offline after the server stopped: %+v", r.engine.Status())
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
	r.goOffline(t)
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
	r.goOffline(t)
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

// Offline, an operation waiting in the outbox counts in every judgement of its person: after a
// processing is queued, the cached lookup shows its violations processed by the driver with the
// points added to the cycle total, so they cannot be picked again and the forecast starts from
// the right total; a queued payment shows its violation paid. Online (the operation delivered
// and the server's answer in the lookup) nothing is counted twice.
func TestQueuedOperationsCountOffline(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	first, err := r.svc.Lookup(ctx, r.persona.ID, r.persona.File)
	if err != nil {
		t.Fatal(err)
	}
	p := r.svc.cfg.Profile
	var pick []api.Violation
	for _, v := range first.Violations {
		if v.Status == string(model.StatusRecorded) && v.Points > 0 {
			pick = append(pick, v)
		}
	}
	if len(pick) == 0 {
		t.Fatal("the persona has no recorded violation with points")
	}
	v := pick[0]
	r.waitState(t, uplink.Online)
	r.goOffline(t)
	op := api.Op{Type: api.OpProcess, At: time.Now(), Process: &api.ProcessOp{DriverID: string(r.persona.ID),
		ViolationIDs: []string{v.ID}, DriverFace: api.FaceMatch, SeenPoints: first.Points.Total}}
	if _, rs, err := r.svc.Submit(op, []byte("receipt"), 0); err != nil || len(rs) > 0 {
		t.Fatalf("offline processing: %v %v", rs, err)
	}
	again, err := r.svc.Lookup(ctx, r.persona.ID, r.persona.File)
	if err != nil || !again.FromCache {
		t.Fatalf("offline lookup: %v (from cache %v)", err, again.FromCache)
	}
	if again.Points.Total != first.Points.Total+v.Points {
		t.Errorf("cycle total %d, want %d + the queued %d points", again.Points.Total, first.Points.Total, v.Points)
	}
	if pend, ok := again.Pending[v.ID]; !ok || pend.OpType != api.OpProcess {
		t.Errorf("pending of %s = %+v %v", v.ID, pend, ok)
	}
	c, vs, err := again.Case(p, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	eval := model.NewEvaluator(c)
	for _, mv := range vs {
		if el := eval.Evaluate(mv); mv.ID == v.ID && el.Action == model.ActionProcess {
			t.Errorf("the queued violation can be processed again: %+v", el)
		}
	}
	// The first lookup, untouched, still shows it recorded: the overlay works on a copy.
	for _, w := range first.Violations {
		if w.ID == v.ID && w.Status != string(model.StatusRecorded) {
			t.Errorf("the earlier lookup changed: %+v", w)
		}
	}
}

// A queued operation the platform rejects reaches its person: Rejections lists it (with its
// reasons) beside the server's notices from other kiosks, newest first and each once; once the
// person acknowledges it here it is no longer listed, even when the server could not be told.
func TestRejectionsReachThePerson(t *testing.T) {
	r := newRig(t)
	r.waitState(t, uplink.Online)
	r.goOffline(t)
	id := string(r.persona.ID)
	op, err := r.store.Enqueue(api.Op{ID: "op-local", Type: api.OpProcess, At: time.Now().Add(-time.Hour),
		Process: &api.ProcessOp{DriverID: id, ViolationIDs: []string{"V1"}, DriverFace: api.FaceMatch}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := r.store.Enqueue(api.Op{ID: "op-other", Type: api.OpProcess, At: time.Now(),
		Process: &api.ProcessOp{DriverID: "110101199003074578", ViolationIDs: []string{"V2"}, DriverFace: api.FaceMatch}}, nil)
	err = r.store.Complete([]api.OpResult{
		{OpID: op.ID, Seq: op.Seq, Outcome: api.OutcomeRejected, Reasons: []api.Reason{{Code: string(model.ReasonWouldReachFull), N: 13, Limit: 12}}},
		{OpID: other.ID, Seq: other.Seq, Outcome: api.OutcomeRejected}})
	if err != nil {
		t.Fatal(err)
	}
	l := api.Lookup{Person: api.Person{IDNumber: id}, Rejections: []api.Rejection{
		{OpID: "op-elsewhere", OpType: api.OpPay, At: time.Now().Add(-48 * time.Hour), Kiosk: "hall 2 kiosk 3",
			RejectedAt: time.Now().Add(-47 * time.Hour), Reasons: []api.Reason{{Code: string(model.ReasonOpTimeTooOld)}}},
		{OpID: "op-local", OpType: api.OpProcess, RejectedAt: time.Now()}, // the same, as the server has it
	}}
	got, err := r.svc.Rejections(l)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].OpID != "op-local" || !got[0].Here || got[0].Reasons[0].Code != model.ReasonWouldReachFull ||
		got[1].OpID != "op-elsewhere" || got[1].Here || got[1].Kiosk != "hall 2 kiosk 3" {
		t.Fatalf("rejections = %+v", got)
	}
	err = r.svc.AckRejections(context.Background(), r.persona.ID, []string{"op-local"})
	if !errors.Is(err, ErrUnreachable) {
		t.Errorf("acknowledging while the server is down: %v, want ErrUnreachable", err)
	}
	l.Rejections = l.Rejections[:1]
	if got, _ := r.svc.Rejections(l); len(got) != 1 || got[0].OpID != "op-elsewhere" {
		t.Errorf("after acknowledging here: %+v", got)
	}
	// Staff still see it until they dismiss it.
	if rej, _ := r.svc.Rejected(); len(rej) != 2 {
		t.Errorf("staff see %d rejected operations, want 2", len(rej))
	}
}

// A session begins with a person identified and ends with EndSession: the engine's compaction
// waits for it. A failed identification is no session (nothing would end it).
func TestIdleFollowsSessions(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	if _, err := r.svc.Lookup(ctx, r.persona.ID, "000000000000"); !errors.Is(err, ErrNoMatch) || !r.svc.Idle() {
		t.Fatalf("after a failed identification: %v, idle %v", err, r.svc.Idle())
	}
	if _, err := r.svc.Lookup(ctx, r.persona.ID, r.persona.File); err != nil || r.svc.Idle() {
		t.Fatalf("after an identification: %v, idle %v", err, r.svc.Idle())
	}
	if err := r.svc.EndSession(); err != nil || !r.svc.Idle() {
		t.Fatalf("after the session ended: %v, idle %v", err, r.svc.Idle())
	}
}
