package server

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
)

func goodPay(now time.Time) api.Op {
	return api.Op{ID: "op-1", Epoch: 1, Seq: 1, Type: api.OpPay, At: now, Pay: &api.PayOp{PayerID: idA, Method: "card",
		Reference: "T-1", Items: []api.PayItem{{ViolationID: "V-A-1", FineFen: 5000}}}}
}

func TestCheckOpPaths(t *testing.T) {
	now := at(2026, time.November, 21, 10)
	proc := processOp("op-1", 1, now, 0, "V-A-1")
	const token = "0123456789abcdef0123456789abcdef"
	many := make([]api.PayItem, maxOpItems+1)
	for i := range many {
		many[i] = api.PayItem{ViolationID: fmt.Sprintf("V-%d", i), FineFen: 1}
	}
	for _, c := range []struct {
		name string
		mod  func(op *api.Op)
		base api.Op
		want string
	}{
		{"sound pay", func(*api.Op) {}, goodPay(now), ""},
		{"sound process", func(*api.Op) {}, proc, ""},
		{"empty id", func(op *api.Op) { op.ID = "" }, goodPay(now), "op_id"},
		{"id of 65", func(op *api.Op) { op.ID = strings.Repeat("a", 65) }, goodPay(now), "op_id"},
		{"id with NUL", func(op *api.Op) { op.ID = "a\x00b" }, goodPay(now), "op_id"},
		{"id with ESC", func(op *api.Op) { op.ID = "\x1b[2J" }, goodPay(now), "op_id"},
		{"id with a path", func(op *api.Op) { op.ID = "../x" }, goodPay(now), "op_id"},
		{"id of an order's payment", func(op *api.Op) { op.ID = "payorder:po-1" }, goodPay(now), "op_id"},
		{"epoch 0", func(op *api.Op) { op.Epoch = 0 }, goodPay(now), "epoch"},
		{"seq -1", func(op *api.Op) { op.Seq = -1 }, goodPay(now), "seq"},
		{"no time", func(op *api.Op) { op.At = time.Time{} }, goodPay(now), "at"},
		{"unknown type", func(op *api.Op) { op.Type = "teleport" }, goodPay(now), "type"},
		{"pay without pay", func(op *api.Op) { op.Pay = nil }, goodPay(now), "pay"},
		{"pay and process", func(op *api.Op) { op.Process = proc.Process }, goodPay(now), "process"},
		{"process carrying a bind", func(op *api.Op) { op.Bind = &api.BindOp{} }, proc, "bind"},
		{"method qr", func(op *api.Op) { op.Pay.Method = "qr" }, goodPay(now), "pay.method"},
		{"method free text", func(op *api.Op) { op.Pay.Method = "gift" }, goodPay(now), "pay.method"},
		{"no reference", func(op *api.Op) { op.Pay.Reference = "" }, goodPay(now), "pay.reference"},
		{"reference with ESC", func(op *api.Op) { op.Pay.Reference = "T\x1b1" }, goodPay(now), "pay.reference"},
		{"bad payer", func(op *api.Op) { op.Pay.PayerID = "440308199901101513" }, goodPay(now), "pay.payer_id"},
		{"no items", func(op *api.Op) { op.Pay.Items = nil }, goodPay(now), "pay.items"},
		{"51 items", func(op *api.Op) { op.Pay.Items = many }, goodPay(now), "pay.items"},
		{"negative fine", func(op *api.Op) { op.Pay.Items[0].FineFen = -100000 }, goodPay(now), "pay.items[0].fine_fen"},
		{"largest int64", func(op *api.Op) { op.Pay.Items[0].FineFen = math.MaxInt64 }, goodPay(now), "pay.items[0].fine_fen"},
		{"negative late fee", func(op *api.Op) { op.Pay.Items[0].LateFeeFen = -1 }, goodPay(now), "pay.items[0].late_fee_fen"},
		{"nothing paid", func(op *api.Op) { op.Pay.Items[0].FineFen = 0 }, goodPay(now), "pay.items[0]"},
		{"same violation twice", func(op *api.Op) {
			op.Pay.Items = append(op.Pay.Items, op.Pay.Items[0])
		}, goodPay(now), "pay.items[1].violation_id"},
		{"violation id with a slash", func(op *api.Op) { op.Pay.Items[0].ViolationID = "V/1" }, goodPay(now), "pay.items[0].violation_id"},
		{"no violations", func(op *api.Op) { op.Process.ViolationIDs = nil }, proc, "process.violation_ids"},
		{"bad driver", func(op *api.Op) { op.Process.DriverID = "x" }, proc, "process.driver_id"},
		{"seen points negative", func(op *api.Op) { op.Process.SeenPoints = -1 }, proc, "process.seen_points"},
		{"violation twice", func(op *api.Op) { op.Process.ViolationIDs = []string{"V-A-1", "V-A-1"} }, proc, "process.violation_ids[1]"},
		{"no driver face", func(op *api.Op) { op.Process.DriverFace = "" }, proc, "process.driver_face"},
		{"driver face verified", func(op *api.Op) { op.Process.DriverFace = "verified" }, proc, "process.driver_face"},
		{"sound owner proofs", func(op *api.Op) {
			op.Process.Owners = []api.OwnerProof{{Token: token, Face: api.FaceMatch}, {Token: strings.Repeat("0", 32), Face: api.FaceNoCamera}}
		}, proc, ""},
		{"11 owners", func(op *api.Op) {
			for i := range maxOwnerProofs + 1 {
				op.Process.Owners = append(op.Process.Owners, api.OwnerProof{Token: fmt.Sprintf("%032x", i), Face: api.FaceMatch})
			}
		}, proc, "process.owners"},
		{"token short", func(op *api.Op) { op.Process.Owners = []api.OwnerProof{{Token: token[:31], Face: api.FaceMatch}} }, proc, "process.owners[0].token"},
		{"token in capitals", func(op *api.Op) {
			op.Process.Owners = []api.OwnerProof{{Token: token, Face: api.FaceMatch}, {Token: strings.ToUpper(token), Face: api.FaceMatch}}
		}, proc, "process.owners[1].token"},
		{"token twice", func(op *api.Op) {
			op.Process.Owners = []api.OwnerProof{{Token: token, Face: api.FaceMatch}, {Token: token, Face: api.FaceMatch}}
		}, proc, "process.owners[1].token"},
		{"owner face empty", func(op *api.Op) { op.Process.Owners = []api.OwnerProof{{Token: token}} }, proc, "process.owners[0].face"},
	} {
		op := c.base
		if op.Pay != nil {
			pay := *op.Pay
			pay.Items = append([]api.PayItem(nil), pay.Items...)
			op.Pay = &pay
		}
		if op.Process != nil {
			p := *op.Process
			op.Process = &p
		}
		c.mod(&op)
		if got := checkOp(&op, now); got != c.want {
			t.Errorf("%s: path %q, want %q", c.name, got, c.want)
		}
	}
}

