package store

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func kioskStatus(id string) KioskStatus {
	return KioskStatus{
		KioskID: id, ReceivedAt: at("2026-11-21 10:00:00.250"), Version: "1.2.3", OutboxDepth: 40,
		OldestPending: at("2026-11-14 09:00:00.000"), LastSync: at("2026-11-14 08:59:00.000"), Rejected: 2,
		FailedAttempts: 608, ClockSkewKnown: true, ClockSkewMS: -600_000, StoreKnown: true,
		Store:        StoreFill{FileBytes: 21 << 20, UsedBytes: 12 << 20, MaxBytes: 256 << 20, DiskFreeBytes: 1 << 40, Level: "high"},
		JournalKnown: true,
		Journal: JournalState{CheckpointSeq: 30000, CheckpointHash: strings.Repeat("ab", 32),
			CheckpointAt: at("2026-11-20 03:00:00.000"), HeadSeq: 32126, HeadHash: strings.Repeat("cd", 32)},
		Devices: map[string]DeviceState{"printer": {State: "paper_low", Name: "receipt printer", Since: at("2026-11-21 09:58:00.000")},
			"face": {State: "ok"}},
		OnlineSince: at("2026-11-20 08:00:00.000"), ProblemsSince: at("2026-11-21 09:58:00.000"),
	}
}

// A heartbeat's status is stored whole, replaced by the next, and listed by kiosk; a kiosk that
// reported nothing optional reads back with the known flags false.
func TestKioskStatusRoundTrip(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		mustTx(t, s, func(tx Tx) error { return errors.Join(tx.InsertKiosk(kiosk("K-002")), tx.InsertKiosk(kiosk("K-001"))) })
		mustRead(t, s, func(r Reader) error {
			if _, err := r.KioskStatus("K-001"); !errors.Is(err, ErrNotFound) {
				t.Errorf("status before the first heartbeat: %v, want ErrNotFound", err)
			}
			return nil
		})
		full := kioskStatus("K-001")
		mustTx(t, s, func(tx Tx) error { return tx.PutKioskStatus(full) })
		mustRead(t, s, func(r Reader) error {
			got, err := r.KioskStatus("K-001")
			same(t, "status as put", got, full)
			return err
		})
		// The next heartbeat replaces everything, optional parts included.
		bare := KioskStatus{KioskID: "K-001", ReceivedAt: at("2026-11-21 10:01:00.000"), Version: "1.2.4",
			Devices: map[string]DeviceState{}}
		other := kioskStatus("K-002")
		other.ClockSkewMS = 0 // a measured skew of 0 stays known
		mustTx(t, s, func(tx Tx) error { return errors.Join(tx.PutKioskStatus(bare), tx.PutKioskStatus(other)) })
		mustRead(t, s, func(r Reader) error {
			all, err := r.KioskStatuses()
			same(t, "statuses", all, []KioskStatus{bare, other})
			return err
		})
		// A status belongs to an enrolled kiosk.
		if err := s.Tx(t.Context(), func(tx Tx) error { return tx.PutKioskStatus(kioskStatus("K-404")) }); err == nil {
			t.Error("the status of an unknown kiosk was stored")
		}
	})
}

