package ui

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/service"
	"github.com/hallkiosk/kiosk/storage"
	"github.com/hallkiosk/kiosk/uplink"
)

// testNow is the fixed instant of every test: personas' ID numbers and the golden screens
// depend on it.
var testNow = time.Date(2026, time.November, 21, 10, 30, 0, 0, model.ChinaZone())

// fakeService answers lookups for the demo personas from fixed records.
type fakeService struct {
	mu          sync.Mutex
	people      map[model.IDNumber]dataset.Persona
	unreachable bool
	cached      bool // answer as if from the cache while offline
	failWith    error
	lookups     int
	ended       int
	seq         int64
	results     map[int64]*api.OpResult
	// rejections are what every lookup reports as not accepted; acknowledging them records the
	// ids and, unless ackErr is another failure than an unreachable platform, drops them.
	rejections []service.Rejection
	acks       [][]string
	ackErr     error
	// The person's call for staff: call is the current one (nil: none), made by CallStaff on
	// the fake's clock (now, testNow when nil) unless callErr; screens are the screens calls
	// were made from; EndSession forgets the call, ForgetPerson counts forgot.
	call    *service.CallView
	callErr error
	screens []string
	rings   int
	forgot  int
	now     func() time.Time
}

func newFakeService(t *testing.T) *fakeService {
	t.Helper()
	f := &fakeService{people: map[model.IDNumber]dataset.Persona{}}
	for _, p := range dataset.Personas(testNow) {
		f.people[p.ID] = p
	}
	return f
}

// LookupCard is Lookup with the file number the fake knows for the card's holder.
func (f *fakeService) LookupCard(ctx context.Context, id model.IDNumber) (service.Looked, error) {
	f.mu.Lock()
	p, ok := f.people[id]
	f.mu.Unlock()
	if !ok {
		return service.Looked{}, service.ErrNoMatch
	}
	return f.Lookup(ctx, id, p.File)
}

func (f *fakeService) Lookup(_ context.Context, id model.IDNumber, file model.FileNumber) (service.Looked, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	switch {
	case f.failWith != nil:
		return service.Looked{}, f.failWith
	case f.unreachable:
		return service.Looked{}, service.ErrUnreachable
	}
	p, ok := f.people[id]
	if !ok || p.File != file {
		return service.Looked{}, service.ErrNoMatch
	}
	return service.Looked{Rejections: append([]service.Rejection(nil), f.rejections...), FromCache: f.cached, CachedAt: map[bool]time.Time{true: testNow.Add(-20 * time.Minute)}[f.cached], Lookup: api.Lookup{
		ServerTime: testNow,
		Person:     api.Person{IDNumber: string(p.ID), Name: p.Name},
		Licence:    &api.Licence{FileNumber: string(p.File), Classes: "C1", Status: "A", Issuer: "粤B", FirstIssued: "2015-06-15"},
		Points:     api.Points{CycleStart: "2026-06-15", CycleEnd: "2027-06-15", Total: 3, FullScore: 12},
		Vehicles: []api.Vehicle{{PlateType: "02", PlateNumber: "粤B7Q2M5", Relation: "own", OwnerKind: "personal",
			OwnerID: string(p.ID), Use: "non_operating"}},
		Violations: []api.Violation{
			{ID: "v1", Status: string(model.StatusRecorded), Points: 3, FineFen: 10000, PlateType: "02",
				PlateNumber: "粤B7Q2M5", Code: "1039", Source: "non_on_site", Time: testNow.AddDate(0, 0, -20),
				Place: "深南大道", CatalogueZH: "违反规定停放", CatalogueEN: "Illegal parking"},
			{ID: "v2", Status: string(model.StatusPaid), PlateType: "02", PlateNumber: "粤B7Q2M5", Code: "1039",
				Source: "non_on_site", Time: testNow.AddDate(0, -2, 0), Place: "深南大道"},
		},
	}}, nil
}

func (f *fakeService) EndSession() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ended++
	f.call = nil
	return nil
}

func (f *fakeService) ForgetPerson() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.forgot++
	return nil
}

func (f *fakeService) CallStaff(screen string) (service.CallView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.callErr != nil {
		return service.CallView{}, f.callErr
	}
	if f.call != nil && f.call.Live() {
		f.rings++
		return *f.call, nil
	}
	now := testNow
	if f.now != nil {
		now = f.now()
	}
	f.screens = append(f.screens, screen)
	f.call = &service.CallView{ID: "call-" + strconv.Itoa(len(f.screens)), State: service.CallQueued, MadeAt: now,
		Offline: f.unreachable}
	return *f.call, nil
}

func (f *fakeService) Call() (service.CallView, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.call == nil {
		return service.CallView{}, false, nil
	}
	f.call.Offline = f.unreachable // as the service reads the engine's state on each call
	return *f.call, true, nil
}

// setCall changes the state of the current call, as the sync engine would on the server's
// answer; the test then sends a status message, as the engine would.
func (f *fakeService) setCall(state service.CallState, acked time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call.State, f.call.AckedAt = state, acked
	f.call.Offline = f.unreachable
}

