package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/server"
	"github.com/hallkiosk/kiosk/server/store"
)

// runProvince generates a province's data (dataset.Province) and bulk-loads it into an empty
// store (server.BulkImport), then says how long each part took. It opens the store itself: a
// bulk load holds the tables for its whole length, so no server may be serving the store.
func runProvince(args []string, stdout io.Writer) error {
	fs := newFlagSet("province")
	var sf storeFlags
	sf.register(fs)
	scale := fs.Float64("scale", 1, "size: 1 is a province of 2 million people, about 1.5 million vehicles and "+
		"10 million violations; 0.001 is 2,000 people")
	seed := fs.Int64("seed", 1, "random seed: the same seed and scale give the same data")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || !(*scale > 0 && *scale <= 10) {
		return errUsage
	}
	return withStore(&sf, func(ctx context.Context, st store.Store, s *serverParts) error {
		p, err := s.ref.Profile(sf.profile)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "generating a province at scale %g and loading it into the %s store...\n", *scale, st.Kind())
		start := time.Now()
		var counts dataset.ProvinceCounts
		sum, err := server.BulkImport(ctx, st, p, func(emit func(*dataset.Data) error) error {
			var err error
			counts, err = dataset.Province(*seed, time.Now(), *scale, emit)
			return err
		})
		if err != nil {
			return err
		}
		total := time.Since(start)
		fmt.Fprintf(stdout, "generated %d people, %d vehicles, %d violations (%d decided), %d bindings, %d follows, "+
			"%d points entries, %d unit drivers\n", counts.People, counts.Vehicles, counts.Violations, counts.Decided,
			counts.Bindings, counts.Follows, counts.Points, counts.UnitDrivers)
		tables := make([]string, 0, len(sum.Rows))
		for t := range sum.Rows {
			tables = append(tables, t)
		}
		sort.Strings(tables)
		for _, t := range tables {
			fmt.Fprintf(stdout, "  %-15s %10d rows\n", t, sum.Rows[t])
		}
		fmt.Fprintf(stdout, "loaded %d rows in %s (%.0f rows/s): writing %s, indexes and statistics %s\n",
			sum.Total(), total.Round(time.Second), float64(sum.Total())/total.Seconds(), sum.Load.Round(time.Second),
			sum.Finish.Round(time.Second))
		return nil
	})
}
