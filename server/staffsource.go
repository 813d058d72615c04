package server

// The staff console's view of the server (console.Source). Every method checks the staff
// member's hall against the kiosk's, whatever the console asked for, and every change is logged
// with the staff id and the ids it changed, never personal data (calls and rejected operations
// carry none).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/console"
	"github.com/hallkiosk/kiosk/server/store"
)

// Thresholds of the problems.
const (
	outboxOldAfter = time.Hour
	clockSkewLimit = time.Minute
	// callsClosedShown is how long a closed call stays on the console.
	callsClosedShown = 10 * time.Minute
	// maxConsoleRejections bounds a kiosk's rejected operations on the console.
	maxConsoleRejections = 200
)

// KioskProblems lists what is wrong with a kiosk by its last heartbeat, at now, as the console's
// problem codes.
func KioskProblems(st store.KioskStatus, now time.Time) []string {
	var out []string
	if !st.OldestPending.IsZero() && now.Sub(st.OldestPending) > outboxOldAfter {
		out = append(out, console.ProblemOutboxOld)
	}
	if st.StoreKnown {
		switch st.Store.Level {
		case api.StoreHigh:
			out = append(out, console.ProblemStoreHigh)
		case api.StoreStop:
			out = append(out, console.ProblemStoreStop)
		}
	}
	if st.ClockSkewKnown && time.Duration(st.ClockSkewMS)*time.Millisecond > clockSkewLimit ||
		st.ClockSkewKnown && time.Duration(-st.ClockSkewMS)*time.Millisecond > clockSkewLimit {
		out = append(out, console.ProblemClockSkew)
	}
	kinds := make([]string, 0, len(st.Devices))
	for kind := range st.Devices {
		kinds = append(kinds, kind)
	}
	sort.Strings(kinds)
	for _, kind := range kinds {
		switch state := st.Devices[kind].State; state {
		case api.DevicePaperLow, api.DevicePaperOut, api.DeviceCoverOpen, api.DeviceOffline, api.DeviceError:
			out = append(out, console.DeviceProblem(kind, state))
		}
	}
	return out
}

// StaffSource is the console's Source over this server's store.
func (s *Server) StaffSource() console.Source { return staffSource{s} }

type staffSource struct{ s *Server }

// hallOf is the hall filter of a staff member: "" (all) for an admin.
func hallOf(staff console.Staff) string {
	if staff.Admin {
		return ""
	}
	return staff.Hall
}

func (src staffSource) Calls(ctx context.Context, staff console.Staff) ([]console.Call, error) {
	if !staff.Admin && staff.Hall == "" {
		return nil, console.ErrNotAllowed
	}
	now := src.s.now()
	var calls []store.StaffCall
	err := src.s.store.Read(ctx, func(rd store.Reader) error {
		var err error
		calls, err = rd.StaffCalls(hallOf(staff), now.Add(-callsClosedShown))
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]console.Call, 0, len(calls))
	for _, c := range calls {
		if staff.Sees(c.KioskHall) {
			out = append(out, consoleCall(c))
		}
	}
	return out, nil
}

func consoleCall(c store.StaffCall) console.Call {
	return console.Call{KioskID: c.KioskID, KioskName: c.KioskName, Hall: c.KioskHall, ID: c.CallID, Screen: c.Screen,
		MadeAt: c.MadeAt, ReceivedAt: c.ReceivedAt, State: c.State, AckedAt: c.AckedAt, AckedBy: c.AckedBy,
		ClosedAt: c.ClosedAt, ClosedBy: c.ClosedBy, EndedAt: c.EndedAt}
}

