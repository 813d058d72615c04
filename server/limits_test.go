package server

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/internal/pgtest"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// Limiter tests run on a fake clock, against both stores (the limiter's state lives there);
// identifiers are arbitrary strings (the store hashes them).
const (
	kioskK = "K"
	kioskL = "L"
	idX    = model.IDNumber("X")
	idY    = model.IDNumber("Y")
)

// testLim is a limiter over a store of its own, with the calls the handlers make; a store error
// fails the test.
type testLim struct {
	t  testing.TB
	l  *limiter
	st store.Store
}

// forEachLimiter runs f with a fresh limiter on the embedded store and on PostgreSQL.
func forEachLimiter(t *testing.T, f func(t *testing.T, l *testLim, c *clock)) {
	t.Run("sqlite", func(t *testing.T) {
		l, c := newTestLim(t, filepath.Join(t.TempDir(), "server.db"))
		f(t, l, c)
	})
	t.Run("postgres", func(t *testing.T) {
		l, c := newTestLim(t, pgtest.New(t))
		f(t, l, c)
	})
}

func newTestLim(t testing.TB, dsn string) (*testLim, *clock) {
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{t: at(2026, time.November, 21, 10)}
	return newTestLimOn(t, st, c), c
}

func newTestLimOn(t testing.TB, st store.Store, c *clock) *testLim {
	return &testLim{t: t, st: st, l: newLimiter(st, Limits{}.orDefault(), c.Now)}
}

func (tl *testLim) allowIdentify(kiosk string, id model.IDNumber, card bool) refusal {
	tl.t.Helper()
	a, err := tl.l.allowIdentify(context.Background(), kiosk, id, card)
	if err != nil {
		tl.t.Fatal(err)
	}
	return a.refusal
}

func (tl *testLim) identified(kiosk string, id model.IDNumber) {
	tl.t.Helper()
	if err := tl.l.identified(context.Background(), kiosk, id); err != nil {
		tl.t.Fatal(err)
	}
}

func (tl *testLim) aborted(kiosk string, id model.IDNumber) {
	tl.t.Helper()
	if err := tl.l.aborted(context.Background(), kiosk, id); err != nil {
		tl.t.Fatal(err)
	}
}

func (tl *testLim) failed(kiosk string, id model.IDNumber) bool {
	tl.t.Helper()
	slow, err := tl.l.failed(context.Background(), kiosk, id)
	if err != nil {
		tl.t.Fatal(err)
	}
	return slow
}

// try is one attempt that fails when admitted (a guess), as the handlers would record it.
func (tl *testLim) try(kiosk string, id model.IDNumber) refusal {
	tl.t.Helper()
	r := tl.allowIdentify(kiosk, id, false)
	if r.scope == "" {
		tl.failed(kiosk, id)
	}
	return r
}

// rows counts what the store holds for the limiter: kiosks, counts per kiosk and ID number,
// counts per ID number, and all of it as text.
func (tl *testLim) rows() (kiosks, pairs, ids int, dump string) {
	tl.t.Helper()
	kiosks, pairs, ids, dump, err := store.TestingIdentifyRows(context.Background(), tl.st)
	if err != nil {
		tl.t.Fatal(err)
	}
	return kiosks, pairs, ids, dump
}

