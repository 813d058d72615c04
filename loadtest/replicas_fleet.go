package loadtest

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server"
	"github.com/hallkiosk/kiosk/server/store"
	"github.com/hallkiosk/kiosk/service"
	"github.com/hallkiosk/kiosk/storage"
	"github.com/hallkiosk/kiosk/uplink"
)

// fleet is the run's kiosks.
type fleet struct {
	kiosks []*fleetKiosk
	start  time.Time
	cancel context.CancelFunc
	done   sync.WaitGroup

	mu  sync.Mutex
	err error // the first failure of a kiosk's own store
}

// fleetKiosk is a kiosk as the terminal runs it: its encrypted store with the durable outbox,
// the sync engine that drains it (real backoff, batches, op ids kept across retries), and the
// service the UI calls.
type fleetKiosk struct {
	id     string
	home   string
	store  *storage.Store
	engine *uplink.Engine
	svc    *service.Service

	mu      sync.Mutex
	online  bool
	up      chan struct{} // closed when the engine first reaches a server
	offAt   time.Time     // when the current outage began (zero: none)
	outages [][2]time.Time
}

// onStatus follows the engine's state: an outage runs from leaving online to coming back.
func (k *fleetKiosk) onStatus(s uplink.Status) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if s.State == uplink.Online {
		if !k.online && k.up != nil {
			close(k.up)
			k.up = nil
		}
		if !k.offAt.IsZero() {
			k.outages = append(k.outages, [2]time.Time{k.offAt, s.Since})
			k.offAt = time.Time{}
		}
		k.online = true
		return
	}
	if k.online && k.offAt.IsZero() {
		k.offAt = s.Since
	}
}

func enrollFleet(ctx context.Context, st store.Store, ref *model.Reference, p *model.Profile, cfg ReplicasConfig,
	homes []string) (*fleet, error) {
	runCtx, cancel := context.WithCancel(context.Background())
	f := &fleet{cancel: cancel}
	quiet := slog.New(slog.DiscardHandler)
	for i := range cfg.Kiosks {
		e, err := server.Enroll(ctx, st, ref, fmt.Sprintf("replica kiosk %d", i+1), fmt.Sprintf("hall %d", i%10+1),
			"national", time.Now())
		if err != nil {
			f.close()
			return nil, err
		}
		secret, _ := hex.DecodeString(e.Secret)
		dir := filepath.Join(cfg.Dir, "kiosk-"+e.KioskID)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			f.close()
			return nil, err
		}
		// No reserve file: it is for a full disk, and a hundred of them would fill this one.
		ks, _, err := storage.Open(filepath.Join(dir, "kiosk.db"), secret, storage.Options{Reserve: -1})
		if err != nil {
			f.close()
			return nil, err
		}
		k := &fleetKiosk{id: e.KioskID, home: homes[i%len(homes)], store: ks, up: make(chan struct{})}
		// Each kiosk has its own connections, as each terminal is its own process.
		hc := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 2,
			IdleConnTimeout: 90 * time.Second}}
		clock := uplink.NewClock(nil)
		client := api.NewClientWithClock(k.home, e.KioskID, secret, hc, clock.Now)
		k.engine = uplink.New(uplink.Config{Store: ks, Client: client, Clock: clock, Log: quiet, OnStatus: k.onStatus,
			Version: "loadtest"})
		k.svc = service.New(service.Config{Store: ks, Client: client, Engine: k.engine, Profile: p, Now: clock.Now})
		f.kiosks = append(f.kiosks, k)
	}
	for _, k := range f.kiosks {
		f.done.Add(1)
		go func() {
			defer f.done.Done()
			_ = k.engine.Run(runCtx)
		}()
	}
	deadline := time.After(2 * time.Minute)
	for _, k := range f.kiosks {
		k.mu.Lock()
		up := k.up
		k.mu.Unlock()
		if up == nil {
			continue
		}
		select {
		case <-up:
		case <-deadline:
			f.close()
			return nil, fmt.Errorf("kiosk %s did not reach a server within 2 minutes: %s", k.id, k.engine.Status().LastError)
		}
	}
	return f, nil
}

