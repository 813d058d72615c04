package storage

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/internal/tinydisk"
)

// A real full disk: on a small tmpfs, the store with its reserve, and the rest of the disk
// filled by another file. Recording the server's answers (a drain) still works, because the
// reserve is given up; the reserve comes back only when there is room for it.
func TestDrainOnAFullDisk(t *testing.T) {
	dir := tinydisk.Mount(t, 24<<20)
	path := filepath.Join(dir, "kiosk.db")
	s, _ := openAt(t, path, testSecret(), Options{Reserve: 2 << 20})
	// The disk watermarks assume a real kiosk's disk; on 24 MiB only the reserve is tested.
	if ok, err := s.KeepReserve(); ok || err != nil {
		t.Fatalf("KeepReserve on a 24 MiB disk = %v %v, want no reserve (below the stop watermark)", ok, err)
	}
	if err := writeReserve(s.reservePath(), 2<<20); err != nil {
		t.Fatal(err)
	}
	var results []api.OpResult
	for i := range 40 {
		op := mustEnqueue(t, s, payOp(fmt.Sprintf("op-%02d", i)), bytes.Repeat([]byte("r"), 2000))
		results = append(results, api.OpResult{OpID: op.ID, Seq: op.Seq, Outcome: api.OutcomeRejected,
			Reasons: []api.Reason{{Code: "op.time_too_old"}}})
	}
	tinydisk.Fill(t, dir)
	// A new operation does not reach the reserve: it is refused, and the reserve stays.
	if _, err := s.Enqueue(payOp("one-more"), bytes.Repeat([]byte("r"), 1<<20)); !diskFull(err) {
		t.Fatalf("enqueue of 1 MiB on the full disk: %v, want no space left", err)
	}
	if _, err := os.Stat(s.reservePath()); err != nil {
		t.Fatalf("a refused enqueue took the reserve: %v", err)
	}
	if err := s.Complete(results); err != nil {
		t.Fatalf("recording answers on a full disk: %v", err)
	}
	if _, err := os.Stat(s.reservePath()); err == nil {
		t.Fatal("the answers were recorded but the reserve is still there: the disk was not full")
	}
	rejected, err := s.Entries(StateRejected)
	if err != nil || len(rejected) != 40 {
		t.Fatalf("after the drain: %d rejected entries, %v", len(rejected), err)
	}
	if _, err := s.VerifyJournal(); err != nil {
		t.Fatal(err)
	}
}
