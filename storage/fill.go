package storage

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// A kiosk must never reach the point where it can neither take work nor give back what it
// holds. Two things can fill: the store itself (bbolt's MaxSize) and the file system under it.
// The store's fill is judged by what its data uses (the file less its free pages), against two
// watermarks: above the high one the sync engine prunes and compacts early; at the stop one the
// kiosk takes no new offline operation, so that what is left is for draining. The file system is
// judged by its free space, and a reserve file of a few MiB is kept beside the store: when a
// write finds the disk full, the reserve is given up and the write tried once more, so that
// recording the server's answers (a drain) works even on a full disk.

// Fill levels, in order.
const (
	LevelOK   = "ok"
	LevelHigh = "high"
	LevelStop = "stop"
)

// Watermarks: fractions of MaxSize in percent, and free space on the file system.
const (
	highPercent    = 50
	stopPercent    = 75
	highDiskFree   = 128 << 20
	stopDiskFree   = 32 << 20
	defaultReserve = 8 << 20
)

// Fill is how full the store and its file system are.
type Fill struct {
	FileBytes     int64 // the file's size
	UsedBytes     int64 // what the data uses: the file up to its high-water mark less free pages
	MaxBytes      int64 // the size the store may grow to (Options.MaxSize)
	DiskFreeBytes int64 // free space on the file system, the reserve not counted; -1 unknown
	Reserve       bool  // the reserve file is in place
	Level         string
}

// Fill measures the store's fill; it needs no secret.
func (s *Store) Fill() (Fill, error) {
	f := Fill{MaxBytes: s.opts.MaxSize, DiskFreeBytes: -1}
	var free int64
	err := s.viewDB(func(db *bolt.DB, tx *bolt.Tx) error {
		f.UsedBytes = tx.Size()
		st := db.Stats()
		free = int64(st.FreePageN+st.PendingPageN) * int64(db.Info().PageSize)
		return nil
	})
	if err != nil {
		return Fill{}, fmt.Errorf("storage: fill: %w", err)
	}
	f.UsedBytes = max(f.UsedBytes-free, 0)
	if f.FileBytes, err = fileSize(s.path); err != nil {
		return Fill{}, err
	}
	if n, err := s.opts.DiskFree(s.dir()); err == nil {
		f.DiskFreeBytes = n
	}
	_, err = os.Stat(s.reservePath())
	f.Reserve = err == nil
	f.Level = f.level()
	if at := s.refusedAt.Load(); at > 0 {
		// A new operation found no room at this fill: the store stays at stop until the
		// upkeep's pruning and trimming have given back a margin below it.
		if f.UsedBytes+refusedMargin(f.MaxBytes) > at {
			f.Level = LevelStop
		} else {
			s.refusedAt.Store(0)
		}
	}
	return f, nil
}

// refusedMargin is the room a store that refused a write must give back before it takes new
// work again: a sixteenth of its size, so that the next few operations fit.
func refusedMargin(maxBytes int64) int64 { return max(growthCeiling(maxBytes)/16, 16<<10) }

func (f Fill) level() string {
	disk := func(limit int64) bool { return f.DiskFreeBytes >= 0 && f.DiskFreeBytes < limit }
	capacity := growthCeiling(f.MaxBytes)
	switch {
	case f.UsedBytes*100 >= capacity*stopPercent || disk(stopDiskFree):
		return LevelStop
	case f.UsedBytes*100 >= capacity*highPercent || disk(highDiskFree):
		return LevelHigh
	}
	return LevelOK
}

// growthCeiling is the largest file bbolt can grow to under maxSize: it maps the file in sizes
// that double from 32 KiB up to 1 GiB and then grow by whole GiB, and refuses a growth beyond
// maxSize, so a store whose MaxSize is not one of those sizes fills at the one below.
func growthCeiling(maxSize int64) int64 {
	const gib = 1 << 30
	if maxSize >= gib {
		return maxSize / gib * gib
	}
	c := int64(32 << 10)
	for c*2 <= maxSize {
		c *= 2
	}
	return c
}

// viewDB runs fn in a read transaction with the open database.
func (s *Store) viewDB(fn func(db *bolt.DB, tx *bolt.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return ErrClosed
	}
	return s.db.View(func(tx *bolt.Tx) error { return fn(s.db, tx) })
}

func (s *Store) reservePath() string { return s.path + ".reserve" }

// KeepReserve puts the reserve file back when it is missing and the file system has room for it
// and the stop watermark's free space besides; it reports whether the reserve is in place. The
// reserve's bytes are written (not a sparse file), so that they really are taken from the disk.
func (s *Store) KeepReserve() (bool, error) {
	if s.opts.Reserve <= 0 {
		return false, nil
	}
	if fi, err := os.Stat(s.reservePath()); err == nil && fi.Size() == s.opts.Reserve {
		return true, nil
	}
	if free, err := s.opts.DiskFree(s.dir()); err != nil || free < s.opts.Reserve+stopDiskFree {
		return false, err
	}
	if err := writeReserve(s.reservePath(), s.opts.Reserve); err != nil {
		return false, fmt.Errorf("storage: reserve: %w", err)
	}
	return true, nil
}

// writeReserve writes size zero bytes to a temporary file, syncs it and renames it into place.
func writeReserve(path string, size int64) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, fileMode)
	if err != nil {
		return err
	}
	chunk := make([]byte, 1<<20)
	for left := size; left > 0 && err == nil; left -= int64(len(chunk)) {
		_, err = f.Write(chunk[:min(left, int64(len(chunk)))])
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

// releaseReserve gives the reserve's space back to the file system; it reports whether there
// was a reserve to give.
func (s *Store) releaseReserve() bool {
	return os.Remove(s.reservePath()) == nil
}

// diskFull reports whether a write failed for want of space on the file system (or quota).
func diskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// storeFull reports whether a write failed because the store reached its MaxSize.
func storeFull(err error) bool { return errors.Is(err, berrors.ErrMaxSizeReached) }

// IsFull reports whether err is a write refused for want of room: the store at its maximum size
// or the disk full. Nothing of the refused write was kept.
func IsFull(err error) bool { return err != nil && (storeFull(err) || diskFull(err)) }
