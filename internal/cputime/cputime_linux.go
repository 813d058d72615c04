//go:build linux

// Package cputime reads the CPU time this process and the whole machine have used, for load
// tests and benchmarks that report CPU per request beside their latencies.
package cputime

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Self is the CPU time this process has used, user and system.
func Self() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Machine is the CPU time the whole machine has spent busy since it booted (every process:
// PostgreSQL, and whatever else shares the machine), from /proc/stat; false when unreadable.
func Machine() (time.Duration, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line)
	if len(fields) < 5 || fields[0] != "cpu" {
		return 0, false
	}
	var busy int64
	for i, f := range fields[1:] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, false
		}
		// Idle and iowait are the 4th and 5th; guest time is already counted in user time.
		if i == 3 || i == 4 || i >= 8 {
			continue
		}
		busy += n
	}
	// /proc/stat counts in USER_HZ, which is 100 on every Linux architecture Go supports.
	return time.Duration(busy) * 10 * time.Millisecond, true
}
