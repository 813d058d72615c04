package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The embedded store's writes do not copy the WAL into the database themselves: the
// checkpointer does, in the background, and the WAL then starts again from its beginning instead
// of growing to the writer's fallback size. Two equal bursts of writes with a checkpoint between
// them leave a WAL the size of one burst.
func TestCheckpointerKeepsTheWALFromGrowing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.db")
	s := openT(t, path)
	d := s.(*db)
	burst := func(from int) int64 {
		t.Helper()
		for i := from; i < from+300; i++ {
			err := s.Tx(context.Background(), func(tx Tx) error {
				return tx.InsertKiosk(kiosk(fmt.Sprintf("K-%05d", i)))
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	first := burst(0)
	// At least one whole run after the burst (the period is a second).
	runs := d.checkpoints.runs.Load()
	for deadline := time.Now().Add(10 * time.Second); d.checkpoints.runs.Load() < runs+2; {
		if time.Now().After(deadline) {
			t.Fatal("the checkpointer did not run within 10 seconds")
		}
		time.Sleep(50 * time.Millisecond)
	}
	second := burst(300)
	if second > first*3/2 {
		t.Errorf("the WAL grew from %d to %d bytes over two bursts with checkpoints between them: it never started again", first, second)
	}
	if frames := first / 4096; frames >= sqliteFallbackCheckpoint/2 {
		t.Fatalf("a burst writes %d pages, near the writer's own checkpoint at %d: the test cannot tell them apart", frames, sqliteFallbackCheckpoint)
	}
	t.Logf("WAL after the first burst %d bytes, after the second %d", first, second)
}
