package storage

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hallkiosk/kiosk/api"
)

// State is where an outbox entry stands.
type State string

// Outbox states: queued → acked or rejected. Sending writes nothing (see Complete); "sent" was
// written before each attempt by earlier versions of the store, and an entry found in it is
// pending like a queued one.
const (
	StateQueued   State = "queued"
	StateSent     State = "sent"
	StateAcked    State = "acked"
	StateRejected State = "rejected"
)

// stateCode is the one-byte plain header of an outbox value: counting by state must not need
// the secret or a decryption per entry. The header is authenticated as part of the AAD.
func stateCode(st State) byte {
	switch st {
	case StateQueued:
		return 'q'
	case StateSent:
		return 's'
	case StateAcked:
		return 'a'
	case StateRejected:
		return 'r'
	}
	return 0
}

func stateOf(code byte) State {
	for _, st := range []State{StateQueued, StateSent, StateAcked, StateRejected} {
		if stateCode(st) == code {
			return st
		}
	}
	return ""
}

// headerState reads the plain state of a stored outbox value without decrypting it.
func headerState(v []byte) State {
	if len(v) == 0 {
		return ""
	}
	return stateOf(v[0])
}

// Entry is one operation in the outbox.
type Entry struct {
	Seq      int64         `json:"seq"`
	Op       api.Op        `json:"op"`
	State    State         `json:"state"`
	Result   *api.OpResult `json:"result,omitempty"`
	QueuedAt time.Time     `json:"queued_at"`
	DoneAt   time.Time     `json:"done_at,omitzero"`
	// SeenAt is when the person acknowledged a rejected entry at this kiosk (MarkSeen); staff
	// still see the entry until they dismiss it.
	SeenAt time.Time `json:"seen_at,omitzero"`
}

func (e Entry) done() bool { return e.State == StateAcked || e.State == StateRejected }

// record is an outbox entry with the receipt sealed in the same value. receipt nil means the op
// has none; an empty non-nil receipt is an empty one.
type record struct {
	Entry
	receipt []byte
}

// receiptSep separates the entry's JSON from its receipt inside the sealed plaintext. JSON as
// encoding/json writes it never holds a NUL byte (control characters in strings are escaped),
// so the first NUL ends the JSON; the receipt may hold any bytes. A plaintext without NUL is an
// entry without receipt, which is also what the earlier layout stored.
const receiptSep = 0x00

func (s *Store) encodeRecord(r record) ([]byte, error) {
	plain, err := json.Marshal(r.Entry)
	if err != nil {
		return nil, fmt.Errorf("encode outbox entry %d: %w", r.Seq, err)
	}
	if r.receipt != nil {
		plain = append(append(plain, receiptSep), r.receipt...)
	}
	return s.seal(bucketOutbox, itob(r.Seq), []byte{stateCode(r.State)}, plain)
}

func (s *Store) decodeRecord(key, v []byte) (record, error) {
	header, plain, err := s.unseal(bucketOutbox, key, 1, v)
	if err != nil {
		return record{}, fmt.Errorf("outbox entry %d: %w", btoi(key), err)
	}
	var r record
	body, receipt, hasReceipt := bytes.Cut(plain, []byte{receiptSep})
	if hasReceipt {
		r.receipt = append(make([]byte, 0, len(receipt)), receipt...)
	}
	if err := json.Unmarshal(body, &r.Entry); err != nil {
		return record{}, fmt.Errorf("decode outbox entry %d: %w", btoi(key), err)
	}
	if r.Seq != btoi(key) || stateCode(r.State) != header[0] {
		return record{}, fmt.Errorf("outbox entry %d: contents disagree with key or header", btoi(key))
	}
	return r, nil
}

func (s *Store) decodeEntry(key, v []byte) (Entry, error) {
	r, err := s.decodeRecord(key, v)
	return r.Entry, err
}

