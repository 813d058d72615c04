package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
)

// opGen makes random operations for one kiosk: valid and invalid ones, ids fresh, reused and
// outside the alphabet, epochs older, current and newer, sequence numbers next, taken, ahead and
// absent, amounts sound and hostile.
type opGen struct {
	r     *rand.Rand
	now   time.Time
	n     int
	epoch int64
	seq   int64 // a guess of the kiosk's progress: the generator aims near it
	plan  int64 // the sequence number the next operation of a batch takes
	ids   []string
	// tokens are owner checks the server issued (for driver A and car B), some used, some
	// aged, beside ones it never issued.
	tokens []string
}

// face is a face result: mostly a match, sometimes no camera or something else.
func (g *opGen) face() string {
	return []string{api.FaceMatch, api.FaceMatch, api.FaceMatch, api.FaceMatch, api.FaceNoCamera, "", "smile"}[g.r.IntN(7)]
}

// owners are the owner proofs of a process op: none, issued tokens, or tokens never issued.
func (g *opGen) owners() []api.OwnerProof {
	var out []api.OwnerProof
	for range g.r.IntN(3) {
		token := []string{"0123456789abcdef0123456789abcdef", "XYZ", ""}[g.r.IntN(3)]
		if len(g.tokens) > 0 && g.r.IntN(4) > 0 {
			token = g.tokens[g.r.IntN(len(g.tokens))]
		}
		out = append(out, api.OwnerProof{Token: token, Face: g.face()})
	}
	return out
}

func (g *opGen) id() string {
	g.n++
	switch x := g.r.IntN(30); {
	case x == 0 && len(g.ids) > 0:
		return g.ids[g.r.IntN(len(g.ids))] // reused, maybe with other content
	case x == 1:
		return []string{"a\x00b", "\x1b[0m", "../x", "payorder:po-1", strings.Repeat("z", 65), "", "a b"}[g.r.IntN(7)]
	}
	id := fmt.Sprintf("p-%d-%d", g.r.IntN(1000), g.n)
	g.ids = append(g.ids, id)
	return id
}

func (g *opGen) place() (int64, int64) {
	g.plan++
	epoch, seq := g.epoch, g.plan
	switch x := g.r.IntN(40); {
	case x == 0:
		epoch++ // a new store: its first op must be 1
		seq = int64(g.r.IntN(2)) + 1
	case x == 1 && epoch > 1:
		epoch-- // an older store, late
		seq = int64(g.r.IntN(5)) + 1
	case x == 2:
		seq = int64(g.r.IntN(int(g.seq + 1))) // taken, or 0
	case x == 3:
		seq += int64(g.r.IntN(3)) + 1 // a gap
	case x == 4:
		epoch = 0
	}
	return epoch, seq
}

func (g *opGen) amount() int64 {
	switch g.r.IntN(30) {
	case 0:
		return -int64(g.r.IntN(100000))
	case 1:
		return math.MaxInt64
	case 2, 3, 4, 5, 6, 7, 8, 9:
		return 0
	}
	return int64(g.r.IntN(30000)) + 1
}

func (g *opGen) violation() string {
	return []string{"V-A-1", "V-A-6", "V-A-300", "V-B-AFTER", "V-B-PARK", "V-DECIDED", "V-DECIDED", "NO-SUCH",
		"NO-SUCH", "NO-SUCH", "V/1", ""}[g.r.IntN(12)]
}

func (g *opGen) at() time.Time {
	switch g.r.IntN(30) {
	case 0:
		return g.now.Add(time.Hour)
	case 1:
		return g.now.AddDate(-1, 0, 0)
	case 2:
		return time.Time{}
	}
	return g.now.Add(-time.Duration(g.r.IntN(3600)) * time.Second)
}

