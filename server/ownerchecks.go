package server

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// ownerCheckTokenLen is the length of an owner check's token: 16 random bytes in hex.
const ownerCheckTokenLen = 32

// maxOwnerProofs bounds the owner proofs of one process op: a driver processes the violations
// of a few vehicles at a time.
const maxOwnerProofs = 10

// ownerCheckFor is what an owner verifying at /v1/verify authorises: this driver processing
// violations of this vehicle.
type ownerCheckFor struct {
	driver model.IDNumber
	plate  model.Plate
}

func parseOwnerCheckFor(f *api.OwnerCheckFor, now time.Time) (*ownerCheckFor, error) {
	if path := firstOf(idField("driver_id", f.DriverID, now), plateFields(f.PlateType, f.PlateNumber)); path != "" {
		return nil, fmt.Errorf("for.%s: give the driver's ID number and the owner's vehicle's plate type and number", path)
	}
	driver, _ := model.ParseIDNumber(f.DriverID, now)
	plate, _ := model.ParsePlate(f.PlateType, f.PlateNumber)
	return &ownerCheckFor{driver: driver, plate: plate}, nil
}

// newOwnerCheckToken draws an owner check's token. It is the whole proof, so it is unguessable.
func newOwnerCheckToken() string {
	b := make([]byte, ownerCheckTokenLen/2)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// ownerCheckKey is what the store keeps of a token: its SHA-256, so that someone who reads the
// database (a backup, a replica) learns no token a kiosk could present.
func ownerCheckKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func validOwnerCheckToken(s string) bool {
	if len(s) != ownerCheckTokenLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}

func validFace(s string) bool { return s == api.FaceMatch || s == api.FaceNoCamera }

// checkOwnerProofs checks the form of a process op's face results and owner proofs.
func checkOwnerProofs(p *api.ProcessOp) string {
	if !validFace(p.DriverFace) {
		return "driver_face"
	}
	if len(p.Owners) > maxOwnerProofs {
		return "owners"
	}
	seen := make(map[string]bool, len(p.Owners))
	for i, o := range p.Owners {
		switch {
		case !validOwnerCheckToken(o.Token) || seen[o.Token]:
			return fmt.Sprintf("owners[%d].token", i)
		case !validFace(o.Face):
			return fmt.Sprintf("owners[%d].face", i)
		}
		seen[o.Token] = true
	}
	return ""
}

// ownerProofs judges the verification a process op brings for its violations. The server takes
// no kiosk's word that an owner was verified: each owner proof names an owner check the server
// itself recorded at /v1/verify, which is good for the kiosk, driver and vehicle it was issued
// for, while the verified person still owns the vehicle, from its issue until OwnerCheckMaxAge
// later (judged at the op's time, which the server has bounded), for one op and its retries.
type ownerProofs struct {
	tx     store.Tx
	kiosk  string
	op     api.Op
	driver model.IDNumber
	p      *model.Profile
	checks map[string]store.OwnerCheck // by token, the checks the op cites, locked
	used   map[string]bool             // the tokens that proved an owner for this op
}

func newOwnerProofs(tx store.Tx, p *model.Profile, kiosk string, op api.Op, driver model.IDNumber) (*ownerProofs, error) {
	o := &ownerProofs{tx: tx, kiosk: kiosk, op: op, driver: driver, p: p,
		checks: map[string]store.OwnerCheck{}, used: map[string]bool{}}
	for _, proof := range op.Process.Owners {
		c, err := tx.LockOwnerCheck(ownerCheckKey(proof.Token))
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		o.checks[proof.Token] = c
	}
	return o, nil
}

// judge returns the reason a violation's verification fails, or "" when it holds.
func (o *ownerProofs) judge(v model.Violation, need model.Verification) (model.ReasonCode, error) {
	req := o.op.Process
	if req.DriverFace == api.FaceNoCamera && !o.p.NoCameraAllowed(need) {
		return model.ReasonNoCamera, nil
	}
	if need != model.VerifyDriverAndOwner {
		return "", nil
	}
	veh, err := o.tx.Vehicle(v.Plate)
	if errors.Is(err, store.ErrNotFound) {
		return model.ReasonOwnerNotVerified, nil
	} else if err != nil {
		return "", err
	}
	for _, proof := range req.Owners {
		c, ok := o.checks[proof.Token]
		if !ok || !o.valid(c, veh) {
			continue
		}
		if proof.Face == api.FaceNoCamera && !o.p.NoCameraAllowed(need) {
			return model.ReasonNoCamera, nil
		}
		o.used[proof.Token] = true
		return "", nil
	}
	return model.ReasonOwnerNotVerified, nil
}

// valid judges one owner check for a vehicle. The check was issued at the server's time and the
// op is dated by the kiosk's clock, which may be behind the server's by the skew a request may
// have: an op dated that much before its check is still after it.
func (o *ownerProofs) valid(c store.OwnerCheck, veh store.Vehicle) bool {
	age := o.op.At.Sub(c.IssuedAt)
	return c.KioskID == o.kiosk && c.Driver == o.driver && c.Plate == veh.Plate &&
		veh.Owner != "" && c.Owner == veh.Owner &&
		age >= -api.MaxClockSkew && age <= api.OwnerCheckMaxAge &&
		(c.UsedBy == "" || c.UsedBy == o.op.ID)
}

// markUsed records that the op used the owner checks that proved its owners: none of them can
// prove another op.
func (o *ownerProofs) markUsed() error {
	for token := range o.used {
		if o.checks[token].UsedBy == o.op.ID {
			continue
		}
		if err := o.tx.UseOwnerCheck(ownerCheckKey(token), o.op.ID); err != nil {
			return err
		}
	}
	return nil
}
