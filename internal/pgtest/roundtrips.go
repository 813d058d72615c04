package pgtest

import (
	"fmt"
	"net"
	"net/url"
	"sync"
	"testing"
)

// RoundTrips is a loopback proxy in front of a PostgreSQL server that counts round trips: how
// many times a client spoke after the server had answered. Messages a client sends one after
// another without waiting (a pipeline, a batch) count once, whatever their number, which is
// what makes a round trip cost: the wait for the other side. The liveness ping pgx sends on a
// connection that was idle for over a second before lending it again is counted apart (Pings):
// a busy server never waits for it, and whether a test's connection idled that long depends on
// how busy the machine running it is.
type RoundTrips struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	n     int
	pings int
	trips []string // the start of what the client sent in each round trip
}

// pingMessage is pgx's liveness ping as sent: a simple query of a comment alone.
const pingMessage = "Q\x00\x00\x00\x0c-- ping\x00"

// direction remembers which side of one connection spoke last.
type direction struct{ clientLast bool }

// NewRoundTrips starts a counting proxy in front of the server of dsn and returns it with a
// DSN that goes through it. The proxy stops when the test ends.
func NewRoundTrips(t testing.TB, dsn string) (*RoundTrips, string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("pgtest: parse DSN: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pgtest: proxy: %v", err)
	}
	p := &RoundTrips{ln: ln, target: u.Host}
	go p.serve()
	t.Cleanup(func() { ln.Close() })
	u.Host = ln.Addr().String()
	return p, u.String()
}

// Count is the number of round trips so far, over every connection.
func (p *RoundTrips) Count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// Pings is the number of liveness pings so far, which Count leaves out.
func (p *RoundTrips) Pings() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pings
}

// Trips describes the round trips after the first from: the start of the bytes that opened
// each (message type and statement text), for a test to show what a budget was spent on.
func (p *RoundTrips) Trips(from int) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.trips[min(from, len(p.trips)):]...)
}

func (p *RoundTrips) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.relay(c)
	}
}

func (p *RoundTrips) relay(client net.Conn) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	d := &direction{}
	done := make(chan struct{}, 2)
	pump := func(dst, src net.Conn, fromClient bool) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				p.mu.Lock()
				switch {
				case fromClient && !d.clientLast && string(buf[:n]) == pingMessage:
					p.pings++
				case fromClient && !d.clientLast:
					p.n++
					p.trips = append(p.trips, fmt.Sprintf("%q", buf[:min(n, 120)]))
				}
				d.clientLast = fromClient
				p.mu.Unlock()
				if _, werr := dst.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		// Closing both ends stops the other pump too.
		client.Close()
		server.Close()
		done <- struct{}{}
	}
	go pump(server, client, true)
	go pump(client, server, false)
	<-done
	<-done
}
