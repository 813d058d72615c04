package model

import (
	"time"
)

// ReasonCode names one way a rule can fail, or one way an input can be wrong. Codes are stable:
// the kiosk, the server, stored operation results and the text catalogue in assets all refer to
// them, so a code is never renamed once released, only added.
type ReasonCode string

// Reason is one failing rule, with the facts that make the message specific ("the fine is
// 300.00 yuan, the limit 200.00"). Text is rendered from a Texts catalogue, never built here.
type Reason struct {
	Code ReasonCode
	// Rule is the number of the processing rule in DOMAIN.md section 6 (1..10), or 0 for
	// binding, follow, payment and input reasons.
	Rule int
	Args Args
}

// Args are the facts a reason's text may mention. Only the fields a code's text uses are set.
type Args struct {
	Want, Got string // expected and actual value, as shown to the user
	Pos       int    // 1-based character position in an input
	N, Limit  int    // a count or points value and the limit it breaks
	Fen       Fen    // an amount
	LimitFen  Fen    // the limit the amount breaks
	At        time.Time
	Term      string // key of a localised term (a plate type, a licence status...) for {term}
}

// Reasons of the processing rules (DOMAIN.md section 6).
const (
	ReasonUnrelatedVehicle    ReasonCode = "relation.unrelated"
	ReasonBoundAfterViolation ReasonCode = "relation.bound_after_violation"
	ReasonFollowNotAccepted   ReasonCode = "relation.follow_not_accepted"
	ReasonFollowExpired       ReasonCode = "relation.follow_expired"
	ReasonOnSite              ReasonCode = "source.on_site"
	ReasonFineOverLimit       ReasonCode = "fine.over_simple_limit"
	ReasonAlreadyProcessed    ReasonCode = "status.processed"
	ReasonAlreadyPaid         ReasonCode = "status.paid"
	ReasonUnitOwned           ReasonCode = "vehicle.unit_owned"
	ReasonOperatingVehicle    ReasonCode = "vehicle.operating"
	ReasonVehicleType         ReasonCode = "vehicle.type_not_accepted"
	ReasonLicenceStatus       ReasonCode = "licence.status"
	ReasonLicenceClass        ReasonCode = "licence.class"
	ReasonWouldReachFull      ReasonCode = "points.would_reach_full"
	// One violation on its own, where the advice differs from "select fewer".
	ReasonPointsAtFull             ReasonCode = "points.at_full"
	ReasonPointsFullScoreViolation ReasonCode = "points.full_score_violation"
	ReasonPointsReachFullAlone     ReasonCode = "points.reach_full_alone"
	ReasonLicenceSuspended         ReasonCode = "licence.suspended"
	ReasonLicenceOverPoints        ReasonCode = "licence.over_points"
	ReasonOverSingleCap            ReasonCode = "points.over_single_cap"
	ReasonLicenceNotLocal          ReasonCode = "region.licence_not_local"
	ReasonVehicleNotLocal          ReasonCode = "region.vehicle_not_local"
	ReasonDisputed                 ReasonCode = "status.disputed"

	// Rule 3 by the catalogue: the code carries a measure besides the fine (Args.Term names
	// the first), or the law never decides it by the simple procedure.
	ReasonProcedureMeasure   ReasonCode = "procedure.measure"
	ReasonNotSimpleProcedure ReasonCode = "procedure.not_simple"
)

// Reasons of payment.
const (
	ReasonPayNotDecided ReasonCode = "pay.not_decided"
	ReasonPayPaid       ReasonCode = "pay.already_paid"
	ReasonPayDisputed   ReasonCode = "pay.disputed"
	ReasonPayShort      ReasonCode = "pay.short"
	ReasonPayUnknown    ReasonCode = "pay.unknown_violation"
)

