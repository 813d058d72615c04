package loadtest

import (
	"context"
	"encoding/hex"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/internal/pgtest"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server"
	"github.com/hallkiosk/kiosk/server/store"
	"github.com/hallkiosk/kiosk/storage"
)

// TestReplicasKillRestart runs three `kiosk serve` processes on one PostgreSQL database, with
// kiosks (store, sync engine and service, as the terminal runs them) under load, and kills one
// server with SIGKILL mid-load, starting it again 3 s later. Through the front the kiosks fail
// over to the live servers, and the server dies after committing a batch whose answer its kiosk
// never gets (the front holds it); pinned to one server, the killed server's kiosks wait for it,
// and the server dies at a random point of a batch. Either way every operation the kiosks queued
// must be stored exactly once with the answer the kiosk recorded, and every outbox must drain. The run is short and light for a shared 2-core
// machine; `kiosk loadtest --replicas 3` is the measured run (docs/PERFORMANCE.md).
func TestReplicasKillRestart(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "kiosk")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/hallkiosk/kiosk").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	for _, pinned := range []bool{false, true} {
		name := "front"
		if pinned {
			name = "pinned"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := ReplicasConfig{Bin: bin, DSN: pgtest.New(t), Replicas: 3, Kiosks: 24, Rate: 48, Duration: 10 * time.Second,
				People: 300, Seed: 3, KillAt: 3 * time.Second, DownFor: 3 * time.Second, Kill: 1, Pinned: pinned,
				RandomPoint: pinned, Dir: dir, Settle: 30 * time.Second}
			rep, err := RunReplicas(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("\n%s", rep.Text())
			if t.Failed() || !rep.Check.OK() || len(rep.Stuck) > 0 {
				logs, _ := os.ReadFile(filepath.Join(dir, "server-2", "serve.log"))
				t.Logf("killed server's log:\n%s", logs)
			}
			checkReplicaRun(t, cfg, rep)
		})
	}
}

func checkReplicaRun(t *testing.T, cfg ReplicasConfig, rep ReplicasReport) {
	t.Helper()
	if !rep.Check.OK() {
		t.Errorf("not exactly once: queued %d, stored %d: %s", rep.Check.Queued, rep.Check.Stored,
			strings.Join(rep.Check.Problems, "; "))
	}
	if len(rep.Stuck) > 0 {
		t.Errorf("kiosks stuck after the load: %v", rep.Stuck)
	}
	// The check means something only if work was done, and the kill fell inside the load.
	if rep.Check.Decisions == 0 || rep.Check.Payments == 0 || rep.Check.LedgerEntries != rep.Check.Decisions {
		t.Errorf("decisions %d, ledger entries %d, payments %d", rep.Check.Decisions, rep.Check.LedgerEntries, rep.Check.Payments)
	}
	if rep.KilledAt < cfg.KillAt || rep.RestartedAt < rep.KilledAt+cfg.DownFor || rep.RestartedAt >= cfg.Duration {
		t.Errorf("killed at %s, restarted at %s: not inside the %s of load", rep.KilledAt, rep.RestartedAt, cfg.Duration)
	}
	// The kill cut a batch off after the server was handed it: whether the server died before or
	// after its commit, the kiosk sent it again and it was stored once (the check above).
	if !rep.KilledInFlight || len(rep.CutOff) == 0 {
		t.Errorf("the kill caught no batch of operations in flight (read %d op ids)", len(rep.CutOff))
	} else if rep.Check.CutOffStored+rep.Check.CutOffAfter != len(rep.CutOff) ||
		(!cfg.RandomPoint && rep.Check.CutOffStored != len(rep.CutOff)) {
		// Killed after the commit (the answer held at the front), every operation of the batch
		// was stored before the kill, and the kiosk's resend got the stored answer.
		t.Errorf("cut-off batch of %d: %d stored before the kill, %d after", len(rep.CutOff),
			rep.Check.CutOffStored, rep.Check.CutOffAfter)
	}
	for _, o := range rep.Outages {
		if o.To == 0 {
			t.Errorf("kiosk %s offline since %s and never back", o.Kiosk, o.From)
		}
	}
	// Operations queued after the restart were answered: the restarted server (or the others)
	// took the kiosks' work again.
	last := rep.Load.Windows[len(rep.Load.Windows)-1]
	if last.Counts["process "+api.OutcomeApplied]+last.Counts["pay "+api.OutcomeApplied] == 0 {
		t.Errorf("nothing applied in the last window: %v", last.Counts)
	}
	if cfg.Pinned {
		// A third of the kiosks lost their server: their engines went offline until it came back,
		// and came back within the engine's longest backoff (4 s) and two seconds of it listening.
		lost := map[string]bool{}
		for _, o := range rep.Outages {
			if o.From >= rep.KilledAt && o.From < rep.RestartedAt {
				lost[o.Kiosk] = true
				if o.To > rep.RestartedAt+rep.Listening+6*time.Second {
					t.Errorf("kiosk %s back only at %s, the server restarted at %s", o.Kiosk, o.To, rep.RestartedAt)
				}
			}
		}
		if len(lost) == 0 || len(lost) > cfg.Kiosks/cfg.Replicas {
			t.Errorf("%d kiosks lost their server, want 1 to %d", len(lost), cfg.Kiosks/cfg.Replicas)
		}
	} else {
		// Through the front, the kiosks went on working while the server was down.
		if rep.AppliedWhileDown == 0 {
			t.Errorf("no operation applied while server %d was down", rep.Killed+1)
		}
		if rep.Connections[rep.Killed] == 0 {
			t.Errorf("the killed server was never handed a connection: %v", rep.Connections)
		}
	}
}

