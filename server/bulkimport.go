package server

import (
	"context"
	"fmt"

	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// BulkImport loads a large data set (a province, dataset.Province) into an empty store through
// store.BulkLoad, a chunk at a time as source emits them. Each chunk is written as Import writes
// a file: people, vehicles, links, unit drivers, violations, points entries, and the decision of
// every decided violation with its due date under profile p. Unlike an import it also records
// the payment of every paid violation (the fine and the late fee due on the day it was paid),
// so that a store loaded this way holds the payments a real platform would; an import file
// carries no payments.
//
// The records are taken as the generator made them: valid by the rules Decode checks. Data from
// anywhere else goes through kiosk import.
func BulkImport(ctx context.Context, st store.Store, p *model.Profile, source func(emit func(*dataset.Data) error) error) (store.BulkSummary, error) {
	sum, err := store.BulkLoad(ctx, st, func(emit func(*store.BulkChunk) error) error {
		return source(func(d *dataset.Data) error { return emit(bulkChunk(p, d)) })
	})
	if err != nil {
		return sum, fmt.Errorf("bulk import: %w", err)
	}
	return sum, nil
}

// importedPaymentMethod is how an imported fine was paid: by phone mostly, chosen by the
// violation's id so that the same data always gets the same payments.
func importedPaymentMethod(violationID string) model.PaymentMethod {
	switch violationID[len(violationID)-1] % 4 {
	case 0, 1:
		return model.PayQR
	case 2:
		return model.PayCard
	}
	return model.PayCounter
}

// bulkChunk turns a chunk of data into the store's records.
func bulkChunk(p *model.Profile, d *dataset.Data) *store.BulkChunk {
	c := &store.BulkChunk{
		Drivers:     make([]store.Driver, len(d.People)),
		Vehicles:    make([]store.Vehicle, len(d.Vehicles)),
		Bindings:    d.Bindings,
		Follows:     d.Follows,
		UnitDrivers: d.UnitDrivers,
		Violations:  d.Violations,
		Points:      make([]store.DriverPoints, len(d.Points)),
	}
	for i, person := range d.People {
		c.Drivers[i] = store.Driver{Driver: person.Driver, Licence: person.Licence, Registered: person.Registered}
	}
	for i, v := range d.Vehicles {
		c.Vehicles[i] = store.Vehicle{Vehicle: v.Vehicle, OwnerName: v.OwnerName}
	}
	for i, e := range d.Points {
		c.Points[i] = store.DriverPoints{Driver: e.Driver, PointsEntry: e.PointsEntry}
	}
	for _, v := range d.Violations {
		if v.Decision == "" {
			continue
		}
		c.Decisions = append(c.Decisions, importedDecision(p, v))
		if v.Status != model.StatusPaid {
			continue
		}
		due := model.AmountAt(v.Fine, v.DecidedAt, v.PaidAt, p.Payment)
		// "import:" is out of every op id's reach (a kiosk's payments are named OPID/N), so the
		// names never collide with a payment a kiosk records later.
		c.Payments = append(c.Payments, store.ViolationPayment{ViolationID: v.ID, Payment: model.Payment{
			ID: "import:" + v.ID, Decision: v.Decision, Fine: v.Fine, LateFee: due.LateFee, PaidAt: v.PaidAt, Method: importedPaymentMethod(v.ID)}})
	}
	return c
}
