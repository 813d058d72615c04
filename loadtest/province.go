package loadtest

import (
	"context"
	"database/sql"
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
// a queue.
type SizeConfig struct {
	Sessions int
	Kiosks   int
	Seed     int64
}

// Latency is the latency of one kind of request.
type Latency struct {
	N        int
	P50, P99 time.Duration
}

func (l Latency) String() string {
	return fmt.Sprintf("%6.2f/%6.2f ms (%d)", ms(l.P50), ms(l.P99), l.N)
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
	// disagreed: a sign the measurement is not of real work).
	Rejected int
}

// sampleSize is how many licence holders a province's lookups are drawn from.
const sampleSize = 5000

// MeasureSize loads a data set into its store and measures lookup, processing and payment
// latencies through the server's HTTP handler on loopback, with real kiosk signatures.
func MeasureSize(ctx context.Context, set SizeSet, cfg SizeConfig) (SizeResult, error) {
	res := SizeResult{Set: set}
	st, err := store.Open(ctx, set.DSN)
	if err != nil {
		return res, err
	}
	defer st.Close()
	res.Store = st.Kind()
	ref, err := model.LoadReference(assets.FS())
	if err != nil {
		return res, err
	}
	p, _ := ref.Profile("national")
	start := time.Now()
	var people []driver
	if set.Scale > 0 {
		var sum store.BulkSummary
		people, res.People, sum, err = loadProvince(ctx, st, p, set.Scale, cfg.Seed)
		res.Rows, res.Finish = sum.Total(), sum.Finish
	} else {
		data := dataset.Demo(cfg.Seed, time.Now(), set.Demo)
		var sum server.ImportSummary
		sum, err = server.Import(ctx, st, p, data)
		people, res.People = driversOf(data), len(data.People)
		res.Rows = int64(sum.People + sum.Vehicles + sum.Violations + sum.Decisions + sum.Bindings + sum.Follows +
			sum.PointsEntries + sum.UnitDrivers)
	}
	if err != nil {
		return res, err
	}
	res.Load = time.Since(start)
	if res.Bytes, err = storeBytes(ctx, set.DSN); err != nil {
		return res, err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	srv, err := server.New(ctx, server.Config{Store: st, Reference: ref, DefaultProfile: "national", Log: log,
		Limits: server.Limits{IdentifyPerKioskPerMinute: 1 << 20}})
	if err != nil {
		return res, err
	}
	base, stop, err := listen(srv.Handler())
	if err != nil {
		return res, err
	}
	defer stop()
	kiosks, err := enrollAll(ctx, st, ref, cfg.Kiosks, base)
	if err != nil {
		return res, err
	}
	return res, measure(ctx, &res, kiosks, people, rules{profile: p, catalogue: ref.Catalogue}, cfg)
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

// measure runs cfg.Sessions sessions over the kiosks, each kiosk one request at a time: look a
// driver up, process what the rules allow (six in ten lookups, as in the load test) and pay the
// decisions.
func measure(ctx context.Context, res *SizeResult, kiosks []*kiosk, people []driver, r rules, cfg SizeConfig) error {
	if len(people) == 0 {
		return fmt.Errorf("the data set %s has no licence holders", res.Set.Name)
	}
	type kindSample struct {
		kind     string
		latency  time.Duration
		rejected bool
		vehicles int
		viols    int
	}
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x6d656173))
	order := rng.Perm(len(people))
	per := make([][]kindSample, len(kiosks))
	errs := make([]error, len(kiosks))
	var wg sync.WaitGroup
	for ki, k := range kiosks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			krng := rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(ki)))
			for s := ki; s < cfg.Sessions; s += len(kiosks) {
				d := people[order[s%len(order)]]
				t0 := time.Now()
				l, err := k.client.Lookup(ctx, api.Identify{IDNumber: d.id, FileNumber: d.file})
				if err != nil {
					errs[ki] = fmt.Errorf("lookup: %w", err)
					return
				}
				per[ki] = append(per[ki], kindSample{kind: "lookup", latency: time.Since(t0), vehicles: len(l.Vehicles),
					viols: len(l.Violations)})
				if krng.Float64() >= 0.6 {
					continue
				}
				pick := r.pick(&l, krng, time.Now())
				if len(pick) == 0 {
					continue
				}
				t0 = time.Now()
				out, err := k.sendResults(ctx, processOf(k, &l, pick))
				if err != nil {
					errs[ki] = fmt.Errorf("process: %w", err)
					return
				}
				rejected := len(out) != 1 || out[0].Outcome == api.OutcomeRejected
				per[ki] = append(per[ki], kindSample{kind: "process", latency: time.Since(t0), rejected: rejected})
				if rejected || len(out[0].Decisions) == 0 {
					continue
				}
				t0 = time.Now()
				out, err = k.sendResults(ctx, payOf(k, out[0].Decisions))
				if err != nil {
					errs[ki] = fmt.Errorf("pay: %w", err)
					return
				}
				per[ki] = append(per[ki], kindSample{kind: "pay", latency: time.Since(t0),
					rejected: len(out) != 1 || out[0].Outcome == api.OutcomeRejected})
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	byKind := map[string][]time.Duration{}
	var vehicles, viols []int
	for _, ss := range per {
		for _, s := range ss {
			byKind[s.kind] = append(byKind[s.kind], s.latency)
			if s.rejected {
				res.Rejected++
			}
			if s.kind == "lookup" {
				vehicles, viols = append(vehicles, s.vehicles), append(viols, s.viols)
			}
		}
	}
	lat := func(l []time.Duration) Latency {
		return Latency{N: len(l), P50: percentile(l, 50), P99: percentile(l, 99)}
	}
	res.Lookup, res.Process, res.Pay = lat(byKind["lookup"]), lat(byKind["process"]), lat(byKind["pay"])
	res.Vehicles, res.Violations = spread(vehicles), spread(viols)
	return nil
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
	fmt.Fprintf(&b, "%-9s %-16s %9s %11s %8s %10s  %-24s %-24s %-24s %s\n", "store", "data set", "people", "rows", "load",
		"size", "lookup p50/p99 (n)", "process p50/p99 (n)", "pay p50/p99 (n)", "violations a lookup (vehicles)")
	for _, r := range results {
		fmt.Fprintf(&b, "%-9s %-16s %9d %11d %8s %8.0fMB  %-24s %-24s %-24s %s (%.1f)\n", r.Store, r.Set.Name, r.People, r.Rows,
			r.Load.Round(time.Second), float64(r.Bytes)/(1<<20), r.Lookup, r.Process, r.Pay, r.Violations, r.Vehicles.Mean)
		if r.Rejected > 0 {
			fmt.Fprintf(&b, "%-9s %-16s %d operations rejected\n", "", "", r.Rejected)
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
			fmt.Fprintf(&b, "%s, %s against %s: lookup p50 %s p99 %s, process p50 %s p99 %s, pay p50 %s p99 %s\n",
				r.Store, r.Set.Name, base.Set.Name, ratio(r.Lookup.P50, base.Lookup.P50), ratio(r.Lookup.P99, base.Lookup.P99),
				ratio(r.Process.P50, base.Process.P50), ratio(r.Process.P99, base.Process.P99),
				ratio(r.Pay.P50, base.Pay.P50), ratio(r.Pay.P99, base.Pay.P99))
		}
	}
	return b.String()
}
