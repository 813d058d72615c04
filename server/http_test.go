package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

func TestLookup(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		out, err := e.client.Lookup(context.Background(), api.Identify{IDNumber: idA, FileNumber: fileA})
		if err != nil {
			t.Fatal(err)
		}
		if out.Person.Name != "张伟" || out.Licence.Classes != "C1" || out.Points.Total != 1 || out.Points.FullScore != 12 {
			t.Errorf("person/licence/points: %+v %+v %+v", out.Person, out.Licence, out.Points)
		}
		if out.Points.CycleStart != "2026-03-01" || out.Points.CycleEnd != "2027-03-01" {
			t.Errorf("cycle %s..%s", out.Points.CycleStart, out.Points.CycleEnd)
		}
		rel := map[string]string{}
		for _, v := range out.Vehicles {
			rel[v.PlateNumber] = v.Relation
		}
		if rel["粤B54321"] != "own" || rel["粤B12345"] != "bound" || len(rel) != 2 {
			t.Errorf("vehicles: %v", rel)
		}
		if len(out.Violations) != 7 || len(out.MyBindings) != 1 {
			t.Errorf("violations %d, bindings %d", len(out.Violations), len(out.MyBindings))
		}
		for _, v := range out.Violations {
			if v.ID == "V-DECIDED" && (v.DueDate != "2026-09-25" || v.LateFeeFen != 10000) {
				t.Errorf("decided violation: due %s late fee %d, want 2026-09-25 and the cap 10000", v.DueDate, v.LateFeeFen)
			}
			if v.Code == "1357" && v.CatalogueZH == "" {
				t.Error("the catalogue's description should come along")
			}
		}
		// B sees who is bound to their car.
		outB, err := e.client.Lookup(context.Background(), api.Identify{IDNumber: idB, FileNumber: fileB})
		if err != nil || len(outB.BoundToMine) != 1 || outB.BoundToMine[0].DriverID != idA {
			t.Errorf("owner's view: %+v, %v", outB.BoundToMine, err)
		}
	})
}

// A wrong file number and an unknown ID number get the same neutral answer.
func TestLookupNeutralRefusal(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, errWrongFile := e.client.Lookup(context.Background(), api.Identify{IDNumber: idA, FileNumber: fileB})
		_, errUnknown := e.client.Lookup(context.Background(), api.Identify{IDNumber: "440524188001010014", FileNumber: fileA})
		var a, b *api.StatusError
		if !errors.As(errWrongFile, &a) || !errors.As(errUnknown, &b) {
			t.Fatalf("errors: %v / %v", errWrongFile, errUnknown)
		}
		// The nonces and times the requests were signed with differ; the answers must not.
		if a.Status != http.StatusNotFound || a.Status != b.Status || a.Body != b.Body || a.RetryAfter != b.RetryAfter {
			t.Errorf("answers differ: %+v vs %+v", a, b)
		}
		_, err := e.client.Lookup(context.Background(), api.Identify{IDNumber: "440308199901101513", FileNumber: fileA})
		if !errors.As(err, &a) || a.Status != http.StatusBadRequest || a.Body.Code != string(model.InputIDCheck) {
			t.Errorf("malformed ID: %v", err)
		}
	})
}

// Failures on one ID number at a kiosk delay it there: the fourth attempt waits, whether its
// file number is right or not, so that guessing cannot go on at speed; other people go on, and
// after the announced wait the right number gets in.
func TestRateLimitEngages(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		var last error
		for i := 0; i < 4; i++ {
			_, last = e.client.Lookup(context.Background(), api.Identify{IDNumber: idA, FileNumber: "999999999999"})
		}
		var se *api.StatusError
		if !errors.As(last, &se) || se.Status != http.StatusTooManyRequests || se.RetryAfter != 15*time.Second {
			t.Fatalf("fourth failed attempt on one ID: %v (retry after %v)", last, se.RetryAfter)
		}
		// Even the right file number waits now, so that guessing cannot continue.
		if _, err := e.client.Lookup(context.Background(), api.Identify{IDNumber: idA, FileNumber: fileA}); !errors.As(err, &se) || se.Status != http.StatusTooManyRequests {
			t.Errorf("right file number during the delay: %v", err)
		}
		if _, err := e.client.Lookup(context.Background(), api.Identify{IDNumber: idB, FileNumber: fileB}); err != nil {
			t.Errorf("another person: %v", err)
		}
		e.clock.Add(15 * time.Second)
		if _, err := e.client.Lookup(context.Background(), api.Identify{IDNumber: idA, FileNumber: fileA}); err != nil {
			t.Errorf("after the wait: %v", err)
		}
		if !strings.Contains(e.metricsText(), `kiosk_rate_limited_total{scope="kiosk_id_failures"} 2`) {
			t.Error("metrics should count the refusals")
		}
	})
}