// close stops the engines and closes the stores.
func (f *fleet) close() {
	f.cancel()
	f.done.Wait()
	for _, k := range f.kiosks {
		k.store.Close()
	}
	f.kiosks = nil
}

func (f *fleet) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		f.err = err
	}
}

func (f *fleet) failure() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// offer runs every kiosk's driver sessions on the shared open-loop schedule.
func (f *fleet) offer(ctx context.Context, cfg ReplicasConfig, data *dataset.Data, r rules, start time.Time) (Result, []sample) {
	interval := time.Duration(float64(time.Second) / (cfg.Rate / float64(len(f.kiosks))))
	end := start.Add(cfg.Duration)
	drivers := driversOf(data)
	samples := make([][]sample, len(f.kiosks))
	var wg sync.WaitGroup
	for i, k := range f.kiosks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(i)))
			next := start.Add(time.Duration(rng.Int64N(int64(interval))))
			samples[i] = f.sessions(ctx, k, driversAt(drivers, i, len(f.kiosks)), r, rng, start, next, end, interval)
		}()
	}
	wg.Wait()
	var all []sample
	for _, ss := range samples {
		all = append(all, ss...)
	}
	return summarise("replicas", samples, time.Since(start), cfg.Window), all
}

// Session outcomes of the kiosk's side (the server's are api.Outcome...).
const (
	outcomeFailed    = "failed"     // a lookup no server answered and nothing cached could stand in
	outcomeCached    = "from_cache" // a lookup answered from the kiosk's cache: no server answered
	outcomeLimited   = "rate_limited"
	outcomePending   = "pending"         // queued; no answer within the UI's wait (the receipt says so)
	outcomeOfflineNo = "refused_offline" // the offline policy did not let the kiosk queue it
)

// awaitFor is how long the UI waits for the platform's answer to a queued operation before it
// prints "pending confirmation" (ui/process.go).
const awaitFor = 8 * time.Second

// receiptBytes stands in for a rendered receipt kept with each queued operation.
var receiptBytes = []byte(strings.Repeat("receipt line of a realistic length\n", 32))

