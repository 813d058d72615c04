package server

import (
	"context"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/internal/pgtest"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// forEachOpenStore runs f on a fresh store of each kind, for tests that wrap the store before a
// server is built on it.
func forEachOpenStore(t *testing.T, f func(t *testing.T, st store.Store)) {
	open := func(t *testing.T, dsn string) store.Store {
		st, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatalf("open store: %v", err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	t.Run("sqlite", func(t *testing.T) { f(t, open(t, filepath.Join(t.TempDir(), "server.db"))) })
	t.Run("postgres", func(t *testing.T) { f(t, open(t, pgtest.New(t))) })
}

// importHistory imports decided violations of office 440304 in 2026 with the given sequence
// numbers, as a real history carries them.
func (e *env) importHistory(seqs ...int64) map[model.DecisionNumber]bool {
	e.t.Helper()
	plate, _ := model.ParsePlate("02", "粤B54321")
	taken := map[model.DecisionNumber]bool{}
	d := &dataset.Data{}
	for _, seq := range seqs {
		n := mustDecision(e.t, seq)
		taken[n] = true
		d.Violations = append(d.Violations, model.Violation{ID: "H-" + string(n), Plate: plate,
			Time: at(2026, time.March, 1, 9), Place: "深南大道", Code: "1357", Points: 0, Fine: model.Yuan(100),
			Source: model.SourceCamera, Status: model.StatusPaid, Office: "福田交警大队", OfficeCode: "440304",
			Decision: n, Driver: idC, DecidedAt: at(2026, time.March, 2, 9), PaidAt: at(2026, time.March, 3, 9)})
	}
	p, _ := e.ref.Profile("national")
	if _, err := Import(context.Background(), e.store, p, d); err != nil {
		e.t.Fatalf("import history: %v", err)
	}
	return taken
}

// decisionSeq is the sequence part of a decision number.
func decisionSeq(t *testing.T, n string) string {
	t.Helper()
	if !strings.HasPrefix(n, "4403042026") || len(n) != 19 {
		t.Fatalf("decision number %s is not of office 440304 and year 2026", n)
	}
	return n[10:18]
}

// Imported histories carry decision numbers of the offices the server issues for: the server
// continues after the highest, including numbers imported while it runs.
func TestDecisionNumbersContinueAfterImported(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		now := e.clock.Now()
		taken := e.importHistory(1, 2, 3, 10, 950) // and V-DECIDED holds 900
		res := e.send(processOp("d-1", 1, now, 1, "V-A-1", "V-A-6"))
		if res[0].Outcome != api.OutcomeApplied || len(res[0].Decisions) != 2 {
			t.Fatalf("process: %+v", res[0])
		}
		for i, want := range []string{"00000951", "00000952"} {
			n := res[0].Decisions[i].Number
			if taken[model.DecisionNumber(n)] || decisionSeq(t, n) != want {
				t.Errorf("decision %d: %s, want sequence %s after the imported 950", i, n, want)
			}
		}
		// An import while the server runs, above the counter: the next number follows it.
		taken2 := e.importHistory(960)
		res = e.send(processOp("d-2", 2, now, 8, "V-B-PARK"))
		if res[0].Outcome != api.OutcomeApplied || len(res[0].Decisions) != 1 {
			t.Fatalf("process after the second import: %+v", res[0])
		}
		if n := res[0].Decisions[0].Number; taken2[model.DecisionNumber(n)] || decisionSeq(t, n) != "00000961" {
			t.Errorf("decision after importing 960: %s, want sequence 00000961", n)
		}
	})
}

// An operation deciding several violations of one office draws their numbers at once: one wait
// for the office's counter, consecutive numbers in the operation's order.
func TestDecisionNumbersOfOneOperationDrawnAtOnce(t *testing.T) {
	forEachOpenStore(t, func(t *testing.T, st store.Store) {
		cs := &collidingStore{Store: st}
		e := newEnvOn(t, cs)
		res := e.send(processOp("d-1", 1, e.clock.Now(), 1, "V-A-1", "V-A-6"))
		if res[0].Outcome != api.OutcomeApplied || len(res[0].Decisions) != 2 {
			t.Fatalf("process: %+v", res[0])
		}
		for i, want := range []string{"00000901", "00000902"} { // V-DECIDED holds 900
			if got := decisionSeq(t, res[0].Decisions[i].Number); got != want {
				t.Errorf("decision %d: sequence %s, want %s", i, got, want)
			}
		}
		if n := cs.draws.Load(); n != 1 {
			t.Errorf("%d draws of the office's counter, want 1", n)
		}
	})
}

// collidingStore hands out an already taken decision sequence number (900, V-DECIDED's) while
// collisions > 0, as a concurrent import could make happen between reading the highest number
// and inserting the decision.
type collidingStore struct {
	store.Store
	collisions atomic.Int32
	draws      atomic.Int32 // calls of NextDecisionSeq
}

func (c *collidingStore) Tx(ctx context.Context, fn func(store.Tx) error) error {
	return c.Store.Tx(ctx, func(tx store.Tx) error { return fn(collidingTx{tx, c}) })
}

type collidingTx struct {
	store.Tx
	c *collidingStore
}

func (t collidingTx) NextDecisionSeq(office string, year, n int) (int64, error) {
	t.c.draws.Add(1)
	if t.c.collisions.Add(-1) >= 0 {
		return 900, nil
	}
	return t.Tx.NextDecisionSeq(office, year, n)
}

// A decision number that collides once (a race with an import) is retried, never surfaced; one
// that collides every time stops only its own operation, stored as op.failed, and the batch goes
// on.
func TestDecisionNumberCollisions(t *testing.T) {
	forEachOpenStore(t, func(t *testing.T, st store.Store) {
		cs := &collidingStore{Store: st}
		e := newEnvOn(t, cs)
		now := e.clock.Now()

		cs.collisions.Store(1)
		res := e.send(processOp("c-1", 1, now, 1, "V-A-1"))
		if res[0].Outcome != api.OutcomeApplied || len(res[0].Decisions) != 1 || decisionSeq(t, res[0].Decisions[0].Number) != "00000901" {
			t.Fatalf("a collision once must be retried: %+v", res[0])
		}

		cs.collisions.Store(1000)
		res = e.send(processOp("c-2", 2, now, 2, "V-A-6"), payOp("c-3", 3, now, "V-DECIDED", 10000, 0))
		if len(res) != 2 || res[0].Outcome != api.OutcomeRejected || len(res[0].Reasons) != 1 ||
			res[0].Reasons[0].Code != string(model.ReasonOpFailed) {
			t.Fatalf("a collision every time: want op.failed, got %+v", res)
		}
		if res[1].Outcome == api.OutcomeRejected || res[1].Outcome == api.OutcomeDeferred {
			t.Errorf("the operation after the failed one must apply: %+v", res[1])
		}
		if v := e.violation("V-A-6"); v.Status != model.StatusRecorded {
			t.Errorf("the failed operation changed its violation: %s", v.Status)
		}
		// The failure is stored: a resend answers it without applying anything.
		cs.collisions.Store(0)
		again := e.send(processOp("c-2", 2, now, 2, "V-A-6"))
		if again[0].Outcome != api.OutcomeRejected || again[0].Reasons[0].Code != string(model.ReasonOpFailed) {
			t.Errorf("resend of the failed operation: %+v", again[0])
		}
		// The driver is told, once (the resend left no second notice).
		if rs := e.lookupRejections(e.client, idA, fileA); len(rs) != 1 || rs[0].OpID != "c-2" ||
			rs[0].Reasons[0].Code != string(model.ReasonOpFailed) {
			t.Errorf("the driver's notices: %+v, want one of c-2 with op.failed", rs)
		}
		if !strings.Contains(e.logs.String(), "operation cannot be applied") {
			t.Error("the failed operation was not logged for staff")
		}
	})
}
