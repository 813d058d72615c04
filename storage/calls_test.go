package storage

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hallkiosk/kiosk/api"
)

func staffCall(id string, at time.Time) api.StaffCall {
	return api.StaffCall{ID: id, Screen: "overview", MadeAt: at}
}

func mustAddCall(t *testing.T, s *Store, c api.StaffCall) {
	t.Helper()
	if _, err := s.AddCall(c); err != nil {
		t.Fatalf("AddCall(%s): %v", c.ID, err)
	}
}

func liveIDs(t *testing.T, s *Store) []string {
	t.Helper()
	live, err := s.LiveCalls()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range live {
		ids = append(ids, c.ID)
	}
	return ids
}

// A call is on disk when AddCall returns: it is there after the store is closed and opened
// again, still to be sent, and the journal says it was made (by id and screen only).
func TestCallSurvivesReopen(t *testing.T) {
	s, c, path := newStore(t)
	mustAddCall(t, s, staffCall("call-1", c.Now()))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, _ := openAt(t, path, testSecret(), Options{Now: c.Now})
	got, ok, err := s2.CallByID("call-1")
	if err != nil || !ok {
		t.Fatalf("after reopening: %v, found %v", err, ok)
	}
	if got.Screen != "overview" || !got.MadeAt.Equal(c.Now()) || got.State != "" || !got.Live() {
		t.Errorf("after reopening: %+v", got)
	}
	if ids := liveIDs(t, s2); !slices.Equal(ids, []string{"call-1"}) {
		t.Errorf("live calls %v", ids)
	}
	entries, _ := s2.Journal(0, 0)
	last := entries[len(entries)-1]
	if last.Event != EventCallMade || last.OpID != "call-1" || last.Detail != "screen overview" {
		t.Errorf("journal's last entry %+v", last)
	}
}

// Calls survive a store whose secret is wrong: they hold nothing sealed, and a person must be
// able to call for help whatever the kiosk's secret.
func TestCallsWorkWithWrongSecret(t *testing.T) {
	s, c, path := newStore(t)
	s.Close()
	s2, rep := openAt(t, path, []byte("another secret, 32 bytes long..."), Options{Now: c.Now})
	if !rep.WrongSecret {
		t.Fatal("the wrong secret was not noticed")
	}
	mustAddCall(t, s2, staffCall("call-1", c.Now()))
}

func TestAddCallRefusesWhatMustNotBeStored(t *testing.T) {
	s, c, _ := newStore(t)
	ended := c.Now()
	for name, call := range map[string]api.StaffCall{
		"empty id":        {Screen: "welcome", MadeAt: c.Now()},
		"id with a space": {ID: "a b", Screen: "welcome", MadeAt: c.Now()},
		"chinese screen":  {ID: "c1", Screen: "首页", MadeAt: c.Now()},
		"upper screen":    {ID: "c1", Screen: "Welcome", MadeAt: c.Now()},
		"long screen":     {ID: "c1", Screen: "a123456789012345678901234567890123", MadeAt: c.Now()},
		"no time":         {ID: "c1", Screen: "welcome"},
		"already ended":   {ID: "c1", Screen: "welcome", MadeAt: c.Now(), EndedAt: &ended},
	} {
		if _, err := s.AddCall(call); !errors.Is(err, ErrInvalidCall) {
			t.Errorf("%s: %v, want ErrInvalidCall", name, err)
		}
	}
	mustAddCall(t, s, staffCall("c1", c.Now()))
	if _, err := s.AddCall(staffCall("c1", c.Now())); !errors.Is(err, ErrInvalidCall) {
		t.Errorf("an id used twice: %v", err)
	}
	if all, _ := s.Calls(); len(all) != 1 {
		t.Errorf("%d calls stored", len(all))
	}
}