// An attacker at kiosk K failing X's number as fast as the limiter lets them, for an hour:
// X is never held up at kiosk L, nor anyone else at K, nor X's card at K; X typing at K waits
// at most a minute, and is admitted when the announced wait has passed.
func TestLimiterAttackerAtOneKioskLocksNoOneElseOut(t *testing.T) {
	forEachLimiter(t, func(t *testing.T, l *testLim, c *clock) {
		guesses := 0
		for i := 0; i < 3600; i++ {
			if l.try(kioskK, idX).scope == "" {
				guesses++
			}
			switch i % 4 { // the others, interleaved with the attack
			case 0:
				if r := l.allowIdentify(kioskL, idX, false); r.scope != "" {
					t.Fatalf("second %d: X at another kiosk refused (%s, %v)", i, r.scope, r.wait)
				}
				l.identified(kioskL, idX)
			case 1:
				if r := l.allowIdentify(kioskK, idY, false); r.scope != "" {
					t.Fatalf("second %d: another person at the attacked kiosk refused (%s, %v)", i, r.scope, r.wait)
				}
				l.identified(kioskK, idY)
			case 2:
				// X's card on the reader at K (admission only: a successful card lookup would
				// also clear X's count at K).
				if r := l.allowIdentify(kioskK, idX, true); r.scope != "" {
					t.Fatalf("second %d: X's card at the attacked kiosk refused (%s)", i, r.scope)
				}
			}
			c.Add(time.Second)
		}
		if guesses > 60+10 {
			t.Errorf("the attacker made %d guesses in an hour", guesses)
		}

		// X typing at K waits at most a minute, and gets in after the wait. (After 15 quiet
		// minutes the limiter has forgotten the first attack.)
		c.Add(forgetAfter + time.Minute)
		for i := 0; i < 600; i++ {
			l.try(kioskK, idX)
			c.Add(time.Second)
			// X steps up to the kiosk between two of the attacker's attempts.
			r := l.allowIdentify(kioskK, idX, false)
			if r.scope == "" {
				l.failed(kioskK, idX) // X mistyped too: it all counts
				continue
			}
			if r.wait > time.Minute {
				t.Fatalf("second %d: X at the attacked kiosk must wait %v, more than a minute", i, r.wait)
			}
		}
		// The attacker stops when X steps up (one person at a kiosk at a time): X waits the
		// announced time and is in.
		r := l.allowIdentify(kioskK, idX, false)
		if r.scope == "" || r.wait > time.Minute {
			t.Fatalf("after ten minutes of attack: %+v, want a wait of at most a minute", r)
		}
		c.Add(r.wait)
		if r := l.allowIdentify(kioskK, idX, false); r.scope != "" {
			t.Fatalf("after the announced wait: refused again (%+v)", r)
		}
		l.identified(kioskK, idX)
		if r := l.allowIdentify(kioskK, idX, false); r.scope != "" {
			t.Errorf("after success: %+v", r)
		}
	})
}

// Failures from several kiosks start a delay for the ID number everywhere, but never more than
// a minute between attempts, and never for the card on the reader.
func TestLimiterCoordinatedAttack(t *testing.T) {
	forEachLimiter(t, func(t *testing.T, l *testLim, c *clock) {
		kiosks := []string{"K1", "K2", "K3", "K4", "K5"}
		for i := 0; i < 3; i++ {
			for _, k := range kiosks[:2] {
				if r := l.try(k, idX); r.scope != "" {
					t.Fatalf("free failure %d at %s refused: %+v", i, k, r)
				}
			}
		}
		// Six failures from two kiosks: a fresh kiosk now waits too.
		r := l.allowIdentify("K9", idX, false)
		if r.scope != scopeID || r.wait <= 0 || r.wait > 15*time.Second {
			t.Fatalf("X at a fresh kiosk after a coordinated attack: %+v, want the ID number's first delay", r)
		}
		for i := 0; i < 1800; i++ {
			for _, k := range kiosks {
				l.try(k, idX)
			}
			if r := l.allowIdentify("K9", idX, false); r.scope != "" && r.wait > time.Minute {
				t.Fatalf("second %d: X elsewhere must wait %v", i, r.wait)
			}
			if i%2 == 0 { // within K9's rate of identifications
				if r := l.allowIdentify("K9", idX, true); r.scope != "" {
					t.Fatalf("second %d: X's card refused: %+v", i, r)
				}
			} else {
				if r := l.allowIdentify("K9", idY, false); r.scope != "" {
					t.Fatalf("second %d: another person refused: %+v", i, r)
				}
				l.identified("K9", idY)
			}
			c.Add(time.Second)
		}
	})
}

