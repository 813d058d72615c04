package server

import (
	"testing"
	"time"
)

// The counting on every request's path: one request (a route, a status, a duration) and one
// operation, from several goroutines as the server's handlers run.
func BenchmarkMetricsRequest(b *testing.B) {
	m := newMetrics()
	routes := []string{"ops", "lookup", "heartbeat", "changes"}
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			m.request(routes[i%len(routes)], 200, time.Duration(i%50)*time.Millisecond)
			m.op("pay", "applied")
			i++
		}
	})
}
