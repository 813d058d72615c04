package server

import (
	"context"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/internal/pgtest"
)

// TestRoundTripsToPostgres counts what a kiosk's requests cost in waits on PostgreSQL, through a
// proxy that counts each time the server spoke to the database after the database had answered.
// On one machine a round trip is two context switches and four system calls on each side:
// before this test they, not the queries, were most of the time of a lookup (35 round trips).
// The budgets are what the data allows. A lookup: its dozen reads sent together between BEGIN
// and COMMIT, followed in the same batch by one statement that claims the request's nonce with
// the kiosk's record read again (the record itself is kept in memory) and has the identification
// limits decide on the outcome (admission and clearing or counting in one call). An operation adds to its transaction a round trip per
// statement whose answer it needs (locks, the operation's record, the decision number) and one
// for all its other writes.
func TestRoundTripsToPostgres(t *testing.T) {
	rt, dsn := pgtest.NewRoundTrips(t, pgtest.New(t))
	e := newEnv(t, dsn)
	ctx := context.Background()
	measure := func(what string, budget int, f func()) {
		t.Helper()
		f() // the first request of a kind prepares its statements on the connection
		// The fewest of three: of the processings measured, the first is of the driver's own
		// car and the others need its owner's check, one round trip more. pgx's liveness pings
		// are counted apart (RoundTrips.Pings).
		n, from := -1, 0
		for range 3 {
			before := rt.Count()
			f()
			if got := rt.Count() - before; n < 0 || got < n {
				n, from = got, before
			}
		}
		t.Logf("%s: %d round trips (pings so far %d)", what, n, rt.Pings())
		if n > budget {
			t.Errorf("%s took %d round trips to PostgreSQL, want at most %d; they began:", what, n, budget)
			for i, trip := range rt.Trips(from)[:n] {
				t.Logf("%d: %s", i+1, trip)
			}
		}
	}
	for _, who := range []api.Identify{{IDNumber: idA, FileNumber: fileA}, {IDNumber: idB, FileNumber: fileB}} {
		measure("lookup", 1, func() {
			if _, err := e.client.Lookup(ctx, who); err != nil {
				t.Fatal(err)
			}
		})
	}
	seq := int64(0)
	now := e.clock.Now()
	// A's violations and those of the car bound to A, with the points A's licence holds before each.
	ids, seen := []string{"V-A-1", "V-A-6", "V-B-AFTER", "V-B-PARK"}, []int{1, 2, 8, 11}
	// B's car is B's: B verifies at the kiosk for each of its violations A takes.
	tokens := []string{"", "", e.ownerToken(idA), e.ownerToken(idA)}
	measure("process", 13, func() {
		seq++
		id := ids[seq-1]
		op := processOp("P-"+id, seq, now, seen[seq-1], id)
		if tokens[seq-1] != "" {
			op = withOwner(op, tokens[seq-1], api.FaceMatch)
		}
		if r := e.send(op); r[0].Outcome != api.OutcomeApplied {
			t.Fatalf("process: %+v", r[0])
		}
	})
	measure("pay", 13, func() {
		seq++
		id := ids[seq-5]
		v := e.violation(id)
		if r := e.send(payOp("Y-"+id, seq, now.Add(time.Minute), id, int64(v.Fine), 0)); r[0].Outcome != api.OutcomeApplied {
			t.Fatalf("pay: %+v", r[0])
		}
	})
}
