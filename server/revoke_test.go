package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/internal/pgtest"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

func heartbeat(c *api.Client) error {
	_, err := c.Heartbeat(context.Background(), api.Heartbeat{Version: "1"})
	return err
}

func wantStatus(t *testing.T, what string, err error, status int) {
	t.Helper()
	var se *api.StatusError
	switch {
	case status == 200 && err != nil:
		t.Errorf("%s: %v, want success", what, err)
	case status != 200 && (!errors.As(err, &se) || se.Status != status):
		t.Errorf("%s: %v, want %d", what, err, status)
	}
}

// A revocation and a rotation take effect on the very next request; other kiosks go on.
func TestRevokeAndRotateTakeEffectAtOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		other, err := Enroll(ctx, e.store, e.ref, "second", "hall", "national", e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		otherClient := e.newClient(other)
		wantStatus(t, "before", heartbeat(e.client), 200)
		wantStatus(t, "the other kiosk, before", heartbeat(otherClient), 200)

		rotated, err := e.srv.Rotate(ctx, other.KioskID)
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, "the old secret after a rotation", heartbeat(otherClient), 401)
		wantStatus(t, "the new secret", heartbeat(e.newClient(rotated)), 200)

		if err := e.srv.Revoke(ctx, e.kiosk.KioskID); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, "the revoked kiosk", heartbeat(e.client), 401)
		_, err = e.client.Ops(ctx, []api.Op{payOp("r-1", 1, e.clock.Now(), "V-DECIDED", 100, 0)})
		wantStatus(t, "the revoked kiosk's operations", err, 401)
		wantStatus(t, "another kiosk", heartbeat(e.newClient(rotated)), 200)
		if !strings.Contains(e.logs.String(), `"reason":"revoked"`) {
			t.Error("the refusal of a revoked kiosk is not logged with its reason")
		}
		if _, err := e.srv.Rotate(ctx, e.kiosk.KioskID); err == nil {
			t.Error("a revoked kiosk was given a new secret")
		}
		if err := Revoke(ctx, e.store, "k-nobody", e.clock.Now()); err == nil || !strings.Contains(err.Error(), "no kiosk") {
			t.Errorf("revoking an unknown kiosk: %v", err)
		}
	})
}

// Two server processes on one PostgreSQL database: a rotation and a revocation made through one
// take effect in the other on its next request, although the other keeps the kiosk's record in
// memory between requests.
func TestRevokeAndRotateReachEveryServerProcess(t *testing.T) {
	dsn := pgtest.New(t)
	ctx := context.Background()
	a := newEnv(t, dsn)
	hs2, logs2 := secondProcess(t, a, dsn)
	secret := mustHex(t, a.kiosk.Secret)
	viaSecond := api.NewClientWithClock(hs2.URL, a.kiosk.KioskID, secret, nil, a.clock.Now)
	wantStatus(t, "the second process, before", heartbeat(viaSecond), 200)
	wantStatus(t, "the second process, again (the record kept)", heartbeat(viaSecond), 200)

	rotated, err := a.srv.Rotate(ctx, a.kiosk.KioskID)
	if err != nil {
		t.Fatal(err)
	}
	withNew := api.NewClientWithClock(hs2.URL, a.kiosk.KioskID, mustHex(t, rotated.Secret), nil, a.clock.Now)
	wantStatus(t, "the old secret, in the second process after a rotation through the first", heartbeat(viaSecond), 401)
	wantStatus(t, "the new secret, in the second process", heartbeat(withNew), 200)
	wantStatus(t, "the new secret, again", heartbeat(withNew), 200)

	// The second process now keeps the new secret; with a rotation it has not seen, the new
	// secret's request is checked against the store's record instead of refused.
	again, err := Rotate(ctx, a.store, a.kiosk.KioskID)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "a newer secret, in the second process", heartbeat(api.NewClientWithClock(hs2.URL, a.kiosk.KioskID,
		mustHex(t, again.Secret), nil, a.clock.Now)), 200)
	wantStatus(t, "the secret before it, in the second process", heartbeat(withNew), 401)

	if err := Revoke(ctx, a.store, a.kiosk.KioskID, a.clock.Now()); err != nil {
		t.Fatal(err)
	}
	// Its clock ten minutes slow: a kiosk in good standing would be told the server's time, a
	// revoked one is refused as revoked, though the second process has not seen the revocation.
	slow := func() time.Time { return a.clock.Now().Add(-10 * time.Minute) }
	wantStatus(t, "a stale request, in the second process after a revocation through the first",
		heartbeat(api.NewClientWithClock(hs2.URL, a.kiosk.KioskID, mustHex(t, again.Secret), nil, slow)), 401)
	if strings.Contains(logs2.String(), `"reason":"stale"`) {
		t.Errorf("a revoked kiosk's stale request was refused as stale, not as revoked:\n%s", logs2.String())
	}
	wantStatus(t, "the second process, after a revocation through the first", heartbeat(api.NewClientWithClock(hs2.URL,
		a.kiosk.KioskID, mustHex(t, again.Secret), nil, a.clock.Now)), 401)
	// Each refusal says why: not a replay, though the nonce's claim claimed nothing.
	for _, reason := range []string{"bad_signature", "revoked"} {
		if !strings.Contains(logs2.String(), `"reason":"`+reason+`"`) {
			t.Errorf("no refusal logged for the reason %s:\n%s", reason, logs2.String())
		}
	}
	if strings.Contains(logs2.String(), `"reason":"replayed"`) {
		t.Errorf("a refusal was logged as a replay:\n%s", logs2.String())
	}
}

