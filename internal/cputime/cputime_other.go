//go:build !linux

package cputime

import "time"

// Self is not measured on this system.
func Self() time.Duration { return 0 }

// Machine is not measured on this system.
func Machine() (time.Duration, bool) { return 0, false }
