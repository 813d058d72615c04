package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/storage"
	"github.com/hallkiosk/kiosk/uplink"
)

// SimWork is what a simulated kiosk may do: drivers and the violations they may process, and
// violations to pay. The reliability harness writes it from the demo data.
type SimWork struct {
	Process []SimProcess `json:"process"`
	Pay     []SimPay     `json:"pay"`
}

// SimProcess is one driver's processing of violations of their own vehicles: the simulated
// kiosk has no owner at hand to verify for others' vehicles, and no camera.
type SimProcess struct {
	DriverID   string   `json:"driver_id"`
	Violations []string `json:"violations"`
}

// SimPay is a payment of one violation.
type SimPay struct {
	ViolationID string `json:"violation_id"`
	FineFen     int64  `json:"fine_fen"`
}

// runSim runs a headless kiosk: its local store and sync engine, and a simulated user who
// queues operations. Each operation's id is printed ("QUEUED id") once it is durably in the
// outbox, which is when a real kiosk tells the user it is recorded. With --drain it queues
// nothing and exits once the outbox is empty ("DRAINED").
func runSim(args []string, stdout io.Writer) error {
	fs := newFlagSet("sim")
	base := fs.String("server", "", "server URL")
	data := fs.String("data", "", "kiosk data directory")
	id := fs.String("kiosk-id", "", "enrolled kiosk id")
	secretHex := fs.String("secret", "", "kiosk secret (hex)")
	workFile := fs.String("work", "", "JSON file of work (see SimWork)")
	seed := fs.Uint64("seed", 1, "random seed of the simulated user")
	drain := fs.Bool("drain", false, "queue nothing; exit when the outbox is empty")
	limit := fs.Duration("timeout", 2*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil || *base == "" || *data == "" || *id == "" || *secretHex == "" {
		return errUsage
	}
	secret, err := hex.DecodeString(*secretHex)
	if err != nil {
		return fmt.Errorf("secret: not hex")
	}
	if err := os.MkdirAll(*data, 0o700); err != nil {
		return err
	}
	st, _, err := storage.Open(filepath.Join(*data, "kiosk.db"), secret, storage.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *limit)
	defer cancel()
	clock := uplink.NewClock(nil)
	eng := uplink.New(uplink.Config{Store: st, Client: api.NewClientWithClock(*base, *id, secret, nil, clock.Now), Clock: clock,
		MinBackoff: 50 * time.Millisecond, MaxBackoff: time.Second, Probe: 200 * time.Millisecond,
		RefEvery: time.Hour, HeartbeatEvery: time.Hour, Version: version})
	go eng.Run(ctx)
	out := bufio.NewWriter(stdout)
	if *drain {
		return simDrain(ctx, st, eng, out)
	}
	var work SimWork
	b, err := os.ReadFile(*workFile)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &work); err != nil {
		return fmt.Errorf("work file: %w", err)
	}
	rng := rand.New(rand.NewPCG(*seed, uint64(time.Now().UnixNano())))
	for ctx.Err() == nil {
		op := simOp(work, rng, clock.Now())
		if _, err := st.Enqueue(op, []byte("receipt of "+op.ID)); err != nil {
			return err
		}
		fmt.Fprintf(out, "QUEUED %s\n", op.ID)
		out.Flush()
		eng.Wake()
		time.Sleep(time.Duration(2+rng.IntN(10)) * time.Millisecond)
	}
	return nil
}

func simDrain(ctx context.Context, st *storage.Store, eng *uplink.Engine, out *bufio.Writer) error {
	for {
		depth, err := st.Depth()
		if err != nil {
			return err
		}
		if depth == 0 {
			fmt.Fprintln(out, "DRAINED")
			return out.Flush()
		}
		eng.Wake()
		select {
		case <-ctx.Done():
			return fmt.Errorf("outbox still holds %d operations", depth)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// simOp builds the user's next operation: processing (two in five) or a payment.
func simOp(w SimWork, rng *rand.Rand, now time.Time) api.Op {
	op := api.Op{ID: uplink.NewOpID(), At: now}
	if len(w.Process) > 0 && (len(w.Pay) == 0 || rng.IntN(5) < 2) {
		p := w.Process[rng.IntN(len(w.Process))]
		op.Type = api.OpProcess
		op.Process = &api.ProcessOp{DriverID: p.DriverID, ViolationIDs: p.Violations, DriverFace: api.FaceNoCamera}
		return op
	}
	p := w.Pay[rng.IntN(len(w.Pay))]
	op.Type = api.OpPay
	op.Pay = &api.PayOp{Method: "card", Reference: op.ID, Items: []api.PayItem{{ViolationID: p.ViolationID, FineFen: p.FineFen}}}
	return op
}
