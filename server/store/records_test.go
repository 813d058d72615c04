package store

import (
	"errors"
	"fmt"
	"testing"

	"github.com/hallkiosk/kiosk/model"
)

func TestDriversRoundTrip(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		zhang := licensed(idZhang, "张三")
		li := Driver{Driver: model.Driver{ID: idLi, Name: "李四"}} // owner only: no licence, no phone
		// A licence without classes, first-issue date or number: the number is the holder's.
		wang := Driver{
			Driver:     model.Driver{ID: idWang, Name: "欧阳·娜娜", Phone: "+86 138 0013 8000"},
			Licence:    &model.Licence{FileNumber: "500199999999", Status: model.StatusSuspended},
			Registered: true,
		}
		mustTx(t, s, func(tx Tx) error {
			return errors.Join(tx.PutDriver(zhang), tx.PutDriver(li), tx.PutDriver(wang))
		})
		wantWang := wang
		wantLicence := *wang.Licence
		wantLicence.ID = idWang
		wantWang.Licence = &wantLicence
		mustRead(t, s, func(r Reader) error {
			for _, want := range []Driver{zhang, li, wantWang} {
				got, err := r.Driver(want.ID)
				if err != nil {
					return err
				}
				same(t, "driver", got, want)
			}
			return nil
		})

		// Upserts replace the whole record, licence included.
		zhang2 := Driver{Driver: model.Driver{ID: idZhang, Name: "张三丰", Phone: "1"}}
		li2 := licensed(idLi, "李四")
		li2.Licence.Classes = model.LicenceClasses{model.ClassA1, model.ClassD}
		mustTx(t, s, func(tx Tx) error {
			if err := errors.Join(tx.PutDriver(zhang2), tx.PutDriver(li2)); err != nil {
				return err
			}
			got, err := tx.LockDriver(idLi)
			same(t, "locked driver", got, li2)
			return err
		})
		mustRead(t, s, func(r Reader) error {
			got, err := r.Driver(idZhang)
			same(t, "replaced driver", got, zhang2)
			return err
		})
	})
}

func TestVehiclesRoundTrip(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		a := Vehicle{Vehicle: model.Vehicle{Plate: plateA(), OwnerKind: model.OwnerPersonal,
			Owner: idZhang, Use: model.UseNonOperating}, OwnerName: "张三"}
		b := Vehicle{Vehicle: model.Vehicle{Plate: plateB(), OwnerKind: model.OwnerUnit,
			Use: model.UseOperating}, OwnerName: "重庆某某物流有限公司"}
		c := Vehicle{Vehicle: model.Vehicle{Plate: plateC(), OwnerKind: model.OwnerPersonal,
			Owner: idZhang, Use: model.UseOperating}, OwnerName: "张三"}
		mustTx(t, s, func(tx Tx) error {
			return errors.Join(tx.PutVehicle(a), tx.PutVehicle(b), tx.PutVehicle(c))
		})
		mustRead(t, s, func(r Reader) error {
			for _, want := range []Vehicle{a, b, c} {
				got, err := r.Vehicle(want.Plate)
				if err != nil {
					return err
				}
				same(t, "vehicle", got, want)
			}
			owned, err := r.VehiclesOwnedBy(idZhang)
			same(t, "owned, by type then number", owned, []Vehicle{c, a})
			return err
		})
		a.Owner, a.OwnerName = idLi, "李四"
		mustTx(t, s, func(tx Tx) error { return tx.PutVehicle(a) })
		mustRead(t, s, func(r Reader) error {
			owned, err := r.VehiclesOwnedBy(idZhang)
			same(t, "owned after transfer", owned, []Vehicle{c})
			if err != nil {
				return err
			}
			owned, err = r.VehiclesOwnedBy(idLi)
			same(t, "owned by new owner", owned, []Vehicle{a})
			return err
		})
	})
}

