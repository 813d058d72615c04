package store

import (
	"strings"
	"testing"
)

var _ Tx = (*conn)(nil)

func TestPostgresDSNErrorHidesDSN(t *testing.T) {
	_, err := Open(t.Context(), "postgres://user:s3cret@host:notaport/db")
	if err == nil {
		t.Fatal("a malformed DSN was accepted")
	}
	if got := err.Error(); strings.Contains(got, "s3cret") {
		t.Errorf("error repeats the DSN: %s", got)
	}
}
