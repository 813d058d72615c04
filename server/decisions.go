package server

import (
	"fmt"

	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// freshDecisionNumber returns the next decision number of the office and year. The store's
// sequence continues after the highest number stored for the office and year (imported ones
// included), so the number is free when this transaction reads; a decision another transaction
// inserts meanwhile (an import running beside the kiosks) makes the insert fail, and applyBatch
// runs the batch again, which then reads the new highest number: a collision is never surfaced.
func freshDecisionNumber(tx store.Tx, office string, year int) (model.DecisionNumber, error) {
	seq, err := tx.NextDecisionSeq(office, year)
	if err != nil {
		return "", err
	}
	num, err := model.NewDecisionNumber(office, year, seq)
	if err != nil {
		// An office code the numbering cannot take, or a year's numbers used up: the data
		// cannot take this decision, however often it is tried.
		return "", &dataError{fmt.Errorf("decision number: %w", err)}
	}
	return num, nil
}