func TestAcceptTime(t *testing.T) {
	now := at(2026, time.November, 21, 10)
	p := &model.Profile{Offline: model.OfflineRules{AcceptAgeHours: 168}}
	for _, c := range []struct {
		at   time.Time
		want time.Time
		code model.ReasonCode
	}{
		{now, now, ""},
		{now.Add(-time.Hour), now.Add(-time.Hour), ""},
		{now.Add(4 * time.Minute), now, ""}, // a clock a little ahead: read as now
		{now.Add(6 * time.Minute), time.Time{}, model.ReasonOpTimeFuture},
		{now.Add(-168*time.Hour - 4*time.Minute), now.Add(-168*time.Hour - 4*time.Minute), ""},
		{now.Add(-168*time.Hour - 6*time.Minute), time.Time{}, model.ReasonOpTimeTooOld},
		{now.AddDate(-6, 0, 0), time.Time{}, model.ReasonOpTimeTooOld},
	} {
		got, bad := acceptTime(c.at, now, p)
		code := model.ReasonCode("")
		if bad != nil {
			code = bad.Code
		}
		if !got.Equal(c.want) || code != c.code {
			t.Errorf("at %v: %v %q, want %v %q", c.at, got, code, c.want, c.code)
		}
	}
}

func TestScanShape(t *testing.T) {
	lim := opsShape()
	ops := func(n int, elem string) []byte {
		return []byte(`{"ops":[` + strings.TrimSuffix(strings.Repeat(elem+",", n), ",") + `]}`)
	}
	for _, c := range []struct {
		name string
		body []byte
		want string // part of the error, "" for none
	}{
		{"500 ops", ops(500, `{}`), ""},
		{"501 ops", ops(501, `{}`), "more than 500 operations"},
		{"1.3 million ops", ops(1_300_000, `{}`), "more than 500 operations"},
		{"a long inner list", []byte(`{"ops":[{"pay":{"items":[` + strings.Repeat(`1,`, 1000) + `1]}}]}`), "a list has more than 1000"},
		{"an inner list at the bound", []byte(`{"ops":[{"pay":{"items":[` + strings.Repeat(`1,`, 999) + `1]}}]}`), ""},
		{"deep nesting", []byte(strings.Repeat(`[`, 9) + strings.Repeat(`]`, 9)), "deeper than 8"},
		{"many members", []byte(`{"ops":[{` + strings.Repeat(`"seq":1,`, 64) + `"seq":1}]}`), "more than 64 members"},
		{"commas inside strings", []byte(`{"ops":[{"op_id":"` + strings.Repeat(`,`, 5000) + `"}]}`), ""},
		{"escaped quotes", []byte(`{"ops":["\",` + strings.Repeat(`,`, 600) + `"]}`), ""},
		{"empty list", []byte(`{"ops":[]}`), ""},
	} {
		err := scanShape(c.body, lim)
		if (err == nil) != (c.want == "") || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// FuzzScanShape holds the scanner to a decoder: whatever it lets through, if it is JSON, has no
// list or object beyond the bounds and no deeper nesting.
func FuzzScanShape(f *testing.F) {
	for _, s := range []string{`{"ops":[{},{}]}`, `{"ops":[{"a":[1,2,[3]]}]}`, `["\\",",",[]]`, `{"a":"\u005c"}`, `[[[[[[[[]]]]]]]]`} {
		f.Add([]byte(s))
	}
	lim := shapeLimits{topArray: 3, array: 4, members: 3, maxDepth: 4}
	f.Fuzz(func(t *testing.T, body []byte) {
		err := scanShape(body, lim)
		var v any
		if err != nil || json.Unmarshal(body, &v) != nil {
			return
		}
		var walk func(v any, depth int)
		// depth counts the lists and objects around v and v itself when it is one: nesting is of
		// containers (a number inside four lists is nested four deep).
		walk = func(v any, depth int) {
			switch v.(type) {
			case []any, map[string]any:
				if depth > lim.maxDepth {
					t.Fatalf("nesting %d passed the scan: %s", depth, body)
				}
			}
			switch x := v.(type) {
			case []any:
				limit := lim.array
				if depth == 2 {
					limit = lim.topArray
				}
				if len(x) > limit {
					t.Fatalf("a list of %d at depth %d passed the scan: %s", len(x), depth, body)
				}
				for _, e := range x {
					walk(e, depth+1)
				}
			case map[string]any:
				for _, e := range x {
					walk(e, depth+1)
				}
			}
		}
		walk(v, 1)
	})
}

// FuzzDecodeOps: any body either is refused whole, or gives one incoming per operation, each
// either well-formed or malformed with what places it.
func FuzzDecodeOps(f *testing.F) {
	now := at(2026, time.November, 21, 10)
	good, _ := json.Marshal(api.OpsRequest{Ops: []api.Op{goodPay(now), processOp("op-2", 2, now, 1, "V-A-1")}})
	f.Add(good)
	f.Add([]byte(`{"ops":[{},{"op_id":"x","epoch":1,"seq":2,"type":"pay","pay":{"items":[{"fine_fen":"1"}]}}]}`))
	f.Add([]byte(`{"ops":[5,"x",null,[]]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ins, err := decodeOps(body, now)
		if err != nil {
			return
		}
		if len(ins) == 0 || len(ins) > maxOps {
			t.Fatalf("%d operations accepted", len(ins))
		}
		for _, in := range ins {
			if in.hash == "" {
				t.Fatal("an operation without a fingerprint")
			}
			if !in.malformed && checkOp(&in.op, now) != "" {
				t.Fatalf("a malformed operation passed as sound: %+v", in.op)
			}
		}
	})
}
