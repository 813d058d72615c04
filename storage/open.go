package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Open opens the store at path, creating it when missing. A file that is not a sound bbolt file
// is moved aside (kept for staff) and replaced by a fresh store, which gets a new, larger epoch
// so that the server can tell its sequence numbers from the old ones.
func Open(path string, secret []byte, opts Options) (*Store, OpenReport, error) {
	opts = opts.withDefaults()
	k, err := deriveKeys(secret)
	if err != nil {
		return nil, OpenReport{}, err
	}
	db, problem, err := openBolt(path, opts)
	if err != nil {
		return nil, OpenReport{}, err
	}
	var q quarantined
	if problem != "" {
		if q, err = quarantine(path, problem, opts); err != nil {
			return nil, OpenReport{}, err
		}
		if db, problem, err = openBolt(path, opts); err != nil {
			return nil, OpenReport{}, err
		}
		if problem != "" {
			return nil, OpenReport{}, fmt.Errorf("storage: fresh store file %s failed its check: %s", path, problem)
		}
	}
	s := &Store{path: path, opts: opts, keys: k, db: db}
	rep, err := s.initialize(q)
	if err != nil {
		_ = db.Close()
		return nil, OpenReport{}, err
	}
	return s, rep, nil
}

// openBolt opens and checks the file. A damaged file is reported as a problem (with the file
// closed), not as an error; errors are for everything Open cannot decide about, such as a
// lock held by another process or a permission problem.
func openBolt(path string, opts Options) (*bolt.DB, string, error) {
	problem, err := precheck(path)
	if err != nil || problem != "" {
		return nil, problem, err
	}
	db, err := openRecovering(path, opts)
	switch {
	case errors.Is(err, errBoltPanicked):
		return nil, err.Error(), nil
	case errors.Is(err, berrors.ErrTimeout):
		return nil, "", fmt.Errorf("storage: open: %w (file %s)", ErrInUse, path)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch),
		errors.Is(err, berrors.ErrChecksum):
		return nil, "bbolt refused the file: " + err.Error(), nil
	case err != nil:
		return nil, "", fmt.Errorf("storage: open %s: %w", path, err)
	}
	if problem := checkDB(db); problem != "" {
		if err := db.Close(); err != nil {
			return nil, "", fmt.Errorf("storage: close damaged %s: %w", path, err)
		}
		return nil, problem, nil
	}
	return db, "", nil
}

// errBoltPanicked marks a panic of bbolt.Open: bbolt trusts the pages it reads, and a damaged
// freelist page makes it panic instead of returning an error.
var errBoltPanicked = errors.New("bbolt panicked reading the file")

// openRecovering calls bbolt.Open, turning a panic (or a memory fault on the mapped file) into
// errBoltPanicked, so that a damaged file is quarantined instead of crashing the kiosk at every
// start. The lock bbolt took is released and its descriptor closed; its mapping is leaked,
// which costs address space once, on a path taken only for a damaged file.
func openRecovering(path string, opts Options) (db *bolt.DB, err error) {
	var file *os.File
	bo := opts.bolt()
	bo.OpenFile = func(name string, flag int, perm os.FileMode) (*os.File, error) {
		f, err := os.OpenFile(name, flag, perm)
		file = f
		return f, err
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if file != nil {
				_ = unlockFile(file)
				_ = file.Close()
			}
			db, err = nil, fmt.Errorf("%w: %v", errBoltPanicked, r)
		}
	}()
	return bolt.Open(path, fileMode, bo)
}

// checkDB runs bbolt's exhaustive consistency check in a read transaction. Its messages name
// pages and hex keys only (keys never hold personal data), so the first one may be journaled.
func checkDB(db *bolt.DB) string {
	var problems []string
	_ = db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() { // drain: Check's goroutine blocks until read
			problems = append(problems, err.Error())
		}
		return nil
	})
	if len(problems) == 0 {
		return ""
	}
	first := problems[0]
	if len(first) > 200 {
		first = first[:200]
	}
	return fmt.Sprintf("consistency check found %d problem(s), first: %s", len(problems), first)
}

// Check runs bbolt's consistency check on the open store; nil means clean.
func (s *Store) Check() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return fmt.Errorf("storage: check: %w", ErrClosed)
	}
	if problem := checkDB(s.db); problem != "" {
		return fmt.Errorf("storage: %s: %s", s.path, problem)
	}
	return nil
}

// initialize finishes Open: it creates the buckets, epoch and key check of a new store (with
// its journal events) in one transaction, or reads the epoch of an existing one, then checks
// the secret.
func (s *Store) initialize(q quarantined) (OpenReport, error) {
	var rep OpenReport
	var keyCheck []byte
	err := s.db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists([]byte(bucketMeta))
		if err != nil {
			return err
		}
		if v := meta.Get([]byte(metaEpoch)); v != nil {
			// The calls bucket came with a later version of the store: an older file gets it
			// here. The others are never made again: one missing means the file was altered.
			if _, err := tx.CreateBucketIfNotExists([]byte(bucketCalls)); err != nil {
				return fmt.Errorf("create bucket %s: %w", bucketCalls, err)
			}
			s.epoch = btoi(v)
			keyCheck = clone(meta.Get([]byte(metaKeyCheck)))
			return nil
		}
		// No epoch: a new file, or one whose first start died before this commit.
		rep.Created = true
		keyCheck, err = s.create(tx, meta, q)
		return err
	})
	if err != nil {
		return OpenReport{}, fmt.Errorf("storage: initialize %s: %w", s.path, err)
	}
	if s.epoch <= 0 {
		return OpenReport{}, fmt.Errorf("storage: %s has an invalid epoch", s.path)
	}
	s.secretOK = s.keys.checkKey(keyCheck)
	rep.Epoch, rep.Quarantined, rep.WrongSecret = s.epoch, q.movedTo, !s.secretOK
	return rep, nil
}

// create fills a new store inside initialize's transaction and returns the sealed key check.
func (s *Store) create(tx *bolt.Tx, meta *bolt.Bucket, q quarantined) ([]byte, error) {
	for _, name := range allBuckets() {
		if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
			return nil, fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	now := s.now()
	// The epoch must grow across quarantine even when the clock is coarse or was set back a
	// little: the damaged file's last write is at or after its own epoch.
	s.epoch = max(now.UnixMilli(), q.minEpoch)
	keyCheck := s.keys.seal(bucketMeta, []byte(metaKeyCheck), nil, []byte(keyCheckPlain))
	if err := meta.Put([]byte(metaEpoch), binary.BigEndian.AppendUint64(nil, uint64(s.epoch))); err != nil {
		return nil, err
	}
	if err := meta.Put([]byte(metaKeyCheck), keyCheck); err != nil {
		return nil, err
	}
	if q.movedTo != "" {
		problem := q.problem
		if len(problem) > 300 { // a panic message can be long; the journal needs the gist
			problem = problem[:300]
		}
		e := JournalEntry{At: now, Event: EventQuarantined,
			Detail: fmt.Sprintf("damaged file moved to %s: %s", filepath.Base(q.movedTo), problem)}
		if err := appendJournal(tx, e); err != nil {
			return nil, err
		}
	}
	e := JournalEntry{At: now, Event: EventCreated, Detail: fmt.Sprintf("epoch %d", s.epoch)}
	return keyCheck, appendJournal(tx, e)
}
