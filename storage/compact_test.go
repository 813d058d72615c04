package storage

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
)

const compactTotal, compactKept = 300, 5

// fillThenPrune enqueues compactTotal ops with 4 KiB receipts, acks and prunes all but the last
// compactKept, and adds a cache entry and a reference document. It returns the receipt.
func fillThenPrune(t *testing.T, s *Store, c *clock) []byte {
	t.Helper()
	big := bytes.Repeat([]byte("receipt "), 512)
	var results []api.OpResult
	var seqs []int64
	for i := 1; i <= compactTotal; i++ {
		op := mustEnqueue(t, s, payOp(fmt.Sprintf("op-%03d", i)), big)
		if i <= compactTotal-compactKept {
			seqs = append(seqs, op.Seq)
			results = append(results, api.OpResult{OpID: op.ID, Seq: op.Seq, Outcome: api.OutcomeApplied})
		}
	}
	if err := s.Complete(results); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCache(idNumber, []byte(nameZH), 72*time.Hour); err != nil {
		t.Fatal(err)
	}
	doc := RefDoc{Kind: "profile", Key: "beijing", Body: []byte(`{"a":1}`)}
	if err := s.PutReference("cur-7", true, []RefDoc{doc}); err != nil {
		t.Fatal(err)
	}
	c.Advance(48 * time.Hour)
	if n, err := s.Prune(24 * time.Hour); err != nil || n != compactTotal-compactKept {
		t.Fatalf("Prune = %d %v", n, err)
	}
	return big
}

func TestCompactShrinksAndKeepsEverythingElse(t *testing.T) {
	s, c, path := newStore(t)
	receipt := fillThenPrune(t, s, c)
	journalBefore, _ := s.VerifyJournal()
	// Left by a compaction that died with its process.
	if err := os.WriteFile(path+".compact-1234", []byte("stale"), 0o600); err != nil {
		t.Fatal(err)
	}

	before, after, err := s.Compact()
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Stats(); before <= 0 || after >= before/4 || st.FileSize < after {
		t.Fatalf("Compact: %d → %d bytes (file now %d), want under a quarter", before, after, st.FileSize)
	}
	t.Logf("compact: %d → %d bytes", before, after)
	assertKeptThroughCompact(t, s, receipt)
	if n, err := s.VerifyJournal(); err != nil || n != journalBefore+1 {
		t.Fatalf("VerifyJournal after compact = %d %v, want %d", n, err, journalBefore+1)
	}
	if events := journalEvents(t, s); events[len(events)-1] != EventCompacted {
		t.Errorf("last event = %s, want %s", events[len(events)-1], EventCompacted)
	}
	// The outbox sequence survives the copy: numbering continues, no reuse.
	if op := mustEnqueue(t, s, payOp("after"), nil); op.Seq != compactTotal+1 || op.Epoch != s.Epoch() {
		t.Errorf("after compact: seq %d epoch %d, want %d", op.Seq, op.Epoch, compactTotal+1)
	}
	if left, _ := filepath.Glob(path + ".compact-*"); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	_ = s.Close()
	s2, rep := openAt(t, path, testSecret(), Options{Now: c.Now})
	if rep.Created || rep.Epoch != s.Epoch() {
		t.Fatalf("reopen after compact: %+v", rep)
	}
	if d, _ := s2.Depth(); d != compactKept+1 {
		t.Errorf("depth after reopen = %d, want %d", d, compactKept+1)
	}
}

func assertKeptThroughCompact(t *testing.T, s *Store, receipt []byte) {
	t.Helper()
	pending, err := s.Pending(0)
	if err != nil || len(pending) != compactKept || pending[0].Seq != compactTotal-compactKept+1 {
		t.Fatalf("pending after compact = %d entries from %v, %v", len(pending), pending, err)
	}
	if got, ok, err := s.Receipt(pending[0].Op.ID); err != nil || !ok || !bytes.Equal(got, receipt) {
		t.Fatalf("receipt after compact: %v %v", ok, err)
	}
	if got, ok, err := s.GetCache(idNumber); err != nil || !ok || string(got) != nameZH {
		t.Fatalf("cache after compact: %q %v %v", got, ok, err)
	}
	if cur, docs, err := s.Reference(); err != nil || cur != "cur-7" || len(docs) != 1 {
		t.Fatalf("reference after compact: %q %v %v", cur, docs, err)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}
