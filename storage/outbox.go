package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hallkiosk/kiosk/api"
)

// State is where an outbox entry stands.
type State string

// Outbox states: queued → sent → acked or rejected; a deferred result puts a sent entry back
// to queued.
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
	SentAt   time.Time     `json:"sent_at,omitzero"`
	DoneAt   time.Time     `json:"done_at,omitzero"`
	Attempts int           `json:"attempts"`
}

func (e Entry) done() bool { return e.State == StateAcked || e.State == StateRejected }

func (s *Store) encodeEntry(e Entry) ([]byte, error) {
	plain, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode outbox entry %d: %w", e.Seq, err)
	}
	return s.seal(bucketOutbox, itob(e.Seq), []byte{stateCode(e.State)}, plain)
}

func (s *Store) decodeEntry(key, v []byte) (Entry, error) {
	header, plain, err := s.unseal(bucketOutbox, key, 1, v)
	if err != nil {
		return Entry{}, fmt.Errorf("outbox entry %d: %w", btoi(key), err)
	}
	var e Entry
	if err := json.Unmarshal(plain, &e); err != nil {
		return Entry{}, fmt.Errorf("decode outbox entry %d: %w", btoi(key), err)
	}
	if e.Seq != btoi(key) || stateCode(e.State) != header[0] {
		return Entry{}, fmt.Errorf("outbox entry %d: contents disagree with key or header", btoi(key))
	}
	return e, nil
}

// Enqueue stores op as the next entry of the outbox, with its receipt (nil: none) and a
// journal event, in one transaction; when it returns nil the operation is fsynced and the kiosk
// may tell the user it is recorded. It sets op.Seq (gap-free from 1: a failed Enqueue uses no
// number) and op.Epoch, and returns the op as stored. op.ID must be set and unique.
func (s *Store) Enqueue(op api.Op, receipt []byte) (api.Op, error) {
	if err := validateOp(op); err != nil {
		return api.Op{}, err
	}
	now := s.now()
	err := s.update(func(tx *bolt.Tx) error {
		outbox, receipts, err := outboxBuckets(tx)
		if err != nil {
			return err
		}
		if receipts.Get([]byte(op.ID)) != nil {
			return fmt.Errorf("op %s: %w", op.ID, ErrDuplicateOp)
		}
		outbox.FillPercent = appendFill
		// NextSequence is part of the transaction: a rollback gives the number back.
		next, err := outbox.NextSequence()
		if err != nil {
			return err
		}
		op.Seq, op.Epoch = int64(next), s.epoch
		key := itob(op.Seq)
		v, err := s.encodeEntry(Entry{Seq: op.Seq, Op: op, State: StateQueued, QueuedAt: now})
		if err != nil {
			return err
		}
		if err := outbox.Put(key, v); err != nil {
			return err
		}
		if err := s.putReceipt(receipts, op.ID, op.Seq, receipt); err != nil {
			return err
		}
		return appendJournal(tx, JournalEntry{At: now, Event: EventQueued, OpID: op.ID, OpType: op.Type,
			Detail: fmt.Sprintf("seq %d", op.Seq)})
	})
	if err != nil {
		return api.Op{}, fmt.Errorf("storage: enqueue: %w", err)
	}
	return op, nil
}

// A receipts value is the op's outbox seq (8 bytes, plain: it is the op-id index that refuses
// duplicates and finds an entry from a result's op id without decrypting) followed, when the
// op has a receipt, by the sealed receipt. Keeping the index here rather than in a bucket of
// its own saves Enqueue the pages of one more B+tree in its commit.
const receiptHeaderLen = 8

func (s *Store) putReceipt(receipts *bolt.Bucket, opID string, seq int64, receipt []byte) error {
	v := itob(seq)
	if receipt != nil {
		var err error
		if v, err = s.seal(bucketReceipts, []byte(opID), v, receipt); err != nil {
			return err
		}
	}
	return receipts.Put([]byte(opID), v)
}

// seqOfOp finds an op's outbox seq through the receipts bucket; 0 means unknown.
func seqOfOp(receipts *bolt.Bucket, opID string) int64 {
	v := receipts.Get([]byte(opID))
	if len(v) < receiptHeaderLen {
		return 0
	}
	return btoi(v[:receiptHeaderLen])
}

func outboxBuckets(tx *bolt.Tx) (outbox, receipts *bolt.Bucket, err error) {
	if outbox, err = bucket(tx, bucketOutbox); err != nil {
		return nil, nil, err
	}
	receipts, err = bucket(tx, bucketReceipts)
	return outbox, receipts, err
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

// checkOpID holds op ids to a UUID-like alphabet: they are stored plain, and this keeps names
// and plates (non-ASCII, spaces) out. The error never quotes the id.
func checkOpID(id string) error {
	if len(id) > 128 {
		return errors.New("op id is longer than 128 bytes")
	}
	for _, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '-' || r == '_' || r == '.' || r == ':'
		if !ok {
			return errors.New("op id may hold only letters, digits, dash, underscore, dot and colon")
		}
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

// Receipt returns the receipt stored with an operation.
func (s *Store) Receipt(opID string) ([]byte, bool, error) {
	var v []byte
	err := s.view(func(tx *bolt.Tx) error {
		receipts, err := bucket(tx, bucketReceipts)
		if err == nil {
			v = clone(receipts.Get([]byte(opID)))
		}
		return err
	})
	if err != nil || len(v) <= receiptHeaderLen {
		return nil, false, wrapIf(err, "storage: receipt")
	}
	_, plain, err := s.unseal(bucketReceipts, []byte(opID), receiptHeaderLen, v)
	if err != nil {
		return nil, false, fmt.Errorf("storage: receipt of op %s: %w", opID, err)
	}
	if plain == nil {
		plain = []byte{} // an empty receipt was stored; nil would read as none
	}
	return plain, true, nil
}

// wrapIf adds context to a non-nil error.
func wrapIf(err error, context string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", context, err)
}
