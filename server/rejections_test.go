package server

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
)

// lookupRejections identifies a person and returns the notices their lookup carries.
func (e *env) lookupRejections(c *api.Client, id, file string) []api.Rejection {
	e.t.Helper()
	out, err := c.Lookup(context.Background(), api.Identify{IDNumber: id, FileNumber: file})
	if err != nil {
		e.t.Fatalf("lookup: %v", err)
	}
	return out.Rejections
}

func rejectionIDs(rs []api.Rejection) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.OpID)
	}
	return out
}

// A queued operation the server rejects reaches its person at the next identification at any
// kiosk, with when, where and why, until they acknowledge it; a retry leaves no second notice,
// and an accepted operation none at all.
func TestRejectionNoticeReachesThePerson(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		confirmed := e.clock.Now()
		e.clock.Add(3 * time.Hour) // delivered after an outage
		rejectedAt1 := e.clock.Now()
		// A's payment dated an hour ahead of the server's clock (op.time_future), then a
		// processing of another person's violation without the owner's check.
		ahead := payOp("n-1", 1, e.clock.Now().Add(time.Hour), "V-DECIDED", 10000, 10000)
		if r := e.send(ahead, processOp("n-2", 2, confirmed, 1, "V-A-1")); r[0].Outcome != api.OutcomeRejected ||
			r[1].Outcome != api.OutcomeApplied {
			t.Fatalf("setup: %+v", r)
		}
		e.clock.Add(time.Minute)
		rejectedAt2 := e.clock.Now()
		if r := e.send(processOp("n-3", 3, confirmed, 2, "V-B-AFTER")); r[0].Outcome != api.OutcomeRejected ||
			r[0].Reasons[0].Code != string(model.ReasonOwnerNotVerified) {
			t.Fatalf("setup: %+v", r[0])
		}
		// Retries return the stored results and add nothing.
		e.send(ahead, processOp("n-2", 2, confirmed, 1, "V-A-1"), processOp("n-3", 3, confirmed, 2, "V-B-AFTER"))

		other, err := Enroll(ctx, e.store, e.ref, "2号机", "罗湖车管所", "national", e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		elsewhere := e.newClient(other)
		got := e.lookupRejections(elsewhere, idA, fileA)
		if !slices.Equal(rejectionIDs(got), []string{"n-3", "n-1"}) {
			t.Fatalf("notices %v, want n-3 then n-1 (newest first, one each)", rejectionIDs(got))
		}
		n3, n1 := got[0], got[1]
		if n3.OpType != api.OpProcess || !n3.At.Equal(confirmed) || !n3.RejectedAt.Equal(rejectedAt2) ||
			n3.Kiosk != "test hall test kiosk" || len(n3.Reasons) == 0 || n3.Reasons[0].Code != string(model.ReasonOwnerNotVerified) {
			t.Errorf("notice of n-3: %+v", n3)
		}
		// A time ahead of the server's clock, which the server did not believe, reads as the
		// time of the rejection.
		if n1.OpType != api.OpPay || !n1.At.Equal(rejectedAt1) || !n1.RejectedAt.Equal(rejectedAt1) ||
			n1.Reasons[0].Code != string(model.ReasonOpTimeFuture) || n1.Reasons[0].At == nil {
			t.Errorf("notice of n-1: %+v", n1)
		}
		if rs := e.lookupRejections(e.client, idB, fileB); len(rs) != 0 {
			t.Errorf("another person sees %v", rejectionIDs(rs))
		}

		// Acknowledged at the other kiosk, by the person's ID number only for their own.
		ack := func(c *api.Client, id string, ops ...string) int {
			t.Helper()
			r, err := c.AckRejections(ctx, api.RejectionAck{IDNumber: id, OpIDs: ops})
			if err != nil {
				t.Fatalf("ack: %v", err)
			}
			return r.Acked
		}
		if n := ack(elsewhere, idB, "n-1", "n-3"); n != 0 {
			t.Errorf("another person's ID number acknowledged %d notices", n)
		}
		if n := ack(elsewhere, idA, "n-1", "n-2", "no-such"); n != 1 {
			t.Errorf("acknowledged %d, want 1 (n-2 was applied, no-such does not exist)", n)
		}
		if n := ack(e.client, idA, "n-1"); n != 0 {
			t.Errorf("a notice was acknowledged twice")
		}
		if rs := e.lookupRejections(e.client, idA, fileA); !slices.Equal(rejectionIDs(rs), []string{"n-3"}) {
			t.Errorf("after the acknowledgement: %v", rejectionIDs(rs))
		}
		assertNoPersonalData(t, e.logs.String())
	})
}

// A lookup carries at most api.MaxRejections notices, the newest.
func TestRejectionNoticesBounded(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		var want []string
		for i := 1; i <= api.MaxRejections+2; i++ {
			id := fmt.Sprintf("b-%02d", i)
			e.clock.Add(time.Second)
			if r := e.send(payOp(id, int64(i), e.clock.Now().Add(time.Hour), "V-DECIDED", 1, 0)); r[0].Outcome != api.OutcomeRejected {
				t.Fatalf("%s: %+v", id, r[0])
			}
			want = append([]string{id}, want...)
		}
		if got := rejectionIDs(e.lookupRejections(e.client, idA, fileA)); !slices.Equal(got, want[:api.MaxRejections]) {
			t.Errorf("notices %v, want the %d newest %v", got, api.MaxRejections, want[:api.MaxRejections])
		}
	})
}

