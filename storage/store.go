package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Sentinel errors. Their texts are shown to staff, so they say what to do where that helps.
var (
	// ErrInUse means another process (or another Open in this one) holds the file's lock.
	ErrInUse = errors.New("another kiosk process is using the store file; " +
		"stop that process (or wait for it to exit) and start the kiosk again")
	// ErrClosed is returned by every method after Close, or after a failed Compact reopen.
	ErrClosed = errors.New("the store is closed")
	// ErrWrongSecret means the kiosk secret is not the one the store was created with, so no
	// sealed value (outbox entries with their receipts, cache) can be read or written.
	ErrWrongSecret = errors.New("the kiosk secret does not match the one this store was " +
		"created with; restore the right secret, or have staff move the store file aside")
	// ErrDecrypt means a sealed value failed authentication although the secret is right: the
	// value was damaged or moved to another key.
	ErrDecrypt = errors.New("a sealed value failed authentication (damaged or moved)")
	// ErrNotFound means no entry has the given sequence number.
	ErrNotFound = errors.New("no such entry")
	// ErrInvalidOp means Enqueue was given an operation it must not store.
	ErrInvalidOp = errors.New("invalid operation")
	// ErrState means an entry is not in a state that allows the requested change.
	ErrState = errors.New("the entry's state does not allow this")
	// ErrPersonalData means a journal field looks like personal data (the journal is plain).
	ErrPersonalData = errors.New("journal field may hold personal data")
)

// Bucket names and meta keys. Strings rather than []byte so that nothing package-level is
// mutable; the conversions cost nothing measurable next to an fsync.
const (
	bucketMeta    = "meta"
	bucketRef     = "ref"
	bucketCache   = "cache"
	bucketOutbox  = "outbox"
	bucketJournal = "journal"
	bucketCalls   = "calls"

	metaEpoch       = "epoch"
	metaKeyCheck    = "keycheck"
	metaRefCursor   = "ref_cursor"
	metaJournalHead = "journal_head"
	metaJournalBase = "journal_base"
	// metaQueuedJournaled is the highest outbox seq whose "queued" event is in the journal:
	// every entry up to it has one, none after it has (see journalQueuedThrough).
	metaQueuedJournaled = "queued_journaled"
)

// appendFill is the FillPercent of buckets only ever appended to (outbox, journal): bbolt's
// default of one half suits random inserts and leaves append-only pages half empty, which makes
// deeper trees and more pages to write and fsync in every commit.
const appendFill = 1.0

const (
	defaultTimeout = time.Second
	defaultMaxSize = 256 << 20
	fileMode       = 0o600
)

// allBuckets lists the buckets created with a new store.
func allBuckets() []string {
	return []string{bucketMeta, bucketRef, bucketCache, bucketOutbox, bucketJournal, bucketCalls}
}

// Options of Open.
type Options struct {
	Timeout time.Duration    // bbolt open timeout; 0 means 1 s
	MaxSize int64            // bbolt MaxSize; 0 means 256 MiB
	Now     func() time.Time // clock; nil means time.Now
	// Reserve is the size of the reserve file kept beside the store for writes on a full disk
	// (see fill.go); 0 means 8 MiB, negative means none.
	Reserve int64
	// DiskFree measures the free space of the file system holding dir; nil means statfs.
	DiskFree func(dir string) (int64, error)
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	if o.MaxSize <= 0 {
		o.MaxSize = defaultMaxSize
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Reserve == 0 {
		o.Reserve = defaultReserve
	}
	if o.DiskFree == nil {
		o.DiskFree = statfsFree
	}
	return o
}

func (o Options) bolt() *bolt.Options {
	return &bolt.Options{Timeout: o.Timeout, MaxSize: int(o.MaxSize)}
}

// OpenReport says what Open found.
type OpenReport struct {
	Created     bool   // a new file was created (first start, or after quarantine)
	Quarantined string // path the damaged file was moved to, "" when none
	Epoch       int64  // this store's epoch
	// WrongSecret is true when the secret does not open the store's key check: reference data,
	// the journal and the counters still work, every sealed read or write fails with
	// ErrWrongSecret.
	WrongSecret bool
}

// Store is the kiosk's local store. Methods are safe for concurrent use.
type Store struct {
	path     string
	opts     Options
	keys     keys
	epoch    int64
	secretOK bool

	// mu guards db: Compact and Close replace or clear it, everything else reads it.
	mu sync.RWMutex
	db *bolt.DB
	// journalMu keeps VerifyJournal (which reads in chunks) and TrimJournal apart, so that a
	// trim cannot look like a gap to a verification in progress.
	journalMu sync.Mutex
	// outboxVersion counts committed changes of the outbox in this process (the file lock makes
	// this process its only writer), so that the sync engine can tell, without reading the
	// file, that nothing changed since its last failed attempt.
	outboxVersion atomic.Int64
	// refusedAt is the used bytes when a new operation last found no room (a fragmented file
	// can refuse a write below the stop watermark); 0 when none did. Until the store has given
	// back room, Fill reports the stop level, so that what the kiosk says matches what it can do.
	refusedAt atomic.Int64
	// callsVersion counts calls added or ended in this process (see CallsVersion).
	callsVersion atomic.Int64
}

// OutboxVersion changes whenever an entry is queued, completed, pruned or dismissed.
func (s *Store) OutboxVersion() int64 { return s.outboxVersion.Load() }

func (s *Store) outboxChanged() { s.outboxVersion.Add(1) }

// Epoch returns the store's epoch: unix milliseconds of its creation.
func (s *Store) Epoch() int64 { return s.epoch }

// Path returns the store file's path.
func (s *Store) Path() string { return s.path }

// Close closes the file. Closing twice is allowed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	s.db = nil
	if err != nil {
		return fmt.Errorf("storage: close %s: %w", s.path, err)
	}
	return nil
}

func (s *Store) now() time.Time { return s.opts.Now().UTC() }

// view runs fn in a read transaction.
func (s *Store) view(fn func(tx *bolt.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return ErrClosed
	}
	return s.db.View(fn)
}

// update runs fn in a write transaction; its return means the change is fsynced.
func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return ErrClosed
	}
	return s.db.Update(fn)
}

// updateReserved is update for the writes a drain and the store's upkeep need (recording the
// server's answers, pruning, dismissing, trimming): one that finds the file system full gives
// up the reserve file and is tried once more (fill.go). A failed commit leaves the file as it
// was, so the retry starts clean. New operations do not reach the reserve: it is for giving
// back what the kiosk holds.
func (s *Store) updateReserved(fn func(tx *bolt.Tx) error) error {
	err := s.update(fn)
	if diskFull(err) && s.releaseReserve() {
		err = s.update(fn)
	}
	return err
}

func (s *Store) dir() string { return filepath.Dir(s.path) }

// bucket returns a top-level bucket; a missing one means the file was altered outside the store.
func bucket(tx *bolt.Tx, name string) (*bolt.Bucket, error) {
	b := tx.Bucket([]byte(name))
	if b == nil {
		return nil, fmt.Errorf("storage: bucket %q is missing from the store file", name)
	}
	return b, nil
}

// itob encodes a sequence number as a big-endian key so that byte order is numeric order.
func itob(v int64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), uint64(v))
}

func btoi(b []byte) int64 {
	if len(b) != 8 {
		return -1
	}
	return int64(binary.BigEndian.Uint64(b))
}

// clone copies a value out of a transaction: bbolt's slices die with it.
func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}
