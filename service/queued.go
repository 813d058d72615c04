package service

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/storage"
)

// What the kiosk tells a person must stay true while their operations wait in the outbox, and
// after the platform answers them. A lookup (from the server or from the cache) knows nothing
// of what this kiosk has queued and not yet delivered: left alone, the same violations could be
// picked again, and the points forecast would start from a cycle total without the queued
// points. So every lookup is overlaid with the person's waiting operations before anyone judges
// it; and the operations the platform rejected are shown to the person, here and (through the
// server's notices) at any kiosk, until they acknowledge them.

// Pending says what waits at this kiosk for one violation of a looked-up record.
type Pending struct {
	OpID   string
	OpType string // api.OpProcess or api.OpPay
	At     time.Time
}

// overlay applies the person's waiting operations to a lookup, as the platform will apply them:
// a waiting processing makes its violations processed by this driver, with their points added
// to the cycle total; a waiting payment makes its violations paid. A violation the lookup shows
// processed or paid already is left as it is (the platform applied the operation, and its
// answer has not reached the kiosk yet). It returns what it changed, by violation id.
func overlay(l *api.Lookup, waiting []storage.Entry) map[string]Pending {
	if len(waiting) == 0 {
		return nil
	}
	byID := map[string]*api.Violation{}
	for i := range l.Violations {
		byID[l.Violations[i].ID] = &l.Violations[i]
	}
	out := map[string]Pending{}
	for _, e := range waiting {
		switch {
		case e.Op.Process != nil:
			for _, id := range e.Op.Process.ViolationIDs {
				v := byID[id]
				if v == nil || v.Status != string(model.StatusRecorded) {
					continue
				}
				at := e.Op.At
				v.Status, v.DriverID, v.DecidedAt = string(model.StatusProcessed), e.Op.Process.DriverID, &at
				l.Points.Total += v.Points
				out[id] = Pending{OpID: e.Op.ID, OpType: e.Op.Type, At: e.Op.At}
			}
		case e.Op.Pay != nil:
			for _, it := range e.Op.Pay.Items {
				v := byID[it.ViolationID]
				if v == nil || v.Status == string(model.StatusPaid) {
					continue
				}
				at := e.Op.At
				v.Status, v.PaidAt = string(model.StatusPaid), &at
				out[it.ViolationID] = Pending{OpID: e.Op.ID, OpType: e.Op.Type, At: e.Op.At}
			}
		}
	}
	return out
}

// Rejection is an operation of the person that the platform did not accept.
type Rejection struct {
	OpID       string
	OpType     string
	At         time.Time // when the person confirmed it
	Kiosk      string    // where, when another kiosk; "" for this one
	RejectedAt time.Time
	Reasons    []model.Reason
	Here       bool // queued at this kiosk (its receipt may be in the person's hand)
}

// Rejections lists the person's operations the platform rejected and the person has not yet
// acknowledged: those this kiosk holds (rejected outbox entries the person has not seen here)
// and those the server's lookup names from any kiosk, newest first, each once.
func (s *Service) Rejections(l api.Lookup) ([]Rejection, error) {
	_, rejected, err := s.personEntries(l.Person.IDNumber)
	if err != nil {
		return nil, err
	}
	return rejections(l, rejected), nil
}

// personEntries reads, in one pass over the outbox, the person's operations still waiting for
// the platform (oldest first) and those it rejected that the person has not seen here.
func (s *Service) personEntries(person string) (waiting, rejected []storage.Entry, err error) {
	entries, err := s.cfg.Store.Entries(storage.StateQueued, storage.StateSent, storage.StateRejected)
	if err != nil {
		return nil, nil, fmt.Errorf("service: the person's operations: %w", err)
	}
	for _, e := range entries {
		switch {
		case e.Op.Person() != person:
		case e.State == storage.StateRejected:
			if e.SeenAt.IsZero() {
				rejected = append(rejected, e)
			}
		default:
			waiting = append(waiting, e)
		}
	}
	return waiting, rejected, nil
}

// rejections merges the person's rejected entries here with the server's notices.
func rejections(l api.Lookup, entries []storage.Entry) []Rejection {
	seen := map[string]bool{}
	var out []Rejection
	for _, e := range entries {
		r := Rejection{OpID: e.Op.ID, OpType: e.Op.Type, At: e.Op.At, RejectedAt: e.DoneAt, Here: true}
		if e.Result != nil {
			for _, wr := range e.Result.Reasons {
				r.Reasons = append(r.Reasons, wr.Model())
			}
		}
		seen[r.OpID] = true
		out = append(out, r)
	}
	for _, n := range l.Rejections {
		if seen[n.OpID] {
			continue
		}
		seen[n.OpID] = true
		r := Rejection{OpID: n.OpID, OpType: n.OpType, At: n.At, Kiosk: n.Kiosk, RejectedAt: n.RejectedAt}
		for _, wr := range n.Reasons {
			r.Reasons = append(r.Reasons, wr.Model())
		}
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b Rejection) int { return b.RejectedAt.Compare(a.RejectedAt) })
	return out
}

// AckRejections records that the person has read these rejections: here (so this kiosk stops
// showing them) and on the server (so no kiosk shows them again). The server is told when it
// can be reached; when it cannot, its notices come back at the person's next identification
// online, which is the safe side.
func (s *Service) AckRejections(ctx context.Context, person model.IDNumber, opIDs []string) error {
	if len(opIDs) == 0 {
		return nil
	}
	if err := s.cfg.Store.MarkSeen(opIDs); err != nil {
		return fmt.Errorf("service: acknowledge rejections: %w", err)
	}
	_, err := s.cfg.Client.AckRejections(ctx, api.RejectionAck{IDNumber: string(person), OpIDs: opIDs})
	return reachable(err)
}
