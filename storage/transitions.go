package storage

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hallkiosk/kiosk/api"
)

func (s *Store) getRecord(outbox *bolt.Bucket, seq int64) (record, error) {
	key := itob(seq)
	v := outbox.Get(key)
	if v == nil {
		return record{}, fmt.Errorf("outbox entry %d: %w", seq, ErrNotFound)
	}
	return s.decodeRecord(key, v)
}

// putRecord rewrites an entry after a state change; its receipt goes with it.
func (s *Store) putRecord(outbox *bolt.Bucket, r record) error {
	v, err := s.encodeRecord(r)
	if err != nil {
		return err
	}
	return outbox.Put(itob(r.Seq), v)
}

// JournalQueued writes the "queued" journal events of entries that have none yet: those the
// server has not answered (Complete writes an entry's event with its outcome's). Maintenance
// and shutdown may call it so that the journal also records operations still waiting. Each entry gets its
// event once, in seq order: calling it again adds nothing until new entries are enqueued.
func (s *Store) JournalQueued() error {
	// A read transaction first, so that the common case (nothing waiting) costs no commit.
	var waiting bool
	err := s.view(func(tx *bolt.Tx) error {
		_, _, last, behind, err := unjournaled(tx)
		waiting = behind && last > 0
		return err
	})
	if err != nil || !waiting {
		return wrapIf(err, "storage: journal queued")
	}
	err = s.update(func(tx *bolt.Tx) error {
		outbox, meta, last, behind, err := unjournaled(tx)
		if err != nil || !behind {
			return err // nothing, or another call got there first
		}
		return s.journalQueuedThrough(tx, outbox, meta, last)
	})
	return wrapIf(err, "storage: journal queued")
}

// unjournaled reads the outbox's last seq and whether entries after the "queued" mark exist.
func unjournaled(tx *bolt.Tx) (outbox, meta *bolt.Bucket, last int64, behind bool, err error) {
	if outbox, err = bucket(tx, bucketOutbox); err != nil {
		return nil, nil, 0, false, err
	}
	if meta, err = bucket(tx, bucketMeta); err != nil {
		return nil, nil, 0, false, err
	}
	if k, _ := outbox.Cursor().Last(); k != nil {
		last = btoi(k)
	}
	return outbox, meta, last, last > queuedJournaled(meta), nil
}

// queuedJournaled reads the highest seq whose "queued" event is in the journal (0: none).
func queuedJournaled(meta *bolt.Bucket) int64 {
	return max(btoi(meta.Get([]byte(metaQueuedJournaled))), 0)
}

// journalQueuedThrough writes the "queued" events of the entries after the recorded mark up to
// and including seq, in seq order, and moves the mark to seq. Entries are only deleted after
// they were sent, so every entry past the mark is still there to be recorded.
func (s *Store) journalQueuedThrough(tx *bolt.Tx, outbox, meta *bolt.Bucket, seq int64) error {
	from := queuedJournaled(meta) + 1
	c := outbox.Cursor()
	for k, v := c.Seek(itob(from)); k != nil && btoi(k) <= seq; k, v = c.Next() {
		e, err := s.decodeEntry(k, v)
		if err != nil {
			return err
		}
		if err := appendJournal(tx, JournalEntry{At: e.QueuedAt, Event: EventQueued, OpID: e.Op.ID,
			OpType: e.Op.Type, Detail: fmt.Sprintf("seq %d", e.Seq)}); err != nil {
			return err
		}
	}
	return meta.Put([]byte(metaQueuedJournaled), itob(seq))
}

