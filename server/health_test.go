package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/server/store"
)

// healthz returns the status, Retry-After and error body of GET /healthz.
func (e *env) healthz() (int, string, api.Error) {
	e.t.Helper()
	resp, err := http.Get(e.http.URL + "/healthz")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body api.Error
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), body
}

// storageRefusal checks a 503 for storage with Retry-After and a body that says what happened.
func storageRefusal(t *testing.T, what string, err error, code, says string) {
	t.Helper()
	var se *api.StatusError
	if !errors.As(err, &se) || se.Status != http.StatusServiceUnavailable || se.RetryAfter != time.Minute ||
		se.Body.Code != code || !strings.Contains(se.Body.Message, says) || !strings.Contains(se.Body.Message, "sent again") {
		t.Errorf("%s: %v, want 503 %s saying %q, with Retry-After 60", what, err, code, says)
	}
}

func (e *env) setStore(stmt string) {
	e.t.Helper()
	if err := store.TestingExec(context.Background(), e.store, stmt); err != nil {
		e.t.Fatal(err)
	}
}

// makeFull fills the store, or lets it have room again. SQLite gets a real SQLITE_FULL from a
// page limit at the pages in use (the tmpfs variant in package store fills a real disk);
// PostgreSQL, whose disk cannot be filled here, raises its own disk_full (53100) from triggers
// on the tables a probe and a batch write.
func (e *env) makeFull(full bool) {
	switch {
	case e.store.Kind() == "sqlite" && full:
		e.setStore("PRAGMA max_page_count = 1") // clamps to the pages in use
	case e.store.Kind() == "sqlite":
		e.setStore("PRAGMA max_page_count = 4294967294")
	case full:
		e.setStore(`CREATE FUNCTION test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$`)
		for _, table := range []string{"meta", "ops", "payments", "kiosks"} {
			e.setStore(fmt.Sprintf("CREATE TRIGGER test_full BEFORE INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION test_disk_full()", table))
		}
	default:
		e.setStore("DROP FUNCTION test_disk_full CASCADE")
	}
}

// A full store: /healthz fails with store_full, a batch of operations answers 503 with
// Retry-After and stores nothing, and once there is room the kiosk's resend is applied and
// /healthz passes again (a minute after the last failed request).
func TestStorageFull(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		if s, _, _ := e.healthz(); s != http.StatusOK {
			t.Fatalf("healthz before: %d", s)
		}
		e.makeFull(true)
		e.clock.Add(probeEvery)
		status, retry, body := e.healthz()
		if status != http.StatusServiceUnavailable || retry != "60" || body.Code != "store_full" || !strings.Contains(body.Message, "storage is full") {
			t.Errorf("healthz on a full store: %d %q %+v", status, retry, body)
		}
		// Batches until one no longer fits (on SQLite the first may fit in pages already there).
		var batch []api.Op
		var err error
		seq := int64(0)
		for round := 0; err == nil && round < 20; round++ {
			batch = nil
			for i := 0; i < 50; i++ {
				seq++
				batch = append(batch, payOp(fmt.Sprintf("full-%d", seq), seq, e.clock.Now(), "NO-SUCH", 100, 0))
			}
			_, err = e.client.Ops(ctx, batch)
		}
		storageRefusal(t, "a batch on a full store", err, "store_full", "storage is full")
		if n := e.count(func(r store.Reader) (int, error) {
			_, err := r.Op(batch[0].ID)
			if errors.Is(err, store.ErrNotFound) {
				return 0, nil
			}
			return 1, err
		}); n != 0 {
			t.Error("the refused batch was stored")
		}
		if e.store.Kind() == "postgres" {
			// Every route's storage failure answers alike: the heartbeat's update of the kiosk
			// row meets the trigger here (on SQLite it rewrites the row in place, which a page
			// limit does not stop).
			_, err = e.client.Heartbeat(ctx, api.Heartbeat{Version: "t"})
			storageRefusal(t, "a heartbeat", err, "store_full", "storage is full")
		}
		// Reads go on.
		if _, err := e.client.Lookup(ctx, api.Identify{IDNumber: idB, FileNumber: fileB}); err != nil {
			t.Errorf("a lookup on a full store: %v", err)
		}

		e.makeFull(false)
		e.clock.Add(probeEvery)
		if s, _, body := e.healthz(); s != http.StatusServiceUnavailable || body.Code != "store_full" || !strings.Contains(body.Message, "seconds ago") {
			t.Errorf("healthz just after a failed request: %d %+v, want store_full for a minute", s, body)
		}
		res, err := e.client.Ops(ctx, batch)
		if err != nil || len(res.Results) != len(batch) || res.Results[0].Outcome == api.OutcomeDeferred {
			t.Fatalf("the resent batch: %v %+v", err, res.Results[:min(1, len(res.Results))])
		}
		e.clock.Add(storageRetryAfter)
		if s, _, body := e.healthz(); s != http.StatusOK {
			t.Errorf("healthz a minute later: %d %+v", s, body)
		}
		if !strings.Contains(e.logs.String(), `"cause":"store_full"`) {
			t.Error("the storage failure should be logged with its cause")
		}
		assertNoPersonalData(t, e.logs.String())
	})
}

