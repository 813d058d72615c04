package store

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hallkiosk/kiosk/model"
)

// bulkFixture is two chunks: people and vehicles in the first, their links, violations,
// decisions, points and payments in the second, as a source may order them.
func bulkFixture() []*BulkChunk {
	zhang, li := licensed(idZhang, "张三"), licensed(idLi, "李四")
	li.Licence.FileNumber = "440312345678"
	owner := Driver{Driver: model.Driver{ID: idWang, Name: "王五"}}
	decided := violation("V-2", plateA(), at("2025-03-01 10:00:00.000"))
	decided.Status, decided.Decision, decided.Driver = model.StatusPaid, "5001122025000000012", idZhang
	decided.DecidedAt, decided.PaidAt = at("2025-03-05 10:00:00.000"), at("2025-03-06 11:00:00.000")
	return []*BulkChunk{{
		Drivers: []Driver{zhang, li, owner},
		Vehicles: []Vehicle{
			{Vehicle: model.Vehicle{Plate: plateA(), OwnerKind: model.OwnerPersonal, Owner: idZhang, Use: model.UseNonOperating,
				VIN: "LSVAU2180N2183294", RegCert: "440300123456"}},
			{Vehicle: model.Vehicle{Plate: plateB(), OwnerKind: model.OwnerPersonal, Owner: idWang, Use: model.UseNonOperating}},
			{Vehicle: model.Vehicle{Plate: plateC(), OwnerKind: model.OwnerUnit, Use: model.UseOperating}, OwnerName: "重庆某物流有限公司"},
		},
	}, {
		Bindings: []model.Binding{{Driver: idLi, Plate: plateB(), Owner: idWang, Since: at("2024-05-01 09:00:00.000"),
			Channel: model.ChannelCounter}},
		Follows: []model.Follow{{Follower: idZhang, Plate: plateB(), Owner: idWang, RequestedAt: at("2025-01-01 09:00:00.000"),
			Since: at("2025-01-01 10:00:00.000"), Until: at("2026-01-01 10:00:00.000")}},
		UnitDrivers: []model.UnitDriver{{Driver: idLi, Plate: plateC(), Since: at("2024-01-01 09:00:00.000")}},
		Violations:  []model.Violation{violation("V-1", plateB(), at("2025-06-01 08:00:00.000")), decided},
		Decisions: []model.Decision{{Number: decided.Decision, ViolationID: "V-2", Driver: idZhang, Plate: plateA(), Points: 3,
			Fine: model.Yuan(200), IssuedAt: decided.DecidedAt, Due: model.Date{Year: 2025, Month: 3, Day: 20}}},
		Points: []DriverPoints{{Driver: idZhang, PointsEntry: model.PointsEntry{Decision: decided.Decision, Points: 3,
			EnteredAt: decided.DecidedAt, PaidAt: decided.PaidAt}}},
		Payments: []ViolationPayment{{ViolationID: "V-2", Payment: model.Payment{ID: "import:V-2", Decision: decided.Decision,
			Fine: model.Yuan(200), PaidAt: decided.PaidAt, Method: model.PayQR}}},
	}}
}

func sourceOf(chunks []*BulkChunk, fail error) BulkSource {
	return func(emit func(*BulkChunk) error) error {
		for _, c := range chunks {
			if err := emit(c); err != nil {
				return err
			}
		}
		return fail
	}
}

// schemaObjects lists the store's indexes and foreign keys with their definitions, to compare
// the schema before and after a load.
func schemaObjects(t *testing.T, s Store) []string {
	t.Helper()
	d := s.(*db)
	q := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name`
	if d.d.kind == kindPostgres {
		q = `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()
			UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f' ORDER BY 1`
	}
	rows, err := d.writer.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			t.Fatal(err)
		}
		out = append(out, name+": "+def)
	}
	if len(out) < 10 {
		t.Fatalf("%d indexes and foreign keys; the schema has more", len(out))
	}
	return out
}

