package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/internal/pgtest"
	"github.com/hallkiosk/kiosk/model"
)

// The limiter's arithmetic is tested through the server's limiter (server/limits_test.go, on both
// stores); these tests hold what the store adds: concurrent calls, from one handle or from two
// handles on one PostgreSQL database (two server processes), count one after the other.

func testIdentifyLimits() IdentifyLimits {
	return IdentifyLimits{PerMinute: 120, FreeFailures: 3, MaxDelay: time.Minute, FailuresPerHour: 30,
		ForgetAfter: 15 * time.Minute, SlowEvery: 20 * time.Second}
}

// admitAll makes n concurrent attempts, the i-th through handles[i%len(handles)] with attempt(i)'s
// kiosk, ID number and kind, all at the same instant, and returns how many were admitted. With
// decided, each is one AttemptIdentify of a failed attempt (a lookup's way) instead of
// AdmitIdentify.
func admitAll(t *testing.T, handles []Store, lim IdentifyLimits, now time.Time, n int, decided bool,
	attempt func(i int) (kiosk string, id model.IDNumber, typed bool)) int {
	t.Helper()
	var admitted atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			kiosk, id, typed := attempt(i)
			h := handles[i%len(handles)]
			var a Admission
			var err error
			if decided {
				a, _, err = h.AttemptIdentify(context.Background(), lim, kiosk, id, typed, false, now)
			} else {
				a, err = h.AdmitIdentify(context.Background(), lim, kiosk, id, typed, now)
			}
			if err != nil {
				errs <- err
				return
			}
			if a.Admitted() {
				admitted.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return int(admitted.Load())
}

// concurrentLimits checks that concurrent attempts at one instant are admitted exactly as far as
// each limit allows: the kiosk's bucket, the free failures of an ID number at a kiosk, and the
// free failures of an ID number across kiosks.
func concurrentLimits(t *testing.T, handles []Store, decided bool) {
	lim := testIdentifyLimits()
	lim.PerMinute = 25
	now := at("2026-11-21 10:00:00.000")
	// The bucket: card reads of one kiosk.
	if got := admitAll(t, handles, lim, now, 80, decided, func(int) (string, model.IDNumber, bool) {
		return "K-bucket", "", false
	}); got != lim.PerMinute {
		t.Errorf("the bucket of %d admitted %d concurrent card reads", lim.PerMinute, got)
	}
	// One ID number at one kiosk: the free failures, then the first delay.
	if got := admitAll(t, handles, lim, now, 40, decided, func(int) (string, model.IDNumber, bool) {
		return "K-pair", idZhang, true
	}); got != lim.FreeFailures {
		t.Errorf("%d concurrent typed attempts of one ID number at one kiosk admitted, want the %d free ones", got, lim.FreeFailures)
	}
	// One ID number at many kiosks, once each: each counts across kiosks until the ID number's
	// delay starts at twice the free failures.
	if got := admitAll(t, handles, lim, now, 40, decided, func(i int) (string, model.IDNumber, bool) {
		return "K-" + strconv.Itoa(i), idLi, true
	}); got != 2*lim.FreeFailures {
		t.Errorf("%d concurrent typed attempts of one ID number at 40 kiosks admitted, want %d", got, 2*lim.FreeFailures)
	}
}

func TestIdentifyLimitsConcurrentAttempts(t *testing.T) {
	for _, decided := range []bool{false, true} {
		way := map[bool]string{false: "admitted first", true: "decided after"}[decided]
		t.Run("sqlite, "+way, func(t *testing.T) { concurrentLimits(t, []Store{openSQLiteT(t)}, decided) })
		t.Run("postgres, two server processes, "+way, func(t *testing.T) {
			dsn := pgtest.New(t)
			concurrentLimits(t, []Store{openT(t, dsn), openT(t, dsn)}, decided)
		})
	}
}

// Two handles on one database hash ID numbers alike (the key is created once, in the store), so
// failures through one delay attempts through the other; a success through either clears them.
func TestIdentifyLimitsSharedAcrossHandles(t *testing.T) {
	dsn := pgtest.New(t)
	a, b := openT(t, dsn), openT(t, dsn)
	ctx := context.Background()
	lim := testIdentifyLimits()
	now := at("2026-11-21 10:00:00.000")
	for i, s := range []Store{a, b, a} {
		adm, err := s.AdmitIdentify(ctx, lim, "K", idZhang, true, now)
		if err != nil || !adm.Admitted() {
			t.Fatalf("free failure %d: %+v %v", i, adm, err)
		}
	}
	adm, err := b.AdmitIdentify(ctx, lim, "K", idZhang, true, now)
	if err != nil || adm.KioskID != 15*time.Second {
		t.Fatalf("the fourth attempt, through the other handle: %+v %v, want the first delay", adm, err)
	}
	if err := a.ClearIdentify(ctx, "K", idZhang); err != nil {
		t.Fatal(err)
	}
	adm, err = b.AdmitIdentify(ctx, lim, "K", idZhang, true, now)
	if err != nil || !adm.Admitted() {
		t.Fatalf("after a success through the other handle: %+v %v", adm, err)
	}
}

// A card read reports whether there are counts to clear, so that a success clears only when
// there is something to clear.
func TestIdentifyLimitsPending(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		lim := testIdentifyLimits()
		now := at("2026-11-21 10:00:00.000")
		adm, err := s.AdmitIdentify(ctx, lim, "K", idZhang, false, now)
		if err != nil || !adm.Admitted() || adm.Pending {
			t.Fatalf("a card read with nothing counted: %+v %v", adm, err)
		}
		if adm, err = s.AdmitIdentify(ctx, lim, "L", idZhang, true, now); err != nil || !adm.Pending {
			t.Fatalf("a typed attempt: %+v %v", adm, err)
		}
		// X's failure at L counts across kiosks: a card read of X at K has it to clear.
		if adm, err = s.AdmitIdentify(ctx, lim, "K", idZhang, false, now); err != nil || !adm.Pending {
			t.Fatalf("a card read after a failure elsewhere: %+v %v", adm, err)
		}
		if err := s.ClearIdentify(ctx, "K", idZhang); err != nil {
			t.Fatal(err)
		}
		if adm, err = s.AdmitIdentify(ctx, lim, "K", idZhang, false, now); err != nil || adm.Pending {
			t.Fatalf("after clearing: %+v %v", adm, err)
		}
	})
}

