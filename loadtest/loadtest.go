// Package loadtest measures the central server under the load of a province's kiosks: many
// enrolled kiosks on loopback, each running driver sessions (identify, process, pay) on an
// open-loop schedule, so that a slow answer delays the measured latency instead of quietly
// lowering the offered load. The same schedule runs against a bare net/http handler that serves
// a lookup answer from memory, as the baseline the server's numbers are compared with.
package loadtest

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/internal/cputime"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server"
	"github.com/hallkiosk/kiosk/server/store"
)

// Config sets up a run.
type Config struct {
	DSN      string        // the store to test (an SQLite path or a postgres:// URL)
	Kiosks   int           // enrolled kiosks sending at once
	Rate     float64       // offered requests per second, all kiosks together
	Duration time.Duration // how long to offer load
	People   int           // size of the generated data set
	Drain    int           // operations to queue and drain in batches (0: skip)
	Batch    int           // batch size of the drain
	Seed     int64
	// Camera is how many new violations arrive a second while the server is under load (0:
	// Rate/8, enough to keep processing a steady share of the traffic; negative: none).
	Camera int
	// Window is the length of the report's time windows (0: 4 s).
	Window time.Duration
}

// Result is one measured run.
type Result struct {
	Name       string
	Requests   int
	Errors     int
	Duration   time.Duration
	Throughput float64 // answered requests per second
	P50, P99   time.Duration
	ByKind     map[string]int
	P99ByKind  map[string]time.Duration
	// Outcomes counts operations by kind and the server's outcome ("process applied").
	Outcomes map[string]int
	// Windows is the mix in each time window of the run.
	Windows []Window
	// SelfCPU is the CPU time this process spent during the run (the server when it runs in
	// this process, the load generator, the cameras); OtherCPU the rest of the machine's busy
	// time (PostgreSQL's processes, and anything else running). Zero when not measured.
	SelfCPU, OtherCPU time.Duration
}

// CPUPerRequest is SelfCPU and OtherCPU divided by the requests answered.
func (r Result) CPUPerRequest() (self, other time.Duration) {
	if n := r.Requests - r.Errors; n > 0 {
		return r.SelfCPU / time.Duration(n), r.OtherCPU / time.Duration(n)
	}
	return 0, 0
}

// Window is what was sent in one time window of a run, by kind and, for operations, outcome.
type Window struct {
	Start    time.Duration
	Counts   map[string]int // "lookup", "process applied", "pay rejected", ...
	P50, P99 time.Duration  // of the requests scheduled in the window, all kinds
}

