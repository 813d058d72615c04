package server

import (
	"context"
	"sync"
	"time"

	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
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
	// pruneEvery is how often each server process sweeps forgotten counts from the store.
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
// The limiter's state lives in the store (store.IdentifyLimiter), shared by every server process
// on one database: three processes behind a balancer enforce exactly the limits of one. Each
// decision is one call of the store that locks what it decides on (the kiosk, then the ID number,
// then the pair) and counts in the same atomic step, so concurrent attempts, through one process
// or several, are decided one after the other and none slips past a count. A lookup, which
// changes no record, reads first and is decided after in one call that admits and clears or
// counts (store.ReadPerson with lookupAttempt's attempt: on PostgreSQL the last statement of the
// reads' own round trip, which finds the outcome from the record itself). An owner check, which
// records what it checked, is admitted first and its outcome recorded after (allowIdentify, then
// identified or failed): two round trips. TestLimiterAttemptEqualsAdmitThenOutcome holds the two
// ways to one result. Time is the server's clock, never the database's, so processes must keep
// their clocks in step (NTP), as they must for request timestamps. ID numbers are stored
// only as keyed hashes under a key the store creates once and every process shares. On
// PostgreSQL the tables are UNLOGGED: a crash of the database, or a failover to a standby, forgets
// recent counts, as a restart forgot them when they lived in each process's memory. The embedded
// store, which one process owns, keeps them in that process's memory: its restart forgets
// them. A kiosk cannot cause either, and each gives a guesser what 15 quiet minutes give: the free
// failures and the shorter first delays again, about ten attempts.
type limiter struct {
	store  store.IdentifyLimiter
	limits store.IdentifyLimits
	now    func() time.Time

	mu        sync.Mutex
	lastPrune time.Time
}

func newLimiter(st store.IdentifyLimiter, l Limits, now func() time.Time) *limiter {
	return &limiter{store: st, now: now, limits: store.IdentifyLimits{PerMinute: l.IdentifyPerKioskPerMinute,
		FreeFailures: l.FreeFailures, MaxDelay: l.MaxDelay, FailuresPerHour: l.KioskFailuresPerHour,
		ForgetAfter: forgetAfter, SlowEvery: slowTypedEvery}}
}

// refusal is why an attempt may not start now: the scope with the longest wait, and the wait.
type refusal struct {
	scope string
	wait  time.Duration
}

// admission is the limiter's answer: refused when the refusal names a scope; pending when counts
// of this kiosk and ID number remain, which a success must clear.
type admission struct {
	refusal
	pending bool
}

// allowIdentify decides an identification attempt of kiosk for id, by card or typed. When it
// is admitted (the zero refusal), a typed attempt counts as a failure until identified clears
// it. An error of the store refuses nothing and admits nothing: the caller answers it.
func (l *limiter) allowIdentify(ctx context.Context, kiosk string, id model.IDNumber, card bool) (admission, error) {
	now := l.now()
	if err := l.prune(ctx, now); err != nil {
		return admission{}, err
	}
	a, err := l.store.AdmitIdentify(ctx, l.limits, kiosk, id, !card, now)
	if err != nil {
		return admission{}, err
	}
	return admission{refusal: refusalOf(a), pending: a.Pending}, nil
}

// refusalOf names the scope with the longest wait of an admission; on a tie, the first in this
// order. The zero refusal admits.
func refusalOf(a store.Admission) refusal {
	var r refusal
	for _, w := range []refusal{{scopeKioskRate, a.KioskRate}, {scopeKioskFailures, a.KioskFailures},
		{scopeKioskID, a.KioskID}, {scopeID, a.ID}} {
		if w.wait > 0 && w.wait > r.wait {
			r = w
		}
	}
	return r
}

// lookupAttempt is what a lookup gives the store for it to decide the identification once it
// has read the person's record (store.ReadPerson): the kiosk, the limits and the proof, at the
// limiter's now. The limiter's sweep runs first when due. The store decides as AttemptIdentify
// does: the same admission as allowIdentify and, when admitted, what identified or failed would
// then record, in one call. A refused attempt's outcome must not reach the kiosk. An
// identification whose record could not be read is never decided: it counts nowhere, which is
// what aborted achieves for one admitted first.
func (l *limiter) lookupAttempt(ctx context.Context, kiosk string, c credential) (*store.IdentifyAttempt, error) {
	now := l.now()
	if err := l.prune(ctx, now); err != nil {
		return nil, err
	}
	return &store.IdentifyAttempt{KioskID: kiosk, Limits: l.limits, Card: c.card, File: c.file, Now: now}, nil
}

// identified clears what the attempts of this kiosk for id counted: the person proved who they
// are (with the file number, or the card on the reader).
func (l *limiter) identified(ctx context.Context, kiosk string, id model.IDNumber) error {
	return l.store.ClearIdentify(ctx, kiosk, id)
}

// aborted takes back what an admitted typed attempt counted when it ended in neither success nor
// failure (the server could not answer it): it told nobody anything, so it is no guess, and the
// person is not charged for the server's trouble. The delay it restarted stays.
func (l *limiter) aborted(ctx context.Context, kiosk string, id model.IDNumber) error {
	return l.store.AbortIdentify(ctx, l.limits, kiosk, id, l.now())
}

// failed records a failed typed identification of id at the kiosk (the ID number's counts
// already hold it from admission). A failure raises the kiosk's level only while it is one of
// the free failures of its ID number at the kiosk: the level measures how many people's
// numbers a kiosk gets wrong, which per-ID delays do not bound, and one ID number's further
// failures are bounded already. It reports whether the level has just reached the rate at
// which the kiosk's typed identifications are spaced, for the operator's warning (given by
// whichever process recorded that failure).
func (l *limiter) failed(ctx context.Context, kiosk string, id model.IDNumber) (becameSlow bool, err error) {
	return l.store.FailedIdentify(ctx, l.limits, kiosk, id, l.now())
}

// prune sweeps forgotten counts from the store once a minute (each process does, which costs
// nothing when another just did). What the store keeps is bounded by the rates: a kiosk adds at
// most one count per admitted typed attempt, 120 a minute at first and three a minute once its
// failures make it slow, and counts go after 15 quiet minutes.
func (l *limiter) prune(ctx context.Context, now time.Time) error {
	l.mu.Lock()
	due := now.Sub(l.lastPrune) >= pruneEvery
	if due {
		l.lastPrune = now
	}
	l.mu.Unlock()
	if !due {
		return nil
	}
	return l.store.PruneIdentifyLimits(ctx, l.limits, now)
}
