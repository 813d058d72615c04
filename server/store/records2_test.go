package store

import (
	"errors"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

func TestKiosksRoundTrip(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		k1, k2 := kiosk("K-002"), kiosk("K-001")
		k2.Secret, k2.Name, k2.Profile = nil, "二号机", "national"
		mustTx(t, s, func(tx Tx) error { return errors.Join(tx.InsertKiosk(k1), tx.InsertKiosk(k2)) })
		mustRead(t, s, func(r Reader) error {
			got, err := r.Kiosks()
			same(t, "kiosks by ID", got, []Kiosk{k2, k1})
			return err
		})
		if err := s.Tx(t.Context(), func(tx Tx) error { return tx.InsertKiosk(k1) }); err == nil {
			t.Errorf("a second kiosk with the same ID was accepted")
		}

		seen := at("2025-05-01 10:11:12.013")
		mustTx(t, s, func(tx Tx) error {
			if _, err := tx.LockKiosk(k1.ID); err != nil {
				return err
			}
			return errors.Join(tx.TouchKiosk(k1.ID, seen), tx.SetKioskProgress(k1.ID, 3, 42))
		})
		k1.LastSeen, k1.Epoch, k1.LastSeq = seen, 3, 42
		mustRead(t, s, func(r Reader) error {
			got, err := r.Kiosk(k1.ID)
			same(t, "kiosk after progress", got, k1)
			return err
		})
		for name, fn := range map[string]func(Tx) error{
			"TouchKiosk":       func(tx Tx) error { return tx.TouchKiosk("K-404", seen) },
			"SetKioskProgress": func(tx Tx) error { return tx.SetKioskProgress("K-404", 1, 1) },
		} {
			if err := s.Tx(t.Context(), fn); !errors.Is(err, ErrNotFound) {
				t.Errorf("%s of an unknown kiosk: %v, want ErrNotFound", name, err)
			}
		}
	})
}

func TestOpsDedupe(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		rec := OpRecord{OpID: "op-1", KioskID: "K-001", Epoch: 1, Seq: 7, Type: "process",
			RequestHash: "9f86d081884c7d659a2feaa0c55ad015", Outcome: "applied",
			Result:    []byte(`{"decision":"5001122025000000017","说明":"已处理"}`),
			AppliedAt: at("2025-05-01 10:00:00.500")}
		noResult := OpRecord{OpID: "op-2", KioskID: "K-001", Epoch: 2, Seq: 7, Type: "pay",
			Outcome: "rejected"}
		inserted := func(tx Tx, r OpRecord) bool { return insertOp(t, tx, r) }
		mustTx(t, s, func(tx Tx) error {
			if err := tx.InsertKiosk(kiosk("K-001")); err != nil {
				return err
			}
			if !inserted(tx, rec) {
				t.Errorf("first insert reported a duplicate")
			}
			sameID := rec
			sameID.Seq = 8
			if inserted(tx, sameID) {
				t.Errorf("same op ID, other sequence: inserted")
			}
			if !inserted(tx, noResult) {
				t.Errorf("same sequence in another epoch: not inserted")
			}
			return nil
		})
		// Dedupe holds across transactions too, on either key.
		mustTx(t, s, func(tx Tx) error {
			sameSeq := rec
			sameSeq.OpID = "op-3"
			if inserted(tx, rec) || inserted(tx, sameSeq) {
				t.Errorf("a committed op was inserted again")
			}
			return nil
		})
		mustRead(t, s, func(r Reader) error {
			got, err := r.Op(rec.OpID)
			same(t, "op", got, rec)
			if err != nil {
				return err
			}
			got, err = r.OpAt(noResult.KioskID, noResult.Epoch, noResult.Seq)
			same(t, "op at", got, noResult)
			if err != nil {
				return err
			}
			if _, err := r.Op("op-3"); !errors.Is(err, ErrNotFound) {
				t.Errorf("Op of a refused duplicate: %v, want ErrNotFound", err)
			}
			counts, err := r.OpCounts()
			same(t, "op counts", counts, map[string]int64{"applied": 1, "rejected": 1})
			return err
		})
	})
}

func insertOp(t *testing.T, tx Tx, r OpRecord) bool {
	t.Helper()
	ok, err := tx.InsertOp(r)
	if err != nil {
		t.Fatalf("InsertOp: %v", err)
	}
	return ok
}

func TestMetaAndRefChanges(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		before := time.Now().Add(-time.Second)
		var seqs []int64
		mustTx(t, s, func(tx Tx) error {
			if v, ok, err := tx.Meta("schema_note"); ok || err != nil || v != "" {
				t.Errorf("missing meta: %q %v %v", v, ok, err)
			}
			for _, ch := range []struct{ kind, key, body string }{
				{"profile", "chongqing", `{"name":"重庆"}`}, {"catalogue", "", `[]`}, {"texts", "", ``},
			} {
				seq, err := tx.AppendRefChange(ch.kind, ch.key, []byte(ch.body))
				if err != nil {
					return err
				}
				seqs = append(seqs, seq)
			}
			return errors.Join(tx.PutMeta("greeting", "您好"), tx.PutMeta("greeting", "欢迎"))
		})
		same(t, "sequence numbers", seqs, []int64{1, 2, 3})
		mustRead(t, s, func(r Reader) error {
			if v, ok, err := r.Meta("greeting"); !ok || err != nil || v != "欢迎" {
				t.Errorf("meta: %q %v %v", v, ok, err)
			}
			all, err := r.RefChanges(0)
			if err != nil {
				return err
			}
			if len(all) != 3 || all[0].Kind != "profile" || all[0].Key != "chongqing" ||
				string(all[0].Body) != `{"name":"重庆"}` || all[2].Kind != "texts" || len(all[2].Body) != 0 {
				t.Errorf("changes: %+v", all)
			}
			for _, ch := range all {
				if ch.At.Before(before) || ch.At.After(time.Now().Add(time.Second)) {
					t.Errorf("change %d stamped %v", ch.Seq, ch.At)
				}
			}
			after, err := r.RefChanges(2)
			if len(after) != 1 || after[0].Seq != 3 {
				t.Errorf("changes after 2: %+v", after)
			}
			return err
		})
	})
}

