package server

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/console"
	"github.com/hallkiosk/kiosk/internal/pgtest"
	"github.com/hallkiosk/kiosk/server/store"
)

// BenchmarkConsoleRefresh measures what one console's refresh (once a second) costs the server
// in a province's year: 200 kiosks in 20 halls with heartbeats, 20,000 rejected operations over
// the year (a tenth followed up), 40 calls open and 20,000 closed. One op is a refresh: the
// calls and the fleet, as the console reads them.
func BenchmarkConsoleRefresh(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		benchConsoleRefresh(b, newEnv(b, filepath.Join(b.TempDir(), "server.db")))
	})
	b.Run("postgres", func(b *testing.B) { benchConsoleRefresh(b, newEnv(b, pgtest.New(b))) })
}

func benchConsoleRefresh(b *testing.B, e *env) {
	ctx := context.Background()
	now := e.clock.Now()
	var kiosks []string
	for i := range 200 {
		enr, err := Enroll(ctx, e.store, e.ref, fmt.Sprintf("kiosk %d", i), fmt.Sprintf("hall %d", i%20), "national", now)
		if err != nil {
			b.Fatal(err)
		}
		kiosks = append(kiosks, enr.KioskID)
	}
	err := e.store.Tx(ctx, func(tx store.Tx) error {
		for i, k := range kiosks {
			st := statusOf(k, api.Heartbeat{Version: "1.5.0", OutboxDepth: i % 7, DeviceStates: map[string]api.DeviceStatus{
				"printer": {State: api.DeviceOK}, "id_reader": {State: api.DeviceOK}, "face": {State: api.DeviceOK}}}, now)
			st.OnlineSince = now
			if err := tx.PutKioskStatus(st); err != nil {
				return err
			}
		}
		for i := range 20_000 {
			k := kiosks[i%len(kiosks)]
			at := now.Add(-time.Duration(i) * 26 * time.Minute) // a year back
			rec := store.OpRecord{OpID: fmt.Sprintf("op-%d", i), KioskID: k, Epoch: 1, Seq: int64(i/len(kiosks)) + 1,
				Type: "pay", RequestHash: "h", Outcome: "rejected", Result: []byte(`{"reasons":[{"code":"op.time_future"}]}`), AppliedAt: at}
			if _, err := tx.InsertOp(rec); err != nil {
				return err
			}
			if i%10 == 0 {
				if _, err := tx.FollowUpOp(rec.OpID, k, "desk-1", at); err != nil {
					return err
				}
			}
			call := store.StaffCall{KioskID: k, CallID: fmt.Sprintf("c-%d", i), Screen: "pay", MadeAt: at, ReceivedAt: at,
				State: store.CallClosed, ClosedAt: at.Add(time.Minute), ClosedBy: "desk-1"}
			if i < 40 {
				call.State, call.ClosedAt, call.ClosedBy = store.CallOpen, time.Time{}, ""
			}
			if _, err := tx.InsertStaffCall(call); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	src := e.srv.StaffSource()
	for _, staff := range []console.Staff{{ID: "desk-1", Hall: "hall 3"}, {ID: "chief", Admin: true}} {
		name := "hall"
		if staff.Admin {
			name = "admin"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := src.Calls(ctx, staff); err != nil {
					b.Fatal(err)
				}
				if _, err := src.Fleet(ctx, staff); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