// raw sends a request with explicit signing headers.
func (e *env) raw(method, path string, body []byte, mutate func(*http.Request)) int {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.http.URL+path, bytes.NewReader(body))
	if err := api.Sign(req, e.kiosk.KioskID, mustHex(e.t, e.kiosk.Secret), body, e.clock.Now()); err != nil {
		e.t.Fatal(err)
	}
	if mutate != nil {
		mutate(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestAuthenticationRefusals(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		body := []byte(`{"id_number":"` + idA + `","file_number":"` + fileA + `"}`)
		if s := e.raw("POST", "/v1/lookup", body, nil); s != 200 {
			t.Fatalf("a properly signed request: %d", s)
		}
		cases := map[string]func(*http.Request){
			"unsigned": func(r *http.Request) { r.Header.Del(api.HeaderSignature) },
			"wrong signature": func(r *http.Request) {
				r.Header.Set(api.HeaderSignature, api.Signature([]byte("not the secret"), "x"))
			},
			"body changed after signing": func(r *http.Request) {
				r.Body = io.NopCloser(strings.NewReader(`{"id_number":"` + idB + `","file_number":"` + fileB + `"}`))
				r.ContentLength = -1
			},
			// The signature covers the timestamp: moved after signing, it is a bad signature.
			"timestamp moved after signing": func(r *http.Request) {
				old := strconv.FormatInt(e.clock.Now().Add(-10*time.Minute).Unix(), 10)
				r.Header.Set(api.HeaderTimestamp, old)
			},
			"unknown kiosk": func(r *http.Request) { r.Header.Set(api.HeaderKiosk, "k-0000000000000000") },
		}
		for name, mutate := range cases {
			if s := e.raw("POST", "/v1/lookup", body, mutate); s != http.StatusUnauthorized {
				t.Errorf("%s: %d, want 401", name, s)
			}
		}
		// A replayed request: the same headers twice.
		var saved http.Header
		e.raw("POST", "/v1/lookup", body, func(r *http.Request) { saved = r.Header.Clone() })
		if s := e.raw("POST", "/v1/lookup", body, func(r *http.Request) { r.Header = saved }); s != http.StatusUnauthorized {
			t.Errorf("replayed: %d, want 401", s)
		}
		// Signed 10 minutes ago: stale (stale_test.go checks its answer).
		if s, _ := e.signedAt(e.kiosk.KioskID, mustHex(t, e.kiosk.Secret), e.clock.Now().Add(-10*time.Minute), strings.Repeat("5", 32)); s != http.StatusUnauthorized {
			t.Errorf("stale: %d, want 401", s)
		}
		logs := e.logs.String()
		for _, reason := range []string{"unsigned", "bad_signature", "stale", "replayed", "unknown_kiosk"} {
			if !strings.Contains(logs, `"reason":"`+reason+`"`) {
				t.Errorf("no log line for %s", reason)
			}
		}
		assertNoPersonalData(t, logs)
	})
}

// assertNoPersonalData fails if any seeded identity appears in the text.
func assertNoPersonalData(t *testing.T, text string) {
	t.Helper()
	for _, secret := range []string{idA, idB, idC, fileA, fileB, "张伟", "李娜", "王芳", "粤B54321", "粤B12345", "13800138000"} {
		if strings.Contains(text, secret) {
			t.Errorf("personal data %q in the logs", secret)
		}
	}
}

