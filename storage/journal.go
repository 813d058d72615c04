package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Journal events written by the store itself.
const (
	EventCreated     = "created"
	EventQuarantined = "quarantined"
	EventQueued      = "queued"
	EventAcked       = "acked"
	EventRejected    = "rejected"
	EventDismissed   = "dismissed"
	EventPruned      = "pruned"
	EventCompacted   = "compacted"
	EventTrimmed     = "journal_trimmed"
	// EventOutageBegan and EventOutageEnded bound an outage: the sync engine writes one when
	// the server has been out of reach for a while and one when it answers again (with the
	// number of failed attempts), and nothing per attempt in between.
	EventOutageBegan = "outage_began"
	EventOutageEnded = "outage_ended"
	// EventStoreLevel records the store's fill crossing a watermark (see Fill).
	EventStoreLevel = "store_level"
)

// JournalEntry is one link of the hash chain. It is stored as plain JSON, so it must hold no
// personal data: op ids, types, outcomes and reason codes only.
type JournalEntry struct {
	Seq     int64     `json:"seq"`
	At      time.Time `json:"at"`
	Event   string    `json:"event"`
	OpID    string    `json:"op_id,omitempty"`
	OpType  string    `json:"op_type,omitempty"`
	Outcome string    `json:"outcome,omitempty"`
	Reasons []string  `json:"reasons,omitempty"`
	Detail  string    `json:"detail,omitempty"`
	Prev    string    `json:"prev"` // hex SHA-256 of the entry before; zeros for the first
	Hash    string    `json:"hash"` // hex SHA-256(Prev || canonical encoding of the rest)
}

// ChainError names the first broken link VerifyJournal found.
type ChainError struct {
	Seq     int64
	Problem string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("storage: journal broken at entry %d: %s", e.Seq, e.Problem)
}

// chainPoint is a sequence number with the hash of its entry: the head (last entry) and the
// base (last trimmed entry) are kept in meta, so that removing entries at either end shows.
// The base also keeps when it was trimmed (at; zero for the head, and for a base written by an
// earlier version of the store).
type chainPoint struct {
	seq  int64
	hash [sha256.Size]byte
	at   time.Time
}

func readPoint(meta *bolt.Bucket, key string) chainPoint {
	v := meta.Get([]byte(key))
	if len(v) != 8+sha256.Size && len(v) != 8+sha256.Size+8 {
		return chainPoint{}
	}
	var p chainPoint
	p.seq = btoi(v[:8])
	copy(p.hash[:], v[8:8+sha256.Size])
	if len(v) > 8+sha256.Size {
		p.at = time.Unix(0, btoi(v[8+sha256.Size:])).UTC()
	}
	return p
}

func (p chainPoint) encode() []byte {
	b := append(itob(p.seq), p.hash[:]...)
	if !p.at.IsZero() {
		b = append(b, itob(p.at.UnixNano())...)
	}
	return b
}

// entryHash computes SHA-256(prev || canonical encoding): fixed-order, length-prefixed fields,
// so that no two different entries encode alike and JSON formatting does not matter.
func entryHash(prev [sha256.Size]byte, e JournalEntry) [sha256.Size]byte {
	b := make([]byte, 0, 256)
	b = append(b, prev[:]...)
	b = append(b, "hallkiosk journal v1\x00"...)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Seq))
	b = binary.BigEndian.AppendUint64(b, uint64(e.At.UnixNano()))
	for _, s := range []string{e.Event, e.OpID, e.OpType, e.Outcome} {
		b = appendString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(e.Reasons)))
	for _, r := range e.Reasons {
		b = appendString(b, r)
	}
	b = appendString(b, e.Detail)
	return sha256.Sum256(b)
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// appendJournal links e after the head inside tx; At must be set by the caller.
func appendJournal(tx *bolt.Tx, e JournalEntry) error {
	meta, err := bucket(tx, bucketMeta)
	if err != nil {
		return err
	}
	jb, err := bucket(tx, bucketJournal)
	if err != nil {
		return err
	}
	jb.FillPercent = appendFill
	head := readPoint(meta, metaJournalHead)
	e.Seq = head.seq + 1
	e.At = e.At.UTC()
	e.Prev = hex.EncodeToString(head.hash[:])
	sum := entryHash(head.hash, e)
	e.Hash = hex.EncodeToString(sum[:])
	v, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode journal entry: %w", err)
	}
	if err := jb.Put(itob(e.Seq), v); err != nil {
		return fmt.Errorf("write journal entry %d: %w", e.Seq, err)
	}
	return meta.Put([]byte(metaJournalHead), chainPoint{seq: e.Seq, hash: sum}.encode())
}