func TestBindings(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		t1, t2 := at("2025-01-01 00:00:00.000"), at("2025-02-01 00:00:00.000")
		b1 := model.Binding{Driver: idLi, Plate: plateA(), Owner: idZhang, Since: t2, Channel: model.ChannelSelfService}
		b2 := model.Binding{Driver: idLi, Plate: plateB(), Since: t1, Channel: model.ChannelCounter}
		b3 := model.Binding{Driver: idWang, Plate: plateA(), Owner: idZhang, Since: t1, Ended: t2,
			Channel: model.ChannelCounter}
		var ids [3]int64
		mustTx(t, s, func(tx Tx) error {
			for i, b := range []model.Binding{b1, b2, b3} {
				var err error
				if ids[i], err = tx.InsertBinding(b); err != nil {
					return err
				}
			}
			return nil
		})
		s1, s2, s3 := Binding{ids[0], b1}, Binding{ids[1], b2}, Binding{ids[2], b3}
		mustRead(t, s, func(r Reader) error {
			for _, c := range []struct {
				f    BindingFilter
				want []Binding
			}{
				{BindingFilter{Driver: idLi}, []Binding{s2, s1}},
				{BindingFilter{Plate: plateA()}, []Binding{s3, s1}},
				{BindingFilter{Owner: idZhang}, []Binding{s3, s1}},
				{BindingFilter{Driver: idZhang}, []Binding{}},
			} {
				got, err := r.Bindings(c.f)
				if err != nil {
					return err
				}
				same(t, "bindings", got, c.want)
			}
			for _, f := range []BindingFilter{{}, {Driver: idLi, Owner: idZhang}, {Driver: idLi, Plate: plateA()}} {
				if _, err := r.Bindings(f); err == nil {
					t.Errorf("filter %+v accepted", f)
				}
			}
			return nil
		})
		end, later := at("2025-03-01 00:00:00.000"), at("2025-04-01 00:00:00.000")
		mustTx(t, s, func(tx Tx) error {
			return errors.Join(tx.EndBinding(s1.ID, end), tx.EndBinding(s1.ID, later), tx.EndBinding(s3.ID, later))
		})
		s1.Ended = end
		mustRead(t, s, func(r Reader) error {
			got, err := r.Bindings(BindingFilter{Plate: plateA()})
			same(t, "bindings after end", got, []Binding{s3, s1})
			return err
		})
		if err := s.Tx(t.Context(), func(tx Tx) error { return tx.EndBinding(9999, end) }); !errors.Is(err, ErrNotFound) {
			t.Errorf("EndBinding of an unknown ID: %v, want ErrNotFound", err)
		}
	})
}

func TestFollows(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		t1, t2, t3 := at("2025-01-01 00:00:00.000"), at("2025-01-02 00:00:00.000"), at("2025-07-01 00:00:00.000")
		pending := model.Follow{Follower: idLi, Plate: plateA(), Owner: idZhang, RequestedAt: t2}
		granted := model.Follow{Follower: idWang, Plate: plateA(), Owner: idZhang, RequestedAt: t1,
			Since: t2, Until: t3}
		unit := model.Follow{Follower: idLi, Plate: plateB(), RequestedAt: t1, Since: t1, Until: t3, Cancelled: t2}
		var ids [3]int64
		mustTx(t, s, func(tx Tx) error {
			for i, f := range []model.Follow{pending, granted, unit} {
				var err error
				if ids[i], err = tx.InsertFollow(f); err != nil {
					return err
				}
			}
			return nil
		})
		f1, f2, f3 := Follow{ids[0], pending}, Follow{ids[1], granted}, Follow{ids[2], unit}
		mustRead(t, s, func(r Reader) error {
			for _, c := range []struct {
				f    FollowFilter
				want []Follow
			}{
				{FollowFilter{Follower: idLi}, []Follow{f3, f1}},
				{FollowFilter{Plate: plateA()}, []Follow{f2, f1}},
				{FollowFilter{Owner: idZhang}, []Follow{f2, f1}},
				{FollowFilter{Plate: plateC()}, []Follow{}},
			} {
				got, err := r.Follows(c.f)
				if err != nil {
					return err
				}
				same(t, "follows", got, c.want)
			}
			if _, err := r.Follows(FollowFilter{}); err == nil {
				t.Errorf("empty filter accepted")
			}
			return nil
		})
		cancel := at("2025-03-01 00:00:00.000")
		mustTx(t, s, func(tx Tx) error {
			return errors.Join(tx.CancelFollow(f2.ID, cancel), tx.CancelFollow(f3.ID, cancel))
		})
		f2.Cancelled = cancel // f3 was cancelled already and keeps its first date
		mustRead(t, s, func(r Reader) error {
			got, err := r.Follows(FollowFilter{Follower: idWang})
			same(t, "cancelled follow", got, []Follow{f2})
			if err != nil {
				return err
			}
			got, err = r.Follows(FollowFilter{Plate: plateB()})
			same(t, "follow cancelled twice", got, []Follow{f3})
			return err
		})
		if err := s.Tx(t.Context(), func(tx Tx) error { return tx.CancelFollow(9999, cancel) }); !errors.Is(err, ErrNotFound) {
			t.Errorf("CancelFollow of an unknown ID: %v, want ErrNotFound", err)
		}
	})
}