// A request captured before the embedded server restarts cannot be replayed after it: the
// nonces survive in their own file.
func TestReplayAfterRestartIsRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "server.db")
	clk := &clock{t: at(2026, time.November, 21, 10)}
	ref, err := model.LoadReference(assets.FS())
	if err != nil {
		t.Fatal(err)
	}
	start := func() (store.Store, *httptest.Server) {
		st, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		srv, err := New(ctx, Config{Store: st, Reference: ref, DefaultProfile: "national", Now: clk.Now,
			Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		return st, httptest.NewServer(srv.Handler())
	}
	st, hs := start()
	k, err := Enroll(ctx, st, ref, "kiosk", "hall", "national", clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"outbox_depth":0,"version":"1"}`)
	req, _ := http.NewRequest("POST", hs.URL+"/v1/heartbeat", bytes.NewReader(body))
	if err := api.Sign(req, k.KioskID, mustHex(t, k.Secret), body, clk.Now()); err != nil {
		t.Fatal(err)
	}
	send := func(url string) int {
		r, _ := http.NewRequest("POST", url+"/v1/heartbeat", bytes.NewReader(body))
		r.Header = req.Header.Clone()
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := send(hs.URL); s != 200 {
		t.Fatalf("the first sending: %d", s)
	}
	if s := send(hs.URL); s != 401 {
		t.Fatalf("a replay before the restart: %d", s)
	}
	hs.Close()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Minute) // still inside the timestamp window
	st, hs = start()
	defer st.Close()
	defer hs.Close()
	if s := send(hs.URL); s != 401 {
		t.Errorf("a replay after the restart: %d, want 401", s)
	}
	// A fresh request still works.
	client := api.NewClientWithClock(hs.URL, k.KioskID, mustHex(t, k.Secret), nil, clk.Now)
	wantStatus(t, "a fresh request after the restart", heartbeat(client), 200)
}

// BenchmarkSignedRead measures a signed read's round trip on the embedded store (GET
// /v1/changes with a current cursor: nothing to send back), where authentication reads the kiosk
// and writes the nonce on every request.
//
//	go test ./server -run '^$' -bench SignedRead -benchtime 3000x -count 5
func BenchmarkSignedRead(b *testing.B) {
	e := newEnv(b, filepath.Join(b.TempDir(), "server.db"))
	ctx := context.Background()
	ch, err := e.client.Changes(ctx, "")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := e.client.Changes(ctx, ch.Cursor); err != nil {
			b.Fatal(err)
		}
	}
}

// secondProcess starts a second server on a's PostgreSQL database, with its own logs.
func secondProcess(t *testing.T, a *env, dsn string) (*httptest.Server, *syncBuffer) {
	t.Helper()
	st2, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st2.Close() })
	logs2 := &syncBuffer{}
	srv2, err := New(context.Background(), Config{Store: st2, Reference: a.ref, DefaultProfile: "national", Now: a.clock.Now,
		Log: slog.New(slog.NewJSONHandler(logs2, nil))})
	if err != nil {
		t.Fatal(err)
	}
	hs2 := httptest.NewServer(srv2.Handler())
	t.Cleanup(hs2.Close)
	return hs2, logs2
}

// A lookup claims its nonce with its reads, on the kiosk's record read again there: a change of
// the record through another process takes effect on the next lookup. A revocation scheduled
// for later leaves requests good (the claim holds); a new secret refuses the old one's lookup,
// checked again on the new record, as a bad signature and not as a replay.
func TestLookupSeesChangesThroughAnotherProcess(t *testing.T) {
	dsn := pgtest.New(t)
	ctx := context.Background()
	a := newEnv(t, dsn)
	hs2, logs2 := secondProcess(t, a, dsn)
	viaSecond := api.NewClientWithClock(hs2.URL, a.kiosk.KioskID, mustHex(t, a.kiosk.Secret), nil, a.clock.Now)
	lookup := func(c *api.Client) error {
		_, err := c.Lookup(ctx, api.Identify{IDNumber: idA, FileNumber: fileA})
		return err
	}
	wantStatus(t, "a lookup through the second process", lookup(viaSecond), 200)
	wantStatus(t, "again (the record kept)", lookup(viaSecond), 200)

	rotated, err := Rotate(ctx, a.store, a.kiosk.KioskID)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "the old secret's lookup after a rotation through the first", lookup(viaSecond), 401)
	if !strings.Contains(logs2.String(), `"reason":"bad_signature"`) || strings.Contains(logs2.String(), `"reason":"replayed"`) {
		t.Errorf("the refusal was not logged as a bad signature:\n%s", logs2.String())
	}
	withNew := api.NewClientWithClock(hs2.URL, a.kiosk.KioskID, mustHex(t, rotated.Secret), nil, a.clock.Now)
	wantStatus(t, "the new secret's lookup", lookup(withNew), 200)

	if err := Revoke(ctx, a.store, a.kiosk.KioskID, a.clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "after a revocation scheduled for later, through the first", lookup(withNew), 200)
	wantStatus(t, "a heartbeat after it", heartbeat(withNew), 200)
	a.clock.Add(2 * time.Hour)
	wantStatus(t, "once the revocation is in force", lookup(withNew), 401)
}
