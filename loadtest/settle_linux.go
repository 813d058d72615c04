//go:build linux

package loadtest

import "syscall"

// settleDisks waits until the kernel has written every file's changes to disk.
func settleDisks() { syscall.Sync() }