// Enqueue stores op as the next entry of the outbox, with its receipt (nil: none) sealed in the
// same value; when it returns nil the operation is fsynced and the kiosk may tell the user it is
// recorded. It sets op.Seq (gap-free from 1: a failed Enqueue uses no number) and op.Epoch, and
// returns the op as stored.
//
// Enqueue writes one value into one bucket and nothing else: each further bucket touched in the
// commit adds its pages to every fsync. So it writes no journal event (the "queued" event is
// written later, see below), and it keeps no op-id index:
// it does not check that op.ID is unique. Op ids are random UUIDs, and the server refuses an id
// reused with other contents; entries are told apart by seq. The event is written by Complete
// with the op's outcome, or by JournalQueued.
func (s *Store) Enqueue(op api.Op, receipt []byte) (api.Op, error) {
	if err := validateOp(op); err != nil {
		return api.Op{}, err
	}
	now := s.now()
	err := s.update(func(tx *bolt.Tx) error {
		outbox, err := bucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		outbox.FillPercent = appendFill
		// NextSequence is part of the transaction: a rollback gives the number back.
		next, err := outbox.NextSequence()
		if err != nil {
			return err
		}
		op.Seq, op.Epoch = int64(next), s.epoch
		r := record{Entry: Entry{Seq: op.Seq, Op: op, State: StateQueued, QueuedAt: now}, receipt: receipt}
		v, err := s.encodeRecord(r)
		if err != nil {
			return err
		}
		return outbox.Put(itob(op.Seq), v)
	})
	if err != nil {
		if IsFull(err) {
			if f, ferr := s.Fill(); ferr == nil {
				s.refusedAt.Store(max(f.UsedBytes, 1))
			}
		}
		return api.Op{}, fmt.Errorf("storage: enqueue: %w", err)
	}
	s.outboxChanged()
	return op, nil
}

// validateOp refuses what must not be stored.
func validateOp(op api.Op) error {
	if op.ID == "" {
		return fmt.Errorf("storage: enqueue: %w: op id is empty", ErrInvalidOp)
	}
	if err := checkOpID(op.ID); err != nil {
		return fmt.Errorf("storage: enqueue: %w: %w", ErrInvalidOp, err)
	}
	set := map[string]bool{api.OpProcess: op.Process != nil, api.OpPay: op.Pay != nil,
		api.OpBind: op.Bind != nil, api.OpUnbind: op.Unbind != nil,
		api.OpFollow: op.Follow != nil, api.OpUnfollow: op.Unfollow != nil}
	if _, known := set[op.Type]; !known {
		return fmt.Errorf("storage: enqueue op %s: %w: unknown type", op.ID, ErrInvalidOp)
	}
	for typ, present := range set {
		if present != (typ == op.Type) {
			return fmt.Errorf("storage: enqueue op %s: %w: exactly the %s member must be set",
				op.ID, ErrInvalidOp, op.Type)
		}
	}
	return nil
}

// checkOpID holds op ids to the API's alphabet (api.ValidClientID: 1 to 64 letters, digits, '-'
// and '_'), the same the server holds them to: an id the server would refuse must never be
// queued, since the person would have been told "recorded". It also keeps names and plates
// (non-ASCII, spaces) out of the plain-stored ids. The error never quotes the id.
func checkOpID(id string) error {
	if !api.ValidClientID(id) {
		return fmt.Errorf("op id must be 1 to %d letters, digits, '-' or '_'", api.MaxClientIDLen)
	}
	return nil
}

// Pending lists entries not yet done (queued or sent) in sequence order, at most limit
// (limit <= 0: all).
func (s *Store) Pending(limit int) ([]Entry, error) {
	out, err := s.entries(limit, StateQueued, StateSent)
	if err != nil {
		return nil, fmt.Errorf("storage: pending: %w", err)
	}
	return out, nil
}

// Entries lists entries in the given states (none: all) in sequence order.
func (s *Store) Entries(states ...State) ([]Entry, error) {
	if len(states) == 0 {
		states = []State{StateQueued, StateSent, StateAcked, StateRejected}
	}
	out, err := s.entries(0, states...)
	if err != nil {
		return nil, fmt.Errorf("storage: entries: %w", err)
	}
	return out, nil
}