// Reasons the server gives when it re-checks an operation against current data.
const (
	ReasonProcessedElsewhere ReasonCode = "op.processed_elsewhere"
	ReasonPointsChanged      ReasonCode = "op.points_changed"
	ReasonDriverUnknown      ReasonCode = "op.driver_unknown"
	ReasonVehicleUnknown     ReasonCode = "op.vehicle_unknown"
	ReasonOwnerCheckFailed   ReasonCode = "op.owner_check_failed"
	ReasonOpMalformed        ReasonCode = "op.malformed"
	ReasonOpSeqGap           ReasonCode = "op.sequence_gap"
	ReasonOpIDReused         ReasonCode = "op.id_reused"
	ReasonViolationUnknown   ReasonCode = "op.violation_unknown"
	// ReasonOwnerNotVerified: a violation that needs the owner (rule 9) came without a valid
	// proof that the server verified the owner at this kiosk for this driver and vehicle.
	ReasonOwnerNotVerified ReasonCode = "op.owner_not_verified"
	// ReasonNoCamera: the processing needs a face check the kiosk could not make (no camera),
	// and the profile does not accept that for this kind of processing.
	ReasonNoCamera    ReasonCode = "op.no_camera"
	ReasonPayOverpaid ReasonCode = "pay.overpaid"
	// The time a kiosk reported for an operation is outside the window the server accepts: after
	// the server's clock beyond the allowed skew, older than the profile's acceptance bound, or
	// (a payment) before the decision it pays.
	ReasonOpTimeFuture         ReasonCode = "op.time_future"
	ReasonOpTimeTooOld         ReasonCode = "op.time_too_old"
	ReasonOpTimeBeforeDecision ReasonCode = "op.time_before_decision"
	// ReasonOpFailed: the operation could not be applied because the database refused it (a
	// constraint); it is stored as rejected so that the kiosk's queue goes on, and staff look.
	ReasonOpFailed ReasonCode = "op.failed"
)

// Reasons of binding a non-owned vehicle (DOMAIN.md section 7).
const (
	ReasonBindDisabled       ReasonCode = "bind.disabled"
	ReasonBindOwnVehicle     ReasonCode = "bind.own_vehicle"
	ReasonBindUnitOwned      ReasonCode = "bind.unit_owned"
	ReasonBindVehicleType    ReasonCode = "bind.type_not_accepted"
	ReasonBindOwnerAbsent    ReasonCode = "bind.owner_not_registered"
	ReasonBindOwnerUnchecked ReasonCode = "bind.owner_not_verified"
	ReasonBindAlready        ReasonCode = "bind.already_bound"
	ReasonBindVehicleFull    ReasonCode = "bind.vehicle_full"
	ReasonBindDriverFull     ReasonCode = "bind.driver_full"
	ReasonBindSelfService    ReasonCode = "bind.self_service_full"
	ReasonBindOwnerHistory   ReasonCode = "bind.owner_history_full"
	ReasonUnbindNotFound     ReasonCode = "unbind.not_found"
	ReasonUnbindNotParty     ReasonCode = "unbind.not_party"
)

// Reasons of following a vehicle (DOMAIN.md section 8).
const (
	ReasonFollowDisabled     ReasonCode = "follow.disabled"
	ReasonFollowOwnVehicle   ReasonCode = "follow.own_vehicle"
	ReasonFollowAlready      ReasonCode = "follow.already_following"
	ReasonFollowUserFull     ReasonCode = "follow.user_full"
	ReasonFollowRequestsUsed ReasonCode = "follow.requests_used"
	ReasonFollowVehicleFull  ReasonCode = "follow.vehicle_full"
	ReasonFollowNoConsent    ReasonCode = "follow.owner_not_consented"
	ReasonUnfollowNotFound   ReasonCode = "unfollow.not_found"
	ReasonUnfollowNotParty   ReasonCode = "unfollow.not_party"
	ReasonFollowUnitOwned    ReasonCode = "follow.unit_owned"
	ReasonFollowVehicleType  ReasonCode = "follow.type_not_accepted"
	// A follow of a vehicle whose violations the processing rules would refuse anyway: not
	// registered in the profile's province (rule 8), or operating (rule 5).
	ReasonFollowNotLocal  ReasonCode = "follow.vehicle_not_local"
	ReasonFollowOperating ReasonCode = "follow.operating"
)

// Reasons of the offline policy: what a kiosk refuses while it cannot reach the server.
const (
	ReasonOfflineNotAllowed ReasonCode = "offline.not_allowed"
	ReasonOfflineCount      ReasonCode = "offline.count_limit"
	ReasonOfflineAmount     ReasonCode = "offline.amount_limit"
	ReasonOfflineTooLong    ReasonCode = "offline.too_long"
	ReasonOfflineStoreFull  ReasonCode = "offline.store_full"
	ReasonOfflineClock      ReasonCode = "offline.clock_unknown"
)

