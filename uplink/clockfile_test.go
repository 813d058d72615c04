package uplink

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A measurement survives into the next process of the same boot, and only there: not after a
// reboot, not after the wall clock was stepped, not after a week.
func TestClockMeasurementIsKeptAcrossProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clock.json")
	wall := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	boot := bootInfo{ID: "boot-1", Uptime: 10 * time.Hour}
	bootFn := func() (bootInfo, error) { return boot, nil }
	local := func() time.Time { return wall }
	const skew = 10 * time.Minute // the kiosk is fast

	first := NewClock(local)
	if ok, err := first.persist(path, bootFn); ok || err != nil {
		t.Fatalf("persist with no file = %v %v", ok, err)
	}
	first.Observe(wall.Add(-skew), wall, wall)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the measurement was not kept: %v", err)
	}

	// The next process, five minutes later on the same boot.
	next := func(dWall, dUp time.Duration, id string) (*Clock, bool) {
		t.Helper()
		w, b := wall.Add(dWall), bootInfo{ID: id, Uptime: boot.Uptime + dUp}
		c := NewClock(func() time.Time { return w })
		ok, err := c.persist(path, func() (bootInfo, error) { return b, nil })
		if err != nil {
			t.Fatal(err)
		}
		return c, ok
	}
	c, ok := next(5*time.Minute, 5*time.Minute, "boot-1")
	if !ok {
		t.Fatal("a measurement of this boot was not restored")
	}
	if got, known := c.Skew(); !known || (got-skew).Abs() > time.Millisecond {
		t.Errorf("restored skew %v (known %v), want %v", got, known, skew)
	}
	if got, want := c.Now(), wall.Add(5*time.Minute-skew); !got.Equal(want) {
		t.Errorf("restored clock reads %v, want %v", got, want)
	}
	for _, tc := range []struct {
		name       string
		dWall, dUp time.Duration
		id         string
	}{
		{"after a reboot", 5 * time.Minute, -9 * time.Hour, "boot-2"},
		{"after the wall clock was stepped an hour", time.Hour + 5*time.Minute, 5 * time.Minute, "boot-1"},
		{"after eight days", 8 * 24 * time.Hour, 8 * 24 * time.Hour, "boot-1"},
	} {
		if c, ok := next(tc.dWall, tc.dUp, tc.id); ok {
			skew, known := c.Skew()
			t.Errorf("%s: restored (skew %v, known %v)", tc.name, skew, known)
		}
	}
	// A confirmation (a heartbeat answer that agrees) an hour or more later writes the kept
	// measurement again, so that the next process finds it fresh.
	before, _ := os.ReadFile(path)
	wall = wall.Add(2 * time.Hour)
	first.Observe(wall.Add(-skew), wall, wall)
	after, _ := os.ReadFile(path)
	if string(before) == string(after) {
		t.Error("a confirmed measurement two hours later was not written again")
	}
}

// FuzzClockFile: whatever the clock file holds (damaged, edited, from another machine), a new
// process either ignores it or restores a measurement of this boot whose skew is what the file
// says; it never fails to start.
func FuzzClockFile(f *testing.F) {
	f.Add([]byte(`{"offset_ns":600000000000,"measured_at":"2026-03-02T08:00:00Z","boot_id":"boot-1","uptime_ns":36000000000000}`))
	f.Add([]byte(`{"offset_ns":-1,"measured_at":"0001-01-01T00:00:00Z"}`))
	f.Add([]byte(`not json`))
	wall := time.Date(2026, 3, 2, 8, 5, 0, 0, time.UTC)
	boot := bootInfo{ID: "boot-1", Uptime: 10*time.Hour + 5*time.Minute}
	f.Fuzz(func(t *testing.T, content []byte) {
		c := NewClock(func() time.Time { return wall })
		c.mu.Lock()
		ok := c.restoreLocked(content, boot)
		c.mu.Unlock()
		skew, known := c.Skew()
		if ok != known {
			t.Fatalf("restored %v but known %v", ok, known)
		}
		if !ok && !c.Now().Equal(wall) {
			t.Fatal("an ignored file changed the clock")
		}
		_ = skew
	})
}
