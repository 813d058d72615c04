package storage

import (
	"bytes"
	"fmt"
	"path/filepath"
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

// A store can refuse a new operation below the stop watermark (a large receipt needs pages the
// fragmented file does not have in a row): from then on Fill reports the stop level, so that the
// kiosk refuses new work with the store-full reason instead of failing at the write, until
// pruning gives back room.
func TestFillStopsAfterARefusedWrite(t *testing.T) {
	c := newClock()
	const maxSize = 1 << 20
	s, _ := openAt(t, filepath.Join(t.TempDir(), "kiosk.db"), testSecret(),
		Options{Now: c.Now, MaxSize: maxSize, DiskFree: func(string) (int64, error) { return 1 << 40, nil }})
	var results []api.OpResult
	for i := 0; i < 20; i++ {
		op := mustEnqueue(t, s, payOp(fmt.Sprintf("op-%04d", i)), bytes.Repeat([]byte("r"), 8<<10))
		results = append(results, api.OpResult{OpID: op.ID, Seq: op.Seq, Outcome: api.OutcomeApplied})
	}
	if f, _ := s.Fill(); f.Level != LevelOK {
		t.Fatalf("before the refused write: %+v", f)
	}
	// A receipt larger than the room left: refused for want of room, nothing kept.
	_, err := s.Enqueue(payOp("too-big"), bytes.Repeat([]byte("x"), 2<<20))
	if !IsFull(err) {
		t.Fatalf("a receipt larger than the store: %v, want a full store", err)
	}
	if f, _ := s.Fill(); f.Level != LevelStop {
		t.Fatalf("after a refused write the level is %s, want stop (%+v)", f.Level, f)
	}
	if err := s.Complete(results); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Hour)
	if _, err := s.Prune(time.Minute); err != nil {
		t.Fatal(err)
	}
	if f, _ := s.Fill(); f.Level != LevelOK {
		t.Fatalf("after pruning the level is %s, want ok (%+v)", f.Level, f)
	}
}