// Malformed operations leave a notice when their person is still readable, whatever else is
// wrong; an operation without a person (a payment without a payer) or with an unreadable one
// leaves none.
func TestRejectionNoticeOfMalformedOperations(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		h := &hostile{t: t, e: e}
		now := e.clock.Now()
		badFine := payOp("m-1", 1, now, "V-DECIDED", -1, 0)
		noPayer := payOp("m-2", 2, now.Add(time.Hour), "V-DECIDED", 100, 0)
		noPayer.Pay.PayerID = ""
		badDriver := processOp("m-3", 3, now, 1, "V-A-1")
		badDriver.Process.DriverID = "440308199901101513" // wrong check character
		wrongType := map[string]any{"op_id": "m-4", "epoch": 1, "seq": 4, "type": "bind", "at": now,
			"bind": map[string]any{"driver_id": idC, "plate_type": 2, "plate_number": "粤B54321"}}
		a, res := h.ops(badFine, noPayer, badDriver, wrongType)
		if a.status != 200 {
			t.Fatalf("ops: %d %s", a.status, a.body)
		}
		for i, r := range res {
			if r.Outcome != api.OutcomeRejected {
				t.Errorf("op %d: %+v", i, r)
			}
		}
		if got := rejectionIDs(e.lookupRejections(e.client, idA, fileA)); !slices.Equal(got, []string{"m-1"}) {
			t.Errorf("A's notices %v, want only m-1", got)
		}
		got := e.lookupRejections(e.client, idC, fileC)
		if len(got) != 1 || got[0].OpID != "m-4" || got[0].OpType != api.OpBind || got[0].Reasons[0].Code != string(model.ReasonOpMalformed) {
			t.Errorf("C's notices %+v, want m-4 (bind, op.malformed)", got)
		}
	})
}

// Each type of operation names its person in one field.
func TestPersonOf(t *testing.T) {
	now := at(2026, time.November, 21, 10)
	cases := []struct {
		op   api.Op
		want model.IDNumber
	}{
		{api.Op{Type: api.OpProcess, Process: &api.ProcessOp{DriverID: idA}}, idA},
		{api.Op{Type: api.OpPay, Pay: &api.PayOp{PayerID: idA}}, idA},
		{api.Op{Type: api.OpPay, Pay: &api.PayOp{}}, ""},
		{api.Op{Type: api.OpBind, Bind: &api.BindOp{DriverID: idC, OwnerID: idA}}, idC},
		{api.Op{Type: api.OpUnbind, Unbind: &api.UnbindOp{ActorID: idB, DriverID: idA}}, idB},
		{api.Op{Type: api.OpFollow, Follow: &api.FollowOp{FollowerID: idC, OwnerID: idB}}, idC},
		{api.Op{Type: api.OpUnfollow, Unfollow: &api.UnfollowOp{ActorID: idB, FollowerID: idC}}, idB},
		{api.Op{Type: api.OpPay, Process: &api.ProcessOp{DriverID: idA}}, ""}, // the member of another type
		{api.Op{Type: api.OpProcess, Process: &api.ProcessOp{DriverID: "440308199901101513"}}, ""},
		{api.Op{Type: api.OpProcess, Process: &api.ProcessOp{DriverID: idA + strings.Repeat(" ", 40)}}, ""},
	}
	for i, c := range cases {
		if got := personOf(c.op, now); got != c.want {
			t.Errorf("case %d (%s): %q, want %q", i, c.op.Type, got, c.want)
		}
	}
}

// The receipt page of a rejected operation says why, in both languages, from the text
// catalogue.
func TestReceiptPageOfRejection(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		e.send(payOp("rj-1", 1, e.clock.Now().Add(time.Hour), "V-DECIDED", 10000, 0))
		status, page := e.getPage("/r/rj-1")
		reason := model.Reason{Code: model.ReasonOpTimeFuture, Args: model.Args{At: e.clock.Now().Add(time.Hour)}}
		zh, en := e.ref.Texts.Reason(reason, model.ZH), e.ref.Texts.Reason(reason, model.EN)
		if status != http.StatusOK || !strings.Contains(page, "平台未受理") || !strings.Contains(page, zh.Message) ||
			!strings.Contains(page, en.Message) || !strings.Contains(page, en.Remedy) {
			t.Errorf("rejected receipt: %d\n%s\nwant %q and %q", status, page, zh.Message, en.Message)
		}
		for _, personal := range []string{idA, "张伟", "粤B54321"} {
			if strings.Contains(page, personal) {
				t.Errorf("the public page shows %q", personal)
			}
		}
	})
}

// What a reason's text quotes of the person is masked on the public page; regions and offices
// stay, and so does the code of a reason the catalogue has no text for.
func TestReceiptReasonsMaskPersonalValues(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/server.db")
	lines := strings.Join(e.srv.rejectionLines([]api.Reason{
		{Code: string(model.ReasonLicenceClass), Got: "C1E", Term: "plate_type.01"},
		{Code: string(model.InputPlateForm), Got: "粤B54321"},
		{Code: string(model.InputIDCheck), Want: "2", Got: idA},
		{Code: string(model.ReasonVehicleNotLocal), Want: "渝", Got: "粤"},
		{Code: string(model.ReasonDisputed), Got: "福田交警大队"},
		{Code: "op.from_the_future"},
	}), "\n")
	for _, personal := range []string{"C1E", "粤B54321", idA} {
		if strings.Contains(lines, personal) {
			t.Errorf("the page quotes %q:\n%s", personal, lines)
		}
	}
	for _, kept := range []string{"“渝”", "“粤”", "福田交警大队", "op.from_the_future", "***"} {
		if !strings.Contains(lines, kept) {
			t.Errorf("the page lacks %q:\n%s", kept, lines)
		}
	}
}
