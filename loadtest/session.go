package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// session runs driver sessions back to back on the kiosk's schedule: identify, then often
// process one or two violations the rules allow, then often pay for them, as people do at a
// hall terminal. Every sample keeps its kind, the server's outcome of an operation and when it
// was scheduled, so that the report can show the mix over the run.
func session(ctx context.Context, k *kiosk, drivers []driver, r rules, rng *rand.Rand, start, next, end time.Time,
	interval time.Duration, seen *canned, script []string) []sample {
	var out []sample
	var pick []string
	var person api.Lookup
	var decided []api.Decision
	for n := 0; next.Before(end); n++ {
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		scheduled := next
		next = next.Add(interval)
		s := sample{at: scheduled.Sub(start)}
		if script != nil {
			// The baseline sends what this kiosk sent to the server, in the same order.
			if n >= len(script) {
				break
			}
			switch script[n] {
			case "pay":
				decided = []api.Decision{{}}
			case "process":
				pick = []string{"replayed"}
			}
		}
		var err error
		switch {
		case len(decided) > 0:
			s.kind = "pay"
			var res []api.OpResult
			res, err = k.sendResults(ctx, payOf(k, decided))
			s.outcome, s.reason = outcomeOf(res)
			seen.pay(res)
			decided = nil
		case len(pick) > 0:
			s.kind = "process"
			var res []api.OpResult
			res, err = k.sendResults(ctx, processOf(k, &person, pick))
			s.outcome, s.reason = outcomeOf(res)
			seen.process(res)
			pick = nil
			if err == nil && len(res) == 1 && rng.Float64() < 0.7 {
				decided = res[0].Decisions
			}
		default:
			// Start a new session (also when the last driver had nothing to process).
			s.kind = "lookup"
			d := drivers[rng.IntN(len(drivers))]
			person, err = k.client.Lookup(ctx, api.Identify{IDNumber: d.id, FileNumber: d.file})
			if err == nil && script == nil && rng.Float64() < 0.6 {
				pick = r.pick(&person, rng, time.Now())
				seen.lookup(person, len(pick) > 0)
			}
		}
		if script != nil {
			pick, decided = nil, nil
		}
		s.latency, s.err = time.Since(scheduled), err != nil
		out = append(out, s)
	}
	return out
}

// outcomeOf is the outcome of a one-operation answer ("" when there is none) and the code of
// its first reason when it was rejected.
func outcomeOf(res []api.OpResult) (string, string) {
	if len(res) != 1 {
		return "", ""
	}
	if res[0].Outcome == api.OutcomeRejected && len(res[0].Reasons) > 0 {
		return res[0].Outcome, res[0].Reasons[0].Code
	}
	return res[0].Outcome, ""
}

func (k *kiosk) nextOp(typ string) api.Op {
	k.seq++
	return api.Op{ID: fmt.Sprintf("%s-%d-%d", k.id, k.epoch, k.seq), Epoch: k.epoch, Seq: k.seq, Type: typ, At: time.Now()}
}

func (k *kiosk) send(ctx context.Context, op api.Op) error {
	_, err := k.sendResults(ctx, op)
	return err
}

func (k *kiosk) sendResults(ctx context.Context, op api.Op) ([]api.OpResult, error) {
	resp, err := k.client.Ops(ctx, []api.Op{op})
	return resp.Results, err
}

// processOf is the processing of the violations picked from the driver's lookup.
func processOf(k *kiosk, l *api.Lookup, ids []string) api.Op {
	op := k.nextOp(api.OpProcess)
	op.Process = &api.ProcessOp{DriverID: l.Person.IDNumber, ViolationIDs: ids, DriverFace: api.FaceMatch, SeenPoints: l.Points.Total}
	return op
}

func payOf(k *kiosk, ds []api.Decision) api.Op {
	op := k.nextOp(api.OpPay)
	op.Pay = &api.PayOp{Method: "card", Reference: op.ID}
	for _, d := range ds {
		op.Pay.Items = append(op.Pay.Items, api.PayItem{ViolationID: d.ViolationID, FineFen: d.FineFen})
	}
	return op
}

// canned keeps real answers of the server run, one of each kind, for the baseline: a lookup
// with violations to process, a processing's result with its decisions and a payment's result.
type canned struct {
	mu                   sync.Mutex
	lookupBody, procBody []byte
	payBody              []byte
}

func (c *canned) keep(dst *[]byte, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if *dst == nil {
		*dst, _ = json.Marshal(v)
	}
}

func (c *canned) lookup(l api.Lookup, processable bool) {
	if c != nil && processable {
		c.keep(&c.lookupBody, l)
	}
}

