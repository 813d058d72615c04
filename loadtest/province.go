package loadtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server"
	"github.com/hallkiosk/kiosk/server/store"
)

// SizeSet is a data set to measure latencies at: a province bulk-loaded at Scale, or (Scale 0)
// the load test's demo data set of Demo people, imported.
type SizeSet struct {
	Name  string
	DSN   string // an empty store (an SQLite path or a postgres:// URL)
	Scale float64
	Demo  int
}

// SizeConfig says how to measure each data set: Sessions driver sessions (identify, then
// process and pay what the rules allow) from Kiosks kiosks, each waiting for its answer before
// its next request, so that the figures are latencies of one request at a time rather than of
// a queue. The sessions look up the set's sampled licence holders in a shuffled order.
type SizeConfig struct {
	Sessions int
	Kiosks   int
	Seed     int64
}

// Latency is the latency of one kind of request.
type Latency struct {
	N             int
	P50, P95, P99 time.Duration
}

func (l Latency) String() string {
	return fmt.Sprintf("%6.2f/%6.2f/%6.2f ms (%d)", ms(l.P50), ms(l.P95), ms(l.P99), l.N)
}

// Spread describes how many records the sampled lookups returned.
type Spread struct {
	Mean     float64
	P50, P99 int
	Max      int
}

func (s Spread) String() string {
	return fmt.Sprintf("%.1f, p50 %d, p99 %d, max %d", s.Mean, s.P50, s.P99, s.Max)
}

// SizeResult is one data set measured.
type SizeResult struct {
	Set    SizeSet
	Store  string
	People int
	// Load is how long generating and loading took, Rows how many rows it wrote, Bytes the
	// store's size on disk after it.
	Load  time.Duration
	Rows  int64
	Bytes int64
	// Finish is the part of Load after the last row: indexes, constraints, statistics.
	Finish time.Duration
	// Lookup, Process and Pay are the latencies of the three requests.
	Lookup, Process, Pay Latency
	// Violations and Vehicles are what the lookups returned: the sample's shape.
	Violations, Vehicles Spread
	// Rejected counts operations the server rejected (the kiosk's rules and the server's
	// disagreed: a sign the measurement is not of real work). Raced counts those rejected
	// because another kiosk processed the violation first: two people may process one
	// violation (its vehicle's owner and a driver bound to it), and the kiosks serve different
	// people at once, not different vehicles.
	Rejected, Raced int
}

// sampleSize is how many licence holders a province's lookups are drawn from.
const sampleSize = 5000

