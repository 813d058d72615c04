package reliability

import (
	"context"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/Shopify/toxiproxy/v2/collectors"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/server"
	"github.com/hallkiosk/kiosk/server/store"
	"github.com/hallkiosk/kiosk/storage"
	"github.com/hallkiosk/kiosk/uplink"
)

// faultRig is a server, a toxiproxy in front of it, and a kiosk (store and sync engine) that
// talks to the server only through the proxy.
type faultRig struct {
	t        *testing.T
	server   store.Store
	proxy    *toxiproxy.Proxy
	kiosk    *storage.Store
	engine   *uplink.Engine
	data     *dataset.Data
	id       string
	queued   []string
	slow     time.Duration // the slowest Enqueue: what the UI would have waited
	maxDepth int           // the largest backlog seen: evidence that the fault slowed delivery
}

func newFaultRig(t *testing.T) *faultRig {
	t.Helper()
	demo, err := server.NewDemo(context.Background(), t.TempDir(), "national", 11, 30, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { demo.Close() })
	r := &faultRig{t: t, server: demo.Store, data: demo.Data, id: demo.Kiosk.KioskID}
	enrolled, srv := demo.Kiosk, demo.Server
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })

	tp := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	tp.Metrics.ProxyMetrics = collectors.NewProxyMetricCollectors()
	r.proxy = toxiproxy.NewProxy(tp, "kiosk-server", "127.0.0.1:0", ln.Addr().String())
	if err := r.proxy.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.proxy.Stop)

	secret, _ := hex.DecodeString(enrolled.Secret)
	if r.kiosk, _, err = storage.Open(filepath.Join(t.TempDir(), "kiosk.db"), secret, storage.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.kiosk.Close() })
	hc := &http.Client{Timeout: 3 * time.Second}
	r.engine = uplink.New(uplink.Config{Store: r.kiosk, Client: api.NewClient("http://"+r.proxy.Listen, r.id, secret, hc),
		MinBackoff: 50 * time.Millisecond, MaxBackoff: time.Second, Probe: 500 * time.Millisecond,
		RefEvery: time.Hour, HeartbeatEvery: time.Hour, RequestTimeout: 3 * time.Second, BatchSize: 10})
	ectx, cancel := context.WithCancel(context.Background())
	go r.engine.Run(ectx)
	t.Cleanup(cancel)
	return r
}

// toxic adds a toxic and returns a function that removes it.
func (r *faultRig) toxic(json string) func() {
	r.t.Helper()
	w, err := r.proxy.Toxics.AddToxicJson(strings.NewReader(json))
	if err != nil {
		r.t.Fatalf("toxic %s: %v", json, err)
	}
	return func() { r.proxy.Toxics.RemoveToxic(context.Background(), w.Name) }
}

