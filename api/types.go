package api

import (
	"encoding/json"
	"time"
)

// Identify is the body of POST /v1/lookup and POST /v1/verify: ID number and licence file
// number must both match. Sent in the body, never in a URL, so that they stay out of access logs.
type Identify struct {
	IDNumber   string `json:"id_number"`
	FileNumber string `json:"file_number,omitempty"`
	// CardRead says the kiosk read the ID number from the person's ID card with its card reader
	// (the chip, through the reader's security module): the card stands in for the file number.
	// Lookups only; /v1/verify always needs both numbers.
	CardRead bool `json:"card_read,omitempty"`
	// For is set on /v1/verify when an owner verifies to let a driver process violations of
	// the owner's vehicle: the server then answers a token that proves the check to
	// POST /v1/ops. /v1/verify only.
	For *OwnerCheckFor `json:"for,omitempty"`
	// VINTail and RegCert are an owner's proofs by number, with For only: the last six
	// characters of the vehicle's identification number, or its registration certificate
	// number, in place of the file number (an owner need not hold a driving licence). An owner
	// may also prove with the ID card (CardRead, with For), then with Face.
	VINTail string `json:"vin_tail,omitempty"`
	RegCert string `json:"reg_cert,omitempty"`
	// Face is what the kiosk's face check found of the owner whose card was read: FaceMatch, or
	// FaceNoCamera at a kiosk without a camera. Required with CardRead and For, else absent.
	Face string `json:"face,omitempty"`
}

// OwnerCheckFor names what an owner authorises when verifying: this driver processing
// violations of this vehicle.
type OwnerCheckFor struct {
	DriverID    string `json:"driver_id"`
	PlateType   string `json:"plate_type"`
	PlateNumber string `json:"plate_number"`
	// Purpose is what the owner authorises: PurposeProcess (the default when absent),
	// PurposeBind or PurposeFollow. A check is proof for its purpose only.
	Purpose string `json:"purpose,omitempty"`
}

// What an owner's check authorises.
const (
	PurposeProcess = "process"
	PurposeBind    = "bind"
	PurposeFollow  = "follow"
)

// The error codes of POST /v1/verify for an owner's check (Identify.For) that failed, beside
// no_match for a wrong file number; each is a model reason code the kiosk words.
const (
	CodeOwnerProofMismatch = "owner.proof_mismatch" // 404: typed ID number and vehicle number are not the owner's and the vehicle's
	CodeOwnerNotOwner      = "owner.not_owner"      // 404: the card's holder does not own the vehicle
	CodeOwnerProofLocked   = "owner.proof_locked"   // 429: proofs by number of this vehicle, or at this kiosk, paused
	CodeOwnerNotOnFile     = "owner.proof_not_on_file"
)

// LinkCheck is the body of POST /v1/linkcheck: before an owner is asked for anything, the
// kiosk asks whether the driver could bind (or follow) this vehicle at all. The server judges
// what it alone knows (the vehicle's owner kind, use, type, its other binders) with the same
// rules as the operation.
type LinkCheck struct {
	DriverID    string `json:"driver_id"`
	PlateType   string `json:"plate_type"`
	PlateNumber string `json:"plate_number"`
	Purpose     string `json:"purpose"` // PurposeBind or PurposeFollow
}

// LinkChecked is the answer of POST /v1/linkcheck: the reasons the link cannot be made whoever
// the owner proves to be (empty when it can), and the proofs by number the platform can check
// for this vehicle (ProofVIN, ProofRegCert; the ID card always works).
type LinkChecked struct {
	Reasons []Reason `json:"reasons"`
	Proofs  []string `json:"proofs"`
}

// An owner's proofs.
const (
	ProofFile    = "file"
	ProofVIN     = "vin"
	ProofRegCert = "reg_cert"
	ProofCard    = "card"
)

