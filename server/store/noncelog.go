package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// nonceLog holds the embedded store's nonces: a map in memory, which decides (one process owns
// the database, by its flock, so the map is the whole truth), and an append-only log on disk
// that the map is rebuilt from at open. A restart, or the process being killed, therefore
// forgets no nonce, and no replay window opens.
//
// Each nonce is appended with one write(2) before the request is answered: no fsync, and not
// through the database's single writer connection (an operation's transaction may hold that for
// a while). A write that returned is in the operating system's cache and survives the process;
// only a power loss can forget the last nonces, and then the request timestamp check still
// bounds replays, as it does for PostgreSQL's nonces (written without waiting for fsync).
// A SQLite file written at once costs about 100 µs a request on this project's machine (a WAL
// commit: seven page writes for a row and its indexes), against 2 to 4 µs for an append; one
// written behind the requests (every 20 ms) loses the last nonces when the process is killed,
// and a request answered just before can then be replayed (TestReplayAfterKillIsRefused).
//
// The log is a directory of segments, one per ten minutes of expiry time: a nonce goes to the
// segment of its expiry, and a segment whose last expiry has passed is deleted whole, so the log
// never needs compacting. A torn record at a segment's end (the process died inside a write) is
// cut off at open.
type nonceLog struct {
	dir string

	mu       sync.Mutex
	expires  map[string]time.Time
	segments map[int64]*os.File // open segments by bucket, for appending
	calls    int
}

// nonceBucket is the expiry span of one segment.
const nonceBucket = 10 * time.Minute

// Record layout: CRC-32C of the rest (4 bytes), kiosk id length, nonce length (a byte each),
// kiosk id, nonce, expiry in Unix milliseconds (8 bytes), little-endian.
const (
	nonceHeader  = 6
	nonceMaxPart = 255
)

var nonceCRC = crc32.MakeTable(crc32.Castagnoli)

// nonceLogDir names the nonce log of a database file: server.db has server.db-nonces/, beside
// SQLite's own server.db-wal and server.db-shm.
func nonceLogDir(dbPath string) string { return dbPath + "-nonces" }

// openNonceLog loads every segment of dir, creating the directory if needed.
func openNonceLog(dir string) (*nonceLog, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nonceLogError(dir, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nonceLogError(dir, err)
	}
	n := &nonceLog{dir: dir, expires: map[string]time.Time{}, segments: map[int64]*os.File{}}
	for _, e := range entries {
		if _, ok := segmentBucket(e.Name()); !ok || !e.Type().IsRegular() {
			continue
		}
		if err := n.load(filepath.Join(dir, e.Name())); err != nil {
			return nil, nonceLogError(dir, err)
		}
	}
	return n, nil
}

// nonceLogError says what the directory is, so that an operator who finds it damaged knows that
// it may be deleted (with the server stopped): it holds nothing but recent request nonces.
func nonceLogError(dir string, err error) error {
	return fmt.Errorf("store: nonce log %s (it holds only recent request nonces; with the server stopped it may be deleted): %w",
		dir, err)
}

func segmentName(bucket int64) string { return "expires-" + strconv.FormatInt(bucket, 10) + ".log" }

func segmentBucket(name string) (int64, bool) {
	s, ok := strings.CutPrefix(name, "expires-")
	if !ok {
		return 0, false
	}
	s, ok = strings.CutSuffix(s, ".log")
	if !ok {
		return 0, false
	}
	b, err := strconv.ParseInt(s, 10, 64)
	return b, err == nil
}

func bucketOf(t time.Time) int64 {
	return millis(t) / nonceBucket.Milliseconds()
}

// load reads one segment into the map and cuts off a torn or damaged tail, so that the records
// appended after it can be read at the next open.
func (n *nonceLog) load(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	good := 0
	for good < len(b) {
		key, until, size, ok := decodeNonce(b[good:])
		if !ok {
			break
		}
		if prev, seen := n.expires[key]; !seen || until.After(prev) {
			n.expires[key] = until
		}
		good += size
	}
	if good < len(b) {
		return os.Truncate(path, int64(good))
	}
	return nil
}

