package storage

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
)

// The store's own watermarks: as operations (with receipts) fill a small store, its level goes
// ok, high, stop, at the stated fractions of MaxSize of the space its data uses; pruning and
// compacting bring it back.
func TestFillLevelsFollowTheData(t *testing.T) {
	c := newClock()
	const maxSize = 4 << 20
	s, _ := openAt(t, filepath.Join(t.TempDir(), "kiosk.db"), testSecret(),
		Options{Now: c.Now, MaxSize: maxSize, DiskFree: func(string) (int64, error) { return 1 << 40, nil }})
	receipt := bytes.Repeat([]byte("r"), 8<<10)
	seen := map[string]int{}
	var results []api.OpResult
	for i := 0; ; i++ {
		f, err := s.Fill()
		if err != nil {
			t.Fatal(err)
		}
		if f.MaxBytes != maxSize || f.UsedBytes <= 0 || f.UsedBytes > f.FileBytes {
			t.Fatalf("fill = %+v", f)
		}
		if _, ok := seen[f.Level]; !ok {
			seen[f.Level] = i
			pct := f.UsedBytes * 100 / maxSize
			switch f.Level {
			case LevelHigh:
				if pct < highPercent || pct > highPercent+5 {
					t.Errorf("high at %d%% used", pct)
				}
			case LevelStop:
				if pct < stopPercent || pct > stopPercent+5 {
					t.Errorf("stop at %d%% used", pct)
				}
			}
		}
		if f.Level == LevelStop {
			break
		}
		op := mustEnqueue(t, s, payOp(fmt.Sprintf("op-%04d", i)), receipt)
		results = append(results, api.OpResult{OpID: op.ID, Seq: op.Seq, Outcome: api.OutcomeApplied})
	}
	if seen[LevelOK] != 0 || seen[LevelHigh] == 0 || seen[LevelStop] <= seen[LevelHigh] {
		t.Fatalf("levels first seen after %v operations", seen)
	}
	// At the stop level a drain still has room: every answer is recorded, in the engine's
	// batches of 50 and all at once (which Complete splits when it does not fit).
	for i := 0; i < len(results)/2; i += 50 {
		if err := s.Complete(results[i:min(i+50, len(results)/2)]); err != nil {
			t.Fatalf("recording a batch of answers at the stop level: %v", err)
		}
	}
	if err := s.Complete(results[len(results)/2:]); err != nil {
		t.Fatalf("recording the answers at the stop level: %v", err)
	}
	c.Advance(time.Hour)
	if _, err := s.Prune(time.Minute); err != nil {
		t.Fatal(err)
	}
	if f, _ := s.Fill(); f.Level != LevelOK {
		t.Fatalf("after pruning every answered entry the level is %s (%+v)", f.Level, f)
	}
}

// The file system's watermarks, with its free space faked.
func TestFillLevelsFollowTheDisk(t *testing.T) {
	var free int64 = 1 << 30
	s, _ := openAt(t, filepath.Join(t.TempDir(), "kiosk.db"), testSecret(),
		Options{DiskFree: func(string) (int64, error) { return free, nil }})
	for _, c := range []struct {
		free int64
		want string
	}{{1 << 30, LevelOK}, {highDiskFree - 1, LevelHigh}, {stopDiskFree - 1, LevelStop}, {highDiskFree, LevelOK}} {
		free = c.free
		if f, err := s.Fill(); err != nil || f.Level != c.want || f.DiskFreeBytes != c.free {
			t.Errorf("with %d bytes free: %+v %v, want level %s", c.free, f, err, c.want)
		}
	}
}

// A real full disk: on a small tmpfs, the store with its reserve, and the rest of the disk
// filled by another file. Recording the server's answers (a drain) still works, because the
// reserve is given up; the reserve comes back only when there is room for it.
func TestDrainOnAFullDisk(t *testing.T) {
	dir := mountTmpfs(t, 24<<20)
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
	fillDisk(t, dir)
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

// mountTmpfs mounts a tmpfs of size bytes for the test, or skips when this process may not
// mount (not root): the reserve logic is then covered only by TestFillLevels*.
func mountTmpfs(t *testing.T, size int64) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", dir).CombinedOutput()
	if err != nil {
		if os.Getenv("CI") == "true" && os.Geteuid() == 0 {
			t.Fatalf("mount tmpfs as root on CI: %v: %s", err, out)
		}
		t.Skipf("cannot mount a tmpfs here: %v: %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fillDisk writes a file until the file system refuses more.
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
			if !diskFull(err) {
				t.Fatalf("filling the disk: %v", err)
			}
			return
		}
	}
}
