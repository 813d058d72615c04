package storage

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hallkiosk/kiosk/api"
)

// Calls for staff (F3). A call is kept here from the moment the person presses F3 until the
// server has everything it needs to know of it, so that a call made while the network is down
// is delivered once it is back, also after a restart. The person is told a call was made only
// after the server has it; until then the screen says it is saved and waiting.
//
// The bucket is plain JSON, not sealed like the outbox: a call names no person (its id, the
// screen's name and times), and a driver must be able to call for help even when the kiosk's
// secret does not open the store's sealed values. Keys are the call ids (api.ValidClientID).

// MaxCalls bounds the calls the store keeps. A kiosk makes at most one call per session, and
// the engine's upkeep prunes finished ones after a day, so the bound is reached only when calls
// cannot be delivered for a very long time; then a new call is refused rather than a live one
// dropped.
const MaxCalls = 64

// ErrCallsFull means the store holds MaxCalls calls that are all still to be delivered.
var ErrCallsFull = fmt.Errorf("the store holds %d calls for staff that are not delivered yet; "+
	"check the kiosk's network link (the calls are sent as soon as it works), and send the person to a counter", MaxCalls)

// ErrInvalidCall means AddCall or RecordCalls was given a call it must not store.
var ErrInvalidCall = errors.New("invalid call for staff")

// Journal events of calls; the entry's op_id field holds the call id and op_type "staff_call".
const (
	EventCallMade      = "call_made"
	EventCallDelivered = "call_delivered"
	journalCallType    = "staff_call"
)

// Call is one call for staff as the kiosk knows it.
type Call struct {
	api.StaffCall
	// State is the server's last answer: "" until the server has the call, then api.CallOpen,
	// CallComing, CallClosed or CallRefused.
	State string `json:"state,omitempty"`
	// DeliveredAt is when the server first answered for the call (the store's clock).
	DeliveredAt time.Time  `json:"delivered_at,omitzero"`
	AckedAt     *time.Time `json:"acked_at,omitempty"`  // the server's, when staff acknowledged
	ClosedAt    *time.Time `json:"closed_at,omitempty"` // the server's, when staff closed it
	// EndDelivered is set once the server has answered a report that carried EndedAt.
	EndDelivered bool `json:"end_delivered,omitempty"`
	// DoneAt is when the call stopped needing the network (the store's clock); pruning counts
	// from it.
	DoneAt time.Time `json:"done_at,omitzero"`
}

// Final reports a call the server will not change any more: closed by staff, or refused.
func (c Call) Final() bool { return c.State == api.CallClosed || c.State == api.CallRefused }

// Live reports a call the engine must still send: one the server may still change and whose
// person is still there, or one whose end the server has not heard of yet.
func (c Call) Live() bool {
	if c.EndedAt != nil {
		return !c.EndDelivered
	}
	return !c.Final()
}

func checkCall(c api.StaffCall) error {
	switch {
	case !api.ValidClientID(c.ID):
		return fmt.Errorf("%w: the id must be 1 to %d letters, digits, '-' or '_'", ErrInvalidCall, api.MaxClientIDLen)
	case !api.ValidScreenName(c.Screen):
		return fmt.Errorf("%w: the screen name must be 1 to 32 of a-z, 0-9 and '_'", ErrInvalidCall)
	case c.MadeAt.IsZero():
		return fmt.Errorf("%w: the time it was made is missing", ErrInvalidCall)
	case c.EndedAt != nil:
		return fmt.Errorf("%w: a new call cannot have ended", ErrInvalidCall)
	}
	return nil
}

func getCall(b *bolt.Bucket, id string) (Call, bool, error) {
	v := b.Get([]byte(id))
	if v == nil {
		return Call{}, false, nil
	}
	c, err := decodeCall(id, v)
	return c, err == nil, err
}

// decodeCall reads the stored record of call id.
func decodeCall(id string, v []byte) (Call, error) {
	var c Call
	if err := json.Unmarshal(v, &c); err != nil || c.ID != id {
		return Call{}, fmt.Errorf("call record %q is damaged", id)
	}
	return c, nil
}

func putCall(b *bolt.Bucket, c Call) error {
	v, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode call: %w", err)
	}
	return b.Put([]byte(c.ID), v)
}

