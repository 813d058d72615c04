package server

import (
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// Limits bound identification attempts (lookups and owner checks). Failures slow guessing down
// but lock nobody else out; the design and its arithmetic are in the comment on limiter.
type Limits struct {
	// IdentifyPerKioskPerMinute bounds all identifications of one kiosk, typed and by card
	// (a token bucket of this size, refilled at this rate). A person typing cannot reach it;
	// it caps a client holding a kiosk's secret.
	IdentifyPerKioskPerMinute int
	// FreeFailures is how many failed identifications of one ID number at one kiosk go
	// without delay; it is also what one kiosk contributes at most to the ID number's count
	// across kiosks, which starts its own delay at twice this.
	FreeFailures int
	// MaxDelay caps the wait between attempts that delays impose. The first delay is a
	// quarter of it, the second half, then the whole.
	MaxDelay time.Duration
	// KioskFailuresPerHour is the failure rate at which a kiosk is considered under attack:
	// its typed identifications are then admitted one per slowTypedEvery (an operator is
	// warned in the log), while card reads go on unhindered.
	KioskFailuresPerHour int
}

func (l Limits) orDefault() Limits {
	if l.IdentifyPerKioskPerMinute == 0 {
		l.IdentifyPerKioskPerMinute = 120
	}
	if l.FreeFailures == 0 {
		l.FreeFailures = 3
	}
	if l.MaxDelay == 0 {
		l.MaxDelay = time.Minute
	}
	if l.KioskFailuresPerHour == 0 {
		l.KioskFailuresPerHour = 30
	}
	return l
}

const (
	// forgetAfter is the quiet time after which failures are forgotten.
	forgetAfter = 15 * time.Minute
	// slowTypedEvery spaces typed identifications at a kiosk whose failure rate is high.
	slowTypedEvery = 20 * time.Second
	// pruneEvery is how often expired entries are swept from the limiter's maps.
	pruneEvery = time.Minute
)

// Refusal scopes, as metrics and logs name them.
const (
	scopeKioskRate     = "kiosk_rate"        // the kiosk's rate of all identifications
	scopeKioskFailures = "kiosk_failures"    // the kiosk's failure rate is high: typed ones are spaced
	scopeKioskID       = "kiosk_id_failures" // failures of this ID number at this kiosk
	scopeID            = "id_failures"       // failures of this ID number at several kiosks
)

// limiter decides which identification attempts go ahead.
//
// What it must achieve: guessing a file number stays infeasible, yet nobody at one kiosk can
// keep another person, or the next person at that kiosk, from identifying for more than about
// a minute, and a card read by the reader is never refused for others' failures. A lockout
// cannot do both (whoever triggers it chooses whom it locks out), so failures impose delays
// between attempts instead, on the narrowest key that bounds guessing:
//
//   - Per kiosk and ID number: FreeFailures failures go without delay; after that each attempt
//     must wait 15 s, then 30 s, then 60 s (MaxDelay) after the previous one. Someone failing X's
//     number at kiosk K therefore holds X up at K by at most a minute, and nobody else at all.
//   - Per ID number across kiosks: each kiosk contributes at most FreeFailures failures to X's
//     count, and only from 2×FreeFailures on (so several kiosks together: a coordinated attack)
//     does a delay start for X everywhere; once started, every further failure counts, and the
//     delay grows to MaxDelay as above. One kiosk alone can never delay X at another.
//   - Per kiosk: a token bucket of IdentifyPerKioskPerMinute covers every identification
//     admitted. Failures are no lock: the free failures of each ID number (how many people's
//     numbers a kiosk gets wrong) raise a level that leaks at KioskFailuresPerHour per hour;
//     while the level is at that rate, typed identifications at that kiosk are admitted one
//     per 20 seconds (the next person waits at most that) and an operator is warned. This
//     closes what per-ID delays leave open: a script holding a kiosk's secret, trying one file
//     number on each of many ID numbers (anyone's record, not a given person's), gets three
//     attempts a minute instead of 120. A person at a kiosk, typing 30 characters per attempt,
//     barely reaches that rate, and the next person waits 20 seconds at most.
//   - Card reads (the ID card on the kiosk's reader stands in for the file number) meet only
//     the kiosk's bucket: they are never refused for failures, and their failures (a card
//     without a licence) are not guesses and count nowhere.
//
// Every typed attempt the limiter admits counts as a failure at once (it is cleared when it
// succeeds, and taken back when the server could not answer it), so that concurrent attempts
// cannot slip past the count; a refused attempt counts nowhere. An admission under a delay
// restarts it, so the delays bound attempts, not only failures. Failures are forgotten after
// 15 quiet minutes.
//
// The guessing bound: a file number has 12 digits, 10^12 values. Against one ID number, from
// one kiosk or many, the delays admit at most one attempt per MaxDelay (a minute) sustained.
// Above that come only the free failures (FreeFailures at one kiosk, up to 2×FreeFailures
// across kiosks) and the two shorter first delays, so that any span of T minutes holds at most
// T + 10 attempts; waiting 15 quiet minutes for the counts to be forgotten buys fewer attempts
// than waiting at the kiosk does. That is about 525,600 attempts a year: trying all 10^12
// values takes 10^12 minutes, about 1.9 million years, and finding the right one takes half
// that on average, about 950,000 years. Were file numbers far from uniform (say an office
// prefix and 8 sequential digits, 10^8 values), it would still take about 95 years on average
// for one person. TestLimiterSustainedRate checks the bound over simulated hours.
//
// The limiter lives in one server process; behind a load balancer each replica limits on its
// own, which multiplies the rates by the number of replicas. ID numbers are kept only as
// salted hashes (the salt is random per process).
type limiter struct {
	mu     sync.Mutex
	limits Limits
	now    func() time.Time
	salt   [16]byte
	// kiosks holds the bucket and failure level of each kiosk.
	kiosks map[string]*kioskLimit
	// pairs holds failures per kiosk and ID number; ids per ID number across kiosks.
	pairs     map[pairKey]*failures
	ids       map[idHash]*failures
	lastPrune time.Time
}

// idHash names an ID number in the limiter's memory.
type idHash [16]byte

type pairKey struct {
	kiosk string
	id    idHash
}

type kioskLimit struct {
	tokens   float64   // identifications the kiosk may start now
	level    float64   // recent failures, leaking at KioskFailuresPerHour
	at       time.Time // when tokens and level were last brought up to date
	nextSlow time.Time // while slow: when the next typed identification may start
	slow     bool      // the level reached the threshold (for the operator's warning)
}

// failures counts failed (and admitted, not yet successful) typed attempts.
type failures struct {
	n    int
	last time.Time // the last counted attempt; delays run from it
}

func newLimiter(l Limits, now func() time.Time) *limiter {
	lim := &limiter{limits: l, now: now, kiosks: map[string]*kioskLimit{},
		pairs: map[pairKey]*failures{}, ids: map[idHash]*failures{}}
	// A random salt keeps a memory dump from being matched against a list of ID numbers.
	_, _ = rand.Read(lim.salt[:])
	return lim
}

func (l *limiter) hash(id model.IDNumber) idHash {
	h := sha256.New()
	h.Write(l.salt[:])
	h.Write([]byte(id))
	var out idHash
	copy(out[:], h.Sum(nil))
	return out
}

// delay is the wait imposed after n failures over a threshold of free ones (n >= free).
func (l *limiter) delay(n, free int) time.Duration {
	step := min(n-free, 2) // 0, 1, 2: a quarter, half, all of MaxDelay
	return l.limits.MaxDelay >> (2 - step)
}

// allowedAt is when the next attempt may start after f, with free failures free of delay;
// the zero time when no delay applies.
func (l *limiter) allowedAt(f *failures, free int) time.Time {
	if f == nil || f.n < free {
		return time.Time{}
	}
	return f.last.Add(l.delay(f.n, free))
}

// refusal is why an attempt may not start now: the scope with the longest wait, and the wait.
type refusal struct {
	scope string
	wait  time.Duration
}

// allowIdentify decides an identification attempt of kiosk for id, by card or typed. When it
// is admitted (the zero refusal), a typed attempt counts as a failure until identified clears
// it.
func (l *limiter) allowIdentify(kiosk string, id model.IDNumber, card bool) refusal {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.prune(now)
	k := l.kioskAt(kiosk, now)
	var r refusal
	refuse := func(scope string, until time.Time) {
		if w := until.Sub(now); w > 0 && w > r.wait {
			r = refusal{scope: scope, wait: w}
		}
	}
	if k.tokens < 1 {
		perSecond := float64(l.limits.IdentifyPerKioskPerMinute) / 60
		refuse(scopeKioskRate, now.Add(time.Duration((1-k.tokens)/perSecond*float64(time.Second))))
	}
	if card {
		if r.scope == "" {
			k.tokens--
		}
		return r
	}
	h := l.hash(id)
	pk := pairKey{kiosk: kiosk, id: h}
	pair, global := liveEntry(l.pairs, pk, now), liveEntry(l.ids, h, now)
	if l.isSlow(k) {
		refuse(scopeKioskFailures, k.nextSlow)
	}
	free := l.limits.FreeFailures
	refuse(scopeKioskID, l.allowedAt(pair, free))
	refuse(scopeID, l.allowedAt(global, 2*free))
	if r.scope != "" {
		return r
	}
	k.tokens--
	if l.isSlow(k) {
		k.nextSlow = now.Add(slowTypedEvery)
	}
	if pair == nil {
		pair = &failures{}
		l.pairs[pk] = pair
	}
	if global == nil {
		global = &failures{}
		l.ids[h] = global
	}
	// One kiosk's failures count towards the ID number's delay everywhere only up to its share,
	// until failures from several kiosks together have started that delay.
	if pair.n < free || global.n >= 2*free {
		global.n++
		global.last = now
	}
	pair.n++
	pair.last = now
	return r
}

// identified clears what the attempts of this kiosk for id counted: the person proved who they
// are (with the file number, or the card on the reader).
func (l *limiter) identified(kiosk string, id model.IDNumber) {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.hash(id)
	delete(l.pairs, pairKey{kiosk: kiosk, id: h})
	delete(l.ids, h)
}

// aborted takes back what an admitted typed attempt counted when it ended in neither success nor
// failure (the server could not answer it): it told nobody anything, so it is no guess, and the
// person is not charged for the server's trouble. The delay it restarted stays.
func (l *limiter) aborted(kiosk string, id model.IDNumber) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	h := l.hash(id)
	pair := liveEntry(l.pairs, pairKey{kiosk: kiosk, id: h}, now)
	if pair == nil || pair.n == 0 {
		return
	}
	free := l.limits.FreeFailures
	// Admission counted it for the ID number too when it was among the kiosk's share, or when
	// the ID number's delay had started (others' attempts since may blur the second case: this
	// only ever takes back one).
	global := liveEntry(l.ids, h, now)
	if global != nil && global.n > 0 && (pair.n <= free || global.n > 2*free) {
		global.n--
	}
	pair.n--
}

