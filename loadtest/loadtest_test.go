package loadtest

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// TestLoad runs the load generator against both stores. In CI it runs briefly to keep the
// generator working; `LOADTEST_DURATION=20s go test ./loadtest -run Load -v -timeout 30m` gives
// the numbers recorded in docs/PERFORMANCE.md (LOADTEST_RATE changes the offered rate). It asserts correctness, not speed: timing
// belongs to the report, not to a unit test on a shared machine.
func TestLoad(t *testing.T) {
	d := 2 * time.Second
	drain, people, rate := 2000, 300, 1500.0
	if s := os.Getenv("LOADTEST_RATE"); s != "" {
		var err error
		if rate, err = strconv.ParseFloat(s, 64); err != nil {
			t.Fatal(err)
		}
	}
	if s := os.Getenv("LOADTEST_DURATION"); s != "" {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			t.Fatal(err)
		}
		drain, people = 10000, 2000
	}
	stores := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "server.db") },
		"postgres": func(t *testing.T) string { return pgtest.New(t) },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			rep, err := Run(context.Background(), Config{DSN: stores[name](t), Kiosks: 200, Rate: rate, Duration: d,
				People: people, Drain: drain, Batch: 200, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("\n%s", rep.Text())
			if rep.Server.Errors > 0 || rep.Baseline.Errors > 0 {
				t.Errorf("errors: server %d, bare %d", rep.Server.Errors, rep.Baseline.Errors)
			}
			for _, kind := range []string{"lookup", "process", "pay"} {
				if rep.Server.ByKind[kind] == 0 {
					t.Errorf("the mix never sent a %s", kind)
				}
			}
			// The drain queues only what the rules allowed at the kiosk: all of it applies.
			if rep.DrainOps == 0 || rep.DrainApplied() != rep.DrainOps {
				t.Errorf("drained %d operations, %v", rep.DrainOps, rep.Drained)
			}
			// Cameras keep violations arriving: processing is still sent in the last window.
			if w := rep.Server.Windows; len(w) == 0 || w[len(w)-1].Counts["process "+api.OutcomeApplied] == 0 {
				t.Errorf("no processing applied in the last window: %+v", w)
			}
			if rep.Baseline.ByKind["process"] == 0 || rep.Baseline.ByKind["pay"] == 0 {
				t.Errorf("the baseline's mix lacks operations: %v", rep.Baseline.ByKind)
			}
		})
	}
}
