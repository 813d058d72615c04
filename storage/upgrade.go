package storage

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// EventUpgraded records that Open moved a file of the earlier layout to this one.
const EventUpgraded = "upgraded"

// upgradeLegacy brings a file of the earlier layout up to date, in one transaction. That layout
// kept receipts (and the op-id index) in a receipts bucket, and Enqueue journaled the "queued"
// event itself:
//
//   - every entry then stored already has its "queued" event, so the mark of journaled entries
//     is set to the outbox's last number (MarkSent and JournalQueued then add none for them);
//   - each receipt is sealed into its outbox entry and removed from the receipts bucket, which
//     goes once empty. This needs the right secret: with a wrong one the receipts stay, and the
//     next Open with the right secret moves them. A receipt that does not authenticate, or
//     whose entry is gone or holds another op, stays in the bucket for staff (it could not be
//     read before either).
//
// A file without a receipts bucket (created by this layout, or already upgraded) is untouched.
func (s *Store) upgradeLegacy() error {
	legacy := false
	_ = s.db.View(func(tx *bolt.Tx) error {
		legacy = tx.Bucket([]byte(bucketLegacyReceipts)) != nil
		return nil
	})
	if !legacy { // the usual case: no write transaction at Open
		return nil
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		receipts := tx.Bucket([]byte(bucketLegacyReceipts))
		if receipts == nil {
			return nil
		}
		meta, err := bucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		outbox, err := bucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		marked := false
		if meta.Get([]byte(metaQueuedJournaled)) == nil {
			if err := meta.Put([]byte(metaQueuedJournaled), itob(int64(outbox.Sequence()))); err != nil {
				return err
			}
			marked = true
		}
		if !s.secretOK {
			return nil
		}
		var ids [][]byte
		if err := receipts.ForEach(func(k, _ []byte) error { ids = append(ids, clone(k)); return nil }); err != nil {
			return err
		}
		moved := 0
		for _, id := range ids {
			ok, err := s.moveLegacyReceipt(receipts, outbox, id)
			if err != nil {
				return err
			}
			if ok {
				moved++
			}
		}
		kept := len(ids) - moved
		if kept == 0 {
			if err := tx.DeleteBucket([]byte(bucketLegacyReceipts)); err != nil {
				return err
			}
		}
		if moved == 0 && !marked {
			return nil // retried at every Open; journal only a change
		}
		return appendJournal(tx, JournalEntry{At: s.now(), Event: EventUpgraded, Detail: fmt.Sprintf(
			"%d receipts moved into their outbox entries, %d left in the receipts bucket", moved, kept)})
	})
	return wrapIf(err, "storage: upgrade "+s.path)
}

// moveLegacyReceipt seals one receipt of the earlier layout (value: outbox seq, 8 bytes, then
// the sealed receipt when there was one) into its outbox entry. It reports false, changing
// nothing, for a receipt it cannot move.
func (s *Store) moveLegacyReceipt(receipts, outbox *bolt.Bucket, opID []byte) (bool, error) {
	const headerLen = 8
	v := receipts.Get(opID)
	if len(v) < headerLen {
		return false, nil
	}
	seq := btoi(v[:headerLen])
	ev := outbox.Get(itob(seq))
	if ev == nil {
		return false, nil
	}
	r, err := s.decodeRecord(itob(seq), ev)
	if err != nil || r.Op.ID != string(opID) {
		return false, nil
	}
	if len(v) > headerLen {
		_, plain, err := s.unseal(bucketLegacyReceipts, opID, headerLen, v)
		if err != nil {
			return false, nil
		}
		r.receipt = append([]byte{}, plain...) // non-nil: an empty receipt is still a receipt
		if err := s.putRecord(outbox, r); err != nil {
			return false, err
		}
	}
	return true, receipts.Delete(opID)
}
