//go:build !unix

package deploy

import "os"

// ownerUID: file owners are a Unix matter; the deployment is for Debian.
func ownerUID(os.FileInfo) int { return -1 }
