package model

import (
	"fmt"
	"sort"
	"time"
)

// OfflineRules are the store-and-forward policy (as card terminals have it): what a kiosk may
// still accept while it cannot reach the server, bounded so that the risk taken is known.
type OfflineRules struct {
	// CacheTTLMinutes is how long a looked-up record stays in the kiosk's encrypted cache.
	CacheTTLMinutes int `json:"cache_ttl_minutes"`
	// KeepCacheOffline keeps looked-up records past the session end while the kiosk is offline,
	// so that a driver who looked up before the outage can still process and pay.
	KeepCacheOffline bool `json:"keep_cache_offline"`
	// Ops holds the policy of every operation type.
	Ops map[string]OfflineOp `json:"ops"`
	// AcceptAgeHours is how old an operation may be when it reaches the server, from the time
	// the kiosk says the person confirmed it. The server takes a kiosk's time only inside this
	// bound (plus the clock skew it allows), so that a kiosk cannot date a payment back to
	// avoid a late fee; it is long enough for a hall that was cut off for a week, since an
	// operation queued before an outage is delivered only after it.
	AcceptAgeHours int `json:"accept_age_hours"`
}

// AcceptAge is AcceptAgeHours as a duration.
func (r OfflineRules) AcceptAge() time.Duration { return time.Duration(r.AcceptAgeHours) * time.Hour }

// OfflineOp bounds one operation type while offline.
type OfflineOp struct {
	Allowed bool `json:"allowed"`
	// MaxCount bounds how many operations of this type may wait in the outbox.
	MaxCount int `json:"max_count"`
	// MaxAmount bounds the money waiting in the outbox for this type (payments), 0 for none.
	MaxAmount Fen `json:"max_amount_fen"`
	// MaxAgeHours bounds how long the kiosk may have been without a successful sync.
	MaxAgeHours int `json:"max_age_hours"`
}

// OpTypes are the operation types a kiosk sends.
func OpTypes() []string { return []string{"process", "pay", "bind", "unbind", "follow", "unfollow"} }

// Queued describes what waits in a kiosk's outbox, per operation type.
type Queued struct {
	Count  map[string]int
	Amount map[string]Fen
}

// KioskCondition is what a kiosk knows about itself that bears on taking work offline.
type KioskCondition struct {
	// StoreFull: the kiosk's store is at its stop watermark; what room is left is for draining.
	StoreFull bool
	// ClockKnown: the kiosk has measured its clock against the server's since it started;
	// ClockSkew is then its own clock minus the server's.
	ClockKnown bool
	ClockSkew  time.Duration
}

// MaxOfflineClockSkew is the largest error of a kiosk's own clock with which it still takes
// money offline. The kiosk dates and signs with its clock corrected by the server's, so a
// larger error does no harm while the correction holds; but a clock that far off means its time
// service is broken, and a restart during the outage would lose the correction and date money
// wrongly, which decides late fees.
const MaxOfflineClockSkew = time.Minute

// OfflineCheck says whether an operation of type op (moving amount) may be queued now although
// the server cannot be reached, given what already waits, when the kiosk last synced, and the
// kiosk's condition.
func (r OfflineRules) OfflineCheck(op string, amount Fen, q Queued, lastSync, now time.Time, k KioskCondition) []Reason {
	rule, ok := r.Ops[op]
	if !ok || !rule.Allowed {
		return []Reason{{Code: ReasonOfflineNotAllowed, Args: Args{Term: "op_type." + op}}}
	}
	var rs []Reason
	if k.StoreFull {
		rs = append(rs, Reason{Code: ReasonOfflineStoreFull})
	}
	if op == "pay" && (!k.ClockKnown || k.ClockSkew > MaxOfflineClockSkew || k.ClockSkew < -MaxOfflineClockSkew) {
		rs = append(rs, Reason{Code: ReasonOfflineClock, Args: Args{Limit: int(MaxOfflineClockSkew.Seconds())}})
	}
	if n := q.Count[op]; n >= rule.MaxCount {
		rs = append(rs, Reason{Code: ReasonOfflineCount, Args: Args{N: n, Limit: rule.MaxCount}})
	}
	if rule.MaxAmount > 0 && q.Amount[op]+amount > rule.MaxAmount {
		rs = append(rs, Reason{Code: ReasonOfflineAmount, Args: Args{Fen: q.Amount[op] + amount, LimitFen: rule.MaxAmount}})
	}
	if !lastSync.IsZero() && now.Sub(lastSync) > time.Duration(rule.MaxAgeHours)*time.Hour {
		rs = append(rs, Reason{Code: ReasonOfflineTooLong, Args: Args{At: lastSync, Limit: rule.MaxAgeHours}})
	}
	if lastSync.IsZero() {
		// A kiosk that never synced has no reference point: nothing may queue.
		rs = append(rs, Reason{Code: ReasonOfflineTooLong, Args: Args{Limit: rule.MaxAgeHours}})
	}
	return rs
}

// validate names the first broken field of the offline rules.
func (r OfflineRules) validate() error {
	if r.CacheTTLMinutes < 1 || r.CacheTTLMinutes > 24*60 {
		return fmt.Errorf("offline.cache_ttl_minutes: must be between 1 and 1440")
	}
	if r.AcceptAgeHours < 1 || r.AcceptAgeHours > 30*24 {
		return fmt.Errorf("offline.accept_age_hours: must be between 1 and 720")
	}
	known := map[string]bool{}
	for _, t := range OpTypes() {
		known[t] = true
		op, ok := r.Ops[t]
		if !ok {
			return fmt.Errorf("offline.ops.%s: missing: every operation type needs a policy", t)
		}
		if op.Allowed && (op.MaxCount < 1 || op.MaxAgeHours < 1 || op.MaxAmount < 0) {
			return fmt.Errorf("offline.ops.%s: an allowed type needs max_count and max_age_hours of at least 1", t)
		}
		if op.Allowed && op.MaxAgeHours > r.AcceptAgeHours {
			return fmt.Errorf("offline.ops.%s.max_age_hours: %d is longer than offline.accept_age_hours (%d): the server would refuse what the kiosk queued", t, op.MaxAgeHours, r.AcceptAgeHours)
		}
	}
	var extra []string
	for t := range r.Ops {
		if !known[t] {
			extra = append(extra, t)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return fmt.Errorf("offline.ops.%s: not an operation type (use %v)", extra[0], OpTypes())
	}
	return nil
}
