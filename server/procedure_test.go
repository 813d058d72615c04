package server

import (
	"context"
	"errors"
	"testing"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// The server re-judges a selection with the violation catalogue: a code that carries a measure
// (6086, licence not carried: the vehicle may be seized) is refused although the record's fine
// is within the simple-procedure limit, and nothing is decided; a simple code is processed.
func TestProcessRefusesCodesOutsideTheSimpleProcedure(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		if err := e.store.Tx(ctx, func(tx store.Tx) error {
			v, err := tx.Violation("V-A-1")
			v.ID, v.Code, v.Points, v.Fine = "V-A-NO-LICENCE", "6086", 0, model.Yuan(100)
			return errors.Join(err, tx.PutViolation(v))
		}); err != nil {
			t.Fatal(err)
		}
		r := e.send(processOp("op-1", 1, e.clock.Now(), 1, "V-A-NO-LICENCE"))[0]
		if r.Outcome != api.OutcomeRejected || len(r.Reasons) != 1 || r.Reasons[0].Code != string(model.ReasonProcedureMeasure) ||
			r.Reasons[0].Got != "6086" || r.Reasons[0].Term != "measure.seize" || len(r.Decisions) != 0 {
			t.Errorf("code with a measure: %+v", r)
		}
		var status model.ViolationStatus
		if err := e.store.Read(ctx, func(rd store.Reader) error {
			v, err := rd.Violation("V-A-NO-LICENCE")
			status = v.Status
			return err
		}); err != nil || status != model.StatusRecorded {
			t.Errorf("the refused violation is %q (%v), want it still recorded", status, err)
		}
		if r := e.send(processOp("op-2", 2, e.clock.Now(), 1, "V-A-1"))[0]; r.Outcome != api.OutcomeApplied || len(r.Decisions) != 1 {
			t.Errorf("simple code: %+v", r)
		}
	})
}
