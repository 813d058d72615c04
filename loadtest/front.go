package loadtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hallkiosk/kiosk/api"
)

// front is a hall's load balancer in miniature: kiosks are configured with one server URL
// (`--server`), so a province puts a TCP balancer at that address in front of its server
// processes. It hands each new connection to the next server in turn and skips a server that
// refuses the connection, marking it down for a moment (a passive health check, as HAProxy's or
// nginx's stream module does). It looks at no byte of the traffic: a kiosk's keep-alive
// connection stays with one server until that connection breaks, so kiosks are spread over the
// servers and move only when theirs dies.
type front struct {
	ln       net.Listener
	backends []string
	next     atomic.Uint64
	// dialTimeout bounds a connection attempt to one server; downFor is how long a server that
	// refused one is skipped.
	dialTimeout, downFor time.Duration

	mu        sync.Mutex
	downUntil []time.Time
	open      map[net.Conn]struct{}
	closed    bool

	conns   []atomic.Int64 // connections handed to each server
	refused atomic.Int64   // connections no server took
	// inflight counts, per server, operations requests it was handed whose answer has not begun:
	// the moment a kill cuts a batch off mid-transaction or after its commit.
	inflight []atomic.Int64
	// lastOps is, per server, the start of the last operations request it was handed (guarded
	// by mu): after a kill, the batch the kill cut off.
	lastOps [][]byte
	// holds, per server, an armed hold of the next answer to an operations request (guarded by
	// mu; see holdNextAnswer).
	holds []*answerHold
	wg    sync.WaitGroup
}

// answerHold keeps one server's answer to a batch from its kiosk: the server has committed the
// batch and written its answer, and the kiosk has not received it. Killing the server then is
// the hardest moment for exactly once: the work is done and nobody was told.
type answerHold struct {
	held    chan []byte   // receives the start of the request whose answer is held
	release chan struct{} // closed to drop the held answer and close the kiosk's connection
}

// opsRequest begins the request that carries a batch of operations.
var opsRequest = []byte("POST /v1/ops ")

func newFront(backends []string) (*front, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f := &front{ln: ln, backends: backends, dialTimeout: 500 * time.Millisecond, downFor: time.Second,
		downUntil: make([]time.Time, len(backends)), open: map[net.Conn]struct{}{},
		conns: make([]atomic.Int64, len(backends)), inflight: make([]atomic.Int64, len(backends)),
		lastOps: make([][]byte, len(backends)), holds: make([]*answerHold, len(backends))}
	f.wg.Add(1)
	go f.serve()
	return f, nil
}

// URL is the address kiosks are configured with.
func (f *front) URL() string { return "http://" + f.ln.Addr().String() }

func (f *front) serve() {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		if !f.track(c) {
			c.Close()
			return
		}
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			f.relay(c)
		}()
	}
}

// track remembers an open connection so that close can end it; false once the front is closed.
func (f *front) track(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.open[c] = struct{}{}
	return true
}

func (f *front) untrack(c net.Conn) {
	f.mu.Lock()
	delete(f.open, c)
	f.mu.Unlock()
	c.Close()
}

// dial connects to the next server in turn that takes the connection. Servers marked down are
// tried only when every server is.
func (f *front) dial() (net.Conn, int) {
	n := len(f.backends)
	start := int(f.next.Add(1) % uint64(n))
	for pass := 0; pass < 2; pass++ {
		for i := range n {
			b := (start + i) % n
			f.mu.Lock()
			down := time.Now().Before(f.downUntil[b])
			f.mu.Unlock()
			if down && pass == 0 {
				continue
			}
			c, err := net.DialTimeout("tcp", f.backends[b], f.dialTimeout)
			if err == nil {
				return c, b
			}
			f.mu.Lock()
			f.downUntil[b] = time.Now().Add(f.downFor)
			f.mu.Unlock()
		}
	}
	return nil, -1
}