// harness drives a Model the way the program would, synchronously: commands run at once and
// their messages go back into Update. Timers do not run; they are recorded and the test fires
// them after moving the clock.
type harness struct {
	t      *testing.T
	m      *Model
	svc    *fakeService
	now    time.Time
	timers []tea.Msg
	quit   bool
}

func newHarness(t *testing.T, mutate ...func(*Options)) *harness {
	t.Helper()
	h := &harness{t: t, svc: newFakeService(t), now: testNow}
	h.svc.now = func() time.Time { return h.now }
	h.start(testOptions(t), h.svc, mutate)
	return h
}

// start builds the model from opts (changed by mutate) with the harness's clock and timers and
// the services svc, and brings it to the welcome screen at 80x24, online.
func (h *harness) start(opts Options, svc Services, mutate []func(*Options)) {
	h.t.Helper()
	opts.Now = func() time.Time { return h.now }
	opts.After = func(_ time.Duration, msg tea.Msg) tea.Cmd {
		h.timers = append(h.timers, msg)
		return nil
	}
	opts.Connect = func(context.Context) (Services, error) { return svc, nil }
	for _, f := range mutate {
		f(&opts)
	}
	m, err := New(opts)
	if err != nil {
		h.t.Fatal(err)
	}
	h.m = m
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	h.run(m.Init())
	h.send(netStatusMsg{status: uplink.Status{State: uplink.Online}})
}

func testOptions(t testing.TB) Options {
	t.Helper()
	texts, err := ParseTexts(assets.UITexts())
	if err != nil {
		t.Fatal(err)
	}
	ref, err := model.LoadReference(assets.FS())
	if err != nil {
		t.Fatal(err)
	}
	var ids []DemoIdentity
	for _, p := range dataset.Personas(testNow) {
		d := DemoIdentity{Name: p.Name, ID: p.ID, File: p.File, StoryZH: p.Story, StoryEN: p.StoryEN}
		for _, plate := range p.Vehicles {
			vin, cert := dataset.DemoVehicleNumbers(plate)
			d.Vehicles = append(d.Vehicles, DemoVehicle{Plate: string(plate.Number), VINTail: string(vin.Tail()), RegCert: string(cert)})
		}
		ids = append(ids, d)
	}
	return Options{Texts: texts, Reasons: ref.Texts, Lang: model.ZH, Demo: true, DemoIDs: ids, SimulatedPayments: true, Profile: ref.Profiles["national"], Catalogue: ref.Catalogue,
		Hall: "深圳市福田车管所", IdleTimeout: 90 * time.Second, IdleWarning: 30 * time.Second}
}

func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	_, cmd := h.m.Update(msg)
	h.run(cmd)
}

// run executes cmd and feeds what it returns back in, depth first, as the program would.
func (h *harness) run(cmd tea.Cmd) {
	h.t.Helper()
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			h.run(c)
		}
	case tea.QuitMsg:
		h.quit = true
	default:
		h.send(msg)
	}
}

func (h *harness) press(keys ...tea.KeyPressMsg) {
	h.t.Helper()
	for _, k := range keys {
		h.send(k)
	}
}

