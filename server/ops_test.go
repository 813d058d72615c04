package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

func processOp(id string, seq int64, at time.Time, seen int, violations ...string) api.Op {
	return api.Op{ID: id, Epoch: 1, Seq: seq, Type: api.OpProcess, At: at, Process: &api.ProcessOp{
		DriverID: idA, ViolationIDs: violations, DriverFace: api.FaceMatch, SeenPoints: seen}}
}

// withOwner adds an owner's proof to a process op.
func withOwner(op api.Op, token, face string) api.Op {
	op.Process.Owners = append(op.Process.Owners, api.OwnerProof{Token: token, Face: face})
	return op
}

// ownerToken has B, the owner of carB, verify at the kiosk to let driver process its violations,
// and returns the token the server answers.
func (e *env) ownerToken(driver string) string {
	e.t.Helper()
	v, err := e.client.Verify(context.Background(), api.Identify{IDNumber: idB, FileNumber: fileB,
		For: &api.OwnerCheckFor{DriverID: driver, PlateType: "02", PlateNumber: "粤B12345"}})
	if err != nil || v.Token == "" {
		e.t.Fatalf("owner verification: %+v, %v", v, err)
	}
	// The store keeps the token's hash, never the token a kiosk could present.
	if err := e.store.Tx(context.Background(), func(tx store.Tx) error {
		if _, err := tx.LockOwnerCheck(v.Token); !errors.Is(err, store.ErrNotFound) {
			e.t.Errorf("the store holds the token itself (%v)", err)
		}
		_, err := tx.LockOwnerCheck(ownerCheckKey(v.Token))
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return v.Token
}

func payOp(id string, seq int64, at time.Time, violation string, fine, late int64) api.Op {
	return api.Op{ID: id, Epoch: 1, Seq: seq, Type: api.OpPay, At: at, Pay: &api.PayOp{
		PayerID: idA, Method: "card", Reference: "T-" + id, Items: []api.PayItem{{ViolationID: violation, FineFen: fine, LateFeeFen: late}}}}
}

func (e *env) send(ops ...api.Op) []api.OpResult {
	e.t.Helper()
	resp, err := e.client.Ops(context.Background(), ops)
	if err != nil {
		e.t.Fatalf("ops: %v", err)
	}
	return resp.Results
}

// count reads a number from the store.
func (e *env) count(f func(r store.Reader) (int, error)) int {
	e.t.Helper()
	var n int
	if err := e.store.Read(context.Background(), func(r store.Reader) error {
		var err error
		n, err = f(r)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) pointsEntries(id model.IDNumber) int {
	return e.count(func(r store.Reader) (int, error) {
		es, err := r.PointsEntries(id)
		return len(es), err
	})
}

func (e *env) violation(id string) model.Violation {
	e.t.Helper()
	var v model.Violation
	if err := e.store.Read(context.Background(), func(r store.Reader) error {
		var err error
		v, err = r.Violation(id)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return v
}

// The seed story: A processes a violation of B's car after the binding (allowed, decision
// issued, points on A) and one before it (refused: binding too late).
func TestProcessSeedStory(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		now := e.clock.Now()
		res := e.send(withOwner(processOp("op-1", 1, now, 1, "V-B-BEFORE"), e.ownerToken(idA), api.FaceMatch),
			withOwner(processOp("op-2", 2, now, 1, "V-B-AFTER"), e.ownerToken(idA), api.FaceMatch))
		if res[0].Outcome != api.OutcomeRejected || res[0].Reasons[0].Code != string(model.ReasonBoundAfterViolation) {
			t.Errorf("before the binding: %+v", res[0])
		}
		r := res[1]
		if r.Outcome != api.OutcomeApplied || len(r.Decisions) != 1 || *r.PointsBefore != 1 || *r.PointsAfter != 4 {
			t.Fatalf("after the binding: %+v", r)
		}
		if _, err := model.ParseDecisionNumber(r.Decisions[0].Number); err != nil {
			t.Errorf("decision number %q: %v", r.Decisions[0].Number, err)
		}
		if r.Decisions[0].DueDate != "2026-12-06" {
			t.Errorf("due date %s, want decision day + 15", r.Decisions[0].DueDate)
		}
		v := e.violation("V-B-AFTER")
		if v.Status != model.StatusProcessed || v.Driver != idA || v.Decision != model.DecisionNumber(r.Decisions[0].Number) {
			t.Errorf("violation after processing: %+v", v)
		}
		if n := e.pointsEntries(idA); n != 2 {
			t.Errorf("A's points entries = %d, want the imported one and the new one", n)
		}
	})
}

// The same operation sent 10 times at once applies once; every answer is the stored result.
func TestSameOperationConcurrentlyAppliesOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		op := processOp("op-dup", 1, e.clock.Now(), 1, "V-A-1")
		results := make([]api.OpResult, 10)
		var wg sync.WaitGroup
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := e.client.Ops(context.Background(), []api.Op{op})
				if err != nil {
					t.Errorf("attempt %d: %v", i, err)
					return
				}
				results[i] = resp.Results[0]
			}()
		}
		wg.Wait()
		for i := range results {
			if !reflect.DeepEqual(results[i], results[0]) {
				t.Errorf("attempt %d answered %+v, attempt 0 %+v", i, results[i], results[0])
			}
		}
		if results[0].Outcome != api.OutcomeApplied {
			t.Fatalf("outcome %+v", results[0])
		}
		if n := e.pointsEntries(idA); n != 2 {
			t.Errorf("points entries = %d, want 2 (imported + one)", n)
		}
	})
}

