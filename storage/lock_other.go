//go:build !unix

package storage

import (
	"os"
	"time"
)

// lockFile does nothing where flock is missing: there bbolt's own lock in Open, which runs
// before any quarantine decision, is the only guard.
func lockFile(*os.File, time.Duration) error { return nil }

// unlockFile does nothing where lockFile does nothing.
func unlockFile(*os.File) error { return nil }
