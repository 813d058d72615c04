package store

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// memLimits is the embedded store's identification limiter: the same state and arithmetic as
// the SQL the PostgreSQL functions run (limits.go), kept in this process's memory under one
// mutex. The embedded store belongs to one process (its file lock), so this memory is the whole
// truth, and a restart forgets recent counts, as a crash of PostgreSQL forgets its unlogged
// tables. It is not SQL because every lookup passes here twice: through a database connection,
// even one in memory, 200 kiosks' lookups queued behind each other (at 1,500 requests a second
// the one connection's holder was descheduled while the others waited, and p99 rose from 16 ms
// to over a second); under a mutex a call takes about a microsecond. ID numbers appear only as
// the store's keyed hashes.
type memLimits struct {
	mu     sync.Mutex
	kiosks map[string]*memKiosk
	pairs  map[memPair]*memCount
	ids    map[string]*memCount
}

type memKiosk struct {
	tokens   float64   // identifications the kiosk may start now
	level    float64   // recent failures, leaking at FailuresPerHour
	at       time.Time // when tokens and level were last brought up to date
	nextSlow time.Time // while slow: when the next typed identification may start
	warned   bool      // the operator was warned of this spell of a high level
}

type memPair struct{ kiosk, id string }

// memCount counts failed (and admitted, not yet successful) typed attempts.
type memCount struct {
	n    int
	last time.Time // the last counted attempt; delays run from it
}

func newMemLimits() *memLimits {
	return &memLimits{kiosks: map[string]*memKiosk{}, pairs: map[memPair]*memCount{}, ids: map[string]*memCount{}}
}

// delay is the wait after n counted failures over free ones (n >= free): a quarter, half, then
// all of MaxDelay.
func memDelay(lim IdentifyLimits, n, free int) time.Duration {
	return lim.MaxDelay >> (2 - min(n-free, 2))
}

// waitFor is how long an attempt at now must still wait after c, with free failures free of
// delay (zero or less: none).
func waitFor(lim IdentifyLimits, c *memCount, free int, now time.Time) time.Duration {
	if c == nil || c.n < free {
		return 0
	}
	return c.last.Add(memDelay(lim, c.n, free)).Sub(now)
}

func slow(lim IdentifyLimits, k *memKiosk) bool { return k.level >= float64(lim.FailuresPerHour) }

// kiosk returns the kiosk's state brought up to now: tokens refilled, the level leaked.
func (m *memLimits) kiosk(lim IdentifyLimits, id string, now time.Time) *memKiosk {
	capacity := float64(lim.PerMinute)
	k, ok := m.kiosks[id]
	if !ok {
		k = &memKiosk{tokens: capacity, at: now}
		m.kiosks[id] = k
	}
	if d := now.Sub(k.at); d > 0 {
		k.tokens = min(capacity, k.tokens+d.Minutes()*capacity)
		k.level = max(0, k.level-d.Hours()*float64(lim.FailuresPerHour))
		k.at = now
	}
	if !slow(lim, k) {
		k.warned = false
	}
	return k
}

// live returns the count under key unless it has been quiet for ForgetAfter (then it is gone).
func live[K comparable](lim IdentifyLimits, m map[K]*memCount, key K, now time.Time) *memCount {
	c, ok := m[key]
	if ok && now.Sub(c.last) >= lim.ForgetAfter {
		delete(m, key)
		return nil
	}
	return c
}

func (m *memLimits) admit(lim IdentifyLimits, kiosk, id string, typed bool, now time.Time) Admission {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.admitLocked(lim, kiosk, id, typed, now)
}