// Reasons of input validation: what is wrong with something a person typed or a file held.
const (
	InputIDLength       ReasonCode = "input.id.length"
	InputIDChar         ReasonCode = "input.id.char"
	InputIDRegion       ReasonCode = "input.id.region"
	InputIDBirthInvalid ReasonCode = "input.id.birth_invalid"
	InputIDBirthFuture  ReasonCode = "input.id.birth_future"
	InputIDCheck        ReasonCode = "input.id.check"
	InputFileLength     ReasonCode = "input.file.length"
	InputFileChar       ReasonCode = "input.file.char"
	InputPlateLength    ReasonCode = "input.plate.length"
	InputPlateProvince  ReasonCode = "input.plate.province"
	InputPlateOffice    ReasonCode = "input.plate.office"
	InputPlateIO        ReasonCode = "input.plate.letter_io"
	InputPlateChar      ReasonCode = "input.plate.char"
	InputPlateForm      ReasonCode = "input.plate.form"
	InputPlateType      ReasonCode = "input.plate.type_unknown"
	InputPlateTypeMatch ReasonCode = "input.plate.type_mismatch"
	InputLicenceClass   ReasonCode = "input.licence.class"
	InputLicenceStatus  ReasonCode = "input.licence.status"
	InputViolationCode  ReasonCode = "input.violation_code"
	InputDecisionNumber ReasonCode = "input.decision.format"
	InputDecisionCheck  ReasonCode = "input.decision.check"
	InputVINLength      ReasonCode = "input.vin.length"
	InputVINChar        ReasonCode = "input.vin.char"
	InputVINCheck       ReasonCode = "input.vin.check"
	InputRegCertLength  ReasonCode = "input.reg_cert.length"
	InputRegCertChar    ReasonCode = "input.reg_cert.char"
)

// Reasons of an owner's verification at a kiosk (DOMAIN.md section 7). What each may say is
// chosen so that no answer tells the person at the kiosk who owns a vehicle or whether an ID
// number is on file: a typed ID number proves nothing, so a typed proof that fails is one
// answer whichever part was wrong; only an ID card on the reader proves who the person is, and
// then saying that they do not own the vehicle tells them about themselves only.
const (
	// ReasonOwnerProofMismatch: the typed ID number and the vehicle's number (VIN characters or
	// registration certificate number) are not this vehicle's owner's and its own.
	ReasonOwnerProofMismatch ReasonCode = "owner.proof_mismatch"
	// ReasonOwnerNotOwner: the person whose ID card was read is not the vehicle's registered
	// owner.
	ReasonOwnerNotOwner ReasonCode = "owner.not_owner"
	// ReasonOwnerProofLocked: too many typed proofs failed for this vehicle, or at this kiosk:
	// typed proofs are refused for a while; the ID card still works.
	ReasonOwnerProofLocked ReasonCode = "owner.proof_locked"
	// ReasonOwnerProofNotOnFile: the platform holds no VIN (or no certificate number) for this
	// vehicle, so that proof cannot be checked.
	ReasonOwnerProofNotOnFile ReasonCode = "owner.proof_not_on_file"
)

// ServerReasonCodes lists the codes only the central server produces, when it re-checks an
// operation against current data; the server's tests prove each is reachable.
func ServerReasonCodes() []ReasonCode {
	return []ReasonCode{
		ReasonPayShort, ReasonPayUnknown, ReasonProcessedElsewhere, ReasonPointsChanged,
		ReasonDriverUnknown, ReasonVehicleUnknown, ReasonOwnerCheckFailed, ReasonOpMalformed, ReasonOpSeqGap,
		ReasonOpIDReused, ReasonViolationUnknown, ReasonOwnerNotVerified, ReasonNoCamera, ReasonPayOverpaid,
		ReasonOpTimeFuture, ReasonOpTimeTooOld, ReasonOpTimeBeforeDecision, ReasonOpFailed,
		ReasonOwnerProofMismatch, ReasonOwnerNotOwner, ReasonOwnerProofLocked, ReasonOwnerProofNotOnFile,
	}
}