func TestSameIDOtherContentRefused(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		now := e.clock.Now()
		first := e.send(processOp("op-x", 1, now, 1, "V-A-1"))[0]
		again := e.send(processOp("op-x", 1, now, 1, "V-A-6"))[0]
		if again.Outcome != api.OutcomeRejected || again.Reasons[0].Code != string(model.ReasonOpIDReused) {
			t.Errorf("same id, other content: %+v", again)
		}
		if e.violation("V-A-6").Status != model.StatusRecorded {
			t.Error("the refused content must not apply")
		}
		if repeat := e.send(processOp("op-x", 1, now, 1, "V-A-1"))[0]; !reflect.DeepEqual(repeat, first) {
			t.Errorf("the original retried: %+v, first %+v", repeat, first)
		}
		// Another id at a sequence number already used is refused too.
		if r := e.send(processOp("op-y", 1, now, 1, "V-A-6"))[0]; r.Reasons[0].Code != string(model.ReasonOpIDReused) {
			t.Errorf("reused seq: %+v", r)
		}
	})
}

// An id repeated within one batch meets the operation the batch stored a moment before, as it
// would in a later batch: the same content gets the stored result, other content is refused.
// The batch reads its stored operations once, before the first; those it stores count too.
func TestSameIDTwiceInOneBatch(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		now := e.clock.Now()
		before := e.pointsEntries(idA)
		first := processOp("op-x", 1, now, 1, "V-A-1")
		res := e.send(first, first, processOp("op-x", 2, now, 1, "V-A-6"))
		if len(res) != 3 || res[0].Outcome != api.OutcomeApplied {
			t.Fatalf("results: %+v", res)
		}
		if !reflect.DeepEqual(res[1], res[0]) {
			t.Errorf("the same operation again in the batch: %+v, first %+v", res[1], res[0])
		}
		if res[2].Outcome != api.OutcomeRejected || res[2].Reasons[0].Code != string(model.ReasonOpIDReused) {
			t.Errorf("the same id with other content in the batch: %+v", res[2])
		}
		if e.violation("V-A-6").Status != model.StatusRecorded {
			t.Error("the refused content must not apply")
		}
		if n := e.pointsEntries(idA); n != before+1 {
			t.Errorf("%d points entries, want %d and the one of op-x", n, before)
		}
	})
}

