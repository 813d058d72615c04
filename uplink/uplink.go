// Package uplink is the kiosk's sync engine: a background worker that drains the outbox to the
// server in order and in batches, with exponential backoff and jitter; pulls reference-data
// changes by cursor; sends heartbeats; and reports whether the server is reachable (online,
// degraded, offline) within seconds of a change. It never runs on the UI's goroutine: the UI
// learns about it through the OnStatus callback and reads nothing from it synchronously.
package uplink

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	mrand "math/rand/v2"
	"sync"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/storage"
)

// Client is the part of the API the engine uses; *api.Client implements it.
type Client interface {
	Ops(ctx context.Context, ops []api.Op) (api.OpsResponse, error)
	Changes(ctx context.Context, since string) (api.Changes, error)
	Heartbeat(ctx context.Context, hb api.Heartbeat) (api.HeartbeatReply, error)
	Calls(ctx context.Context, req api.CallsRequest) (api.CallsReply, error)
	// StaleClock reads the server's proven time from a refusal of a stale timestamp.
	StaleClock(err error) (time.Time, bool)
}

// State is how well the server can be reached.
type State int

// States.
const (
	Offline  State = iota // nothing has worked for a while (or ever)
	Degraded              // the last attempt failed, an earlier one recently worked
	Online                // the last attempt worked
)

func (s State) String() string {
	return [...]string{"offline", "degraded", "online"}[s]
}

// Problem says why the last exchange failed, so that the kiosk can tell a network that is down
// from a server that answers but fails, and from a clock or an enrolment the server refuses:
// each leaves different things working, and staff fix each in a different place.
type Problem int

// Problems.
const (
	NoProblem   Problem = iota
	Unreachable         // no answer: network down, server down, timeout
	ServerError         // the server answered, with an error it may get over (5xx, busy, a bad answer)
	ClockOff            // the server refused the kiosk's time and did not prove its own
	NotEnrolled         // the server refused the kiosk itself (unknown, revoked, bad signature)
	LocalStore          // the kiosk's own store failed (full, damaged)
)

func (p Problem) String() string {
	return [...]string{"none", "unreachable", "server_error", "clock_off", "not_enrolled", "local_store"}[p]
}

// Status is what the UI and the maintenance view show.
type Status struct {
	State       State
	Since       time.Time // when State began
	LastSuccess time.Time // zero until the first success
	OutboxDepth int
	Rejected    int    // operations the server rejected, waiting for staff
	LastError   string // a category, never request content
	Problem     Problem
	// OldestPending is when the oldest operation not yet answered was queued (zero: none).
	OldestPending time.Time
	// ClockSkew is the local clock minus the server's, valid when ClockKnown.
	ClockSkew  time.Duration
	ClockKnown bool
	// Fill is the store's fill at the last measurement; Checkpoint its journal's checkpoint.
	Fill       storage.Fill
	Checkpoint storage.Checkpoint
	// LastOutage counts the failed attempts of the last outage that ended (or of the current
	// one while it lasts).
	LastOutage int
	// FailedAttempts counts exchanges that failed since the last one that worked.
	FailedAttempts int
	// OpsSent counts operations put into requests since the engine started, resends included;
	// OpsDone counts those the server answered (applied or rejected). Their difference is what
	// an outage cost in resending. Both live in memory only: the store records outcomes, not
	// attempts.
	OpsSent, OpsDone int
	// LiveCalls counts the calls for staff still to be sent (storage.Call.Live); CallUpdates
	// counts the changes the server's answers made to calls since the engine started, so that
	// the UI knows to read its call again when it moves.
	LiveCalls   int
	CallUpdates int64
}

// Config sets up an Engine. Zero durations take the defaults in brackets.
type Config struct {
	Store  *storage.Store
	Client Client
	Log    *slog.Logger
	// Clock is the kiosk's corrected clock, which the engine keeps measuring; nil: one of its
	// own over Now. Now is the local clock (nil: time.Now).
	Clock *Clock
	Now   func() time.Time
	// After waits (nil: time.After); a test gives a fake that moves a fake clock instead.
	After func(time.Duration) <-chan time.Time
	// Idle reports that nobody is being served, so that compaction, which holds the store for
	// a moment, may run (nil: always).
	Idle func() bool
	// OnStatus is called, from the engine's goroutine, whenever the status changes.
	OnStatus func(Status)
	// Devices reports the state of each device for heartbeats (api.DevicePrinter... to its
	// status); nil reports none.
	Devices func() map[string]api.DeviceStatus
	Version string

	BatchSize      int           // operations per request [50]
	MinBackoff     time.Duration // first wait after a failure [250ms]
	MaxBackoff     time.Duration // longest wait [4s: a state change is noticed within 5 s]
	Probe          time.Duration // quiet time after which reachability is probed [2s]
	RefEvery       time.Duration // reference-data pull [5m]
	HeartbeatEvery time.Duration // heartbeat [60s]
	DegradedFor    time.Duration // how long after a success a failure counts as degraded [30s]
	RequestTimeout time.Duration // per request [8s]

	UpkeepEvery time.Duration // retention and compaction [1h]; [5m] while the store is above its high watermark
	Retention   Retention
}