// MeasureSizes loads every data set into its store, then measures lookup, processing and
// payment latencies through each server's HTTP handler on loopback, with real kiosk
// signatures. The sets are measured in turns (rounds of cfg.Sessions/rounds sessions each), so
// that a machine busier at one moment than another weighs on every set alike.
func MeasureSizes(ctx context.Context, sets []SizeSet, cfg SizeConfig, rounds int) ([]SizeResult, error) {
	var targets []*sizeTarget
	defer func() {
		for _, t := range targets {
			t.close()
		}
	}()
	for _, set := range sets {
		t, err := prepareSize(ctx, set, cfg)
		if t != nil {
			targets = append(targets, t)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", set.Name, err)
		}
	}
	// A bulk load leaves gigabytes for the kernel to write back; measured meanwhile, every
	// set's commits would wait behind them. The measurement starts once they are on disk.
	settleDisks()
	rounds = max(rounds, 1)
	for r := range rounds {
		n := cfg.Sessions/rounds + btoi(r < cfg.Sessions%rounds)
		for _, t := range targets {
			if err := t.feed(ctx, n); err != nil {
				return nil, fmt.Errorf("%s: %w", t.res.Set.Name, err)
			}
		}
		for _, t := range targets {
			if err := t.measure(ctx, n); err != nil {
				return nil, fmt.Errorf("%s: %w", t.res.Set.Name, err)
			}
		}
	}
	out := make([]SizeResult, len(targets))
	for i, t := range targets {
		out[i] = t.result()
	}
	return out, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sizeTarget is a loaded data set with its server listening and its kiosks enrolled.
type sizeTarget struct {
	res    SizeResult
	st     store.Store
	stop   func()
	kiosks []*kiosk
	rngs   []*rand.Rand // each kiosk's, kept from round to round
	people []driver
	order  []int // the order people come in
	next   int   // the next session's place in order
	r      rules
	// samples are each kiosk's answered requests.
	samples [][]sizeSample
	// templates are camera violations of the set that feed copies; fed counts its copies.
	templates []model.Violation
	feedRng   *rand.Rand
	fed       int
}

// sizeSample is one answered request.
type sizeSample struct {
	kind     string
	latency  time.Duration
	rejected bool
	raced    bool // rejected because another kiosk processed the violation first
	vehicles int
	viols    int
}

// prepareSize opens the set's store, loads its data and starts its server; the target it
// returns (also with an error) must be closed.
func prepareSize(ctx context.Context, set SizeSet, cfg SizeConfig) (*sizeTarget, error) {
	st, err := store.Open(ctx, set.DSN)
	if err != nil {
		return nil, err
	}
	t := &sizeTarget{res: SizeResult{Set: set, Store: st.Kind()}, st: st}
	ref, err := model.LoadReference(assets.FS())
	if err != nil {
		return t, err
	}
	p, _ := ref.Profile("national")
	t.r = rules{profile: p, catalogue: ref.Catalogue}
	start := time.Now()
	if set.Scale > 0 {
		var sum store.BulkSummary
		t.people, t.res.People, sum, err = loadProvince(ctx, st, p, set.Scale, cfg.Seed)
		t.res.Rows, t.res.Finish = sum.Total(), sum.Finish
	} else {
		data := dataset.Demo(cfg.Seed, time.Now(), set.Demo)
		var sum server.ImportSummary
		sum, err = server.Import(ctx, st, p, data)
		t.people, t.res.People = driversOf(data), len(data.People)
		t.res.Rows = int64(sum.People + sum.Vehicles + sum.Violations + sum.Decisions + sum.Bindings + sum.Follows +
			sum.PointsEntries + sum.UnitDrivers)
	}
	if err != nil {
		return t, err
	}
	if len(t.people) == 0 {
		return t, errors.New("the data set has no licence holders")
	}
	t.res.Load = time.Since(start)
	if t.res.Bytes, err = storeBytes(ctx, set.DSN); err != nil {
		return t, err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	srv, err := server.New(ctx, server.Config{Store: st, Reference: ref, DefaultProfile: "national", Log: log,
		Limits: server.Limits{IdentifyPerKioskPerMinute: 1 << 20}})
	if err != nil {
		return t, err
	}
	base, stop, err := listen(srv.Handler())
	if err != nil {
		return t, err
	}
	t.stop = stop
	if t.kiosks, err = enrollAll(ctx, st, ref, cfg.Kiosks, base); err != nil {
		return t, err
	}
	for i := range t.kiosks {
		t.rngs = append(t.rngs, rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(i))))
	}
	t.samples = make([][]sizeSample, len(t.kiosks))
	t.feedRng = rand.New(rand.NewPCG(uint64(cfg.Seed), 0x66656564))
	t.order = rand.New(rand.NewPCG(uint64(cfg.Seed), 0x6d656173)).Perm(len(t.people))
	return t, nil
}

func (t *sizeTarget) close() {
	if t.stop != nil {
		t.stop()
	}
	t.st.Close()
}

// loadProvince bulk-loads a province and draws a uniform sample of its licence holders (a
// reservoir, so that nothing holds them all): most have a few violations, some many.
func loadProvince(ctx context.Context, st store.Store, p *model.Profile, scale float64, seed int64) ([]driver, int, store.BulkSummary, error) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x73616d70))
	var sample []driver
	seen := 0
	var counts dataset.ProvinceCounts
	sum, err := server.BulkImport(ctx, st, p, func(emit func(*dataset.Data) error) error {
		var err error
		counts, err = dataset.Province(seed, time.Now(), scale, func(d *dataset.Data) error {
			for _, person := range d.People {
				if person.Licence == nil {
					continue
				}
				seen++
				dr := driver{string(person.Driver.ID), string(person.Licence.FileNumber)}
				if len(sample) < sampleSize {
					sample = append(sample, dr)
				} else if j := rng.IntN(seen); j < sampleSize {
					sample[j] = dr
				}
			}
			return emit(d)
		})
		return err
	})
	return sample, counts.People, sum, err
}

