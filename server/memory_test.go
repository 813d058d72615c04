package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
)

// hostileOpsBody is the body the issue found: just under 4 MB of empty operations, 1.3 million
// of them.
func hostileOpsBody() []byte {
	return []byte(`{"ops":[` + strings.Repeat(`{},`, 1_300_000) + `{}]}`)
}

// peakHeap runs f while sampling the heap in use every millisecond and returns the highest
// growth over the heap before f began, in bytes.
func peakHeap(f func()) uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base := m.HeapAlloc
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > base && m.HeapAlloc-base > peak.Load() {
				peak.Store(m.HeapAlloc - base)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(done)
	return peak.Load()
}

// sendConcurrently sends body to /v1/ops n times at once, each signed with a fresh nonce, and
// returns the statuses.
func (h *hostile) sendConcurrently(n int, body []byte) []int {
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", h.e.http.URL+"/v1/ops", bytes.NewReader(body))
			if err := api.Sign(req, h.e.kiosk.KioskID, mustHex(h.t, h.e.kiosk.Secret), body, h.e.clock.Now()); err != nil {
				return
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		})
	}
	wg.Wait()
	return statuses
}

// Eight hostile bodies at once are refused before any operation is built. The bound is
// generous (the bodies themselves are 8 x 3.9 MB, read whole to check their signatures); before
// the shape was scanned, one such body took about 600 MB.
func TestHostileBodiesStayBounded(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/server.db")
	h := &hostile{t: t, e: e}
	body := hostileOpsBody()
	var statuses []int
	peak := peakHeap(func() { statuses = h.sendConcurrently(8, body) })
	for i, s := range statuses {
		if s != http.StatusBadRequest {
			t.Errorf("request %d: status %d, want 400", i, s)
		}
	}
	t.Logf("peak heap growth for 8 concurrent bodies of %.1f MB: %.1f MB", float64(len(body))/1e6, float64(peak)/1e6)
	if peak > 200<<20 {
		t.Errorf("peak heap growth %d MB for 8 hostile bodies, want under 200 MB", peak>>20)
	}
}

// BenchmarkHostileBodies reports the peak heap growth of 8 concurrent hostile bodies through the
// server, and of decoding the same 8 bodies whole as the server did before (the baseline).
//
//	go test ./server -run '^$' -bench HostileBodies -benchtime 3x
func BenchmarkHostileBodies(b *testing.B) {
	body := hostileOpsBody()
	b.Run("server", func(b *testing.B) {
		e := newEnv(b, b.TempDir()+"/server.db")
		h := &hostile{t: b, e: e}
		var worst uint64
		for b.Loop() {
			worst = max(worst, peakHeap(func() { h.sendConcurrently(8, body) }))
		}
		b.ReportMetric(float64(worst)/1e6, "peak-MB")
	})
	b.Run("decoded-whole", func(b *testing.B) {
		var worst uint64
		for b.Loop() {
			worst = max(worst, peakHeap(func() {
				var wg sync.WaitGroup
				for range 8 {
					wg.Go(func() {
						var req api.OpsRequest
						_ = json.Unmarshal(body, &req)
						runtime.KeepAlive(req)
					})
				}
				wg.Wait()
			}))
		}
		b.ReportMetric(float64(worst)/1e6, "peak-MB")
	})
}
