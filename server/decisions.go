package server

import (
	"fmt"

	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// freshDecisionNumbers returns a fresh decision number for each violation, of its office and the
// year, in the violations' order: one draw per office, of as many numbers as the violations it
// issues (store.Tx.NextDecisionSeq), so an operation deciding several violations of one office
// waits for the counter once. The store's sequence continues after the highest number stored for
// the office and year (imported ones included), so the numbers are free when this transaction
// reads; a decision another transaction inserts meanwhile (an import running beside the kiosks)
// makes the insert fail, and applyBatch runs the batch again, which then reads the new highest
// number: a collision is never surfaced.
func freshDecisionNumbers(tx store.Tx, vs []model.Violation, year int) ([]model.DecisionNumber, error) {
	count := map[string]int{}
	for _, v := range vs {
		count[v.OfficeCode]++
	}
	next := make(map[string]int64, len(count))
	out := make([]model.DecisionNumber, len(vs))
	for i, v := range vs {
		seq, drawn := next[v.OfficeCode]
		if !drawn {
			var err error
			if seq, err = tx.NextDecisionSeq(v.OfficeCode, year, count[v.OfficeCode]); err != nil {
				return nil, err
			}
		}
		next[v.OfficeCode] = seq + 1
		num, err := model.NewDecisionNumber(v.OfficeCode, year, seq)
		if err != nil {
			// An office code the numbering cannot take, or a year's numbers used up: the data
			// cannot take this decision, however often it is tried.
			return nil, &dataError{fmt.Errorf("decision number: %w", err)}
		}
		out[i] = num
	}
	return out, nil
}
