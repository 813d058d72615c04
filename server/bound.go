package server

import (
	"net/http"
	"strconv"
	"time"
)

// Bounds on the work the server takes on at once. Every signed request reads its whole body
// (up to maxBody) to check the signature, then decodes and applies it; without a bound, many
// large requests at once would grow memory without limit. When every slot is taken a request
// waits a moment for one (bursts are normal: kiosks reconnect together after an outage) and is
// then told to come back, which a kiosk's sync engine does with backoff, keeping its operations.
const (
	// defaultMaxInFlight is the default number of signed requests served at once.
	defaultMaxInFlight = 32
	// defaultSlotWait is how long a request waits for a free slot before it is refused: long
	// enough that a server merely slower than its load answers late rather than not at all (a
	// waiting request has not read its body, so waiting costs no memory), short enough that a
	// kiosk hears "busy" before its own request times out.
	defaultSlotWait = 5 * time.Second
	// busyRetryAfter is the Retry-After of a refusal, in seconds.
	busyRetryAfter = 1
)

// inFlight is a counting semaphore of request slots.
type inFlight chan struct{}

func newInFlight(n int) inFlight {
	if n <= 0 {
		n = defaultMaxInFlight
	}
	return make(inFlight, n)
}

// bounded serves h in a slot, or answers 503 with Retry-After when none frees up in time. It runs
// before the body is read, so that a refused request has cost nothing.
func (s *Server) bounded(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := time.NewTimer(s.slotWait)
		defer t.Stop()
		select {
		case s.slots <- struct{}{}:
		case <-t.C:
			s.metrics.limited("busy")
			w.Header().Set("Retry-After", strconv.Itoa(busyRetryAfter))
			writeError(w, http.StatusServiceUnavailable, "busy",
				"the server is serving as many requests as it can: send again in a moment (nothing was lost)")
			return
		case <-r.Context().Done():
			return
		}
		defer func() { <-s.slots }()
		h.ServeHTTP(w, r)
	})
}
