package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// session runs driver sessions back to back on the kiosk's schedule: identify, then often
// process one or two violations, then often pay for them, as people do at a hall terminal.
func session(ctx context.Context, k *kiosk, drivers []driver, rng *rand.Rand, next, end time.Time, interval time.Duration, bare bool) []sample {
	var out []sample
	var looked *api.Lookup
	var decided []api.Decision
	for next.Before(end) {
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		scheduled := next
		next = next.Add(interval)
		var kind string
		var err error
		switch {
		case looked != nil && len(decided) > 0:
			kind = "pay"
			err = k.send(ctx, payOf(k, decided))
			looked, decided = nil, nil
		case looked != nil && hasRecorded(looked):
			kind = "process"
			var res []api.OpResult
			op := processOf(k, looked, rng)
			res, err = k.sendResults(ctx, op)
			looked = nil
			if err == nil && len(res) == 1 && !bare && rng.Float64() < 0.7 {
				decided = res[0].Decisions
				if len(decided) > 0 {
					looked = &api.Lookup{}
				}
			}
		default:
			// Start a new session (also when the last driver had nothing to process).
			kind = "lookup"
			d := drivers[rng.IntN(len(drivers))]
			var l api.Lookup
			l, err = k.client.Lookup(ctx, api.Identify{IDNumber: d.id, FileNumber: d.file})
			if err == nil && rng.Float64() < 0.6 {
				looked = &l
			}
		}
		out = append(out, sample{kind: kind, latency: time.Since(scheduled), err: err != nil})
	}
	return out
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

func hasRecorded(l *api.Lookup) bool {
	for _, v := range l.Violations {
		if processable(l, v) {
			return true
		}
	}
	return false
}

// processable is an unprocessed camera violation of one of the driver's own vehicles. The
// simulated driver leaves others' vehicles alone: those need their owner to verify at the kiosk
// first, which the load test does not play.
func processable(l *api.Lookup, v api.Violation) bool {
	if v.Status != string(model.StatusRecorded) || v.Source != string(model.SourceCamera) {
		return false
	}
	for _, veh := range l.Vehicles {
		if veh.PlateType == v.PlateType && veh.PlateNumber == v.PlateNumber {
			return veh.Relation == "own"
		}
	}
	return false
}

// processOf picks one or two processable violations the driver can see.
func processOf(k *kiosk, l *api.Lookup, rng *rand.Rand) api.Op {
	want := 1 + rng.IntN(2)
	var ids []string
	for _, v := range l.Violations {
		if processable(l, v) && len(ids) < want {
			ids = append(ids, v.ID)
		}
	}
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

// bareHandler answers every request with one real lookup answer held in memory: what the
// network stack and JSON costs without authentication, rules or a database.
func bareHandler(ctx context.Context, k *kiosk, d driver) http.Handler {
	l, err := k.client.Lookup(ctx, api.Identify{IDNumber: d.id, FileNumber: d.file})
	body, _ := json.Marshal(l)
	if err != nil {
		body = []byte(`{}`)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(body)
	})
}

// drain queues cfg.Drain operations over ten kiosks (a hall coming back online) and sends them
// in batches of cfg.Batch, timing how long the server takes to apply them all.
func drain(ctx context.Context, st store.Store, ref *model.Reference, base string, data *dataset.Data, cfg Config) (int, time.Duration, error) {
	const halls = 10
	ks, err := enrollAll(ctx, st, ref, halls, base)
	if err != nil {
		return 0, 0, err
	}
	owners := map[model.Plate]string{}
	for _, veh := range data.Vehicles {
		owners[veh.Plate] = string(veh.Owner)
	}
	queues := make([][]api.Op, halls)
	for i := 0; i < cfg.Drain; i++ {
		k := ks[i%halls]
		queues[i%halls] = append(queues[i%halls], drainOp(k, data, owners, i))
	}
	start := time.Now()
	errs := make(chan error, halls)
	for i, k := range ks {
		go func() {
			q := queues[i]
			for len(q) > 0 {
				n := min(cfg.Batch, len(q))
				resp, err := k.client.Ops(ctx, q[:n])
				if err != nil {
					errs <- err
					return
				}
				for _, r := range resp.Results {
					if r.Outcome == api.OutcomeDeferred {
						errs <- fmt.Errorf("operation %s deferred while draining in order", r.OpID)
						return
					}
				}
				q = q[n:]
			}
			errs <- nil
		}()
	}
	for range ks {
		if err := <-errs; err != nil {
			return 0, 0, err
		}
	}
	return cfg.Drain, time.Since(start), nil
}

// drainOp is the i-th queued operation: mostly payments (facts that must all be recorded) and
// processing of the data set's camera violations by their vehicles' owners.
func drainOp(k *kiosk, data *dataset.Data, owners map[model.Plate]string, i int) api.Op {
	v := data.Violations[i%len(data.Violations)]
	if i%2 == 0 {
		op := k.nextOp(api.OpPay)
		op.Pay = &api.PayOp{Method: "card", Reference: op.ID, Items: []api.PayItem{{ViolationID: v.ID, FineFen: int64(v.Fine)}}}
		return op
	}
	op := k.nextOp(api.OpProcess)
	owner := owners[v.Plate]
	if owner == "" { // a unit's vehicle: someone tries anyway and is refused
		owner = string(data.People[0].Driver.ID)
	}
	op.Process = &api.ProcessOp{DriverID: owner, ViolationIDs: []string{v.ID}, DriverFace: api.FaceMatch}
	return op
}
