package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// bbolt's on-disk meta page (format version 2), read here before bbolt maps the file: bbolt
// trusts the meta page's high-water mark and would fault on pages past the end of a truncated
// file (SIGBUS kills the process; no recover), so a truncated file must be caught first.
const (
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	pageHeaderSize = 16 // id u64, flags u16, count u16, overflow u32
	metaSize       = 64 // magic, version, pageSize, flags u32; root, sequence, freelist, pgid, txid, checksum u64
	noFreelist     = ^uint64(0)
)

type bboltMeta struct {
	pageSize             uint32
	root, freelist, pgid uint64
	txid                 uint64
	valid                bool
}

// parseMeta reads the meta page at the start of page; bbolt writes it in native byte order.
func parseMeta(page []byte) bboltMeta {
	if len(page) < pageHeaderSize+metaSize {
		return bboltMeta{}
	}
	m := page[pageHeaderSize : pageHeaderSize+metaSize]
	ne := binary.NativeEndian
	h := fnv.New64a()
	h.Write(m[:56])
	valid := ne.Uint32(m[0:]) == boltMagic && ne.Uint32(m[4:]) == boltVersion &&
		h.Sum64() == ne.Uint64(m[56:])
	return bboltMeta{pageSize: ne.Uint32(m[8:]), root: ne.Uint64(m[16:]), freelist: ne.Uint64(m[32:]),
		pgid: ne.Uint64(m[40:]), txid: ne.Uint64(m[48:]), valid: valid}
}

// precheck returns a problem when an existing file cannot be a sound bbolt file: no valid meta
// page, or a meta page that points past the end of the file. A missing or empty file is fine
// (bbolt initializes it).
func precheck(path string) (string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("storage: open %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("storage: stat %s: %w", path, err)
	}
	size := fi.Size()
	if size == 0 {
		return "", nil
	}
	best, ok := newestMeta(f, size)
	if !ok {
		return fmt.Sprintf("not a bbolt file: no valid meta page in %d bytes", size), nil
	}
	ps := uint64(best.pageSize)
	switch {
	case ps < 512 || ps&(ps-1) != 0:
		return fmt.Sprintf("meta page has an invalid page size %d", ps), nil
	case best.pgid*ps > uint64(size):
		return fmt.Sprintf("truncated: meta page needs %d bytes, file has %d", best.pgid*ps, size), nil
	case best.root >= best.pgid || (best.freelist >= best.pgid && best.freelist != noFreelist):
		return "meta page points past its own high-water mark", nil
	}
	return "", nil
}

// newestMeta finds the valid meta page with the highest transaction id, the one bbolt would
// use. Meta 1 sits one page after meta 0; when meta 0 is bad its page size is unknown, so the
// candidate offsets bbolt itself tries are probed.
func newestMeta(f io.ReaderAt, size int64) (bboltMeta, bool) {
	buf := make([]byte, pageHeaderSize+metaSize)
	read := func(off int64) bboltMeta {
		if n, err := f.ReadAt(buf, off); n < len(buf) && err != nil {
			return bboltMeta{}
		}
		return parseMeta(buf)
	}
	var found []bboltMeta
	m0 := read(0)
	if m0.valid {
		found = append(found, m0)
		if m1 := read(int64(m0.pageSize)); m1.valid {
			found = append(found, m1)
		}
	} else {
		for i := range 15 {
			if m1 := read(int64(1024) << i); m1.valid {
				found = append(found, m1)
				break
			}
		}
	}
	var best bboltMeta
	for _, m := range found {
		if !best.valid || m.txid > best.txid {
			best = m
		}
	}
	return best, best.valid
}

// quarantined says where a damaged file went and why, for the new store's journal.
type quarantined struct {
	movedTo  string
	problem  string
	minEpoch int64 // the new epoch must be at least this
}

// quarantine moves a damaged file to "<path>.damaged-<UTC timestamp>". It holds the file's lock
// while renaming, so that a file another kiosk process is using is never pulled from under it.
func quarantine(path, problem string, opts Options) (quarantined, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return quarantined{}, fmt.Errorf("storage: open damaged %s: %w", path, err)
	}
	defer f.Close()
	if err := lockFile(f, opts.Timeout); err != nil {
		return quarantined{}, fmt.Errorf("storage: quarantine %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		return quarantined{}, fmt.Errorf("storage: stat damaged %s: %w", path, err)
	}
	dst, err := freeName(fmt.Sprintf("%s.damaged-%s", path, opts.Now().UTC().Format("20060102T150405.000Z")))
	if err != nil {
		return quarantined{}, err
	}
	if err := os.Rename(path, dst); err != nil {
		return quarantined{}, fmt.Errorf("storage: move damaged %s aside: %w", path, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return quarantined{}, err
	}
	return quarantined{movedTo: dst, problem: problem, minEpoch: fi.ModTime().UnixMilli() + 1}, nil
}

// freeName returns name, or name with a counter when a file of that name exists already.
func freeName(name string) (string, error) {
	for i := 0; i < 1000; i++ {
		candidate := name
		if i > 0 {
			candidate = fmt.Sprintf("%s-%d", name, i)
		}
		if _, err := os.Lstat(candidate); errors.Is(err, fs.ErrNotExist) {
			return candidate, nil
		}
	}
	return "", fmt.Errorf("storage: no free name for %s", name)
}

// syncDir makes a rename in dir durable: the rename lives in the directory, not the file.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("storage: open directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("storage: sync directory %s: %w", dir, err)
	}
	return nil
}
