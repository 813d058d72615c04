package ui

import (
	"context"
	"sync"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/service"
)

// The fakes' side of an owner's verification in the bind and follow flows.

// fakeToken is the token the fakes answer for an owner's check.
const fakeToken = "0123456789abcdef0123456789abcdef"

// LinkCheck finds nothing against any vehicle and offers both proofs by number.
func (f *fakeService) LinkCheck(context.Context, model.IDNumber, model.Plate, string) ([]model.Reason, []string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.unreachable {
		return nil, nil, service.ErrUnreachable
	}
	return nil, []string{api.ProofVIN, api.ProofRegCert}, nil
}

// VerifyOwnerProof accepts any proof while the platform is reachable.
func (f *fakeService) VerifyOwnerProof(context.Context, service.OwnerProof) (service.OwnerVerified, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.unreachable {
		return service.OwnerVerified{}, service.ErrUnreachable
	}
	return service.OwnerVerified{Token: fakeToken, Registered: true}, nil
}

// VerifyOwnerProof answers as the link tests set up: verifyErr, or a token for an owner who is
// registered unless unregistered is set.
func (f *linkFake) VerifyOwnerProof(context.Context, service.OwnerProof) (service.OwnerVerified, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.verified++
	if f.verifyErr != nil {
		return service.OwnerVerified{}, f.verifyErr
	}
	return service.OwnerVerified{Token: fakeToken, Registered: !f.unregistered}, nil
}

// ownerFake plays the server's owner checks for the bind flow's tests: what the link check
// finds, which proofs the platform holds, and how each proof is judged (by the owner's ID number
// and the vehicle's numbers it holds, as the server does).
type ownerFake struct {
	*linkFake
	omu      sync.Mutex
	reasons  []model.Reason // the link check's refusal
	proofs   []string       // the proofs by number the platform holds
	owner    model.IDNumber // the vehicle's owner
	vin      model.VINTail
	cert     model.RegCertNumber
	checks   int                  // link checks asked
	asked    []service.OwnerProof // proofs judged
	locked   bool                 // proofs by number are paused
	lockedAt model.Args
	reader   *ownerReader // the kiosk's card reader, armed once the owner's step is reached
}

func (f *ownerFake) LinkCheck(_ context.Context, _ model.IDNumber, _ model.Plate, _ string) ([]model.Reason, []string, error) {
	f.omu.Lock()
	defer f.omu.Unlock()
	f.checks++
	return f.reasons, f.proofs, nil
}

func (f *ownerFake) VerifyOwnerProof(_ context.Context, p service.OwnerProof) (service.OwnerVerified, error) {
	f.omu.Lock()
	defer f.omu.Unlock()
	f.asked = append(f.asked, p)
	refuse := func(code model.ReasonCode, a model.Args) error {
		return &service.OwnerRefusedError{Reason: model.Reason{Code: code, Args: a}}
	}
	switch {
	case p.Card && p.ID != f.owner:
		return service.OwnerVerified{}, refuse(model.ReasonOwnerNotOwner, model.Args{})
	case p.Card:
	case f.locked:
		return service.OwnerVerified{}, refuse(model.ReasonOwnerProofLocked, f.lockedAt)
	case p.ID != f.owner || p.VINTail != "" && p.VINTail != f.vin || p.RegCert != "" && p.RegCert != f.cert:
		return service.OwnerVerified{}, refuse(model.ReasonOwnerProofMismatch, model.Args{})
	}
	return service.OwnerVerified{Token: fakeToken, Registered: true}, nil
}

// enterOwnerVIN has the owner choose the first way offered (the VIN's last six characters, when
// the platform holds the VIN) and type their ID number and the last six characters of the demo
// VIN of the vehicle the flow is binding or following.
func (h *harness) enterOwnerVIN(id model.IDNumber) {
	h.t.Helper()
	h.typeText("1")
	h.typeText(string(id))
	h.typeText(string(h.demoVINTail()))
	h.press(keyEnter)
}

// demoVINTail is the last six characters of the demo VIN of the flow's vehicle.
func (h *harness) demoVINTail() model.VINTail {
	h.t.Helper()
	b := h.vehiclesScreen().binding()
	if b == nil || b.vehicle.Number == "" {
		h.t.Fatalf("no vehicle chosen in a bind flow:\n%s", h.view())
	}
	vin, _ := dataset.DemoVehicleNumbers(b.vehicle)
	return vin.Tail()
}
