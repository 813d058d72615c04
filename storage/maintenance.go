package storage

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// compactTxSize bounds each transaction of bbolt.Compact, so that compacting a large file does
// not build one huge transaction in memory.
const compactTxSize = 4 << 20

// Stats is what the maintenance view and the heartbeat show.
type Stats struct {
	FileSize      int64
	Epoch         int64
	Outbox        map[State]int // entries by state
	CacheEntries  int
	JournalLength int   // entries kept in the file
	JournalHead   int64 // sequence number of the last entry
}

// Stats reads the counters; it needs no secret.
func (s *Store) Stats() (Stats, error) {
	st := Stats{Epoch: s.epoch, Outbox: map[State]int{}}
	err := s.view(func(tx *bolt.Tx) error {
		for _, name := range []string{bucketOutbox, bucketCache, bucketJournal, bucketMeta} {
			if _, err := bucket(tx, name); err != nil {
				return err
			}
		}
		_ = tx.Bucket([]byte(bucketOutbox)).ForEach(func(_, v []byte) error {
			st.Outbox[headerState(v)]++
			return nil
		})
		st.CacheEntries = tx.Bucket([]byte(bucketCache)).Stats().KeyN
		st.JournalLength = tx.Bucket([]byte(bucketJournal)).Stats().KeyN
		st.JournalHead = readPoint(tx.Bucket([]byte(bucketMeta)), metaJournalHead).seq
		return nil
	})
	if err != nil {
		return Stats{}, fmt.Errorf("storage: stats: %w", err)
	}
	fi, err := os.Stat(s.path)
	if err != nil {
		return Stats{}, fmt.Errorf("storage: stats: %w", err)
	}
	st.FileSize = fi.Size()
	return st, nil
}

// Compact rewrites the file without its free pages (bbolt files never shrink by themselves):
// it copies into a temporary file in the same directory, renames that over the original and
// reopens, as etcd's defrag does. Other calls wait meanwhile. On failure before the rename
// the original stays open and untouched.
func (s *Store) Compact() (before, after int64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return 0, 0, fmt.Errorf("storage: compact: %w", ErrClosed)
	}
	if before, err = fileSize(s.path); err != nil {
		return 0, 0, err
	}
	tmp, err := s.compactInto()
	if err != nil {
		return 0, 0, err
	}
	if err := s.swapIn(tmp); err != nil {
		return 0, 0, err
	}
	if after, err = fileSize(s.path); err != nil {
		return 0, 0, err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		return appendJournal(tx, JournalEntry{At: s.now(), Event: EventCompacted,
			Detail: fmt.Sprintf("%d bytes before, %d bytes after", before, after)})
	})
	if err != nil {
		return 0, 0, fmt.Errorf("storage: compact: journal: %w", err)
	}
	return before, after, nil
}

// compactInto copies the open store into a new temporary file and returns its path. Temporary
// files of a compaction that died with its process are removed first: holding the store's lock,
// no one else can be writing them.
func (s *Store) compactInto() (string, error) {
	stale, _ := filepath.Glob(s.path + ".compact-*")
	for _, name := range stale {
		_ = os.Remove(name)
	}
	f, err := os.CreateTemp(filepath.Dir(s.path), filepath.Base(s.path)+".compact-*")
	if err != nil {
		return "", fmt.Errorf("storage: compact: %w", err)
	}
	tmp := f.Name()
	if err := f.Close(); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("storage: compact: %w", err)
	}
	dst, err := bolt.Open(tmp, fileMode, s.opts.bolt())
	if err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("storage: compact: open temporary file: %w", err)
	}
	err = bolt.Compact(dst, s.db, compactTxSize)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("storage: compact: copy: %w", err)
	}
	return tmp, nil
}

// swapIn closes the store, renames tmp over it and reopens. If the rename fails the original
// is reopened; if reopening fails the store stays closed (ErrClosed) rather than half-open.
func (s *Store) swapIn(tmp string) error {
	if err := s.db.Close(); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("storage: compact: close: %w", err)
	}
	s.db = nil
	renameErr := os.Rename(tmp, s.path)
	if renameErr != nil {
		_ = os.Remove(tmp)
	} else if err := syncDir(filepath.Dir(s.path)); err != nil {
		renameErr = err
	}
	db, err := bolt.Open(s.path, fileMode, s.opts.bolt())
	if err != nil {
		return fmt.Errorf("storage: compact: reopen %s: %w", s.path, err)
	}
	s.db = db
	if renameErr != nil {
		return fmt.Errorf("storage: compact: rename: %w", renameErr)
	}
	return nil
}

func fileSize(path string) (int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, fmt.Errorf("storage: %w", err)
	}
	return fi.Size(), nil
}

