package store

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func rejectedOp(id, kiosk string, seq int64, at time.Time) OpRecord {
	return OpRecord{OpID: id, KioskID: kiosk, Epoch: 1, Seq: seq, Type: "pay", RequestHash: "h", Outcome: "rejected",
		Result: []byte(`{"reasons":[{"code":"op.time_future"}]}`), AppliedAt: at}
}

// Each kiosk's count of rejections nobody followed up goes up with a stored rejection (not with
// an applied operation or a repeated insert) and down with a follow-up (once); the schema's
// migration counts the rejections stored before it.
func TestOpenRejectionsCounted(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		now := at("2026-12-05 10:00:00.000")
		mustTx(t, s, func(tx Tx) error { return errors.Join(tx.InsertKiosk(kiosk("K-001")), tx.InsertKiosk(kiosk("K-002"))) })
		mustTx(t, s, func(tx Tx) error {
			for i := range 3 {
				if _, err := tx.InsertOp(rejectedOp(fmt.Sprintf("op-%d", i), "K-001", int64(i+1), now)); err != nil {
					return err
				}
			}
			again, err := tx.InsertOp(rejectedOp("op-0", "K-001", 1, now))
			if again || err != nil {
				return fmt.Errorf("a repeated insert: %v %v", again, err)
			}
			applied := rejectedOp("op-9", "K-002", 1, now)
			applied.Outcome = "applied"
			_, err = tx.InsertOp(applied)
			return err
		})
		counts := func() map[string]int {
			t.Helper()
			var out map[string]int
			mustRead(t, s, func(r Reader) error {
				var err error
				out, err = r.OpenRejections()
				return err
			})
			return out
		}
		if got := counts(); len(got) != 1 || got["K-001"] != 3 {
			t.Fatalf("open rejections %v, want K-001: 3", got)
		}
		mustTx(t, s, func(tx Tx) error {
			first, err := tx.FollowUpOp("op-1", "K-001", "desk-1", now)
			if !first || err != nil {
				return fmt.Errorf("follow-up: %v %v", first, err)
			}
			second, err := tx.FollowUpOp("op-1", "K-001", "desk-2", now)
			if second || err != nil {
				return fmt.Errorf("a second follow-up: %v %v", second, err)
			}
			return nil
		})
		if got := counts(); got["K-001"] != 2 {
			t.Fatalf("after a follow-up %v, want K-001: 2", got)
		}
		mustRead(t, s, func(r Reader) error {
			recs, err := r.KioskRejections("K-001", 10)
			if err != nil || len(recs) != 3 {
				return fmt.Errorf("rejections %+v %v", recs, err)
			}
			for _, rec := range recs {
				if (rec.OpID == "op-1") != (rec.FollowedUpBy == "desk-1") {
					t.Errorf("rejection %+v", rec)
				}
			}
			return nil
		})
		// The migration: a database of version 9 with these rejections counts them.
		d := s.(*db)
		for _, q := range []string{`DROP TABLE staff_calls`, `DROP TABLE op_followups`, `DROP INDEX ops_kiosk_outcome`,
			`ALTER TABLE kiosks DROP COLUMN open_rejections`, `ALTER TABLE kiosk_status DROP COLUMN online_since`,
			`ALTER TABLE kiosk_status DROP COLUMN problems_since`, `DELETE FROM schema_migrations WHERE version = 10`} {
			if _, err := d.writer.ExecContext(t.Context(), q); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := counts(); got["K-001"] != 3 || len(got) != 1 {
			t.Fatalf("after the migration %v, want K-001: 3", got)
		}
	})
}
