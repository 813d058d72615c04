package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// journalOf10 makes a store whose journal has 10 entries (created + 9 queued) and closes it.
func journalOf10(t *testing.T) string {
	t.Helper()
	s, _, path := newStore(t)
	for i := 1; i <= 9; i++ {
		mustEnqueue(t, s, payOp(fmt.Sprintf("op-%d", i)), nil)
	}
	if n, err := s.VerifyJournal(); err != nil || n != 10 {
		t.Fatalf("VerifyJournal = %d %v, want 10", n, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func wantChainError(t *testing.T, s *Store, seq int64, problem string) {
	t.Helper()
	_, err := s.VerifyJournal()
	var ce *ChainError
	if !errors.As(err, &ce) {
		t.Fatalf("VerifyJournal = %v, want a *ChainError", err)
	}
	if ce.Seq != seq || !strings.Contains(ce.Problem, problem) {
		t.Fatalf("broken link = %d %q, want %d %q", ce.Seq, ce.Problem, seq, problem)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("entry %d", seq)) {
		t.Errorf("message %q does not name entry %d", err, seq)
	}
}

func TestJournalChainLinks(t *testing.T) {
	path := journalOf10(t)
	s, _ := openAt(t, path, testSecret(), Options{})
	entries, err := s.Journal(0, 0)
	if err != nil || len(entries) != 10 {
		t.Fatalf("Journal = %d entries, %v", len(entries), err)
	}
	if entries[0].Prev != strings.Repeat("0", 64) {
		t.Errorf("first prev = %s, want zeros", entries[0].Prev)
	}
	for i := 1; i < len(entries); i++ {
		if entries[i].Seq != int64(i+1) || entries[i].Prev != entries[i-1].Hash {
			t.Fatalf("entry %d: seq %d prev %s, want prev %s", i, entries[i].Seq, entries[i].Prev, entries[i-1].Hash)
		}
	}
	page, _ := s.Journal(4, 3)
	if len(page) != 3 || page[0].Seq != 4 || page[2].Seq != 6 {
		t.Errorf("Journal(4, 3) = %+v", page)
	}
	if st, _ := s.Stats(); st.JournalLength != 10 || st.JournalHead != 10 {
		t.Errorf("stats = %+v", st)
	}
}

func TestJournalEditIsDetected(t *testing.T) {
	path := journalOf10(t)
	editRaw(t, path, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketJournal))
		v := clone(b.Get(itob(3)))
		// One byte of the op id: still valid JSON, still a plausible id.
		i := bytes.Index(v, []byte(`"op_id":"op-2"`))
		if i < 0 {
			return fmt.Errorf("entry 3 is not the one for op-2: %s", v)
		}
		v[i+len(`"op_id":"op-`)] = '7'
		return b.Put(itob(3), v)
	})
	s, rep := openAt(t, path, testSecret(), Options{})
	if rep.Quarantined != "" {
		t.Fatal("a journal edit is not file damage")
	}
	wantChainError(t, s, 3, "hash does not match")
}

func TestJournalRehashedEditIsDetected(t *testing.T) {
	// An editor who also recomputes the entry's hash breaks the next entry's prev instead.
	path := journalOf10(t)
	editRaw(t, path, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketJournal))
		prev, _ := pointOf(b, 4)
		e, err := decodeJournalEntry(b.Get(itob(5)))
		if err != nil {
			return err
		}
		e.Detail = "seq 99"
		sum := entryHash(prev.hash, e)
		e.Hash = fmt.Sprintf("%x", sum)
		return b.Put(itob(5), encodeJournalEntry(t, e))
	})
	s, _ := openAt(t, path, testSecret(), Options{})
	wantChainError(t, s, 6, "prev is not the hash")
}

func TestJournalDeletionIsAGap(t *testing.T) {
	path := journalOf10(t)
	editRaw(t, path, func(tx *bolt.Tx) error { return tx.Bucket([]byte(bucketJournal)).Delete(itob(4)) })
	s, _ := openAt(t, path, testSecret(), Options{})
	wantChainError(t, s, 4, "missing")
}

func TestJournalTailDeletionIsDetected(t *testing.T) {
	path := journalOf10(t)
	editRaw(t, path, func(tx *bolt.Tx) error { return tx.Bucket([]byte(bucketJournal)).Delete(itob(10)) })
	s, _ := openAt(t, path, testSecret(), Options{})
	wantChainError(t, s, 10, "missing")
}

func TestTrimJournal(t *testing.T) {
	path := journalOf10(t)
	s, _ := openAt(t, path, testSecret(), Options{})
	n, err := s.TrimJournal(6)
	if err != nil || n != 5 {
		t.Fatalf("TrimJournal(6) = %d %v, want 5", n, err)
	}
	if checked, err := s.VerifyJournal(); err != nil || checked != 6 {
		t.Fatalf("after trim: VerifyJournal = %d %v, want 6 (5 kept + the trim event)", checked, err)
	}
	first, _ := s.Journal(0, 1)
	if first[0].Seq != 6 {
		t.Errorf("first kept entry = %d, want 6", first[0].Seq)
	}
	if n, _ := s.TrimJournal(3); n != 0 {
		t.Errorf("trimming below the base deleted %d", n)
	}
	_ = s.Close()

	editRaw(t, path, func(tx *bolt.Tx) error { return tx.Bucket([]byte(bucketJournal)).Delete(itob(6)) })
	s2, _ := openAt(t, path, testSecret(), Options{})
	wantChainError(t, s2, 6, "missing")
	if _, err := s2.TrimJournal(9); err == nil {
		t.Fatal("TrimJournal trimmed a broken chain")
	}
}

func decodeJournalEntry(v []byte) (JournalEntry, error) {
	var e JournalEntry
	err := json.Unmarshal(v, &e)
	return e, err
}

func encodeJournalEntry(t *testing.T, e JournalEntry) []byte {
	t.Helper()
	v, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
