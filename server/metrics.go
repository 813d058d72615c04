package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics holds what this process counts, in a Prometheus registry of its own: the process's
// default registry is global state that tests and a second Server in one process would share.
// What the store holds (kiosks, heartbeats, calls, refunds) is not kept here but read at each
// scrape (metrics_store.go), so that every server process shows the same.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec   // route, status code
	latency   *prometheus.HistogramVec // route
	ops       *prometheus.CounterVec   // type, outcome
	auth      *prometheus.CounterVec   // reason
	limitedBy *prometheus.CounterVec   // scope
	failures  *prometheus.CounterVec   // kiosk: failed typed identifications
	payOrders *prometheus.CounterVec   // event: created, paid, expired
	refunds   *prometheus.CounterVec   // the state (or failed) a refund step led to
	reconcile *prometheus.CounterVec   // statement lines and unlisted records by outcome
	regressed *prometheus.CounterVec   // kiosk: heartbeats whose journal checkpoint went backwards
	// routes holds each route's latency histogram and its counter of 200 answers, so that a
	// request, on every request's path, costs a map load and two atomic adds instead of
	// hashing the labels of two vectors.
	routes sync.Map // route -> *routeMetrics
	// fromStore describes the gauges each scrape reads from the store.
	fromStore storeDescs
}

// routeMetrics are the children of the vectors for one route.
type routeMetrics struct {
	ok      prometheus.Counter
	latency prometheus.Observer
}

// latencyBuckets are upper bounds in seconds.
func latencyBuckets() []float64 {
	return []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry(), fromStore: newStoreDescs()}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
		m.reg.MustRegister(c)
		return c
	}
	m.requests = counter("kiosk_http_requests_total", "HTTP requests by route and status code.", "route", "code")
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kiosk_http_request_duration_seconds",
		Help: "Time to answer a request, by route.", Buckets: latencyBuckets()}, []string{"route"})
	m.reg.MustRegister(m.latency)
	m.ops = counter("kiosk_operations_total", "Kiosk operations applied, by type and outcome.", "type", "outcome")
	m.auth = counter("kiosk_auth_failures_total", "Requests refused by authentication, by reason.", "reason")
	m.limitedBy = counter("kiosk_rate_limited_total", "Identifications refused by a rate limit, by scope.", "scope")
	m.failures = counter("kiosk_identify_failures_total",
		"Failed typed identifications (wrong ID number or file number), by kiosk.", "kiosk")
	m.payOrders = counter("kiosk_pay_orders_total", "Phone payment orders created, paid and found expired.", "event")
	m.refunds = counter("kiosk_refund_steps_total",
		"Refund steps this process recorded, by the state they led to (failed: an issue that failed, owed again).", "to")
	m.reconcile = counter("kiosk_reconcile_lines_total",
		"Daily reconciliation: statement lines, and records the statement did not list, by outcome (docs/payment-channel.md).",
		"outcome")
	m.regressed = counter("kiosk_journal_checkpoint_regressions_total",
		"Heartbeats whose journal checkpoint was below the kiosk's previous one (a replaced store restarts at 0), by kiosk.",
		"kiosk")
	return m
}

// codeLabel is a status as a label value, without an allocation for the statuses the server
// answers (strconv.Itoa allocates for numbers of three digits).
func codeLabel(status int) string {
	switch status {
	case http.StatusOK:
		return "200"
	case http.StatusBadRequest:
		return "400"
	case http.StatusUnauthorized:
		return "401"
	case http.StatusNotFound:
		return "404"
	case http.StatusConflict:
		return "409"
	case http.StatusTooManyRequests:
		return "429"
	case http.StatusInternalServerError:
		return "500"
	case http.StatusServiceUnavailable:
		return "503"
	}
	return strconv.Itoa(status)
}

func (m *metrics) request(route string, status int, d time.Duration) {
	rm, ok := m.routes.Load(route)
	if !ok {
		// The children are made (or found) by the vectors themselves: two first requests of
		// a route store the same ones. A route's 200 series so starts at 0 with its first
		// request, whatever that answered, which rate() reads better than a late first sample.
		rm, _ = m.routes.LoadOrStore(route, &routeMetrics{ok: m.requests.WithLabelValues(route, "200"),
			latency: m.latency.WithLabelValues(route)})
	}
	r := rm.(*routeMetrics)
	if status == http.StatusOK {
		r.ok.Inc()
	} else {
		m.requests.WithLabelValues(route, codeLabel(status)).Inc()
	}
	r.latency.Observe(d.Seconds())
}

func (m *metrics) op(typ, outcome string) { m.ops.WithLabelValues(typ, outcome).Inc() }

func (m *metrics) authFailure(reason string) { m.auth.WithLabelValues(reason).Inc() }

func (m *metrics) limited(scope string) { m.limitedBy.WithLabelValues(scope).Inc() }

// identifyFailure counts a failed typed identification at a kiosk: a rising count is what an
// operator watches for (a person or a script guessing file numbers).
func (m *metrics) identifyFailure(kiosk string) { m.failures.WithLabelValues(kiosk).Inc() }

// payOrder counts an event in the life of phone payment orders: created, paid, expired.
func (m *metrics) payOrder(event string) { m.payOrders.WithLabelValues(event).Inc() }

// refundStep counts a refund step committed by this process: issuing, issued, settled, or a
// failed issue.
func (m *metrics) refundStep(to string) { m.refunds.WithLabelValues(to).Inc() }

// reconciled counts n lines (or records the statement did not list) of a reconciliation with
// this outcome. An outcome counted 0 times still gets its series, so that an alert on flagged
// outcomes has one to watch from the first run.
func (m *metrics) reconciled(outcome string, n int) {
	m.reconcile.WithLabelValues(outcome).Add(float64(n))
}

// checkpointRegressed counts a heartbeat whose journal checkpoint was below the kiosk's last.
func (m *metrics) checkpointRegressed(kiosk string) { m.regressed.WithLabelValues(kiosk).Inc() }

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

// handleMetrics serves the counters this process keeps together with gauges read from the
// store at this scrape: what every kiosk last reported, its state as staff see it, calls for
// staff, rejected operations nobody followed up, refunds in each state, and whether the
// server's own store takes writes. A store that cannot be read answers like any other request
// (500 internal, or 503 for full or read-only storage); the format, its escaping and content
// negotiation are client_golang's.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	snap, err := s.readSnapshot(r.Context(), now)
	if err != nil {
		s.internalError(w, "metrics", err)
		return
	}
	snap.writable = s.storeWritable(r.Context(), now)
	scrape := prometheus.NewRegistry()
	if err := scrape.Register(storeCollector{descs: &s.metrics.fromStore, snap: snap}); err != nil {
		s.internalError(w, "metrics", err)
		return
	}
	promhttp.HandlerFor(prometheus.Gatherers{s.metrics.reg, scrape},
		promhttp.HandlerOpts{ErrorLog: promErrorLog{s.log}}).ServeHTTP(w, r)
}

// promErrorLog logs what promhttp could not gather (a bug of ours: a family described twice,
// say) through the server's log.
type promErrorLog struct{ log *slog.Logger }

func (l promErrorLog) Println(v ...any) {
	l.log.Error("metrics: gather failed", "err", fmt.Sprint(v...))
}
