package server

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/internal/pgtest"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/channel"
	"github.com/hallkiosk/kiosk/server/reconcile"
	"github.com/hallkiosk/kiosk/server/store"
)

// BenchmarkReconcile100k reconciles a statement of 100,000 lines of one day: 99,000 payments
// recorded here alike (matched), 1,000 for orders the platform never made (each tried through
// recordChannelPayment, which refuses it in its transaction), and 1,000 payments recorded here
// that the statement does not list. Each iteration is a whole reconciliation as the admin
// socket runs it (the file checked, then matched); every iteration is a rerun and finds the
// same. It reports the live heap's peak while reconciling (sampled every millisecond, after a
// collection before the clock starts). Recording a payment only the statement carries costs
// what a notice costs (BenchmarkChannelNotices).
//
//	go test ./server -run '^$' -bench Reconcile100k -benchtime 3x -count 1
func BenchmarkReconcile100k(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchReconcile(b, filepath.Join(b.TempDir(), "server.db")) })
	b.Run("postgres", func(b *testing.B) { benchReconcile(b, pgtest.New(b)) })
}

func benchReconcile(b *testing.B, dsn string) {
	const lines, unlisted, unknown = 100_000, 1_000, 1_000
	e := newEnv(b, dsn)
	ch := channel.SimulatedName
	day := model.Date{Year: 2026, Month: time.November, Day: 21}
	at := func(i int) time.Time { return day.Start().Add(time.Duration(i) * 86_000 * time.Millisecond / lines) }
	ctx := context.Background()
	recorded := lines - unknown + unlisted
	for start := 0; start < recorded; start += 2000 {
		err := e.store.Tx(ctx, func(tx store.Tx) error {
			for i := start; i < min(start+2000, recorded); i++ {
				if _, err := tx.InsertChannelPayment(store.ChannelPayment{Channel: ch, TransactionID: fmt.Sprintf("TX%09d", i),
					OrderID: fmt.Sprintf("order-%09d", i), Amount: 20000, PaidAt: at(i), RecordedAt: at(i)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	file := filepath.Join(b.TempDir(), "statement.csv")
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, reconcile.Header)
	// Lines 0 to lines-unknown-1 are recorded here; the last unknown ones are of no order of
	// ours; the recorded ones from lines-unknown on are not listed.
	for i := range lines {
		tx, order := fmt.Sprintf("TX%09d", i), fmt.Sprintf("order-%09d", i)
		if i >= lines-unknown {
			tx, order = fmt.Sprintf("TY%09d", i), fmt.Sprintf("none-%09d", i)
		}
		fmt.Fprintf(w, "PAY,%s,%s,,,20000,%s\n", tx, order, channel.FormatTime(at(i)))
	}
	fmt.Fprintf(w, "SUMMARY,%s,%d,0,%d,0,%d\n", reconcile.DayString(day), lines, int64(lines)*20000, int64(lines)*20000)
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	e.clock.Add(48 * time.Hour)

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var (
		peak uint64
		wg   sync.WaitGroup
		done = make(chan struct{})
	)
	wg.Go(func() {
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	})
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		f, err := os.Open(file)
		if err != nil {
			b.Fatal(err)
		}
		rep, err := e.srv.Reconcile(ctx, ch, f)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		if rep.Outcomes[OutcomeMatched] != lines-unknown || rep.Outcomes[OutcomeUnknownOrder] != unknown ||
			rep.Outcomes[OutcomeMissingAtChannel] != unlisted {
			b.Fatalf("outcomes %v", rep.Outcomes)
		}
	}
	b.StopTimer()
	close(done)
	wg.Wait()
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/reconcile")
	b.ReportMetric(float64(peak-min(peak, base.HeapAlloc))/(1<<20), "peak-heap-MiB-above-start")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}
