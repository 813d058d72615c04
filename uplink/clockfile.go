package uplink

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The kiosk runs a fresh process for every person (see docs/DEPLOY.md), so a clock measured in
// one process must survive into the next, or a kiosk that lost its server would never know its
// clock again and could take no money offline. The measurement is kept in a small file beside
// the store: the offset, the local time it was taken at, and the machine's boot id and time
// since boot at that moment. A later process believes it only if the machine has not rebooted
// (same boot id: the real-time clock may have been reset) and the wall clock has not been
// stepped since (the wall time and the time since boot have moved alike), and only for
// keptFor: a quartz clock drifts by a second or two a day.

// keptFor is how long a kept measurement is believed; resaveEvery is how often a confirmed
// measurement is written again, so that a restart finds a fresh one.
const (
	keptFor      = 7 * 24 * time.Hour
	resaveEvery  = time.Hour
	stepTolerate = 2 * time.Second
)

// bootInfo identifies the running boot of the machine and how long ago it began.
type bootInfo struct {
	ID     string
	Uptime time.Duration
}

// clockRecord is the file's content.
type clockRecord struct {
	OffsetNS   int64     `json:"offset_ns"` // the server's clock minus the local one
	MeasuredAt time.Time `json:"measured_at"`
	BootID     string    `json:"boot_id"`
	UptimeNS   int64     `json:"uptime_ns"`
}

// Persist keeps the clock's measurements in path and restores one kept there by an earlier
// process of this boot. It reports whether a measurement was restored; a missing, unreadable or
// no longer believable file is not an error (the clock is then unmeasured until the server
// answers).
func (c *Clock) Persist(path string) (bool, error) {
	return c.persist(path, readBoot)
}

func (c *Clock) persist(path string, boot func() (bootInfo, error)) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.saveTo, c.boot = path, boot
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("clock file: %w", err)
	}
	bi, err := boot()
	if err != nil {
		return false, nil
	}
	return c.restoreLocked(b, bi), nil
}

// restoreLocked takes the measurement kept in b when it is believable on this boot; the caller
// holds mu.
func (c *Clock) restoreLocked(b []byte, bi bootInfo) bool {
	var rec clockRecord
	if json.Unmarshal(b, &rec) != nil || rec.MeasuredAt.IsZero() || bi.ID != rec.BootID {
		return false
	}
	now := c.local()
	sinceBoot := bi.Uptime - time.Duration(rec.UptimeNS)
	sinceWall := now.Sub(rec.MeasuredAt)
	if sinceBoot < 0 || sinceBoot > keptFor || (sinceWall-sinceBoot).Abs() > stepTolerate {
		return false
	}
	// Anchored on the wall clock (no monotonic reading survives a process): checked above not
	// to have been stepped.
	c.measured = true
	c.localAt = rec.MeasuredAt
	c.serverAt = rec.MeasuredAt.Add(time.Duration(rec.OffsetNS))
	c.saved = now
	return true
}

// saveLocked writes the current measurement, taken at the local time at; the caller holds mu.
// A failure is not fatal: the clock works, it is only not remembered.
func (c *Clock) saveLocked(at time.Time) {
	if c.saveTo == "" || c.boot == nil {
		return
	}
	bi, err := c.boot()
	if err != nil {
		return
	}
	offset := c.serverAt.Sub(c.localAt)
	rec := clockRecord{OffsetNS: int64(offset), MeasuredAt: at.Round(0), BootID: bi.ID, UptimeNS: int64(bi.Uptime)}
	b, err := json.Marshal(rec)
	if err != nil {
		return
	}
	tmp := c.saveTo + ".tmp"
	if os.WriteFile(tmp, b, 0o600) == nil && os.Rename(tmp, c.saveTo) == nil {
		c.saved = at
	}
}

// readBoot reads Linux's boot id and time since boot; elsewhere it fails and nothing is kept.
func readBoot() (bootInfo, error) {
	id, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return bootInfo{}, err
	}
	up, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return bootInfo{}, err
	}
	f := strings.Fields(string(up))
	if len(f) == 0 {
		return bootInfo{}, errors.New("/proc/uptime is empty")
	}
	secs, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return bootInfo{}, fmt.Errorf("/proc/uptime: %w", err)
	}
	return bootInfo{ID: strings.TrimSpace(string(id)), Uptime: time.Duration(secs * float64(time.Second))}, nil
}

// ClockFile is the clock file's name in a kiosk's data directory.
func ClockFile(dir string) string { return filepath.Join(dir, "clock.json") }
