package main

import (
	"context"
	"errors"
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
	replicas := fs.Int("replicas", 0, "run this many kiosk serve processes on the --store PostgreSQL database, "+
		"kill one with SIGKILL mid-load and restart it, and check that every operation was applied once (0: one "+
		"server in this process)")
	killAt := fs.Duration("kill-at", 0, "with --replicas: when to kill server 2, from the start of the load (default: a third of --duration)")
	downFor := fs.Duration("down-for", 5*time.Second, "with --replicas: how long the killed server stays down")
	pinned := fs.Bool("pinned", false, "with --replicas: each kiosk talks to one server and waits for it, instead of a front "+
		"that skips a dead server")
	randomPoint := fs.Bool("kill-random", false, "with --replicas: kill at a random point of a batch's handling "+
		"(mostly before its commit), instead of after the commit with the answer held back from its kiosk")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || *kiosks < 1 || *rate <= 0 || *batch < 1 || *replicas < 0 ||
		*replicas == 1 {
		return errUsage
	}
	if *replicas > 0 {
		return runReplicas(stdout, loadtest.ReplicasConfig{DSN: *dsn, Replicas: *replicas, Kiosks: *kiosks, Rate: *rate,
			Duration: *duration, People: *people, Seed: 1, KillAt: *killAt, DownFor: *downFor, Kill: 1, Pinned: *pinned,
			RandomPoint: *randomPoint})
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

// runReplicas runs the load test of several server processes (this binary's `serve`) on one
// PostgreSQL database with one of them killed and restarted; it fails when an operation was
// not applied exactly once or a kiosk was left with operations waiting.
func runReplicas(stdout io.Writer, cfg loadtest.ReplicasConfig) error {
	if cfg.DSN == "" {
		return errors.New("loadtest --replicas: give --store postgres://... (the database the server processes share)")
	}
	bin, err := os.Executable()
	if err != nil {
		return fmt.Errorf("loadtest --replicas: this binary's path, to start it as kiosk serve: %w", err)
	}
	cfg.Bin, cfg.Progress = bin, stdout
	rep, err := loadtest.RunReplicas(context.Background(), cfg)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, rep.Text())
	if !rep.Check.OK() || len(rep.Stuck) > 0 {
		return fmt.Errorf("loadtest --replicas: %d problems with exactly once, %d kiosks stuck", len(rep.Check.Problems), len(rep.Stuck))
	}
	return nil
}