// One kiosk alone never starts the ID number's delay elsewhere, however long it fails.
func TestLimiterOneKioskNeverDelaysOthers(t *testing.T) {
	forEachLimiter(t, func(t *testing.T, l *testLim, c *clock) {
		for i := 0; i < 7200; i++ {
			l.try(kioskK, idX)
			c.Add(time.Second)
		}
		if r := l.allowIdentify(kioskL, idX, false); r.scope != "" {
			t.Errorf("after two hours of failures at K, X at L: %+v", r)
		}
	})
}

// The sustained guessing rate against one ID number stays at one attempt a minute, whatever the
// strategy: as fast as allowed from one kiosk or several, or in bursts after the counts are
// forgotten. Any span of T minutes holds at most T + 10 admitted attempts (see limiter).
//
// Each of the attacker's kiosks tries every second unless told to wait, and when told, tries
// again one second before the announced wait ends, then every second: all the moments at which
// a greedy attacker trying every second could be admitted (a refused attempt counts nowhere), and
// a probe that an announced wait is never longer than the real one. (Trying every second through
// every wait would cost the store a million calls for the same answers.)
func TestLimiterSustainedRate(t *testing.T) {
	const hours = 6
	strategies := map[string]struct {
		kiosks int
		pause  func(minute int) bool // true: the attacker waits this minute out
	}{
		"one kiosk, greedy":         {1, func(int) bool { return false }},
		"five kiosks, greedy":       {5, func(int) bool { return false }},
		"fifty kiosks, greedy":      {50, func(int) bool { return false }},
		"five kiosks, burst, pause": {5, func(m int) bool { return m%20 >= 4 }},  // 4 minutes on, 16 off
		"one kiosk, burst, pause":   {1, func(m int) bool { return m%17 >= 2 }},  // 2 minutes on, 15 off
		"five kiosks, long bursts":  {5, func(m int) bool { return m%45 >= 30 }}, // 30 minutes on, 15 off
	}
	for name, s := range strategies {
		t.Run(name, func(t *testing.T) {
			forEachLimiter(t, func(t *testing.T, l *testLim, c *clock) {
				start := c.Now()
				var admitted []time.Time
				next := make([]int, s.kiosks) // the second of each kiosk's next attempt
				for sec := 0; sec < hours*3600; {
					if s.pause(sec / 60) {
						sec = (sec/60 + 1) * 60
						continue
					}
					c.Add(start.Add(time.Duration(sec) * time.Second).Sub(c.Now()))
					for k := range next {
						if next[k] > sec {
							continue
						}
						r := l.try(fmt.Sprintf("K%d", k), idX)
						if r.scope == "" {
							admitted = append(admitted, c.Now())
							next[k] = sec + 1
						} else {
							next[k] = sec + max(1, retryAfterSeconds(r.wait)-1)
						}
					}
					sec = max(sec+1, slices.Min(next))
				}
				if len(admitted) > hours*60+10 {
					t.Errorf("%d attempts in %d hours: more than one a minute (+10)", len(admitted), hours)
				}
				// Any span: T minutes hold at most T + 10 attempts.
				for i := range admitted {
					for j := i; j < len(admitted); j++ {
						span := admitted[j].Sub(admitted[i]).Minutes()
						if float64(j-i+1) > span+10+1e-9 {
							t.Fatalf("%d attempts within %.1f minutes from %v", j-i+1, span, admitted[i].Sub(start))
						}
					}
				}
				t.Logf("%d attempts in %d hours", len(admitted), hours)
			})
		})
	}
}

