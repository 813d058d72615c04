package ui

import (
	"context"
	"sync"
	"testing"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/device"
	"github.com/hallkiosk/kiosk/model"
)

// recordingFace is a camera that matches everyone and remembers whose face it checked.
type recordingFace struct {
	mu   sync.Mutex
	seen []model.IDNumber
}

func (f *recordingFace) Info() device.Info { return device.Info{Name: "test camera"} }
func (f *recordingFace) Verify(_ context.Context, id model.IDNumber) (device.FaceResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = append(f.seen, id)
	return device.FaceMatch, nil
}

// The owner's numbers are verified with the server for this driver and vehicle, then the
// owner's face and the driver's are checked; the op carries the server's token and what each
// check found, and the real server applies it.
func TestOwnerVerificationReachesTheServer(t *testing.T) {
	s := newFixedStack(t)
	face := &recordingFace{}
	h := newFixedStackHarness(t, s, nil, func(o *Options) { o.Devices.Face = face })
	driver, owner := persona(t, "borrower-early"), persona(t, "owner-lent")
	h.identifyAs(driver)
	h.typeText("1")
	h.processScreen()
	h.tickPoints(3)
	h.press(keyEnter)
	if p := h.processScreen(); p.phase != procOwner {
		t.Fatalf("no owner verification: phase %d\n%s", p.phase, h.view())
	}
	h.enterOwner(owner.ID, owner.File)
	p := h.processScreen()
	if p.phase != procConfirm {
		t.Fatalf("not on the review after the owner and both faces: phase %d\n%s", p.phase, h.view())
	}
	if len(face.seen) != 2 || face.seen[0] != owner.ID || face.seen[1] != driver.ID {
		t.Errorf("faces checked %v, want the owner's then the driver's", face.seen)
	}
	h.typeText("1")
	p = h.processScreen()
	if p.phase != procResult || p.outcome.result == nil || p.outcome.result.Outcome != api.OutcomeApplied {
		t.Fatalf("result %+v, want applied\n%s", p.outcome.result, h.view())
	}
	req := p.outcome.op.Process
	if req.DriverFace != api.FaceMatch || len(req.Owners) != 1 || len(req.Owners[0].Token) != 32 || req.Owners[0].Face != api.FaceMatch {
		t.Errorf("op %+v, want the driver's match and the owner's token with a match", req)
	}
}

// A kiosk without a camera processes the driver's own violations (the national profile accepts
// that) and says so in the op.
func TestNoCameraOwnVehicle(t *testing.T) {
	s := newFixedStack(t)
	h := newFixedStackHarness(t, s, nil, func(o *Options) { o.Devices.Face = nil })
	h.identifyAs(persona(t, "nine-points"))
	h.typeText("1")
	h.processScreen()
	h.tickPoints(1)
	h.press(keyEnter)
	if p := h.processScreen(); p.phase != procConfirm {
		t.Fatalf("not on the review: phase %d, problem %+v\n%s", p.phase, p.prob, h.view())
	}
	h.typeText("1")
	p := h.processScreen()
	if p.outcome.result == nil || p.outcome.result.Outcome != api.OutcomeApplied || p.outcome.op.Process.DriverFace != api.FaceNoCamera {
		t.Fatalf("result %+v of op %+v, want applied with no_camera\n%s", p.outcome.result, p.outcome.op.Process, h.view())
	}
}

// An owner without a driving licence verifies with the ID number and the VIN's last six
// characters: the server's token goes into the op, which the real server applies, and the
// owner's face is checked after (the numbers prove who, the camera that they are present).
func TestOwnerWithoutLicenceVerifiesByVIN(t *testing.T) {
	s := newFixedStack(t)
	face := &recordingFace{}
	h := newFixedStackHarness(t, s, nil, func(o *Options) { o.Devices.Face = face })
	driver, owner := persona(t, "borrower-early"), persona(t, "owner-lent")
	h.identifyAs(driver)
	h.typeText("1")
	h.processScreen()
	h.tickPoints(3)
	h.press(keyEnter)
	p := h.processScreen()
	if p.phase != procOwner || p.ow.proof != "" {
		t.Fatalf("the owner is not asked how to verify: phase %d\n%s", p.phase, h.view())
	}
	h.mustShow(h.text(model.ZH, txtOwnerChoiceVIN), h.text(model.ZH, txtOwnerChoiceCert), h.text(model.ZH, txtOwnerChoiceFile))
	plate := p.owners[p.owner].plate
	vin, _ := dataset.DemoVehicleNumbers(plate)
	h.chooseOwnerProof(api.ProofVIN)
	// A wrong VIN tail first: the platform's neutral answer, shown with its remedy.
	h.typeText(string(owner.ID))
	wrong := []byte(string(vin.Tail()))
	wrong[5] = map[bool]byte{true: '1', false: '2'}[wrong[5] != '1']
	h.typeText(string(wrong))
	h.press(keyEnter)
	if p.phase != procOwner || p.ow.nums.prob == nil || p.ow.nums.prob.reason == nil ||
		p.ow.nums.prob.reason.Code != model.ReasonOwnerProofMismatch {
		t.Fatalf("a wrong VIN tail: phase %d, problem %+v\n%s", p.phase, p.ow.nums.prob, h.view())
	}
	h.press(keyBack) // back to the VIN field
	for range 6 {
		h.press(keyBack)
	}
	h.typeText(string(vin.Tail()))
	h.press(keyEnter)
	if p.phase != procConfirm {
		t.Fatalf("not on the review after the VIN: phase %d\n%s", p.phase, h.view())
	}
	if len(face.seen) != 2 || face.seen[0] != owner.ID || face.seen[1] != driver.ID {
		t.Errorf("faces checked %v, want the owner's then the driver's", face.seen)
	}
	h.typeText("1")
	if p.outcome.result == nil || p.outcome.result.Outcome != api.OutcomeApplied {
		t.Fatalf("result %+v, want applied\n%s", p.outcome.result, h.view())
	}
	if o := p.outcome.op.Process.Owners; len(o) != 1 || len(o[0].Token) != 32 || o[0].Face != api.FaceMatch {
		t.Errorf("owners in the op %+v, want the server's token and the face match", o)
	}
}
