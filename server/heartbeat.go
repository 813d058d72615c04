package server

// Heartbeats. A kiosk reports how it is doing about once a minute: its outbox, its store's fill,
// its clock's skew, its journal checkpoint. The server checks every field (a kiosk's word is
// hostile like any request's), keeps the last report of each kiosk in the store (kiosk_status),
// and shows it to staff through `kiosk kiosks` and /metrics.

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/server/store"
)

func (s *Server) handleHeartbeat(w http.ResponseWriter, r *http.Request, sess *session) {
	var hb api.Heartbeat
	if err := decodeBody(sess.body, &hb); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "the body must be a heartbeat: "+err.Error())
		return
	}
	now := s.now()
	if path := checkHeartbeat(&hb, now); path != "" {
		writeError(w, http.StatusBadRequest, "bad_request", "the heartbeat's "+path+" is out of bounds: see docs/openapi.json")
		return
	}
	status := statusOf(sess.kiosk.ID, hb, now)
	var regressed bool
	var before int64
	err := s.store.Tx(r.Context(), func(tx store.Tx) error {
		regressed = false // the store may retry this function
		// Touching the kiosk's row first holds it, so that heartbeats of one kiosk replace its
		// status one after the other and each compares with the one before.
		if err := tx.TouchKiosk(sess.kiosk.ID, now); err != nil {
			return err
		}
		prev, err := tx.KioskStatus(sess.kiosk.ID)
		switch {
		case err == nil:
			before = prev.Journal.CheckpointSeq
			regressed = prev.JournalKnown && status.JournalKnown && status.Journal.CheckpointSeq < before
		case errors.Is(err, store.ErrNotFound):
			prev = store.KioskStatus{}
		default:
			return err
		}
		return tx.PutKioskStatus(carrySince(prev, status, now))
	})
	if err != nil {
		s.internalError(w, "heartbeat", err)
		return
	}
	if regressed {
		// A kiosk whose store was replaced (a damaged file moved aside) legitimately starts a new
		// journal at 0, so this is recorded and left to staff, not refused.
		s.metrics.checkpointRegressed(sess.kiosk.ID)
		s.log.Warn("heartbeat: journal checkpoint went backwards", "event", "journal_checkpoint_regressed",
			"kiosk", sess.kiosk.ID, "seq", status.Journal.CheckpointSeq, "previous_seq", before)
	}
	writeJSON(w, http.StatusOK, api.HeartbeatReply{ServerTime: now})
}

// Bounds of a heartbeat: what a kiosk reports about itself is stored and shown to staff.
const (
	maxHeartbeatDevices = 32
	// maxHeartbeatCount bounds the counts: outbox depth, rejected operations, failed attempts.
	maxHeartbeatCount = 10_000_000
	// maxStoreBytes bounds the byte counts of a kiosk's store (1 PiB).
	maxStoreBytes = 1 << 50
	// maxJournalSeq bounds journal sequence numbers: integers every JSON reader holds exactly.
	maxJournalSeq = 1 << 53
	// maxClockSkewMS bounds a reported clock skew: ten years (of 365.25 days) either way.
	maxClockSkewMS = 36525 * 24 * 3600 * 1000 / 10
)

// checkHeartbeat returns the field of a heartbeat that is out of bounds, or "". A time later
// than the server's clock plus the skew a request may have (or not after 1970) is not believed
// and dropped, but the heartbeat is taken: it is how staff learn the kiosk is alive, and a kiosk
// whose clock is wrong needs them most.
func checkHeartbeat(hb *api.Heartbeat, now time.Time) string {
	hb.LastSync = believable(hb.LastSync, now)
	hb.OldestPending = believable(hb.OldestPending, now)
	count := func(n int) bool { return n >= 0 && n <= maxHeartbeatCount }
	switch {
	case !count(hb.OutboxDepth):
		return "outbox_depth"
	case !count(hb.Rejected):
		return "rejected"
	case !count(hb.FailedAttempts):
		return "failed_attempts"
	case hb.ClockSkewMS != nil && (*hb.ClockSkewMS < -maxClockSkewMS || *hb.ClockSkewMS > maxClockSkewMS):
		return "clock_skew_ms"
	case hb.Version != "" && !plainLine(hb.Version, 64):
		return "version"
	case len(hb.Devices) > maxHeartbeatDevices:
		return "devices"
	case len(hb.DeviceStates) > maxHeartbeatDevices:
		return "device_states"
	}
	for name, state := range hb.Devices {
		if !printableASCII(name, maxFieldLen) || !plainLine(state, 128) {
			return "devices"
		}
	}
	for kind, d := range hb.DeviceStates {
		if !printableASCII(kind, maxFieldLen) || d.Name != "" && !plainLine(d.Name, 128) {
			return "device_states"
		}
		if !slices.Contains(api.DeviceStatesAll(), d.State) {
			// A state this server does not know (a newer kiosk's) is shown as unknown rather
			// than refused: the heartbeat is how staff learn the kiosk is alive.
			d.State = api.DeviceUnknown
		}
		d.Since = believable(d.Since, now)
		hb.DeviceStates[kind] = d
	}
	if path := checkStoreStatus(hb.Store); path != "" {
		return "store." + path
	}
	if path := checkJournal(hb.Journal, now); path != "" {
		return "journal." + path
	}
	return ""
}