// On PostgreSQL counts survive a restart of a server process: they are in the database, not in
// its memory. (The embedded store keeps them in memory: its restart forgets them.)
func TestIdentifyLimitsSurviveRestart(t *testing.T) {
	for _, kind := range []string{"postgres"} {
		t.Run(kind, func(t *testing.T) {
			dsn := pgtest.New(t)
			ctx := context.Background()
			lim := testIdentifyLimits()
			now := at("2026-11-21 10:00:00.000")
			s, err := Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				if _, err := s.AdmitIdentify(ctx, lim, "K", idZhang, true, now); err != nil {
					t.Fatal(err)
				}
			}
			s.Close()
			s = openT(t, dsn)
			adm, err := s.AdmitIdentify(ctx, lim, "K", idZhang, true, now)
			if err != nil || adm.KioskID <= 0 {
				t.Errorf("after a restart: %+v %v, want the delay after three failures", adm, err)
			}
		})
	}
}

// BenchmarkIdentifyAdmitClear measures what a typed identification that succeeds costs the
// limiter: its admission and the clearing of its count, over 200 kiosks and 1,000 ID numbers.
// BenchmarkIdentifyAdmitCard measures a card read's admission (nothing to clear after it).
// BenchmarkIdentifyAttempt measures the same success decided in one call after the reads, as a
// lookup now does.
func BenchmarkIdentifyAdmitClear(b *testing.B) { benchIdentify(b, true, false) }
func BenchmarkIdentifyAdmitCard(b *testing.B)  { benchIdentify(b, false, false) }
func BenchmarkIdentifyAttempt(b *testing.B)    { benchIdentify(b, true, true) }

func benchIdentify(b *testing.B, typed, decided bool) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			dsn := filepath.Join(b.TempDir(), "kiosk.db")
			if kind == "postgres" {
				dsn = pgtest.New(b)
			}
			s, err := Open(context.Background(), dsn)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			ctx := context.Background()
			lim := testIdentifyLimits()
			lim.PerMinute = 1 << 20
			ids := make([]model.IDNumber, 1000)
			for i := range ids {
				ids[i] = model.IDNumber(fmt.Sprintf("ID%d", i))
			}
			now := time.Now()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				k, id := "K"+strconv.Itoa(i%200), ids[i%len(ids)]
				if decided {
					if a, _, err := s.AttemptIdentify(ctx, lim, k, id, typed, true, now); err != nil || !a.Admitted() {
						b.Fatal(a, err)
					}
					continue
				}
				a, err := s.AdmitIdentify(ctx, lim, k, id, typed, now)
				if err != nil || !a.Admitted() {
					b.Fatal(a, err)
				}
				if typed {
					if err := s.ClearIdentify(ctx, k, id); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
