package console

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// testNow is the fixed clock of the console's tests: a Saturday afternoon in China.
var testNow = time.Date(2026, 12, 5, 14, 2, 11, 0, time.FixedZone("CST", 8*3600))

// sourceCall is one call the console made to the fake Source.
type sourceCall struct {
	Method, Staff, Kiosk, ID string
}

// fakeSource is a Source over data in memory that records every call made to it. Like the
// server's it checks the staff member's hall and refuses a second acknowledgement.
type fakeSource struct {
	mu         sync.Mutex
	calls      []Call
	fleet      []Kiosk
	rejections map[string][]Rejection
	log        []sourceCall
	reads      int              // rounds of Calls so far
	errs       map[string]error // method -> error it returns
	gate       chan struct{}    // when set, Fleet waits for it (a slow server)
}

func newFakeSource() *fakeSource {
	return &fakeSource{rejections: map[string][]Rejection{}, errs: map[string]error{}}
}

func (f *fakeSource) record(method string, staff Staff, kiosk, id string) error {
	f.log = append(f.log, sourceCall{Method: method, Staff: staff.ID, Kiosk: kiosk, ID: id})
	return f.errs[method]
}

func (f *fakeSource) Calls(ctx context.Context, staff Staff) ([]Call, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	if err := f.errs["Calls"]; err != nil {
		return nil, err
	}
	var out []Call
	for _, c := range f.calls {
		if staff.Sees(c.Hall) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeSource) Fleet(ctx context.Context, staff Staff) ([]Kiosk, error) {
	f.mu.Lock()
	gate := f.gate
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.errs["Fleet"]; err != nil {
		return nil, err
	}
	var out []Kiosk
	for _, k := range f.fleet {
		if staff.Sees(k.Hall) {
			out = append(out, k)
		}
	}
	return out, nil
}

func (f *fakeSource) kiosk(id string) (Kiosk, bool) {
	for _, k := range f.fleet {
		if k.ID == id {
			return k, true
		}
	}
	return Kiosk{}, false
}

func (f *fakeSource) Rejections(ctx context.Context, staff Staff, kioskID string) ([]Rejection, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("Rejections", staff, kioskID, ""); err != nil {
		return nil, err
	}
	k, ok := f.kiosk(kioskID)
	if !ok {
		return nil, ErrNotFound
	}
	if !staff.Sees(k.Hall) {
		return nil, ErrNotAllowed
	}
	return append([]Rejection(nil), f.rejections[kioskID]...), nil
}

func (f *fakeSource) changeCall(method string, staff Staff, kioskID, callID string, change func(c *Call) error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record(method, staff, kioskID, callID); err != nil {
		return err
	}
	for i := range f.calls {
		c := &f.calls[i]
		if c.KioskID == kioskID && c.ID == callID {
			if !staff.Sees(c.Hall) {
				return ErrNotAllowed
			}
			return change(c)
		}
	}
	return ErrNotFound
}

func (f *fakeSource) Acknowledge(ctx context.Context, staff Staff, kioskID, callID string) error {
	return f.changeCall("Acknowledge", staff, kioskID, callID, func(c *Call) error {
		if c.State != CallOpen {
			return fmt.Errorf("call %s: %w", c.ID, ErrConflict)
		}
		c.State, c.AckedBy, c.AckedAt = CallComing, staff.ID, testNow
		return nil
	})
}

func (f *fakeSource) CloseCall(ctx context.Context, staff Staff, kioskID, callID string) error {
	return f.changeCall("CloseCall", staff, kioskID, callID, func(c *Call) error {
		if c.State == CallClosed {
			return fmt.Errorf("call %s: %w", c.ID, ErrConflict)
		}
		c.State, c.ClosedBy, c.ClosedAt = CallClosed, staff.ID, testNow
		return nil
	})
}

func (f *fakeSource) FollowUp(ctx context.Context, staff Staff, kioskID, opID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("FollowUp", staff, kioskID, opID); err != nil {
		return err
	}
	rs := f.rejections[kioskID]
	for i := range rs {
		if rs[i].OpID == opID {
			if !rs[i].FollowedUpAt.IsZero() {
				return ErrConflict
			}
			rs[i].FollowedUpAt, rs[i].FollowedUpBy = testNow, staff.ID
			return nil
		}
	}
	return ErrNotFound
}

// Helpers for tests: change the data under the lock, read what was recorded.

func (f *fakeSource) addCall(c Call) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
}

