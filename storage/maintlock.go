package storage

import (
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// metaMaintLock holds the maintenance PIN's failure count and lock: 8 bytes of failures, then 8
// bytes of the lock's end in unix nanoseconds (0: not locked), big-endian. It lives in the
// store because the kiosk runs one process per person: a count kept in memory would start
// from zero at every restart and the lockout would mean nothing.
const metaMaintLock = "maint_lock"

// EventMaintLocked is journalled when the maintenance PIN locks after too many failures; the
// journal says when, never what was typed.
const EventMaintLocked = "maint_locked"

// MaintLock reads the maintenance PIN's consecutive failures and the end of the current lock
// (zero when never locked). A store without the record answers zero and zero.
func (s *Store) MaintLock() (failures int, until time.Time, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		meta, err := bucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		v := meta.Get([]byte(metaMaintLock))
		if v == nil {
			return nil
		}
		if len(v) != 16 {
			return fmt.Errorf("record %q has %d bytes, want 16", metaMaintLock, len(v))
		}
		failures = int(binary.BigEndian.Uint64(v[:8]))
		if ns := int64(binary.BigEndian.Uint64(v[8:])); ns != 0 {
			until = time.Unix(0, ns).UTC()
		}
		return nil
	})
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("storage: read maintenance lock: %w", err)
	}
	return failures, until, nil
}

// SetMaintLock records the failure count and the lock's end (zero: none), fsynced when it
// returns. A lock that begins (until is set and differs from the stored one) is journalled in
// the same transaction.
func (s *Store) SetMaintLock(failures int, until time.Time) error {
	if failures < 0 {
		return fmt.Errorf("storage: maintenance lock: negative failure count %d", failures)
	}
	var ns int64
	if !until.IsZero() {
		ns = until.UnixNano()
	}
	v := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(make([]byte, 0, 16), uint64(failures)), uint64(ns))
	err := s.update(func(tx *bolt.Tx) error {
		meta, err := bucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		old := meta.Get([]byte(metaMaintLock))
		if err := meta.Put([]byte(metaMaintLock), v); err != nil {
			return err
		}
		if ns == 0 || (len(old) == 16 && int64(binary.BigEndian.Uint64(old[8:])) == ns) {
			return nil
		}
		return appendJournal(tx, JournalEntry{At: s.now(), Event: EventMaintLocked,
			Detail: "until " + until.UTC().Format(time.RFC3339)})
	})
	if err != nil {
		return fmt.Errorf("storage: write maintenance lock: %w", err)
	}
	return nil
}
