package storage

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hallkiosk/kiosk/api"
)

func (s *Store) getEntry(outbox *bolt.Bucket, seq int64) (Entry, error) {
	key := itob(seq)
	v := outbox.Get(key)
	if v == nil {
		return Entry{}, fmt.Errorf("outbox entry %d: %w", seq, ErrNotFound)
	}
	return s.decodeEntry(key, v)
}

func (s *Store) putEntry(outbox *bolt.Bucket, e Entry) error {
	v, err := s.encodeEntry(e)
	if err != nil {
		return err
	}
	return outbox.Put(itob(e.Seq), v)
}

// MarkSent records that entries are on their way to the server: state sent, SentAt now,
// Attempts+1, a journal event each. Sending a sent entry again is a retry; a done one is an
// error and nothing is marked.
func (s *Store) MarkSent(seqs []int64) error {
	now := s.now()
	err := s.update(func(tx *bolt.Tx) error {
		outbox, err := bucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		for _, seq := range seqs {
			e, err := s.getEntry(outbox, seq)
			if err != nil {
				return err
			}
			if e.done() {
				return fmt.Errorf("outbox entry %d is %s: %w", seq, e.State, ErrState)
			}
			e.State, e.SentAt = StateSent, now
			e.Attempts++
			if err := s.putEntry(outbox, e); err != nil {
				return err
			}
			if err := appendJournal(tx, JournalEntry{At: now, Event: EventSent, OpID: e.Op.ID,
				OpType: e.Op.Type, Detail: fmt.Sprintf("seq %d attempt %d", seq, e.Attempts)}); err != nil {
				return err
			}
		}
		return nil
	})
	return wrapIf(err, "storage: mark sent")
}

// Complete records the server's results in one transaction: applied and applied_with_changes
// make an entry acked, rejected makes it rejected, deferred puts it back to queued. A result
// for an entry already done is a retry's stored answer and changes nothing.
func (s *Store) Complete(results []api.OpResult) error {
	now := s.now()
	err := s.update(func(tx *bolt.Tx) error {
		outbox, receipts, err := outboxBuckets(tx)
		if err != nil {
			return err
		}
		for _, r := range results {
			if err := s.applyResult(tx, outbox, receipts, r, now); err != nil {
				return err
			}
		}
		return nil
	})
	return wrapIf(err, "storage: complete")
}

func (s *Store) applyResult(tx *bolt.Tx, outbox, receipts *bolt.Bucket, r api.OpResult, now time.Time) error {
	seq := seqOfOp(receipts, r.OpID)
	if seq == 0 {
		return fmt.Errorf("result for an unknown op: %w", ErrNotFound)
	}
	e, err := s.getEntry(outbox, seq)
	if err != nil {
		return err
	}
	if r.Seq != 0 && r.Seq != e.Seq {
		return fmt.Errorf("result for op %s names seq %d, stored as %d: %w", e.Op.ID, r.Seq, e.Seq, ErrState)
	}
	if e.done() {
		return nil
	}
	var event string
	switch r.Outcome {
	case api.OutcomeApplied, api.OutcomeWithChanges:
		e.State, event = StateAcked, EventAcked
	case api.OutcomeRejected:
		e.State, event = StateRejected, EventRejected
	case api.OutcomeDeferred:
		e.State, event = StateQueued, EventDeferred
	default:
		return fmt.Errorf("result for op %s has an unknown outcome: %w", e.Op.ID, ErrState)
	}
	if e.State != StateQueued {
		res := r
		e.Result, e.DoneAt = &res, now
	}
	if err := s.putEntry(outbox, e); err != nil {
		return err
	}
	return appendJournal(tx, JournalEntry{At: now, Event: event, OpID: e.Op.ID, OpType: e.Op.Type,
		Outcome: r.Outcome, Reasons: reasonCodes(r.Reasons), Detail: fmt.Sprintf("seq %d", e.Seq)})
}

// reasonCodes keeps only the codes of reasons: their other fields (Want, Got) may quote
// personal data, and the journal is plain. A code that fails the guard is replaced.
func reasonCodes(rs []api.Reason) []string {
	var out []string
	for _, r := range rs {
		code := r.Code
		if guardPlain(code) != nil || len(code) > 64 {
			code = "unprintable_code"
		}
		out = append(out, code)
	}
	return out
}

// Prune deletes acked entries done before now-retention, with their receipts and index
// entries; rejected entries stay until DismissRejected. It returns how many it deleted.
func (s *Store) Prune(retention time.Duration) (int, error) {
	now := s.now()
	cutoff := now.Add(-retention)
	n := 0
	err := s.update(func(tx *bolt.Tx) error {
		outbox, receipts, err := outboxBuckets(tx)
		if err != nil {
			return err
		}
		var old []Entry
		c := outbox.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if headerState(v) != StateAcked {
				continue
			}
			e, err := s.decodeEntry(k, v)
			if err != nil {
				return err
			}
			if e.DoneAt.Before(cutoff) {
				old = append(old, e)
			}
		}
		// Deleting while a cursor walks the bucket can skip keys, hence the two passes.
		for _, e := range old {
			if err := deleteEntry(outbox, receipts, e); err != nil {
				return err
			}
		}
		n = len(old)
		if n == 0 {
			return nil
		}
		return appendJournal(tx, JournalEntry{At: now, Event: EventPruned,
			Detail: fmt.Sprintf("%d acked entries done before %s", n, cutoff.Format(time.RFC3339))})
	})
	if err != nil {
		return 0, fmt.Errorf("storage: prune: %w", err)
	}
	return n, nil
}

func deleteEntry(outbox, receipts *bolt.Bucket, e Entry) error {
	if err := outbox.Delete(itob(e.Seq)); err != nil {
		return err
	}
	return receipts.Delete([]byte(e.Op.ID))
}

// DismissRejected deletes a rejected entry and its receipt once staff have dealt with it; the
// journal keeps the record.
func (s *Store) DismissRejected(seq int64) error {
	now := s.now()
	err := s.update(func(tx *bolt.Tx) error {
		outbox, receipts, err := outboxBuckets(tx)
		if err != nil {
			return err
		}
		e, err := s.getEntry(outbox, seq)
		if err != nil {
			return err
		}
		if e.State != StateRejected {
			return fmt.Errorf("outbox entry %d is %s: %w", seq, e.State, ErrState)
		}
		if err := deleteEntry(outbox, receipts, e); err != nil {
			return err
		}
		return appendJournal(tx, JournalEntry{At: now, Event: EventDismissed, OpID: e.Op.ID,
			OpType: e.Op.Type, Detail: fmt.Sprintf("seq %d", seq)})
	})
	return wrapIf(err, "storage: dismiss rejected")
}
