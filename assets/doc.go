// Package assets holds the data the system is configured with and ships inside the binary: the
// policy profiles, the violation catalogue and the texts of every reason code in Chinese and
// English. It only embeds files; the model package parses and validates them.
package assets

import (
	"embed"
	"io/fs"
)

//go:embed profiles/*.json catalogue.json texts.json
var files embed.FS

// FS returns the embedded files. An embed.FS cannot be changed, so handing it out is safe.
func FS() fs.FS { return files }