// allCalls decodes the bucket, oldest call first.
func allCalls(b *bolt.Bucket) ([]Call, error) {
	var out []Call
	err := b.ForEach(func(k, v []byte) error {
		c, err := decodeCall(string(k), v)
		if err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	slices.SortFunc(out, func(a, b Call) int {
		if d := a.MadeAt.Compare(b.MadeAt); d != 0 {
			return d
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, err
}

// AddCall stores a new call; when it returns nil, the call is fsynced and the kiosk may say it
// is saved. It journals the call (its id and screen only) in the same transaction. With
// MaxCalls calls kept, the oldest one that needs nothing more is removed to make room; when
// every kept call is live, ErrCallsFull. An id already stored is refused.
func (s *Store) AddCall(c api.StaffCall) (Call, error) {
	if err := checkCall(c); err != nil {
		return Call{}, fmt.Errorf("storage: add call: %w", err)
	}
	rec := Call{StaffCall: c}
	err := s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketCalls)
		if err != nil {
			return err
		}
		if _, dup, err := getCall(b, c.ID); err != nil || dup {
			return cmp.Or(err, fmt.Errorf("%w: the id is taken", ErrInvalidCall))
		}
		kept, err := allCalls(b)
		if err != nil {
			return err
		}
		if len(kept) >= MaxCalls {
			i := slices.IndexFunc(kept, func(k Call) bool { return !k.Live() })
			if i < 0 {
				return ErrCallsFull
			}
			if err := b.Delete([]byte(kept[i].ID)); err != nil {
				return err
			}
		}
		if err := putCall(b, rec); err != nil {
			return err
		}
		return appendJournal(tx, JournalEntry{At: s.now(), Event: EventCallMade, OpID: c.ID,
			OpType: journalCallType, Detail: "screen " + c.Screen})
	})
	if err != nil {
		return Call{}, fmt.Errorf("storage: add call: %w", err)
	}
	s.callsChanged()
	return rec, nil
}

// CallByID returns one stored call.
func (s *Store) CallByID(id string) (Call, bool, error) {
	var c Call
	var ok bool
	err := s.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketCalls)
		if err != nil {
			return err
		}
		c, ok, err = getCall(b, id)
		return err
	})
	if err != nil {
		return Call{}, false, fmt.Errorf("storage: read call: %w", err)
	}
	return c, ok, nil
}

// Calls lists the stored calls, oldest first.
func (s *Store) Calls() ([]Call, error) {
	var out []Call
	err := s.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketCalls)
		if err != nil {
			return err
		}
		out, err = allCalls(b)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("storage: read calls: %w", err)
	}
	return out, nil
}

// LiveCalls lists the calls the engine must still send (Call.Live), oldest first.
func (s *Store) LiveCalls() ([]Call, error) {
	all, err := s.Calls()
	return slices.DeleteFunc(all, func(c Call) bool { return !c.Live() }), err
}

// EndCall records that the person of call id left (their session ended) at at, so that staff
// learn nobody may be waiting. A call that is final or already ended is left as it is. It
// returns the call as stored.
func (s *Store) EndCall(id string, at time.Time) (Call, error) {
	var out Call
	err := s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketCalls)
		if err != nil {
			return err
		}
		c, ok, err := getCall(b, id)
		if err != nil || !ok {
			return cmp.Or(err, fmt.Errorf("call %q: %w", id, ErrNotFound))
		}
		out = c
		if c.EndedAt != nil || c.Final() {
			return nil
		}
		c.EndedAt = &at
		out = c
		return putCall(b, c)
	})
	if err != nil {
		return Call{}, fmt.Errorf("storage: end call: %w", err)
	}
	s.callsChanged()
	return out, nil
}

// EndOpenCalls ends (as EndCall) every call that is neither final nor ended: at start, the
// sessions of an earlier process are over. It returns how many it ended.
func (s *Store) EndOpenCalls(at time.Time) (int, error) {
	n, err := eachCall(s.update, func(b *bolt.Bucket, c Call) (bool, error) {
		if c.EndedAt != nil || c.Final() {
			return false, nil
		}
		c.EndedAt = &at
		return true, putCall(b, c)
	})
	if err != nil {
		return 0, fmt.Errorf("storage: end open calls: %w", err)
	}
	if n > 0 {
		s.callsChanged()
	}
	return n, nil
}

