//go:build !unix

package storage

import "errors"

// statfsFree does not know the free space where there is no statfs: the disk watermarks then
// never trigger, and the store's own watermarks still do.
func statfsFree(string) (int64, error) { return 0, errors.New("free space unknown on this system") }
