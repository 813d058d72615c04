package storage

import (
	"fmt"
	"sync"
	"testing"
)

func refList(t *testing.T, s *Store) (string, string) {
	t.Helper()
	cursor, docs, err := s.Reference()
	if err != nil {
		t.Fatal(err)
	}
	out := ""
	for _, d := range docs {
		out += fmt.Sprintf("%s/%s=%s;", d.Kind, d.Key, d.Body)
	}
	return cursor, out
}

func TestReferenceFullAndIncremental(t *testing.T) {
	s, _, _ := newStore(t)
	err := s.PutReference("c1", true, []RefDoc{
		{Kind: "texts", Key: "zh", Body: []byte("1")},
		{Kind: "profile", Key: "beijing", Body: []byte("2")},
		{Kind: "profile", Key: "", Body: []byte("3")},
		{Kind: "catalogue", Key: "10390", Body: []byte("4")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if c, got := refList(t, s); c != "c1" || got != "catalogue/10390=4;profile/=3;profile/beijing=2;texts/zh=1;" {
		t.Fatalf("after full: %q %s", c, got)
	}
	if err := s.PutReference("c2", false, []RefDoc{{Kind: "texts", Key: "zh", Body: []byte("5")}}); err != nil {
		t.Fatal(err)
	}
	if c, got := refList(t, s); c != "c2" || got != "catalogue/10390=4;profile/=3;profile/beijing=2;texts/zh=5;" {
		t.Fatalf("after incremental: %q %s", c, got)
	}
	if err := s.PutReference("c3", true, []RefDoc{{Kind: "texts", Key: "en", Body: []byte("6")}}); err != nil {
		t.Fatal(err)
	}
	if c, got := refList(t, s); c != "c3" || got != "texts/en=6;" {
		t.Fatalf("after second full: %q %s", c, got)
	}
	// A bad document fails the whole call: neither documents nor cursor move.
	if err := s.PutReference("c4", false, []RefDoc{{Kind: "texts", Key: "x", Body: []byte("7")}, {Kind: ""}}); err == nil {
		t.Fatal("document without a kind accepted")
	}
	if c, got := refList(t, s); c != "c3" || got != "texts/en=6;" {
		t.Fatalf("after failed put: %q %s", c, got)
	}
}

func TestConcurrentUseWithCompact(t *testing.T) {
	s, _, _ := newStore(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 30 {
				if _, err := s.Enqueue(payOp(fmt.Sprintf("w%d-%d", w, i)), []byte("r")); err != nil {
					errs <- err
					return
				}
				if _, err := s.Stats(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for range 3 {
		if _, _, err := s.Compact(); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	entries, err := s.Entries()
	if err != nil || len(entries) != 90 || entries[89].Seq != 90 {
		t.Fatalf("entries = %d, %v", len(entries), err)
	}
	if _, err := s.VerifyJournal(); err != nil {
		t.Fatal(err)
	}
}