func (m *memLimits) admitLocked(lim IdentifyLimits, kiosk, id string, typed bool, now time.Time) Admission {
	k := m.kiosk(lim, kiosk, now)
	var a Admission
	if k.tokens < 1 {
		perSecond := float64(lim.PerMinute) / 60
		a.KioskRate = time.Duration((1 - k.tokens) / perSecond * float64(time.Second))
	}
	pk := memPair{kiosk, id}
	pair, global := live(lim, m.pairs, pk, now), live(lim, m.ids, id, now)
	if !typed {
		if a.Admitted() {
			k.tokens--
		}
		a.Pending = id != "" && (pair != nil || global != nil)
		return a
	}
	if slow(lim, k) {
		a.KioskFailures = k.nextSlow.Sub(now)
	}
	free := lim.FreeFailures
	a.KioskID = waitFor(lim, pair, free, now)
	a.ID = waitFor(lim, global, 2*free, now)
	if !a.Admitted() {
		a.Pending = pair != nil || global != nil
		return a
	}
	k.tokens--
	if slow(lim, k) {
		k.nextSlow = now.Add(lim.SlowEvery)
	}
	if pair == nil {
		pair = &memCount{}
		m.pairs[pk] = pair
	}
	if global == nil {
		global = &memCount{}
		m.ids[id] = global
	}
	// One kiosk's failures count towards the ID number's delay everywhere only up to its share,
	// until failures from several kiosks together have started that delay.
	if pair.n < free || global.n >= 2*free {
		global.n++
		global.last = now
	}
	pair.n++
	pair.last = now
	a.Pending = true
	return a
}

// attempt is admit followed, when admitted, by clear or failed, under one hold of the mutex.
func (m *memLimits) attempt(lim IdentifyLimits, kiosk, id string, typed, identified bool, now time.Time) (Admission, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.admitLocked(lim, kiosk, id, typed, now)
	a.Pending = false
	switch {
	case !a.Admitted():
		return a, false
	case identified:
		m.clearLocked(kiosk, id)
		return a, false
	case typed:
		return a, m.failedLocked(lim, kiosk, id, now)
	}
	return a, false
}

func (m *memLimits) failed(lim IdentifyLimits, kiosk, id string, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.failedLocked(lim, kiosk, id, now)
}

func (m *memLimits) failedLocked(lim IdentifyLimits, kiosk, id string, now time.Time) bool {
	k := m.kiosk(lim, kiosk, now)
	if pair := live(lim, m.pairs, memPair{kiosk, id}, now); pair != nil && pair.n > lim.FreeFailures {
		return false
	}
	k.level++
	if slow(lim, k) && !k.warned {
		k.warned = true
		return true
	}
	return false
}

func (m *memLimits) abort(lim IdentifyLimits, kiosk, id string, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	pair := live(lim, m.pairs, memPair{kiosk, id}, now)
	if pair == nil || pair.n == 0 {
		return
	}
	free := lim.FreeFailures
	// Admission counted it for the ID number too when it was among the kiosk's share, or when
	// the ID number's delay had started: this only ever takes back one.
	if global := live(lim, m.ids, id, now); global != nil && global.n > 0 && (pair.n <= free || global.n > 2*free) {
		global.n--
	}
	pair.n--
}

func (m *memLimits) clear(kiosk, id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.clearLocked(kiosk, id)
}

func (m *memLimits) clearLocked(kiosk, id string) {
	delete(m.pairs, memPair{kiosk, id})
	delete(m.ids, id)
}

// prune deletes the counts quiet for ForgetAfter and the kiosks whose bucket is full and level
// empty: they mean what an absent entry means.
func (m *memLimits) prune(lim IdentifyLimits, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for key := range m.pairs {
		live(lim, m.pairs, key, now)
	}
	for key := range m.ids {
		live(lim, m.ids, key, now)
	}
	for id := range m.kiosks {
		k := m.kiosk(lim, id, now)
		if k.tokens >= float64(lim.PerMinute) && k.level == 0 && !now.Before(k.nextSlow) {
			delete(m.kiosks, id)
		}
	}
}

// dump counts the entries and writes every value as text, for TestingIdentifyRows.
func (m *memLimits) dump() (kiosks, pairs, ids int, text string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	// Fields are separated by "|", as a row of the SQL tables is dumped.
	for id, k := range m.kiosks {
		fmt.Fprintf(&b, "%s|%g|%g|%d|%d|%t\n", id, k.tokens, k.level, k.at.UnixMilli(), k.nextSlow.UnixMilli(), k.warned)
	}
	for p, c := range m.pairs {
		fmt.Fprintf(&b, "%s|%x|%d|%d\n", p.kiosk, p.id, c.n, c.last.UnixMilli())
	}
	for id, c := range m.ids {
		fmt.Fprintf(&b, "%x|%d|%d\n", id, c.n, c.last.UnixMilli())
	}
	return len(m.kiosks), len(m.pairs), len(m.ids), b.String()
}