// sessions runs driver sessions back to back on the kiosk's schedule through the service, as the
// terminal's screens do: a new person (the last one's session ended), identify, often process
// one or two violations the rules allow and wait for the answer, then often pay by card for the
// decisions. Each request is measured from when it was scheduled.
func (f *fleet) sessions(ctx context.Context, k *fleetKiosk, drivers []driver, r rules, rng *rand.Rand,
	start, next, end time.Time, interval time.Duration) []sample {
	var out []sample
	var pick []string
	var person service.Looked
	var decided []api.Decision
	for next.Before(end) {
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		scheduled := next
		next = next.Add(interval)
		s := sample{at: scheduled.Sub(start)}
		switch {
		case len(decided) > 0:
			s.kind = "pay"
			op := api.Op{ID: uplink.NewOpID(), Type: api.OpPay, At: k.engine.Clock().Now(), Pay: &api.PayOp{Method: "card"}}
			op.Pay.Reference = op.ID
			for _, d := range decided {
				op.Pay.Items = append(op.Pay.Items, api.PayItem{ViolationID: d.ViolationID, FineFen: d.FineFen})
			}
			decided = nil
			// The card was charged: the payment is a fact the kiosk records whatever the policy.
			q, err := k.svc.Record(op, receiptBytes)
			if err != nil {
				f.fail(fmt.Errorf("kiosk %s: record a payment: %w", k.id, err))
				return out
			}
			res := f.await(ctx, k, q.Seq)
			s.outcome, s.reason = resultOutcome(res)
		case len(pick) > 0:
			s.kind = "process"
			op := api.Op{Type: api.OpProcess, At: k.engine.Clock().Now(), Process: &api.ProcessOp{
				DriverID: person.Person.IDNumber, ViolationIDs: pick, DriverFace: api.FaceMatch, SeenPoints: person.Points.Total}}
			pick = nil
			q, refused, err := k.svc.Submit(op, receiptBytes, 0)
			if err != nil {
				f.fail(fmt.Errorf("kiosk %s: queue a processing: %w", k.id, err))
				return out
			}
			if len(refused) > 0 {
				s.outcome, s.reason = outcomeOfflineNo, string(refused[0].Code)
				break
			}
			res := f.await(ctx, k, q.Seq)
			s.outcome, s.reason = resultOutcome(res)
			if res != nil && res.Outcome != api.OutcomeRejected && len(res.Decisions) > 0 && rng.Float64() < 0.7 {
				decided = res.Decisions
			}
		default:
			s.kind = "lookup"
			// The last person has left: their session's records are wiped, as the terminal does.
			if err := k.svc.EndSession(); err != nil {
				f.fail(fmt.Errorf("kiosk %s: end a session: %w", k.id, err))
				return out
			}
			d := drivers[rng.IntN(len(drivers))]
			looked, err := k.svc.Lookup(ctx, model.IDNumber(d.id), model.FileNumber(d.file))
			var limited *service.RateLimited
			switch {
			case errors.As(err, &limited):
				s.outcome, s.err = outcomeLimited, true
			case err != nil:
				s.outcome, s.err = outcomeFailed, true
			case looked.FromCache:
				s.outcome = outcomeCached
			}
			if err == nil && rng.Float64() < 0.6 {
				person = looked
				pick = r.pick(&person.Lookup, rng, k.engine.Clock().Now())
			}
		}
		s.latency = time.Since(scheduled)
		out = append(out, s)
	}
	return out
}

// await waits, as the UI does, for the server's answer to a queued operation.
func (f *fleet) await(ctx context.Context, k *fleetKiosk, seq int64) *api.OpResult {
	wctx, cancel := context.WithTimeout(ctx, awaitFor)
	defer cancel()
	res, err := k.svc.Await(wctx, seq)
	if err != nil {
		f.fail(fmt.Errorf("kiosk %s: await an answer: %w", k.id, err))
	}
	return res
}

// resultOutcome is an answered operation's outcome and first reason, or pending.
func resultOutcome(res *api.OpResult) (string, string) {
	if res == nil {
		return outcomePending, ""
	}
	if res.Outcome == api.OutcomeRejected && len(res.Reasons) > 0 {
		return res.Outcome, res.Reasons[0].Code
	}
	return res.Outcome, ""
}

// settle waits until every kiosk's outbox is empty and its engine online, or limit runs out;
// it returns the kiosks that were not.
func (f *fleet) settle(ctx context.Context, limit time.Duration) ([]string, error) {
	deadline := time.Now().Add(limit)
	for {
		var stuck []string
		for _, k := range f.kiosks {
			depth, err := k.store.Depth()
			if err != nil {
				return nil, err
			}
			if st := k.engine.Status(); depth > 0 || st.State != uplink.Online {
				stuck = append(stuck, fmt.Sprintf("%s (%d waiting, %s, %s)", k.id, depth, st.State, st.Problem))
			}
		}
		if len(stuck) == 0 || time.Now().After(deadline) {
			return stuck, nil
		}
		for _, k := range f.kiosks {
			k.engine.Wake()
		}
		select {
		case <-ctx.Done():
			return stuck, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// outages lists every kiosk's outages, from the start of the load.
func (f *fleet) outages() []Outage {
	var out []Outage
	for _, k := range f.kiosks {
		k.mu.Lock()
		for _, o := range k.outages {
			out = append(out, Outage{Kiosk: k.id, From: o[0].Sub(f.start), To: o[1].Sub(f.start)})
		}
		if !k.offAt.IsZero() {
			out = append(out, Outage{Kiosk: k.id, From: k.offAt.Sub(f.start)})
		}
		k.mu.Unlock()
	}
	return out
}