// AppendJournal records an event of another part of the kiosk; Seq, Prev and Hash are filled
// in, At defaults to now. Fields that look like personal data are refused (see guardPlain;
// the op id is held to the alphabet Enqueue allows, since UUIDs have long digit runs).
func (s *Store) AppendJournal(e JournalEntry) error {
	if e.Event == "" {
		return errors.New("storage: journal entry needs an event")
	}
	if err := checkOpID(e.OpID); e.OpID != "" && err != nil {
		return fmt.Errorf("storage: journal field op_id: %w: %w", ErrPersonalData, err)
	}
	fields := [][2]string{{"event", e.Event}, {"op_type", e.OpType}, {"outcome", e.Outcome},
		{"detail", e.Detail}}
	for i, r := range e.Reasons {
		fields = append(fields, [2]string{fmt.Sprintf("reasons[%d]", i), r})
	}
	for _, f := range fields {
		if err := guardPlain(f[1]); err != nil {
			return fmt.Errorf("storage: journal field %s: %w", f[0], err)
		}
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	if err := s.update(func(tx *bolt.Tx) error { return appendJournal(tx, e) }); err != nil {
		return fmt.Errorf("storage: append journal: %w", err)
	}
	return nil
}

// guardPlain catches the usual shapes of personal data before they reach a plain byte of the
// file: any non-ASCII text (Chinese names, plates with their province character) and runs of 11
// or more digits (phone numbers, ID numbers). It cannot catch an ASCII name; callers still must
// not pass one.
func guardPlain(v string) error {
	run := 0
	for _, r := range v {
		if r < 0x20 || r > 0x7e {
			return fmt.Errorf("%w: only printable ASCII is allowed", ErrPersonalData)
		}
		if r >= '0' && r <= '9' {
			run++
			if run >= 11 {
				return fmt.Errorf("%w: a run of %d or more digits", ErrPersonalData, run)
			}
			continue
		}
		run = 0
	}
	return nil
}

// Journal returns up to limit entries from sequence number from on (limit <= 0: all).
func (s *Store) Journal(from int64, limit int) ([]JournalEntry, error) {
	raw, err := s.journalRaw(from, limit)
	if err != nil {
		return nil, fmt.Errorf("storage: read journal: %w", err)
	}
	out := make([]JournalEntry, 0, len(raw))
	for _, kv := range raw {
		var e JournalEntry
		if err := json.Unmarshal(kv.v, &e); err != nil {
			return nil, fmt.Errorf("storage: journal entry %d: %w", btoi(kv.k), err)
		}
		out = append(out, e)
	}
	return out, nil
}

type rawKV struct{ k, v []byte }

// journalRaw copies raw entries out of one short read transaction.
func (s *Store) journalRaw(from int64, limit int) ([]rawKV, error) {
	var out []rawKV
	err := s.view(func(tx *bolt.Tx) error {
		jb, err := bucket(tx, bucketJournal)
		if err != nil {
			return err
		}
		c := jb.Cursor()
		for k, v := c.Seek(itob(max(from, 0))); k != nil; k, v = c.Next() {
			if limit > 0 && len(out) >= limit {
				break
			}
			out = append(out, rawKV{k: clone(k), v: clone(v)})
		}
		return nil
	})
	return out, err
}

// journalEnds reads the base and head of the chain.
func (s *Store) journalEnds() (base, head chainPoint, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		meta, err := bucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		base, head = readPoint(meta, metaJournalBase), readPoint(meta, metaJournalHead)
		return nil
	})
	return base, head, err
}

// verifyChunk is how many entries VerifyJournal reads per read transaction.
const verifyChunk = 512

// VerifyJournal walks the chain from its base to its head and returns how many entries it
// checked, or a *ChainError for the first broken link: a missing entry, an entry whose prev
// is not the hash before it, or whose hash does not match its contents.
func (s *Store) VerifyJournal() (int, error) {
	s.journalMu.Lock()
	defer s.journalMu.Unlock()
	return s.verifyJournal()
}

// verifyJournal is VerifyJournal for a caller holding journalMu.
func (s *Store) verifyJournal() (int, error) {
	base, head, err := s.journalEnds()
	if err != nil {
		return 0, fmt.Errorf("storage: verify journal: %w", err)
	}
	want, prev, n := base.seq+1, base.hash, 0
	for want <= head.seq {
		raw, err := s.journalRaw(want, verifyChunk)
		if err != nil {
			return n, fmt.Errorf("storage: verify journal: %w", err)
		}
		if len(raw) == 0 {
			break
		}
		for _, kv := range raw {
			if want > head.seq {
				break // appended after verification began
			}
			if err := verifyLink(kv, want, &prev); err != nil {
				return n, err
			}
			want++
			n++
		}
	}
	if want <= head.seq {
		return n, &ChainError{Seq: want, Problem: fmt.Sprintf("missing: the recorded head is entry %d", head.seq)}
	}
	if prev != head.hash {
		return n, &ChainError{Seq: head.seq, Problem: "last entry does not match the recorded head"}
	}
	return n, nil
}

// verifyLink checks one stored entry against the sequence number and prev hash it must have.
func verifyLink(kv rawKV, want int64, prev *[sha256.Size]byte) error {
	if seq := btoi(kv.k); seq != want {
		return &ChainError{Seq: want, Problem: fmt.Sprintf("missing: the next stored entry is %d", seq)}
	}
	var e JournalEntry
	if err := json.Unmarshal(kv.v, &e); err != nil {
		return &ChainError{Seq: want, Problem: "not valid JSON"}
	}
	if e.Seq != want {
		return &ChainError{Seq: want, Problem: fmt.Sprintf("stored under %d but says %d", want, e.Seq)}
	}
	if e.Prev != hex.EncodeToString(prev[:]) {
		return &ChainError{Seq: want, Problem: "prev is not the hash of the entry before"}
	}
	sum := entryHash(*prev, e)
	got, err := hex.DecodeString(e.Hash)
	if err != nil || !bytes.Equal(got, sum[:]) {
		return &ChainError{Seq: want, Problem: "hash does not match the entry's contents"}
	}
	*prev = sum
	return nil
}
