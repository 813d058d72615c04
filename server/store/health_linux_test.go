package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/internal/pgtest"
	"github.com/hallkiosk/kiosk/internal/tinydisk"
	"github.com/jackc/pgx/v5"
)

// A real full disk: a SQLite store on a small tmpfs, the rest of it taken by a file. Writes fail
// with SQLITE_FULL, which IsFull recognises, and CheckWritable says full; with room again, both
// work.
func TestFullDiskSQLite(t *testing.T) {
	dir := tinydisk.Mount(t, 16<<20)
	s := openT(t, filepath.Join(dir, "kiosk.db"))
	ctx := context.Background()
	if err := s.CheckWritable(ctx, time.Now()); err != nil {
		t.Fatalf("with room: %v", err)
	}
	tinydisk.Fill(t, dir)
	if err := s.CheckWritable(ctx, time.Now()); !IsFull(err) {
		t.Errorf("on a full disk, CheckWritable: %v", err)
	}
	var err error
	for i := 0; err == nil && i < 1000; i++ {
		err = s.Tx(ctx, func(tx Tx) error {
			return tx.PutMeta(fmt.Sprintf("filler-%d", i), strings.Repeat("x", 8000))
		})
	}
	if !IsFull(err) || errors.Is(err, ErrFull) {
		t.Fatalf("writing on a full disk: %v, want SQLITE_FULL", err)
	}
	if err := os.Remove(filepath.Join(dir, "filler")); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckWritable(ctx, time.Now()); err != nil {
		t.Errorf("with room again: %v", err)
	}
	mustTx(t, s, func(tx Tx) error { return tx.PutMeta("after", "ok") })
}

// pgDisk mounts a small tmpfs that the local PostgreSQL test cluster's user owns, for a
// tablespace, or skips the test where that cannot be (no mount permission, no postgres user, a
// server elsewhere).
func pgDisk(t *testing.T, size int) string {
	t.Helper()
	admin := os.Getenv(pgtest.EnvDSN)
	if admin == "" {
		pgtest.New(t) // skips (or fails under CI) with the reason
	}
	cfg, err := pgx.ParseConfig(admin)
	if err != nil || (cfg.Host != "127.0.0.1" && cfg.Host != "localhost" && cfg.Host != "::1") {
		t.Skip("the PostgreSQL server is not on this machine: its tablespace cannot be a local tmpfs")
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Skipf("no postgres user to own the tablespace: %v", err)
	}
	dir, err := os.MkdirTemp("", "kiosk-pgdisk-") // under /tmp, which the server's user can reach
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(dir) })
	opts := fmt.Sprintf("size=%d,uid=%s,gid=%s,mode=0700", size, u.Uid, u.Gid)
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, opts); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v)", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount: %v", err)
		}
	})
	return dir
}

// A real full disk on PostgreSQL: the operations table in a tablespace on a small tmpfs whose
// room a file has taken. Inserts fail with disk_full (53100) from the server itself, which IsFull
// recognises; with room again they succeed.
func TestFullDiskPostgres(t *testing.T) {
	dir := pgDisk(t, 8<<20)
	ctx := context.Background()
	space := fmt.Sprintf("full_%d", time.Now().UnixNano())
	admin := os.Getenv(pgtest.EnvDSN)
	t.Cleanup(func() { // after the test's database is dropped, before the unmount
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP TABLESPACE IF EXISTS "+space); err != nil {
			t.Errorf("drop tablespace: %v", err)
		}
	})
	s := openT(t, pgtest.New(t))
	mustTx(t, s, func(tx Tx) error { return tx.InsertKiosk(kiosk("K-001")) })
	for _, stmt := range []string{"CREATE TABLESPACE " + space + " LOCATION '" + dir + "'",
		"ALTER TABLE ops SET TABLESPACE " + space} {
		if err := TestingExec(ctx, s, stmt); err != nil {
			t.Fatal(err)
		}
	}
	tinydisk.Fill(t, dir)
	var err error
	for i := 0; err == nil && i < 1000; i++ {
		err = s.Tx(ctx, func(tx Tx) error {
			_, err := tx.InsertOp(OpRecord{OpID: fmt.Sprintf("op-%d", i), KioskID: "K-001", Epoch: 1, Seq: int64(i + 1),
				Outcome: "applied", Result: []byte(strings.Repeat("x", 6000))})
			return err
		})
	}
	if code, _ := pgCode(err); !IsFull(err) || code != pgDiskFull {
		t.Fatalf("writing on a full tablespace: %v, want disk_full", err)
	}
	if err := os.Remove(filepath.Join(dir, "filler")); err != nil {
		t.Fatal(err)
	}
	mustTx(t, s, func(tx Tx) error {
		_, err := tx.InsertOp(OpRecord{OpID: "op-after", KioskID: "K-001", Epoch: 1, Seq: 5000, Outcome: "applied"})
		return err
	})
}
