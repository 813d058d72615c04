package server

import (
	"bytes"
	"context"
	"encoding/hex"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/internal/pgtest"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// People and vehicles of the test data set.
const (
	idA   = "440308199901101512" // driver A, licence C1
	fileA = "440300000001"
	idB   = "11010519491231002X" // owner B, registered, licence C1
	fileB = "110100000002"
	idC   = "34052419800101001X" // C: a licence holder with no vehicles
	fileC = "340500000003"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func at(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, model.ChinaZone())
}

// env is a running server over one store, with an enrolled kiosk and a signing client.
type env struct {
	t      testing.TB
	store  store.Store
	srv    *Server
	http   *httptest.Server
	clock  *clock
	ref    *model.Reference
	kiosk  Enrollment
	client *api.Client
	logs   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// forEachStore runs f against the embedded store and PostgreSQL; opts adjust the server's
// configuration.
func forEachStore(t *testing.T, f func(t *testing.T, e *env), opts ...func(*Config)) {
	t.Run("sqlite", func(t *testing.T) {
		f(t, newEnv(t, filepath.Join(t.TempDir(), "server.db"), opts...))
	})
	t.Run("postgres", func(t *testing.T) {
		f(t, newEnv(t, pgtest.New(t), opts...))
	})
}

// simulatedPayments is the option of a server that simulates the payment channel.
func simulatedPayments(c *Config) { c.SimulatePayments = true }

func newEnv(t testing.TB, dsn string, opts ...func(*Config)) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return newEnvOn(t, st, opts...)
}

func newEnvOn(t testing.TB, st store.Store, opts ...func(*Config)) *env {
	t.Helper()
	ctx := context.Background()
	ref, err := model.LoadReference(assets.FS())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: st, ref: ref, clock: &clock{t: at(2026, time.November, 21, 10)}, logs: &syncBuffer{}}
	log := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := Config{Store: st, Reference: ref, DefaultProfile: "national", Log: log, Now: e.clock.Now}
	for _, opt := range opts {
		opt(&cfg)
	}
	e.srv, err = New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := ref.Profile("national")
	if _, err := Import(ctx, st, p, testData(t)); err != nil {
		t.Fatalf("import: %v", err)
	}
	e.kiosk, err = Enroll(ctx, st, ref, "test kiosk", "test hall", "national", e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	e.http = httptest.NewServer(e.srv.Handler())
	t.Cleanup(e.http.Close)
	e.client = e.newClient(e.kiosk)
	return e
}

func (e *env) newClient(k Enrollment) *api.Client {
	secret, err := hex.DecodeString(k.Secret)
	if err != nil {
		e.t.Fatal(err)
	}
	return api.NewClientWithClock(e.http.URL, k.KioskID, secret, nil, e.clock.Now)
}

// testData is a small data set with the seed stories the server tests need.
func testData(t testing.TB) *dataset.Data {
	t.Helper()
	mustPlate := func(typ, n string) model.Plate {
		p, err := model.ParsePlate(typ, n)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	person := func(id, name, file, classes string, registered bool) dataset.Person {
		cs, err := model.ParseLicenceClasses(classes)
		if err != nil {
			t.Fatal(err)
		}
		l := &model.Licence{ID: model.IDNumber(id), FileNumber: model.FileNumber(file), Classes: cs,
			Status: model.StatusNormal, FirstIssued: at(2015, time.March, 1, 0), Issuer: "粤B"}
		return dataset.Person{Driver: model.Driver{ID: model.IDNumber(id), Name: name, Phone: "13800138000"}, Licence: l, Registered: registered}
	}
	carA, carB := mustPlate("02", "粤B54321"), mustPlate("02", "粤B12345")
	vehicle := func(p model.Plate, owner string) dataset.Vehicle {
		return dataset.Vehicle{Vehicle: model.Vehicle{Plate: p, OwnerKind: model.OwnerPersonal, Owner: model.IDNumber(owner), Use: model.UseNonOperating}}
	}
	camera := func(id string, p model.Plate, when time.Time, points int, fine model.Fen) model.Violation {
		return model.Violation{ID: id, Plate: p, Time: when, Place: "深南大道与彩田路交叉口", Code: "1357", Points: points, Fine: fine,
			Source: model.SourceCamera, Status: model.StatusRecorded, Office: "福田交警大队", OfficeCode: "440304"}
	}
	decided := camera("V-DECIDED", carA, at(2026, time.September, 1, 9), 1, model.Yuan(100))
	decided.Status, decided.Decision, decided.Driver, decided.DecidedAt = model.StatusProcessed, mustDecision(t, 900), model.IDNumber(idA), at(2026, time.September, 10, 9)
	return &dataset.Data{
		People:   []dataset.Person{person(idA, "张伟", fileA, "C1", true), person(idB, "李娜", fileB, "C1", true), person(idC, "王芳", fileC, "C1", false)},
		Vehicles: []dataset.Vehicle{vehicle(carA, idA), vehicle(carB, idB)},
		Bindings: []model.Binding{{Driver: idA, Plate: carB, Owner: idB, Since: at(2026, time.September, 15, 10), Channel: model.ChannelCounter}},
		Violations: []model.Violation{
			camera("V-B-BEFORE", carB, at(2026, time.September, 1, 8), 3, model.Yuan(100)), // before the binding
			camera("V-B-AFTER", carB, at(2026, time.October, 10, 8), 3, model.Yuan(100)),   // after the binding
			camera("V-B-PARK", carB, at(2026, time.October, 11, 8), 0, model.Yuan(200)),
			camera("V-A-1", carA, at(2026, time.October, 12, 8), 1, model.Yuan(50)),
			camera("V-A-6", carA, at(2026, time.October, 13, 8), 6, model.Yuan(200)),
			camera("V-A-300", carA, at(2026, time.October, 14, 8), 3, model.Yuan(300)),
			decided,
		},
		Points: []dataset.PointsEntry{{Driver: idA, PointsEntry: model.PointsEntry{Decision: decided.Decision, Points: 1, EnteredAt: decided.DecidedAt}}},
	}
}

func mustDecision(t testing.TB, seq int64) model.DecisionNumber {
	n, err := model.NewDecisionNumber("440304", 2026, seq)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