// A kiosk whose failures run high (a script holding its secret, trying many ID numbers) gets its
// typed identifications spaced 20 seconds apart: the next person waits at most that, card reads
// not at all, other kiosks not at all.
func TestLimiterKioskFailureRate(t *testing.T) {
	forEachLimiter(t, func(t *testing.T, l *testLim, c *clock) {
		// A script tries one file number on each of many ID numbers, one a second.
		warnedAt := 0
		for i := 1; warnedAt == 0 && i <= 40; i++ {
			id := model.IDNumber(fmt.Sprintf("S%d", i))
			if r := l.allowIdentify(kioskK, id, false); r.scope != "" {
				t.Fatalf("attempt %d: %+v", i, r)
			}
			if l.failed(kioskK, id) {
				warnedAt = i
			}
			c.Add(time.Second)
		}
		if warnedAt < 30 || warnedAt > 31 {
			t.Fatalf("the operator was warned after %d failures, want about 30", warnedAt)
		}
		warned := 1
		admitted := 0
		for i := 0; i < 600; i++ {
			id := model.IDNumber(fmt.Sprintf("T%d", i))
			r := l.allowIdentify(kioskK, id, false)
			switch {
			case r.scope == "":
				admitted++
				if l.failed(kioskK, id) {
					warned++
				}
			case r.scope != scopeKioskFailures || r.wait > slowTypedEvery:
				t.Fatalf("second %d: %+v, want a wait of at most %v", i, r, slowTypedEvery)
			}
			if r := l.allowIdentify(kioskK, "CARD", true); r.scope != "" {
				t.Fatalf("a card at the slowed kiosk: %+v", r)
			}
			if r := l.allowIdentify(kioskL, id, false); r.scope != "" {
				t.Fatalf("another kiosk: %+v", r)
			}
			l.identified(kioskL, id)
			c.Add(time.Second)
		}
		if admitted < 600/20-1 || admitted > 600/20+1 {
			t.Errorf("%d typed identifications admitted in 10 minutes, want one per 20 seconds", admitted)
		}
		if warned != 1 {
			t.Errorf("the warning repeated while the kiosk stayed slow: %d", warned)
		}
		// The level leaks: an hour and a half later the kiosk is back to normal.
		c.Add(90 * time.Minute)
		for i := 0; i < 5; i++ {
			if r := l.try(kioskK, model.IDNumber(fmt.Sprintf("U%d", i))); r.scope != "" {
				t.Fatalf("after quiet hours: %+v", r)
			}
		}
	})
}

// One ID number's failures beyond its free ones do not raise the kiosk's level: someone failing
// one person's number for hours does not slow the kiosk for others.
func TestLimiterOneIDDoesNotSlowTheKiosk(t *testing.T) {
	forEachLimiter(t, func(t *testing.T, l *testLim, c *clock) {
		for i := 0; i < 3*3600; i++ {
			l.try(kioskK, idX)
			if i%30 == 0 {
				if r := l.allowIdentify(kioskK, idY, false); r.scope != "" {
					t.Fatalf("second %d: another person at K: %+v", i, r)
				}
				l.identified(kioskK, idY)
			}
			c.Add(time.Second)
		}
	})
}

// The kiosk's bucket bounds every identification, card reads included, and refills.
func TestLimiterKioskRate(t *testing.T) {
	forEachLimiter(t, func(t *testing.T, l *testLim, c *clock) {
		for i := 0; i < 120; i++ {
			if r := l.allowIdentify(kioskK, model.IDNumber(fmt.Sprintf("A%d", i)), i%2 == 0); r.scope != "" {
				t.Fatalf("identification %d: %+v", i, r)
			}
		}
		r := l.allowIdentify(kioskK, "B", true)
		if r.scope != scopeKioskRate || r.wait <= 0 || r.wait > time.Second {
			t.Fatalf("the 121st identification in a burst: %+v", r)
		}
		if r := l.allowIdentify(kioskL, "B", true); r.scope != "" {
			t.Errorf("another kiosk: %+v", r)
		}
		c.Add(time.Second)
		for i := 0; i < 2; i++ {
			if r := l.allowIdentify(kioskK, "C", true); r.scope != "" {
				t.Errorf("after a second, the bucket holds two: %d %+v", i, r)
			}
		}
		if r := l.allowIdentify(kioskK, "C", true); r.scope != scopeKioskRate {
			t.Errorf("the third in that second: %+v", r)
		}
	})
}

