package storage

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestOpenTwiceIsInUseQuickly(t *testing.T) {
	_, _, path := newStore(t)
	start := time.Now()
	s2, _, err := Open(path, testSecret(), Options{})
	if s2 != nil {
		_ = s2.Close()
	}
	elapsed := time.Since(start)
	wantErr(t, err, ErrInUse)
	if elapsed > 2*time.Second {
		t.Errorf("second Open took %v, want under 2 s", elapsed)
	}
	if msg := err.Error(); !strings.Contains(msg, "another kiosk process") || !strings.Contains(msg, "stop") {
		t.Errorf("message %q does not say another process holds the file and what to do", msg)
	}
}

func TestOpenCreatesThenReopenKeepsDataAndEpoch(t *testing.T) {
	c := newClock()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	s, rep, err := Open(path, testSecret(), Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Created || rep.Quarantined != "" || rep.WrongSecret {
		t.Fatalf("first open report = %+v", rep)
	}
	if rep.Epoch != c.Now().UnixMilli() || s.Epoch() != rep.Epoch {
		t.Fatalf("epoch = %d (store %d), want clock %d", rep.Epoch, s.Epoch(), c.Now().UnixMilli())
	}
	mustEnqueue(t, s, payOp("op-1"), []byte("receipt"))
	if err := s.PutCache("k", []byte("v"), 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.PutReference("c1", true, []RefDoc{{Kind: "texts", Key: "zh", Body: []byte(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Depth(); err == nil {
		t.Fatal("Depth after Close succeeded")
	}

	c.Advance(time.Hour)
	s2, rep2 := openAt(t, path, testSecret(), Options{Now: c.Now})
	if rep2.Created || rep2.Quarantined != "" || rep2.Epoch != rep.Epoch {
		t.Fatalf("reopen report = %+v, want not created, epoch %d", rep2, rep.Epoch)
	}
	if got, ok, err := s2.Receipt("op-1"); err != nil || !ok || string(got) != "receipt" {
		t.Fatalf("Receipt after reopen = %q %v %v", got, ok, err)
	}
	if got, ok, err := s2.GetCache("k"); err != nil || !ok || string(got) != "v" {
		t.Fatalf("GetCache after reopen = %q %v %v", got, ok, err)
	}
	cursor, docs, err := s2.Reference()
	if err != nil || cursor != "c1" || len(docs) != 1 {
		t.Fatalf("Reference after reopen = %q %v %v", cursor, docs, err)
	}
	if got := journalEvents(t, s2); !slices.Equal(got, []string{EventCreated}) {
		t.Fatalf("journal = %v (Enqueue journals nothing)", got)
	}
	if err := s2.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestGarbageFileIsQuarantined(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.db")
	garbage := make([]byte, 64<<10)
	_, _ = rand.Read(garbage)
	if err := os.WriteFile(path, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	s, rep := openAt(t, path, testSecret(), Options{})
	assertQuarantined(t, s, rep, path, garbage)
}

func TestTruncatedFileIsQuarantined(t *testing.T) {
	c := newClock()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	s, rep := openAt(t, path, testSecret(), Options{Now: c.Now})
	big := bytes.Repeat([]byte("r"), 8<<10)
	for i := range 40 {
		mustEnqueue(t, s, payOp(fmt.Sprintf("op-%03d", i)), big)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	half := whole[:len(whole)/2]
	if err := os.WriteFile(path, half, 0o600); err != nil {
		t.Fatal(err)
	}
	// The same frozen clock: the new epoch must still be larger than the old one.
	s2, rep2 := openAt(t, path, testSecret(), Options{Now: c.Now})
	assertQuarantined(t, s2, rep2, path, half)
	if rep2.Epoch <= rep.Epoch {
		t.Errorf("epoch after quarantine = %d, want > %d", rep2.Epoch, rep.Epoch)
	}
}

// assertQuarantined checks that the damaged bytes were kept aside and a working store replaced them.
func assertQuarantined(t *testing.T, s *Store, rep OpenReport, path string, damaged []byte) {
	t.Helper()
	if !rep.Created || rep.Quarantined == "" {
		t.Fatalf("report = %+v, want created and quarantined", rep)
	}
	if !strings.HasPrefix(rep.Quarantined, path+".damaged-") {
		t.Errorf("quarantined to %s, want %s.damaged-<timestamp>", rep.Quarantined, path)
	}
	kept, err := os.ReadFile(rep.Quarantined)
	if err != nil || !bytes.Equal(kept, damaged) {
		t.Fatalf("damaged file not kept intact (err %v, %d bytes)", err, len(kept))
	}
	if got := journalEvents(t, s); !slices.Equal(got, []string{EventQuarantined, EventCreated}) {
		t.Fatalf("journal = %v, want quarantined, created", got)
	}
	entries, _ := s.Journal(1, 1)
	if !strings.Contains(entries[0].Detail, filepath.Base(rep.Quarantined)) {
		t.Errorf("quarantine event detail %q does not name the kept file", entries[0].Detail)
	}
	op := mustEnqueue(t, s, payOp("after-quarantine"), nil)
	if op.Seq != 1 || op.Epoch != rep.Epoch {
		t.Errorf("first op after quarantine: seq %d epoch %d, want 1 and %d", op.Seq, op.Epoch, rep.Epoch)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestEpochGrowsAcrossQuarantineWithFrozenClock(t *testing.T) {
	// A clock stuck in the past (a kiosk whose RTC reset) must not reuse an epoch.
	past := func() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }
	path := filepath.Join(t.TempDir(), "kiosk.db")
	s, rep := openAt(t, path, testSecret(), Options{Now: past})
	_ = s.Close()
	if err := os.WriteFile(path, []byte("not a database at all, but long enough to be read as one"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, rep2 := openAt(t, path, testSecret(), Options{Now: past})
	if rep2.Quarantined == "" || rep2.Epoch <= rep.Epoch {
		t.Fatalf("after quarantine: %+v, want quarantined with epoch > %d", rep2, rep.Epoch)
	}
}

func TestOpenRefusesShortSecret(t *testing.T) {
	_, _, err := Open(filepath.Join(t.TempDir(), "kiosk.db"), []byte("short"), Options{})
	if err == nil || !strings.Contains(err.Error(), "secret") {
		t.Fatalf("Open with a 5-byte secret: %v, want a secret error", err)
	}
}

func TestCopiedValueFailsAuthentication(t *testing.T) {
	s, _, path := newStore(t)
	mustEnqueue(t, s, payOp("op-a"), []byte("receipt A"))
	mustEnqueue(t, s, payOp("op-b"), []byte("receipt B"))
	_ = s.Close()
	// op-a's entry, with its receipt, copied over op-b's.
	editRaw(t, path, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketOutbox))
		return b.Put(itob(2), clone(b.Get(itob(1))))
	})
	s2, _ := openAt(t, path, testSecret(), Options{})
	_, _, err := s2.Receipt("op-b")
	wantErr(t, err, ErrDecrypt)
	_, err = s2.Entries()
	wantErr(t, err, ErrDecrypt)
	if got, ok, err := s2.Receipt("op-a"); err != nil || !ok || string(got) != "receipt A" {
		t.Fatalf("untouched receipt = %q %v %v", got, ok, err)
	}
}

func TestZeroedFreelistPageIsQuarantined(t *testing.T) {
	// The meta pages stay valid, so only bbolt itself meets the damage, and it panics: Open
	// must turn that into a quarantine, not a crash at every start.
	s, _, path := newStore(t)
	for i := range 20 {
		mustEnqueue(t, s, payOp(fmt.Sprintf("op-%03d", i)), bytes.Repeat([]byte("r"), 4<<10))
	}
	_ = s.Close()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	m, ok := newestMeta(f, fi.Size())
	if !ok || m.freelist == noFreelist {
		t.Fatalf("no usable meta page: %+v", m)
	}
	_, err = f.WriteAt(make([]byte, m.pageSize), int64(m.freelist)*int64(m.pageSize))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if problem, err := precheck(path); problem != "" || err != nil {
		t.Fatalf("precheck = %q %v; the damage must be past the meta pages for this test", problem, err)
	}
	s2, rep := openAt(t, path, testSecret(), Options{})
	if rep.Quarantined == "" || !rep.Created {
		t.Fatalf("report = %+v, want quarantined", rep)
	}
	mustEnqueue(t, s2, payOp("fresh"), nil)
}
