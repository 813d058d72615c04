//go:build !linux

package loadtest

// settleDisks does nothing on this system.
func settleDisks() {}