func (r Result) String() string {
	return fmt.Sprintf("%-10s %7d requests %5d errors %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms",
		r.Name, r.Requests, r.Errors, r.Throughput, ms(r.P50), ms(r.P99))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Report is a whole run: the server under the mix, the baseline under the same schedule, and
// the drain of queued operations.
type Report struct {
	Store     string
	Server    Result
	Baseline  Result
	Camera    int64 // violations the cameras added during the server run
	DrainOps  int   // operations sent in the drain
	DrainTime time.Duration
	// Drained counts the drain's operations by the server's outcome: applied,
	// applied_with_changes, rejected.
	Drained map[string]int
}

// DrainApplied is the drain's operations the server applied (with changes or not).
func (r Report) DrainApplied() int {
	return r.Drained[api.OutcomeApplied] + r.Drained[api.OutcomeWithChanges]
}

// DrainRate is operations applied per second while draining: rejected ones do not count.
func (r Report) DrainRate() float64 {
	if r.DrainTime == 0 {
		return 0
	}
	return float64(r.DrainApplied()) / r.DrainTime.Seconds()
}

// Run sets up a server over cfg.DSN with generated data and enrolled kiosks, offers the load,
// then the same schedule to the baseline, then drains queued operations.
func Run(ctx context.Context, cfg Config) (Report, error) {
	st, err := store.Open(ctx, cfg.DSN)
	if err != nil {
		return Report{}, err
	}
	defer st.Close()
	rep := Report{Store: st.Kind()}
	ref, err := model.LoadReference(assets.FS())
	if err != nil {
		return rep, err
	}
	// Errors only: a load test's log must not drown its report, but a failure must say why.
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	srv, err := server.New(ctx, server.Config{Store: st, Reference: ref, DefaultProfile: "national", Log: log,
		Limits: server.Limits{IdentifyPerKioskPerMinute: 1 << 20}})
	if err != nil {
		return rep, err
	}
	now := time.Now()
	data := dataset.Demo(cfg.Seed, now, cfg.People)
	p, _ := ref.Profile("national")
	// Through the bulk path, as a province is loaded: it also records the payment of every paid
	// violation, which an import file does not carry, so the tables hold what a hall's store
	// holds (PostgreSQL then plans the reads of payments for a table that has rows).
	if _, err := server.BulkImport(ctx, st, p, func(emit func(*dataset.Data) error) error { return emit(data) }); err != nil {
		return rep, err
	}
	// As kiosk serve does before it listens.
	if err := st.Warm(ctx, api.MaxRejections); err != nil {
		return rep, err
	}
	base, stop, err := listen(srv.Handler())
	if err != nil {
		return rep, err
	}
	defer stop()
	kiosks, err := enrollAll(ctx, st, ref, cfg.Kiosks, base)
	if err != nil {
		return rep, err
	}
	drivers := driversOf(data)
	r := rules{profile: p, catalogue: ref.Catalogue}
	cam := newCamera(st, data, cfg.Seed)
	camCtx, stopCam := context.WithCancel(ctx)
	camErr := make(chan error, 1)
	go func() { camErr <- cam.run(camCtx, cameraRate(cfg)) }()
	seen := &canned{}
	var scripts [][]string
	rep.Server, scripts = offer(ctx, "server", cfg, kiosks, drivers, r, seen, nil)
	stopCam()
	if err := <-camErr; err != nil {
		return rep, err
	}
	rep.Camera = cam.added.Load()

	bareH, err := bareHandler(seen)
	if err != nil {
		return rep, err
	}
	bare, stopBare, err := listen(bareH)
	if err != nil {
		return rep, err
	}
	defer stopBare()
	rep.Baseline, _ = offer(ctx, "bare", cfg, pointAt(kiosks, bare), drivers, r, nil, scripts)

	if cfg.Drain > 0 {
		// The day's cameras before the outage ended: enough new violations for the queues.
		if err := cam.add(ctx, cfg.Drain/2); err != nil {
			return rep, err
		}
		rep.DrainOps, rep.DrainTime, rep.Drained, err = drain(ctx, st, ref, base, data, r, cfg)
	}
	return rep, err
}

// cameraRate is the violations a second the cameras add.
func cameraRate(cfg Config) int {
	switch {
	case cfg.Camera < 0:
		return 0
	case cfg.Camera == 0:
		return int(cfg.Rate / 8)
	}
	return cfg.Camera
}

// listen serves h on a loopback port.
func listen(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	return "http://" + ln.Addr().String(), func() { hs.Close() }, nil
}

// kiosk is one simulated terminal.
type kiosk struct {
	client *api.Client
	epoch  int64
	seq    int64
	id     string
}

func enrollAll(ctx context.Context, st store.Store, ref *model.Reference, n int, base string) ([]*kiosk, error) {
	transport := &http.Transport{MaxIdleConns: n * 2, MaxIdleConnsPerHost: n * 2, IdleConnTimeout: time.Minute}
	hc := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	out := make([]*kiosk, n)
	for i := range out {
		e, err := server.Enroll(ctx, st, ref, fmt.Sprintf("load kiosk %d", i+1), "load hall", "national", time.Now())
		if err != nil {
			return nil, err
		}
		secret, _ := hex.DecodeString(e.Secret)
		out[i] = &kiosk{client: api.NewClient(base, e.KioskID, secret, hc), epoch: 1, id: e.KioskID}
	}
	return out, nil
}

// pointAt makes clients with the same identities that talk to another address.
func pointAt(ks []*kiosk, base string) []*kiosk {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: len(ks) * 2, MaxIdleConnsPerHost: len(ks) * 2}, Timeout: 30 * time.Second}
	out := make([]*kiosk, len(ks))
	for i, k := range ks {
		out[i] = &kiosk{client: api.NewClient(base, k.id, []byte("baseline"), hc), epoch: 1, id: k.id}
	}
	return out
}

// driver is someone who can identify at a kiosk.
type driver struct{ id, file string }

func driversOf(d *dataset.Data) []driver {
	var out []driver
	for _, p := range d.People {
		if p.Licence != nil {
			out = append(out, driver{string(p.Driver.ID), string(p.Licence.FileNumber)})
		}
	}
	return out
}

// driversAt is the drivers who come to kiosk i of n: a person stands at one kiosk at a time, so
// two kiosks never process the same person's violations at once (the server would refuse the
// second as processed elsewhere, which says nothing about its speed).
func driversAt(all []driver, i, n int) []driver {
	var out []driver
	for j := i; j < len(all); j += n {
		out = append(out, all[j])
	}
	if len(out) == 0 {
		return all
	}
	return out
}

// sample is one answered request.
type sample struct {
	kind    string
	outcome string        // an operation's outcome at the server
	reason  string        // a rejection's first reason code
	at      time.Duration // when it was scheduled, from the run's start
	latency time.Duration
	err     bool
}