// Complete records the server's results in one transaction: applied and applied_with_changes
// make an entry acked, rejected makes it rejected, deferred leaves it queued. A result for an
// entry already done is a retry's stored answer and changes nothing. Each result finds its
// entry by its Seq: no entry there is ErrNotFound, an entry of another op id is ErrState, and
// either way nothing of the batch is recorded.
//
// The store records outcomes, not attempts: sending writes nothing, so an outage of any length
// adds nothing to the file per try. Before the first outcome of an entry, Complete writes the
// "queued" events of every entry up to it that has none (Enqueue writes no journal event), so
// the journal shows each operation queued before its outcome, in seq order. A batch of deferred
// results only (the server waits for an earlier operation) writes nothing at all.
//
// A batch that does not fit (the store at its MaxSize, or a full disk after the reserve) is
// recorded in halves, down to single results: each result is independent of the others, and a
// smaller transaction needs fewer new pages before it frees the old ones.
//
// A single result that still does not fit makes room the only ways left, each tried once: it
// prunes every answered entry (the platform holds them; only their local copy goes), and then
// records the outcome without the entry's receipt (the person had it on paper or on screen when
// the operation was queued; the journal says it was dropped). Recording what the platform
// answered comes before keeping copies, or the kiosk could never drain again.
func (s *Store) Complete(results []api.OpResult) error {
	err := s.complete(results, false)
	full := func(err error) bool { return storeFull(err) || diskFull(err) }
	switch {
	case len(results) > 1 && full(err):
		half := len(results) / 2
		if err = s.Complete(results[:half]); err == nil {
			err = s.Complete(results[half:])
		}
	case len(results) == 1 && full(err):
		if n, perr := s.Prune(0); perr == nil && n > 0 {
			err = s.complete(results, false)
		}
		if full(err) {
			err = s.complete(results, true)
		}
	}
	return err
}

