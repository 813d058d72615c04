package server

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/server/store"
)

// metrics collects what /metrics exposes in the Prometheus text format. It is small enough to
// keep by hand, and keeping it by hand keeps a global registry out of the process.
type metrics struct {
	mu        sync.Mutex
	requests  map[[2]string]uint64 // route, status code
	latency   map[string]*histogram
	ops       map[[2]string]uint64 // type, outcome
	auth      map[string]uint64
	limitedBy map[string]uint64
	failures  map[string]uint64 // kiosk -> failed typed identifications
	payOrders map[string]uint64 // event: created, paid, expired
	regressed map[string]uint64 // kiosk -> heartbeats whose journal checkpoint went backwards
	refunds   map[string]uint64 // refund steps by the state (or failed) they led to
	reconcile map[string]uint64 // statement lines and unlisted records by reconciliation outcome
}

// latencyBuckets are upper bounds in seconds.
func latencyBuckets() []float64 {
	return []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}
}

type histogram struct {
	bounds []float64 // upper bounds of the buckets, from latencyBuckets
	counts []uint64  // per bucket, then +Inf
	sum    float64
	n      uint64
}

func newMetrics() *metrics {
	return &metrics{requests: map[[2]string]uint64{}, latency: map[string]*histogram{},
		ops: map[[2]string]uint64{}, auth: map[string]uint64{}, limitedBy: map[string]uint64{}, failures: map[string]uint64{},
		payOrders: map[string]uint64{}, regressed: map[string]uint64{}, refunds: map[string]uint64{},
		reconcile: map[string]uint64{}}
}

func (m *metrics) request(route string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[[2]string{route, fmt.Sprint(status)}]++
	h, ok := m.latency[route]
	if !ok {
		b := latencyBuckets()
		h = &histogram{bounds: b, counts: make([]uint64, len(b)+1)}
		m.latency[route] = h
	}
	secs := d.Seconds()
	i := sort.SearchFloat64s(h.bounds, secs)
	h.counts[i]++
	h.sum += secs
	h.n++
}

func (m *metrics) op(typ, outcome string) {
	m.mu.Lock()
	m.ops[[2]string{typ, outcome}]++
	m.mu.Unlock()
}

func (m *metrics) authFailure(reason string) {
	m.mu.Lock()
	m.auth[reason]++
	m.mu.Unlock()
}

func (m *metrics) limited(scope string) {
	m.mu.Lock()
	m.limitedBy[scope]++
	m.mu.Unlock()
}

// identifyFailure counts a failed typed identification at a kiosk: a rising count is what an
// operator watches for (a person or a script guessing file numbers).
func (m *metrics) identifyFailure(kiosk string) {
	m.mu.Lock()
	m.failures[kiosk]++
	m.mu.Unlock()
}

// payOrder counts an event in the life of phone payment orders: created, paid, expired.
func (m *metrics) payOrder(event string) {
	m.mu.Lock()
	m.payOrders[event]++
	m.mu.Unlock()
}

// refundStep counts a refund step committed by this process: issuing, issued, settled, or a
// failed issue.
func (m *metrics) refundStep(to string) {
	m.mu.Lock()
	m.refunds[to]++
	m.mu.Unlock()
}

// reconciled counts n lines (or records the statement did not list) of a reconciliation with
// this outcome. An outcome counted 0 times still gets its series, so that an alert on flagged
// outcomes has one to watch from the first run.
func (m *metrics) reconciled(outcome string, n int) {
	m.mu.Lock()
	m.reconcile[outcome] += uint64(n)
	m.mu.Unlock()
}

// checkpointRegressed counts a heartbeat whose journal checkpoint was below the kiosk's last.
func (m *metrics) checkpointRegressed(kiosk string) {
	m.mu.Lock()
	m.regressed[kiosk]++
	m.mu.Unlock()
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// observe counts and times requests of a route. It logs one line per request with method,
// route, status and duration: no query, no body, no header values.
func (s *Server) observe(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		d := time.Since(start)
		s.metrics.request(route, rec.status, d)
		s.log.Debug("request", "method", r.Method, "route", route, "status", rec.status, "ms", d.Milliseconds())
	})
}