// A read-only store (SQLite with query_only on its writer, PostgreSQL set read-only as a standby
// is): /healthz fails with store_read_only, and a batch answers 503 with Retry-After.
func TestStorageReadOnly(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		e.setReadOnly(true)
		status, retry, body := e.healthz()
		if status != http.StatusServiceUnavailable || retry != "60" || body.Code != "store_read_only" || !strings.Contains(body.Message, "read-only") {
			t.Errorf("healthz on a read-only store: %d %q %+v", status, retry, body)
		}
		batch := []api.Op{payOp("ro-1", 1, e.clock.Now(), "NO-SUCH", 100, 0)}
		// Through the handler: on PostgreSQL the request's nonce is written first, and
		// authentication answers 401 for any store failure today (see auth.go).
		rec := httptest.NewRecorder()
		body1 := oaJSON(t, api.OpsRequest{Ops: batch})
		e.srv.handleOps(rec, httptest.NewRequest("POST", "/v1/ops", nil), &session{kiosk: e.kioskRecord(), body: body1})
		var got api.Error
		_ = json.Unmarshal(rec.Body.Bytes(), &got)
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "60" || got.Code != "store_read_only" ||
			!strings.Contains(got.Message, "sent again") {
			t.Errorf("a batch on a read-only store: %d %q %+v", rec.Code, rec.Header().Get("Retry-After"), got)
		}
		if e.store.Kind() == "sqlite" { // and through HTTP, where nonces live in memory
			_, err := e.client.Ops(context.Background(), batch)
			storageRefusal(t, "a batch through HTTP", err, "store_read_only", "read-only")
		}
		e.setReadOnly(false)
		e.clock.Add(storageRetryAfter)
		if s, _, body := e.healthz(); s != http.StatusOK {
			t.Errorf("healthz when writable again: %d %+v", s, body)
		}
		if res := e.send(batch...); len(res) != 1 || res[0].Outcome == api.OutcomeDeferred {
			t.Errorf("the resent batch: %+v", res)
		}
	})
}

func (e *env) setReadOnly(on bool) {
	e.t.Helper()
	if e.store.Kind() == "sqlite" {
		e.setStore(map[bool]string{true: "PRAGMA query_only = 1", false: "PRAGMA query_only = 0"}[on])
		return
	}
	e.setStore(fmt.Sprintf(`BEGIN READ WRITE; DO $$ BEGIN EXECUTE format('ALTER DATABASE %%I SET default_transaction_read_only = %v', current_database()); END $$; COMMIT`, on))
}

func (e *env) kioskRecord() store.Kiosk {
	e.t.Helper()
	var k store.Kiosk
	if err := e.store.Read(context.Background(), func(r store.Reader) error {
		var err error
		k, err = r.Kiosk(e.kiosk.KioskID)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return k
}

// /healthz writes at most once a second, however often it is asked.
func TestHealthProbesAreRateLimited(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/server.db")
	written := func() string {
		var v string
		if err := e.store.Read(context.Background(), func(r store.Reader) error {
			var err error
			v, _, err = r.Meta("health_checked_at")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return v
	}
	e.healthz()
	first := written()
	for i := 0; i < 5; i++ {
		e.clock.Add(100 * time.Millisecond)
		e.healthz()
	}
	if written() != first {
		t.Error("a probe within a second of the last one wrote again")
	}
	e.clock.Add(probeEvery)
	e.healthz()
	if written() == first {
		t.Error("a probe a second later did not write")
	}
}
