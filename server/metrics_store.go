package server

// The gauges /metrics reads from the store at each scrape. They are facts of the store, not of
// the process: every server process behind a load balancer shows the same, also after a restart.

import (
	"context"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/console"
	"github.com/hallkiosk/kiosk/server/store"
)

// storeSnapshot is what one scrape read from the store, at now.
type storeSnapshot struct {
	now      time.Time
	kiosks   []store.Kiosk
	statuses []store.KioskStatus
	refunds  map[string]int64  // refunds by state
	open     map[string]int    // rejected operations nobody followed up, by kiosk
	calls    []store.StaffCall // calls not closed (and any closed at now)
	writable bool              // the server's store takes writes, as /healthz would say
}

// readSnapshot reads what the gauges show in one read transaction.
func (s *Server) readSnapshot(ctx context.Context, now time.Time) (storeSnapshot, error) {
	snap := storeSnapshot{now: now}
	err := s.store.Read(ctx, func(rd store.Reader) error {
		var err error
		if snap.kiosks, err = rd.Kiosks(); err != nil {
			return err
		}
		if snap.refunds, err = rd.RefundCounts(); err != nil {
			return err
		}
		if snap.statuses, err = rd.KioskStatuses(); err != nil {
			return err
		}
		if snap.open, err = rd.OpenRejections(); err != nil {
			return err
		}
		snap.calls, err = rd.StaffCalls("", now)
		return err
	})
	return snap, err
}

// storeDescs describes the gauges of a snapshot. They are made once, with the metrics, and
// never change.
type storeDescs struct {
	lastSeen, heartbeatAt, rejectedOpen, kioskState, deviceState *prometheus.Desc
	staffCalls, oldestCall, refunds, writable                    *prometheus.Desc
	// status are the gauges of each kiosk's last heartbeat.
	status []statusGauge
}

// statusGauge is a gauge of a kiosk's last heartbeat: value reports false for a part the kiosk
// did not report (its clock's skew before it measured it, its store, its journal), which then
// has no sample.
type statusGauge struct {
	desc  *prometheus.Desc
	value func(st store.KioskStatus, now time.Time) (float64, bool)
}

func newStoreDescs() storeDescs {
	kiosk := []string{"kiosk"}
	d := storeDescs{
		lastSeen: prometheus.NewDesc("kiosk_last_seen_timestamp_seconds",
			"When each enrolled kiosk was last heard from (0: never).", kiosk, nil),
		heartbeatAt: prometheus.NewDesc("kiosk_heartbeat_timestamp_seconds",
			"When the server received each kiosk's last heartbeat (no sample: none yet).", kiosk, nil),
		rejectedOpen: prometheus.NewDesc("kiosk_rejected_open",
			"Operations of each kiosk the server rejected that no member of staff has followed up yet.", kiosk, nil),
		kioskState: prometheus.NewDesc("kiosk_state",
			"Each kiosk's state as the staff console shows it: 1 for its current state (online, degraded, offline, revoked), 0 for the others.",
			[]string{"kiosk", "state"}, nil),
		deviceState: prometheus.NewDesc("kiosk_device_state",
			"Each device's state from its kiosk's last heartbeat: 1 for the current state, 0 for the others.",
			[]string{"kiosk", "device", "state"}, nil),
		staffCalls: prometheus.NewDesc("kiosk_staff_calls",
			"Calls for staff not closed, by the kiosk's hall and state (open: nobody acknowledged it; coming: staff are on the way).",
			[]string{"hall", "state"}, nil),
		oldestCall: prometheus.NewDesc("kiosk_staff_call_oldest_open_seconds",
			"Seconds since the kiosk made the oldest call of each hall nobody has acknowledged (0: none).",
			[]string{"hall"}, nil),
		refunds: prometheus.NewDesc("kiosk_refunds",
			"Refunds by state: owed (to be issued), issuing (the channel was asked), issued, settled.",
			[]string{"state"}, nil),
		writable: prometheus.NewDesc("kiosk_server_store_writable",
			"1 while the server's own store takes writes, 0 while /healthz fails for storage (store_full, store_read_only, store_unavailable).",
			nil, nil),
	}
	gauge := func(name, help string, value func(store.KioskStatus, time.Time) (float64, bool)) {
		d.status = append(d.status, statusGauge{prometheus.NewDesc(name, help, kiosk, nil), value})
	}
	gauge("kiosk_outbox_depth", "Operations waiting in each kiosk's outbox, from its last heartbeat.",
		func(st store.KioskStatus, _ time.Time) (float64, bool) { return float64(st.OutboxDepth), true })
	gauge("kiosk_oldest_pending_age_seconds", "Age of the oldest operation waiting in each kiosk's outbox (0: none waits).",
		func(st store.KioskStatus, now time.Time) (float64, bool) {
			if st.OldestPending.IsZero() || !now.After(st.OldestPending) {
				return 0, true
			}
			return now.Sub(st.OldestPending).Truncate(time.Second).Seconds(), true
		})
	gauge("kiosk_rejected_operations", "Operations the platform rejected that staff at each kiosk have not yet dealt with.",
		func(st store.KioskStatus, _ time.Time) (float64, bool) { return float64(st.Rejected), true })
	gauge("kiosk_clock_skew_seconds", "Each kiosk's clock minus the server's, as the kiosk last measured it.",
		func(st store.KioskStatus, _ time.Time) (float64, bool) {
			return float64(st.ClockSkewMS) / 1000, st.ClockSkewKnown
		})
	gauge("kiosk_store_used_bytes", "Bytes in use in each kiosk's local store.",
		func(st store.KioskStatus, _ time.Time) (float64, bool) {
			return float64(st.Store.UsedBytes), st.StoreKnown
		})
	gauge("kiosk_store_level", "Fill level of each kiosk's local store: 0 ok, 1 high (pruning early), 2 stop (no new offline operations).",
		func(st store.KioskStatus, _ time.Time) (float64, bool) {
			return float64(storeLevelValue(st.Store.Level)), st.StoreKnown
		})
	gauge("kiosk_journal_checkpoint_seq", "Sequence number of each kiosk's journal checkpoint (entries trimmed so far).",
		func(st store.KioskStatus, _ time.Time) (float64, bool) {
			return float64(st.Journal.CheckpointSeq), st.JournalKnown
		})
	return d
}

