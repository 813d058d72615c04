package uplink

import (
	"sync"
	"time"
)

// Clock is the kiosk's clock corrected by the server's. A kiosk whose clock is off by more than
// the signing window (api.MaxClockSkew) has every request refused as stale, and its operations
// would be dated wrongly; the server's time arrives with every heartbeat answer and with every
// refusal of a stale timestamp (proven by HMAC, see api.Client.StaleClock), so the engine
// measures the offset and everything that dates or signs reads this clock instead.
//
// The correction is anchored on a pair of readings, the server's time and the local time at the
// same moment; Now is the server's reading plus the local time elapsed since. With the real
// clock the elapsed time is measured on Go's monotonic clock, so a wall-clock step on the kiosk
// (an administrator, an NTP jump) does not move the corrected time. Until the first measurement
// Now is the local clock, and Skew reports unknown.
type Clock struct {
	local func() time.Time

	mu       sync.Mutex
	measured bool
	serverAt time.Time // the server's reading
	localAt  time.Time // the local reading at the same moment
	// saveTo, when set, is where the measurement is kept across restarts (Persist); saved is
	// when it was last written.
	saveTo string
	boot   func() (bootInfo, error)
	saved  time.Time
}

// reanchor is the change of offset below which a new measurement is ignored: the network's
// delay varies by milliseconds, and time that jitters back and forth would date operations out
// of order.
const reanchor = 500 * time.Millisecond

// NewClock returns a clock correcting local (nil: time.Now).
func NewClock(local func() time.Time) *Clock {
	if local == nil {
		local = time.Now
	}
	return &Clock{local: local}
}

// Local reads the kiosk's own clock.
func (c *Clock) Local() time.Time { return c.local() }

// Now reads the corrected clock.
func (c *Clock) Now() time.Time {
	now := c.local()
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.measured {
		return now
	}
	return c.serverAt.Add(now.Sub(c.localAt))
}

// Observe records the server's reading of its clock, taken between the local readings sent and
// received (a request's start and its answer): the server's moment is taken to be the middle.
func (c *Clock) Observe(server, sent, received time.Time) {
	if received.Before(sent) {
		sent, received = received, sent
	}
	mid := sent.Add(received.Sub(sent) / 2)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.measured {
		predicted := c.serverAt.Add(mid.Sub(c.localAt))
		if d := server.Sub(predicted); d < reanchor && d > -reanchor {
			if c.saveTo != "" && mid.Sub(c.saved) >= resaveEvery {
				c.saveLocked(mid) // confirmed: the kept measurement is fresh again
			}
			return
		}
	}
	c.measured, c.serverAt, c.localAt = true, server, mid
	c.saveLocked(mid)
}

// Skew returns the local clock minus the server's, and whether it was measured at all.
func (c *Clock) Skew() (time.Duration, bool) {
	now := c.local()
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.measured {
		return 0, false
	}
	return now.Sub(c.serverAt.Add(now.Sub(c.localAt))), true
}