// Verified is the answer of POST /v1/verify (an owner verifying at the kiosk to authorise a
// binding, a follow, or processing of their vehicle's violations).
type Verified struct {
	Registered bool `json:"registered"`
	// Token is set when the request named a vehicle (Identify.For) that the verified person
	// owns: the kiosk sends it with the process op as proof that the server checked the owner.
	// It is good for one op of that kiosk and driver, for OwnerCheckMaxAge.
	Token string `json:"token,omitempty"`
	// OwnerName is the verified owner's name, sent with a token only (the person proved who
	// they are and that they own the vehicle), so that the review names whom the driver acts
	// with; the kiosk shows it masked.
	OwnerName string `json:"owner_name,omitempty"`
}

// OwnerCheckMaxAge is how long before a process op an owner's verification may have happened.
const OwnerCheckMaxAge = 30 * time.Minute

// What a face check found, for each person a process op needs seen: their face matched the
// ID card's photo, or the hall has no camera at this kiosk (the profile says for which
// processing that is acceptable). A face that did not match never reaches an op.
const (
	FaceMatch    = "match"
	FaceNoCamera = "no_camera"
)

// Lookup is the answer of POST /v1/lookup: everything the kiosk needs to show a driver their
// licence, points, vehicles and violations, and to judge eligibility with the same rules.
type Lookup struct {
	ServerTime time.Time   `json:"server_time"`
	Profile    string      `json:"profile"`
	Person     Person      `json:"person"`
	Licence    *Licence    `json:"licence,omitempty"`
	Points     Points      `json:"points"`
	Vehicles   []Vehicle   `json:"vehicles"`
	Violations []Violation `json:"violations"`
	// BoundToMine and FollowsOfMine list who is bound to or follows the driver's own vehicles, so
	// that the owner can see and revoke them.
	BoundToMine   []Binding `json:"bound_to_mine"`
	FollowsOfMine []Follow  `json:"follows_of_mine"`
	// MyBindings and MyFollows include ended ones: the limits count history.
	MyBindings []Binding `json:"my_bindings"`
	MyFollows  []Follow  `json:"my_follows"`
	// Rejections lists this person's operations the platform did not accept and the person has
	// not yet acknowledged (POST /v1/rejections/ack), newest first, at most MaxRejections: a
	// driver told "recorded, pending confirmation" at a kiosk learns at the next identification,
	// at any kiosk, that it did not go through and why.
	Rejections []Rejection `json:"rejections,omitempty"`
}

// MaxRejections is how many unacknowledged rejections a lookup carries at most.
const MaxRejections = 20

// Rejection is an operation of the person that the platform rejected.
type Rejection struct {
	OpID       string    `json:"op_id"`
	OpType     string    `json:"op_type"`
	At         time.Time `json:"at"`          // when the person confirmed it, as the server accepted that time
	Kiosk      string    `json:"kiosk"`       // where: the kiosk's hall and name
	RejectedAt time.Time `json:"rejected_at"` // when the platform rejected it
	Reasons    []Reason  `json:"reasons"`
}

// RejectionAck is the body of POST /v1/rejections/ack: the person (identified at the kiosk
// in this session) has read these rejections; they are no longer shown. Op ids that are not
// this person's rejections are ignored.
type RejectionAck struct {
	IDNumber string   `json:"id_number"`
	OpIDs    []string `json:"op_ids"`
}

// RejectionAckReply says how many rejections were marked read.
type RejectionAckReply struct {
	Acked int `json:"acked"`
}

// Person is a person's identity.
type Person struct {
	IDNumber string `json:"id_number"`
	Name     string `json:"name"`
	Phone    string `json:"phone,omitempty"`
}

// Licence is a driving licence.
type Licence struct {
	FileNumber  string `json:"file_number"`
	Classes     string `json:"classes"`
	Status      string `json:"status"`
	FirstIssued string `json:"first_issued"` // YYYY-MM-DD
	Issuer      string `json:"issuer"`
}

// Points is the licence's standing in the current points cycle.
type Points struct {
	CycleStart string `json:"cycle_start"` // YYYY-MM-DD, first day
	CycleEnd   string `json:"cycle_end"`   // YYYY-MM-DD, first day of the next cycle
	Total      int    `json:"total"`
	FullScore  int    `json:"full_score"`
}

