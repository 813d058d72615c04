// Package console is the hall staff's console: a Bubble Tea program served over SSH by
// `kiosk serve` (charm.land/wish/v2), one per connection. It shows the calls for staff of the
// staff member's hall loudly at the top, the hall's kiosks (fleet) in a sortable list with a
// detail view per kiosk, and a kiosk's rejected operations, which staff mark followed up.
//
// The console reads and acts only through a Source (the server implements it over its store);
// it holds no personal data because the Source gives it none.
package console

import (
	"context"
	"errors"
	"time"
)

// Staff is the member of staff at the console, as their SSH key says.
type Staff struct {
	ID    string // the staff id of the key's line (in logs and on the records they change)
	Hall  string // the hall they serve; empty for an admin
	Admin bool   // sees and acts on every hall
}

// Sees reports whether the staff member may see and act on a kiosk of hall.
func (s Staff) Sees(hall string) bool { return s.Admin || s.Hall == hall }

// Call states, as the api names them.
const (
	CallOpen   = "open"
	CallComing = "coming"
	CallClosed = "closed"
)

// Call is a call for staff made at a kiosk (F3). It names no person.
type Call struct {
	KioskID, KioskName, Hall string
	ID                       string // the kiosk's id for the call
	Screen                   string // the screen the person was on (ui screen name)
	MadeAt                   time.Time
	ReceivedAt               time.Time
	State                    string    // CallOpen, CallComing or CallClosed
	AckedAt                  time.Time // zero until acknowledged
	AckedBy                  string
	ClosedAt                 time.Time // zero until closed
	ClosedBy                 string
	// EndedAt is when the person's session at the kiosk ended while the call was not closed
	// (zero: the session goes on, or the kiosk has not said so yet).
	EndedAt time.Time
}

// Kiosk states in the fleet view.
const (
	KioskOnline   = "online"   // heard from within the last 3 minutes, nothing wrong
	KioskDegraded = "degraded" // heard from, but something needs attention (Kiosk.Problems)
	KioskOffline  = "offline"  // silent for 3 minutes or more
	KioskRevoked  = "revoked"  // no longer enrolled
)

// Kiosk is one kiosk as the fleet view shows it: what it last reported and what the server
// knows of it.
type Kiosk struct {
	ID, Name, Hall, Profile string
	Version                 string
	State                   string    // KioskOnline, KioskDegraded, KioskOffline, KioskRevoked
	Since                   time.Time // when it entered State (zero: unknown)
	LastSeen                time.Time // zero: never
	Problems                []string  // what makes it degraded, as short codes (see ProblemText)

	OutboxDepth   int64
	OldestPending time.Time // zero: nothing waits
	// Rejected is what the kiosk reports of operations rejected and not yet dealt with at the
	// kiosk; RejectedOpen counts the server's rejected operations of this kiosk that no staff
	// member has marked followed up.
	Rejected     int64
	RejectedOpen int

	StoreKnown       bool
	StoreUsedBytes   int64
	StoreMaxBytes    int64
	StoreLevel       string // ok, high, stop
	JournalKnown     bool
	CheckpointSeq    int64
	CheckpointAt     time.Time
	HeadSeq          int64
	ClockSkewKnown   bool
	ClockSkew        time.Duration // the kiosk's clock minus the server's
	Devices          []Device      // sorted by name
	OpenCalls        int           // calls not closed
	HeartbeatAt      time.Time     // the last heartbeat (zero: none)
	FailedAttempts   int64
	LastSync         time.Time
	JournalRegressed bool // its journal checkpoint went backwards at some heartbeat
}

// Device is one of a kiosk's devices: printer, id_reader, face, card.
type Device struct {
	Kind  string    // printer, id_reader, face, card
	Name  string    // what staff call it
	State string    // ok, simulated, paper_low, paper_out, cover_open, offline, error, unknown
	Since time.Time // zero: unknown
}

// Rejection is one operation of a kiosk that the server rejected: ids, type and reason codes,
// never the person it concerned.
type Rejection struct {
	OpID         string
	Type         string // process, pay, bind, follow, ...
	At           time.Time
	Reasons      []string // reason codes
	FollowedUpAt time.Time
	FollowedUpBy string
}

// Errors a Source returns for an action the console should word.
var (
	ErrNotFound   = errors.New("no such call, kiosk or operation")
	ErrNotAllowed = errors.New("that belongs to another hall")
	ErrConflict   = errors.New("already done by someone else")
)

// Source is what the console reads and changes. Every method checks the staff member's hall
// itself (a console never sees a kiosk of another hall, whatever it asks for) and logs each
// change with the staff id.
type Source interface {
	// Calls returns the calls of the halls staff sees that are not closed, and those closed
	// within the last 10 minutes, oldest first.
	Calls(ctx context.Context, staff Staff) ([]Call, error)
	// Fleet returns the kiosks of the halls staff sees.
	Fleet(ctx context.Context, staff Staff) ([]Kiosk, error)
	// Rejections returns a kiosk's rejected operations, newest first, at most 200.
	Rejections(ctx context.Context, staff Staff, kioskID string) ([]Rejection, error)
	// Acknowledge marks a call coming (a member of staff is on the way).
	Acknowledge(ctx context.Context, staff Staff, kioskID, callID string) error
	// CloseCall closes a call.
	CloseCall(ctx context.Context, staff Staff, kioskID, callID string) error
	// FollowUp marks a rejected operation followed up.
	FollowUp(ctx context.Context, staff Staff, kioskID, opID string) error
}
