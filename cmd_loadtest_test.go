package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// The replicas run needs a database several processes can share, and says so.
func TestLoadtestReplicasNeedsPostgreSQL(t *testing.T) {
	code, _, errOut := runCLI("loadtest", "--replicas", "3")
	if code != 1 || !strings.Contains(errOut, "--store postgres://") {
		t.Errorf("no store: %d %q", code, errOut)
	}
	code, _, errOut = runCLI("loadtest", "--replicas", "3", "--store", filepath.Join(t.TempDir(), "server.db"))
	if code != 1 || !strings.Contains(errOut, "only on PostgreSQL") {
		t.Errorf("embedded store: %d %q", code, errOut)
	}
	code, _, errOut = runCLI("loadtest", "--replicas", "3", "--store", "postgres://nobody@127.0.0.1:1/none",
		"--duration", "10s", "--kill-at", "8s")
	if code != 1 || !strings.Contains(errOut, "must end inside the 10s of load") {
		t.Errorf("kill after the load: %d %q", code, errOut)
	}
	if code, _, errOut := runCLI("loadtest", "--replicas", "1"); code != 2 || !strings.Contains(errOut, "Usage:") {
		t.Errorf("one replica: %d %q", code, errOut)
	}
}
