//go:build !linux

package loadtest

import "time"

// selfCPU is not measured on this system.
func selfCPU() time.Duration { return 0 }

// machineCPU is not measured on this system.
func machineCPU() (time.Duration, bool) { return 0, false }

// settleDisks does nothing on this system.
func settleDisks() {}
