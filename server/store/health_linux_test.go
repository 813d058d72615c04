package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tinyDisk mounts a tmpfs of the given size for the test, or skips the test where mounting is
// not permitted (not root, or a container without the capability).
func tinyDisk(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v): the page-limit variant covers a full store", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount: %v", err)
		}
	})
	return dir
}

// fillDisk writes a file that takes all the room left on dir's file system.
func fillDisk(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return
			}
			t.Fatal(err)
		}
	}
}

// A real full disk: a SQLite store on a small tmpfs, the rest of it taken by a file. Writes fail
// with SQLITE_FULL, which IsFull recognises, and CheckWritable says full; with room again, both
// work.
func TestFullDiskSQLite(t *testing.T) {
	dir := tinyDisk(t, 16<<20)
	s := openT(t, filepath.Join(dir, "kiosk.db"))
	ctx := context.Background()
	if err := s.CheckWritable(ctx, time.Now()); err != nil {
		t.Fatalf("with room: %v", err)
	}
	fillDisk(t, dir)
	if err := s.CheckWritable(ctx, time.Now()); !IsFull(err) {
		t.Errorf("on a full disk, CheckWritable: %v", err)
	}
	var err error
	for i := 0; err == nil && i < 1000; i++ {
		err = s.Tx(ctx, func(tx Tx) error {
			return tx.PutMeta(fmt.Sprintf("filler-%d", i), strings.Repeat("x", 8000))
		})
	}
	if !IsFull(err) || errors.Is(err, ErrFull) {
		t.Fatalf("writing on a full disk: %v, want SQLITE_FULL", err)
	}
	if err := os.Remove(filepath.Join(dir, "filler")); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckWritable(ctx, time.Now()); err != nil {
		t.Errorf("with room again: %v", err)
	}
	mustTx(t, s, func(tx Tx) error { return tx.PutMeta("after", "ok") })
}
