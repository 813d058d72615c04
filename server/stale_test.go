package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
)

// signedAt sends a heartbeat signed with the given secret, timestamp and nonce, and returns the
// status and the raw body of the answer.
func (e *env) signedAt(kioskID string, secret []byte, ts time.Time, nonce string) (int, []byte) {
	e.t.Helper()
	body := []byte(`{"outbox_depth":0,"version":"1"}`)
	req, _ := http.NewRequest("POST", e.http.URL+"/v1/heartbeat", bytes.NewReader(body))
	stamp := strconv.FormatInt(ts.Unix(), 10)
	req.Header.Set(api.HeaderKiosk, kioskID)
	req.Header.Set(api.HeaderTimestamp, stamp)
	req.Header.Set(api.HeaderNonce, nonce)
	req.Header.Set(api.HeaderSignature, api.Signature(secret, api.StringToSign("POST", "/v1/heartbeat", stamp, nonce, body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// A correctly signed request whose clock is 10 minutes off either way is refused with the
// server's time and a proof the kiosk's client accepts; its nonce is not remembered.
func TestStaleRefusalCarriesProvenServerTime(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		secret := mustHex(t, e.kiosk.Secret)
		want := time.UnixMilli(e.clock.Now().UnixMilli())
		for _, off := range []time.Duration{10 * time.Minute, -10 * time.Minute} {
			skewed := api.NewClientWithClock(e.http.URL, e.kiosk.KioskID, secret, nil, func() time.Time { return e.clock.Now().Add(off) })
			_, err := skewed.Heartbeat(ctx, api.Heartbeat{Version: "1"})
			var se *api.StatusError
			if !errors.As(err, &se) || se.Status != http.StatusUnauthorized || se.Body.Code != api.CodeStaleTimestamp {
				t.Fatalf("clock %v off: %v, want 401 %s", off, err, api.CodeStaleTimestamp)
			}
			got, ok := skewed.StaleClock(err)
			if !ok || !got.Equal(want) {
				t.Errorf("clock %v off: StaleClock = %v, %v; want the server's time %v", off, got, ok, want)
			}
			// The kiosk, its clock corrected by the offset it measured, is served.
			offset := got.Sub(se.Sent)
			corrected := api.NewClientWithClock(e.http.URL, e.kiosk.KioskID, secret, nil, func() time.Time {
				return e.clock.Now().Add(off).Add(offset)
			})
			if _, err := corrected.Heartbeat(ctx, api.Heartbeat{Version: "1"}); err != nil {
				t.Errorf("clock %v off, corrected: %v", off, err)
			}
		}
		// The stale request's nonce is not remembered: the same nonce with a good timestamp is
		// served (a remembered one would be refused as a replay).
		nonce := strings.Repeat("ab", 16)
		if status, body := e.signedAt(e.kiosk.KioskID, secret, e.clock.Now().Add(-10*time.Minute), nonce); status != 401 ||
			!strings.Contains(string(body), api.CodeStaleTimestamp) {
			t.Fatalf("stale request: %d %s", status, body)
		}
		if status, body := e.signedAt(e.kiosk.KioskID, secret, e.clock.Now(), nonce); status != 200 {
			t.Errorf("the same nonce, fresh: %d %s (the stale request's nonce was remembered)", status, body)
		}
		logs := e.logs.String()
		if !strings.Contains(logs, `"reason":"stale"`) {
			t.Error("the stale refusal is not logged with its reason")
		}
		assertNoPersonalData(t, logs)
	})
}

// Only a request that is wrong in nothing but its timestamp learns the server's time: a bad
// signature, an unknown kiosk and a revoked kiosk get the generic refusal.
func TestStaleRefusalOnlyForCorrectlySignedRequests(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		secret := mustHex(t, e.kiosk.Secret)
		stale := e.clock.Now().Add(10 * time.Minute)
		other := bytes.Repeat([]byte{7}, 32)
		generic := func(what string, status int, body []byte) {
			t.Helper()
			var ae api.Error
			if err := json.Unmarshal(body, &ae); err != nil || status != 401 || ae.Code != "unauthorized" ||
				ae.ServerTime != nil || ae.Proof != "" || strings.Contains(string(body), "server_time") {
				t.Errorf("%s: %d %s, want the generic 401 without the server's time", what, status, body)
			}
		}
		n := 0
		nonce := func() string { n++; return strconv.Itoa(1_000_000_000_000_000 + n) }
		status, body := e.signedAt(e.kiosk.KioskID, other, stale, nonce())
		generic("stale with a bad signature", status, body)
		status, body = e.signedAt("k-0000000000000000", secret, stale, nonce())
		generic("stale from an unknown kiosk", status, body)
		if err := e.srv.Revoke(context.Background(), e.kiosk.KioskID); err != nil {
			t.Fatal(err)
		}
		status, body = e.signedAt(e.kiosk.KioskID, secret, stale, nonce())
		generic("stale from a revoked kiosk", status, body)
	})
}

// The kiosk's client believes a stale refusal's time only with a proof made with its secret
// for the nonce it sent and the time the answer names.
func TestStaleClockRefusesForgedProof(t *testing.T) {
	secret := bytes.Repeat([]byte{1}, 32)
	serverTime := time.UnixMilli(time.Date(2026, 11, 21, 2, 0, 0, 0, time.UTC).UnixMilli())
	var lastNonce string
	forge := func(r *http.Request) api.Error {
		nonce := r.Header.Get(api.HeaderNonce)
		st := serverTime
		return api.Error{Code: api.CodeStaleTimestamp, ServerTime: &st, Proof: api.StaleProof(secret, nonce, st)}
	}
	cases := []struct {
		name   string
		answer func(r *http.Request) api.Error
		ok     bool
	}{
		{"genuine", forge, true},
		{"another secret", func(r *http.Request) api.Error {
			e := forge(r)
			e.Proof = api.StaleProof(bytes.Repeat([]byte{2}, 32), r.Header.Get(api.HeaderNonce), serverTime)
			return e
		}, false},
		{"another time than the proof's", func(r *http.Request) api.Error {
			e := forge(r)
			moved := serverTime.Add(time.Hour)
			e.ServerTime = &moved
			return e
		}, false},
		{"a proof of an earlier nonce", func(r *http.Request) api.Error {
			e := forge(r)
			e.Proof = api.StaleProof(secret, lastNonce, serverTime)
			return e
		}, false},
		{"no proof", func(r *http.Request) api.Error { e := forge(r); e.Proof = ""; return e }, false},
		{"no time", func(r *http.Request) api.Error { e := forge(r); e.ServerTime = nil; return e }, false},
		{"another code", func(r *http.Request) api.Error { e := forge(r); e.Code = "unauthorized"; return e }, false},
	}
	for _, c := range cases {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusUnauthorized, c.answer(r))
			lastNonce = r.Header.Get(api.HeaderNonce)
		}))
		client := api.NewClientWithClock(srv.URL, "k-1", secret, nil, time.Now)
		for range 2 { // the second request has an earlier nonce to replay
			_, err := client.Heartbeat(context.Background(), api.Heartbeat{Version: "1"})
			got, ok := client.StaleClock(err)
			if ok != c.ok || ok && !got.Equal(serverTime) {
				t.Errorf("%s: StaleClock = %v, %v; want ok=%v", c.name, got, ok, c.ok)
			}
		}
		srv.Close()
	}
}
