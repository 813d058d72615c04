package server

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
)

// fullHeartbeat is a heartbeat with every field set, as a kiosk a week into an outage sends it.
func fullHeartbeat(now time.Time) api.Heartbeat {
	oldest, synced, skew := now.Add(-7*24*time.Hour), now.Add(-7*24*time.Hour-time.Minute), int64(-600_250)
	return api.Heartbeat{OutboxDepth: 40, LastSync: &synced, Devices: map[string]string{"printer": "ok"}, Version: "1.2.3",
		OldestPending: &oldest, Rejected: 2, FailedAttempts: 608, ClockSkewMS: &skew,
		Store: &api.StoreStatus{FileBytes: 21 << 20, UsedBytes: 12 << 20, MaxBytes: 256 << 20, DiskFreeBytes: 1 << 40, Level: api.StoreHigh},
		Journal: &api.JournalCheckpoint{Seq: 30000, Hash: strings.Repeat("ab", 32), At: now.Add(-time.Hour),
			HeadSeq: 32126, HeadHash: strings.Repeat("cd", 32)}}
}

func (e *env) adminKiosk(id string) AdminKiosk {
	e.t.Helper()
	ks, err := ReadAdminKiosks(context.Background(), e.store)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, k := range ks {
		if k.ID == id {
			return k
		}
	}
	e.t.Fatalf("kiosk %s is not listed", id)
	return AdminKiosk{}
}

// A heartbeat is kept whole: staff read it back through the admin listing and /metrics, and the
// next one replaces it.
func TestHeartbeatIsStoredAndShown(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		now := e.clock.Now()
		if got := e.adminKiosk(e.kiosk.KioskID); got.Status != nil {
			t.Fatalf("a kiosk that never sent a heartbeat has a status: %+v", got.Status)
		}
		hb := fullHeartbeat(now)
		if _, err := e.client.Heartbeat(ctx, hb); err != nil {
			t.Fatal(err)
		}
		st := e.adminKiosk(e.kiosk.KioskID).Status
		if st == nil {
			t.Fatal("no status after a heartbeat")
		}
		want := AdminKioskStatus{ReceivedAt: now.UTC(), Version: "1.2.3", OutboxDepth: 40, OldestPending: ptrUTC(*hb.OldestPending),
			LastSync: ptrUTC(*hb.LastSync), Rejected: 2, FailedAttempts: 608, ClockSkewMS: hb.ClockSkewMS, Store: hb.Store,
			Journal: &api.JournalCheckpoint{Seq: 30000, Hash: hb.Journal.Hash, At: hb.Journal.At.UTC(), HeadSeq: 32126,
				HeadHash: hb.Journal.HeadHash}, Devices: map[string]api.DeviceStatus{"printer": {State: "ok"}}}
		if !reflect.DeepEqual(*st, want) {
			t.Errorf("status\ngot:  %+v\nwant: %+v", *st, want)
		}
		m := e.metricsText()
		id := `{kiosk="` + e.kiosk.KioskID + `"} `
		for _, line := range []string{
			"kiosk_outbox_depth" + id + "40",
			"kiosk_oldest_pending_age_seconds" + id + "604800",
			"kiosk_rejected_operations" + id + "2",
			"kiosk_clock_skew_seconds" + id + "-600.25",
			"kiosk_store_used_bytes" + id + "1.2582912e+07", // 12 MiB, as the text format writes it
			"kiosk_store_level" + id + "1",
			"kiosk_journal_checkpoint_seq" + id + "30000",
		} {
			if !strings.Contains(m, line+"\n") {
				t.Errorf("metrics lack %s", line)
			}
		}

		// The next heartbeat replaces the status, the parts it leaves out included; a kiosk that
		// has not measured its skew has no skew gauge.
		e.clock.Add(time.Minute)
		if _, err := e.client.Heartbeat(ctx, api.Heartbeat{Version: "1.2.4"}); err != nil {
			t.Fatal(err)
		}
		st = e.adminKiosk(e.kiosk.KioskID).Status
		if st == nil || st.Version != "1.2.4" || st.OutboxDepth != 0 || st.OldestPending != nil || st.ClockSkewMS != nil ||
			st.Store != nil || st.Journal != nil || !st.ReceivedAt.Equal(e.clock.Now()) {
			t.Errorf("the second heartbeat: %+v", st)
		}
		m = e.metricsText()
		if !strings.Contains(m, "kiosk_outbox_depth"+id+"0\n") || strings.Contains(m, "kiosk_clock_skew_seconds"+id) ||
			strings.Contains(m, "kiosk_store_level"+id) {
			t.Errorf("metrics after a bare heartbeat:\n%s", m)
		}
	})
}

func ptrUTC(t time.Time) *time.Time { u := t.UTC(); return &u }

// Times a kiosk reports in the future are not believed: dropped, the heartbeat taken.
func TestHeartbeatDropsFutureTimes(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		now := e.clock.Now()
		hb := fullHeartbeat(now)
		future := now.Add(api.MaxClockSkew + time.Second)
		hb.OldestPending, hb.LastSync, hb.Journal.At = &future, &future, future
		if _, err := e.client.Heartbeat(context.Background(), hb); err != nil {
			t.Fatal(err)
		}
		st := e.adminKiosk(e.kiosk.KioskID).Status
		if st.OldestPending != nil || st.LastSync != nil || st.Journal == nil || !st.Journal.At.IsZero() || st.Journal.Seq != 30000 {
			t.Errorf("future times must be dropped and the rest kept: %+v %+v", st, st.Journal)
		}
		if m := e.metricsText(); !strings.Contains(m, `kiosk_oldest_pending_age_seconds{kiosk="`+e.kiosk.KioskID+`"} 0`+"\n") {
			t.Error("a dropped oldest pending time must read as nothing waiting")
		}
	})
}

// A checkpoint below the kiosk's last is stored (a replaced store restarts at 0) but counted
// and logged; a checkpoint that moves on is not.
func TestHeartbeatCheckpointRegression(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		send := func(seq int64) {
			t.Helper()
			hb := api.Heartbeat{Version: "1", Journal: &api.JournalCheckpoint{HeadSeq: seq + 10, HeadHash: strings.Repeat("1", 64)}}
			if seq > 0 {
				hb.Journal.Seq, hb.Journal.Hash = seq, strings.Repeat("2", 64)
			}
			if _, err := e.client.Heartbeat(ctx, hb); err != nil {
				t.Fatal(err)
			}
		}
		metric := `kiosk_journal_checkpoint_regressions_total{kiosk="` + e.kiosk.KioskID + `"} `
		send(100)
		send(200)
		send(200)
		if strings.Contains(e.logs.String(), "journal_checkpoint_regressed") || strings.Contains(e.metricsText(), metric) {
			t.Fatal("a checkpoint that moved on or stayed was taken for a regression")
		}
		send(0) // a new store
		if st := e.adminKiosk(e.kiosk.KioskID).Status; st.Journal == nil || st.Journal.Seq != 0 || st.Journal.HeadSeq != 10 {
			t.Errorf("the regressed checkpoint is not stored: %+v", st.Journal)
		}
		if !strings.Contains(e.logs.String(), `"event":"journal_checkpoint_regressed"`) || !strings.Contains(e.metricsText(), metric+"1\n") {
			t.Error("the regression is neither logged nor counted")
		}
		send(50)
		if !strings.Contains(e.metricsText(), metric+"1\n") {
			t.Error("a checkpoint moving on after the restart counted as a regression")
		}
	})
}