// Success clears the counts; failures are forgotten after 15 quiet minutes; and memory stays
// bounded under an attack on many ID numbers.
func TestLimiterForgetsAndStaysBounded(t *testing.T) {
	forEachLimiter(t, func(t *testing.T, l *testLim, c *clock) {
		for i := 0; i < 3; i++ {
			l.try(kioskK, idX)
		}
		if r := l.allowIdentify(kioskK, idX, false); r.scope != scopeKioskID {
			t.Fatalf("three failures should delay X at K: %+v", r)
		}
		c.Add(forgetAfter)
		if r := l.allowIdentify(kioskK, idX, false); r.scope != "" {
			t.Fatalf("after 15 quiet minutes: %+v", r)
		}
		l.identified(kioskK, idX)
		if _, pairs, ids, _ := l.rows(); pairs != 0 || ids != 0 {
			t.Fatalf("success left entries: %d %d", pairs, ids)
		}

		// A script with a kiosk's secret tries a new ID number at every chance, for two hours.
		most, dump := 0, ""
		for sec := 0; sec < 7200; sec++ {
			for j := 0; j < 3; j++ {
				l.try(kioskK, model.IDNumber(fmt.Sprintf("N%d-%d", sec, j)))
			}
			var pairs, ids int
			_, pairs, ids, dump = l.rows()
			most = max(most, pairs, ids)
			c.Add(time.Second)
		}
		// 30 fast failures make the kiosk slow; then three a minute for the 15 minutes an entry lives,
		// plus a minute between sweeps.
		if bound := 120 + 30 + 3*16; most > bound {
			t.Errorf("the limiter held %d entries, more than %d", most, bound)
		}
		c.Add(forgetAfter + pruneEvery)
		l.allowIdentify(kioskL, idY, true) // any call sweeps
		if kiosks, pairs, ids, _ := l.rows(); pairs != 0 || ids != 0 || kiosks > 2 {
			t.Errorf("after the attack, entries remain: %d pairs, %d ids, %d kiosks", pairs, ids, kiosks)
		}
		// ID numbers are held as keyed hashes only (the last second's attempts were held).
		if !strings.Contains(dump, kioskK+"|") || strings.Contains(dump, "N7199") {
			t.Errorf("an ID number in clear in the limiter, or nothing held: %q", dump)
		}
	})
}

