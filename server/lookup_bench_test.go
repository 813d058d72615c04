package server

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/internal/cputime"
	"github.com/hallkiosk/kiosk/internal/pgtest"
)

// BenchmarkLookupPostgres measures what a kiosk's lookup costs the machine on PostgreSQL: four
// kiosks a core (eight on this machine) looking up the licence holders of the demo data set
// (2,000 people) at once, through the HTTP server, with the CPU time this process (the server
// and its clients) and the rest of the machine (PostgreSQL's backends) spent on each. A load
// test's CPU per request moves with how much its queues spin; this one does not queue.
//
//	go test ./server -run '^$' -bench LookupPostgres -benchtime 5000x -count 5
func BenchmarkLookupPostgres(b *testing.B) {
	e := newEnv(b, pgtest.New(b), func(c *Config) { c.Limits.IdentifyPerKioskPerMinute = 1 << 20 })
	ctx := context.Background()
	p, _ := e.ref.Profile("national")
	data := dataset.Demo(1, e.clock.Now(), 2000)
	if _, err := Import(ctx, e.store, p, data); err != nil {
		b.Fatal(err)
	}
	var who []api.Identify
	for _, person := range data.People {
		if person.Licence != nil {
			who = append(who, api.Identify{IDNumber: string(person.Driver.ID), FileNumber: string(person.Licence.FileNumber)})
		}
	}
	// RunParallel starts perCore goroutines a core: one kiosk each (eight on two cores).
	const perCore = 4
	kiosks := perCore * runtime.GOMAXPROCS(0)
	clients := make(chan *api.Client, kiosks)
	for range kiosks {
		k, err := Enroll(ctx, e.store, e.ref, "bench", "hall", "national", e.clock.Now())
		if err != nil {
			b.Fatal(err)
		}
		c := e.newClient(k)
		if _, err := c.Lookup(ctx, who[0]); err != nil { // prepares the statements on a connection
			b.Fatal(err)
		}
		clients <- c
	}
	var next atomic.Int64
	b.SetParallelism(perCore)
	self0 := cputime.Self()
	machine0, machineOK := cputime.Machine()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := <-clients
		for pb.Next() {
			if _, err := c.Lookup(ctx, who[int(next.Add(1))%len(who)]); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	self := cputime.Self() - self0
	b.ReportMetric(float64(self.Microseconds())/float64(b.N), "µs-cpu-self/op")
	if machine1, ok := cputime.Machine(); ok && machineOK {
		b.ReportMetric(float64((machine1-machine0-self).Microseconds())/float64(b.N), "µs-cpu-rest/op")
	}
}
