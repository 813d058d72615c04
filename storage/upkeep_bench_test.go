package storage

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
)

// BenchmarkUpkeep times the sync engine's upkeep calls on a store in the steady state of a busy
// hall (docs/RELIABILITY.md: a week of answered payments, 840 with 1,200-byte receipts, and a
// month of journal, 8,000 entries): what the engine's goroutine spends each hour, and how long
// compaction holds the store. Run:
//
//	go test ./storage -run '^$' -bench Upkeep -benchtime 20x
func BenchmarkUpkeep(b *testing.B) {
	c := newClock()
	s, _ := openAt(b, filepath.Join(b.TempDir(), "kiosk.db"), testSecret(), Options{Now: c.Now, Reserve: -1})
	receipt := make([]byte, 1200)
	var results []api.OpResult
	for i := range 840 {
		op := mustEnqueue(b, s, payOp(fmt.Sprintf("op-%04d", i)), receipt)
		results = append(results, api.OpResult{OpID: op.ID, Seq: op.Seq, Outcome: api.OutcomeApplied})
		if len(results) == 50 {
			if err := s.Complete(results); err != nil {
				b.Fatal(err)
			}
			results = results[:0]
		}
	}
	if err := s.Complete(results); err != nil {
		b.Fatal(err)
	}
	for i := s.journalHeadSeq(b); i < 8000; i++ {
		if err := s.AppendJournal(JournalEntry{Event: "test", Detail: "steady state"}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("Fill", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Fill(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("PruneNothingDue", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Prune(7 * 24 * time.Hour); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("TrimJournalNothingDue", func(b *testing.B) {
		cutoff := c.Now().Add(-30 * 24 * time.Hour)
		for b.Loop() {
			if _, err := s.TrimJournalOlder(cutoff, 20000); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Compact", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := s.Compact(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func (s *Store) journalHeadSeq(b *testing.B) int {
	cp, err := s.Checkpoint()
	if err != nil {
		b.Fatal(err)
	}
	return int(cp.HeadSeq)
}
