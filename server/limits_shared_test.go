package server

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
	"github.com/hallkiosk/kiosk/internal/pgtest"
	"github.com/hallkiosk/kiosk/server/store"
)

// Two servers over one database, as two processes behind a balancer are: a kiosk's requests
// alternate between them, and the limits hold as if one server answered them all. On PostgreSQL
// each server has its own store handle (its own connections: two processes); the embedded store
// belongs to one process, so there both servers share its one handle.
func TestLimitsSharedByServers(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "server.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		sharedLimits(t, st, st)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := pgtest.New(t)
		var handles [2]store.Store
		for i := range handles {
			st, err := store.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			handles[i] = st
		}
		sharedLimits(t, handles[0], handles[1])
	})
}

func sharedLimits(t *testing.T, first, second store.Store) {
	const perMinute = 12
	limits := func(c *Config) { c.Limits = Limits{IdentifyPerKioskPerMinute: perMinute} }
	e := newEnvOn(t, first, limits)
	// The second server: same clock, same kiosk, the other store handle.
	cfg := Config{Store: second, Reference: e.ref, DefaultProfile: "national", Now: e.clock.Now}
	limits(&cfg)
	srv, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	other := httptest.NewServer(srv.Handler())
	t.Cleanup(other.Close)
	secret, err := hex.DecodeString(e.kiosk.Secret)
	if err != nil {
		t.Fatal(err)
	}
	secondClient := api.NewClientWithClock(other.URL, e.kiosk.KioskID, secret, nil, e.clock.Now)
	clients := []*api.Client{e.client, secondClient}
	ctx := context.Background()
	status := func(_ api.Lookup, err error) (int, time.Duration) {
		var se *api.StatusError
		if err == nil {
			return http.StatusOK, 0
		}
		if !errors.As(err, &se) {
			t.Fatalf("lookup: %v", err)
		}
		return se.Status, se.RetryAfter
	}

	// A's free failures at this kiosk: three in total, whichever server saw them.
	for i := range 3 {
		if got, _ := status(clients[i%2].Lookup(ctx, api.Identify{IDNumber: idA, FileNumber: "999999999999"})); got != http.StatusNotFound {
			t.Fatalf("failure %d: status %d", i+1, got)
		}
	}
	for i, c := range clients {
		if got, wait := status(c.Lookup(ctx, api.Identify{IDNumber: idA, FileNumber: fileA})); got != http.StatusTooManyRequests || wait != 15*time.Second {
			t.Errorf("server %d after three failures in total: status %d, wait %v; want the first delay, 15 s", i, got, wait)
		}
	}
	e.clock.Add(15 * time.Second)
	if got, _ := status(clients[1].Lookup(ctx, api.Identify{IDNumber: idA, FileNumber: fileA})); got != http.StatusOK {
		t.Fatalf("after the delay: status %d", got)
	}
	// The success through one server cleared the count for both.
	if got, _ := status(clients[0].Lookup(ctx, api.Identify{IDNumber: idA, FileNumber: "999999999999"})); got != http.StatusNotFound {
		t.Fatalf("a failure after the success: status %d", got)
	}

	// The kiosk's bucket is one: after a quiet minute, perMinute identifications pass in all.
	e.clock.Add(time.Minute)
	passed := 0
	for i := range 3 * perMinute {
		switch got, _ := status(clients[i%2].Lookup(ctx, api.Identify{IDNumber: idB, CardRead: true})); got {
		case http.StatusOK:
			passed++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("card read %d: status %d", i, got)
		}
	}
	if passed != perMinute {
		t.Errorf("%d card reads passed the two servers at one instant, want the bucket's %d", passed, perMinute)
	}
}