func TestViolationsRoundTrip(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		decided := violation("5001120000000001", plateA(), at("2025-03-01 08:15:30.123"))
		decided.Status, decided.Source, decided.Fine = model.StatusPaid, model.SourceOnSite, 20050
		decided.Decision, decided.Driver = "5001122025000000017", idZhang
		decided.DecidedAt, decided.PaidAt = at("2025-03-01 08:20:00.000"), at("2025-03-10 19:00:00.999")
		recorded := violation("5001120000000002", plateA(), at("2025-04-01 12:00:00.000"))
		earlier := violation("5001120000000003", plateB(), at("2025-01-01 00:00:00.001"))
		tie := violation("5001120000000000", plateA(), decided.Time) // same time: ID decides
		other := violation("5001120000000009", plateC(), at("2025-02-01 00:00:00.000"))
		mustTx(t, s, func(tx Tx) error {
			return errors.Join(tx.PutViolation(decided), tx.PutViolation(recorded),
				tx.PutViolation(earlier), tx.PutViolation(tie), tx.PutViolation(other))
		})
		mustRead(t, s, func(r Reader) error {
			for _, want := range []model.Violation{decided, recorded, earlier, tie, other} {
				got, err := r.Violation(want.ID)
				if err != nil {
					return err
				}
				same(t, "violation", got, want)
			}
			got, err := r.ViolationsOfPlates([]model.Plate{plateA(), plateB(), plateA()})
			same(t, "of plates", got, []model.Violation{earlier, tie, decided, recorded})
			if err != nil {
				return err
			}
			got, err = r.ViolationsDecidedAgainst(idZhang)
			same(t, "decided against", got, []model.Violation{decided})
			return err
		})

		recorded.Status, recorded.Decision, recorded.Driver = model.StatusProcessed, "5001122025000000025", idLi
		recorded.DecidedAt, recorded.Place = at("2025-04-02 09:00:00.000"), "改正后的地址"
		mustTx(t, s, func(tx Tx) error {
			if _, err := tx.LockViolation(recorded.ID); err != nil {
				return err
			}
			return tx.UpdateViolation(recorded)
		})
		mustRead(t, s, func(r Reader) error {
			got, err := r.Violation(recorded.ID)
			same(t, "updated violation", got, recorded)
			return err
		})
		missing := violation("does-not-exist", plateA(), at("2025-01-01 00:00:00.000"))
		err := s.Tx(t.Context(), func(tx Tx) error { return tx.UpdateViolation(missing) })
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("UpdateViolation of a missing record: %v, want ErrNotFound", err)
		}
	})
}

// TestViolationsOfManyPlates crosses the batch size of ViolationsOfPlates: the merged result
// must still be in time order.
func TestViolationsOfManyPlates(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		var plates []model.Plate
		var want []model.Violation
		base := at("2025-01-01 00:00:00.000")
		for i := range 2*platesPerQuery + 50 {
			p := model.Plate{Type: model.PlateSmallCar, Number: model.PlateNumber(fmt.Sprintf("京A%05d", i))}
			plates = append(plates, p)
			if i%50 == 0 {
				// Later plates get earlier times, so batch order is not time order.
				want = append([]model.Violation{violation(fmt.Sprintf("V%03d", i), p, base.AddDate(0, 0, -i))}, want...)
			}
		}
		mustTx(t, s, func(tx Tx) error {
			for _, v := range want {
				if err := tx.PutViolation(v); err != nil {
					return err
				}
			}
			return nil
		})
		mustRead(t, s, func(r Reader) error {
			got, err := r.ViolationsOfPlates(plates)
			same(t, "violations of many plates", got, want)
			return err
		})
	})
}

