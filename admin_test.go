package main

import (
	"context"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/server"
)

// heartbeatStatus sends a signed heartbeat and returns the HTTP status (200 on success).
func heartbeatStatus(t *testing.T, base, id string, secret []byte) int {
	t.Helper()
	_, err := api.NewClient(base, id, secret, nil).Heartbeat(context.Background(), api.Heartbeat{Version: "1"})
	var se *api.StatusError
	switch {
	case err == nil:
		return 200
	case errors.As(err, &se):
		return se.Status
	}
	t.Fatalf("heartbeat: %v", err)
	return 0
}

// enroll, import, kiosks, rotate and revoke work against a running embedded server through its
// admin socket (the store is locked by the server, so nothing else could reach it), take effect
// on the next request, and still work by opening the store once the server is gone.
func TestAdminSocketAgainstRunningServer(t *testing.T) {
	bin := buildKiosk(t)
	dir := t.TempDir()
	s := startServe(t, bin, "--data", dir)
	sock := filepath.Join(dir, "admin.sock")
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		if fi, err := os.Stat(sock); err == nil {
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("admin socket mode %v, want 0600", fi.Mode().Perm())
			}
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("no admin socket:\n%s", s.logText())
		}
	}

	id, secret := enrollWith(t, bin, "--data", dir)
	if st := heartbeatStatus(t, s.base, id, secret); st != 200 {
		t.Fatalf("the kiosk enrolled through the socket: %d", st)
	}
	importDemo(t, bin, "--data", dir)
	if out := runBin(t, bin, "kiosks", "--data", dir); !strings.Contains(out, id) || strings.Contains(out, "secret") {
		t.Errorf("kiosks: %s", out)
	} else if line := out[strings.Index(out, id):]; !strings.Contains(strings.SplitN(line, "\n", 2)[0], "  0  ") {
		t.Errorf("kiosks: the heartbeat's outbox depth (0) is not shown: %s", out)
	}

	out := runBin(t, bin, "rotate", "--data", dir, id)
	_, newHex, _ := strings.Cut(out, "secret=")
	newSecret := mustHexBytes(t, strings.TrimSpace(strings.SplitN(newHex, "\n", 2)[0]))
	if st := heartbeatStatus(t, s.base, id, secret); st != 401 {
		t.Errorf("the old secret after a rotation: %d, want 401", st)
	}
	if st := heartbeatStatus(t, s.base, id, newSecret); st != 200 {
		t.Errorf("the new secret: %d", st)
	}

	second, secondSecret := enrollWith(t, bin, "--data", dir)
	runBin(t, bin, "revoke", "--data", dir, id)
	if st := heartbeatStatus(t, s.base, id, newSecret); st != 401 {
		t.Errorf("the revoked kiosk's next request: %d, want 401", st)
	}
	if st := heartbeatStatus(t, s.base, second, secondSecret); st != 200 {
		t.Errorf("another kiosk after the revocation: %d", st)
	}
	logs := s.logText()
	for _, want := range []string{"admin: kiosk enrolled", "admin: kiosk secret rotated", "admin: kiosk revoked", "admin: data imported"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the server's log lacks %q", want)
		}
	}
	if strings.Contains(logs, strings.TrimSpace(strings.SplitN(newHex, "\n", 2)[0])) {
		t.Error("a secret reached the server's log")
	}
	if out, err := exec.Command(bin, "revoke", "--data", dir, "k-nobody").CombinedOutput(); err == nil || !strings.Contains(string(out), "no kiosk") {
		t.Errorf("revoking an unknown kiosk: %v %s", err, out)
	}

	// With the server gone, the commands open the store themselves.
	s.cmd.Process.Kill()
	s.done <- <-s.done // wait for it, and leave the result for the cleanup
	runBin(t, bin, "revoke", "--data", dir, second)
	if out := runBin(t, bin, "kiosks", "--data", dir); strings.Count(out, "\n") < 3 {
		t.Errorf("kiosks without a server: %s", out)
	}
}

func mustHexBytes(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("secret %q: %v", s, err)
	}
	return b
}

// `kiosk kiosks` shows what each kiosk last reported: outbox, age of the oldest waiting
// operation, rejected operations, failed attempts, clock skew, store fill and journal
// checkpoint; "-" for what a kiosk has not reported.
func TestPrintKiosks(t *testing.T) {
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	oldest, skew := now.Add(-(7*24*time.Hour + 2*time.Hour)), int64(-600_250)
	ks := []server.AdminKiosk{
		{ID: "k-1", Name: "1号机", Hall: "福田", Profile: "national", LastSeen: &now, Status: &server.AdminKioskStatus{
			ReceivedAt: now, OutboxDepth: 40, OldestPending: &oldest, Rejected: 2, FailedAttempts: 608, ClockSkewMS: &skew,
			Store: &api.StoreStatus{UsedBytes: 12 << 20, MaxBytes: 256 << 20, Level: api.StoreHigh},
			Journal: &api.JournalCheckpoint{Seq: 30000, Hash: strings.Repeat("ab", 32), At: now.Add(-time.Hour),
				HeadSeq: 32126, HeadHash: strings.Repeat("cd", 32)}}},
		{ID: "k-2", Name: "2号机", Hall: "罗湖", Profile: "national"},
	}
	var b strings.Builder
	if err := printKiosks(&b, ks, now); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	for _, want := range []string{"OUTBOX", "OLDEST", "REJECTED", "FAILED", "SKEW", "STORE", "JOURNAL"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("the header lacks %s: %s", want, lines[0])
		}
	}
	checkpoint := "30000 abababababab " + now.Add(-time.Hour).Local().Format("01-02 15:04")
	for _, want := range []string{" 40 ", " 7d02h ", " 2 ", " 608 ", " -10m0s ", " high 12.0MiB/256.0MiB ", checkpoint} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("the first kiosk's line lacks %q: %s", want, lines[1])
		}
	}
	if f := strings.Fields(lines[2]); len(f) != 13 || strings.Join(f[4:], " ") != "- - - - - - - - -" {
		t.Errorf("a kiosk that never reported: %q", lines[2])
	}
}