// storeLevelValue is a store level as a gauge's value.
func storeLevelValue(level string) int {
	switch level {
	case api.StoreHigh:
		return 1
	case api.StoreStop:
		return 2
	}
	return 0
}

// storeCollector collects the gauges of one snapshot; a scrape registers one in a registry of
// its own, gathered together with the process's.
type storeCollector struct {
	descs *storeDescs
	snap  storeSnapshot
}

func (c storeCollector) Describe(ch chan<- *prometheus.Desc) {
	d := c.descs
	for _, desc := range []*prometheus.Desc{d.lastSeen, d.heartbeatAt, d.rejectedOpen, d.kioskState, d.deviceState,
		d.staffCalls, d.oldestCall, d.refunds, d.writable} {
		ch <- desc
	}
	for _, g := range d.status {
		ch <- g.desc
	}
}

func (c storeCollector) Collect(ch chan<- prometheus.Metric) {
	d, snap := c.descs, c.snap
	gauge := func(desc *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, labels...)
	}
	byKiosk := make(map[string]store.KioskStatus, len(snap.statuses))
	for _, st := range snap.statuses {
		byKiosk[st.KioskID] = st
	}
	openCalls := map[string]int{}
	for _, call := range snap.calls {
		if call.ClosedAt.IsZero() {
			openCalls[call.KioskID]++
		}
	}
	states := []string{console.KioskOnline, console.KioskDegraded, console.KioskOffline, console.KioskRevoked}
	enrolled := make(map[string]bool, len(snap.kiosks))
	for _, k := range snap.kiosks {
		enrolled[k.ID] = true
		seen := 0.0
		if !k.LastSeen.IsZero() {
			seen = float64(k.LastSeen.Unix())
		}
		gauge(d.lastSeen, seen, k.ID)
		gauge(d.rejectedOpen, float64(snap.open[k.ID]), k.ID)
		st, hasStatus := byKiosk[k.ID]
		// The state is the console's, by the console's rules, so that an alert and the hall's
		// screen never disagree.
		fleet := fleetKiosk(k, st, hasStatus, snap.open[k.ID], openCalls[k.ID], snap.now)
		for _, state := range states {
			gauge(d.kioskState, oneIf(fleet.State == state), k.ID, state)
		}
	}
	// Rejections of a kiosk no longer listed (none, while kiosks are never deleted) still show.
	for _, id := range sortedKeys(snap.open) {
		if !enrolled[id] {
			gauge(d.rejectedOpen, float64(snap.open[id]), id)
		}
	}
	for _, st := range snap.statuses {
		gauge(d.heartbeatAt, float64(st.ReceivedAt.Unix()), st.KioskID)
		for _, g := range d.status {
			if v, ok := g.value(st, snap.now); ok {
				gauge(g.desc, v, st.KioskID)
			}
		}
		for _, device := range sortedKeys(st.Devices) {
			current := st.Devices[device].State
			for _, state := range api.DeviceStatesAll() {
				gauge(d.deviceState, oneIf(current == state), st.KioskID, device, state)
			}
		}
	}
	c.collectCalls(ch, gauge)
	for _, state := range store.RefundStates() {
		gauge(d.refunds, float64(snap.refunds[state]), state)
	}
	gauge(d.writable, oneIf(snap.writable))
}

// collectCalls writes the calls not closed by hall and state, every state of every hall that
// has a kiosk present (0 for none), so that an alert has a series to watch before the first
// call; and the age of each hall's oldest call nobody acknowledged.
func (c storeCollector) collectCalls(ch chan<- prometheus.Metric, gauge func(*prometheus.Desc, float64, ...string)) {
	d, snap := c.descs, c.snap
	type hallCalls struct {
		open, coming int
		oldest       time.Duration
	}
	halls := map[string]*hallCalls{}
	for _, k := range snap.kiosks {
		if k.RevokedAt.IsZero() && halls[k.Hall] == nil {
			halls[k.Hall] = &hallCalls{}
		}
	}
	for _, call := range snap.calls {
		if !call.ClosedAt.IsZero() {
			continue
		}
		h := halls[call.KioskHall]
		if h == nil {
			h = &hallCalls{}
			halls[call.KioskHall] = h
		}
		switch call.State {
		case store.CallOpen:
			h.open++
			h.oldest = max(h.oldest, snap.now.Sub(call.MadeAt).Truncate(time.Second))
		case store.CallComing:
			h.coming++
		}
	}
	for _, hall := range sortedKeys(halls) {
		h := halls[hall]
		gauge(d.staffCalls, float64(h.open), hall, store.CallOpen)
		gauge(d.staffCalls, float64(h.coming), hall, store.CallComing)
		gauge(d.oldestCall, h.oldest.Seconds(), hall)
	}
}

func oneIf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