func (src staffSource) Fleet(ctx context.Context, staff console.Staff) ([]console.Kiosk, error) {
	if !staff.Admin && staff.Hall == "" {
		return nil, console.ErrNotAllowed
	}
	now := src.s.now()
	var (
		kiosks   []store.Kiosk
		statuses []store.KioskStatus
		open     map[string]int
		calls    []store.StaffCall
	)
	err := src.s.store.Read(ctx, func(rd store.Reader) error {
		var err error
		if kiosks, err = rd.Kiosks(); err != nil {
			return err
		}
		if statuses, err = rd.KioskStatuses(); err != nil {
			return err
		}
		if open, err = rd.OpenRejections(); err != nil {
			return err
		}
		calls, err = rd.StaffCalls(hallOf(staff), now)
		return err
	})
	if err != nil {
		return nil, err
	}
	byKiosk := make(map[string]store.KioskStatus, len(statuses))
	for _, st := range statuses {
		byKiosk[st.KioskID] = st
	}
	openCalls := map[string]int{}
	for _, c := range calls {
		if c.ClosedAt.IsZero() {
			openCalls[c.KioskID]++
		}
	}
	out := []console.Kiosk{}
	for _, k := range kiosks {
		if !staff.Sees(k.Hall) {
			continue
		}
		st, hasStatus := byKiosk[k.ID]
		out = append(out, fleetKiosk(k, st, hasStatus, open[k.ID], openCalls[k.ID], now))
	}
	return out, nil
}

// fleetKiosk is a kiosk as the fleet view shows it at now.
func fleetKiosk(k store.Kiosk, st store.KioskStatus, hasStatus bool, openRejections, openCalls int, now time.Time) console.Kiosk {
	c := console.Kiosk{ID: k.ID, Name: k.Name, Hall: k.Hall, Profile: k.Profile, LastSeen: k.LastSeen,
		RejectedOpen: openRejections, OpenCalls: openCalls}
	if hasStatus {
		c.Version, c.HeartbeatAt = st.Version, st.ReceivedAt
		c.OutboxDepth, c.OldestPending, c.Rejected = st.OutboxDepth, st.OldestPending, st.Rejected
		c.FailedAttempts, c.LastSync = st.FailedAttempts, st.LastSync
		c.StoreKnown, c.StoreUsedBytes, c.StoreMaxBytes, c.StoreLevel = st.StoreKnown, st.Store.UsedBytes,
			st.Store.MaxBytes, st.Store.Level
		c.JournalKnown, c.CheckpointSeq, c.CheckpointAt, c.HeadSeq = st.JournalKnown, st.Journal.CheckpointSeq,
			st.Journal.CheckpointAt, st.Journal.HeadSeq
		c.ClockSkewKnown, c.ClockSkew = st.ClockSkewKnown, time.Duration(st.ClockSkewMS)*time.Millisecond
		for kind, d := range st.Devices {
			c.Devices = append(c.Devices, console.Device{Kind: kind, Name: d.Name, State: d.State, Since: d.Since})
		}
		slices.SortFunc(c.Devices, func(a, b console.Device) int { return strings.Compare(a.Kind, b.Kind) })
		c.Problems = KioskProblems(st, now)
	}
	if openRejections > 0 {
		c.Problems = append(c.Problems, console.ProblemRejected)
	}
	switch {
	case !k.RevokedAt.IsZero():
		c.State, c.Since = console.KioskRevoked, k.RevokedAt
	case k.LastSeen.IsZero() || !hasStatus || now.Sub(st.ReceivedAt) >= store.KioskSilentAfter:
		c.State, c.Since = console.KioskOffline, k.LastSeen
		if hasStatus && st.ReceivedAt.After(c.Since) {
			c.Since = st.ReceivedAt
		}
		if c.Since.IsZero() {
			c.Since = k.EnrolledAt
		}
	case len(c.Problems) > 0:
		c.State, c.Since = console.KioskDegraded, st.ProblemsSince
		if c.Since.IsZero() {
			c.Since = st.OnlineSince
		}
	default:
		c.State, c.Since = console.KioskOnline, st.OnlineSince
	}
	return c
}

// kioskFor reads a kiosk the staff member may see: ErrNotFound for none, ErrNotAllowed for a
// kiosk of another hall.
func kioskFor(rd store.Reader, staff console.Staff, kioskID string) (store.Kiosk, error) {
	k, err := rd.Kiosk(kioskID)
	if errors.Is(err, store.ErrNotFound) {
		return k, console.ErrNotFound
	}
	if err != nil {
		return k, err
	}
	if !staff.Sees(k.Hall) {
		return k, console.ErrNotAllowed
	}
	return k, nil
}

