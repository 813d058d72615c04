package storage

import (
	"path/filepath"
	"testing"
	"time"
)

// The failure count and the lock outlive the process: a kiosk restarted per person must not
// hand every person five fresh tries.
func TestMaintLockSurvivesReopen(t *testing.T) {
	c := newClock()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	s, _, err := Open(path, testSecret(), Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	if n, until, err := s.MaintLock(); err != nil || n != 0 || !until.IsZero() {
		t.Fatalf("fresh store: %d %v %v", n, until, err)
	}
	if err := s.SetMaintLock(3, time.Time{}); err != nil {
		t.Fatal(err)
	}
	until := c.Now().Add(5 * time.Minute)
	if err := s.SetMaintLock(0, until); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2, _ := openAt(t, path, testSecret(), Options{Now: c.Now})
	n, got, err := s2.MaintLock()
	if err != nil || n != 0 || !got.Equal(until) {
		t.Fatalf("after reopen: %d %v %v, want 0 %v", n, got, err, until)
	}
	if err := s2.SetMaintLock(0, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if n, got, _ := s2.MaintLock(); n != 0 || !got.IsZero() {
		t.Fatalf("cleared: %d %v", n, got)
	}
}

// A lock that begins is journalled once, with its end and nothing else; rewriting the same lock
// or counting failures adds nothing; the chain still verifies.
func TestMaintLockIsJournalledOnce(t *testing.T) {
	s, c, _ := newStore(t)
	_, _ = s.VerifyJournal()
	before, _ := s.Journal(0, 0)
	until := c.Now().Add(5 * time.Minute)
	for _, step := range []struct {
		n int
		u time.Time
	}{{1, time.Time{}}, {2, time.Time{}}, {0, until}, {0, until}} {
		if err := s.SetMaintLock(step.n, step.u); err != nil {
			t.Fatal(err)
		}
	}
	after, _ := s.Journal(0, 0)
	if len(after) != len(before)+1 {
		t.Fatalf("journal grew by %d entries, want 1", len(after)-len(before))
	}
	e := after[len(after)-1]
	if e.Event != EventMaintLocked || e.Detail != "until 2026-03-01T09:05:00Z" || e.OpID != "" {
		t.Fatalf("journal entry %+v", e)
	}
	if _, err := s.VerifyJournal(); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMaintLock(-1, time.Time{}); err == nil {
		t.Fatal("a negative count was stored")
	}
}