// Vehicle is a vehicle with the driver's relation to it.
type Vehicle struct {
	PlateType   string     `json:"plate_type"`
	PlateNumber string     `json:"plate_number"`
	OwnerKind   string     `json:"owner_kind"`
	OwnerID     string     `json:"owner_id,omitempty"`
	OwnerName   string     `json:"owner_name,omitempty"`
	Use         string     `json:"use"`
	Relation    string     `json:"relation"` // own, bound, followed, designated (RelationDesignated)
	Since       *time.Time `json:"since,omitempty"`
	Until       *time.Time `json:"until,omitempty"`
}

// Violation is a violation record with what it costs if paid now.
type Violation struct {
	ID          string     `json:"id"`
	PlateType   string     `json:"plate_type"`
	PlateNumber string     `json:"plate_number"`
	Time        time.Time  `json:"time"`
	Place       string     `json:"place"`
	Code        string     `json:"code"`
	Points      int        `json:"points"`
	FineFen     int64      `json:"fine_fen"`
	Source      string     `json:"source"`
	Status      string     `json:"status"`
	Office      string     `json:"office"`
	OfficeCode  string     `json:"office_code"`
	Decision    string     `json:"decision,omitempty"`
	DriverID    string     `json:"driver_id,omitempty"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
	PaidAt      *time.Time `json:"paid_at,omitempty"`
	DueDate     string     `json:"due_date,omitempty"`     // for decided, unpaid violations
	LateFeeFen  int64      `json:"late_fee_fen,omitempty"` // if paid at server_time
	CatalogueZH string     `json:"catalogue_zh,omitempty"` // the code's description, when known
	CatalogueEN string     `json:"catalogue_en,omitempty"`
}

// Binding is a binding of a non-owned vehicle.
type Binding struct {
	ID          int64      `json:"id"`
	DriverID    string     `json:"driver_id"`
	PlateType   string     `json:"plate_type"`
	PlateNumber string     `json:"plate_number"`
	OwnerID     string     `json:"owner_id"`
	Since       time.Time  `json:"since"`
	Ended       *time.Time `json:"ended,omitempty"`
	Channel     string     `json:"channel"`
	// DriverName is the bound driver's name, sent with the bindings of the person's own
	// vehicles so that an owner sees whom they would revoke (the kiosk shows it masked).
	DriverName string `json:"driver_name,omitempty"`
}

// Follow is a follow of a vehicle.
type Follow struct {
	ID          int64      `json:"id"`
	FollowerID  string     `json:"follower_id"`
	PlateType   string     `json:"plate_type"`
	PlateNumber string     `json:"plate_number"`
	OwnerID     string     `json:"owner_id"`
	RequestedAt time.Time  `json:"requested_at"`
	Since       time.Time  `json:"since"`
	Until       time.Time  `json:"until"`
	Cancelled   *time.Time `json:"cancelled,omitempty"`
	// FollowerName is the follower's name, sent with the follows of the person's own vehicles
	// (shown masked).
	FollowerName string `json:"follower_name,omitempty"`
}

// Operation types.
const (
	OpProcess  = "process"
	OpPay      = "pay"
	OpBind     = "bind"
	OpUnbind   = "unbind"
	OpFollow   = "follow"
	OpUnfollow = "unfollow"
)

// OpsRequest is the body of POST /v1/ops: operations of one kiosk in sequence order.
type OpsRequest struct {
	Ops []Op `json:"ops"`
}

// OpsResponse has one result per operation, in the same order.
type OpsResponse struct {
	Results []OpResult `json:"results"`
}

// Op is one operation a user confirmed at a kiosk. Exactly the member matching Type is set.
type Op struct {
	ID       string      `json:"op_id"` // a UUID, the same on every retry (see ValidClientID)
	Epoch    int64       `json:"epoch"` // the kiosk's local-store epoch
	Seq      int64       `json:"seq"`   // gap-free within the epoch, from 1
	Type     string      `json:"type"`
	At       time.Time   `json:"at"` // when the user confirmed
	Process  *ProcessOp  `json:"process,omitempty"`
	Pay      *PayOp      `json:"pay,omitempty"`
	Bind     *BindOp     `json:"bind,omitempty"`
	Unbind   *UnbindOp   `json:"unbind,omitempty"`
	Follow   *FollowOp   `json:"follow,omitempty"`
	Unfollow *UnfollowOp `json:"unfollow,omitempty"`
}

// Person is the person an operation was done for at the kiosk: the driver of a processing or a
// binding, the payer of a payment (when given), the follower of a follow, whoever ends a
// binding or a follow. It reads the member Type names, so an operation whose member does not
// match its type names nobody. The value is the kiosk's, unchecked.
func (op Op) Person() string {
	switch {
	case op.Type == OpProcess && op.Process != nil:
		return op.Process.DriverID
	case op.Type == OpPay && op.Pay != nil:
		return op.Pay.PayerID
	case op.Type == OpBind && op.Bind != nil:
		return op.Bind.DriverID
	case op.Type == OpUnbind && op.Unbind != nil:
		return op.Unbind.ActorID
	case op.Type == OpFollow && op.Follow != nil:
		return op.Follow.FollowerID
	case op.Type == OpUnfollow && op.Unfollow != nil:
		return op.Unfollow.ActorID
	}
	return ""
}

// ProcessOp asks to process violations on the driver's licence.
type ProcessOp struct {
	DriverID     string   `json:"driver_id"`
	ViolationIDs []string `json:"violation_ids"`
	DriverFace   string   `json:"driver_face"` // FaceMatch or FaceNoCamera
	// Owners proves, for violations of other people's vehicles, that each owner verified at
	// this kiosk: the token /v1/verify answered, and what the owner's face check found.
	Owners     []OwnerProof `json:"owners,omitempty"`
	SeenPoints int          `json:"seen_points"` // the cycle total the kiosk showed
}

// OwnerProof is one owner's verification for a process op.
type OwnerProof struct {
	Token string `json:"token"` // from Verified.Token
	Face  string `json:"face"`  // FaceMatch or FaceNoCamera
}

// PayOp records money the kiosk took. It is a fact: the server records it whatever happens.
type PayOp struct {
	PayerID   string    `json:"payer_id,omitempty"`
	Method    string    `json:"method"`    // card: the kiosk's card terminal (phone payments are recorded by the server)
	Reference string    `json:"reference"` // the payment channel's transaction reference
	Items     []PayItem `json:"items"`
}

// PayItem is the part of a payment for one violation.
type PayItem struct {
	ViolationID string `json:"violation_id"`
	FineFen     int64  `json:"fine_fen"`
	LateFeeFen  int64  `json:"late_fee_fen"`
}

// BindOp asks to bind a non-owned vehicle; the owner verified at the kiosk with ID number and
// file number, which the server checks again.
type BindOp struct {
	DriverID    string `json:"driver_id"`
	PlateType   string `json:"plate_type"`
	PlateNumber string `json:"plate_number"`
	OwnerID     string `json:"owner_id"`
	OwnerFile   string `json:"owner_file_number"`
	// OwnerToken is the token /v1/verify answered for the owner's check (purpose bind). With
	// it, OwnerID and OwnerFile are empty: the server checked the owner itself.
	OwnerToken string `json:"owner_token,omitempty"`
}

// UnbindOp ends a binding: the bound driver unbinds, or the owner revokes.
type UnbindOp struct {
	ActorID     string `json:"actor_id"`
	DriverID    string `json:"driver_id"`
	PlateType   string `json:"plate_type"`
	PlateNumber string `json:"plate_number"`
}

// FollowOp asks to follow a vehicle with the owner's consent given at the kiosk.
type FollowOp struct {
	FollowerID  string `json:"follower_id"`
	PlateType   string `json:"plate_type"`
	PlateNumber string `json:"plate_number"`
	OwnerID     string `json:"owner_id"`
	OwnerFile   string `json:"owner_file_number"`
	// OwnerToken is the token of the owner's check (purpose follow), as for BindOp.
	OwnerToken string `json:"owner_token,omitempty"`
}

// UnfollowOp cancels a follow: the follower or the owner may.
type UnfollowOp struct {
	ActorID     string `json:"actor_id"`
	FollowerID  string `json:"follower_id"`
	PlateType   string `json:"plate_type"`
	PlateNumber string `json:"plate_number"`
}

// Outcomes of an operation.
const (
	OutcomeApplied     = "applied"
	OutcomeWithChanges = "applied_with_changes"
	OutcomeRejected    = "rejected"
	// OutcomeDeferred is not stored: the operation waits for an earlier sequence number and
	// must be sent again after it.
	OutcomeDeferred = "deferred"
)

// OpResult is the server's answer for one operation. Retries return the stored result.
type OpResult struct {
	OpID      string     `json:"op_id"`
	Seq       int64      `json:"seq"`
	Outcome   string     `json:"outcome"`
	Reasons   []Reason   `json:"reasons,omitempty"`
	Decisions []Decision `json:"decisions,omitempty"`
	Payments  []Payment  `json:"payments,omitempty"`
	// Skipped lists violations of a process operation that were not processed (their reasons
	// are in Reasons).
	Skipped      []string  `json:"skipped,omitempty"`
	PointsBefore *int      `json:"points_before,omitempty"`
	PointsAfter  *int      `json:"points_after,omitempty"`
	BindingID    int64     `json:"binding_id,omitempty"`
	FollowID     int64     `json:"follow_id,omitempty"`
	AppliedAt    time.Time `json:"applied_at"`
}

// Reason is a model.Reason on the wire.
type Reason struct {
	Code        string     `json:"code"`
	Rule        int        `json:"rule,omitempty"`
	ViolationID string     `json:"violation_id,omitempty"`
	Want        string     `json:"want,omitempty"`
	Got         string     `json:"got,omitempty"`
	Pos         int        `json:"pos,omitempty"`
	N           int        `json:"n,omitempty"`
	Limit       int        `json:"limit,omitempty"`
	Fen         int64      `json:"fen,omitempty"`
	LimitFen    int64      `json:"limit_fen,omitempty"`
	At          *time.Time `json:"at,omitempty"`
	Term        string     `json:"term,omitempty"`
	// Path is the JSON path of what is wrong in a malformed operation, such as
	// "ops[3].pay.items[0].fine_fen", for the staff who look at the kiosk's rejected operations.
	Path string `json:"path,omitempty"`
}

// Decision is a penalty decision issued by a process operation.
type Decision struct {
	Number      string    `json:"number"`
	ViolationID string    `json:"violation_id"`
	Points      int       `json:"points"`
	FineFen     int64     `json:"fine_fen"`
	IssuedAt    time.Time `json:"issued_at"`
	DueDate     string    `json:"due_date"`
}

// Payment is a recorded payment, or a refund record for money that was not owed.
type Payment struct {
	ID          string    `json:"id"`
	ViolationID string    `json:"violation_id"`
	Decision    string    `json:"decision,omitempty"`
	FineFen     int64     `json:"fine_fen"`
	LateFeeFen  int64     `json:"late_fee_fen"`
	PaidAt      time.Time `json:"paid_at"`
	Method      string    `json:"method"`
	Refund      bool      `json:"refund"`
}

// Changes is the answer of GET /v1/changes?since=CURSOR: reference-data documents changed since
// the cursor, and the cursor to ask with next time. When the server's epoch differs from the
// cursor's (the database was restored or replaced), Full is true and every document is sent:
// the kiosk replaces its reference data instead of patching it.
type Changes struct {
	Cursor  string      `json:"cursor"`
	Full    bool        `json:"full"`
	Changes []RefChange `json:"changes"`
}

// RefChange is one reference-data document.
type RefChange struct {
	Kind string          `json:"kind"` // profile, catalogue, texts
	Key  string          `json:"key,omitempty"`
	Body json.RawMessage `json:"body"` // the document itself
}

// Heartbeat is the body of POST /v1/heartbeat: how the kiosk is doing. Staff see it on the
// server; none of it is personal data.
type Heartbeat struct {
	OutboxDepth int               `json:"outbox_depth"`
	LastSync    *time.Time        `json:"last_sync,omitempty"`
	Devices     map[string]string `json:"devices,omitempty"` // device name -> "name: state" (older kiosks)
	// DeviceStates is each device's state (DevicePrinter, DeviceIDReader, DeviceFace,
	// DeviceCard -> its status); kiosks that report it need not send Devices.
	DeviceStates map[string]DeviceStatus `json:"device_states,omitempty"`
	Version      string                  `json:"version"`
	// OldestPending is when the oldest operation still waiting to be delivered was queued.
	OldestPending *time.Time `json:"oldest_pending,omitempty"`
	// Rejected counts operations the platform rejected that staff at the kiosk have not yet
	// dealt with.
	Rejected int `json:"rejected,omitempty"`
	// FailedAttempts counts the failed exchanges of the kiosk's last outage (a heartbeat only
	// gets through once an outage is over); 0 when there was none since the kiosk started.
	FailedAttempts int `json:"failed_attempts,omitempty"`
	// ClockSkewMS is the kiosk's own clock minus the server's, in milliseconds, as last
	// measured; absent when not measured since the kiosk started. The kiosk signs and dates
	// with its clock corrected by it.
	ClockSkewMS *int64 `json:"clock_skew_ms,omitempty"`
	// Store is the fill of the kiosk's local store.
	Store *StoreStatus `json:"store,omitempty"`
	// Journal is the kiosk's journal checkpoint: what it trimmed, and its head.
	Journal *JournalCheckpoint `json:"journal,omitempty"`
}

// Store fill levels, in order: below the high watermark; above it (the kiosk prunes and
// compacts early); at the stop watermark (the kiosk takes no new offline operation and drains
// what it holds).
const (
	StoreOK   = "ok"
	StoreHigh = "high"
	StoreStop = "stop"
)

// StoreStatus is the fill of a kiosk's local store.
type StoreStatus struct {
	FileBytes     int64  `json:"file_bytes"`      // the file's size
	UsedBytes     int64  `json:"used_bytes"`      // the file less its free pages
	MaxBytes      int64  `json:"max_bytes"`       // the size the store may grow to
	DiskFreeBytes int64  `json:"disk_free_bytes"` // free space on the store's file system
	Level         string `json:"level"`           // StoreOK, StoreHigh or StoreStop
}

// JournalCheckpoint is what is left in a kiosk's file of the journal entries it trimmed: the
// hash of the last trimmed entry (which, the journal being a hash chain, commits to every entry
// before it), its sequence number and when the trim happened; and the journal's head. The kept
// entries verify from the checkpoint on.
type JournalCheckpoint struct {
	Seq      int64     `json:"seq"`  // entries 1 to Seq were trimmed; 0: none yet
	Hash     string    `json:"hash"` // hex SHA-256 of entry Seq; "" when Seq is 0
	At       time.Time `json:"at,omitzero"`
	HeadSeq  int64     `json:"head_seq"`
	HeadHash string    `json:"head_hash"`
}

// HeartbeatReply carries the server's clock, so that a kiosk can measure its clock's skew.
type HeartbeatReply struct {
	ServerTime time.Time `json:"server_time"`
}

// Error is the body of every 4xx and 5xx answer.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// ServerTime and Proof are set on a 401 with code CodeStaleTimestamp: the request was
	// signed correctly, but its timestamp is outside the window. Proof is the HMAC of the
	// kiosk's secret over the request's nonce and ServerTime (StaleProof), so the kiosk can
	// trust the time and correct its clock.
	ServerTime *time.Time `json:"server_time,omitempty"`
	Proof      string     `json:"proof,omitempty"`
}

// CodeStaleTimestamp is the error code of a correctly signed request whose timestamp is
// outside MaxClockSkew of the server's clock.
const CodeStaleTimestamp = "stale_timestamp"

// RelationDesignated is the relation of a driver whom the owning unit designated for its vehicle
// (单位指定驾驶人): the lookup carries the vehicle and its violations, and the rules refuse every
// one of them for processing with the unit-vehicle reason.
const RelationDesignated = "designated"