// TrimJournal deletes the journal entries before sequence number keep (for entries already
// exported elsewhere), so that the journal cannot fill the file. The last trimmed entry's hash
// becomes the chain's base, so the kept entries still verify and removing more still shows.
// The last entry is always kept. A chain that does not verify is not trimmed: that would
// destroy the evidence. It returns how many entries it deleted.
func (s *Store) TrimJournal(keep int64) (int, error) {
	s.journalMu.Lock()
	defer s.journalMu.Unlock()
	base, head, err := s.journalEnds()
	if err != nil {
		return 0, fmt.Errorf("storage: trim journal: %w", err)
	}
	if min(keep, head.seq)-1 <= base.seq {
		return 0, nil // nothing to trim: no verification, no commit
	}
	if _, err := s.verifyJournal(); err != nil {
		return 0, fmt.Errorf("storage: trim journal: refused, the chain does not verify: %w", err)
	}
	n := 0
	err = s.updateReserved(func(tx *bolt.Tx) error {
		meta, err := bucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		jb, err := bucket(tx, bucketJournal)
		if err != nil {
			return err
		}
		base, head := readPoint(meta, metaJournalBase), readPoint(meta, metaJournalHead)
		keep = min(keep, head.seq)
		if keep-1 <= base.seq {
			return nil
		}
		newBase, err := pointOf(jb, keep-1)
		if err != nil {
			return err
		}
		newBase.at = s.now()
		for seq := base.seq + 1; seq < keep; seq++ {
			if err := jb.Delete(itob(seq)); err != nil {
				return err
			}
			n++
		}
		if err := meta.Put([]byte(metaJournalBase), newBase.encode()); err != nil {
			return err
		}
		return appendJournal(tx, JournalEntry{At: s.now(), Event: EventTrimmed,
			Detail: fmt.Sprintf("entries %d to %d removed", base.seq+1, keep-1)})
	})
	if err != nil {
		return 0, fmt.Errorf("storage: trim journal: %w", err)
	}
	return n, nil
}

// pointOf reads the stored hash of one entry.
func pointOf(jb *bolt.Bucket, seq int64) (chainPoint, error) {
	v := jb.Get(itob(seq))
	if v == nil {
		return chainPoint{}, &ChainError{Seq: seq, Problem: "missing"}
	}
	var e JournalEntry
	if err := json.Unmarshal(v, &e); err != nil {
		return chainPoint{}, &ChainError{Seq: seq, Problem: "not valid JSON"}
	}
	h, err := hex.DecodeString(e.Hash)
	if err != nil || len(h) != len(chainPoint{}.hash) {
		return chainPoint{}, &ChainError{Seq: seq, Problem: "hash is not hex SHA-256"}
	}
	p := chainPoint{seq: seq}
	copy(p.hash[:], h)
	return p, nil
}

// Checkpoint is what the file keeps of the journal entries it trimmed: the hash of the last
// trimmed entry, which (the journal being a hash chain) commits to every entry before it, its
// sequence number and when it was trimmed; and the journal's head. The kept entries verify from
// it on, and the kiosk reports it to the server in heartbeats, so that the trimmed prefix stays
// pinned outside the kiosk as well.
type Checkpoint struct {
	Seq      int64 // entries 1 to Seq were trimmed; 0: none
	Hash     string
	At       time.Time
	HeadSeq  int64
	HeadHash string
}

// Checkpoint reads the journal's checkpoint and head; it needs no secret.
func (s *Store) Checkpoint() (Checkpoint, error) {
	base, head, err := s.journalEnds()
	if err != nil {
		return Checkpoint{}, fmt.Errorf("storage: checkpoint: %w", err)
	}
	c := Checkpoint{Seq: base.seq, At: base.at, HeadSeq: head.seq, HeadHash: hex.EncodeToString(head.hash[:])}
	if base.seq > 0 {
		c.Hash = hex.EncodeToString(base.hash[:])
	}
	return c, nil
}

// TrimJournalOlder trims the journal entries written before cutoff, and more of the oldest if
// more than keepMax would be kept; the last entry always stays. Entries are in time order
// except that an op's queued event carries the time it was queued, so the trim stops at the
// first entry not older than cutoff. It returns how many entries it deleted.
func (s *Store) TrimJournalOlder(cutoff time.Time, keepMax int) (int, error) {
	base, head, err := s.journalEnds()
	if err != nil {
		return 0, fmt.Errorf("storage: trim journal: %w", err)
	}
	keep := base.seq + 1
	for keep <= head.seq {
		raw, err := s.journalRaw(keep, verifyChunk)
		if err != nil {
			return 0, fmt.Errorf("storage: trim journal: %w", err)
		}
		stop := len(raw) == 0
		for _, kv := range raw {
			var e JournalEntry
			if err := json.Unmarshal(kv.v, &e); err != nil || !e.At.Before(cutoff) {
				stop = true
				break
			}
			keep = btoi(kv.k) + 1
		}
		if stop {
			break
		}
	}
	if keepMax > 0 {
		keep = max(keep, head.seq-int64(keepMax)+1)
	}
	return s.TrimJournal(keep)
}
