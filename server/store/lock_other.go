//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package store

import (
	"errors"
	"os"
)

// lockFile refuses: without flock the store cannot keep a second server process off the file,
// and two writers would break the guarantees the server relies on. Use PostgreSQL here.
func lockFile(string) (*os.File, error) {
	return nil, errors.New("store: the embedded database needs flock, which this system lacks; use PostgreSQL")
}