// entries filters on the plain header inside a short read transaction and decrypts after it.
func (s *Store) entries(limit int, states ...State) ([]Entry, error) {
	want := map[State]bool{}
	for _, st := range states {
		want[st] = true
	}
	var raw []rawKV
	err := s.view(func(tx *bolt.Tx) error {
		outbox, err := bucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		c := outbox.Cursor()
		for k, v := c.First(); k != nil && (limit <= 0 || len(raw) < limit); k, v = c.Next() {
			if want[headerState(v)] {
				raw = append(raw, rawKV{k: clone(k), v: clone(v)})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(raw))
	for _, kv := range raw {
		e, err := s.decodeEntry(kv.k, kv.v)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Depth counts entries not yet done (queued + sent); it needs no secret.
func (s *Store) Depth() (int, error) {
	counts, err := s.countStates()
	if err != nil {
		return 0, fmt.Errorf("storage: depth: %w", err)
	}
	return counts[StateQueued] + counts[StateSent], nil
}

// Counts counts outbox entries by state; it needs no secret.
func (s *Store) Counts() (map[State]int, error) {
	counts, err := s.countStates()
	if err != nil {
		return nil, fmt.Errorf("storage: counts: %w", err)
	}
	return counts, nil
}

func (s *Store) countStates() (map[State]int, error) {
	counts := map[State]int{}
	err := s.view(func(tx *bolt.Tx) error {
		outbox, err := bucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		return outbox.ForEach(func(_, v []byte) error {
			counts[headerState(v)]++
			return nil
		})
	})
	return counts, err
}

// receiptScanChunk is how many outbox values Receipt copies per read transaction.
const receiptScanChunk = 256

// Receipt returns the receipt stored with an operation. There is no op-id index (it would cost
// Enqueue a bucket), so it decrypts outbox entries from the newest back until it finds the op:
// a rare call (reprinting a receipt), usually for a recent op. Should an op id have been
// enqueued twice, the newer entry's receipt is returned. An entry that fails authentication is
// skipped; when the op is not found after one did, its error is returned, since the op may be
// the damaged entry.
func (s *Store) Receipt(opID string) ([]byte, bool, error) {
	if !s.secretOK {
		return nil, false, fmt.Errorf("storage: receipt: %w", ErrWrongSecret)
	}
	var damaged error
	var before []byte // next chunk: keys below this one; nil: from the newest
	for {
		raw, err := s.outboxBackward(before, receiptScanChunk)
		if err != nil {
			return nil, false, fmt.Errorf("storage: receipt: %w", err)
		}
		if len(raw) == 0 {
			break
		}
		for _, kv := range raw {
			r, err := s.decodeRecord(kv.k, kv.v)
			if err != nil {
				damaged = cmp.Or(damaged, err)
				continue
			}
			if r.Op.ID == opID {
				return r.receipt, r.receipt != nil, nil
			}
		}
		before = raw[len(raw)-1].k
	}
	if damaged != nil {
		return nil, false, fmt.Errorf("storage: receipt of op %s: %w", opID, damaged)
	}
	return nil, false, nil
}

// outboxBackward copies up to n outbox values with keys below before (nil: from the last),
// newest first, out of one short read transaction.
func (s *Store) outboxBackward(before []byte, n int) ([]rawKV, error) {
	var out []rawKV
	err := s.view(func(tx *bolt.Tx) error {
		outbox, err := bucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		c := outbox.Cursor()
		var k, v []byte
		if before == nil {
			k, v = c.Last()
		} else if k, _ = c.Seek(before); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		for ; k != nil && len(out) < n; k, v = c.Prev() {
			out = append(out, rawKV{k: clone(k), v: clone(v)})
		}
		return nil
	})
	return out, err
}

// wrapIf adds context to a non-nil error.
func wrapIf(err error, context string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", context, err)
}

// EntryAt returns the outbox entry with sequence number seq: what a waiting screen polls to
// learn the server's answer, without decrypting the rest of the outbox.
func (s *Store) EntryAt(seq int64) (Entry, error) {
	if !s.secretOK {
		return Entry{}, fmt.Errorf("storage: entry: %w", ErrWrongSecret)
	}
	var kv rawKV
	err := s.view(func(tx *bolt.Tx) error {
		outbox, err := bucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		k := itob(seq)
		v := outbox.Get(k)
		if v == nil {
			return fmt.Errorf("seq %d: %w", seq, ErrNotFound)
		}
		kv = rawKV{k: k, v: clone(v)}
		return nil
	})
	if err != nil {
		return Entry{}, fmt.Errorf("storage: entry: %w", err)
	}
	return s.decodeEntry(kv.k, kv.v)
}