// eachCall runs change on every stored call in one transaction of run and counts the calls it
// changed.
func eachCall(run func(func(*bolt.Tx) error) error, change func(b *bolt.Bucket, c Call) (bool, error)) (int, error) {
	n := 0
	err := run(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketCalls)
		if err != nil {
			return err
		}
		all, err := allCalls(b)
		if err != nil {
			return err
		}
		n = 0 // the transaction may run again
		for _, c := range all {
			changed, err := change(b, c)
			if err != nil {
				return err
			}
			if changed {
				n++
			}
		}
		return nil
	})
	return n, err
}

// RecordCalls records the server's answer to a report of calls: states[i] answers sent[i]. A
// report that carried a call's end delivers it. A call first answered is journaled as
// delivered. An answer for a call the store no longer keeps is ignored; an answer that does
// not match the report, or names an unknown state, records nothing. It returns the calls whose
// state, times or delivery changed.
func (s *Store) RecordCalls(sent []api.StaffCall, states []api.CallState) ([]Call, error) {
	if len(states) != len(sent) {
		return nil, fmt.Errorf("storage: record calls: %w: %d answers for %d calls", ErrInvalidCall, len(states), len(sent))
	}
	for i, st := range states {
		if st.ID != sent[i].ID {
			return nil, fmt.Errorf("storage: record calls: %w: answer %d is for another call", ErrInvalidCall, i)
		}
		if !slices.Contains([]string{api.CallOpen, api.CallComing, api.CallClosed, api.CallRefused}, st.State) {
			return nil, fmt.Errorf("storage: record calls: %w: answer %d has an unknown state", ErrInvalidCall, i)
		}
	}
	now := s.now()
	var changed []Call
	err := s.updateReserved(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketCalls)
		if err != nil {
			return err
		}
		changed = changed[:0]
		for i, st := range states {
			c, ok, err := getCall(b, st.ID)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			next := c.answered(st, sent[i].EndedAt != nil, now)
			if next.same(c) {
				continue
			}
			if c.State == "" {
				err := appendJournal(tx, JournalEntry{At: now, Event: EventCallDelivered, OpID: c.ID,
					OpType: journalCallType, Outcome: st.State})
				if err != nil {
					return err
				}
			}
			if err := putCall(b, next); err != nil {
				return err
			}
			changed = append(changed, next)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("storage: record calls: %w", err)
	}
	return changed, nil
}

// answered is c after the server's answer st; endSent says the report carried c's end.
func (c Call) answered(st api.CallState, endSent bool, now time.Time) Call {
	wasLive := c.Live()
	if c.State == "" {
		c.DeliveredAt = now
	}
	// States only move forward: a stale answer (a retry's) must not undo an acknowledgement.
	if callRank(st.State) >= callRank(c.State) {
		c.State = st.State
	}
	if st.AckedAt != nil {
		c.AckedAt = st.AckedAt
	}
	if st.ClosedAt != nil {
		c.ClosedAt = st.ClosedAt
	}
	if endSent {
		c.EndDelivered = true
	}
	if wasLive && !c.Live() {
		c.DoneAt = now
	}
	return c
}

// callRank orders the states as a call moves through them.
func callRank(state string) int {
	switch state {
	case api.CallOpen:
		return 1
	case api.CallComing:
		return 2
	case api.CallClosed, api.CallRefused:
		return 3
	}
	return 0
}

func (c Call) same(o Call) bool {
	eq := func(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
	return c.State == o.State && eq(c.AckedAt, o.AckedAt) && eq(c.ClosedAt, o.ClosedAt) &&
		c.EndDelivered == o.EndDelivered
}

// PruneCalls deletes the calls that need nothing more (not Live) and have not for age. It
// returns how many it deleted.
func (s *Store) PruneCalls(age time.Duration) (int, error) {
	cutoff := s.now().Add(-age)
	n, err := eachCall(s.updateReserved, func(b *bolt.Bucket, c Call) (bool, error) {
		if c.Live() || c.DoneAt.After(cutoff) {
			return false, nil
		}
		return true, b.Delete([]byte(c.ID))
	})
	if err != nil {
		return 0, fmt.Errorf("storage: prune calls: %w", err)
	}
	return n, nil
}

// CallsVersion changes whenever a call is added or ended in this process, so that the sync
// engine sends at once what changed rather than at its next poll.
func (s *Store) CallsVersion() int64 { return s.callsVersion.Load() }

func (s *Store) callsChanged() { s.callsVersion.Add(1) }