// Notices are read per person, unread only, newest rejection first and bounded; a person
// acknowledges only their own, once.
func TestRejectionNotices(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		k := kiosk("K-001")
		notice := func(op string, rejected time.Time) RejectionNotice {
			return RejectionNotice{OpID: op, Person: idZhang, KioskID: k.ID, OpType: "process",
				OpAt: rejected.Add(-time.Hour), RejectedAt: rejected, Reasons: []byte(`[{"code":"op.points_changed"}]`),
				KioskName: k.Name, KioskHall: k.Hall}
		}
		base := at("2026-11-21 10:00:00.000")
		var notices []RejectionNotice
		mustTx(t, s, func(tx Tx) error {
			if err := tx.InsertKiosk(k); err != nil {
				return err
			}
			for i, op := range []string{"op-1", "op-2", "op-3", "op-4"} {
				if _, err := tx.InsertOp(OpRecord{OpID: op, KioskID: k.ID, Epoch: 1, Seq: int64(i + 1), Type: "process",
					Outcome: "rejected", Result: []byte(`{}`), AppliedAt: base}); err != nil {
					return err
				}
				n := notice(op, base.Add(time.Duration(i)*time.Minute))
				if op == "op-4" {
					n.Person = idLi
				}
				notices = append(notices, n)
				if err := tx.InsertRejectionNotice(n); err != nil {
					return err
				}
			}
			return nil
		})
		unread := func(limit int) []RejectionNotice {
			var out []RejectionNotice
			mustRead(t, s, func(r Reader) error {
				var err error
				out, err = r.UnreadRejections(idZhang, limit)
				return err
			})
			return out
		}
		same(t, "unread, newest first", unread(10), []RejectionNotice{notices[2], notices[1], notices[0]})
		same(t, "unread, bounded", unread(2), []RejectionNotice{notices[2], notices[1]})

		ack := func(person string, op string) bool {
			var ok bool
			mustTx(t, s, func(tx Tx) error {
				var err error
				p := idZhang
				if person == "li" {
					p = idLi
				}
				ok, err = tx.AckRejection(p, op, base.Add(time.Hour))
				return err
			})
			return ok
		}
		if ack("li", "op-2") {
			t.Error("a person acknowledged another's notice")
		}
		if !ack("zhang", "op-2") || ack("zhang", "op-2") || ack("zhang", "op-404") {
			t.Error("a notice is acknowledged once, by its person, and an unknown one not at all")
		}
		same(t, "unread after an acknowledgement", unread(10), []RejectionNotice{notices[2], notices[0]})

		// One notice per operation, and only for a stored operation.
		if err := s.Tx(t.Context(), func(tx Tx) error { return tx.InsertRejectionNotice(notices[0]) }); err == nil {
			t.Error("a second notice of the same operation was stored")
		}
		if err := s.Tx(t.Context(), func(tx Tx) error { return tx.InsertRejectionNotice(notice("op-404", base)) }); err == nil {
			t.Error("a notice of an operation that is not stored was stored")
		}

		// A year on, a new notice's insertion removes the ones older than the retention, read
		// or not: the table holds about a year.
		later := base.Add(NoticeRetention + 90*time.Second)
		mustTx(t, s, func(tx Tx) error {
			if _, err := tx.InsertOp(OpRecord{OpID: "op-5", KioskID: k.ID, Epoch: 1, Seq: 5, Type: "process",
				Outcome: "rejected", Result: []byte(`{}`), AppliedAt: later}); err != nil {
				return err
			}
			return tx.InsertRejectionNotice(notice("op-5", later))
		})
		same(t, "unread a year on", unread(10), []RejectionNotice{notice("op-5", later), notices[2]})
	})
}

// TestMigrationToV5 opens a database as schema version 4 left it: opening it again adds the
// status and notice tables and keeps the data.
func TestMigrationToV5(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		mustTx(t, s, func(tx Tx) error { return tx.InsertKiosk(kiosk("K-001")) })
		d := s.(*db)
		// Version 10 changes kiosk_status, so it is undone too and runs again after 5.
		for _, q := range []string{`DROP TABLE kiosk_status`, `DROP TABLE rejection_notices`, `DROP TABLE staff_calls`,
			`DROP TABLE op_followups`, `DROP INDEX ops_kiosk_outcome`, `ALTER TABLE kiosks DROP COLUMN open_rejections`,
			`DELETE FROM schema_migrations WHERE version IN (5, 10)`} {
			if _, err := d.writer.ExecContext(t.Context(), q); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.migrate(t.Context()); err != nil {
			t.Fatalf("migrate from version 4: %v", err)
		}
		same(t, "schema versions", schemaVersions(t, s), latestVersions())
		mustTx(t, s, func(tx Tx) error { return tx.PutKioskStatus(kioskStatus("K-001")) })
	})
}