func (src staffSource) Rejections(ctx context.Context, staff console.Staff, kioskID string) ([]console.Rejection, error) {
	var recs []store.KioskRejection
	err := src.s.store.Read(ctx, func(rd store.Reader) error {
		if _, err := kioskFor(rd, staff, kioskID); err != nil {
			return err
		}
		var err error
		recs, err = rd.KioskRejections(kioskID, maxConsoleRejections)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]console.Rejection, 0, len(recs))
	for _, r := range recs {
		var res api.OpResult
		var codes []string
		if json.Unmarshal(r.Result, &res) == nil {
			for _, reason := range res.Reasons {
				codes = append(codes, reason.Code)
			}
		}
		out = append(out, console.Rejection{OpID: r.OpID, Type: safeOpType(r.Type), At: r.AppliedAt, Reasons: codes,
			FollowedUpAt: r.FollowedUpAt, FollowedUpBy: r.FollowedUpBy})
	}
	return out, nil
}

// change runs a staff member's change of a kiosk's record in one transaction: fn reports
// whether it changed anything (false: someone else did it first).
func (src staffSource) change(ctx context.Context, staff console.Staff, kioskID, event, id string,
	fn func(tx store.Tx, now time.Time) (bool, error)) error {
	now := src.s.now()
	var changed bool
	err := src.s.store.Tx(ctx, func(tx store.Tx) error {
		if _, err := kioskFor(tx, staff, kioskID); err != nil {
			return err
		}
		var err error
		changed, err = fn(tx, now)
		return err
	})
	switch {
	case errors.Is(err, console.ErrNotAllowed):
		src.s.log.Warn("staff console: refused a kiosk of another hall", "event", event+"_refused", "staff", staff.ID,
			"kiosk", kioskID)
		return err
	case err != nil:
		return err
	case !changed:
		return console.ErrConflict
	}
	src.s.log.Info("staff console: "+event, "event", event, "staff", staff.ID, "kiosk", kioskID, "id", id)
	return nil
}

func (src staffSource) Acknowledge(ctx context.Context, staff console.Staff, kioskID, callID string) error {
	return src.changeCall(ctx, staff, kioskID, callID, "staff_call_acknowledged", store.Tx.AckStaffCall)
}

func (src staffSource) CloseCall(ctx context.Context, staff console.Staff, kioskID, callID string) error {
	return src.changeCall(ctx, staff, kioskID, callID, "staff_call_closed", store.Tx.CloseStaffCall)
}

// changeCall applies a staff member's change to a call that exists.
func (src staffSource) changeCall(ctx context.Context, staff console.Staff, kioskID, callID, event string,
	apply func(tx store.Tx, kioskID, callID, staff string, at time.Time) (bool, error)) error {
	return src.change(ctx, staff, kioskID, event, callID, func(tx store.Tx, now time.Time) (bool, error) {
		if _, err := tx.StaffCall(kioskID, callID); errors.Is(err, store.ErrNotFound) {
			return false, console.ErrNotFound
		} else if err != nil {
			return false, err
		}
		return apply(tx, kioskID, callID, staff.ID, now)
	})
}

func (src staffSource) FollowUp(ctx context.Context, staff console.Staff, kioskID, opID string) error {
	return src.change(ctx, staff, kioskID, "rejection_followed_up", opID, func(tx store.Tx, now time.Time) (bool, error) {
		op, err := tx.Op(opID)
		if errors.Is(err, store.ErrNotFound) || err == nil && (op.KioskID != kioskID || op.Outcome != "rejected") {
			return false, console.ErrNotFound
		} else if err != nil {
			return false, fmt.Errorf("follow up: %w", err)
		}
		return tx.FollowUpOp(opID, kioskID, staff.ID, now)
	})
}
