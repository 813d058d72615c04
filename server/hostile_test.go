package server

// The hostile-client suite: a kiosk that holds a valid secret but sends whatever it likes (a
// buggy, stolen or tampered kiosk). Every probe is a case with its expected answer, run on both
// stores, and checks what the database holds afterwards against a digest taken before: a
// refused request writes nothing, and a rejected operation writes only its stored rejection.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// hostile is a signing client that sends raw bodies and reads raw answers.
type hostile struct {
	t   testing.TB
	e   *env
	seq int64 // the last sequence number the server stored for the kiosk's epoch 1
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (h *hostile) do(method, path string, body []byte) answer {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.e.http.URL+path, bytes.NewReader(body))
	if err := api.Sign(req, h.e.kiosk.KioskID, mustHex(h.t, h.e.kiosk.Secret), body, h.e.clock.Now()); err != nil {
		h.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b}
}

// ops sends operations as they are (values, maps or raw JSON) and decodes the results of a 200.
func (h *hostile) ops(ops ...any) (answer, []api.OpResult) {
	h.t.Helper()
	body, err := json.Marshal(map[string]any{"ops": ops})
	if err != nil {
		h.t.Fatal(err)
	}
	a := h.do("POST", "/v1/ops", body)
	var res api.OpsResponse
	if a.status == 200 {
		if err := json.Unmarshal(a.body, &res); err != nil || len(res.Results) != len(ops) {
			h.t.Fatalf("%d results for %d operations (%v): %s", len(res.Results), len(ops), err, a.body)
		}
	}
	return a, res.Results
}

// next is the next sequence number; the caller says whether the server stored it.
func (h *hostile) next() int64 { return h.seq + 1 }