// Operations apply in sequence order: a gap defers, and the batch resumes once filled.
func TestSequenceGapDefers(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		now := e.clock.Now()
		res := e.send(processOp("op-3", 3, now, 1, "V-A-1"))
		if res[0].Outcome != api.OutcomeDeferred {
			t.Fatalf("seq 3 before 1: %+v", res[0])
		}
		res = e.send(processOp("op-1", 1, now, 1, "V-B-PARK"), processOp("op-3", 3, now, 1, "V-A-1"))
		if res[0].Outcome != api.OutcomeApplied || res[1].Outcome != api.OutcomeDeferred {
			t.Fatalf("1 then 3: %+v", res)
		}
		res = e.send(payOp("op-2", 2, now, "V-DECIDED", 10000, 10000), processOp("op-3", 3, now, 1, "V-A-1"))
		if res[0].Outcome != api.OutcomeApplied || res[1].Outcome != api.OutcomeApplied {
			t.Fatalf("2 then 3: %+v", res)
		}
		// A new epoch (the kiosk's store was replaced) starts again at 1.
		op := processOp("op-e2", 1, now, 2, "V-A-6")
		op.Epoch = 2
		if r := e.send(op)[0]; r.Outcome != api.OutcomeApplied {
			t.Errorf("new epoch: %+v", r)
		}
	})
}

// A crash between the commit and the answer: the kiosk never hears back, retries, and gets the
// stored result, with the same decision numbers and no second deduction.
func TestRetryAfterLostResponseReturnsStoredResult(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		lossy := &http.Client{Transport: dropResponse{http.DefaultTransport}}
		secret := mustHex(t, e.kiosk.Secret)
		c := api.NewClientWithClock(e.http.URL, e.kiosk.KioskID, secret, lossy, e.clock.Now)
		op := processOp("op-lost", 1, e.clock.Now(), 1, "V-A-6")
		if _, err := c.Ops(context.Background(), []api.Op{op}); !errors.Is(err, errDropped) {
			t.Fatalf("the answer should have been lost: %v", err)
		}
		v := e.violation("V-A-6")
		if v.Status != model.StatusProcessed {
			t.Fatal("the server should have committed before the answer was lost")
		}
		e.clock.Add(time.Hour) // the retry comes later; the result must not be recomputed
		r := e.send(op)[0]
		if r.Outcome != api.OutcomeApplied || len(r.Decisions) != 1 || r.Decisions[0].Number != string(v.Decision) {
			t.Fatalf("retry: %+v, stored decision %s", r, v.Decision)
		}
		if n := e.pointsEntries(idA); n != 2 {
			t.Errorf("points entries = %d, want 2", n)
		}
	})
}

var errDropped = errors.New("connection lost before the answer")

// dropResponse delivers the request and then loses the answer, as a crash or a cut cable would.
type dropResponse struct{ next http.RoundTripper }

func (d dropResponse) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := d.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	return nil, errDropped
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b := make([]byte, len(s)/2)
	if _, err := fmt.Sscanf(s, "%x", &b); err != nil {
		t.Fatal(err)
	}
	return b
}

// A driver at 9 points: a 3-point violation would reach 12 on its own and is refused by the
// server too (with the case that says it becomes possible in the next cycle), and a 1-point one
// is applied with 10 after.
func TestServerRefusesReachingFullScore(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		// A has 1 point from the import; 8 more from an earlier decision make 9.
		if err := e.store.Tx(ctx, func(tx store.Tx) error {
			return tx.InsertPointsEntry(idA, model.PointsEntry{Decision: mustDecision(t, 901), Points: 8, EnteredAt: at(2026, time.August, 1, 9)})
		}); err != nil {
			t.Fatal(err)
		}
		now := e.clock.Now()
		r := e.send(withOwner(processOp("op-1", 1, now, 9, "V-B-AFTER"), e.ownerToken(idA), api.FaceMatch))[0]
		if r.Outcome != api.OutcomeRejected || r.Reasons[0].Code != string(model.ReasonPointsReachFullAlone) || r.Reasons[0].N != 12 {
			t.Fatalf("9 + 3: %+v", r)
		}
		r = e.send(processOp("op-2", 2, now, 9, "V-A-1"))[0]
		if r.Outcome != api.OutcomeApplied || *r.PointsBefore != 9 || *r.PointsAfter != 10 {
			t.Fatalf("9 + 1: %+v", r)
		}
	})
}
