package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
)

// An owner authorises a binding or a follow at the kiosk with what owners have: their ID number
// with the vehicle's VIN characters or registration certificate number, or their ID card on the
// reader (and their face where the kiosk has a camera). The server judges the proof against the
// vehicle and answers a token the bind or follow op carries; these calls go straight to it.

// OwnerProof is one owner's proof, for a driver and a vehicle. Exactly one of VINTail, RegCert
// and Card is set; Face goes with Card.
type OwnerProof struct {
	ID      model.IDNumber
	VINTail model.VINTail
	RegCert model.RegCertNumber
	Card    bool
	Face    string // api.FaceMatch, or api.FaceNoCamera at a kiosk without a camera
	Driver  model.IDNumber
	Plate   model.Plate
	Purpose string // api.PurposeBind or api.PurposeFollow
}

// OwnerVerified is the server's word that the owner proved it: the token for the op, and
// whether the owner is registered on the platform (the binding rules ask).
type OwnerVerified struct {
	Token      string
	Registered bool
	Name       string // the owner's name as the platform holds it; the screen masks it
}

// OwnerRefusedError is the server's refusal of an owner's proof, as a model reason the screen
// words: owner.proof_mismatch, owner.not_owner, owner.proof_locked (Args.At: until when),
// owner.proof_not_on_file, or an input reason the kiosk should have caught.
type OwnerRefusedError struct {
	Reason model.Reason
}

func (e *OwnerRefusedError) Error() string {
	return "service: owner's proof refused: " + string(e.Reason.Code)
}

// VerifyOwnerProof asks the server to check an owner's proof. A refusal is an
// *OwnerRefusedError; a server that cannot be reached is ErrUnreachable.
func (s *Service) VerifyOwnerProof(ctx context.Context, p OwnerProof) (OwnerVerified, error) {
	req := api.Identify{IDNumber: string(p.ID), VINTail: string(p.VINTail), RegCert: string(p.RegCert),
		CardRead: p.Card, Face: p.Face,
		For: &api.OwnerCheckFor{DriverID: string(p.Driver), PlateType: string(p.Plate.Type),
			PlateNumber: string(p.Plate.Number), Purpose: p.Purpose}}
	v, err := s.cfg.Client.Verify(ctx, req)
	if err == nil {
		if v.Token == "" {
			return OwnerVerified{}, fmt.Errorf("service: verify owner: the server answered no token")
		}
		return OwnerVerified{Token: v.Token, Registered: v.Registered, Name: v.OwnerName}, nil
	}
	if r, ok := ownerRefusal(err, s.cfg.Now()); ok {
		return OwnerVerified{}, &OwnerRefusedError{Reason: r}
	}
	return OwnerVerified{}, reachable(err)
}

// ownerRefusal reads a refusal of the server as a reason: one of the owner check's codes, or an
// input code; anything else is no refusal of the proof.
func ownerRefusal(err error, now time.Time) (model.Reason, bool) {
	var se *api.StatusError
	if !errors.As(err, &se) || se.Status >= 500 {
		return model.Reason{}, false
	}
	code := model.ReasonCode(se.Body.Code)
	switch code {
	case model.ReasonOwnerProofMismatch, model.ReasonOwnerNotOwner, model.ReasonOwnerProofNotOnFile:
		return model.Reason{Code: code}, true
	case model.ReasonOwnerProofLocked:
		return model.Reason{Code: code, Args: model.Args{At: now.Add(se.RetryAfter)}}, true
	}
	if strings.HasPrefix(string(code), "input.") && slices.Contains(model.AllReasonCodes(), code) {
		return model.Reason{Code: code}, true
	}
	return model.Reason{}, false
}

// LinkCheck asks the server whether the driver could bind (purpose bind) or follow the vehicle
// whoever its owner proves to be: the reasons it cannot, and the proofs by number the platform
// can check for it.
func (s *Service) LinkCheck(ctx context.Context, driver model.IDNumber, plate model.Plate, purpose string) ([]model.Reason, []string, error) {
	out, err := s.cfg.Client.LinkCheck(ctx, api.LinkCheck{DriverID: string(driver), PlateType: string(plate.Type),
		PlateNumber: string(plate.Number), Purpose: purpose})
	if err != nil {
		return nil, nil, reachable(err)
	}
	return api.ModelReasons(out.Reasons), out.Proofs, nil
}
