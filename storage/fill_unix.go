//go:build unix

package storage

import "syscall"

// statfsFree is the default Options.DiskFree: the space an unprivileged process may still use.
func statfsFree(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}