// typeText types each character as its own key press, as a keypad would.
func (h *harness) typeText(s string) {
	h.t.Helper()
	for _, r := range s {
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// advance moves the clock and delivers the timers that were pending, like the runtime would
// (each check decides itself whether it is due).
func (h *harness) advance(d time.Duration) {
	h.t.Helper()
	h.now = h.now.Add(d)
	pending := h.timers
	h.timers = nil
	for _, msg := range pending {
		h.send(msg)
	}
}

// view is the screen as text, ANSI styles removed.
func (h *harness) view() string { return ansi.Strip(h.m.View().Content) }

func (h *harness) mustShow(parts ...string) {
	h.t.Helper()
	v := h.view()
	for _, p := range parts {
		if !strings.Contains(v, p) {
			h.t.Fatalf("screen lacks %q:\n%s", p, v)
		}
	}
}

func (h *harness) mustNotShow(parts ...string) {
	h.t.Helper()
	v := h.view()
	for _, p := range parts {
		if strings.Contains(v, p) {
			h.t.Fatalf("screen shows %q:\n%s", p, v)
		}
	}
}

// text is a catalogue text in lang, for assertions that must not repeat the wording.
func (h *harness) text(lang model.Lang, k textKey, kv ...string) string {
	return h.m.c.Texts.Get(lang, k, kv...)
}

var (
	keyEnter = tea.KeyPressMsg{Code: tea.KeyEnter}
	keyEsc   = tea.KeyPressMsg{Code: tea.KeyEscape}
	keyBack  = tea.KeyPressMsg{Code: tea.KeyBackspace}
	keyF1    = tea.KeyPressMsg{Code: tea.KeyF1}
	keyF2    = tea.KeyPressMsg{Code: tea.KeyF2}
	keyF3    = tea.KeyPressMsg{Code: tea.KeyF3}
	keyF4    = tea.KeyPressMsg{Code: tea.KeyF4}
	keyCtrlC = tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	keyCtrlZ = tea.KeyPressMsg{Code: 'z', Mod: tea.ModCtrl}
	keyCtrlB = tea.KeyPressMsg{Code: '\\', Mod: tea.ModCtrl}
)

// persona returns the demo persona with key.
func persona(t *testing.T, key string) dataset.Persona {
	t.Helper()
	for _, p := range dataset.Personas(testNow) {
		if p.Key == key {
			return p
		}
	}
	t.Fatalf("no persona %q", key)
	return dataset.Persona{}
}

// identifyAs goes from the welcome screen to the overview of p.
func (h *harness) identifyAs(p dataset.Persona) {
	h.t.Helper()
	h.typeText("1")
	h.identifyFromHere(p)
}

// identifyFromHere types p's ID number and file number on the identify screen and confirms.
func (h *harness) identifyFromHere(p dataset.Persona) {
	h.t.Helper()
	h.typeText(string(p.ID))
	h.typeText(string(p.File))
	h.press(keyEnter)
	if h.m.id != overviewID {
		h.t.Fatalf("not on the overview after identifying:\n%s", h.view())
	}
}

// The fake plays the platform for the flows too, in memory and at once: every submitted
// operation is applied (processing issues one decision per violation), phone orders wait until
// the staff key marks them paid. Flows against the real server are in stack_test.go.
func (f *fakeService) Verify(_ context.Context, id model.IDNumber, file model.FileNumber) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.people[id]
	if !ok || p.File != file {
		return false, service.ErrNoMatch
	}
	return true, nil
}

// VerifyOwner is Verify answering a token, as the server does for a vehicle's owner.
func (f *fakeService) VerifyOwner(ctx context.Context, id model.IDNumber, file model.FileNumber, _ model.IDNumber, _ model.Plate) (string, error) {
	if _, err := f.Verify(ctx, id, file); err != nil {
		return "", err
	}
	return "0123456789abcdef0123456789abcdef", nil
}

func (f *fakeService) Submit(op api.Op, _ []byte, _ model.Fen) (api.Op, []model.Reason, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failWith != nil {
		return api.Op{}, nil, f.failWith
	}
	f.seq++
	op.Seq = f.seq
	if op.ID == "" {
		op.ID = "fake-op"
	}
	res := &api.OpResult{OpID: op.ID, Seq: op.Seq, Outcome: api.OutcomeApplied, AppliedAt: testNow}
	if op.Process != nil {
		for i, v := range op.Process.ViolationIDs {
			res.Decisions = append(res.Decisions, api.Decision{Number: "440305202600000" + string(rune('1'+i%9)) + "01X",
				ViolationID: v, Points: 3, FineFen: 10000, DueDate: "2026-12-06"})
		}
	}
	if f.results == nil {
		f.results = map[int64]*api.OpResult{}
	}
	f.results[op.Seq] = res
	return op, nil, nil
}

func (f *fakeService) Check(string, model.Fen) ([]model.Reason, error) { return nil, nil }

func (f *fakeService) Record(op api.Op, receipt []byte) (api.Op, error) {
	q, _, err := f.Submit(op, receipt, 0)
	return q, err
}

func (f *fakeService) Await(_ context.Context, seq int64) (*api.OpResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.results[seq], nil
}

func (f *fakeService) Unconfirmed(model.IDNumber) ([]storage.Entry, error) { return nil, nil }

func (f *fakeService) AckRejections(_ context.Context, _ model.IDNumber, ids []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.acks = append(f.acks, ids)
	if f.ackErr == nil || errors.Is(f.ackErr, service.ErrUnreachable) {
		f.rejections = nil
	}
	return f.ackErr
}

func (f *fakeService) CreatePayOrder(_ context.Context, req api.PayOrderRequest) (api.PayOrder, error) {
	var amount int64
	for _, it := range req.Items {
		amount += it.FineFen + it.LateFeeFen
	}
	return api.PayOrder{OrderID: req.OrderID, Status: api.PayOrderWaiting, AmountFen: amount, Items: req.Items,
		QR: "HKPAY:FAKE0001", ExpiresAt: testNow.Add(15 * time.Minute)}, nil
}

func (f *fakeService) PayOrder(_ context.Context, id string) (api.PayOrder, error) {
	return api.PayOrder{OrderID: id, Status: api.PayOrderWaiting, QR: "HKPAY:FAKE0001"}, nil
}

func (f *fakeService) CancelPayOrder(_ context.Context, id string) (api.PayOrder, error) {
	return api.PayOrder{OrderID: id, Status: api.PayOrderCancelled}, nil
}

func (f *fakeService) SimulatePaid(_ context.Context, id string) (api.PayOrder, error) {
	at := testNow
	return api.PayOrder{OrderID: id, Status: api.PayOrderPaid, PaidAt: &at, Reference: "SIMQR-FAKE"}, nil
}