// queue has the simulated user queue n payments, timing each Enqueue: the UI's only storage
// call on the way to the receipt.
func (r *faultRig) queue(n int) {
	for i := 0; i < n; i++ {
		v := r.data.Violations[len(r.queued)%len(r.data.Violations)]
		op := api.Op{ID: uplink.NewOpID(), Type: api.OpPay, At: time.Now(), Pay: &api.PayOp{Method: "card", Reference: "r",
			Items: []api.PayItem{{ViolationID: v.ID, FineFen: int64(v.Fine)}}}}
		start := time.Now()
		if _, err := r.kiosk.Enqueue(op, []byte("receipt")); err != nil {
			r.t.Fatal(err)
		}
		r.slow = max(r.slow, time.Since(start))
		r.engine.Wake()
		r.queued = append(r.queued, op.ID)
		if d, err := r.kiosk.Depth(); err == nil {
			r.maxDepth = max(r.maxDepth, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// settle waits until the outbox is empty, then checks the invariants on the server.
func (r *faultRig) settle(limit time.Duration) {
	r.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		d, err := r.kiosk.Depth()
		if err != nil {
			r.t.Fatal(err)
		}
		if d == 0 {
			break
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("outbox still holds %d operations after %s", d, limit)
		}
		r.engine.Wake()
		time.Sleep(50 * time.Millisecond)
	}
	ctx := context.Background()
	err := r.server.Read(ctx, func(rd store.Reader) error {
		for _, id := range r.queued {
			if _, err := rd.Op(id); err != nil {
				r.t.Errorf("queued operation %s missing on the server: %v", id, err)
			}
		}
		k, err := rd.Kiosk(r.id)
		if err != nil {
			return err
		}
		for seq := int64(1); seq <= k.LastSeq; seq++ {
			if _, err := rd.OpAt(r.id, k.Epoch, seq); err != nil {
				r.t.Errorf("sequence gap at %d: %v", seq, err)
			}
		}
		if _, err := rd.OpAt(r.id, k.Epoch, k.LastSeq+1); !errors.Is(err, store.ErrNotFound) || k.LastSeq != int64(len(r.queued)) {
			r.t.Errorf("server applied %d operations, the kiosk queued %d", k.LastSeq, len(r.queued))
		}
		return nil
	})
	if err != nil {
		r.t.Fatal(err)
	}
	if r.slow > 200*time.Millisecond {
		r.t.Errorf("queuing an operation took %s while the network was broken: the UI would have waited", r.slow)
	}
}

func TestNetworkFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("network faults take a minute")
	}
	cases := []struct {
		name    string
		toxic   string
		hold    time.Duration
		resends bool // the fault loses requests or answers, so some operations must be sent again
	}{
		{"latency of seconds", `{"type":"latency","stream":"downstream","attributes":{"latency":2000,"jitter":500}}`, 6 * time.Second, false},
		{"connection resets", `{"type":"reset_peer","stream":"downstream","toxicity":1,"attributes":{"timeout":50}}`, 4 * time.Second, true},
		{"timeouts", `{"type":"timeout","stream":"downstream","attributes":{"timeout":0}}`, 5 * time.Second, true},
		{"cut in the middle of a response", `{"type":"limit_data","stream":"downstream","attributes":{"bytes":300}}`, 4 * time.Second, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newFaultRig(t)
			r.queue(5)
			remove := r.toxic(c.toxic)
			stop := time.Now().Add(c.hold)
			for time.Now().Before(stop) {
				r.queue(3)
			}
			remove()
			r.queue(3)
			r.settle(30 * time.Second)
			resent := r.resent()
			t.Logf("%d operations, each applied once; %d sent more than once; largest backlog %d; slowest Enqueue %s",
				len(r.queued), resent, r.maxDepth, r.slow)
			if r.maxDepth < 3 {
				t.Errorf("the backlog never grew beyond %d: the fault did not reach the traffic", r.maxDepth)
			}
			if c.resends && resent == 0 {
				t.Error("no operation had to be sent again: the fault did not reach the traffic")
			}
		})
	}
}

// The server is unreachable for 30 s: the kiosk says offline within 5 s, keeps queuing, and
// delivers everything once the server is back.
func TestServerDownThirtySeconds(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 30 s")
	}
	r := newFaultRig(t)
	r.queue(5)
	r.proxy.Stop()
	down := time.Now()
	for time.Since(down) < 30*time.Second {
		r.queue(5)
		if time.Since(down) > 5*time.Second && r.engine.Status().State == uplink.Online {
			t.Fatal("still online 5 s into the outage")
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err := r.proxy.Start(); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	for r.engine.Status().State != uplink.Online {
		if time.Since(back) > 5*time.Second {
			t.Fatal("not online 5 s after the server came back")
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("online again %s after the server came back", time.Since(back).Round(10*time.Millisecond))
	r.settle(30 * time.Second)
}

// resent counts operation sends beyond the first of each answered operation: what the fault
// cost in resending (the engine counts in memory; the store records outcomes, not attempts).
func (r *faultRig) resent() int {
	st := r.engine.Status()
	return st.OpsSent - st.OpsDone
}
