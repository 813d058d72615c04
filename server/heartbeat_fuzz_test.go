package server

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
)

// FuzzHeartbeat: whatever body a kiosk sends as a heartbeat, the server either refuses it
// naming a field, or stores a status inside the bounds staff screens and metrics rely on.
func FuzzHeartbeat(f *testing.F) {
	now := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	skew := int64(600_000)
	last := now.Add(-time.Hour)
	good, _ := json.Marshal(api.Heartbeat{OutboxDepth: 3, LastSync: &last, OldestPending: &last, Version: "1.0",
		Rejected: 1, FailedAttempts: 40, ClockSkewMS: &skew, Devices: map[string]string{"printer": "ok"},
		Store:   &api.StoreStatus{FileBytes: 1 << 20, UsedBytes: 1 << 19, MaxBytes: 256 << 20, DiskFreeBytes: 1 << 30, Level: api.StoreOK},
		Journal: &api.JournalCheckpoint{Seq: 5, Hash: string(make64('a')), At: last, HeadSeq: 9, HeadHash: string(make64('b'))}})
	f.Add(good)
	f.Add([]byte(`{"outbox_depth":-1}`))
	f.Add([]byte(`{"store":{"level":"full","used_bytes":1e30}}`))
	f.Add([]byte(`{"journal":{"seq":3,"hash":"zz","head_seq":1}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var hb api.Heartbeat
		if decodeBody(body, &hb) != nil {
			return
		}
		if checkHeartbeat(&hb, now) != "" {
			return
		}
		st := statusOf("k-1", hb, now)
		if st.OutboxDepth < 0 || st.OutboxDepth > maxHeartbeatCount || st.Rejected < 0 || st.FailedAttempts < 0 {
			t.Fatalf("counts out of bounds: %+v", st)
		}
		if st.ClockSkewKnown && (st.ClockSkewMS < -maxClockSkewMS || st.ClockSkewMS > maxClockSkewMS) {
			t.Fatalf("skew out of bounds: %d", st.ClockSkewMS)
		}
		if st.StoreKnown && st.Store.Level != api.StoreOK && st.Store.Level != api.StoreHigh && st.Store.Level != api.StoreStop {
			t.Fatalf("store level %q", st.Store.Level)
		}
		if st.JournalKnown && (st.Journal.HeadSeq < st.Journal.CheckpointSeq || !journalHash(st.Journal.CheckpointSeq, st.Journal.CheckpointHash)) {
			t.Fatalf("journal %+v", st.Journal)
		}
		for _, tm := range []time.Time{st.LastSync, st.OldestPending, st.Journal.CheckpointAt} {
			if tm.After(now.Add(api.MaxClockSkew)) {
				t.Fatalf("a time after the server's clock was believed: %v", tm)
			}
		}
	})
}

func make64(c byte) []byte {
	b := make([]byte, 64)
	for i := range b {
		b[i] = c
	}
	return b
}
