package server

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// Limits bound identification attempts, against enumeration of ID numbers.
type Limits struct {
	// IdentifyPerKioskPerMinute bounds all identifications (lookups and owner checks) of one kiosk.
	IdentifyPerKioskPerMinute int
	// FailuresPerKioskPerHour bounds failed identifications of one kiosk.
	FailuresPerKioskPerHour int
	// FailuresPerIDPerQuarter bounds failed identifications of one ID number in 15 minutes,
	// from any kiosk.
	FailuresPerIDPerQuarter int
}

func (l Limits) orDefault() Limits {
	if l.IdentifyPerKioskPerMinute == 0 {
		l.IdentifyPerKioskPerMinute = 120
	}
	if l.FailuresPerKioskPerHour == 0 {
		l.FailuresPerKioskPerHour = 30
	}
	if l.FailuresPerIDPerQuarter == 0 {
		l.FailuresPerIDPerQuarter = 5
	}
	return l
}

// limiter counts events in fixed windows per key. It lives in one server process; behind a
// load balancer each replica limits on its own, which multiplies the limits by the replicas.
type limiter struct {
	mu      sync.Mutex
	limits  Limits
	now     func() time.Time
	windows map[string]*window
}

type window struct {
	start time.Time
	count int
}

func newLimiter(l Limits, now func() time.Time) *limiter {
	return &limiter{limits: l, now: now, windows: map[string]*window{}}
}

// idKey identifies an ID number in the limiter's memory by a hash, not the number itself.
func idKey(id model.IDNumber) string {
	sum := sha256.Sum256([]byte("limit:" + id))
	return "id:" + string(sum[:12])
}

// allowIdentify counts an identification attempt and returns the scope that refuses it, or "".
func (l *limiter) allowIdentify(kiosk string, id model.IDNumber) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.prune(now)
	if l.count("fail-kiosk:"+kiosk, time.Hour, now, 0) >= l.limits.FailuresPerKioskPerHour {
		return "kiosk_failures"
	}
	if l.count("fail-"+idKey(id), 15*time.Minute, now, 0) >= l.limits.FailuresPerIDPerQuarter {
		return "id_failures"
	}
	if l.count("kiosk:"+kiosk, time.Minute, now, 1) > l.limits.IdentifyPerKioskPerMinute {
		return "kiosk_rate"
	}
	return ""
}

// failedIdentify records a failed identification.
func (l *limiter) failedIdentify(kiosk string, id model.IDNumber) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.count("fail-kiosk:"+kiosk, time.Hour, now, 1)
	l.count("fail-"+idKey(id), 15*time.Minute, now, 1)
}

// count adds n to the key's window (starting a new one when the old has passed) and returns
// the total.
func (l *limiter) count(key string, span time.Duration, now time.Time, n int) int {
	w, ok := l.windows[key]
	if !ok || now.Sub(w.start) >= span {
		if n == 0 {
			return 0
		}
		w = &window{start: now}
		l.windows[key] = w
	}
	w.count += n
	return w.count
}

// prune drops windows older than the longest span once the map grows, bounding memory under
// an attack that tries many ID numbers.
func (l *limiter) prune(now time.Time) {
	if len(l.windows) < 50000 {
		return
	}
	for k, w := range l.windows {
		if now.Sub(w.start) >= time.Hour {
			delete(l.windows, k)
		}
	}
}