func TestDecisionsPointsPayments(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		v := violation("V1", plateA(), at("2025-03-01 08:00:00.000"))
		d := model.Decision{Number: "5001122025000000017", ViolationID: v.ID, Driver: idZhang,
			Plate: plateA(), Points: 3, Fine: 20050, IssuedAt: at("2025-03-02 10:00:00.000"),
			Due: model.Date{Year: 2025, Month: 3, Day: 17}}
		undated := model.Decision{Number: "5001122025000000025", ViolationID: v.ID, Driver: idZhang}
		e1 := model.PointsEntry{Decision: "B", Points: 3, EnteredAt: at("2025-03-02 10:00:00.000")}
		e2 := model.PointsEntry{Decision: "C", Points: 6, EnteredAt: at("2025-01-01 10:00:00.000")}
		e3 := model.PointsEntry{Decision: "A", Points: 1, EnteredAt: e2.EnteredAt,
			PaidAt: at("2025-01-05 00:00:00.000")}
		p1 := model.Payment{ID: "P2", Decision: d.Number, Fine: 20050, LateFee: 601,
			PaidAt: at("2025-04-01 12:00:00.000"), Method: model.PayQR}
		p2 := model.Payment{ID: "P9", Decision: d.Number, Fine: 20050,
			PaidAt: at("2025-03-20 12:00:00.000"), Method: model.PayCard, Refund: true}
		p3 := model.Payment{ID: "P1", Decision: d.Number, Fine: 20050, PaidAt: p2.PaidAt,
			Method: model.PayCounter}
		mustTx(t, s, func(tx Tx) error {
			// Dependants first: foreign keys are checked at commit.
			return errors.Join(tx.InsertDecision(d), tx.InsertDecision(undated),
				tx.InsertPointsEntry(idZhang, e1), tx.InsertPointsEntry(idZhang, e2),
				tx.InsertPointsEntry(idZhang, e3), tx.InsertPayment(v.ID, p1),
				tx.InsertPayment(v.ID, p2), tx.InsertPayment(v.ID, p3),
				tx.PutViolation(v), tx.PutDriver(licensed(idZhang, "张三")))
		})
		mustRead(t, s, func(r Reader) error {
			for _, want := range []model.Decision{d, undated} {
				got, err := r.Decision(want.Number)
				if err != nil {
					return err
				}
				same(t, "decision", got, want)
			}
			entries, err := r.PointsEntries(idZhang)
			same(t, "points entries by time then number", entries, []model.PointsEntry{e3, e2, e1})
			if err != nil {
				return err
			}
			pays, err := r.Payments(v.ID)
			same(t, "payments by time then ID", pays, []model.Payment{p3, p2, p1})
			return err
		})

	})
}

func TestMarkPointsPaidAndStrayPayments(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		e1 := model.PointsEntry{Decision: "B", Points: 3, EnteredAt: at("2025-03-02 10:00:00.000")}
		e3 := model.PointsEntry{Decision: "A", Points: 1, EnteredAt: at("2025-01-01 10:00:00.000"),
			PaidAt: at("2025-01-05 00:00:00.000")}
		mustTx(t, s, func(tx Tx) error {
			return errors.Join(tx.PutDriver(licensed(idZhang, "张三")),
				tx.InsertPointsEntry(idZhang, e1), tx.InsertPointsEntry(idZhang, e3))
		})
		paid, later := at("2025-03-05 00:00:00.000"), at("2025-03-06 00:00:00.000")
		mustTx(t, s, func(tx Tx) error {
			return errors.Join(tx.MarkPointsPaid(e1.Decision, paid), tx.MarkPointsPaid(e1.Decision, later),
				tx.MarkPointsPaid(e3.Decision, later))
		})
		e1.PaidAt = paid // the first payment counts; e3 was paid already and stays so
		mustRead(t, s, func(r Reader) error {
			entries, err := r.PointsEntries(idZhang)
			same(t, "points entries after payment", entries, []model.PointsEntry{e3, e1})
			return err
		})
		// A decision without points has no entry: nothing to mark, and no error.
		mustTx(t, s, func(tx Tx) error { return tx.MarkPointsPaid("no-entry", paid) })
		// Money for an unknown violation is recorded all the same, as a refund.
		stray := model.Payment{ID: "P7", Fine: 100, PaidAt: paid, Method: model.PayQR, Refund: true}
		mustTx(t, s, func(tx Tx) error { return tx.InsertPayment("unknown", stray) })
		mustRead(t, s, func(r Reader) error {
			pays, err := r.Payments("unknown")
			same(t, "payment of an unknown violation", pays, []model.Payment{stray})
			return err
		})
	})
}
