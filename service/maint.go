package service

import (
	"fmt"
	"time"

	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/storage"
	"github.com/hallkiosk/kiosk/uplink"
)

// This file is what the staff maintenance screen asks of the kiosk: the sync state, the
// operations the server rejected, store upkeep, and the PIN's failure count. Staff see no
// personal data there, so nothing returned here carries any: a rejected operation comes back
// as its number, type, times and reason codes, never as the operation itself.

// SyncState is the sync engine's status with the outbox counted from the store.
type SyncState struct {
	Status   uplink.Status
	Outbox   map[storage.State]int // entries by state
	FileSize int64                 // the store file, in bytes
}

// SyncState reads the engine's status and the outbox counts.
func (s *Service) SyncState() (SyncState, error) {
	st, err := s.cfg.Store.Stats()
	if err != nil {
		return SyncState{}, err
	}
	out := SyncState{Outbox: st.Outbox, FileSize: st.FileSize}
	if s.cfg.Engine != nil {
		out.Status = s.cfg.Engine.Status()
	}
	return out, nil
}

// RejectedOp is an operation the server rejected, as staff may see it.
type RejectedOp struct {
	Seq      int64
	Type     string // api.OpProcess, api.OpPay...
	QueuedAt time.Time
	DoneAt   time.Time // when the rejection arrived
	// Reasons are the server's, with the values they quote (Want, Got) masked: those may be a
	// plate, a name or an ID number.
	Reasons []model.Reason
}

// maskedValue stands in for a quoted value in a rejected operation's reasons.
const maskedValue = "*"

// Rejected lists the rejected operations that wait for staff, oldest first.
func (s *Service) Rejected() ([]RejectedOp, error) {
	entries, err := s.cfg.Store.Entries(storage.StateRejected)
	if err != nil {
		return nil, fmt.Errorf("list rejected operations: %w", err)
	}
	out := make([]RejectedOp, 0, len(entries))
	for _, e := range entries {
		r := RejectedOp{Seq: e.Seq, Type: e.Op.Type, QueuedAt: e.QueuedAt, DoneAt: e.DoneAt}
		if e.Result != nil {
			for _, wr := range e.Result.Reasons {
				mr := wr.Model()
				if mr.Args.Want != "" {
					mr.Args.Want = maskedValue
				}
				if mr.Args.Got != "" {
					mr.Args.Got = maskedValue
				}
				r.Reasons = append(r.Reasons, mr)
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// DismissRejected removes a rejected operation staff have dealt with; the journal keeps it.
func (s *Service) DismissRejected(seq int64) error { return s.cfg.Store.DismissRejected(seq) }

// Compact rewrites the store file without its free pages and returns its sizes in bytes.
func (s *Service) Compact() (before, after int64, err error) { return s.cfg.Store.Compact() }

// VerifyJournal checks the journal's hash chain and returns how many entries it checked.
func (s *Service) VerifyJournal() (int, error) { return s.cfg.Store.VerifyJournal() }

// MaintLock reads the maintenance PIN's failure count and lock (see storage.Store.MaintLock).
func (s *Service) MaintLock() (int, time.Time, error) { return s.cfg.Store.MaintLock() }

// SetMaintLock records the maintenance PIN's failure count and lock.
func (s *Service) SetMaintLock(failures int, until time.Time) error {
	return s.cfg.Store.SetMaintLock(failures, until)
}