// Through HTTP on both stores: an attacker at kiosk K failing A's file number cannot stop A at
// kiosk L, nor anyone else at K, nor A's card at K; A typing at K is told how long to wait (at
// most a minute) and gets in after it.
func TestIdentifyLimitsThroughHTTP(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		other, err := Enroll(ctx, e.store, e.ref, "kiosk L", "test hall", "national", e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		atL := e.newClient(other)
		var se *api.StatusError
		for i := 0; i < 20; i++ {
			_, err := e.client.Lookup(ctx, api.Identify{IDNumber: idA, FileNumber: fmt.Sprintf("9999999999%02d", i)})
			if !errors.As(err, &se) || (se.Status != http.StatusNotFound && se.Status != http.StatusTooManyRequests) {
				t.Fatalf("attempt %d: %v", i, err)
			}
			if _, err := atL.Lookup(ctx, api.Identify{IDNumber: idA, FileNumber: fileA}); err != nil {
				t.Fatalf("attempt %d: A at kiosk L: %v", i, err)
			}
			if _, err := e.client.Lookup(ctx, api.Identify{IDNumber: idB, FileNumber: fileB}); err != nil {
				t.Fatalf("attempt %d: B at kiosk K: %v", i, err)
			}
			if _, err := e.client.Verify(ctx, api.Identify{IDNumber: idC, FileNumber: fileC}); err != nil {
				t.Fatalf("attempt %d: an owner check of C at kiosk K: %v", i, err)
			}
			e.clock.Add(5 * time.Second)
		}
		// A types at K: refused with the wait.
		status, header, body := e.lookupRaw(api.Identify{IDNumber: idA, FileNumber: fileA})
		if status != http.StatusTooManyRequests {
			t.Fatalf("A at the attacked kiosk: %d %s", status, body)
		}
		secs, err := strconv.Atoi(header.Get("Retry-After"))
		if err != nil || secs < 1 || secs > 60 {
			t.Fatalf("Retry-After %q", header.Get("Retry-After"))
		}
		if !strings.Contains(body, fmt.Sprintf("wait %d seconds, or go to a counter", secs)) || !strings.Contains(body, `"code":"rate_limited"`) {
			t.Errorf("the answer must say how long to wait: %s", body)
		}
		// A's card at K is not refused.
		if _, err := e.client.Lookup(ctx, api.Identify{IDNumber: idA, CardRead: true}); err != nil {
			t.Fatalf("A's card at K: %v", err)
		}
		// The card cleared A's count at K; the attacker starts again and A, after the
		// announced wait, gets in.
		for i := 0; i < 6; i++ {
			e.client.Lookup(ctx, api.Identify{IDNumber: idA, FileNumber: "999999999999"})
			e.clock.Add(time.Second)
		}
		_, err = e.client.Lookup(ctx, api.Identify{IDNumber: idA, FileNumber: fileA})
		if !errors.As(err, &se) || se.Status != http.StatusTooManyRequests || se.RetryAfter <= 0 || se.RetryAfter > time.Minute {
			t.Fatalf("A at K during the attack: %v (retry after %v)", err, se.RetryAfter)
		}
		e.clock.Add(se.RetryAfter)
		if _, err := e.client.Lookup(ctx, api.Identify{IDNumber: idA, FileNumber: fileA}); err != nil {
			t.Fatalf("A at K after the announced wait: %v", err)
		}
		m := e.metricsText()
		for _, want := range []string{`kiosk_rate_limited_total{scope="kiosk_id_failures"}`,
			`kiosk_identify_failures_total{kiosk="` + e.kiosk.KioskID + `"}`} {
			if !strings.Contains(m, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		if strings.Contains(m, `scope="id_failures"`) || strings.Contains(m, `kiosk_identify_failures_total{kiosk="`+other.KioskID+`"}`) {
			t.Error("one kiosk's failures must not count as a coordinated attack, nor against the other kiosk")
		}
		assertNoPersonalData(t, e.logs.String())
	})
}

// lookupRaw sends a signed lookup and returns the status, headers and body.
func (e *env) lookupRaw(id api.Identify) (int, http.Header, string) {
	e.t.Helper()
	a := (&hostile{t: e.t, e: e}).do("POST", "/v1/lookup", oaJSON(e.t, id))
	return a.status, a.header, string(a.body)
}

// An attempt the server could not answer (a store failure) is taken back: it told nobody
// anything, and the person is not charged for the server's trouble.
func TestLimiterAbortedAttemptsAreNotFailures(t *testing.T) {
	forEachLimiter(t, func(t *testing.T, l *testLim, c *clock) {
		for i := 0; i < 10; i++ {
			if r := l.allowIdentify(kioskK, idX, false); r.scope != "" {
				t.Fatalf("attempt %d after server errors: %+v", i, r)
			}
			l.aborted(kioskK, idX)
			c.Add(time.Second)
		}
		// Real failures still count, here and towards the ID number's count elsewhere.
		for i := 0; i < 3; i++ {
			l.try(kioskK, idX)
			l.try(kioskL, idX)
		}
		if r := l.allowIdentify("M", idX, false); r.scope != scopeID {
			t.Errorf("after six real failures at two kiosks: %+v, want the ID number's delay", r)
		}
	})
}

// A lookup decides its attempt after reading, in one call (store.ReadPerson with an attempt,
// which finds the outcome from the person's record itself); an owner check admits first and
// records the outcome after (allowIdentify, then identified or failed). The two must keep one set
// of limits: the same random attempts through each way, on two stores of one kind, get the same
// refusals, the same warnings and the same number of stored counts, step by step.
func TestLimiterAttemptEqualsAdmitThenOutcome(t *testing.T) {
	stores := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "server.db") },
		"postgres": func(t *testing.T) string { return pgtest.New(t) },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			c := &clock{t: at(2026, time.November, 21, 10)}
			open := func() *testLim {
				st, err := store.Open(context.Background(), stores[name](t))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				return newTestLimOn(t, st, c)
			}
			old, one := open(), open()
			// The lookup's way reads the people: ID-0 to ID-7 hold a licence, ID-8 to ID-11 none.
			ctx := context.Background()
			if err := one.st.Tx(ctx, func(tx store.Tx) error {
				for n := range 12 {
					d := store.Driver{Driver: model.Driver{ID: model.IDNumber("ID-" + strconv.Itoa(n)), Name: "某"}}
					if n < 8 {
						d.Licence = &model.Licence{FileNumber: model.FileNumber("F-" + strconv.Itoa(n))}
					}
					if err := tx.PutDriver(d); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(7, 16))
			kiosks := []string{"K", "L", "M"}
			var refused, slowed, identifiedN int
			for step := range 1500 {
				kiosk := kiosks[rng.IntN(len(kiosks))]
				n := rng.IntN(13) // ID-12 is nobody's
				card := rng.IntN(6) == 0
				if card && rng.IntN(4) != 0 {
					n = 8 + rng.IntN(5) // mostly cards without a licence: a success clears counts
				}
				id := model.IDNumber("ID-" + strconv.Itoa(n))
				if card && rng.IntN(3) == 0 {
					id = "" // a link check: guesses nobody
				}
				// A card identifies whoever holds a licence; a typed file number, when right.
				identified := id != "" && n < 8 && (card || rng.IntN(5) == 0)
				file := model.FileNumber("")
				switch {
				case card:
				case identified:
					file = model.FileNumber("F-" + strconv.Itoa(n))
				default:
					file = "F-WRONG"
				}
				// The owner check's way.
				a, err := old.l.allowIdentify(context.Background(), kiosk, id, card)
				if err != nil {
					t.Fatal(err)
				}
				oldSlow := false
				if a.scope == "" {
					switch {
					case identified && a.pending:
						old.identified(kiosk, id)
					case !identified && !card:
						oldSlow = old.failed(kiosk, id)
					}
				}
				// The lookup's way.
				attempt, err := one.l.lookupAttempt(ctx, kiosk, credential{id: id, file: file, card: card})
				if err != nil {
					t.Fatal(err)
				}
				decided, err := one.st.ReadPerson(ctx, id, 5, attempt, func(store.Reader) error { return nil })
				if err != nil {
					t.Fatal(err)
				}
				rf, slow := refusalOf(decided.Admission), decided.BecameSlow
				if decided.Found != identified {
					t.Fatalf("step %d (%q card=%t file %q): the store found %t, want %t", step, id, card, file, decided.Found, identified)
				}
				if rf != a.refusal || slow != oldSlow {
					t.Fatalf("step %d (%s %q card=%t identified=%t): attempt gives %+v slow=%t, admit then outcome %+v slow=%t",
						step, kiosk, id, card, identified, rf, slow, a.refusal, oldSlow)
				}
				ok1, op1, oi1, _ := old.rows()
				ok2, op2, oi2, _ := one.rows()
				if ok1 != ok2 || op1 != op2 || oi1 != oi2 {
					t.Fatalf("step %d: stored kiosks/pairs/ids %d/%d/%d one way, %d/%d/%d the other", step, ok1, op1, oi1, ok2, op2, oi2)
				}
				if rf.scope != "" {
					refused++
				} else if identified {
					identifiedN++
				}
				if slow {
					slowed++
				}
				switch r := rng.IntN(100); {
				case r < 2:
					c.Add(16 * time.Minute) // quiet: counts are forgotten
				case r < 60:
					c.Add(time.Duration(rng.IntN(4000)) * time.Millisecond)
				default:
					c.Add(time.Duration(rng.IntN(30)) * time.Second)
				}
			}
			// The script reaches every case it compares.
			if refused < 50 || slowed == 0 || identifiedN < 50 {
				t.Errorf("the script refused %d, warned %d times, identified %d: it misses cases", refused, slowed, identifiedN)
			}
			t.Logf("%d refused, %d warnings, %d identified", refused, slowed, identifiedN)
		})
	}
}
