package server

import (
	"errors"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// applyProcess re-judges a selection of violations with the model against current data and,
// when it still holds, issues a decision per violation and enters the points on the driver's
// licence. Violations that were processed elsewhere in the meantime are skipped and said so;
// any other failing rule rejects the whole selection, because the driver accepted the points of
// the selection as a whole.
func (s *Server) applyProcess(tx store.Tx, p *model.Profile, kioskID string, op api.Op, now time.Time) (api.OpResult, error) {
	req := op.Process
	id, err := model.ParseIDNumber(req.DriverID, now)
	if err != nil || len(req.ViolationIDs) == 0 {
		return rejected(model.Reason{Code: model.ReasonOpMalformed}), nil
	}
	d, err := tx.LockDriver(id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && d.Licence == nil) {
		return rejected(model.Reason{Code: model.ReasonDriverUnknown}), nil
	} else if err != nil {
		return api.OpResult{}, err
	}
	if err := tx.PrefetchCase(id); err != nil {
		return api.OpResult{}, err
	}
	c, err := s.caseFor(tx, p, d, now)
	if err != nil {
		return api.OpResult{}, err
	}
	e := model.NewEvaluator(c)
	proofs, err := newOwnerProofs(tx, p, kioskID, op, id)
	if err != nil {
		return api.OpResult{}, err
	}

	var res api.OpResult
	var todo []model.Violation
	var failures []api.Reason
	for _, vid := range req.ViolationIDs {
		v, err := tx.LockViolation(vid)
		if errors.Is(err, store.ErrNotFound) {
			failures = append(failures, api.Reason{Code: string(model.ReasonViolationUnknown), ViolationID: vid})
			continue
		} else if err != nil {
			return api.OpResult{}, err
		}
		if v.Status == model.StatusProcessed || v.Status == model.StatusPaid {
			res.Skipped = append(res.Skipped, vid)
			res.Reasons = append(res.Reasons, api.Reason{Code: string(model.ReasonProcessedElsewhere), ViolationID: vid})
			continue
		}
		el := e.Evaluate(v)
		for _, r := range el.Reasons {
			failures = append(failures, api.FromReason(r, vid))
		}
		if el.Eligible {
			code, err := proofs.judge(v, el.Verify)
			if err != nil {
				return api.OpResult{}, err
			}
			if code != "" {
				failures = append(failures, api.Reason{Code: string(code), ViolationID: vid})
			}
		}
		todo = append(todo, v)
	}
	if len(failures) == 0 && len(todo) > 0 {
		if set := e.EvaluateSet(todo); !set.Allowed {
			for _, r := range set.Reasons {
				failures = append(failures, api.FromReason(r, ""))
			}
		}
	}
	if len(failures) > 0 || len(todo) == 0 {
		res.Outcome, res.Reasons = api.OutcomeRejected, append(failures, res.Reasons...)
		res.Skipped = nil
		return res, nil
	}
	if err := proofs.markUsed(); err != nil {
		return api.OpResult{}, err
	}
	return s.issueDecisions(tx, p, d, c.CyclePoints, todo, req.SeenPoints, now, res)
}

// issueDecisions writes the decisions, the violations' new status and the points entries.
func (s *Server) issueDecisions(tx store.Tx, p *model.Profile, d store.Driver, before int, todo []model.Violation, seen int, now time.Time, res api.OpResult) (api.OpResult, error) {
	nums, err := freshDecisionNumbers(tx, todo, model.DateOf(now).Year)
	if err != nil {
		return api.OpResult{}, err
	}
	after := before
	for i, v := range todo {
		num := nums[i]
		dec := model.Decision{Number: num, ViolationID: v.ID, Driver: d.ID, Plate: v.Plate,
			Points: v.Points, Fine: v.Fine, IssuedAt: now, Due: model.DueDate(now, p.Payment)}
		if err := tx.InsertDecision(dec); err != nil {
			return api.OpResult{}, err
		}
		v.Status, v.Decision, v.Driver, v.DecidedAt = model.StatusProcessed, num, d.ID, now
		if err := tx.UpdateViolation(v); err != nil {
			return api.OpResult{}, err
		}
		if err := tx.InsertPointsEntry(d.ID, model.PointsEntry{Decision: num, Points: v.Points, EnteredAt: now}); err != nil {
			return api.OpResult{}, err
		}
		after += v.Points
		res.Decisions = append(res.Decisions, api.FromDecision(dec))
	}
	res.Outcome = api.OutcomeApplied
	if before != seen {
		res.Reasons = append(res.Reasons, api.FromReason(model.Reason{Code: model.ReasonPointsChanged,
			Args: model.Args{N: before, Limit: seen}}, ""))
	}
	if len(res.Reasons) > 0 {
		res.Outcome = api.OutcomeWithChanges
	}
	res.PointsBefore, res.PointsAfter = &before, &after
	return res, nil
}
