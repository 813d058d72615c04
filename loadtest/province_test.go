package loadtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/internal/pgtest"
)

// TestLatencyAtProvinceSize measures lookup, processing and payment latencies on both stores
// at a small size and at a province's, in one run. In CI it runs on small data sets to keep
// the measurement working; `LOADTEST_PROVINCE=1 go test ./loadtest -run ProvinceSize -v
// -timeout 4h` loads a whole province (2 million people) into each store and gives the figures
// of docs/PERFORMANCE.md, against the province's shape at 2,000 people and the load test's
// demo data set of 2,000 people (LOADTEST_PROVINCE is the scale). It asserts that the work was
// real (answers, processing and payments applied, a tail of people with many violations in the
// sample), not the speed: timing belongs to the report. The sets of a store are loaded first,
// then measured in turns, so that others' load on the machine falls on each alike.
func TestLatencyAtProvinceSize(t *testing.T) {
	scale, small, demo, sessions, rounds := 0.0005, 0.0002, 200, 200, 2
	if s := os.Getenv("LOADTEST_PROVINCE"); s != "" {
		var err error
		if scale, err = strconv.ParseFloat(s, 64); err != nil {
			t.Fatal(err)
		}
		small, demo, sessions, rounds = 0.001, 2000, 3000, 10
	}
	dsns := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "server.db") },
		"postgres": func(t *testing.T) string { return pgtest.New(t) },
	}
	var all []SizeResult
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			sets := []SizeSet{
				{Name: fmt.Sprintf("province %g", small), Scale: small},
				{Name: fmt.Sprintf("demo %d", demo), Demo: demo},
				{Name: fmt.Sprintf("province %g", scale), Scale: scale},
			}
			for i := range sets {
				sets[i].DSN = dsns[kind](t)
			}
			results, err := MeasureSizes(context.Background(), sets, SizeConfig{Sessions: sessions, Kiosks: 4, Seed: 1}, rounds)
			if err != nil {
				t.Fatal(err)
			}
			for _, res := range results {
				name := res.Set.Name
				t.Logf("%s: loaded %d rows in %s (%.0f rows/s; indexes and statistics %s), %.0f MB", name, res.Rows,
					res.Load.Round(time.Second), float64(res.Rows)/res.Load.Seconds(), res.Finish.Round(time.Second),
					float64(res.Bytes)/(1<<20))
				all = append(all, res)
				if res.Lookup.N != sessions || res.Process.N == 0 || res.Pay.N == 0 {
					t.Errorf("%s: %d lookups, %d processings, %d payments; want %d lookups and some of each", name,
						res.Lookup.N, res.Process.N, res.Pay.N, sessions)
				}
				if res.Rejected > 0 {
					t.Errorf("%s: %d operations rejected; the kiosk's rules allowed them", name, res.Rejected)
				}
				if res.Set.Scale > 0 && res.Violations.Max < 20 {
					t.Errorf("%s: the most violations a lookup returned is %d; the sample lacks the tail", name, res.Violations.Max)
				}
			}
		})
	}
	t.Logf("\n%s", SizeReport(all))
}
