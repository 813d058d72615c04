package store

import (
	"errors"
	"strings"
	"testing"

	"github.com/hallkiosk/kiosk/model"
)

// TestErrorsCarryNoPersonalData provokes the errors a caller can meet with a person's or a
// vehicle's record and checks that none repeats an ID number, a name or a plate: errors end up
// in logs, and logs must not hold personal data.
func TestErrorsCarryNoPersonalData(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		zhang := licensed(idZhang, "张三")
		v := violation("V1", plateA(), at("2025-03-01 08:00:00.000"))
		v.Driver = idZhang
		other := licensed(idZhang, "张三")
		other.Licence.ID = idLi // someone else's licence
		entry := model.PointsEntry{Decision: "D1", Points: 3}

		provoked := map[string]error{}
		provoke := func(name string, fn func(tx Tx) error) {
			provoked[name] = s.Tx(t.Context(), fn)
		}
		provoke("missing driver", func(tx Tx) error { _, err := tx.Driver(idZhang); return err })
		provoke("lock missing driver", func(tx Tx) error { _, err := tx.LockDriver(idZhang); return err })
		provoke("missing vehicle", func(tx Tx) error { _, err := tx.Vehicle(plateA()); return err })
		provoke("update missing violation", func(tx Tx) error { return tx.UpdateViolation(v) })
		provoke("licence of another", func(tx Tx) error { return tx.PutDriver(other) })
		provoke("bad filter", func(tx Tx) error {
			_, err := tx.Bindings(BindingFilter{Driver: idZhang, Plate: plateA()})
			return err
		})
		provoke("points of an unknown driver", func(tx Tx) error { return tx.InsertPointsEntry(idZhang, entry) })
		provoke("decision of an unknown violation", func(tx Tx) error {
			return tx.InsertDecision(model.Decision{Number: "D1", ViolationID: v.ID, Driver: idZhang, Plate: plateA()})
		})
		order := PayOrder{ID: "O1", KioskID: "K-404", PayerID: idZhang, Status: "waiting", Token: "T1",
			Items: []PayOrderItem{{ViolationID: v.ID, Fine: v.Fine}}}
		provoke("pay order of an unknown kiosk", func(tx Tx) error { _, err := tx.InsertPayOrder(order); return err })
		provoke("missing pay order", func(tx Tx) error { _, err := tx.LockPayOrder("O1"); return err })
		provoke("update missing pay order", func(tx Tx) error { return tx.UpdatePayOrder(order) })
		mustTx(t, s, func(tx Tx) error {
			return errors.Join(tx.PutDriver(zhang), tx.PutViolation(v), tx.InsertPointsEntry(idZhang, entry))
		})
		order.KioskID = "K-001"
		mustTx(t, s, func(tx Tx) error { return errors.Join(tx.InsertKiosk(kiosk("K-001")), insertPayOrder(tx, order)) })
		provoke("pay order with a used token", func(tx Tx) error {
			_, err := tx.InsertPayOrder(PayOrder{ID: "O2", KioskID: "K-001", PayerID: idZhang, Token: "T1"})
			return err
		})
		provoke("duplicate points entry", func(tx Tx) error { return tx.InsertPointsEntry(idZhang, entry) })

		secrets := []string{string(idZhang), string(idLi), "张三", string(plateA().Number), zhang.Phone,
			string(zhang.Licence.FileNumber)}
		for name, err := range provoked {
			if err == nil {
				t.Errorf("%s: no error", name)
				continue
			}
			for _, secret := range secrets {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("%s: error %q contains personal data", name, err)
				}
			}
		}
	})
}