// op returns one operation, as a value or as raw JSON that is not an operation at all.
func (g *opGen) op() any {
	epoch, seq := g.place()
	op := api.Op{ID: g.id(), Epoch: epoch, Seq: seq, At: g.at()}
	types := []string{api.OpProcess, api.OpPay, api.OpPay, api.OpPay, api.OpBind, api.OpUnbind, api.OpFollow,
		api.OpUnfollow, "teleport"}
	op.Type = types[g.r.IntN(len(types))]
	switch op.Type {
	case api.OpProcess:
		ids := []string{g.violation()}
		if g.r.IntN(3) == 0 {
			ids = append(ids, g.violation())
		}
		op.Process = &api.ProcessOp{DriverID: idA, ViolationIDs: ids, DriverFace: g.face(), Owners: g.owners()}
	case api.OpPay:
		op.Pay = &api.PayOp{Method: []string{"card", "card", "card", "card", "card", "card", "card", "card", "qr", "cash"}[g.r.IntN(10)], Reference: "T-1"}
		for range g.r.IntN(3) + 1 {
			op.Pay.Items = append(op.Pay.Items, api.PayItem{ViolationID: g.violation(), FineFen: g.amount(), LateFeeFen: g.amount()})
		}
	case api.OpBind:
		op.Bind = &api.BindOp{DriverID: idC, PlateType: "02", PlateNumber: "粤B12345", OwnerID: idB, OwnerFile: fileB}
	case api.OpUnbind:
		op.Unbind = &api.UnbindOp{ActorID: idA, DriverID: idA, PlateType: "02", PlateNumber: "粤B12345"}
	case api.OpFollow:
		op.Follow = &api.FollowOp{FollowerID: idC, PlateType: "02", PlateNumber: "粤B12345", OwnerID: idB, OwnerFile: fileB}
	case api.OpUnfollow:
		op.Unfollow = &api.UnfollowOp{ActorID: idC, FollowerID: idC, PlateType: "02", PlateNumber: "粤B12345"}
	}
	switch g.r.IntN(25) {
	case 0:
		op.Pay, op.Process = &api.PayOp{Method: "card"}, nil // a member of another type, or a second one
	case 1:
		id, _ := json.Marshal(op.ID + "x")
		return json.RawMessage(`{"op_id":` + string(id) + `,"epoch":1,"seq":` + fmt.Sprint(seq) + `,"type":"pay","pay":{"items":"all"}}`)
	case 2:
		return json.RawMessage(`[1,2,3]`)
	}
	return op
}

// Random mixes of valid and invalid operations, sent to both stores: never a 500, a result for
// every operation in order, and a resend of a batch answers exactly the same bytes.
func TestOpsProperty(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	forEachStore(t, func(t *testing.T, e *env) {
		g := &opGen{r: rand.New(rand.NewPCG(seed, 11)), now: e.clock.Now(), epoch: 1}
		h := &hostile{t: t, e: e}
		outcomes := map[string]int{}
		for batch := range 60 {
			var ops []any
			g.plan = g.seq
			if g.r.IntN(3) == 0 {
				g.tokens = append(g.tokens, e.ownerToken(idA))
			}
			for range g.r.IntN(12) + 1 {
				ops = append(ops, g.op())
			}
			body, err := json.Marshal(map[string]any{"ops": ops})
			if err != nil {
				t.Fatal(err)
			}
			first := h.do("POST", "/v1/ops", body)
			if first.status != 200 {
				t.Fatalf("batch %d: status %d: %s\nbody: %.2000s", batch, first.status, first.body, body)
			}
			var res api.OpsResponse
			if err := json.Unmarshal(first.body, &res); err != nil || len(res.Results) != len(ops) {
				t.Fatalf("batch %d: %d results for %d operations (%v)", batch, len(res.Results), len(ops), err)
			}
			for i, r := range res.Results {
				if op, ok := ops[i].(api.Op); ok && r.OpID != op.ID {
					t.Fatalf("batch %d: result %d names %q, the operation was %q", batch, i, r.OpID, op.ID)
				}
				outcomes[r.Outcome]++
				switch r.Outcome {
				case api.OutcomeApplied, api.OutcomeWithChanges, api.OutcomeRejected, api.OutcomeDeferred:
				default:
					t.Fatalf("batch %d: result %d has outcome %q", batch, i, r.Outcome)
				}
				// Follow the kiosk's progress, so that the generator keeps aiming near it.
				op, ok := ops[i].(api.Op)
				if !ok || op.Epoch < 1 || op.Seq < 1 || r.Outcome == api.OutcomeDeferred ||
					len(r.Reasons) > 0 && r.Reasons[0].Code == "op.id_reused" {
					continue
				}
				if op.Epoch > g.epoch {
					g.epoch, g.seq = op.Epoch, op.Seq
				} else if op.Epoch == g.epoch && op.Seq > g.seq {
					g.seq = op.Seq
				}
			}
			again := h.do("POST", "/v1/ops", body)
			if again.status != 200 || !bytes.Equal(again.body, first.body) {
				t.Fatalf("batch %d: the resend answered differently:\n%s\n%s", batch, first.body, again.body)
			}
			e.clock.Add(time.Minute)
			g.now = e.clock.Now()
		}
		t.Logf("outcomes: %v", outcomes)
		for _, o := range []string{api.OutcomeApplied, api.OutcomeWithChanges, api.OutcomeRejected, api.OutcomeDeferred} {
			if outcomes[o] == 0 {
				t.Errorf("no operation was %s: the generator does not cover the cases", o)
			}
		}
		if strings.Contains(e.logs.String(), `"level":"ERROR"`) && !strings.Contains(e.logs.String(), "operation cannot be applied") {
			t.Errorf("the server logged errors:\n%s", e.logs.String())
		}
	})
}