// The server's answers move a call forward only; the first one journals the delivery; a
// report that carried the end makes the call need nothing more.
func TestRecordCallAnswers(t *testing.T) {
	s, c, _ := newStore(t)
	call := staffCall("call-1", c.Now())
	mustAddCall(t, s, call)
	c.Advance(time.Minute)
	changed, err := s.RecordCalls([]api.StaffCall{call}, []api.CallState{{ID: "call-1", State: api.CallOpen}})
	if err != nil || len(changed) != 1 || changed[0].State != api.CallOpen || !changed[0].DeliveredAt.Equal(c.Now()) {
		t.Fatalf("first answer: %+v, %v", changed, err)
	}
	// The same answer again changes nothing and journals nothing.
	before := len(journalEvents(t, s))
	if changed, err := s.RecordCalls([]api.StaffCall{call}, []api.CallState{{ID: "call-1", State: api.CallOpen}}); err != nil || len(changed) != 0 {
		t.Fatalf("repeated answer: %+v, %v", changed, err)
	}
	acked := c.Now().Add(30 * time.Second)
	changed, err = s.RecordCalls([]api.StaffCall{call}, []api.CallState{{ID: "call-1", State: api.CallComing, AckedAt: &acked}})
	if err != nil || len(changed) != 1 || changed[0].State != api.CallComing || !changed[0].AckedAt.Equal(acked) {
		t.Fatalf("acknowledged: %+v, %v", changed, err)
	}
	// A stale answer does not take the acknowledgement back.
	if _, err := s.RecordCalls([]api.StaffCall{call}, []api.CallState{{ID: "call-1", State: api.CallOpen}}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.CallByID("call-1"); got.State != api.CallComing {
		t.Errorf("after a stale answer: %q", got.State)
	}
	if events := journalEvents(t, s); len(events) != before || events[len(events)-1] != EventCallDelivered {
		t.Errorf("journal: %v (had %d entries)", events, before)
	}

	// The person leaves: the call is live until a report with its end is answered.
	end := c.Now()
	ended, err := s.EndCall("call-1", end)
	if err != nil || ended.EndedAt == nil || !ended.Live() {
		t.Fatalf("ended: %+v, %v", ended, err)
	}
	// An answer to a report sent before the end (no EndedAt) does not deliver the end.
	if _, err := s.RecordCalls([]api.StaffCall{call}, []api.CallState{{ID: "call-1", State: api.CallComing, AckedAt: &acked}}); err != nil {
		t.Fatal(err)
	}
	if ids := liveIDs(t, s); len(ids) != 1 {
		t.Fatalf("the end was taken as delivered by an answer to a report without it")
	}
	if _, err := s.RecordCalls([]api.StaffCall{ended.StaffCall}, []api.CallState{{ID: "call-1", State: api.CallComing, AckedAt: &acked}}); err != nil {
		t.Fatal(err)
	}
	if ids := liveIDs(t, s); len(ids) != 0 {
		t.Errorf("still live after its end was delivered: %v", ids)
	}

	// Answers that do not match the report record nothing.
	other := staffCall("call-2", c.Now())
	mustAddCall(t, s, other)
	for name, states := range map[string][]api.CallState{
		"too few":       {},
		"another id":    {{ID: "call-3", State: api.CallOpen}},
		"unknown state": {{ID: "call-2", State: "lost"}},
	} {
		if _, err := s.RecordCalls([]api.StaffCall{other}, states); !errors.Is(err, ErrInvalidCall) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if got, _, _ := s.CallByID("call-2"); got.State != "" {
		t.Errorf("a refused answer was recorded: %+v", got)
	}
}

// At start the sessions of an earlier process are over: its open calls are ended, closed ones
// are left as they are.
func TestEndOpenCalls(t *testing.T) {
	s, c, _ := newStore(t)
	open, closed := staffCall("open", c.Now()), staffCall("closed", c.Now())
	mustAddCall(t, s, open)
	mustAddCall(t, s, closed)
	if _, err := s.RecordCalls([]api.StaffCall{closed}, []api.CallState{{ID: "closed", State: api.CallClosed}}); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Hour)
	if n, err := s.EndOpenCalls(c.Now()); err != nil || n != 1 {
		t.Fatalf("EndOpenCalls: %d, %v", n, err)
	}
	got, _, _ := s.CallByID("open")
	if got.EndedAt == nil || !got.EndedAt.Equal(c.Now()) || !got.Live() {
		t.Errorf("open call: %+v", got)
	}
	if got, _, _ := s.CallByID("closed"); got.EndedAt != nil || got.Live() {
		t.Errorf("closed call: %+v", got)
	}
}

// The store keeps at most MaxCalls: a new call takes the place of the oldest finished one, and
// is refused, clearly, when every kept call is still to be delivered.
func TestCallsAreBounded(t *testing.T) {
	s, c, _ := newStore(t)
	var calls []api.StaffCall
	for i := range MaxCalls {
		call := staffCall(fmt.Sprintf("call-%02d", i), c.Now())
		calls = append(calls, call)
		mustAddCall(t, s, call)
		c.Advance(time.Second)
	}
	_, err := s.AddCall(staffCall("one-too-many", c.Now()))
	if !errors.Is(err, ErrCallsFull) {
		t.Fatalf("the %dth live call: %v, want ErrCallsFull", MaxCalls+1, err)
	}
	if len(liveIDs(t, s)) != MaxCalls {
		t.Fatal("a live call was dropped")
	}
	// Call 5 is closed by staff: it may make room.
	if _, err := s.RecordCalls(calls[5:6], []api.CallState{{ID: calls[5].ID, State: api.CallClosed}}); err != nil {
		t.Fatal(err)
	}
	mustAddCall(t, s, staffCall("next", c.Now()))
	all, _ := s.Calls()
	if len(all) != MaxCalls || slices.ContainsFunc(all, func(k Call) bool { return k.ID == calls[5].ID }) {
		t.Errorf("after making room: %d calls, closed one kept: %v", len(all),
			slices.ContainsFunc(all, func(k Call) bool { return k.ID == calls[5].ID }))
	}
}

// Upkeep removes calls that need nothing more a day after they stopped needing it, never a
// live one (not delivered, or whose end is not delivered).
func TestPruneCalls(t *testing.T) {
	s, c, _ := newStore(t)
	closed, ended, waiting, endPending := staffCall("closed", c.Now()), staffCall("ended", c.Now()),
		staffCall("waiting", c.Now()), staffCall("end-pending", c.Now())
	for _, call := range []api.StaffCall{closed, ended, waiting, endPending} {
		mustAddCall(t, s, call)
	}
	c.Advance(time.Minute)
	closedAt := c.Now()
	if _, err := s.RecordCalls([]api.StaffCall{closed}, []api.CallState{{ID: "closed", State: api.CallClosed, ClosedAt: &closedAt}}); err != nil {
		t.Fatal(err)
	}
	e, _ := s.EndCall("ended", c.Now())
	if _, err := s.RecordCalls([]api.StaffCall{e.StaffCall}, []api.CallState{{ID: "ended", State: api.CallOpen}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EndCall("end-pending", c.Now()); err != nil {
		t.Fatal(err)
	}
	c.Advance(23 * time.Hour)
	if n, err := s.PruneCalls(24 * time.Hour); err != nil || n != 0 {
		t.Fatalf("before a day: pruned %d, %v", n, err)
	}
	c.Advance(2 * time.Hour)
	if n, err := s.PruneCalls(24 * time.Hour); err != nil || n != 2 {
		t.Fatalf("after a day: pruned %d, %v", n, err)
	}
	all, _ := s.Calls()
	var ids []string
	for _, k := range all {
		ids = append(ids, k.ID)
	}
	if !slices.Equal(ids, []string{"end-pending", "waiting"}) {
		t.Errorf("kept %v", ids)
	}
}

// A file made before calls existed gets the bucket when opened.
func TestOlderFileGetsCallsBucket(t *testing.T) {
	s, c, path := newStore(t)
	s.Close()
	editRaw(t, path, func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte(bucketCalls)) })
	s2, _ := openAt(t, path, testSecret(), Options{Now: c.Now})
	mustAddCall(t, s2, staffCall("call-1", c.Now()))
}