// believable drops a reported time the server cannot take: later than its clock plus the skew a
// request may have, or not after the Unix epoch (0 means "none" in the store).
func believable(t *time.Time, now time.Time) *time.Time {
	if t == nil || t.After(now.Add(api.MaxClockSkew)) || !t.After(time.Unix(0, 0)) {
		return nil
	}
	return t
}

func checkStoreStatus(st *api.StoreStatus) string {
	if st == nil {
		return ""
	}
	bytes := func(n int64) bool { return n >= 0 && n <= maxStoreBytes }
	switch {
	case !bytes(st.FileBytes):
		return "file_bytes"
	case !bytes(st.UsedBytes):
		return "used_bytes"
	case !bytes(st.MaxBytes):
		return "max_bytes"
	case !bytes(st.DiskFreeBytes):
		return "disk_free_bytes"
	case st.Level != api.StoreOK && st.Level != api.StoreHigh && st.Level != api.StoreStop:
		return "level"
	}
	return ""
}

// checkJournal checks a journal checkpoint: sequence numbers in range with the head at or after
// the checkpoint, and each hash 64 lowercase hex digits, or empty for sequence 0 (nothing
// trimmed yet, an empty journal). A checkpoint time in the future is dropped like other times.
func checkJournal(j *api.JournalCheckpoint, now time.Time) string {
	if j == nil {
		return ""
	}
	if at := believable(&j.At, now); at == nil {
		j.At = time.Time{}
	}
	seq := func(n int64) bool { return n >= 0 && n <= maxJournalSeq }
	switch {
	case !seq(j.Seq):
		return "seq"
	case !journalHash(j.Seq, j.Hash):
		return "hash"
	case !seq(j.HeadSeq) || j.HeadSeq < j.Seq:
		return "head_seq"
	case !journalHash(j.HeadSeq, j.HeadHash):
		return "head_hash"
	}
	return ""
}

// journalHash reports whether h is the hash of entry seq as a kiosk reports it.
func journalHash(seq int64, h string) bool {
	if seq == 0 {
		return h == ""
	}
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// statusOf is a checked heartbeat as the store keeps it.
func statusOf(kioskID string, hb api.Heartbeat, now time.Time) store.KioskStatus {
	st := store.KioskStatus{KioskID: kioskID, ReceivedAt: now, Version: hb.Version, OutboxDepth: int64(hb.OutboxDepth),
		Rejected: int64(hb.Rejected), FailedAttempts: int64(hb.FailedAttempts), Devices: devicesOf(hb)}
	if hb.OldestPending != nil {
		st.OldestPending = *hb.OldestPending
	}
	if hb.LastSync != nil {
		st.LastSync = *hb.LastSync
	}
	if hb.ClockSkewMS != nil {
		st.ClockSkewKnown, st.ClockSkewMS = true, *hb.ClockSkewMS
	}
	if f := hb.Store; f != nil {
		st.StoreKnown = true
		st.Store = store.StoreFill{FileBytes: f.FileBytes, UsedBytes: f.UsedBytes, MaxBytes: f.MaxBytes,
			DiskFreeBytes: f.DiskFreeBytes, Level: f.Level}
	}
	if j := hb.Journal; j != nil {
		st.JournalKnown = true
		st.Journal = store.JournalState{CheckpointSeq: j.Seq, CheckpointHash: j.Hash, CheckpointAt: j.At,
			HeadSeq: j.HeadSeq, HeadHash: j.HeadHash}
	}
	return st
}

// devicesOf is a checked heartbeat's devices as the store keeps them: DeviceStates, or for a
// kiosk that reports only the older "name: state" strings, those read as well as they can be.
func devicesOf(hb api.Heartbeat) map[string]store.DeviceState {
	if len(hb.DeviceStates) == 0 && len(hb.Devices) == 0 {
		return nil
	}
	out := make(map[string]store.DeviceState, len(hb.DeviceStates)+len(hb.Devices))
	for kind, text := range hb.Devices {
		name, state, found := strings.Cut(text, ": ")
		if !found {
			name, state = "", text
		}
		if !slices.Contains(api.DeviceStatesAll(), state) {
			state = api.DeviceUnknown
		}
		out[kind] = store.DeviceState{State: state, Name: name}
	}
	for kind, d := range hb.DeviceStates {
		st := store.DeviceState{State: d.State, Name: d.Name}
		if d.Since != nil {
			st.Since = *d.Since
		}
		out[kind] = st
	}
	return out
}

// carrySince fills in the times a heartbeat's status carries over from the one before: when
// the kiosk's unbroken contact began, and when its problems began.
func carrySince(prev, next store.KioskStatus, now time.Time) store.KioskStatus {
	next.OnlineSince = now
	if !prev.ReceivedAt.IsZero() && now.Sub(prev.ReceivedAt) < store.KioskSilentAfter && !prev.OnlineSince.IsZero() {
		next.OnlineSince = prev.OnlineSince
	}
	next.ProblemsSince = time.Time{}
	if len(KioskProblems(next, now)) > 0 {
		next.ProblemsSince = now
		if !prev.ProblemsSince.IsZero() && next.OnlineSince.Equal(prev.OnlineSince) {
			next.ProblemsSince = prev.ProblemsSince
		}
	}
	return next
}