func TestBulkLoadWritesWhatTheReadersRead(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		before := schemaObjects(t, s)
		want := bulkFixture()
		sum, err := BulkLoad(ctx, s, sourceOf(want, nil))
		if err != nil {
			t.Fatal(err)
		}
		if sum.Rows["drivers"] != 3 || sum.Rows["violations"] != 2 || sum.Rows["payments"] != 1 || sum.Total() != 14 {
			t.Errorf("summary %+v, want 14 rows", sum.Rows)
		}
		same(t, "indexes and foreign keys", schemaObjects(t, s), before)
		c := want[1]
		mustRead(t, s, func(r Reader) error {
			d, err := r.Driver(idLi)
			same(t, "driver", d, want[0].Drivers[1])
			vs, err2 := r.VehiclesOwnedBy(idZhang)
			same(t, "own vehicles", vs, want[0].Vehicles[:1])
			unit, err3 := r.Vehicle(plateC())
			same(t, "unit vehicle", unit, want[0].Vehicles[2])
			bs, err4 := r.Bindings(BindingFilter{Owner: idWang})
			same(t, "bindings", bs, []Binding{{ID: 1, Binding: c.Bindings[0]}})
			fs, err5 := r.Follows(FollowFilter{Follower: idZhang})
			same(t, "follows", fs, []Follow{{ID: 1, Follow: c.Follows[0]}})
			us, err6 := r.UnitDrivers(UnitDriverFilter{Plate: plateC()})
			same(t, "unit drivers", us, c.UnitDrivers)
			vios, err7 := r.ViolationsOfPlates([]model.Plate{plateA(), plateB()})
			same(t, "violations", vios, []model.Violation{c.Violations[1], c.Violations[0]})
			dec, err8 := r.Decision(c.Decisions[0].Number)
			same(t, "decision", dec, c.Decisions[0])
			pts, err9 := r.PointsEntries(idZhang)
			same(t, "points", pts, []model.PointsEntry{c.Points[0].PointsEntry})
			pays, err10 := r.Payments("V-2")
			same(t, "payments", pays, []model.Payment{c.Payments[0].Payment})
			return errors.Join(err, err2, err3, err4, err5, err6, err7, err8, err9, err10)
		})
		// The store works as before: ids go on from the loaded ones, and foreign keys hold
		// (the writer connection's settings of the load are gone).
		mustTx(t, s, func(tx Tx) error {
			id, err := tx.InsertBinding(model.Binding{Driver: idZhang, Plate: plateB(), Owner: idWang,
				Since: at("2025-07-01 09:00:00.000"), Channel: model.ChannelSelfService})
			if err == nil && id != 2 {
				t.Errorf("a binding inserted after the load got id %d, want 2", id)
			}
			return err
		})
		err = s.Tx(ctx, func(tx Tx) error {
			return tx.InsertPointsEntry("110101199001011234", model.PointsEntry{Decision: "5001122025000000029", Points: 3,
				EnteredAt: at("2025-07-01 09:00:00.000")})
		})
		if err == nil {
			t.Error("a points entry of an unknown driver was committed after the load: foreign keys are off")
		}
		if _, err := BulkLoad(ctx, s, sourceOf(want, nil)); err == nil || !strings.Contains(err.Error(), "already holds records") {
			t.Errorf("a second load into the filled store: %v, want a refusal", err)
		}
	})
}

// A load whose source fails writes nothing and leaves the schema whole, so it can be run again.
func TestBulkLoadThatFailsLeavesTheStoreAsItWas(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		before := schemaObjects(t, s)
		broken := errors.New("the generator broke")
		if _, err := BulkLoad(ctx, s, sourceOf(bulkFixture()[:1], broken)); !errors.Is(err, broken) {
			t.Fatalf("BulkLoad: %v, want the source's error", err)
		}
		same(t, "indexes and foreign keys", schemaObjects(t, s), before)
		mustRead(t, s, func(r Reader) error {
			if _, err := r.Driver(idZhang); !errors.Is(err, ErrNotFound) {
				t.Errorf("a driver of the failed load: %v, want none", err)
			}
			return nil
		})
		// A row the database refuses fails the load too (a violation twice).
		bad := bulkFixture()
		bad[1].Violations = append(bad[1].Violations, bad[1].Violations[0])
		if _, err := BulkLoad(ctx, s, sourceOf(bad, nil)); err == nil {
			t.Fatal("a load with a duplicate violation succeeded")
		}
		same(t, "indexes and foreign keys after a refused row", schemaObjects(t, s), before)
		if _, err := BulkLoad(ctx, s, sourceOf(bulkFixture(), nil)); err != nil {
			t.Fatalf("loading again after the failures: %v", err)
		}
	})
}