func (f *fakeSource) setErr(method string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs[method] = err
}

func (f *fakeSource) recorded(method string) []sourceCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []sourceCall
	for _, c := range f.log {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeSource) readCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads
}

func (f *fakeSource) call(kioskID, callID string) Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls {
		if c.KioskID == kioskID && c.ID == callID {
			return c
		}
	}
	return Call{}
}

// Fixtures.

const (
	hallA = "一号大厅"
	hallB = "二号大厅"
)

var (
	staffA = Staff{ID: "s017", Hall: hallA}
	admin  = Staff{ID: "admin1", Admin: true}
)

func ago(d time.Duration) time.Time { return testNow.Add(-d) }

// fixtureSource holds a hall's worth of kiosks in every state, two open calls, one coming,
// one closed, and rejections of the degraded kiosk; and a kiosk of another hall.
func fixtureSource() *fakeSource {
	f := newFakeSource()
	devices := func(printer string, since time.Time) []Device {
		return []Device{
			{Kind: "card", Name: "simulated card terminal", State: "simulated"},
			{Kind: "face", Name: "face camera /dev/video0", State: "ok", Since: ago(26 * time.Hour)},
			{Kind: "id_reader", Name: "ID reader /dev/ttyUSB0", State: "ok", Since: ago(26 * time.Hour)},
			{Kind: "printer", Name: "receipt printer (ESC/POS) tcp://10.1.2.3:9100", State: printer, Since: since},
		}
	}
	f.fleet = []Kiosk{
		{ID: "K-01", Name: "东门1号机", Hall: hallA, Profile: "chongqing", Version: "1.4.0", State: KioskOnline,
			Since: ago(2 * time.Hour), LastSeen: ago(3 * time.Second), HeartbeatAt: ago(3 * time.Second), LastSync: ago(40 * time.Second),
			StoreKnown: true, StoreUsedBytes: 120 << 20, StoreMaxBytes: 512 << 20, StoreLevel: "ok",
			JournalKnown: true, CheckpointSeq: 1200, CheckpointAt: ago(time.Hour), HeadSeq: 1288,
			ClockSkewKnown: true, ClockSkew: time.Second, Devices: devices("ok", ago(26*time.Hour)), OpenCalls: 1},
		{ID: "K-02", Name: "东门2号机", Hall: hallA, Profile: "chongqing", Version: "1.4.0", State: KioskDegraded,
			Since: ago(12 * time.Minute), LastSeen: ago(5 * time.Second), HeartbeatAt: ago(5 * time.Second), LastSync: ago(20 * time.Second),
			Problems:    []string{DeviceProblem("printer", "paper_out"), ProblemRejected},
			OutboxDepth: 3, OldestPending: ago(5 * time.Minute), Rejected: 1, RejectedOpen: 2,
			StoreKnown: true, StoreUsedBytes: 415 << 20, StoreMaxBytes: 512 << 20, StoreLevel: "high",
			JournalKnown: true, CheckpointSeq: 880, CheckpointAt: ago(30 * time.Minute), HeadSeq: 951,
			ClockSkewKnown: true, ClockSkew: -2 * time.Second, Devices: devices("paper_out", ago(12*time.Minute)), OpenCalls: 1,
			FailedAttempts: 0},
		{ID: "K-03", Name: "西门1号机", Hall: hallA, Profile: "chongqing", Version: "1.3.2", State: KioskOffline,
			Since: ago(45 * time.Minute), LastSeen: ago(45 * time.Minute), HeartbeatAt: ago(46 * time.Minute), LastSync: ago(50 * time.Minute),
			OutboxDepth: 14, OldestPending: ago(50 * time.Minute), FailedAttempts: 7,
			StoreKnown: true, StoreUsedBytes: 90 << 20, StoreMaxBytes: 512 << 20, StoreLevel: "ok",
			Devices: devices("paper_low", ago(3*time.Hour)), OpenCalls: 0},
		{ID: "K-04", Name: "西门2号机", Hall: hallA, Profile: "chongqing", Version: "1.4.0", State: KioskOnline,
			Since: ago(5 * time.Hour), LastSeen: ago(time.Second), HeartbeatAt: ago(time.Second), LastSync: ago(time.Second),
			OutboxDepth: 1, OldestPending: ago(20 * time.Second),
			StoreKnown: true, StoreUsedBytes: 30 << 20, StoreMaxBytes: 512 << 20, StoreLevel: "ok",
			JournalKnown: true, CheckpointSeq: 40, CheckpointAt: ago(2 * time.Hour), HeadSeq: 41,
			ClockSkewKnown: true, ClockSkew: 0, Devices: devices("ok", ago(5*time.Hour)), OpenCalls: 1},
		{ID: "K-05", Name: "旧机", Hall: hallA, Profile: "chongqing", Version: "1.1.0", State: KioskRevoked,
			Since: ago(72 * time.Hour), LastSeen: ago(73 * time.Hour)},
		{ID: "K-21", Name: "南门1号机", Hall: hallB, Profile: "chongqing", Version: "1.4.0", State: KioskOnline,
			Since: ago(time.Hour), LastSeen: ago(2 * time.Second), HeartbeatAt: ago(2 * time.Second),
			StoreKnown: true, StoreUsedBytes: 10 << 20, StoreMaxBytes: 512 << 20, StoreLevel: "ok",
			ClockSkewKnown: true, Devices: devices("ok", ago(time.Hour))},
	}
	f.calls = []Call{
		{KioskID: "K-04", KioskName: "西门2号机", Hall: hallA, ID: "call-7", Screen: "identify",
			MadeAt: ago(40 * time.Second), ReceivedAt: ago(39 * time.Second), State: CallOpen},
		{KioskID: "K-02", KioskName: "东门2号机", Hall: hallA, ID: "call-3", Screen: "pay",
			MadeAt: ago(3*time.Minute + 12*time.Second), ReceivedAt: ago(3 * time.Minute), State: CallOpen},
		{KioskID: "K-01", KioskName: "东门1号机", Hall: hallA, ID: "call-5", Screen: "process",
			MadeAt: ago(2 * time.Minute), ReceivedAt: ago(2 * time.Minute), State: CallComing,
			AckedAt: ago(time.Minute), AckedBy: "s020"},
		{KioskID: "K-03", KioskName: "西门1号机", Hall: hallA, ID: "call-1", Screen: "overview",
			MadeAt: ago(9 * time.Minute), ReceivedAt: ago(9 * time.Minute), State: CallClosed,
			AckedAt: ago(8 * time.Minute), AckedBy: "s017", ClosedAt: ago(5 * time.Minute), ClosedBy: "s017", EndedAt: ago(6 * time.Minute)},
		{KioskID: "K-21", KioskName: "南门1号机", Hall: hallB, ID: "call-2", Screen: "welcome",
			MadeAt: ago(time.Minute), ReceivedAt: ago(time.Minute), State: CallOpen},
	}
	f.rejections["K-02"] = []Rejection{
		{OpID: "op-K02-000951", Type: "pay", At: ago(8 * time.Minute), Reasons: []string{"pay.amount_mismatch"}},
		{OpID: "op-K02-000940", Type: "process", At: ago(40 * time.Minute), Reasons: []string{"process.points_full", "op.time_too_old"}},
		{OpID: "op-K02-000902", Type: "bind", At: ago(26 * time.Hour), Reasons: []string{"bind.already_bound"},
			FollowedUpAt: ago(20 * time.Hour), FollowedUpBy: "s020"},
	}
	return f
}