// The check finds what exactly once forbids: an operation a kiosk queued that the server never
// stored, and operations stored under a kiosk that it never queued.
func TestCheckOnceFindsLossesAndStrays(t *testing.T) {
	stores := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "server.db") },
		"postgres": func(t *testing.T) string { return pgtest.New(t) },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st, err := store.Open(ctx, stores[name](t))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			ref, err := model.LoadReference(assets.FS())
			if err != nil {
				t.Fatal(err)
			}
			srv, err := server.New(ctx, server.Config{Store: st, Reference: ref, DefaultProfile: "national"})
			if err != nil {
				t.Fatal(err)
			}
			hs := httptest.NewServer(srv.Handler())
			defer hs.Close()
			e, err := server.Enroll(ctx, st, ref, "check kiosk", "hall", "national", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			secret, _ := hex.DecodeString(e.Secret)
			ks, _, err := storage.Open(filepath.Join(t.TempDir(), "kiosk.db"), secret, storage.Options{Reserve: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer ks.Close()
			client := api.NewClient(hs.URL, e.KioskID, secret, nil)
			pay := func(id string) api.Op {
				return api.Op{ID: id, Type: api.OpPay, At: time.Now(), Pay: &api.PayOp{Method: "card", Reference: id,
					Items: []api.PayItem{{ViolationID: "V-none", FineFen: 100}}}}
			}
			// One operation queued, sent and answered as the engine does it.
			sent, err := ks.Enqueue(pay("sent-1"), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.Ops(ctx, []api.Op{sent})
			if err != nil {
				t.Fatal(err)
			}
			if err := ks.Complete(resp.Results); err != nil {
				t.Fatal(err)
			}
			k := &fleetKiosk{id: e.KioskID, store: ks}
			c, err := checkOnce(ctx, st, []*fleetKiosk{k}, nil, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if !c.OK() || c.Queued != 1 || c.Stored != 1 {
				t.Fatalf("one operation sent and answered: %+v", c)
			}
			// A second queued and never sent; two more stored under the kiosk's numbers that it
			// never queued (the second after its last).
			lost, err := ks.Enqueue(pay("lost-2"), nil)
			if err != nil {
				t.Fatal(err)
			}
			stray := []api.Op{pay("stray-2"), pay("stray-3")}
			stray[0].Epoch, stray[0].Seq = lost.Epoch, lost.Seq
			stray[1].Epoch, stray[1].Seq = lost.Epoch, lost.Seq+1
			if _, err := client.Ops(ctx, stray); err != nil {
				t.Fatal(err)
			}
			c, err = checkOnce(ctx, st, []*fleetKiosk{k}, nil, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			problems := strings.Join(c.Problems, "\n")
			for _, want := range []string{"op lost-2 (pay) still queued", "op lost-2 (pay) queued but not stored",
				"op stray-3 stored at seq 3, after the last it queued"} {
				if !strings.Contains(problems, want) {
					t.Errorf("the check did not find %q in:\n%s", want, problems)
				}
			}
			if c.OK() || c.Queued != 2 || c.Stored != 3 {
				t.Errorf("queued %d, stored %d, ok %v", c.Queued, c.Stored, c.OK())
			}
		})
	}
}
