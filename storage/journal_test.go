package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hallkiosk/kiosk/api"
)

// journalOf10 makes a store whose journal has 10 entries (created + 9 queued, written by
// JournalQueued) and closes it.
func journalOf10(t *testing.T) string {
	t.Helper()
	s, _, path := newStore(t)
	for i := 1; i <= 9; i++ {
		mustEnqueue(t, s, payOp(fmt.Sprintf("op-%d", i)), nil)
	}
	if err := s.JournalQueued(); err != nil {
		t.Fatal(err)
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

// TestQueuedIsJournaledWithFirstOutcome: Enqueue writes no journal event; Complete writes an
// op's queued event (at its QueuedAt) right before the first outcome at or after it,
// JournalQueued writes those of ops still waiting, and every op ends up with exactly one queued
// event, in seq order, before its outcome. Deferrals write nothing.
func TestQueuedIsJournaledWithFirstOutcome(t *testing.T) {
	s, c, path := newStore(t)
	queuedAt := map[int64]time.Time{}
	enqueue := func(n int) {
		t.Helper()
		for range n {
			c.Advance(time.Minute)
			op := mustEnqueue(t, s, payOp(fmt.Sprintf("op-%d", len(queuedAt)+1)), nil)
			queuedAt[op.Seq] = c.Now()
		}
	}
	complete := func(outcome string, seqs ...int64) {
		t.Helper()
		var rs []api.OpResult
		for _, seq := range seqs {
			rs = append(rs, api.OpResult{OpID: fmt.Sprintf("op-%d", seq), Seq: seq, Outcome: outcome})
		}
		if err := s.Complete(rs); err != nil {
			t.Fatal(err)
		}
	}
	enqueue(5)
	wantNewEvents(t, s, 1) // created only
	c.Advance(time.Hour)

	complete(api.OutcomeDeferred, 1, 2)
	wantNewEvents(t, s, 1) // deferrals: nothing
	complete(api.OutcomeApplied, 1)
	wantNewEvents(t, s, 2, "queued 1", "acked 1")
	complete(api.OutcomeApplied, 1) // a retry's stored answer: nothing new
	wantNewEvents(t, s, 2, "queued 1", "acked 1")
	complete(api.OutcomeRejected, 3) // op-2 had no outcome yet: its queued event comes first
	wantNewEvents(t, s, 4, "queued 2", "queued 3", "rejected 3")

	head := journalHead(t, s)
	if err := s.JournalQueued(); err != nil { // op-4 and op-5 wait
		t.Fatal(err)
	}
	wantNewEvents(t, s, head+1, "queued 4", "queued 5")
	head = journalHead(t, s)
	if err := s.JournalQueued(); err != nil { // nothing waits unrecorded
		t.Fatal(err)
	}
	if journalHead(t, s) != head {
		t.Fatal("a second JournalQueued added events")
	}
	complete(api.OutcomeApplied, 2, 4, 5) // recorded already: outcomes only
	wantNewEvents(t, s, head+1, "acked 2", "acked 4", "acked 5")

	// The mark survives reopening; new ops are recorded after it.
	_ = s.Close()
	s, _ = openAt(t, path, testSecret(), Options{Now: c.Now})
	enqueue(2)
	head = journalHead(t, s)
	complete(api.OutcomeApplied, 6, 7)
	wantNewEvents(t, s, head+1, "queued 6", "queued 7", "acked 6", "acked 7")

	// Exactly one queued event per op, in seq order, each at its QueuedAt, before its outcome.
	entries, err := s.Journal(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var order []int64
	queuedSeq := map[string]int64{}
	for _, e := range entries {
		switch e.Event {
		case EventQueued:
			var seq int64
			fmt.Sscanf(e.Detail, "seq %d", &seq)
			if _, dup := queuedSeq[e.OpID]; dup || e.OpID != fmt.Sprintf("op-%d", seq) {
				t.Fatalf("queued event %+v: duplicate or wrong op", e)
			}
			if !e.At.Equal(queuedAt[seq]) || e.OpType != api.OpPay {
				t.Errorf("queued event %+v, want at %v", e, queuedAt[seq])
			}
			queuedSeq[e.OpID] = seq
			order = append(order, seq)
		case EventAcked, EventRejected:
			if _, ok := queuedSeq[e.OpID]; !ok {
				t.Fatalf("%s answered before its queued event", e.OpID)
			}
		}
	}
	if !slices.Equal(order, []int64{1, 2, 3, 4, 5, 6, 7}) {
		t.Fatalf("queued events for seqs %v, want 1 to 7 in order", order)
	}
	if _, err := s.VerifyJournal(); err != nil {
		t.Fatal(err)
	}
}

func journalHead(t *testing.T, s *Store) int64 {
	t.Helper()
	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	return st.JournalHead
}

// wantNewEvents compares the journal from entry from on with short descriptions: "queued N",
// "acked N", "rejected N" (N the outbox seq, read from the event's detail).
func wantNewEvents(t *testing.T, s *Store, from int64, want ...string) {
	t.Helper()
	entries, err := s.Journal(from, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		if e.Event == EventCreated {
			continue
		}
		got = append(got, e.Event+" "+strings.TrimPrefix(e.Detail, "seq "))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("journal from %d = %q\nwant %q", from, got, want)
	}
}

// Trimming by age keeps a checkpoint: the last trimmed entry's hash, seq and the trim's time,
// which survives reopening; the kept entries verify from it; a cap on the number kept trims
// more of the oldest.
func TestTrimJournalOlderKeepsACheckpoint(t *testing.T) {
	s, c, path := newStore(t)
	for i := range 30 {
		c.Advance(time.Hour)
		if err := s.AppendJournal(JournalEntry{Event: "test", Detail: fmt.Sprintf("entry %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	cp, err := s.Checkpoint()
	if err != nil || cp.Seq != 0 || cp.Hash != "" || cp.HeadSeq != 31 || len(cp.HeadHash) != 64 {
		t.Fatalf("checkpoint before any trim = %+v %v", cp, err)
	}
	// Entry 1 is "created" at the start, entries 2..31 an hour apart: those written more than
	// ten hours before now are entries 1 to 21.
	c.Advance(time.Minute)
	cutoff := c.Now().Add(-10 * time.Hour)
	n, err := s.TrimJournalOlder(cutoff, 0)
	if err != nil || n != 21 {
		t.Fatalf("TrimJournalOlder = %d %v, want 21", n, err)
	}
	want, _ := s.Journal(0, 0)
	_ = s.Close()
	s, _ = openAt(t, path, testSecret(), Options{Now: c.Now})
	cp, err = s.Checkpoint()
	if err != nil || cp.Seq != 21 || len(cp.Hash) != 64 || !cp.At.Equal(c.Now()) || cp.HeadSeq != 32 {
		t.Fatalf("checkpoint after the trim = %+v %v", cp, err)
	}
	if got, _ := s.Journal(0, 0); len(got) != len(want) || got[0].Seq != 22 || got[0].Prev != cp.Hash {
		t.Fatalf("kept entries start at %d with prev %s, checkpoint %s", got[0].Seq, got[0].Prev, cp.Hash)
	}
	if n, err := s.VerifyJournal(); err != nil || n != 11 {
		t.Fatalf("VerifyJournal after the trim = %d %v, want 11", n, err)
	}
	// Nothing more is old enough; the cap of 5 trims the oldest of the rest.
	if n, err := s.TrimJournalOlder(cutoff, 0); err != nil || n != 0 {
		t.Fatalf("second TrimJournalOlder = %d %v", n, err)
	}
	if n, err := s.TrimJournalOlder(cutoff, 5); err != nil || n != 6 {
		t.Fatalf("TrimJournalOlder with a cap of 5 = %d %v, want 6 (11 entries, 5 kept)", n, err)
	}
	// The 5 kept and the trim's own event.
	if n, err := s.VerifyJournal(); err != nil || n != 6 {
		t.Fatalf("VerifyJournal after the capped trim = %d %v", n, err)
	}
}
