//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// diskRoom checks that the file system holding dir has writeHeadroom bytes free for this
// process (the blocks reserved for root excluded, as a non-root server sees them).
func diskRoom(dir string) error {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return fmt.Errorf("file system of the database: %w", err)
	}
	if free := uint64(st.Bavail) * uint64(st.Bsize); free < writeHeadroom {
		return fmt.Errorf("%d bytes free on the database's file system: %w", free, ErrFull)
	}
	return nil
}
