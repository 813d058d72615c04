// Package store holds the central server's persistent state behind one interface, with two
// implementations over one SQL code path: SQLite (modernc.org/sqlite, no cgo, one file under a
// data directory: the embedded default) and PostgreSQL (pgx). Schema migrations run at Open.
//
// The store offers transactional primitives; the rules (what to check, what to write) live in
// the server's service layer and in package model. Every write an operation makes happens inside
// one Tx, so that deduplication, re-checking, applying, storing the result and advancing the
// kiosk's sequence commit or roll back together.
//
// Times are kept to the millisecond and come back in UTC; the zero time stays zero. Errors name
// the table and the operation that failed, never the values involved (ID numbers, names and
// plates are personal data and errors end up in logs).
package store

import (
	"context"
	"errors"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// ErrNotFound is returned by lookups of a single record that does not exist.
var ErrNotFound = errors.New("not found")

// Store is the server's database.
type Store interface {
	IdentifyLimiter

	// Tx runs fn in one read-write transaction and commits when fn returns nil. Concurrent
	// transactions that lock the same kiosk, driver or violation (the Lock methods) run one
	// after the other. A transaction that fails because of a concurrency conflict the database
	// detected (serialization failure, deadlock, SQLITE_BUSY) is retried, so fn must have no
	// effects outside the transaction. fn must return the store's errors wrapped with %w (or
	// as they are) for a conflict to be recognised, and must not call Tx itself: the embedded
	// store has a single writer connection, so a nested Tx would wait for ever.
	Tx(ctx context.Context, fn func(Tx) error) error
	// Read runs fn in a read-only transaction that sees one consistent snapshot.
	Read(ctx context.Context, fn func(Reader) error) error
	// ReadPerson runs fn on one consistent snapshot of what a lookup of this person reads (the
	// reads PrefetchPerson sends ahead), as Read with PrefetchPerson first would. On PostgreSQL
	// the snapshot is taken, read and released in one round trip before fn runs, and fn's reads
	// are answered from what was read; should fn ask for anything else, it runs again inside a
	// Read. fn must therefore have no effects outside what it reads.
	//
	// With an attempt, ReadPerson also decides the lookup's identification once its reads have
	// succeeded: AttemptIdentify with identified as Identifies finds it from the person's record
	// (fn is not asked; on PostgreSQL the decision is one more statement of the same round trip,
	// run just after the snapshot, so it may see a newer record than fn does: Attempted.Found
	// says what it saw). A read that fails decides nothing. fn's own error is returned with the
	// decision; a store failure without one. With a claim in the attempt, the request's nonce is
	// claimed first (on PostgreSQL in the decision's statement) and Attempted.Claim says how;
	// only a claimed request is decided and has fn called.
	ReadPerson(ctx context.Context, id model.IDNumber, rejections int, attempt *IdentifyAttempt, fn func(Reader) error) (Attempted, error)
	// RememberNonce records a request nonce of a kiosk until the given time and reports whether
	// it was fresh at now (never seen, or seen only with an expiry before now). now is the
	// caller's clock, the same one that judged the request's timestamp. Across server processes
	// sharing one PostgreSQL database, a nonce is fresh for exactly one of them. Nonces survive
	// a restart and the server process being killed: the embedded store appends each one to a
	// log of its own beside the database (server.db-nonces/) before reporting it fresh. Neither
	// store waits for fsync, so a power loss (of the database machine) may forget the last
	// ones, which leaves the request timestamp check to bound those replays.
	RememberNonce(ctx context.Context, kioskID, nonce string, now, until time.Time) (fresh bool, err error)
	// Kiosk reads one kiosk's record by itself, outside any transaction: what authenticating a
	// request needs, in one round trip to the database.
	Kiosk(ctx context.Context, id string) (Kiosk, error)
	// ClaimNonce claims a request's nonce for kiosk k, whose record the caller read earlier and
	// checked the request's signature against, and answers the kiosk's record as it is now. The
	// nonce is claimed only if it is fresh (as RememberNonce) and the record now holds the same
	// secret as k and is not revoked at now: a caller that finds the record changed checks the
	// request again against it. On PostgreSQL the claim and the read are one statement, so a
	// record kept in memory across requests costs no extra round trip and a revocation or a new
	// secret from any server process still takes effect on the next request. The embedded store
	// belongs to one process, whose every change of a kiosk goes through it: there k is answered
	// as it is, and only the nonce is claimed. A kiosk that no longer exists is ErrNotFound.
	ClaimNonce(ctx context.Context, k Kiosk, nonce string, now, until time.Time) (current Kiosk, fresh bool, err error)
	// CheckWritable proves that the store can write now, for health checks: it commits a
	// small write and, on SQLite, checks the room left to grow. A full store answers an error
	// IsFull recognises, a read-only one an error IsReadOnly recognises. Each call costs a
	// commit: callers limit how often they make it.
	CheckWritable(ctx context.Context, now time.Time) error
	// Analyze refreshes the planner's statistics of the record tables after an import changed
	// them a lot. PostgreSQL plans each prepared statement once per connection from these
	// statistics: without them, a store filled a moment ago is read with plans made for empty
	// tables until autovacuum's next round. The embedded store keeps no statistics outside a
	// bulk load (its plans follow from the indexes alone), so there it does nothing.
	Analyze(ctx context.Context) error
	// Warm opens the connections a server under load uses and has each read the record tables
	// once, before the server listens: otherwise the first requests after a start (a rolling
	// upgrade under load) each wait for PostgreSQL to start a backend and load its catalogue, and
	// the queue they leave takes seconds to clear. Each connection of the reading pool reads a
	// lookup's snapshot (ReadPerson, with at most rejections unread rejection notices, as the
	// server asks) of an ID number nobody holds (WarmID), and runs the statement that ends a
	// lookup's batch (the nonce's claim and the limiter's decision) in a transaction it rolls
	// back, so that a lookup's statements are prepared and planned there before the first
	// request needs them. The embedded store has nothing to warm.
	Warm(ctx context.Context, rejections int) error
	// Kind is "sqlite" or "postgres".
	Kind() string
	Close() error
}

// Reader reads records. Lists come back in a stable order (documented per method) and are
// empty, not nil-with-error, when nothing matches.
type Reader interface {
	RefundReader

	Meta(key string) (value string, ok bool, err error)

	// Driver returns the person with this ID number, with their licence when they have one.
	Driver(id model.IDNumber) (Driver, error)
	Vehicle(p model.Plate) (Vehicle, error)
	// OwnerProofFailures lists the times of a vehicle's failed owner proofs by number at or
	// after since, oldest first; KioskOwnerProofFailures those of a kiosk, any vehicle.
	OwnerProofFailures(p model.Plate, since time.Time) ([]time.Time, error)
	KioskOwnerProofFailures(kioskID string, since time.Time) ([]time.Time, error)
	// VehiclesOwnedBy lists the vehicles a person owns, by plate type then number.
	VehiclesOwnedBy(owner model.IDNumber) ([]Vehicle, error)

	// Bindings lists bindings (in force or ended) by Since then ID, filtered by exactly one of
	// driver, plate or owner being set in the filter (another filter is an error).
	Bindings(f BindingFilter) ([]Binding, error)
	// Follows lists follows likewise, by RequestedAt then ID.
	Follows(f FollowFilter) ([]Follow, error)
	// UnitDrivers lists the drivers units designated for their vehicles (in force or ended), by
	// Since, filtered by exactly one of driver or plate.
	UnitDrivers(f UnitDriverFilter) ([]model.UnitDriver, error)

	Violation(id string) (model.Violation, error)
	// ViolationsOfPlates lists the violations recorded against these vehicles, by time then ID.
	ViolationsOfPlates(plates []model.Plate) ([]model.Violation, error)
	// ViolationsDecidedAgainst lists violations whose decision names this driver, by time then ID.
	ViolationsDecidedAgainst(driver model.IDNumber) ([]model.Violation, error)

	// PointsEntries lists a licence's points ledger by EnteredAt then decision number.
	PointsEntries(driver model.IDNumber) ([]model.PointsEntry, error)
	Decision(n model.DecisionNumber) (model.Decision, error)
	// Payments lists the payments (and refund records) of a violation by PaidAt then ID.
	Payments(violationID string) ([]model.Payment, error)

	Op(opID string) (OpRecord, error)
	// Ops returns the operations stored under these ids, by id (ids not stored are absent): on
	// PostgreSQL one statement for a whole batch's ids.
	Ops(opIDs []string) (map[string]OpRecord, error)
	// OpAt returns the operation a kiosk sent with this epoch and sequence number.
	OpAt(kioskID string, epoch, seq int64) (OpRecord, error)
	// OpCounts counts stored operations by outcome.
	OpCounts() (map[string]int64, error)

	Kiosk(id string) (Kiosk, error)
	// Kiosks lists enrolled kiosks by ID.
	Kiosks() ([]Kiosk, error)
	// KioskStatus returns a kiosk's last heartbeat (ErrNotFound before its first).
	KioskStatus(kioskID string) (KioskStatus, error)
	// KioskStatuses lists the last heartbeat of every kiosk that sent one, by kiosk ID.
	KioskStatuses() ([]KioskStatus, error)

	// StaffCall returns one call for staff; StaffCalls lists the calls not closed and those
	// closed at or after closedSince, of one hall (every hall: ""), by the time they arrived;
	// OpenStaffCalls counts a kiosk's calls not closed.
	StaffCall(kioskID, callID string) (StaffCall, error)
	StaffCalls(hall string, closedSince time.Time) ([]StaffCall, error)
	OpenStaffCalls(kioskID string) (int, error)
	// KioskRejections lists a kiosk's rejected operations with their follow-ups, newest first,
	// at most limit; OpenRejections counts per kiosk those nobody has followed up.
	KioskRejections(kioskID string, limit int) ([]KioskRejection, error)
	OpenRejections() (map[string]int, error)

	// PrefetchPerson sends ahead, together, the reads a lookup of this person makes: their
	// record, points ledger, vehicles, bindings and follows both ways, designations, the
	// vehicles and violations of all of those, the violations decided against them, their
	// unread rejections (at most rejections of them) and the people linked to their vehicles.
	// The calls that follow with the same arguments are answered from them; others go to the
	// database as before. It changes no answer, only how many times the database is waited
	// for: on PostgreSQL, in a Read, once instead of a dozen times; elsewhere it does nothing.
	PrefetchPerson(id model.IDNumber, rejections int) error

	// UnreadRejections lists a person's rejection notices not yet acknowledged, newest
	// rejection first, at most limit, with the name and hall of the kiosk of each.
	UnreadRejections(person model.IDNumber, limit int) ([]RejectionNotice, error)

	// PayOrder returns a phone payment order by its id.
	PayOrder(id string) (PayOrder, error)
	// ChannelPayment returns the payment a channel notified with this transaction id.
	ChannelPayment(channel, transactionID string) (ChannelPayment, error)
	// ChannelPaymentsOfOrder lists the channel payments of an order, by RecordedAt.
	ChannelPaymentsOfOrder(orderID string) ([]ChannelPayment, error)
	// ChannelPaymentsPaid lists a channel's payments with from <= PaidAt < to, by PaidAt then
	// transaction id: a day of the channel's statement.
	ChannelPaymentsPaid(channel string, from, to time.Time) ([]ChannelPayment, error)

	// RefChanges lists reference-data changes with Seq > since, in Seq order.
	RefChanges(since int64) ([]RefChange, error)
}

// Tx is a read-write transaction.
type Tx interface {
	Reader
	RefundWriter

	// LockKiosk reads a kiosk and holds it until the transaction ends: operations of one kiosk
	// apply one at a time.
	LockKiosk(id string) (Kiosk, error)
	// LockDriver reads a person and holds them: points of one licence change one at a time.
	LockDriver(id model.IDNumber) (Driver, error)
	// LockDrivers holds the people with these ID numbers (those that exist), taking the locks
	// in the byte order of the numbers; on PostgreSQL in one statement.
	LockDrivers(ids []model.IDNumber) error
	// LockViolations holds the violations with these IDs (those that exist) and returns them
	// by ID, taking the locks in the byte order of the IDs; on PostgreSQL in one statement.
	LockViolations(ids []string) ([]model.Violation, error)
	// LockViolation reads a violation and holds it.
	LockViolation(id string) (model.Violation, error)
	// LockPayOrder reads a payment order and holds it: an order's state changes one
	// transaction at a time.
	LockPayOrder(id string) (PayOrder, error)
	// LockOwnerCheck reads an owner check by its token and holds it: two ops citing the same
	// token are judged one after the other, so only one of them can use it.
	LockOwnerCheck(token string) (OwnerCheck, error)
	// LockVehicle reads a vehicle and holds it: its owner's proofs are judged one at a time.
	LockVehicle(p model.Plate) (Vehicle, error)

	// PrefetchCase sends ahead, together, the reads judging an operation of this person makes
	// (points ledger, vehicles, bindings, follows, designations and their vehicles). The calls
	// that follow with the same arguments are answered from them until the transaction's next
	// statement; on SQLite it does nothing.
	PrefetchCase(id model.IDNumber) error
	// Flush sends the writes waiting to be sent and reports the first that failed. On
	// PostgreSQL, writes that need no answer (inserting a decision, a points entry or a
	// payment, updating a violation, the kiosk's progress and last contact) wait in the
	// transaction and go together with the next statement that needs one; their errors are
	// reported by that statement, by Flush, or by the commit. Elsewhere writes are never kept
	// waiting and Flush does nothing.
	Flush() error

	// InsertOp stores an operation's record. It reports false, and stores nothing, when an
	// operation with the same OpID or the same kiosk, epoch and sequence already exists (a
	// concurrent inserter of the same key waits for the first to commit or roll back).
	InsertOp(rec OpRecord) (inserted bool, err error)
	// SetKioskProgress records the last applied sequence of the kiosk's epoch. It and
	// TouchKiosk report ErrNotFound for an unknown kiosk.
	SetKioskProgress(kioskID string, epoch, lastSeq int64) error
	// TouchKiosk records when the kiosk was last heard from.
	TouchKiosk(kioskID string, at time.Time) error
	// PutKioskStatus records a kiosk's heartbeat, replacing the one before.
	PutKioskStatus(k KioskStatus) error
	InsertKiosk(k Kiosk) error
	// RevokeKiosk marks a kiosk revoked from at on: the server refuses its requests from then.
	// A revoked kiosk stays revoked (its first time is kept). ErrNotFound for an unknown kiosk.
	RevokeKiosk(kioskID string, at time.Time) error
	// SetKioskSecret replaces a kiosk's signing secret (a rotation). ErrNotFound for an
	// unknown kiosk.
	SetKioskSecret(kioskID string, secret []byte) error

	// NextDecisionSeq draws n consecutive decision sequence numbers (n at least 1) for an office
	// and year and returns the first: one more than both the last it drew and the highest
	// decision stored for that office and year (imported ones included), so from 1 for a new
	// office and year; numbers are never reused, even across server processes. On PostgreSQL the
	// numbers are drawn as a sequence's values are, in a statement of its own that commits at
	// once: transactions issuing decisions of one office do not wait for each other, and one that
	// rolls back leaves its numbers unused (a gap, as a voided decision leaves). On SQLite, with
	// its single writer, the draw is part of the transaction.
	NextDecisionSeq(officeCode string, year, n int) (first int64, err error)
	InsertDecision(d model.Decision) error
	// UpdateViolation writes every field of v (found by ID; ErrNotFound if there is none).
	UpdateViolation(v model.Violation) error
	InsertPointsEntry(driver model.IDNumber, e model.PointsEntry) error
	// MarkPointsPaid sets PaidAt on the entry of a decision, if it is unpaid; a paid entry
	// keeps its first date, and a decision without an entry (no points) is left alone.
	MarkPointsPaid(n model.DecisionNumber, paidAt time.Time) error
	// InsertPayment stores a payment or refund record for a violation. The violation need not
	// exist: money received for an unknown one is still recorded, as a refund.
	InsertPayment(violationID string, p model.Payment) error

	// InsertPayOrder stores a new payment order. It reports false, and stores nothing, when an
	// order with the same ID exists (a concurrent inserter waits for the first to commit or roll
	// back); a Token already used by another order is an error.
	InsertPayOrder(o PayOrder) (inserted bool, err error)
	// UpdatePayOrder writes an order's Status, PaidAt, Reference, Result, QR and ChannelRef
	// (found by ID; ErrNotFound if there is none). The other fields never change.
	UpdatePayOrder(o PayOrder) error
	// InsertChannelPayment records a payment a channel notified. It reports false, and stores
	// nothing, when the channel's transaction id is recorded already (a concurrent inserter
	// waits for the first to commit or roll back).
	InsertChannelPayment(p ChannelPayment) (inserted bool, err error)

	// InsertOwnerCheck stores a new owner check; a token already stored is an error.
	InsertOwnerCheck(o OwnerCheck) error
	// UseOwnerCheck records the op that used an owner check (ErrNotFound for an unknown token).
	UseOwnerCheck(token, opID string) error
	// InsertOwnerProofFailure records a failed owner proof by number of a vehicle at a kiosk.
	InsertOwnerProofFailure(p model.Plate, kioskID string, at time.Time) error

	// InsertStaffCall stores a kiosk's call, reporting false when it is stored already;
	// EndStaffCall records the end of its session once; AckStaffCall marks an open call coming
	// and CloseStaffCall closes one not closed, each reporting whether it changed the call.
	InsertStaffCall(c StaffCall) (bool, error)
	EndStaffCall(kioskID, callID string, at time.Time) (bool, error)
	AckStaffCall(kioskID, callID, staff string, at time.Time) (bool, error)
	CloseStaffCall(kioskID, callID, staff string, at time.Time) (bool, error)
	// FollowUpOp records that staff followed up an operation, reporting false when it was.
	FollowUpOp(opID, kioskID, staff string, at time.Time) (bool, error)

	// InsertRejectionNotice stores the notice of a rejected operation (whose record must be
	// stored in the same transaction); a second notice of the same op is an error.
	InsertRejectionNotice(n RejectionNotice) error
	// AckRejection marks the notice of opID read at at, if it is this person's and unread, and
	// reports whether it did.
	AckRejection(person model.IDNumber, opID string, at time.Time) (bool, error)

	// InsertBinding stores a binding and returns its ID.
	InsertBinding(b model.Binding) (int64, error)
	// EndBinding sets Ended on a binding that is in force; an ended binding keeps its first end
	// date. ErrNotFound for an unknown ID. CancelFollow does likewise for follows.
	EndBinding(id int64, at time.Time) error
	InsertFollow(f model.Follow) (int64, error)
	CancelFollow(id int64, at time.Time) error

	// Upserts used by data import: they replace a record with the same key. A licence's number
	// is its holder's ID number: PutDriver takes an empty Licence.ID to mean the holder's and
	// refuses another person's.
	PutDriver(d Driver) error
	PutVehicle(v Vehicle) error
	PutViolation(v model.Violation) error
	// PutUnitDriver stores a unit's designation of a driver, replacing the end of one with the
	// same driver, vehicle and Since.
	PutUnitDriver(u model.UnitDriver) error

	PutMeta(key, value string) error
	// AppendRefChange stores a reference-data change and returns its sequence number.
	AppendRefChange(kind, key string, body []byte) (int64, error)
}

// Driver is a person known to the platform: a licence holder, a vehicle owner, or both.
type Driver struct {
	model.Driver
	// Licence is nil for a person without a driving licence (an owner who does not drive).
	Licence *model.Licence
	// Registered is true when the person has an account on the platform (needed to authorise
	// a binding of their vehicle).
	Registered bool
}

// Vehicle is a registered vehicle with its owner's display name (a unit's name, or a person's).
type Vehicle struct {
	model.Vehicle
	OwnerName string
}

// Binding is a stored binding.
type Binding struct {
	ID int64
	model.Binding
}

// Follow is a stored follow.
type Follow struct {
	ID int64
	model.Follow
}

// BindingFilter selects bindings by exactly one of its fields.
type BindingFilter struct {
	Driver model.IDNumber
	Plate  model.Plate
	Owner  model.IDNumber
}

// FollowFilter selects follows by exactly one of its fields.
type FollowFilter struct {
	Follower model.IDNumber
	Plate    model.Plate
	Owner    model.IDNumber
}

// OpRecord is an operation as the server stored it, with its result. The result is stored as
// JSON so that a retry returns exactly the same bytes.
type OpRecord struct {
	OpID        string
	KioskID     string
	Epoch       int64
	Seq         int64
	Type        string
	RequestHash string // SHA-256 of the canonical request, hex: the same id with other content is refused
	Outcome     string // "applied", "applied_with_changes", "rejected"
	Result      []byte // the JSON result returned to the kiosk
	AppliedAt   time.Time
}

// Kiosk is an enrolled terminal.
type Kiosk struct {
	ID         string
	Name       string
	Hall       string
	Profile    string // the policy profile the kiosk runs, which the server re-checks its operations with
	Secret     []byte // HMAC key, 32 random bytes
	EnrolledAt time.Time
	LastSeen   time.Time // zero until first heard from
	Epoch      int64     // the kiosk's current epoch (a new local store starts a new epoch)
	LastSeq    int64     // last applied sequence number in Epoch
	RevokedAt  time.Time // zero unless revoked: from then on its requests are refused
}

// RefChange is one change to reference data (a profile, the catalogue, the texts).
type RefChange struct {
	Seq  int64
	Kind string // "profile", "catalogue", "texts"
	Key  string // profile name, or "" for catalogue and texts
	Body []byte // the full new document
	At   time.Time
}
