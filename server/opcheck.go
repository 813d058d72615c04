package server

import (
	"fmt"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
)

// Bounds of one operation's shape. A kiosk processes and pays a few violations at a time; the
// bounds leave room for that and make every sum of amounts fit an int64 many times over
// (maxOpItems * 2 * maxItemFen < 2^40).
const (
	// maxOpItems bounds the violations of a process operation and the items of a payment.
	maxOpItems = 50
	// maxItemFen bounds the fine and the late fee of one payment item: a million yuan, far above
	// any fine a kiosk handles (the simple procedure stops at 200 yuan).
	maxItemFen = 100_000_000
	// maxReferenceLen bounds a card terminal's transaction reference.
	maxReferenceLen = 64
	// maxFieldLen bounds the other text fields (ID numbers, plates, file numbers), which are
	// all short.
	maxFieldLen = 32
	// maxSeenPoints bounds the points total a kiosk says it showed.
	maxSeenPoints = 1000
)

// checkOp finds the first thing wrong with an operation's shape and returns its JSON path below
// the operation ("pay.items[2].fine_fen"), or "" when the shape is sound. It judges form only:
// whether a person, vehicle or violation exists, and whether the rules allow the operation,
// is decided when the operation is applied. An operation carries exactly the member its type
// names, so that what is applied is never a guess.
func checkOp(op *api.Op, now time.Time) string {
	switch {
	case !api.ValidClientID(op.ID):
		return "op_id"
	case op.Epoch < 1:
		return "epoch"
	case op.Seq < 1:
		return "seq"
	case op.At.IsZero():
		return "at"
	}
	members := []struct {
		name string
		set  bool
	}{
		{api.OpProcess, op.Process != nil}, {api.OpPay, op.Pay != nil}, {api.OpBind, op.Bind != nil},
		{api.OpUnbind, op.Unbind != nil}, {api.OpFollow, op.Follow != nil}, {api.OpUnfollow, op.Unfollow != nil},
	}
	known := false
	for _, m := range members {
		known = known || m.name == op.Type
	}
	if !known {
		return "type"
	}
	for _, m := range members {
		if m.set != (m.name == op.Type) {
			return m.name // missing, or present beside another type's member
		}
	}
	switch op.Type {
	case api.OpProcess:
		return prefixed("process", checkProcess(op.Process, now))
	case api.OpPay:
		return prefixed("pay", checkPay(op.Pay, now))
	case api.OpBind:
		b := op.Bind
		return prefixed("bind", firstOf(
			idField("driver_id", b.DriverID, now), plateFields(b.PlateType, b.PlateNumber),
			short("owner_id", b.OwnerID), short("owner_file_number", b.OwnerFile), short("owner_token", b.OwnerToken)))
	case api.OpUnbind:
		u := op.Unbind
		return prefixed("unbind", firstOf(idField("actor_id", u.ActorID, now), idField("driver_id", u.DriverID, now),
			plateFields(u.PlateType, u.PlateNumber)))
	case api.OpFollow:
		f := op.Follow
		return prefixed("follow", firstOf(
			idField("follower_id", f.FollowerID, now), plateFields(f.PlateType, f.PlateNumber),
			short("owner_id", f.OwnerID), short("owner_file_number", f.OwnerFile), short("owner_token", f.OwnerToken)))
	default: // api.OpUnfollow
		u := op.Unfollow
		return prefixed("unfollow", firstOf(idField("actor_id", u.ActorID, now), idField("follower_id", u.FollowerID, now),
			plateFields(u.PlateType, u.PlateNumber)))
	}
}

func checkProcess(p *api.ProcessOp, now time.Time) string {
	if path := idField("driver_id", p.DriverID, now); path != "" {
		return path
	}
	if p.SeenPoints < 0 || p.SeenPoints > maxSeenPoints {
		return "seen_points"
	}
	if len(p.ViolationIDs) == 0 || len(p.ViolationIDs) > maxOpItems {
		return "violation_ids"
	}
	seen := make(map[string]bool, len(p.ViolationIDs))
	for i, id := range p.ViolationIDs {
		if !model.ValidRecordID(id) || seen[id] {
			return fmt.Sprintf("violation_ids[%d]", i)
		}
		seen[id] = true
	}
	return checkOwnerProofs(p)
}

// checkPay checks a payment's form: a card payment (the only kind a kiosk records: the server
// records phone payments itself) with its terminal's reference, 1 to maxOpItems items of distinct
// violations, each with non-negative amounts under maxItemFen and something paid.
func checkPay(p *api.PayOp, now time.Time) string {
	if p.PayerID != "" {
		if path := idField("payer_id", p.PayerID, now); path != "" {
			return path
		}
	}
	if p.Method != string(model.PayCard) {
		return "method"
	}
	if !printableASCII(p.Reference, maxReferenceLen) {
		return "reference"
	}
	if len(p.Items) == 0 || len(p.Items) > maxOpItems {
		return "items"
	}
	seen := make(map[string]bool, len(p.Items))
	for i, it := range p.Items {
		at := fmt.Sprintf("items[%d]", i)
		switch {
		case !model.ValidRecordID(it.ViolationID) || seen[it.ViolationID]:
			return at + ".violation_id"
		case it.FineFen < 0 || it.FineFen > maxItemFen:
			return at + ".fine_fen"
		case it.LateFeeFen < 0 || it.LateFeeFen > maxItemFen:
			return at + ".late_fee_fen"
		case it.FineFen+it.LateFeeFen == 0:
			return at // an item that pays nothing
		}
		seen[it.ViolationID] = true
	}
	return ""
}

// idField checks that s is an ID number.
func idField(name, s string, now time.Time) string {
	if len(s) > maxFieldLen {
		return name
	}
	if _, err := model.ParseIDNumber(s, now); err != nil {
		return name
	}
	return ""
}

func plateFields(typ, number string) string {
	if len(typ) > maxFieldLen {
		return "plate_type"
	}
	if len(number) > maxFieldLen {
		return "plate_number"
	}
	if _, err := model.ParsePlateType(typ); err != nil {
		return "plate_type"
	}
	if _, err := model.ParsePlate(typ, number); err != nil {
		return "plate_number"
	}
	return ""
}

// short bounds a field that the rules check later, with a reason the person understands (an
// owner's numbers that do not match are the owner's mistake, not a malformed operation).
func short(name, s string) string {
	if len(s) > maxFieldLen {
		return name
	}
	return ""
}

func printableASCII(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func firstOf(paths ...string) string {
	for _, p := range paths {
		if p != "" {
			return p
		}
	}
	return ""
}

func prefixed(member, path string) string {
	if path == "" {
		return ""
	}
	return member + "." + path
}
