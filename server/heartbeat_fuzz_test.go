package server

import (
	"encoding/json"
	"slices"
	"strings"
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
		DeviceStates: map[string]api.DeviceStatus{"printer": {State: api.DevicePaperOut, Name: "receipt printer", Since: &last}},
		Store:        &api.StoreStatus{FileBytes: 1 << 20, UsedBytes: 1 << 19, MaxBytes: 256 << 20, DiskFreeBytes: 1 << 30, Level: api.StoreOK},
		Journal:      &api.JournalCheckpoint{Seq: 5, Hash: string(make64('a')), At: last, HeadSeq: 9, HeadHash: string(make64('b'))}})
	f.Add(good)
	f.Add([]byte(`{"outbox_depth":-1}`))
	f.Add([]byte(`{"store":{"level":"full","used_bytes":1e30}}`))
	f.Add([]byte(`{"journal":{"seq":3,"hash":"zz","head_seq":1}}`))
	f.Add([]byte(`{"device_states":{"printer":{"state":"on fire","since":"2099-01-01T00:00:00Z"}}}`))
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
		times := []time.Time{st.LastSync, st.OldestPending, st.Journal.CheckpointAt}
		for kind, d := range st.Devices {
			if !slices.Contains(api.DeviceStatesAll(), d.State) || !printableASCII(kind, maxFieldLen) {
				t.Fatalf("device %q state %q", kind, d.State)
			}
			times = append(times, d.Since)
		}
		for _, tm := range times {
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

// FuzzCalls: whatever a kiosk sends as its calls, the server either refuses the request naming
// a field, or keeps calls with ids and screens of their alphabets and times inside the window.
func FuzzCalls(f *testing.F) {
	now := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	end := now.Add(-time.Minute)
	good, _ := json.Marshal(api.CallsRequest{Calls: []api.StaffCall{{ID: "c-1", Screen: "pay", MadeAt: now.Add(-time.Hour), EndedAt: &end}}})
	f.Add(good)
	f.Add([]byte(`{"calls":[{"id":"a","screen":"x","made_at":"2099-01-01T00:00:00Z","ended_at":"1970-01-01T00:00:00Z"}]}`))
	f.Add([]byte(`{"calls":[{"id":"a\u001b","screen":"X","made_at":"2026-12-05T09:00:00Z"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var req api.CallsRequest
		if decodeBody(body, &req) != nil || checkCalls(&req, now) != "" {
			return
		}
		if len(req.Calls) == 0 || len(req.Calls) > api.MaxCallsPerRequest {
			t.Fatalf("%d calls taken", len(req.Calls))
		}
		for _, c := range req.Calls {
			if !api.ValidClientID(c.ID) || !api.ValidScreenName(c.Screen) || strings.ContainsAny(c.ID+c.Screen, "\x1b\x00 ") {
				t.Fatalf("call %+v taken", c)
			}
			if c.MadeAt.After(now) || c.MadeAt.Before(now.Add(-callMaxAge)) {
				t.Fatalf("made_at %v outside the window", c.MadeAt)
			}
			if c.EndedAt != nil && (c.EndedAt.After(now) || c.EndedAt.Before(c.MadeAt)) {
				t.Fatalf("ended_at %v outside the window", *c.EndedAt)
			}
		}
	})
}
