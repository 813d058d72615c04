package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
	"github.com/hallkiosk/kiosk/storage"
)

// checkOnce compares every operation in the kiosks' outboxes with the database: each is stored
// once, with the outcome the kiosk recorded; each decision of an applied processing exists once,
// is its violation's decision and has one points ledger entry; each payment item of an applied
// payment is recorded once, and no violation is paid twice. The server must hold as many
// operations of the run's kiosks as they queued, and none after their last (no operation stored
// that no kiosk queued).
func checkOnce(ctx context.Context, st store.Store, ks []*fleetKiosk, cutOff []string, killed time.Time) (OnceCheck, error) {
	c := OnceCheck{Outcomes: map[string]int{}}
	var entries []storage.Entry
	type last struct {
		id         string
		epoch, seq int64
	}
	var lasts []last
	for _, k := range ks {
		es, err := k.store.Entries()
		if err != nil {
			return c, err
		}
		entries = append(entries, es...)
		l := last{id: k.id, epoch: k.store.Epoch()}
		if len(es) > 0 {
			l.seq = es[len(es)-1].Seq
		}
		lasts = append(lasts, l)
	}
	c.Queued = len(entries)
	problem := func(format string, args ...any) {
		if len(c.Problems) < 50 {
			c.Problems = append(c.Problems, fmt.Sprintf(format, args...))
		}
	}
	decidedBy := map[string]string{} // violation → the op that decided it
	paidBy := map[string]string{}    // violation → the op whose payment settled it
	err := st.Read(ctx, func(r store.Reader) error {
		// The kiosks were enrolled for this run: what the server stored under their ids is
		// theirs, numbered from 1 in their store's epoch, and nothing may follow the last one.
		for _, l := range lasts {
			for seq := int64(1); seq <= l.seq+1; seq++ {
				rec, err := r.OpAt(l.id, l.epoch, seq)
				if errors.Is(err, store.ErrNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				c.Stored++
				if seq > l.seq {
					problem("kiosk %s: op %s stored at seq %d, after the last it queued", l.id, rec.OpID, seq)
				}
			}
		}
		for _, e := range entries {
			if e.State != storage.StateAcked && e.State != storage.StateRejected {
				problem("op %s (%s) still %s at its kiosk", e.Op.ID, e.Op.Type, e.State)
			}
			rec, err := r.Op(e.Op.ID)
			if errors.Is(err, store.ErrNotFound) {
				problem("op %s (%s) queued but not stored", e.Op.ID, e.Op.Type)
				continue
			}
			if err != nil {
				return err
			}
			c.Outcomes[rec.Outcome]++
			if slices.Contains(cutOff, e.Op.ID) {
				if rec.AppliedAt.Before(killed) {
					c.CutOffStored++
				} else {
					c.CutOffAfter++
				}
			}
			var stored api.OpResult
			if err := json.Unmarshal(rec.Result, &stored); err != nil {
				return fmt.Errorf("op %s: %w", e.Op.ID, err)
			}
			if e.Result == nil || e.Result.Outcome != rec.Outcome || !sameDecisions(*e.Result, stored) {
				problem("op %s: the kiosk recorded %v, the server stored %s", e.Op.ID, e.Result, rec.Outcome)
			}
			if rec.Outcome == api.OutcomeRejected {
				continue
			}
			switch e.Op.Type {
			case api.OpProcess:
				for _, d := range stored.Decisions {
					if other, ok := decidedBy[d.ViolationID]; ok {
						problem("violation %s decided by op %s and by op %s", d.ViolationID, other, e.Op.ID)
					}
					decidedBy[d.ViolationID] = e.Op.ID
					dec, err := r.Decision(model.DecisionNumber(d.Number))
					if err != nil {
						problem("decision %s of op %s: %v", d.Number, e.Op.ID, err)
						continue
					}
					v, err := r.Violation(d.ViolationID)
					if err != nil {
						return err
					}
					if string(v.Decision) != d.Number || dec.ViolationID != d.ViolationID {
						problem("violation %s carries decision %s, op %s issued %s", d.ViolationID, v.Decision, e.Op.ID, d.Number)
					}
					c.Decisions++
					ledger, err := r.PointsEntries(dec.Driver)
					if err != nil {
						return err
					}
					n := 0
					for _, pe := range ledger {
						if string(pe.Decision) == d.Number {
							n++
						}
					}
					if n != 1 {
						problem("decision %s has %d points ledger entries", d.Number, n)
					}
					c.LedgerEntries += n
				}
			case api.OpPay:
				for i, it := range e.Op.Pay.Items {
					ps, err := r.Payments(it.ViolationID)
					if err != nil {
						return err
					}
					mine, settled := 0, 0
					for _, p := range ps {
						if p.ID == fmt.Sprintf("%s/%d", e.Op.ID, i+1) {
							mine++
						}
						if !p.Refund {
							settled++
						}
					}
					if mine != 1 {
						problem("payment item %d of op %s recorded %d times", i+1, e.Op.ID, mine)
					}
					if settled > 1 {
						problem("violation %s has %d payments that are not refunds", it.ViolationID, settled)
					}
					if other, ok := paidBy[it.ViolationID]; ok {
						problem("violation %s paid by op %s and by op %s", it.ViolationID, other, e.Op.ID)
					}
					paidBy[it.ViolationID] = e.Op.ID
					c.Payments += mine
				}
			}
		}
		return nil
	})
	if err != nil {
		return c, err
	}
	if c.Stored != int64(c.Queued) {
		problem("the server stored %d operations, the kiosks queued %d", c.Stored, c.Queued)
	}
	return c, nil
}

// sameDecisions reports that two results of one operation name the same decisions and payments.
func sameDecisions(a, b api.OpResult) bool {
	return slices.EqualFunc(a.Decisions, b.Decisions, func(x, y api.Decision) bool { return x.Number == y.Number }) &&
		slices.EqualFunc(a.Payments, b.Payments, func(x, y api.Payment) bool { return x.ID == y.ID })
}