func (e *env) metricsText() string {
	e.t.Helper()
	resp, err := http.Get(e.http.URL + "/metrics")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestHealthAndMetrics(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		resp, err := http.Get(e.http.URL + "/healthz")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("healthz: %v %v", resp, err)
		}
		resp.Body.Close()
		e.send(processOp("op-1", 1, e.clock.Now(), 1, "V-A-1"))
		if _, err := e.client.Heartbeat(context.Background(), api.Heartbeat{OutboxDepth: 3, Version: "test"}); err != nil {
			t.Fatal(err)
		}
		m := e.metricsText()
		for _, want := range []string{
			// client_golang writes labels in the order of their names, and values as Go's
			// shortest %g (a Unix time of seconds in exponent form).
			`kiosk_http_requests_total{code="200",route="ops"} 1`,
			`kiosk_operations_total{outcome="applied",type="process"} 1`,
			`kiosk_http_request_duration_seconds_count{route="ops"} 1`,
			`kiosk_last_seen_timestamp_seconds{kiosk="` + e.kiosk.KioskID + `"} ` +
				strconv.FormatFloat(float64(e.clock.Now().Unix()), 'g', -1, 64),
			`kiosk_outbox_depth{kiosk="` + e.kiosk.KioskID + `"} 3`,
		} {
			if !strings.Contains(m, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
}

func TestChangesFeed(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		full, err := e.client.Changes(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, c := range full.Changes {
			kinds[c.Kind]++
		}
		if !full.Full || kinds["profile"] != 2 || kinds["catalogue"] != 1 || kinds["texts"] != 1 {
			t.Fatalf("full feed: full=%v kinds=%v", full.Full, kinds)
		}
		for _, c := range full.Changes {
			if c.Kind == "catalogue" {
				if _, err := model.ParseCatalogue(c.Body); err != nil {
					t.Errorf("the catalogue a kiosk receives must parse: %v", err)
				}
			}
			if c.Kind == "profile" {
				if _, err := model.ParseProfile(c.Body); err != nil {
					t.Errorf("profile %s must parse: %v", c.Key, err)
				}
			}
		}
		again, err := e.client.Changes(ctx, full.Cursor)
		if err != nil || again.Full || len(again.Changes) != 0 || again.Cursor != full.Cursor {
			t.Errorf("nothing changed: %+v %v", again, err)
		}
		other, err := e.client.Changes(ctx, "another-epoch.5")
		if err != nil || !other.Full || len(other.Changes) != len(full.Changes) {
			t.Errorf("a cursor of another epoch must get everything: full=%v n=%d", other.Full, len(other.Changes))
		}
		// A restarted server with the same reference data appends nothing.
		if _, err := New(ctx, Config{Store: e.store, Reference: e.ref, DefaultProfile: "national"}); err != nil {
			t.Fatal(err)
		}
		if after, _ := e.client.Changes(ctx, full.Cursor); len(after.Changes) != 0 {
			t.Errorf("restart appended %d changes", len(after.Changes))
		}
	})
}

// A full flow at debug level: lookups, a refused lookup, every kind of operation, the feed.
// Nothing of the people involved may reach the log.
func TestLogsCarryNoPersonalData(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/server.db")
	ctx := context.Background()
	e.client.Lookup(ctx, api.Identify{IDNumber: idA, FileNumber: fileA})
	e.client.Lookup(ctx, api.Identify{IDNumber: idA, FileNumber: fileB})
	e.client.Verify(ctx, api.Identify{IDNumber: idB, FileNumber: fileB})
	now := e.clock.Now()
	e.send(withOwner(processOp("op-1", 1, now, 1, "V-B-AFTER"), e.ownerToken(idA), api.FaceMatch), payOp("op-2", 2, now, "V-B-AFTER", 10000, 0),
		bindOp("op-3", 3, e, idC, "粤B54321", idA, fileA))
	e.client.Changes(ctx, "")
	e.client.Heartbeat(ctx, api.Heartbeat{Version: "t"})
	logs := e.logs.String()
	if !strings.Contains(logs, `"route":"ops"`) {
		t.Fatalf("the flow should have been logged at debug level:\n%s", logs)
	}
	assertNoPersonalData(t, logs)
}

// A card read by the kiosk's reader stands in for the file number on a lookup, and only there:
// /v1/verify still needs both numbers, and a request cannot carry both the card and a file
// number. An unknown ID number on a card gets the same neutral answer as a typed one.
func TestLookupByCard(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		out, err := e.client.Lookup(ctx, api.Identify{IDNumber: idA, CardRead: true})
		if err != nil || out.Person.Name != "张伟" {
			t.Fatalf("lookup by card: %+v, %v", out.Person, err)
		}
		var se *api.StatusError
		if _, err := e.client.Lookup(ctx, api.Identify{IDNumber: "440524188001010014", CardRead: true}); !errors.As(err, &se) || se.Status != http.StatusNotFound {
			t.Errorf("unknown card: %v", err)
		}
		if _, err := e.client.Lookup(ctx, api.Identify{IDNumber: idA, FileNumber: fileA, CardRead: true}); !errors.As(err, &se) || se.Status != http.StatusBadRequest {
			t.Errorf("card and file number together: %v", err)
		}
		if _, err := e.client.Verify(ctx, api.Identify{IDNumber: idA, CardRead: true}); !errors.As(err, &se) || se.Status != http.StatusBadRequest {
			t.Errorf("verify by card: %v", err)
		}
		if _, err := e.client.Lookup(ctx, api.Identify{IDNumber: idA}); !errors.As(err, &se) || se.Status != http.StatusBadRequest {
			t.Errorf("no file number and no card: %v", err)
		}
	})
}