// digests reads every table's digest.
func (h *hostile) digests() map[string]store.TableDigest {
	h.t.Helper()
	d, err := h.e.store.(store.Digester).TableDigests(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return d
}

// changed lists the tables whose content differs, leaving out nonces and the identification
// limiter's counts (limit_*, on PostgreSQL): every signed request remembers its nonce, and every
// identification counts, which is the point of both.
func changed(before, after map[string]store.TableDigest) []string {
	var out []string
	for name, d := range after {
		if before[name] != d && name != "nonces" && !strings.HasPrefix(name, "limit_") {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Tables that a stored rejection writes: the operation's record and the kiosk's progress, and
// the person's notice when the operation names one in a readable ID number.
var (
	rejectionTables = []string{"kiosks", "ops"}
	noticedTables   = []string{"kiosks", "ops", "rejection_notices"}
)

func wantReason(t *testing.T, what string, r api.OpResult, code model.ReasonCode, path string) {
	t.Helper()
	if r.Outcome != api.OutcomeRejected || len(r.Reasons) == 0 || r.Reasons[0].Code != string(code) || r.Reasons[0].Path != path {
		t.Errorf("%s: want rejected %s at %q, got %+v", what, code, path, r)
	}
}

func TestHostileKiosk(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		h := &hostile{t: t, e: e}
		now := e.clock.Now()
		pay := func(id string, seq int64, at time.Time, items ...api.PayItem) api.Op {
			return api.Op{ID: id, Epoch: 1, Seq: seq, Type: api.OpPay, At: at, Pay: &api.PayOp{PayerID: idA,
				Method: "card", Reference: "T-" + id, Items: items}}
		}
		// probe runs one case: send, then compare the answer and the tables written.
		probe := func(name string, wantStatus int, mayWrite []string, send func() answer, check func(a answer)) {
			t.Helper()
			before := h.digests()
			a := send()
			if a.status != wantStatus {
				t.Errorf("%s: status %d, want %d: %.300s", name, a.status, wantStatus, a.body)
				return
			}
			if got := changed(before, h.digests()); !slices.Equal(got, mayWrite) && !(len(got) == 0 && len(mayWrite) == 0) {
				t.Errorf("%s: tables written %v, want %v", name, got, mayWrite)
			}
			if check != nil {
				check(a)
			}
		}
		// rejectedOp sends one operation that must be rejected and stored.
		rejectedOp := func(name string, tables []string, op any, code model.ReasonCode, path string) {
			t.Helper()
			probe(name, 200, tables, func() answer {
				a, res := h.ops(op)
				if len(res) == 1 {
					wantReason(t, name, res[0], code, path)
				}
				return a
			}, nil)
			h.seq++
		}

		// Time: a kiosk's clock is believed only inside the window.
		rejectedOp("pay 57 days late, dated the day after the decision", noticedTables,
			pay("t-1", h.next(), at(2026, time.September, 11, 9), api.PayItem{ViolationID: "V-DECIDED", FineFen: 10000}),
			model.ReasonOpTimeTooOld, "")
		rejectedOp("pay dated six years before the decision", noticedTables,
			pay("t-2", h.next(), at(2020, time.September, 10, 9), api.PayItem{ViolationID: "V-DECIDED", FineFen: 10000}),
			model.ReasonOpTimeTooOld, "")
		rejectedOp("pay dated an hour ahead", noticedTables,
			pay("t-3", h.next(), now.Add(time.Hour), api.PayItem{ViolationID: "V-DECIDED", FineFen: 10000}),
			model.ReasonOpTimeFuture, "")
		probe("the fine alone, paid now: the late fee is judged at the server's time", 200,
			[]string{"kiosks", "ops", "payments"}, func() answer {
				a, res := h.ops(pay("t-4", h.next(), now, api.PayItem{ViolationID: "V-DECIDED", FineFen: 10000}))
				if len(res) == 1 && (res[0].Outcome != api.OutcomeWithChanges || res[0].Reasons[0].Code != string(model.ReasonPayShort) ||
					res[0].Reasons[0].LimitFen != 20000) {
					t.Errorf("a short payment must owe the capped late fee (20000 in all): %+v", res[0])
				}
				return a
			}, nil)
		h.seq++
		// V-A-1 decided now; a payment dated an hour before is refused, one 2 minutes before
		// (a clock a little behind) is recorded at the decision's time.
		if r := e.send(processOp("t-5", h.next(), now, 1, "V-A-1")); r[0].Outcome != api.OutcomeApplied {
			t.Fatalf("process V-A-1: %+v", r[0])
		}
		h.seq++
		rejectedOp("pay dated an hour before its decision", noticedTables,
			pay("t-6", h.next(), now.Add(-time.Hour), api.PayItem{ViolationID: "V-A-1", FineFen: 5000}),
			model.ReasonOpTimeBeforeDecision, "")
		probe("pay dated 2 minutes before its decision", 200, []string{"kiosks", "ops", "payments", "points_entries", "violations"},
			func() answer {
				a, res := h.ops(pay("t-7", h.next(), now.Add(-2*time.Minute), api.PayItem{ViolationID: "V-A-1", FineFen: 5000}))
				if len(res) == 1 && (res[0].Outcome != api.OutcomeApplied || !res[0].Payments[0].PaidAt.Equal(now)) {
					t.Errorf("want applied at the decision's time %v: %+v", now, res[0])
				}
				return a
			}, nil)
		h.seq++

		// Amounts and shapes.
		rejectedOp("a payment of -1,000 yuan", noticedTables, pay("a-1", h.next(), now, api.PayItem{ViolationID: "V-DECIDED", FineFen: -100000}),
			model.ReasonOpMalformed, "op.pay.items[0].fine_fen")
		rejectedOp("two amounts of the largest int64", noticedTables,
			pay("a-2", h.next(), now, api.PayItem{ViolationID: "V-DECIDED", FineFen: math.MaxInt64},
				api.PayItem{ViolationID: "V-A-6", FineFen: math.MaxInt64}),
			model.ReasonOpMalformed, "op.pay.items[0].fine_fen")
		rejectedOp("a payment without items", noticedTables, pay("a-3", h.next(), now), model.ReasonOpMalformed, "op.pay.items")
		fiftyOne := make([]api.PayItem, 51)
		for i := range fiftyOne {
			fiftyOne[i] = api.PayItem{ViolationID: fmt.Sprintf("V-%d", i), FineFen: 1}
		}
		rejectedOp("a payment of 51 items", noticedTables, pay("a-4", h.next(), now, fiftyOne...), model.ReasonOpMalformed, "op.pay.items")
		sixtyThousand := make([]api.PayItem, 60000)
		for i := range sixtyThousand {
			sixtyThousand[i] = api.PayItem{ViolationID: "V-DECIDED", FineFen: 1}
		}
		probe("a payment of 60,000 items", 400, nil, func() answer {
			a, _ := h.ops(pay("a-5", h.next(), now, sixtyThousand...))
			return a
		}, nil)
		freeMethod := pay("a-6", h.next(), now, api.PayItem{ViolationID: "V-DECIDED", FineFen: 100})
		freeMethod.Pay.Method = "gift voucher"
		rejectedOp("any method string", noticedTables, freeMethod, model.ReasonOpMalformed, "op.pay.method")
		qr := pay("a-7", h.next(), now, api.PayItem{ViolationID: "V-DECIDED", FineFen: 100})
		qr.Pay.Method = "qr"
		rejectedOp("a phone payment claimed by a kiosk", noticedTables, qr, model.ReasonOpMalformed, "op.pay.method")
		both := pay("a-8", h.next(), now, api.PayItem{ViolationID: "V-DECIDED", FineFen: 100})
		both.Process = processOp("x", 1, now, 0, "V-A-6").Process
		rejectedOp("an operation carrying pay and process", noticedTables, both, model.ReasonOpMalformed, "op.process")
		rejectedOp("a value of the wrong type", rejectionTables, map[string]any{"op_id": "a-9", "epoch": 1, "seq": h.next(), "type": "pay",
			"at": now, "pay": map[string]any{"method": "card", "reference": "T", "items": []any{
				map[string]any{"violation_id": "V-DECIDED", "fine_fen": "10000", "late_fee_fen": 0}}}},
			model.ReasonOpMalformed, "op.pay.items.fine_fen")
		rejectedOp("a value of the wrong type in an op naming its driver", noticedTables, map[string]any{"op_id": "a-9b", "epoch": 1,
			"seq": h.next(), "type": "process", "at": now, "process": map[string]any{"driver_id": idA, "violation_ids": []string{"V-A-6"},
				"driver_face": "match", "seen_points": "seven"}},
			model.ReasonOpMalformed, "op.process.seen_points")
		rejectedOp("an unknown field", rejectionTables, map[string]any{"op_id": "a-10", "epoch": 1, "seq": h.next(), "type": "pay", "at": now,
			"verified_by_bank": true}, model.ReasonOpMalformed, "op.verified_by_bank")
		// After all of that, a correct full payment is judged against real money only.
		probe("the correct full payment", 200, []string{"kiosks", "ops", "payments", "points_entries", "violations"}, func() answer {
			a, res := h.ops(pay("a-11", h.next(), now, api.PayItem{ViolationID: "V-DECIDED", LateFeeFen: 10000}))
			if len(res) == 1 && res[0].Outcome != api.OutcomeApplied {
				t.Errorf("the payment completing the fine: %+v", res[0])
			}
			if v := e.violation("V-DECIDED"); v.Status != model.StatusPaid {
				t.Errorf("V-DECIDED is %s after its full payment", v.Status)
			}
			return a
		}, nil)
		h.seq++

		// Operation ids outside the alphabet: rejected, stored under a name of the server's,
		// answered the same on a resend, and never a payment record's name.
		for i, id := range []string{"a\x00b", "\x1b[2Jhello", "../../etc/passwd", "payorder:po-1", strings.Repeat("x", 65)} {
			op := pay(id, h.next(), now, api.PayItem{ViolationID: "V-A-6", FineFen: 100})
			rejectedOp(fmt.Sprintf("op id %q", id), rejectionTables, op, model.ReasonOpMalformed, "op.op_id")
			probe(fmt.Sprintf("resend of op id %d", i), 200, nil, func() answer {
				a, res := h.ops(op)
				if len(res) == 1 && (res[0].OpID != id || res[0].Reasons[0].Path != "op.op_id") {
					t.Errorf("resend: %+v", res[0])
				}
				return a
			}, nil)
		}
		// Both orders of an op id that names an order's payment: the order is paid either way.
		if r := e.send(processOp("t-8", h.next(), now, 2, "V-A-6")); r[0].Outcome != api.OutcomeApplied {
			t.Fatalf("process V-A-6: %+v", r[0])
		}
		h.seq++
		if o := e.createOrder(orderReq("po-1", item("V-A-6", 20000, 0))); o.Status != api.PayOrderWaiting {
			t.Fatalf("order po-1: %+v", o)
		}
		if o := e.orderCall(e.client.SimulatePaid, "po-1"); o.Status != api.PayOrderPaid {
			t.Errorf("order po-1, after an op took its payment's name: %+v", o)
		}
		rejectedOp("an op named after a paid order's payments", rejectionTables, pay("payorder:po-1/1", h.next(), now,
			api.PayItem{ViolationID: "V-A-6", FineFen: 1}), model.ReasonOpMalformed, "op.op_id")
		// Money for an unknown violation is owed back: its refund is written with the payment.
		probe("the kiosk's next batch", 200, []string{"kiosks", "ops", "payments", "refund_events", "refunds"}, func() answer {
			a, res := h.ops(pay("ok-1", h.next(), now, api.PayItem{ViolationID: "NO-SUCH", FineFen: 1}))
			if len(res) == 1 && res[0].Outcome != api.OutcomeWithChanges {
				t.Errorf("the next batch: %+v", res[0])
			}
			return a
		}, nil)
		h.seq++

		// Another person's car without the owner's check the server recorded: a forged token,
		// and a process op that claims a face check of nobody.
		rejectedOp("another's car with a token the server never issued", noticedTables,
			withOwner(processOp("ow-1", h.next(), now, 2, "V-B-AFTER"), "0123456789abcdef0123456789abcdef", api.FaceMatch),
			model.ReasonOwnerNotVerified, "")
		noFace := processOp("ow-2", h.next(), now, 2, "V-B-AFTER")
		noFace.Process.DriverFace = "trust me"
		rejectedOp("a face result that is neither a match nor no camera", noticedTables, noFace, model.ReasonOpMalformed, "op.process.driver_face")

		// Sequence: an older epoch reusing a taken sequence number, and no place at all.
		probe("an older epoch reusing a taken sequence number", 200, []string{"kiosks", "ops", "payments", "refund_events", "refunds"}, func() answer {
			e.send(api.Op{ID: "ep-2", Epoch: 2, Seq: 1, Type: api.OpPay, At: now, Pay: &api.PayOp{Method: "card",
				Reference: "T", Items: []api.PayItem{{ViolationID: "NO-SUCH", FineFen: 1}}}})
			older := pay("ep-1", 1, now, api.PayItem{ViolationID: "V-A-6", FineFen: 1})
			after := api.Op{ID: "ep-3", Epoch: 2, Seq: 2, Type: api.OpPay, At: now, Pay: &api.PayOp{Method: "card",
				Reference: "T", Items: []api.PayItem{{ViolationID: "NO-SUCH", FineFen: 1}}}}
			a, res := h.ops(older, after)
			if len(res) == 2 {
				if res[0].Outcome != api.OutcomeRejected || res[0].Reasons[0].Code != string(model.ReasonOpIDReused) {
					t.Errorf("older epoch, taken seq: %+v", res[0])
				}
				if res[1].Outcome != api.OutcomeWithChanges {
					t.Errorf("the operation after it: %+v", res[1])
				}
			}
			return a
		}, nil)
		probe("no epoch", 200, nil, func() answer {
			op := pay("np-1", 3, now, api.PayItem{ViolationID: "V-A-6", FineFen: 1})
			op.Epoch = 0
			a, res := h.ops(op)
			if len(res) == 1 {
				wantReason(t, "no epoch", res[0], model.ReasonOpMalformed, "op.epoch")
			}
			return a
		}, nil)

		// What a kiosk reports about itself: every field bounded, a bad one named.
		future := now.Add(10 * time.Minute)
		devices := map[string]string{}
		for i := range 33 {
			devices[fmt.Sprintf("d%d", i)] = "ok"
		}
		skew := func(ms int64) *int64 { return &ms }
		fill := func(f func(*api.StoreStatus)) *api.StoreStatus {
			st := &api.StoreStatus{FileBytes: 1 << 20, UsedBytes: 1 << 19, MaxBytes: 256 << 20, DiskFreeBytes: 1 << 30, Level: api.StoreOK}
			f(st)
			return st
		}
		hash := strings.Repeat("0f", 32)
		journal := func(f func(*api.JournalCheckpoint)) *api.JournalCheckpoint {
			j := &api.JournalCheckpoint{Seq: 10, Hash: hash, At: now, HeadSeq: 20, HeadHash: hash}
			f(j)
			return j
		}
		for _, c := range []struct {
			name, field string
			hb          api.Heartbeat
		}{
			{"a negative outbox depth", "outbox_depth", api.Heartbeat{OutboxDepth: -1, Version: "1"}},
			{"33 devices", "devices", api.Heartbeat{Devices: devices, Version: "1"}},
			{"a device named with ESC", "devices", api.Heartbeat{Devices: map[string]string{"\x1b[2J": "ok"}, Version: "1"}},
			{"a device state reversed", "devices", api.Heartbeat{Devices: map[string]string{"printer": "\u202eko"}, Version: "1"}},
			{"a device kind with ESC", "device_states", api.Heartbeat{Version: "1",
				DeviceStates: map[string]api.DeviceStatus{"\x1b[2J": {State: "ok"}}}},
			{"a device name reversed", "device_states", api.Heartbeat{Version: "1",
				DeviceStates: map[string]api.DeviceStatus{"printer": {State: "ok", Name: "\u202eko"}}}},
			{"a negative rejected count", "rejected", api.Heartbeat{Rejected: -1, Version: "1"}},
			{"ten million and one failed attempts", "failed_attempts", api.Heartbeat{FailedAttempts: 10_000_001, Version: "1"}},
			{"a clock eleven years fast", "clock_skew_ms", api.Heartbeat{ClockSkewMS: skew(11 * 366 * 24 * 3600 * 1000), Version: "1"}},
			{"a clock eleven years slow", "clock_skew_ms", api.Heartbeat{ClockSkewMS: skew(-11 * 366 * 24 * 3600 * 1000), Version: "1"}},
			{"a store of 2^50+1 bytes", "store.used_bytes", api.Heartbeat{Version: "1",
				Store: fill(func(s *api.StoreStatus) { s.UsedBytes = 1<<50 + 1 })}},
			{"a negative free space", "store.disk_free_bytes", api.Heartbeat{Version: "1",
				Store: fill(func(s *api.StoreStatus) { s.DiskFreeBytes = -1 })}},
			{"a store level of our own", "store.level", api.Heartbeat{Version: "1",
				Store: fill(func(s *api.StoreStatus) { s.Level = "\x1b[31mfull" })}},
			{"a store without a level", "store.level", api.Heartbeat{Version: "1", Store: fill(func(s *api.StoreStatus) { s.Level = "" })}},
			{"a checkpoint hash in capitals", "journal.hash", api.Heartbeat{Version: "1",
				Journal: journal(func(j *api.JournalCheckpoint) { j.Hash = strings.ToUpper(hash) })}},
			{"a checkpoint without its hash", "journal.hash", api.Heartbeat{Version: "1",
				Journal: journal(func(j *api.JournalCheckpoint) { j.Hash = "" })}},
			{"a hash for checkpoint 0", "journal.hash", api.Heartbeat{Version: "1",
				Journal: journal(func(j *api.JournalCheckpoint) { j.Seq = 0 })}},
			{"a checkpoint beyond 2^53", "journal.seq", api.Heartbeat{Version: "1",
				Journal: journal(func(j *api.JournalCheckpoint) { j.Seq, j.HeadSeq = 1<<53+1, 1<<53+2 })}},
			{"a head before the checkpoint", "journal.head_seq", api.Heartbeat{Version: "1",
				Journal: journal(func(j *api.JournalCheckpoint) { j.HeadSeq = 9 })}},
			{"a head hash of 63 digits", "journal.head_hash", api.Heartbeat{Version: "1",
				Journal: journal(func(j *api.JournalCheckpoint) { j.HeadHash = hash[:63] })}},
		} {
			probe("heartbeat with "+c.name, 400, nil, func() answer {
				b, _ := json.Marshal(c.hb)
				return h.do("POST", "/v1/heartbeat", b)
			}, func(a answer) {
				if !strings.Contains(string(a.body), "heartbeat's "+c.field+" is out of bounds") {
					t.Errorf("heartbeat with %s: the refusal must name %s: %s", c.name, c.field, a.body)
				}
			})
		}

		probe("heartbeat with times in the future (taken, the times not believed)", 200, []string{"kiosk_status"}, func() answer {
			hb := api.Heartbeat{OutboxDepth: 1, LastSync: &future, OldestPending: &future, Version: "1",
				Journal: journal(func(j *api.JournalCheckpoint) { j.At = future })}
			b, _ := json.Marshal(hb)
			return h.do("POST", "/v1/heartbeat", b)
		}, func(answer) {
			st := e.adminKiosk(e.kiosk.KioskID).Status
			if st == nil || st.LastSync != nil || st.OldestPending != nil || st.Journal == nil || !st.Journal.At.IsZero() {
				t.Errorf("future times were believed: %+v", st)
			}
		})

		// Acknowledging rejections: bounded, and only by a valid ID number and op ids.
		ack := func(body any) answer {
			b, _ := json.Marshal(body)
			return h.do("POST", "/v1/rejections/ack", b)
		}
		tooMany := make([]string, 101)
		for i := range tooMany {
			tooMany[i] = fmt.Sprintf("op-%d", i)
		}
		for _, c := range []struct {
			name string
			body any
		}{
			{"101 op ids", api.RejectionAck{IDNumber: idA, OpIDs: tooMany}},
			{"no op ids", api.RejectionAck{IDNumber: idA}},
			{"an op id outside the alphabet", api.RejectionAck{IDNumber: idA, OpIDs: []string{"t-1", "bad-id:0123"}}},
			{"an op id of 65 characters", api.RejectionAck{IDNumber: idA, OpIDs: []string{strings.Repeat("x", 65)}}},
			{"an ID number with a wrong check character", api.RejectionAck{IDNumber: "440308199901101513", OpIDs: []string{"t-1"}}},
			{"no ID number", api.RejectionAck{OpIDs: []string{"t-1"}}},
			{"an unknown field", map[string]any{"id_number": idA, "op_ids": []string{"t-1"}, "all": true}},
			{"op ids of the wrong type", map[string]any{"id_number": idA, "op_ids": "t-1"}},
		} {
			probe("acknowledgement with "+c.name, 400, nil, func() answer { return ack(c.body) }, nil)
		}
		probe("acknowledging another person's notice", 200, nil, func() answer {
			return ack(api.RejectionAck{IDNumber: idB, OpIDs: []string{"t-1", "t-2", "no-such-op"}})
		}, func(a answer) {
			if !strings.Contains(string(a.body), `"acked":0`) {
				t.Errorf("another person's notices were acknowledged: %s", a.body)
			}
		})
		probe("acknowledging the person's own notice", 200, []string{"rejection_notices"}, func() answer {
			return ack(api.RejectionAck{IDNumber: idA, OpIDs: []string{"t-1", "t-1"}})
		}, func(a answer) {
			if !strings.Contains(string(a.body), `"acked":1`) {
				t.Errorf("the person's own notice, named twice: %s", a.body)
			}
		})

		// Bounded work.
		probe("1.3 million empty operations", 400, nil, func() answer {
			return h.do("POST", "/v1/ops", []byte(`{"ops":[`+strings.Repeat(`{},`, 1_300_000)+`{}]}`))
		}, func(a answer) {
			if !strings.Contains(string(a.body), "more than 500 operations") {
				t.Errorf("the refusal must say why: %s", a.body)
			}
		})
		probe("a body over 4 MB", 413, nil, func() answer {
			return h.do("POST", "/v1/ops", bytes.Repeat([]byte(" "), maxBody+1))
		}, nil)

		// Identification: 30 wrong file numbers for one person at this kiosk lock nobody else
		// out, here or there, and not that person at another kiosk.
		lookup := func(id, file string, card bool) answer {
			b, _ := json.Marshal(api.Identify{IDNumber: id, FileNumber: file, CardRead: card})
			return h.do("POST", "/v1/lookup", b)
		}
		for i := range 30 {
			a := lookup(idC, fmt.Sprintf("%012d", 900000000000+i), false)
			if a.status != 404 && a.status != 429 {
				t.Fatalf("wrong file number %d: %d", i, a.status)
			}
		}
		probe("another person at the same kiosk, after 30 failures there", 200, nil, func() answer {
			return lookup(idA, fileA, false)
		}, nil)
		probe("the same person's ID card at the same kiosk", 200, nil, func() answer { return lookup(idC, "", true) }, nil)
		other, err := Enroll(context.Background(), e.store, e.ref, "second", "hall", "national", now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.newClient(other).Lookup(context.Background(), api.Identify{IDNumber: idC, FileNumber: fileC}); err != nil {
			t.Errorf("the same person at another kiosk: %v", err)
		}

		// A revoked kiosk is refused on its next request, and writes nothing.
		if err := e.srv.Revoke(context.Background(), e.kiosk.KioskID); err != nil {
			t.Fatal(err)
		}
		probe("an operation of a revoked kiosk", 401, nil, func() answer {
			a, _ := h.ops(pay("rv-1", h.next(), now, api.PayItem{ViolationID: "V-A-6", FineFen: 1}))
			return a
		}, nil)
	}, simulatedPayments)
}