// failed records a failed typed identification of id at the kiosk (the ID number's counts
// already hold it from admission). A failure raises the kiosk's level only while it is one of
// the free failures of its ID number at the kiosk: the level measures how many people's
// numbers a kiosk gets wrong, which per-ID delays do not bound, and one ID number's further
// failures are bounded already. It reports whether the level has just reached the rate at
// which the kiosk's typed identifications are spaced, for the operator's warning.
func (l *limiter) failed(kiosk string, id model.IDNumber) (becameSlow bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	k := l.kioskAt(kiosk, now)
	pair := liveEntry(l.pairs, pairKey{kiosk: kiosk, id: l.hash(id)}, now)
	if pair != nil && pair.n > l.limits.FreeFailures {
		return false
	}
	k.level++
	if l.isSlow(k) && !k.slow {
		k.slow = true
		return true
	}
	return false
}

func (l *limiter) isSlow(k *kioskLimit) bool {
	return k.level >= float64(l.limits.KioskFailuresPerHour)
}

// kioskAt returns the kiosk's state brought up to now: tokens refilled, the level leaked.
func (l *limiter) kioskAt(kiosk string, now time.Time) *kioskLimit {
	capacity := float64(l.limits.IdentifyPerKioskPerMinute)
	k, ok := l.kiosks[kiosk]
	if !ok {
		k = &kioskLimit{tokens: capacity, at: now}
		l.kiosks[kiosk] = k
	}
	if d := now.Sub(k.at); d > 0 {
		k.tokens = min(capacity, k.tokens+d.Minutes()*capacity)
		k.level = max(0, k.level-d.Hours()*float64(l.limits.KioskFailuresPerHour))
		k.at = now
	}
	if !l.isSlow(k) {
		k.slow = false
	}
	return k
}

// liveEntry returns the entry under key unless it has been quiet for forgetAfter (then it is
// gone).
func liveEntry[K comparable](m map[K]*failures, key K, now time.Time) *failures {
	f, ok := m[key]
	if ok && now.Sub(f.last) >= forgetAfter {
		delete(m, key)
		return nil
	}
	return f
}

// prune sweeps forgotten entries once a minute. What it keeps is bounded by the rates: a kiosk
// adds at most one entry per admitted typed attempt, 120 a minute at first and three a minute
// once its failures make it slow, and entries go after 15 quiet minutes.
func (l *limiter) prune(now time.Time) {
	if now.Sub(l.lastPrune) < pruneEvery {
		return
	}
	l.lastPrune = now
	for k, f := range l.pairs {
		if now.Sub(f.last) >= forgetAfter {
			delete(l.pairs, k)
		}
	}
	for k, f := range l.ids {
		if now.Sub(f.last) >= forgetAfter {
			delete(l.ids, k)
		}
	}
	for id, k := range l.kiosks {
		l.kioskAt(id, now)
		if k.tokens >= float64(l.limits.IdentifyPerKioskPerMinute) && k.level == 0 && !now.Before(k.nextSlow) {
			delete(l.kiosks, id)
		}
	}
}
