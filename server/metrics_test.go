package server

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/console"
	"github.com/hallkiosk/kiosk/internal/pgtest"
	"github.com/hallkiosk/kiosk/server/store"
)

// scrape is one answer of /metrics: its text and what expfmt's parser read from it.
type scrape struct {
	text     string
	families map[string]*dto.MetricFamily
}

// scrapeMetrics reads /metrics of h in the text format and parses it; a text the parser does
// not take fails the test.
func scrapeMetrics(t *testing.T, h http.Handler) scrape {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics answered %d: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("/metrics Content-Type %q, want the text format 0.0.4", ct)
	}
	text := rec.Body.String()
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("expfmt cannot parse /metrics: %v\n%s", err, text)
	}
	return scrape{text: text, families: fams}
}

// labelsOf is a metric's labels as a map.
func labelsOf(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// value is the value of the sample of family name whose labels are exactly labels (pairs of
// name and value); ok is false when there is none.
func (s scrape) value(name string, labels ...string) (float64, bool) {
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
	for _, m := range s.families[name].GetMetric() {
		got := labelsOf(m)
		if len(got) != len(want) {
			continue
		}
		same := true
		for k, v := range want {
			if got[k] != v {
				same = false
			}
		}
		if !same {
			continue
		}
		switch {
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

// want checks one sample's value.
func (s scrape) want(t *testing.T, v float64, name string, labels ...string) {
	t.Helper()
	got, ok := s.value(name, labels...)
	if !ok {
		t.Errorf("no sample %s%q", name, labels)
	} else if got != v {
		t.Errorf("%s%q = %v, want %v", name, labels, got, v)
	}
}

// hostileHall is a hall's name with what the text format must escape (a quote, a backslash, a
// newline) in Chinese text, which it must not.
const hostileHall = "东门 \"A\"\\区\n二层"

// hostileDevice is a device kind a kiosk may send (printable ASCII) with a quote and a backslash.
const hostileDevice = `cash"box\2`

// metricsFleet is a server driven so that every family the deploy files read has samples.
type metricsFleet struct {
	degraded, rejecting, online, silent, revoked string // kiosk ids, by what they show
	madeOpen                                     time.Time
}

// driveFleet drives e: kiosk 1 (e.kiosk, "test hall") sends a full heartbeat (its printer out
// of paper, its store high, its outbox a week old), has its call acknowledged and fails
// identifications until it is rate-limited; kiosk 2, in hostileHall, has a call nobody
// acknowledged (made 4 minutes ago) and a rejected operation; kiosk 3 sends a bare heartbeat
// and a journal that goes backwards; kiosk 4 is enrolled and never heard from; kiosk 5 is
// revoked; a request with a wrong key fails authentication.
func driveFleet(t *testing.T, e *env) metricsFleet {
	t.Helper()
	ctx := context.Background()
	now := e.clock.Now()
	enroll := func(name, hall string) Enrollment {
		t.Helper()
		k, err := Enroll(ctx, e.store, e.ref, name, hall, "national", now)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	k2, k3, k4, k5 := enroll("east 1", hostileHall), enroll("hall 2", "test hall"), enroll("new", "test hall"),
		enroll("old", "test hall")
	if err := Revoke(ctx, e.store, k5.KioskID, now); err != nil {
		t.Fatal(err)
	}
	c1, c2, c3 := e.client, e.newClient(k2), e.newClient(k3)
	fleet := metricsFleet{degraded: e.kiosk.KioskID, rejecting: k2.KioskID, online: k3.KioskID, silent: k4.KioskID,
		revoked: k5.KioskID, madeOpen: now.Add(-4 * time.Minute)}

	e.send(processOp("op-1", 1, now, 1, "V-A-1"))
	hb := fullHeartbeat(now)
	hb.Devices, hb.DeviceStates = nil, map[string]api.DeviceStatus{api.DevicePrinter: {State: api.DevicePaperOut},
		api.DeviceIDReader: {State: api.DeviceOK}}
	if _, err := c1.Heartbeat(ctx, hb); err != nil {
		t.Fatal(err)
	}
	if _, err := c2.Heartbeat(ctx, api.Heartbeat{Version: "1.5.0", DeviceStates: map[string]api.DeviceStatus{
		api.DevicePrinter: {State: api.DeviceOK}, hostileDevice: {State: api.DeviceError}}}); err != nil {
		t.Fatal(err)
	}
	rejected := goodPay(now.Add(time.Hour)) // a time the kiosk's clock cannot have
	rejected.ID = "op-2"
	if res, err := c2.Ops(ctx, []api.Op{rejected}); err != nil || res.Results[0].Outcome != "rejected" {
		t.Fatalf("the rejected operation: %+v %v", res, err)
	}
	for _, seq := range []int64{200, 100} {
		if _, err := c3.Heartbeat(ctx, api.Heartbeat{Version: "1.5.0", Journal: &api.JournalCheckpoint{Seq: seq,
			Hash: strings.Repeat("2", 64), HeadSeq: seq + 10, HeadHash: strings.Repeat("1", 64)}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c2.Calls(ctx, api.CallsRequest{Calls: []api.StaffCall{{ID: "call-1", Screen: "pay", MadeAt: fleet.madeOpen}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c1.Calls(ctx, api.CallsRequest{Calls: []api.StaffCall{{ID: "call-2", Screen: "process",
		MadeAt: now.Add(-time.Minute)}}}); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.StaffSource().Acknowledge(ctx, console.Staff{ID: "desk-1", Hall: "test hall"}, e.kiosk.KioskID, "call-2"); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		_, _ = c1.Lookup(ctx, api.Identify{IDNumber: idA, FileNumber: "999999999999"})
	}
	wrong := make([]byte, 32)
	bad := api.NewClientWithClock(e.http.URL, e.kiosk.KioskID, wrong, nil, e.clock.Now)
	if _, err := bad.Heartbeat(ctx, api.Heartbeat{}); err == nil {
		t.Fatal("a request signed with a wrong key was taken")
	}
	return fleet
}

// /metrics shows what the store holds at the scrape, in the text format expfmt parses: calls
// by hall and state with the oldest unacknowledged call's age, each device's state, each
// kiosk's state exactly as the staff console has it, rejected operations nobody followed up,
// heartbeat times, and that the server's store takes writes. A hall's Chinese name with a
// quote, a backslash and a newline, and a kiosk's device kind with a quote and a backslash,
// are escaped by the format's rules and read back whole. Another server process over the same
// store shows the same, and a later scrape shows time passing.
func TestMetricsFromTheStore(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		f := driveFleet(t, e)
		now := e.clock.Now()
		m := scrapeMetrics(t, e.srv.Handler())
		// A pedantic registry checks that what the collector collects is what it describes.
		snap, err := e.srv.readSnapshot(context.Background(), now)
		if err != nil {
			t.Fatal(err)
		}
		pedantic := prometheus.NewPedanticRegistry()
		pedantic.MustRegister(storeCollector{descs: &e.srv.metrics.fromStore, snap: snap})
		if _, err := pedantic.Gather(); err != nil {
			t.Errorf("the store's gauges are not what they describe: %v", err)
		}

		m.want(t, 1, "kiosk_staff_calls", "hall", hostileHall, "state", "open")
		m.want(t, 0, "kiosk_staff_calls", "hall", hostileHall, "state", "coming")
		m.want(t, 0, "kiosk_staff_calls", "hall", "test hall", "state", "open")
		m.want(t, 1, "kiosk_staff_calls", "hall", "test hall", "state", "coming")
		m.want(t, 240, "kiosk_staff_call_oldest_open_seconds", "hall", hostileHall)
		m.want(t, 0, "kiosk_staff_call_oldest_open_seconds", "hall", "test hall")
		for _, escaped := range []string{`hall="东门 \"A\"\\区\n二层"`, `device="cash\"box\\2"`} {
			if !strings.Contains(m.text, escaped) {
				t.Errorf("the text lacks the escaped label %s", escaped)
			}
		}

		for _, state := range api.DeviceStatesAll() {
			m.want(t, oneIf(state == api.DevicePaperOut), "kiosk_device_state", "kiosk", f.degraded, "device", "printer", "state", state)
			m.want(t, oneIf(state == api.DeviceOK), "kiosk_device_state", "kiosk", f.degraded, "device", "id_reader", "state", state)
			m.want(t, oneIf(state == api.DeviceError), "kiosk_device_state", "kiosk", f.rejecting, "device", hostileDevice, "state", state)
		}
		m.want(t, 0, "kiosk_rejected_open", "kiosk", f.degraded)
		m.want(t, 1, "kiosk_rejected_open", "kiosk", f.rejecting)
		m.want(t, float64(now.Unix()), "kiosk_heartbeat_timestamp_seconds", "kiosk", f.degraded)
		if _, ok := m.value("kiosk_heartbeat_timestamp_seconds", "kiosk", f.silent); ok {
			t.Error("a kiosk that never sent a heartbeat has a heartbeat time")
		}
		m.want(t, 0, "kiosk_last_seen_timestamp_seconds", "kiosk", f.silent)
		m.want(t, 1, "kiosk_server_store_writable")
		m.want(t, 0, "kiosk_refunds", "state", "owed") // none owed: the series is there with 0

		want := map[string]string{f.degraded: console.KioskDegraded, f.rejecting: console.KioskDegraded,
			f.online: console.KioskOnline, f.silent: console.KioskOffline, f.revoked: console.KioskRevoked}
		checkKioskStates(t, e, m, want)

		// Another process over the same store shows the same store-derived gauges.
		other, err := New(context.Background(), Config{Store: e.store, Reference: e.ref, DefaultProfile: "national", Now: e.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		m2 := scrapeMetrics(t, other.Handler())
		for _, name := range []string{"kiosk_staff_calls", "kiosk_staff_call_oldest_open_seconds", "kiosk_device_state",
			"kiosk_rejected_open", "kiosk_state", "kiosk_heartbeat_timestamp_seconds", "kiosk_last_seen_timestamp_seconds",
			"kiosk_outbox_depth", "kiosk_refunds"} {
			if a, b := m.families[name].String(), m2.families[name].String(); a != b {
				t.Errorf("%s differs between two processes:\n%s\n%s", name, a, b)
			}
		}

		// Four minutes on: the call has waited eight, and every kiosk is silent past the
		// console's three minutes.
		e.clock.Add(4 * time.Minute)
		m = scrapeMetrics(t, e.srv.Handler())
		m.want(t, 480, "kiosk_staff_call_oldest_open_seconds", "hall", hostileHall)
		checkKioskStates(t, e, m, map[string]string{f.degraded: console.KioskOffline, f.rejecting: console.KioskOffline,
			f.online: console.KioskOffline, f.silent: console.KioskOffline, f.revoked: console.KioskRevoked})
	})
}

// checkKioskStates checks that each kiosk has exactly one state at 1, the one wanted, and that
// it is the state the staff console shows.
func checkKioskStates(t *testing.T, e *env, m scrape, want map[string]string) {
	t.Helper()
	fleet, err := e.srv.StaffSource().Fleet(context.Background(), console.Staff{ID: "chief", Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(fleet) != len(want) {
		t.Fatalf("the console lists %d kiosks, want %d", len(fleet), len(want))
	}
	for _, k := range fleet {
		if k.State != want[k.ID] {
			t.Errorf("the console shows %s %s, want %s", k.ID, k.State, want[k.ID])
		}
		for _, state := range []string{console.KioskOnline, console.KioskDegraded, console.KioskOffline, console.KioskRevoked} {
			m.want(t, oneIf(state == k.State), "kiosk_state", "kiosk", k.ID, "state", state)
		}
	}
}

// The request histogram has the buckets it always had, counts an observation on a bound in
// that bucket (le is "less than or equal"), and its +Inf bucket, count and sum add up; the
// counters keep their names and labels, a reconciliation outcome counted 0 times has a series,
// and a route's first request that is not a 200 is counted like any other.
func TestMetricsHistogramAndCounters(t *testing.T) {
	m := newMetrics()
	for _, d := range []time.Duration{time.Millisecond, 3 * time.Millisecond, 2500 * time.Millisecond, 10 * time.Second} {
		m.request("ops", http.StatusOK, d)
	}
	m.request("lookup", http.StatusTooManyRequests, 40*time.Millisecond)
	m.request("lookup", http.StatusOK, 40*time.Millisecond)
	m.request("ops", 418, time.Millisecond)
	m.reconciled("amount_differs", 0)
	m.reconciled("matched", 3)
	m.op("pay", "rejected")

	s := scrapeMetrics(t, promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	fams := s.families
	s.want(t, 4, "kiosk_http_requests_total", "route", "ops", "code", "200")
	s.want(t, 1, "kiosk_http_requests_total", "route", "ops", "code", "418")
	s.want(t, 1, "kiosk_http_requests_total", "route", "lookup", "code", "429")
	s.want(t, 1, "kiosk_http_requests_total", "route", "lookup", "code", "200")
	s.want(t, 0, "kiosk_reconcile_lines_total", "outcome", "amount_differs")
	s.want(t, 3, "kiosk_reconcile_lines_total", "outcome", "matched")
	s.want(t, 1, "kiosk_operations_total", "type", "pay", "outcome", "rejected")

	fam := fams["kiosk_http_request_duration_seconds"]
	if fam.GetType() != dto.MetricType_HISTOGRAM {
		t.Fatalf("kiosk_http_request_duration_seconds is a %v", fam.GetType())
	}
	for _, metric := range fam.GetMetric() {
		route := labelsOf(metric)["route"]
		h := metric.GetHistogram()
		var bounds []float64
		var counts []uint64
		for _, b := range h.GetBucket() {
			if !math.IsInf(b.GetUpperBound(), 1) {
				bounds, counts = append(bounds, b.GetUpperBound()), append(counts, b.GetCumulativeCount())
			}
		}
		if !slices.Equal(bounds, latencyBuckets()) {
			t.Errorf("%s: buckets %v, want %v", route, bounds, latencyBuckets())
		}
		var want []uint64
		switch route {
		case "ops": // 1ms (twice), 3ms, 2.5s, 10s
			want = []uint64{2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4}
			if h.GetSampleCount() != 5 || math.Abs(h.GetSampleSum()-12.505) > 1e-9 {
				t.Errorf("ops: count %d, sum %v; want 5, 12.505", h.GetSampleCount(), h.GetSampleSum())
			}
		case "lookup": // 40ms twice
			want = []uint64{0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2}
		}
		if !slices.Equal(counts, want) {
			t.Errorf("%s: cumulative counts %v, want %v", route, counts, want)
		}
	}
	if !strings.Contains(s.text, `kiosk_http_request_duration_seconds_bucket{route="ops",le="+Inf"} 5`) {
		t.Errorf("no +Inf bucket of 5 for ops:\n%s", s.text)
	}
}

// readOnlyStore answers every write as a PostgreSQL hot standby does while readOnly is set;
// reads work.
type readOnlyStore struct {
	store.Store
	readOnly atomic.Bool
}

var errReadOnly = fmt.Errorf("store: test: %w", &pgconn.PgError{Code: "25006"})

func (s *readOnlyStore) Tx(ctx context.Context, fn func(store.Tx) error) error {
	if s.readOnly.Load() {
		return errReadOnly
	}
	return s.Store.Tx(ctx, fn)
}

func (s *readOnlyStore) RememberNonce(ctx context.Context, kioskID, nonce string, now, until time.Time) (bool, error) {
	if s.readOnly.Load() {
		return false, errReadOnly
	}
	return s.Store.RememberNonce(ctx, kioskID, nonce, now, until)
}

func (s *readOnlyStore) CheckWritable(ctx context.Context, now time.Time) error {
	if s.readOnly.Load() {
		return errReadOnly
	}
	return s.Store.CheckWritable(ctx, now)
}

// kiosk_server_store_writable is 0 exactly while /healthz fails for storage: while the store
// refuses writes, and for a minute after a request failed for storage; 1 otherwise.
func TestMetricsStoreWritable(t *testing.T) {
	run := func(t *testing.T, dsn string) {
		st, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		ro := &readOnlyStore{Store: st}
		e := newEnvOn(t, ro)
		check := func(what string, want float64) {
			t.Helper()
			m := scrapeMetrics(t, e.srv.Handler())
			m.want(t, want, "kiosk_server_store_writable")
			rec := httptest.NewRecorder()
			e.srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
			if healthy := rec.Code == http.StatusOK; healthy != (want == 1) {
				t.Errorf("%s: /healthz answered %d while the metric is %v", what, rec.Code, want)
			}
		}
		check("a store that writes", 1)
		ro.readOnly.Store(true)
		e.clock.Add(2 * probeEvery) // past the last probe's result
		check("a read-only store", 0)
		ro.readOnly.Store(false)
		e.clock.Add(2 * probeEvery)
		check("writable again", 1)

		// A heartbeat meets the read-only store: the store is taken as unwritable for a minute,
		// though the probe passes again at once.
		ro.readOnly.Store(true)
		var se *api.StatusError
		if _, err := e.client.Heartbeat(context.Background(), api.Heartbeat{}); !errors.As(err, &se) || se.Status != http.StatusServiceUnavailable {
			t.Fatalf("a heartbeat to a read-only store: %v", err)
		}
		ro.readOnly.Store(false)
		e.clock.Add(2 * probeEvery)
		check("a request failed 2 seconds ago", 0)
		e.clock.Add(storageRetryAfter)
		check("a minute later", 1)
	}
	t.Run("sqlite", func(t *testing.T) { run(t, filepath.Join(t.TempDir(), "server.db")) })
	t.Run("postgres", func(t *testing.T) { run(t, pgtest.New(t)) })
}