// handleMetrics writes the counters this process keeps and, from the store, what every kiosk
// last reported and the refunds in each state (so that every server process shows the same,
// also after a restart).
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	var kiosks []store.Kiosk
	var statuses []store.KioskStatus
	var refunds map[string]int64
	err := s.store.Read(r.Context(), func(rd store.Reader) error {
		var err error
		if kiosks, err = rd.Kiosks(); err != nil {
			return err
		}
		if refunds, err = rd.RefundCounts(); err != nil {
			return err
		}
		statuses, err = rd.KioskStatuses()
		return err
	})
	if err != nil {
		s.internalError(w, "metrics", err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	s.metrics.write(w, kiosks)
	writeKioskStatuses(w, statuses, s.now())
	writeRefundCounts(w, refunds)
}

// writeRefundCounts writes how many refunds are in each state, every state present (0 for
// none), so that an alert on owed refunds has a series to watch from the start.
func writeRefundCounts(w io.Writer, counts map[string]int64) {
	fmt.Fprintln(w, "# HELP kiosk_refunds Refunds by state: owed (to be issued), issuing (the channel was asked), issued, settled.")
	fmt.Fprintln(w, "# TYPE kiosk_refunds gauge")
	for _, state := range store.RefundStates() {
		fmt.Fprintf(w, "kiosk_refunds{state=%q} %d\n", state, counts[state])
	}
}

func (m *metrics) write(w io.Writer, kiosks []store.Kiosk) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintln(w, "# HELP kiosk_http_requests_total HTTP requests by route and status code.")
	fmt.Fprintln(w, "# TYPE kiosk_http_requests_total counter")
	for _, k := range sortedKeys2(m.requests) {
		fmt.Fprintf(w, "kiosk_http_requests_total{route=%q,code=%q} %d\n", k[0], k[1], m.requests[k])
	}
	fmt.Fprintln(w, "# HELP kiosk_http_request_duration_seconds Time to answer a request, by route.")
	fmt.Fprintln(w, "# TYPE kiosk_http_request_duration_seconds histogram")
	routes := make([]string, 0, len(m.latency))
	for r := range m.latency {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	for _, route := range routes {
		h := m.latency[route]
		cum := uint64(0)
		for i, le := range h.bounds {
			cum += h.counts[i]
			fmt.Fprintf(w, "kiosk_http_request_duration_seconds_bucket{route=%q,le=\"%g\"} %d\n", route, le, cum)
		}
		fmt.Fprintf(w, "kiosk_http_request_duration_seconds_bucket{route=%q,le=\"+Inf\"} %d\n", route, h.n)
		fmt.Fprintf(w, "kiosk_http_request_duration_seconds_sum{route=%q} %g\n", route, h.sum)
		fmt.Fprintf(w, "kiosk_http_request_duration_seconds_count{route=%q} %d\n", route, h.n)
	}
	fmt.Fprintln(w, "# HELP kiosk_operations_total Kiosk operations applied, by type and outcome.")
	fmt.Fprintln(w, "# TYPE kiosk_operations_total counter")
	for _, k := range sortedKeys2(m.ops) {
		fmt.Fprintf(w, "kiosk_operations_total{type=%q,outcome=%q} %d\n", k[0], k[1], m.ops[k])
	}
	writeCounter(w, "kiosk_auth_failures_total", "Requests refused by authentication, by reason.", "reason", m.auth)
	writeCounter(w, "kiosk_rate_limited_total", "Identifications refused by a rate limit, by scope.", "scope", m.limitedBy)
	writeCounter(w, "kiosk_identify_failures_total", "Failed typed identifications (wrong ID number or file number), by kiosk.", "kiosk", m.failures)
	writeCounter(w, "kiosk_pay_orders_total", "Phone payment orders created, paid and found expired.", "event", m.payOrders)
	writeCounter(w, "kiosk_refund_steps_total", "Refund steps this process recorded, by the state they led to (failed: an issue that failed, owed again).",
		"to", m.refunds)
	writeCounter(w, "kiosk_reconcile_lines_total",
		"Daily reconciliation: statement lines, and records the statement did not list, by outcome (docs/payment-channel.md).",
		"outcome", m.reconcile)
	writeCounter(w, "kiosk_journal_checkpoint_regressions_total",
		"Heartbeats whose journal checkpoint was below the kiosk's previous one (a replaced store restarts at 0), by kiosk.",
		"kiosk", m.regressed)
	fmt.Fprintln(w, "# HELP kiosk_last_seen_timestamp_seconds When each enrolled kiosk was last heard from (0: never).")
	fmt.Fprintln(w, "# TYPE kiosk_last_seen_timestamp_seconds gauge")
	for _, k := range kiosks {
		seen := int64(0)
		if !k.LastSeen.IsZero() {
			seen = k.LastSeen.Unix()
		}
		fmt.Fprintf(w, "kiosk_last_seen_timestamp_seconds{kiosk=%q} %d\n", k.ID, seen)
	}
}

// writeKioskStatuses writes per-kiosk gauges from each kiosk's last heartbeat. A kiosk that did
// not report a part (its clock's skew before it measured it, its store, its journal) has no
// sample of those gauges.
func writeKioskStatuses(w io.Writer, statuses []store.KioskStatus, now time.Time) {
	gauge := func(name, help string, value func(store.KioskStatus) (float64, bool)) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name)
		for _, st := range statuses {
			if v, ok := value(st); ok {
				fmt.Fprintf(w, "%s{kiosk=%q} %s\n", name, st.KioskID, strconv.FormatFloat(v, 'f', -1, 64))
			}
		}
	}
	gauge("kiosk_outbox_depth", "Operations waiting in each kiosk's outbox, from its last heartbeat.",
		func(st store.KioskStatus) (float64, bool) { return float64(st.OutboxDepth), true })
	gauge("kiosk_oldest_pending_age_seconds", "Age of the oldest operation waiting in each kiosk's outbox (0: none waits).",
		func(st store.KioskStatus) (float64, bool) {
			if st.OldestPending.IsZero() || !now.After(st.OldestPending) {
				return 0, true
			}
			return now.Sub(st.OldestPending).Truncate(time.Second).Seconds(), true
		})
	gauge("kiosk_rejected_operations", "Operations the platform rejected that staff at each kiosk have not yet dealt with.",
		func(st store.KioskStatus) (float64, bool) { return float64(st.Rejected), true })
	gauge("kiosk_clock_skew_seconds", "Each kiosk's clock minus the server's, as the kiosk last measured it.",
		func(st store.KioskStatus) (float64, bool) { return float64(st.ClockSkewMS) / 1000, st.ClockSkewKnown })
	gauge("kiosk_store_used_bytes", "Bytes in use in each kiosk's local store.",
		func(st store.KioskStatus) (float64, bool) { return float64(st.Store.UsedBytes), st.StoreKnown })
	gauge("kiosk_store_level", "Fill level of each kiosk's local store: 0 ok, 1 high (pruning early), 2 stop (no new offline operations).",
		func(st store.KioskStatus) (float64, bool) {
			return float64(storeLevelValue(st.Store.Level)), st.StoreKnown
		})
	gauge("kiosk_journal_checkpoint_seq", "Sequence number of each kiosk's journal checkpoint (entries trimmed so far).",
		func(st store.KioskStatus) (float64, bool) { return float64(st.Journal.CheckpointSeq), st.JournalKnown })
}

// storeLevelValue is a store level as a gauge's value.
func storeLevelValue(level string) int {
	switch level {
	case api.StoreHigh:
		return 1
	case api.StoreStop:
		return 2
	}
	return 0
}

func writeCounter(w io.Writer, name, help, label string, values map[string]uint64) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n", name, help, name)
	for _, k := range sortedKeys(values) {
		fmt.Fprintf(w, "%s{%s=%q} %d\n", name, label, k, values[k])
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedKeys2(m map[[2]string]uint64) [][2]string {
	out := make([][2]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return strings.Join(out[i][:], "\x00") < strings.Join(out[j][:], "\x00") })
	return out
}