// AllReasonCodes lists every code the system can produce. The text catalogue must cover each of
// them in every language; a test and the catalogue loader both check that.
func AllReasonCodes() []ReasonCode {
	return []ReasonCode{
		ReasonUnrelatedVehicle, ReasonBoundAfterViolation, ReasonFollowNotAccepted, ReasonFollowExpired,
		ReasonOnSite, ReasonFineOverLimit, ReasonProcedureMeasure, ReasonNotSimpleProcedure,
		ReasonAlreadyProcessed, ReasonAlreadyPaid,
		ReasonUnitOwned, ReasonOperatingVehicle, ReasonVehicleType, ReasonLicenceStatus,
		ReasonLicenceClass, ReasonWouldReachFull, ReasonOverSingleCap, ReasonLicenceNotLocal,
		ReasonPointsAtFull, ReasonPointsFullScoreViolation, ReasonPointsReachFullAlone,
		ReasonLicenceSuspended, ReasonLicenceOverPoints,
		ReasonVehicleNotLocal, ReasonDisputed,
		ReasonPayNotDecided, ReasonPayPaid, ReasonPayDisputed, ReasonPayShort, ReasonPayUnknown,
		ReasonProcessedElsewhere, ReasonPointsChanged, ReasonDriverUnknown, ReasonVehicleUnknown,
		ReasonOwnerCheckFailed, ReasonOpMalformed, ReasonOpSeqGap,
		ReasonOpIDReused, ReasonViolationUnknown, ReasonOwnerNotVerified,
		ReasonNoCamera, ReasonPayOverpaid, ReasonOpTimeFuture, ReasonOpTimeTooOld,
		ReasonOpTimeBeforeDecision, ReasonOpFailed,
		ReasonBindDisabled, ReasonBindOwnVehicle, ReasonBindUnitOwned, ReasonBindVehicleType,
		ReasonBindOwnerAbsent, ReasonBindOwnerUnchecked, ReasonBindAlready, ReasonBindVehicleFull,
		ReasonBindDriverFull, ReasonBindSelfService, ReasonBindOwnerHistory,
		ReasonUnbindNotFound, ReasonUnbindNotParty,
		ReasonFollowDisabled, ReasonFollowOwnVehicle, ReasonFollowAlready, ReasonFollowUserFull,
		ReasonFollowRequestsUsed, ReasonFollowVehicleFull, ReasonFollowNoConsent,
		ReasonUnfollowNotFound, ReasonUnfollowNotParty, ReasonFollowUnitOwned,
		ReasonFollowVehicleType, ReasonFollowNotLocal, ReasonFollowOperating,
		ReasonOfflineNotAllowed, ReasonOfflineCount, ReasonOfflineAmount, ReasonOfflineTooLong,
		ReasonOfflineStoreFull, ReasonOfflineClock,
		InputIDLength, InputIDChar, InputIDRegion, InputIDBirthInvalid, InputIDBirthFuture,
		InputIDCheck, InputFileLength, InputFileChar, InputPlateLength, InputPlateProvince,
		InputPlateOffice, InputPlateIO, InputPlateChar, InputPlateForm, InputPlateType,
		InputPlateTypeMatch, InputLicenceClass, InputLicenceStatus, InputViolationCode,
		InputDecisionNumber, InputDecisionCheck,
		InputVINLength, InputVINChar, InputVINCheck, InputRegCertLength, InputRegCertChar,
		ReasonOwnerProofMismatch, ReasonOwnerNotOwner, ReasonOwnerProofLocked, ReasonOwnerProofNotOnFile,
	}
}

// InputError is the error every parser in this package returns. It carries the typed reason so
// that the UI can say, in the user's language, what is wrong and how to fix it.
//
// Its Error text names the field and the code with the facts that explain it. It may contain
// what the user typed, so it is meant for the person at the screen and for tests, never for
// logs: log the Code only.
type InputError struct {
	Field  string // "id_number", "file_number", "plate", ...
	Reason Reason
}

func (e *InputError) Error() string {
	return e.Field + ": " + string(e.Reason.Code) + argsSummary(e.Reason.Args)
}

func inputError(field string, code ReasonCode, args Args) *InputError {
	return &InputError{Field: field, Reason: Reason{Code: code, Args: args}}
}
