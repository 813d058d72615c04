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
// they, not the queries, were most of the time of a lookup. The budgets are what the data
// allows: authenticating (the kiosk's record and the request's nonce) and the reads a lookup
// makes, sent together.
func TestRoundTripsToPostgres(t *testing.T) {
	rt, dsn := pgtest.NewRoundTrips(t, pgtest.New(t))
	e := newEnv(t, dsn)
	ctx := context.Background()
	measure := func(what string, budget int, f func()) {
		t.Helper()
		f() // the first request of a kind prepares its statements on the connection
		before := rt.Count()
		f()
		n := rt.Count() - before
		t.Logf("%s: %d round trips", what, n)
		if n > budget {
			t.Errorf("%s took %d round trips to PostgreSQL, want at most %d", what, n, budget)
		}
	}
	for _, who := range []api.Identify{{IDNumber: idA, FileNumber: fileA}, {IDNumber: idB, FileNumber: fileB}} {
		measure("lookup", 5, func() {
			if _, err := e.client.Lookup(ctx, who); err != nil {
				t.Fatal(err)
			}
		})
	}
	seq := int64(0)
	now := e.clock.Now()
	measure("process", 30, func() {
		seq++
		id := []string{"V-A-1", "V-A-6"}[seq-1]
		if r := e.send(processOp("P-"+id, seq, now, int(seq), id)); r[0].Outcome != api.OutcomeApplied {
			t.Fatalf("process: %+v", r[0])
		}
	})
	measure("pay", 20, func() {
		seq++
		id := []string{"V-A-1", "V-A-6"}[seq-3]
		v := e.violation(id)
		if r := e.send(payOp("Y-"+id, seq, now.Add(time.Minute), id, int64(v.Fine), 0)); r[0].Outcome != api.OutcomeApplied {
			t.Fatalf("pay: %+v", r[0])
		}
	})
}