func (c *canned) process(res []api.OpResult) {
	if c != nil && len(res) == 1 && len(res[0].Decisions) > 0 {
		c.keep(&c.procBody, api.OpsResponse{Results: res})
	}
}

func (c *canned) pay(res []api.OpResult) {
	if c != nil && len(res) == 1 && res[0].Outcome == api.OutcomeApplied {
		c.keep(&c.payBody, api.OpsResponse{Results: res})
	}
}

// bareHandler is the baseline: a handler without authentication, rules or a database that
// reads each request's body and answers with a real answer of the same kind (kept from the
// server run), so that the baseline carries the same mix of requests and sizes of bodies.
func bareHandler(c *canned) (http.Handler, error) {
	if c.lookupBody == nil || c.procBody == nil || c.payBody == nil {
		return nil, fmt.Errorf("the server run gave no answer of some kind to replay (lookup %v, process %v, pay %v)",
			c.lookupBody != nil, c.procBody != nil, c.payBody != nil)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		answer := c.lookupBody
		if r.URL.Path == "/v1/ops" {
			answer = c.procBody
			if bytes.Contains(body, []byte(`"type":"pay"`)) {
				answer = c.payBody
			}
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(answer)
	}), nil
}

// drain is a hall coming back online: ten kiosks each hold a queue of operations made while
// offline, and send them in batches of cfg.Batch; the time is how long the server takes to
// answer them all. The queues hold what kiosks really queue: processing of violations the rules
// allowed at the kiosk (judged on each driver's lookup, taken before the clock starts, with the
// points of the driver's earlier queued processing counted), each followed by the payment of
// its fines. The outcomes are counted: an operation the server rejects is not a drained one.
func drain(ctx context.Context, st store.Store, ref *model.Reference, base string, data *dataset.Data, r rules,
	cfg Config) (int, time.Duration, map[string]int, error) {
	const halls = 10
	ks, err := enrollAll(ctx, st, ref, halls, base)
	if err != nil {
		return 0, 0, nil, err
	}
	queues := make([][]api.Op, halls)
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 99))
	total, taken := 0, map[string]bool{}
	for n, d := range driversOf(data) {
		if total >= cfg.Drain {
			break
		}
		h := n % halls
		k := ks[h]
		l, err := k.client.Lookup(ctx, api.Identify{IDNumber: d.id, FileNumber: d.file})
		if err != nil {
			return 0, 0, nil, fmt.Errorf("drain: a lookup: %w", err)
		}
		for i := range l.Violations {
			// A violation another queue processes already (the owner's, seen by a bound driver
			// too) is processed as far as this kiosk's overlay knows: it is not picked twice.
			if taken[l.Violations[i].ID] {
				l.Violations[i].Status = string(model.StatusProcessed)
			}
		}
		for total+2 <= cfg.Drain {
			ids := r.pick(&l, rng, time.Now())
			if len(ids) == 0 {
				break
			}
			proc := processOf(k, &l, ids)
			pay := k.nextOp(api.OpPay)
			pay.Pay = &api.PayOp{Method: "card", Reference: pay.ID}
			for i := range l.Violations {
				v := &l.Violations[i]
				if slices.Contains(ids, v.ID) {
					pay.Pay.Items = append(pay.Pay.Items, api.PayItem{ViolationID: v.ID, FineFen: v.FineFen})
					// As the kiosk's overlay shows it: processed, its points in the cycle's total.
					v.Status = string(model.StatusProcessed)
					l.Points.Total += v.Points
				}
			}
			for _, id := range ids {
				taken[id] = true
			}
			queues[h] = append(queues[h], proc, pay)
			total += 2
		}
	}
	start := time.Now()
	type done struct {
		outcomes map[string]int
		err      error
	}
	results := make(chan done, halls)
	for i, k := range ks {
		go func() {
			q, out := queues[i], map[string]int{}
			for len(q) > 0 {
				n := min(cfg.Batch, len(q))
				resp, err := k.client.Ops(ctx, q[:n])
				if err != nil {
					results <- done{err: err}
					return
				}
				for _, r := range resp.Results {
					if r.Outcome == api.OutcomeDeferred {
						results <- done{err: fmt.Errorf("operation %s deferred while draining in order", r.OpID)}
						return
					}
					out[r.Outcome]++
				}
				q = q[n:]
			}
			results <- done{outcomes: out}
		}()
	}
	outcomes := map[string]int{}
	for range ks {
		d := <-results
		if d.err != nil {
			return 0, 0, nil, d.err
		}
		for o, n := range d.outcomes {
			outcomes[o] += n
		}
	}
	return total, time.Since(start), outcomes, nil
}