// A lookup claims its nonce in the round trip of its reads: a replayed lookup is refused and
// takes no identification from the kiosk's bucket, and a lookup answered otherwise (here a
// malformed one) claims its nonce before that answer.
func TestLookupClaimsItsNonce(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		body := []byte(`{"id_number":"` + idA + `","file_number":"` + fileA + `"}`)
		var saved http.Header
		if s := e.raw("POST", "/v1/lookup", body, func(r *http.Request) { saved = r.Header.Clone() }); s != 200 {
			t.Fatalf("a lookup: %d", s)
		}
		if s := e.raw("POST", "/v1/lookup", body, func(r *http.Request) { r.Header = saved }); s != http.StatusUnauthorized {
			t.Errorf("the lookup replayed: %d, want 401", s)
		}
		// The bucket holds two: the replay took none of them.
		for i, want := range []int{200, http.StatusTooManyRequests} {
			if s := e.raw("POST", "/v1/lookup", body, nil); s != want {
				t.Errorf("lookup %d after the replay: %d, want %d", i+2, s, want)
			}
		}
		bad := []byte(`{"id_number":`)
		if s := e.raw("POST", "/v1/lookup", bad, func(r *http.Request) { saved = r.Header.Clone() }); s != http.StatusBadRequest {
			t.Errorf("a malformed lookup: %d, want 400", s)
		}
		if s := e.raw("POST", "/v1/lookup", bad, func(r *http.Request) { r.Header = saved }); s != http.StatusUnauthorized {
			t.Errorf("the malformed lookup replayed: %d, want 401", s)
		}
		if !strings.Contains(e.logs.String(), `"reason":"replayed"`) {
			t.Error("no refusal logged as a replay")
		}
	}, func(c *Config) { c.Limits.IdentifyPerKioskPerMinute = 2 })
}

// disagreeingStore's lookup decisions saw the person's record otherwise than the reads did, as
// when the record changes between the snapshot and the decision.
type disagreeingStore struct{ store.Store }

func (d disagreeingStore) ReadPerson(ctx context.Context, id model.IDNumber, rejections int, a *store.IdentifyAttempt,
	fn func(store.Reader) error) (store.Attempted, error) {
	decided, err := d.Store.ReadPerson(ctx, id, rejections, a, fn)
	decided.Found = !decided.Found
	return decided, err
}

// A lookup whose decision disagrees with its reads answers neither: the kiosk is told to send
// again, and learns nothing.
func TestLookupDecidedOnAnotherRecordIsAskedAgain(t *testing.T) {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "server.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := newEnvOn(t, disagreeingStore{st})
	for _, who := range []api.Identify{{IDNumber: idA, FileNumber: fileA}, {IDNumber: idA, FileNumber: "999999999999"}} {
		_, err := e.client.Lookup(context.Background(), who)
		var se *api.StatusError
		if !errors.As(err, &se) || se.Status != http.StatusServiceUnavailable || se.Body.Code != "busy" || se.RetryAfter != time.Second {
			t.Errorf("file number %s: %v, want 503 busy with Retry-After 1", who.FileNumber, err)
		}
	}
}
