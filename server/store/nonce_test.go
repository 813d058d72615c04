package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/internal/pgtest"
)

// A nonce seen before a restart is still seen after it, on both stores; one whose expiry has
// passed is free again.
func TestNoncesSurviveReopen(t *testing.T) {
	dsns := map[string]string{"sqlite": filepath.Join(t.TempDir(), "server.db"), "postgres": ""}
	for kind, dsn := range dsns {
		t.Run(kind, func(t *testing.T) {
			if dsn == "" {
				dsn = pgtest.New(t)
			}
			now := time.Date(2026, time.November, 21, 2, 0, 0, 0, time.UTC)
			s, err := Open(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range []string{"kept", "short"} {
				until := now.Add(6 * time.Minute)
				if n == "short" {
					until = now.Add(time.Second)
				}
				if fresh, err := s.RememberNonce(t.Context(), "K-001", n, now, until); !fresh || err != nil {
					t.Fatalf("first use of %s: %v %v", n, fresh, err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = openT(t, dsn)
			later := now.Add(time.Minute)
			for n, want := range map[string]bool{"kept": false, "short": true, "new": true} {
				fresh, err := s.RememberNonce(t.Context(), "K-001", n, later, later.Add(6*time.Minute))
				if err != nil || fresh != want {
					t.Errorf("%s after a restart: fresh %v (%v), want %v", n, fresh, err, want)
				}
			}
		})
	}
}

// The nonce log lives beside the database, readable by its owner only. A record torn by a crash
// inside a write is cut off at the next open, so that what is appended after it is read too.
func TestNonceLogTornTail(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "server.db")
	now := time.Date(2026, time.November, 21, 2, 0, 0, 0, time.UTC)
	until := now.Add(6 * time.Minute)
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b"} {
		if fresh, err := s.RememberNonce(t.Context(), "K-001", n, now, until); !fresh || err != nil {
			t.Fatalf("%s: %v %v", n, fresh, err)
		}
	}
	s.Close()
	seg := filepath.Join(dir, "server.db-nonces", segmentName(bucketOf(until)))
	info, err := os.Stat(seg)
	if err != nil {
		t.Fatalf("segment: %v", err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("segment mode %v, want 0600", info.Mode().Perm())
	}
	// Half of a third record, as a process killed inside write(2) leaves it.
	torn := encodeNonce("K-001", "c", until)
	f, _ := os.OpenFile(seg, os.O_WRONLY|os.O_APPEND, 0)
	f.Write(torn[:len(torn)/2])
	f.Close()

	s, err = Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	for n, want := range map[string]bool{"a": false, "b": false, "c": true, "d": true} {
		if fresh, err := s.RememberNonce(t.Context(), "K-001", n, now, until); fresh != want || err != nil {
			t.Errorf("%s after a torn tail: %v %v, want %v", n, fresh, err, want)
		}
	}
	s.Close()
	s = openT(t, path)
	for _, n := range []string{"a", "b", "c", "d"} {
		if fresh, err := s.RememberNonce(t.Context(), "K-001", n, now, until); fresh || err != nil {
			t.Errorf("%s, appended after the cut, was forgotten: %v %v", n, fresh, err)
		}
	}
}

// Pruning forgets expired nonces and deletes the segments that hold only those; the segment of
// nonces still in force stays.
func TestNonceLogPrune(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "server.db-nonces")
	n, err := openNonceLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer n.close()
	now := time.Date(2026, time.November, 21, 2, 0, 0, 0, time.UTC)
	old, current := now.Add(-30*time.Minute), now.Add(6*time.Minute)
	for i, until := range []time.Time{old, current} {
		if fresh, err := n.remember("K-001", "n"+strconv.Itoa(i), old, until); !fresh || err != nil {
			t.Fatal(fresh, err)
		}
	}
	n.prune(now)
	if _, err := os.Stat(filepath.Join(dir, segmentName(bucketOf(old)))); !os.IsNotExist(err) {
		t.Errorf("the expired segment is still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, segmentName(bucketOf(current)))); err != nil {
		t.Errorf("the current segment: %v", err)
	}
	if _, ok := n.expires[nonceKey("K-001", "n0")]; ok || len(n.expires) != 1 {
		t.Errorf("in memory after pruning: %v", n.expires)
	}
	// Appending continues after a prune, into a segment opened again if need be.
	if fresh, err := n.remember("K-001", "n2", now, current); !fresh || err != nil {
		t.Fatal(fresh, err)
	}
	if got := nonceLogDir("/var/lib/kiosk-server/server.db"); got != "/var/lib/kiosk-server/server.db-nonces" {
		t.Errorf("nonce log of server.db: %s", got)
	}
}

func BenchmarkRememberNonceEmbedded(b *testing.B) {
	s, err := Open(b.Context(), filepath.Join(b.TempDir(), "server.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	b.ResetTimer()
	for i := range b.N {
		if fresh, err := s.RememberNonce(b.Context(), "K-001", "nonce-"+itoa(i), now, now.Add(6*time.Minute)); !fresh || err != nil {
			b.Fatal(fresh, err)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// ClaimNonce claims a nonce only for the kiosk's record as the caller checked it: a new secret or
// a revocation made since (by another server process) claims nothing and answers the record as
// it is now. The embedded store, whose kiosks change only through its one process, answers the
// caller's record.
func TestClaimNonceReadsTheRecord(t *testing.T) {
	ctx := context.Background()
	now := at("2026-03-01 10:00:00.000")
	until := now.Add(6 * time.Minute)
	claim := func(t *testing.T, s Store, k Kiosk, nonce string, now time.Time) (Kiosk, bool) {
		t.Helper()
		cur, fresh, err := s.ClaimNonce(ctx, k, nonce, now, until)
		if err != nil {
			t.Fatalf("claim %s: %v", nonce, err)
		}
		return cur, fresh
	}
	forEachStore(t, func(t *testing.T, s Store) {
		k := kiosk("K-001")
		mustTx(t, s, func(tx Tx) error { return tx.InsertKiosk(k) })
		cur, fresh := claim(t, s, k, "n-1", now)
		same(t, "the record", cur, k)
		if !fresh {
			t.Error("a new nonce was not claimed")
		}
		if _, fresh := claim(t, s, k, "n-1", now); fresh {
			t.Error("a nonce was claimed twice")
		}
		if s.Kind() == "sqlite" {
			return
		}

		rotated := []byte("fedcba9876543210fedcba9876543210")
		mustTx(t, s, func(tx Tx) error { return tx.SetKioskSecret(k.ID, rotated) })
		cur, fresh = claim(t, s, k, "n-2", now)
		if fresh || !bytes.Equal(cur.Secret, rotated) {
			t.Errorf("with the old secret: claimed %v, secret %q; want nothing claimed and the new secret", fresh, cur.Secret)
		}
		if _, fresh = claim(t, s, cur, "n-2", now); !fresh {
			t.Error("the nonce the old secret did not claim is not free for the new one")
		}

		// A revocation from a moment on: before it the kiosk still claims.
		mustTx(t, s, func(tx Tx) error { return tx.RevokeKiosk(k.ID, now.Add(time.Minute)) })
		before, fresh := claim(t, s, cur, "n-3", now)
		if !fresh || !before.RevokedAt.Equal(now.Add(time.Minute)) {
			t.Errorf("before the revocation: claimed %v, revoked at %v", fresh, before.RevokedAt)
		}
		if _, fresh = claim(t, s, before, "n-4", now.Add(time.Minute)); fresh {
			t.Error("a revoked kiosk claimed a nonce")
		}

		if _, _, err := s.ClaimNonce(ctx, kiosk("K-404"), "n-5", now, until); !errors.Is(err, ErrNotFound) {
			t.Errorf("an unknown kiosk's claim: %v, want ErrNotFound", err)
		}
	})
}
