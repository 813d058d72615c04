package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hallkiosk/kiosk/loadtest"
)

// runLoadtest measures the server on loopback under many kiosks and prints a report.
func runLoadtest(args []string, stdout io.Writer) error {
	fs := newFlagSet("loadtest")
	dsn := fs.String("store", "", "postgres://... to measure PostgreSQL; default: an embedded store in a temporary directory")
	kiosks := fs.Int("kiosks", 200, "simulated kiosks")
	rate := fs.Float64("rate", 1500, "offered requests per second, all kiosks together")
	duration := fs.Duration("duration", 20*time.Second, "how long to offer load")
	people := fs.Int("people", 2000, "people in the generated data set")
	drain := fs.Int("drain", 10000, "operations to queue and drain in batches (0: skip)")
	batch := fs.Int("batch", 200, "batch size of the drain")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || *kiosks < 1 || *rate <= 0 || *batch < 1 {
		return errUsage
	}
	if *dsn == "" {
		dir, err := os.MkdirTemp("", "kiosk-loadtest-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		*dsn = filepath.Join(dir, "server.db")
	}
	fmt.Fprintf(stdout, "offering %.0f requests/s from %d kiosks for %s...\n", *rate, *kiosks, *duration)
	rep, err := loadtest.Run(context.Background(), loadtest.Config{DSN: *dsn, Kiosks: *kiosks, Rate: *rate,
		Duration: *duration, People: *people, Drain: *drain, Batch: *batch, Seed: 1})
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, rep.Text())
	return nil
}