// offer runs every kiosk's sessions on a shared open-loop schedule for cfg.Duration.
// A baseline run gets scripts: each kiosk sends the kinds of requests it sent in the server
// run, in the same order, so that both runs carry the same mix.
func offer(ctx context.Context, name string, cfg Config, ks []*kiosk, drivers []driver, r rules, seen *canned,
	scripts [][]string) (Result, [][]string) {
	perKiosk := cfg.Rate / float64(len(ks))
	interval := time.Duration(float64(time.Second) / perKiosk)
	self0 := cputime.Self()
	machine0, machineOK := cputime.Machine()
	start := time.Now()
	end := start.Add(cfg.Duration)
	samples := make([][]sample, len(ks))
	var wg sync.WaitGroup
	for i, k := range ks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(i)))
			// Spread the kiosks' first requests over one interval.
			next := start.Add(time.Duration(rng.Int64N(int64(interval))))
			var script []string
			if scripts != nil {
				script = scripts[i]
			}
			samples[i] = session(ctx, k, driversAt(drivers, i, len(ks)), r, rng, start, next, end, interval, seen, script)
		}()
	}
	wg.Wait()
	window := cfg.Window
	if window <= 0 {
		window = 4 * time.Second
	}
	sent := make([][]string, len(samples))
	for i, ss := range samples {
		for _, smp := range ss {
			sent[i] = append(sent[i], smp.kind)
		}
	}
	res := summarise(name, samples, time.Since(start), window)
	res.SelfCPU = cputime.Self() - self0
	if machine1, ok := cputime.Machine(); ok && machineOK {
		res.OtherCPU = max(0, machine1-machine0-res.SelfCPU)
	}
	return res, sent
}

func summarise(name string, per [][]sample, d, window time.Duration) Result {
	r := Result{Name: name, Duration: d, ByKind: map[string]int{}, P99ByKind: map[string]time.Duration{},
		Outcomes: map[string]int{}}
	var lat []time.Duration
	byKind := map[string][]time.Duration{}
	var byWindow [][]time.Duration
	for _, ss := range per {
		for _, s := range ss {
			r.Requests++
			r.ByKind[s.kind]++
			key := s.kind
			if s.outcome != "" {
				key += " " + s.outcome
				r.Outcomes[key]++
				if s.reason != "" {
					r.Outcomes[key+" "+s.reason]++
				}
			}
			w := int(s.at / window)
			for len(r.Windows) <= w {
				r.Windows = append(r.Windows, Window{Start: time.Duration(len(r.Windows)) * window, Counts: map[string]int{}})
			}
			r.Windows[w].Counts[key]++
			for len(byWindow) <= w {
				byWindow = append(byWindow, nil)
			}
			byWindow[w] = append(byWindow[w], s.latency)
			if s.err {
				r.Errors++
			}
			lat = append(lat, s.latency)
			byKind[s.kind] = append(byKind[s.kind], s.latency)
		}
	}
	r.P50, r.P99 = percentile(lat, 50), percentile(lat, 99)
	for k, l := range byKind {
		r.P99ByKind[k] = percentile(l, 99)
	}
	for w, l := range byWindow {
		r.Windows[w].P50, r.Windows[w].P99 = percentile(l, 50), percentile(l, 99)
	}
	r.Throughput = float64(r.Requests-r.Errors) / d.Seconds()
	return r
}

// Text renders the report for a terminal and for docs/PERFORMANCE.md.
func (r Report) Text() string {
	s := fmt.Sprintf("store: %s\n%s\n%s\n", r.Store, r.Server, r.Baseline)
	if r.Baseline.Throughput > 0 && r.Baseline.P99 > 0 {
		s += fmt.Sprintf("server/bare: throughput %.2f, p50 %.1fx, p99 %.1fx\n",
			r.Server.Throughput/r.Baseline.Throughput, float64(r.Server.P50)/float64(r.Baseline.P50), float64(r.Server.P99)/float64(r.Baseline.P99))
	}
	for _, res := range []Result{r.Server, r.Baseline} {
		if self, other := res.CPUPerRequest(); self > 0 {
			s += fmt.Sprintf("CPU per answered request, %s run: this process %.2f ms, rest of the machine %.2f ms (%d cores)\n",
				res.Name, ms(self), ms(other), runtime.NumCPU())
		}
	}
	s += fmt.Sprintf("server mix: %v, p99 by kind: %v\n", r.Server.ByKind, r.Server.P99ByKind)
	s += fmt.Sprintf("server outcomes: %v; bare mix: %v\n", r.Server.Outcomes, r.Baseline.ByKind)
	s += fmt.Sprintf("cameras added %d violations during the server run\n", r.Camera)
	s += "server mix by window:\n"
	for _, w := range r.Server.Windows {
		s += fmt.Sprintf("  %5s  p50 %8.2f ms  p99 %8.2f ms  %v\n", w.Start, ms(w.P50), ms(w.P99), w.Counts)
	}
	if r.DrainOps > 0 {
		s += fmt.Sprintf("drain: %d operations in %s: %d applied, %d applied with changes, %d rejected = %.0f applied operations/s\n",
			r.DrainOps, r.DrainTime.Round(time.Millisecond), r.Drained[api.OutcomeApplied], r.Drained[api.OutcomeWithChanges],
			r.Drained[api.OutcomeRejected], r.DrainRate())
	}
	return s
}

// percentile sorts l and returns its p-th percentile.
func percentile(l []time.Duration, p int) time.Duration {
	if len(l) == 0 {
		return 0
	}
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	return l[len(l)*p/100]
}
