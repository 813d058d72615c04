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
	"sort"
	"sync"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/dataset"
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
	DrainOps  int
	DrainTime time.Duration
}

// DrainRate is operations applied per second while draining.
func (r Report) DrainRate() float64 {
	if r.DrainTime == 0 {
		return 0
	}
	return float64(r.DrainOps) / r.DrainTime.Seconds()
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
	if _, err := server.Import(ctx, st, p, data); err != nil {
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
	rep.Server = offer(ctx, "server", cfg, kiosks, drivers)

	bare, stopBare, err := listen(bareHandler(ctx, kiosks[0], drivers[0]))
	if err != nil {
		return rep, err
	}
	defer stopBare()
	rep.Baseline = offer(ctx, "bare", cfg, pointAt(kiosks, bare), drivers)

	if cfg.Drain > 0 {
		rep.DrainOps, rep.DrainTime, err = drain(ctx, st, ref, base, data, cfg)
	}
	return rep, err
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

// sample is one answered request.
type sample struct {
	kind    string
	latency time.Duration
	err     bool
}

// offer runs every kiosk's sessions on a shared open-loop schedule for cfg.Duration.
func offer(ctx context.Context, name string, cfg Config, ks []*kiosk, drivers []driver) Result {
	perKiosk := cfg.Rate / float64(len(ks))
	interval := time.Duration(float64(time.Second) / perKiosk)
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
			samples[i] = session(ctx, k, drivers, rng, next, end, interval, name == "bare")
		}()
	}
	wg.Wait()
	return summarise(name, samples, time.Since(start))
}

func summarise(name string, per [][]sample, d time.Duration) Result {
	r := Result{Name: name, Duration: d, ByKind: map[string]int{}, P99ByKind: map[string]time.Duration{}}
	var lat []time.Duration
	byKind := map[string][]time.Duration{}
	for _, ss := range per {
		for _, s := range ss {
			r.Requests++
			r.ByKind[s.kind]++
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
	s += fmt.Sprintf("server mix: %v, p99 by kind: %v\n", r.Server.ByKind, r.Server.P99ByKind)
	if r.DrainOps > 0 {
		s += fmt.Sprintf("drain: %d operations in %s = %.0f operations/s\n", r.DrainOps, r.DrainTime.Round(time.Millisecond), r.DrainRate())
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