// Retention says how long the store keeps what it no longer needs. Zero fields take the
// defaults in brackets.
type Retention struct {
	Acked       time.Duration // answered operations (with receipts) after their answer [7 days]
	JournalAge  time.Duration // journal entries [30 days]
	JournalKeep int           // journal entries at most [20000]
	Calls       time.Duration // calls for staff that need nothing more [1 day]
}

// Tighter retention while the store is above its high watermark: what must go so that the
// kiosk can keep taking work.
const (
	tightAcked       = time.Hour
	tightJournalKeep = 2000
	// Compaction runs when free pages are at least this much of the file, and this many bytes.
	compactFreeShare = 4 // one quarter
	compactFreeMin   = 2 << 20
)

// Engine is the sync worker.
type Engine struct {
	cfg  Config
	wake chan struct{}
	rng  *mrand.Rand

	// batch is the last batch read from the outbox, good while the outbox's version is the
	// same; only the engine's goroutine uses it.
	batch struct {
		ops     []api.Op
		version int64
		valid   bool
	}

	// outage is the current outage as the journal knows it (only the engine's goroutine).
	outage struct {
		journaled bool      // its start is in the journal
		since     time.Time // first failed attempt
		lastError string
	}
	calls          callRounds
	corrected      bool // the clock was corrected since the last exchange that worked
	lastUpkeep     time.Time
	journaledLevel string    // the store level the journal last recorded
	lastLog        time.Time // last "sync attempt failed" line (at most one per logEvery)

	mu             sync.Mutex
	status         Status
	counted        bool // the status's outbox figures are those of countedVersion
	countedVersion int64
	failures       int
	lastTry        time.Time
	lastRef        time.Time
	lastBeat       time.Time
}

// logEvery spaces the log lines of an outage: a week offline must not fill the disk with one
// line per attempt.
const logEvery = 10 * time.Minute

// Clock returns the engine's corrected clock.
func (e *Engine) Clock() *Clock { return e.cfg.Clock }

// New builds an engine; Run starts it.
func New(cfg Config) *Engine {
	d := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	d(&cfg.MinBackoff, 250*time.Millisecond)
	d(&cfg.MaxBackoff, 4*time.Second)
	d(&cfg.Probe, 2*time.Second)
	d(&cfg.RefEvery, 5*time.Minute)
	d(&cfg.HeartbeatEvery, time.Minute)
	d(&cfg.DegradedFor, 30*time.Second)
	d(&cfg.RequestTimeout, 8*time.Second)
	d(&cfg.UpkeepEvery, time.Hour)
	d(&cfg.Retention.Acked, 7*24*time.Hour)
	d(&cfg.Retention.JournalAge, 30*24*time.Hour)
	d(&cfg.Retention.Calls, 24*time.Hour)
	if cfg.Retention.JournalKeep == 0 {
		cfg.Retention.JournalKeep = 20000
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 50
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Clock == nil {
		cfg.Clock = NewClock(cfg.Now)
	}
	if cfg.After == nil {
		cfg.After = time.After
	}
	if cfg.Idle == nil {
		cfg.Idle = func() bool { return true }
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	var seed [16]byte
	_, _ = rand.Read(seed[:])
	e := &Engine{cfg: cfg, wake: make(chan struct{}, 1),
		rng: mrand.New(mrand.NewPCG(uint64(seed[0])<<56|uint64(seed[1]), uint64(seed[2])))}
	e.status = Status{State: Offline, Since: cfg.Now()}
	e.journaledLevel = storage.LevelOK
	return e
}

// NewOpID returns a random operation id (UUID version 4 form).
func NewOpID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Wake asks the engine to send now (after an operation was queued). It never blocks.
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Status returns the current status.
func (e *Engine) Status() Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.status
}

// Run works until ctx ends.
func (e *Engine) Run(ctx context.Context) error {
	e.refreshCounts()
	e.measureStore()
	e.noteSkew() // a measurement kept by an earlier process (Clock.Persist)
	for {
		wait := e.step(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-e.wake:
		case <-e.cfg.After(wait):
		}
	}
}

// step does whatever is due and returns how long to wait before the next step.
func (e *Engine) step(ctx context.Context) time.Duration {
	now := e.cfg.Now()
	e.upkeep(now)
	if err := e.sendCalls(ctx); retryNow(err) {
		return 0
	} else if err != nil {
		return e.failed(err)
	}
	sent, err := e.drain(ctx)
	if retryNow(err) {
		return 0
	}
	if err != nil {
		return e.failed(err)
	}
	if now.Sub(e.lastRef) >= e.cfg.RefEvery || e.lastRef.IsZero() {
		if err := e.pullReference(ctx); retryNow(err) {
			return 0
		} else if err != nil {
			return e.failed(err)
		}
		e.lastRef = now
	}
	if now.Sub(e.lastBeat) >= e.cfg.HeartbeatEvery || (!sent && now.Sub(e.lastTry) >= e.cfg.Probe) {
		if err := e.heartbeat(ctx); retryNow(err) {
			return 0
		} else if err != nil {
			return e.failed(err)
		}
		e.lastBeat = now
	}
	if sent {
		return 0 // more may be waiting
	}
	return e.cfg.Probe
}

// retryNow reports an error after which the engine tries again at once: the clock was just
// corrected from the server's refusal.
func retryNow(err error) bool {
	var cc *clockCorrected
	return errors.As(err, &cc)
}
