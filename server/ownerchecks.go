package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
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
// violations of this vehicle, binding it or following it (purpose).
type ownerCheckFor struct {
	driver  model.IDNumber
	plate   model.Plate
	purpose string
}

func parseOwnerCheckFor(f *api.OwnerCheckFor, now time.Time) (*ownerCheckFor, error) {
	if path := firstOf(idField("driver_id", f.DriverID, now), plateFields(f.PlateType, f.PlateNumber)); path != "" {
		return nil, fmt.Errorf("for.%s: give the driver's ID number and the owner's vehicle's plate type and number", path)
	}
	purpose := f.Purpose
	switch purpose {
	case "":
		purpose = api.PurposeProcess
	case api.PurposeProcess, api.PurposeBind, api.PurposeFollow:
	default:
		return nil, errors.New("for.purpose: process, bind or follow")
	}
	driver, _ := model.ParseIDNumber(f.DriverID, now)
	plate, _ := model.ParsePlate(f.PlateType, f.PlateNumber)
	return &ownerCheckFor{driver: driver, plate: plate, purpose: purpose}, nil
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
		// A card's check recorded what the kiosk said of the owner's face at that moment; the
		// op cannot better it afterwards. Other proofs are followed by the face check, which
		// the op reports, as it reports the driver's.
		face := proof.Face
		if c.Face != "" {
			face = c.Face
		}
		if face == api.FaceNoCamera && !o.p.NoCameraAllowed(need) {
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
	return c.Purpose == api.PurposeProcess && c.KioskID == o.kiosk && c.Driver == o.driver && c.Plate == veh.Plate &&
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

// proofBad is why an identification request's proof is refused before anything is looked up:
// an input error of a number (answered with its reason code) or a message.
type proofBad struct {
	input error
	msg   string
}

// readProof reads the request's proof into c: the file number, the card, or (for an owner's
// check only) the VIN characters or the certificate number, exactly one of them, and the
// owner's face with a card. Checked before the limits count the attempt: a malformed request
// guesses nothing.
func (c *credential) readProof(req *api.Identify, allowCard bool) *proofBad {
	n := 0
	for _, given := range []bool{req.FileNumber != "", req.CardRead, req.VINTail != "", req.RegCert != ""} {
		if given {
			n++
		}
	}
	owner := c.forCheck != nil
	switch {
	case n > 1:
		return &proofBad{msg: "give one proof: file_number, card_read, vin_tail or reg_cert"}
	case (req.VINTail != "" || req.RegCert != "") && !owner:
		return &proofBad{msg: "vin_tail and reg_cert prove an owner: they go with for, on /v1/verify"}
	case req.CardRead && !allowCard && !owner:
		return &proofBad{msg: "card_read is for /v1/lookup, or for an owner's check (with for); verifying a person needs the ID number and the file number"}
	case req.Face != "" && !(req.CardRead && owner):
		return &proofBad{msg: "face is the face check of an owner whose card was read: it goes with card_read and for"}
	case req.CardRead && owner && !validFace(req.Face):
		return &proofBad{msg: "an owner's card read needs face: match, or no_camera at a kiosk without a camera"}
	}
	var err error
	switch {
	case req.CardRead:
		c.card, c.face = true, req.Face
	case req.VINTail != "":
		c.vin, err = model.ParseVINTail(req.VINTail)
	case req.RegCert != "":
		c.cert, err = model.ParseRegCertNumber(req.RegCert)
	default:
		c.file, err = model.ParseFileNumber(req.FileNumber)
	}
	if err != nil {
		return &proofBad{input: err}
	}
	return nil
}

// proof names how the credential proves its person.
func (c credential) proof() string {
	switch {
	case c.card:
		return api.ProofCard
	case c.vin != "":
		return api.ProofVIN
	case c.cert != "":
		return api.ProofRegCert
	}
	return api.ProofFile
}

// byNumber reports whether the credential is an owner's proof by the vehicle's numbers, which
// the limits on guessing a vehicle's numbers cover.
func (c credential) byNumber() bool { return c.vin != "" || c.cert != "" }

// ownerRefusal is an owner's check that failed with an answer of its own (the file number's
// failures keep the one neutral answer, errNoMatch).
type ownerRefusal struct {
	code  string    // an api.CodeOwner... code, which is also the model's reason code
	until time.Time // for CodeOwnerProofLocked: when proofs by number are taken again
}

// recordOwnerCheck judges an owner's proof for a driver and a vehicle and, when it holds, stores
// the check under token. What a failure may say depends on what the proof proves:
//
//   - A file number or an ID card proves who the person is. A proven person who does not own
//     the vehicle is told so (owner.not_owner): that tells them about themselves only. Wrong
//     numbers stay the neutral errNoMatch of every identification.
//   - A typed ID number with the vehicle's VIN characters or certificate number proves nothing
//     about the person until both match. A failure is one answer whichever was wrong
//     (owner.proof_mismatch): telling "wrong VIN" apart from "not the owner" would tell whoever
//     types any ID number whether that person owns the vehicle, and the other way round would
//     confirm a guessed VIN. The vehicle's numbers can be guessed (six VIN characters), so
//     each failure is recorded and proofs by number are refused beyond ownerProofLimits
//     (owner.proof_locked); the card still works.
//
// A unit's vehicle and an unknown plate fail like a person who is not the owner.
func (s *Server) recordOwnerCheck(tx store.Tx, sess *session, cred credential, token string, now time.Time, out *api.Verified) (*ownerRefusal, error) {
	f := cred.forCheck
	v, err := tx.LockVehicle(f.plate)
	known := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	owns := known && v.OwnerKind == model.OwnerPersonal && v.Owner == cred.id
	switch cred.proof() {
	case api.ProofFile:
		if _, err := identify(tx, cred); err != nil {
			return nil, err
		}
		if !owns {
			return &ownerRefusal{code: api.CodeOwnerNotOwner}, nil
		}
	case api.ProofCard:
		if !owns {
			return &ownerRefusal{code: api.CodeOwnerNotOwner}, nil
		}
	default:
		if until, locked, err := ownerProofLocked(tx, sess.kiosk.ID, f.plate, now); err != nil || locked {
			if err != nil {
				return nil, err
			}
			return &ownerRefusal{code: api.CodeOwnerProofLocked, until: until}, nil
		}
		if known && (cred.vin != "" && v.VIN == "" || cred.cert != "" && v.RegCert == "") {
			// Nothing to compare with: no guess was judged, so none is counted.
			return &ownerRefusal{code: api.CodeOwnerNotOnFile}, nil
		}
		match := owns && (cred.vin != "" && v.VIN.Tail() == cred.vin || cred.cert != "" && v.RegCert == cred.cert)
		if !match {
			if err := tx.InsertOwnerProofFailure(f.plate, sess.kiosk.ID, now); err != nil {
				return nil, err
			}
			return &ownerRefusal{code: api.CodeOwnerProofMismatch}, nil
		}
	}
	d, err := tx.Driver(cred.id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	*out = api.Verified{Registered: d.Registered, Token: token, OwnerName: d.Name}
	return nil, tx.InsertOwnerCheck(store.OwnerCheck{Token: ownerCheckKey(token), KioskID: sess.kiosk.ID, Owner: cred.id,
		Driver: f.driver, Plate: v.Plate, IssuedAt: now, Purpose: f.purpose, Proof: cred.proof(), Face: cred.face})
}

// ownerRefused answers an owner's check that failed. A typed proof that did not match counts
// against the ID number typed as any failed identification does (and against the vehicle, in
// the store); a card is no guess; a check not judged (locked, nothing on file) is taken back.
func (s *Server) ownerRefused(ctx context.Context, w http.ResponseWriter, sess *session, cred credential, r *ownerRefusal) {
	switch r.code {
	case api.CodeOwnerProofLocked:
		s.identifyAborted(ctx, sess, cred)
		secs := retryAfterSeconds(r.until.Sub(s.now()))
		s.metrics.limited(scopeOwnerProof)
		s.log.Warn("owner proofs by number refused: too many failures", "kiosk", sess.kiosk.ID, "wait_s", secs)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeError(w, http.StatusTooManyRequests, r.code,
			fmt.Sprintf("too many failed proofs by number: wait %d seconds, use the ID card, or go to a counter", secs))
		return
	case api.CodeOwnerNotOnFile:
		s.identifyAborted(ctx, sess, cred)
		writeError(w, http.StatusNotFound, r.code, "the platform holds no such number for this vehicle: use another proof")
		return
	case api.CodeOwnerProofMismatch:
		s.metrics.identifyFailure(sess.kiosk.ID)
		s.identifyFailed(ctx, sess, cred)
		writeError(w, http.StatusNotFound, r.code, "the ID number and the vehicle's number are not this vehicle's owner's and its own")
		return
	}
	// Not the owner: the person proved who they are (and is cleared like anyone identified).
	s.identified(ctx, sess, cred)
	writeError(w, http.StatusNotFound, r.code, "the person is not the registered owner of this vehicle")
}