// relay pipes a kiosk's connection to a server until either side ends it. A server that dies
// ends its side; the kiosk's side is then closed too, as a balancer does, and the kiosk's next
// connection goes to a live server.
func (f *front) relay(c net.Conn) {
	defer f.untrack(c)
	s, b := f.dial()
	if s == nil {
		f.refused.Add(1)
		return
	}
	f.conns[b].Add(1)
	if !f.track(s) {
		s.Close()
		return
	}
	defer f.untrack(s)
	// A kiosk writes each request at once, so a read that begins with the request line begins a
	// request; the first byte back begins its answer.
	var waiting atomic.Bool
	var request atomic.Pointer[[]byte] // the start of the operations request in flight
	done := make(chan struct{}, 2)
	go func() {
		pipe(s, c, func(chunk []byte) bool {
			if bytes.HasPrefix(chunk, opsRequest) && !waiting.Load() {
				start := bytes.Clone(chunk)
				request.Store(&start)
				f.mu.Lock()
				f.lastOps[b] = start
				f.mu.Unlock()
				f.inflight[b].Add(1)
				waiting.Store(true)
			}
			return true
		})
		done <- struct{}{}
	}()
	go func() {
		pipe(c, s, func([]byte) bool {
			if !waiting.CompareAndSwap(true, false) {
				return true
			}
			f.inflight[b].Add(-1)
			f.mu.Lock()
			h := f.holds[b]
			f.holds[b] = nil
			f.mu.Unlock()
			if h == nil {
				return true
			}
			h.held <- *request.Load()
			<-h.release
			return false
		})
		done <- struct{}{}
	}()
	<-done
	// One side is over: closing both ends the other copy.
	c.Close()
	s.Close()
	<-done
	if waiting.CompareAndSwap(true, false) {
		f.inflight[b].Add(-1)
	}
}

// pipe copies src to dst until either fails, showing each chunk to seen before passing it on;
// a chunk seen refuses ends the copy without it.
func pipe(dst, src net.Conn, seen func([]byte) bool) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !seen(buf[:n]) {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// holdNextAnswer arms a hold of server b's next answer to an operations request; the caller
// must close the hold's release channel.
func (f *front) holdNextAnswer(b int) *answerHold {
	h := &answerHold{held: make(chan []byte, 1), release: make(chan struct{})}
	f.mu.Lock()
	f.holds[b] = h
	f.mu.Unlock()
	return h
}

// disarm takes back a hold that has not caught an answer.
func (f *front) disarm(b int) {
	f.mu.Lock()
	f.holds[b] = nil
	f.mu.Unlock()
}

// lastOpIDs reads the op ids of the last operations request server b was handed.
func (f *front) lastOpIDs(b int) []string {
	f.mu.Lock()
	chunk := f.lastOps[b]
	f.mu.Unlock()
	return opIDsOf(chunk)
}

// opIDsOf reads the op ids of an operations request from its start, when that holds the whole
// body (a kiosk's batch of a few operations does).
func opIDsOf(chunk []byte) []string {
	_, body, ok := bytes.Cut(chunk, []byte("\r\n\r\n"))
	var req api.OpsRequest
	if !ok || json.Unmarshal(body, &req) != nil {
		return nil
	}
	ids := make([]string, len(req.Ops))
	for i, op := range req.Ops {
		ids[i] = op.ID
	}
	return ids
}

// opsInFlight reports whether server b holds an operations request it has not begun to answer.
func (f *front) opsInFlight(b int) bool { return f.inflight[b].Load() > 0 }

// close stops accepting, ends every open connection and waits for the relays.
func (f *front) close() error {
	err := f.ln.Close()
	f.mu.Lock()
	f.closed = true
	for c := range f.open {
		c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// connections is how many connections each server was handed.
func (f *front) connections() []int64 {
	out := make([]int64, len(f.conns))
	for i := range f.conns {
		out[i] = f.conns[i].Load()
	}
	return out
}