func (s *Store) complete(results []api.OpResult, dropReceipts bool) error {
	var through int64
	for _, r := range results {
		if r.Outcome != api.OutcomeDeferred {
			through = max(through, r.Seq)
		}
	}
	if through == 0 {
		return s.checkResults(results)
	}
	now := s.now()
	err := s.updateReserved(func(tx *bolt.Tx) error {
		outbox, err := bucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		meta, err := bucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		for _, r := range results {
			if err := s.checkResult(outbox, r); err != nil {
				return err
			}
		}
		if through > queuedJournaled(meta) {
			if err := s.journalQueuedThrough(tx, outbox, meta, through); err != nil {
				return err
			}
		}
		for _, r := range results {
			if err := s.applyResult(tx, outbox, r, now, dropReceipts); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		s.outboxChanged()
	}
	return wrapIf(err, "storage: complete")
}

// checkResults checks results against their entries in a read transaction: what Complete does
// for a batch that changes nothing.
func (s *Store) checkResults(results []api.OpResult) error {
	err := s.view(func(tx *bolt.Tx) error {
		outbox, err := bucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		for _, r := range results {
			if err := s.checkResult(outbox, r); err != nil {
				return err
			}
		}
		return nil
	})
	return wrapIf(err, "storage: complete")
}

// checkResult finds the entry a result is for and checks that it names the same op.
func (s *Store) checkResult(outbox *bolt.Bucket, res api.OpResult) error {
	if res.Seq <= 0 {
		return fmt.Errorf("result without a seq: %w", ErrNotFound)
	}
	r, err := s.getRecord(outbox, res.Seq)
	if err != nil {
		return fmt.Errorf("result for seq %d: %w", res.Seq, err)
	}
	if r.Op.ID != res.OpID {
		// The result's op id is the server's echo and is not quoted: only stored ids are checked.
		return fmt.Errorf("result for seq %d names another op than op %s stored there: %w", res.Seq, r.Op.ID, ErrState)
	}
	switch res.Outcome {
	case api.OutcomeApplied, api.OutcomeWithChanges, api.OutcomeRejected, api.OutcomeDeferred:
		return nil
	}
	return fmt.Errorf("result for op %s has an unknown outcome: %w", r.Op.ID, ErrState)
}

// applyResult records one checked result (see checkResult).
func (s *Store) applyResult(tx *bolt.Tx, outbox *bolt.Bucket, res api.OpResult, now time.Time, dropReceipt bool) error {
	r, err := s.getRecord(outbox, res.Seq)
	if err != nil {
		return fmt.Errorf("result for seq %d: %w", res.Seq, err)
	}
	if r.done() || res.Outcome == api.OutcomeDeferred {
		// Done: a retry's stored answer. Deferred: the entry simply stays pending (an entry
		// marked sent by an earlier version of the store is pending too).
		return nil
	}
	event := EventAcked
	r.State = StateAcked
	if res.Outcome == api.OutcomeRejected {
		r.State, event = StateRejected, EventRejected
	}
	kept := res
	r.Result, r.DoneAt = &kept, now
	detail := fmt.Sprintf("seq %d", r.Seq)
	if dropReceipt && r.receipt != nil {
		r.receipt, detail = nil, detail+"; receipt dropped: the store is full"
	}
	if err := s.putRecord(outbox, r); err != nil {
		return err
	}
	return appendJournal(tx, JournalEntry{At: now, Event: event, OpID: r.Op.ID, OpType: r.Op.Type,
		Outcome: res.Outcome, Reasons: reasonCodes(res.Reasons), Detail: detail})
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

// Prune deletes acked entries done before now-retention, with their receipts (sealed in the
// same value); rejected entries stay until DismissRejected. It returns how many it deleted.
//
// The entries due are found in a read transaction first, so that the common case of the
// engine's hourly upkeep (nothing due) costs no commit.
func (s *Store) Prune(retention time.Duration) (int, error) {
	now := s.now()
	cutoff := now.Add(-retention)
	var due []int64
	find := func(tx *bolt.Tx) error {
		outbox, err := bucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		due = due[:0]
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
				due = append(due, e.Seq)
			}
		}
		return nil
	}
	if err := s.view(find); err != nil || len(due) == 0 {
		return 0, wrapIf(err, "storage: prune")
	}
	n := 0
	err := s.updateReserved(func(tx *bolt.Tx) error {
		if err := find(tx); err != nil {
			return err
		}
		// Deleting while a cursor walks the bucket can skip keys, hence the two passes.
		for _, seq := range due {
			if err := tx.Bucket([]byte(bucketOutbox)).Delete(itob(seq)); err != nil {
				return err
			}
		}
		n = len(due)
		if n == 0 {
			return nil
		}
		return appendJournal(tx, JournalEntry{At: now, Event: EventPruned,
			Detail: fmt.Sprintf("%d acked entries done before %s", n, cutoff.Format(time.RFC3339))})
	})
	if err != nil {
		return 0, fmt.Errorf("storage: prune: %w", err)
	}
	if n > 0 {
		s.outboxChanged()
	}
	return n, nil
}

// DismissRejected deletes a rejected entry and its receipt once staff have dealt with it; the
// journal keeps the record.
func (s *Store) DismissRejected(seq int64) error {
	now := s.now()
	err := s.updateReserved(func(tx *bolt.Tx) error {
		outbox, err := bucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		r, err := s.getRecord(outbox, seq)
		if err != nil {
			return err
		}
		e := r.Entry
		if e.State != StateRejected {
			return fmt.Errorf("outbox entry %d is %s: %w", seq, e.State, ErrState)
		}
		if err := outbox.Delete(itob(seq)); err != nil {
			return err
		}
		return appendJournal(tx, JournalEntry{At: now, Event: EventDismissed, OpID: e.Op.ID,
			OpType: e.Op.Type, Detail: fmt.Sprintf("seq %d", seq)})
	})
	if err == nil {
		s.outboxChanged()
	}
	return wrapIf(err, "storage: dismiss rejected")
}

// MarkSeen records that the person has read the rejection of these ops (by op id). Only
// rejected entries not yet seen are changed; other ids are ignored.
func (s *Store) MarkSeen(opIDs []string) error {
	want := map[string]bool{}
	for _, id := range opIDs {
		want[id] = true
	}
	now := s.now()
	changed := false
	err := s.update(func(tx *bolt.Tx) error {
		outbox, err := bucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		var seen []record
		c := outbox.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if headerState(v) != StateRejected {
				continue
			}
			r, err := s.decodeRecord(k, v)
			if err != nil {
				return err
			}
			if want[r.Op.ID] && r.SeenAt.IsZero() {
				r.SeenAt = now
				seen = append(seen, r)
			}
		}
		for _, r := range seen {
			if err := s.putRecord(outbox, r); err != nil {
				return err
			}
		}
		changed = len(seen) > 0
		return nil
	})
	if changed {
		s.outboxChanged()
	}
	return wrapIf(err, "storage: mark seen")
}
