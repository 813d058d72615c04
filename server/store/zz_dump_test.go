package store

import (
	"os"
	"strings"
	"testing"
)

func TestZZDump(t *testing.T) {
	var b strings.Builder
	for _, p := range newLimitProcs().all() {
		b.WriteString(p.pgDefinition(p.pgName()) + ";\n")
		b.WriteString("-- " + p.pgName() + "\n")
	}
	os.WriteFile("/tmp/procs.sql", []byte(b.String()), 0o644)
}