func encodeNonce(kioskID, nonce string, until time.Time) []byte {
	b := make([]byte, nonceHeader, nonceHeader+len(kioskID)+len(nonce)+8)
	b[4], b[5] = byte(len(kioskID)), byte(len(nonce))
	b = append(b, kioskID...)
	b = append(b, nonce...)
	b = binary.LittleEndian.AppendUint64(b, uint64(millis(until)))
	binary.LittleEndian.PutUint32(b, crc32.Checksum(b[4:], nonceCRC))
	return b
}

// decodeNonce reads the record at the start of b; ok is false for a short or damaged one.
func decodeNonce(b []byte) (key string, until time.Time, size int, ok bool) {
	if len(b) < nonceHeader {
		return "", time.Time{}, 0, false
	}
	k, nn := int(b[4]), int(b[5])
	size = nonceHeader + k + nn + 8
	if len(b) < size || binary.LittleEndian.Uint32(b) != crc32.Checksum(b[4:size], nonceCRC) {
		return "", time.Time{}, 0, false
	}
	kiosk, nonce := string(b[nonceHeader:nonceHeader+k]), string(b[nonceHeader+k:nonceHeader+k+nn])
	return nonceKey(kiosk, nonce), fromMillis(int64(binary.LittleEndian.Uint64(b[size-8:]))), size, true
}

func nonceKey(kioskID, nonce string) string { return kioskID + "\x00" + nonce }

// remember claims a nonce. The map decides under the lock, so exactly one caller sees a nonce
// fresh; the record is written before the lock is released, so that pruning never closes a
// segment under a writer.
func (n *nonceLog) remember(kioskID, nonce string, now, until time.Time) (bool, error) {
	if len(kioskID) > nonceMaxPart || len(nonce) > nonceMaxPart {
		return false, errors.New("kiosk id or nonce longer than 255 bytes")
	}
	key := nonceKey(kioskID, nonce)
	n.mu.Lock()
	defer n.mu.Unlock()
	n.calls++
	if n.calls%noncePruneEvery == 0 {
		n.prune(now)
	}
	if exp, seen := n.expires[key]; seen && !exp.Before(now) {
		return false, nil
	}
	n.expires[key] = until
	f, err := n.segment(bucketOf(until))
	if err == nil {
		_, err = f.Write(encodeNonce(kioskID, nonce, until))
	}
	if err != nil {
		// The nonce stays claimed in memory: refusing its request is the safe side.
		return false, err
	}
	return true, nil
}

func (n *nonceLog) segment(bucket int64) (*os.File, error) {
	if f, ok := n.segments[bucket]; ok {
		return f, nil
	}
	f, err := os.OpenFile(filepath.Join(n.dir, segmentName(bucket)), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	n.segments[bucket] = f
	return f, nil
}

// prune forgets the nonces that expired before now, and deletes the segments that hold nothing
// else. Failures are left for the next prune: an expired record is harmless.
func (n *nonceLog) prune(now time.Time) {
	for k, exp := range n.expires {
		if exp.Before(now) {
			delete(n.expires, k)
		}
	}
	entries, err := os.ReadDir(n.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		b, ok := segmentBucket(e.Name())
		// Bucket b holds expiries before the start of bucket b+1.
		if !ok || !fromMillis((b+1)*nonceBucket.Milliseconds()).Before(now) {
			continue
		}
		if f, open := n.segments[b]; open {
			_ = f.Close()
			delete(n.segments, b)
		}
		_ = os.Remove(filepath.Join(n.dir, e.Name()))
	}
}

func (n *nonceLog) close() error {
	if n == nil {
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	var errs []error
	for b, f := range n.segments {
		errs = append(errs, f.Close())
		delete(n.segments, b)
	}
	return errors.Join(errs...)
}