// storeBytes is the size of the store on disk: the SQLite file with its WAL, or the
// PostgreSQL database.
func storeBytes(ctx context.Context, dsn string) (int64, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return 0, err
		}
		defer db.Close()
		var n int64
		err = db.QueryRowContext(ctx, `SELECT pg_database_size(current_database())`).Scan(&n)
		return n, err
	}
	var n int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(strings.TrimPrefix(dsn, "sqlite:") + suffix); err == nil {
			n += fi.Size()
		}
	}
	return n, nil
}

// feed is the day's cameras before the next n sessions: each of their licence holders who owns
// a personal, non-operating vehicle gets one new violation on it, dated minutes ago, copied
// from a camera violation of the set (its code, fine, points and office, so that the rules
// judge it as they judge the loaded ones). Without it a set of 2,000 people runs out of
// violations to process within its first pass, and processing and payment have a few hundred
// samples a set: a p99 of the third worst. Feeding is written in one transaction between
// rounds, outside the time measured, and alike in every set.
func (t *sizeTarget) feed(ctx context.Context, n int) error {
	now := time.Now()
	var fresh []model.Violation
	err := t.st.Read(ctx, func(r store.Reader) error {
		for s := range n {
			d := t.people[t.order[(t.next+s)%len(t.order)]]
			vs, err := r.VehiclesOwnedBy(model.IDNumber(d.id))
			if err != nil {
				return err
			}
			var plates []model.Plate
			for _, v := range vs {
				if cameraPlate(v.Vehicle) {
					plates = append(plates, v.Plate)
				}
			}
			if len(plates) == 0 {
				continue
			}
			if len(t.templates) < 50 {
				known, err := r.ViolationsOfPlates(plates)
				if err != nil {
					return err
				}
				for _, v := range known {
					if cameraTemplate(v) {
						t.templates = append(t.templates, v)
					}
				}
			}
			if len(t.templates) == 0 {
				continue
			}
			t.fed++
			fresh = append(fresh, cameraCopy(t.templates[t.feedRng.IntN(len(t.templates))], t.fed,
				plates[t.feedRng.IntN(len(plates))], now, t.feedRng))
		}
		return nil
	})
	if err != nil || len(fresh) == 0 {
		return err
	}
	return putViolations(ctx, t.st, fresh)
}

