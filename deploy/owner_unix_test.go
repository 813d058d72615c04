//go:build unix

package deploy

import (
	"os"
	"syscall"
)

// ownerUID is the uid owning a file.
func ownerUID(fi os.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}