// measure runs n sessions over the kiosks, each kiosk one request at a time: look the next
// people up, process what the rules allow (six in ten lookups, as in the load test) and pay the
// decisions.
func (t *sizeTarget) measure(ctx context.Context, n int) error {
	errs := make([]error, len(t.kiosks))
	var wg sync.WaitGroup
	for ki, k := range t.kiosks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := t.rngs[ki]
			for s := ki; s < n; s += len(t.kiosks) {
				d := t.people[t.order[(t.next+s)%len(t.order)]]
				if err := t.session(ctx, ki, k, rng, d); err != nil {
					errs[ki] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	t.next += n
	return errors.Join(errs...)
}

// session is one driver's session at kiosk ki.
func (t *sizeTarget) session(ctx context.Context, ki int, k *kiosk, rng *rand.Rand, d driver) error {
	t0 := time.Now()
	l, err := k.client.Lookup(ctx, api.Identify{IDNumber: d.id, FileNumber: d.file})
	if err != nil {
		return fmt.Errorf("lookup: %w", err)
	}
	t.samples[ki] = append(t.samples[ki], sizeSample{kind: "lookup", latency: time.Since(t0), vehicles: len(l.Vehicles),
		viols: len(l.Violations)})
	if rng.Float64() >= 0.6 {
		return nil
	}
	pick := t.r.pick(&l, rng, time.Now())
	if len(pick) == 0 {
		return nil
	}
	t0 = time.Now()
	out, err := k.sendResults(ctx, processOf(k, &l, pick))
	if err != nil {
		return fmt.Errorf("process: %w", err)
	}
	rejected := len(out) != 1 || out[0].Outcome == api.OutcomeRejected
	raced := rejected && len(out) == 1 && len(out[0].Reasons) > 0 &&
		out[0].Reasons[0].Code == string(model.ReasonProcessedElsewhere)
	t.samples[ki] = append(t.samples[ki], sizeSample{kind: "process", latency: time.Since(t0), rejected: rejected && !raced,
		raced: raced})
	if rejected || len(out[0].Decisions) == 0 {
		return nil
	}
	t0 = time.Now()
	out, err = k.sendResults(ctx, payOf(k, out[0].Decisions))
	if err != nil {
		return fmt.Errorf("pay: %w", err)
	}
	t.samples[ki] = append(t.samples[ki], sizeSample{kind: "pay", latency: time.Since(t0),
		rejected: len(out) != 1 || out[0].Outcome == api.OutcomeRejected})
	return nil
}

// result summarises what was measured.
func (t *sizeTarget) result() SizeResult {
	res := t.res
	byKind := map[string][]time.Duration{}
	var vehicles, viols []int
	for _, ss := range t.samples {
		for _, s := range ss {
			byKind[s.kind] = append(byKind[s.kind], s.latency)
			if s.rejected {
				res.Rejected++
			}
			if s.raced {
				res.Raced++
			}
			if s.kind == "lookup" {
				vehicles, viols = append(vehicles, s.vehicles), append(viols, s.viols)
			}
		}
	}
	lat := func(l []time.Duration) Latency {
		return Latency{N: len(l), P50: percentile(l, 50), P95: percentile(l, 95), P99: percentile(l, 99)}
	}
	res.Lookup, res.Process, res.Pay = lat(byKind["lookup"]), lat(byKind["process"]), lat(byKind["pay"])
	res.Vehicles, res.Violations = spread(vehicles), spread(viols)
	return res
}

func spread(ns []int) Spread {
	if len(ns) == 0 {
		return Spread{}
	}
	sort.Ints(ns)
	total := 0
	for _, n := range ns {
		total += n
	}
	return Spread{Mean: float64(total) / float64(len(ns)), P50: ns[len(ns)/2], P99: ns[len(ns)*99/100], Max: ns[len(ns)-1]}
}

// SizeReport renders measured data sets and, for each store, the ratio of the latencies of
// every data set to those of each one of less than a tenth of its people: the province against
// the small sets.
func SizeReport(results []SizeResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-9s %-16s %9s %11s %8s %10s  %-31s %-31s %-31s %s\n", "store", "data set", "people", "rows", "load",
		"size", "lookup p50/p95/p99 (n)", "process p50/p95/p99 (n)", "pay p50/p95/p99 (n)", "violations a lookup (vehicles)")
	for _, r := range results {
		fmt.Fprintf(&b, "%-9s %-16s %9d %11d %8s %8.0fMB  %-31s %-31s %-31s %s (%.1f)\n", r.Store, r.Set.Name, r.People, r.Rows,
			r.Load.Round(time.Second), float64(r.Bytes)/(1<<20), r.Lookup, r.Process, r.Pay, r.Violations, r.Vehicles.Mean)
		if r.Rejected > 0 || r.Raced > 0 {
			fmt.Fprintf(&b, "%-9s %-16s %d operations rejected, %d processed first at another kiosk\n", "", "",
				r.Rejected, r.Raced)
		}
	}
	ratio := func(a, b time.Duration) string {
		if b == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2fx", float64(a)/float64(b))
	}
	for _, r := range results {
		for _, base := range results {
			if base.Store != r.Store || base.People*10 > r.People {
				continue
			}
			three := func(a, b Latency) string {
				return ratio(a.P50, b.P50) + " / " + ratio(a.P95, b.P95) + " / " + ratio(a.P99, b.P99)
			}
			fmt.Fprintf(&b, "%s, %s against %s (p50 / p95 / p99): lookup %s, process %s, pay %s\n",
				r.Store, r.Set.Name, base.Set.Name, three(r.Lookup, base.Lookup), three(r.Process, base.Process),
				three(r.Pay, base.Pay))
		}
	}
	return b.String()
}
