package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/device"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/service"
)

// The owner's side of the bind flow with each proof, against a fake server (ownerFake) that
// judges proofs as the server does.

// The owner-lent persona owns the fake's vehicle; these are its numbers at the fake.
const (
	fakeVINTail = "KP0427"
	fakeCert    = "440001234567"
)

// ownerHarness builds the fake first, so that Connect hands it out.
func ownerHarness(t *testing.T, cards []readAnswer, face device.Face, mutate ...func(*Options)) (*harness, *ownerFake) {
	t.Helper()
	owner := persona(t, "owner-lent")
	f := &ownerFake{proofs: []string{api.ProofVIN, api.ProofRegCert}, owner: owner.ID, vin: fakeVINTail, cert: fakeCert}
	f.reader = &ownerReader{answers: cards}
	h, lf := newLinkHarness(t, "national", append([]func(*Options){func(o *Options) {
		o.Connect = func(context.Context) (Services, error) { return f, nil }
		o.Devices.Face = face
		if cards != nil {
			o.Devices.IDReader = f.reader
		}
	}}, mutate...)...)
	f.linkFake = lf
	return h, f
}

// ownerReader is a card reader that holds nothing while the driver identifies (the identify
// screen asks it too) and answers its script once armed, for the owner.
type ownerReader struct {
	armed   bool
	answers []readAnswer
	calls   int
}

func (*ownerReader) Info() device.Info { return device.Info{Name: "test ID card reader"} }
func (r *ownerReader) ReadCard(context.Context) (device.IDCard, error) {
	if !r.armed || r.calls >= len(r.answers) {
		return device.IDCard{}, errors.New("nothing more on the reader in this test")
	}
	r.calls++
	return r.answers[r.calls-1].card, r.answers[r.calls-1].err
}

// scriptedFace answers every face check with result.
type scriptedFace struct{ result device.FaceResult }

func (scriptedFace) Info() device.Info { return device.Info{Name: "test camera"} }
func (f scriptedFace) Verify(context.Context, model.IDNumber) (device.FaceResult, error) {
	return f.result, nil
}

// The owner verifies with each proof: the fake judges what the kiosk sent, the review names the
// owner (masked) as verified and how, and the op carries the token only.
func TestBindOwnerProofs(t *testing.T) {
	owner := persona(t, "owner-lent")
	card := []readAnswer{{err: context.DeadlineExceeded}, {card: device.IDCard{Number: owner.ID}}}
	for _, tt := range []struct {
		name  string
		cards []readAnswer
		face  device.Face
		give  func(h *harness)
		want  service.OwnerProof
		how   textKey
	}{
		{"vin", nil, nil, func(h *harness) { h.typeText("1" + string(owner.ID) + strings.ToLower(fakeVINTail)); h.press(keyEnter) },
			service.OwnerProof{ID: owner.ID, VINTail: fakeVINTail}, txtOwnerChoiceVIN},
		{"certificate", nil, nil, func(h *harness) { h.typeText("2" + string(owner.ID) + fakeCert); h.press(keyEnter) },
			service.OwnerProof{ID: owner.ID, RegCert: fakeCert}, txtOwnerChoiceCert},
		{"card and face", card, scriptedFace{device.FaceMatch}, func(h *harness) { h.typeText("3") },
			service.OwnerProof{ID: owner.ID, Card: true, Face: api.FaceMatch}, txtOwnerChoiceCard},
		{"card without a camera", card, nil, func(h *harness) { h.typeText("3") },
			service.OwnerProof{ID: owner.ID, Card: true, Face: api.FaceNoCamera}, txtOwnerChoiceCard},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, f := ownerHarness(t, tt.cards, tt.face)
			toOwnerStep(h)
			h.mustShow(h.text(model.ZH, txtOwnerChoose))
			h.mustNotShow(h.text(model.ZH, txtBindOwnerVerified))
			tt.give(h)
			if len(f.asked) != 1 {
				t.Fatalf("%d proofs asked:\n%s", len(f.asked), h.view())
			}
			want := tt.want
			want.Driver, want.Plate, want.Purpose = persona(t, "borrower-late").ID, model.Plate{Type: model.PlateSmallCar, Number: "粤B9H6T1"}, api.PurposeBind
			if f.asked[0] != want {
				t.Fatalf("asked %+v, want %+v", f.asked[0], want)
			}
			h.mustShow(h.text(model.ZH, txtLinkStepReview), owner.ID.Masked()+" "+h.text(model.ZH, txtBindOwnerVerified),
				h.text(model.ZH, tt.how))
			h.mustNotShow(string(owner.ID))
			h.press(keyEnter)
			if len(f.submitted) != 1 || f.submitted[0].Bind.OwnerToken != fakeToken || f.submitted[0].Bind.OwnerID != "" {
				t.Fatalf("submitted %+v", f.submitted)
			}
		})
	}
}

// What the server finds against the vehicle is said as soon as the plate is entered: nobody
// is asked to come and verify for a binding that cannot be made.
func TestBindLimitsRefusedBeforeTheOwnerTypes(t *testing.T) {
	for _, r := range []model.Reason{
		{Code: model.ReasonBindUnitOwned},
		{Code: model.ReasonBindVehicleFull, Args: model.Args{N: 3, Limit: 3}},
		{Code: model.ReasonBindOwnVehicle},
		{Code: model.ReasonVehicleUnknown},
	} {
		t.Run(string(r.Code), func(t *testing.T) {
			h, f := ownerHarness(t, nil, nil)
			f.reasons = []model.Reason{r}
			h.identifyAs(persona(t, "borrower-late"))
			h.openVehicles()
			h.typeText("1")
			h.enterPlate("00", "B9H6T1", model.PlateSmallCar)
			h.mustShow(h.text(model.ZH, txtBindRefused, "plate", "粤B9H6T1"), h.reasonText(model.ZH, r.Code, r.Args))
			h.mustNotShow(h.text(model.ZH, txtOwnerChoose), h.text(model.ZH, txtPersonIDLabel))
			if f.checks != 1 || len(f.asked) != 0 {
				t.Fatalf("%d checks, %d proofs asked", f.checks, len(f.asked))
			}
			h.typeText("1") // back to change the plate
			h.mustShow(h.text(model.ZH, txtPlateLabel))
		})
	}
}

// Each way a proof fails reads as what failed, with its remedy: numbers the kiosk can judge are
// refused before anything is sent; a typed proof the server refuses is one answer; a card's
// holder who is not the owner is told so; a face that is not a match goes to a counter.
func TestOwnerProofProblemsOnScreen(t *testing.T) {
	owner, other := persona(t, "owner-lent"), persona(t, "nine-points")

	h, f := ownerHarness(t, nil, nil)
	toOwnerStep(h)
	h.typeText("1" + string(owner.ID) + "12O45")
	h.press(keyEnter)
	h.mustShow(h.reasonText(model.ZH, model.InputVINLength, model.Args{N: 5, Limit: 6}))
	h.typeText("6")
	h.press(keyEnter)
	h.mustShow(h.reasonText(model.ZH, model.InputVINChar, model.Args{Pos: 3, Got: "O"}))
	if len(f.asked) != 0 {
		t.Fatal("malformed numbers were sent")
	}
	for range 6 {
		h.press(keyBack)
	}
	h.typeText("000000")
	h.press(keyEnter)
	h.mustShow(h.reasonText(model.ZH, model.ReasonOwnerProofMismatch, model.Args{}), h.text(model.ZH, txtOwnerVINLabel))
	h.mustNotShow(h.text(model.ZH, txtBindOwnerVerified))

	// Proofs by number paused at the server: until when, and the card instead.
	until := testNow.Add(23 * time.Hour)
	f.locked, f.lockedAt = true, model.Args{At: until}
	h.press(keyEnter)
	h.mustShow(h.reasonText(model.ZH, model.ReasonOwnerProofLocked, model.Args{At: until}))

	// The certificate: one digit short is said before sending.
	h, f = ownerHarness(t, nil, nil)
	toOwnerStep(h)
	h.typeText("2" + string(owner.ID) + fakeCert[:11])
	h.press(keyEnter)
	h.mustShow(h.reasonText(model.ZH, model.InputRegCertLength, model.Args{N: 11, Limit: 12}))

	// A card of someone else: not the owner, and the card is not read again.
	cards := []readAnswer{{card: device.IDCard{Number: other.ID}}}
	h, f = ownerHarness(t, cards, scriptedFace{device.FaceMatch})
	toOwnerStep(h)
	h.typeText("3")
	h.mustShow(h.reasonText(model.ZH, model.ReasonOwnerNotOwner, model.Args{}), other.ID.Masked())
	h.mustNotShow(h.text(model.ZH, txtLinkStepReview))

	// A face that does not match the card: a counter, and nothing is sent.
	cards = []readAnswer{{card: device.IDCard{Number: owner.ID}}}
	h, f = ownerHarness(t, cards, scriptedFace{device.FaceNoMatch})
	toOwnerStep(h)
	h.typeText("3")
	h.mustShow(strings.Split(h.text(model.ZH, txtFaceCounter), "。")[0])
	if len(f.asked) != 0 {
		t.Fatal("a face that did not match was sent as a proof")
	}
}

// Only the ways that can work are offered, numbered without gaps: the numbers the platform
// holds, and the card where the kiosk has a reader.
func TestOwnerProofChoices(t *testing.T) {
	h, f := ownerHarness(t, nil, nil)
	f.proofs = []string{api.ProofRegCert}
	toOwnerStep(h)
	h.mustShow("[1] " + h.text(model.ZH, txtOwnerChoiceCert))
	h.mustNotShow(h.text(model.ZH, txtOwnerChoiceVIN), h.text(model.ZH, txtOwnerChoiceCard), "[2]")

	h, f = ownerHarness(t, []readAnswer{}, nil)
	f.proofs = nil
	toOwnerStep(h)
	h.mustShow("[1] " + h.text(model.ZH, txtOwnerChoiceCard))

	h, f = ownerHarness(t, nil, nil)
	f.proofs = nil
	toOwnerStep(h)
	h.mustShow(h.text(model.ZH, txtOwnerNoChoice)[:12])
}

// TestOwnerCheckGoldens keeps the owner's steps as they look at 80x24, in both languages and
// both contrast modes (update with -update).
func TestOwnerCheckGoldens(t *testing.T) {
	owner, other := persona(t, "owner-lent"), persona(t, "nine-points")
	states := []struct {
		name  string
		cards []readAnswer
		setup func(h *harness)
	}{
		{"choose", []readAnswer{}, func(h *harness) {}},
		{"vin_entry", nil, func(h *harness) { h.typeText("1" + string(owner.ID) + "KP04") }},
		{"vin_mismatch", nil, func(h *harness) { h.typeText("1" + string(owner.ID) + "000000"); h.press(keyEnter) }},
		{"cert_entry", nil, func(h *harness) { h.typeText("2" + string(owner.ID) + "4400") }},
		{"card_not_owner", []readAnswer{{card: device.IDCard{Number: other.ID}}}, func(h *harness) { h.typeText("3") }},
		{"review", nil, func(h *harness) { h.typeText("1" + string(owner.ID) + fakeVINTail); h.press(keyEnter) }},
	}
	for _, st := range states {
		for _, lang := range []model.Lang{model.ZH, model.EN} {
			for _, hc := range []bool{false, true} {
				mode := "normal"
				if hc {
					mode = "contrast"
				}
				t.Run(st.name+"/"+string(lang)+"/"+mode, func(t *testing.T) {
					h, _ := ownerHarness(t, st.cards, scriptedFace{device.FaceMatch}, func(o *Options) { o.Lang = lang; o.HighContrast = hc })
					toOwnerStep(h)
					st.setup(h)
					v := h.view()
					checkFits(t, st.name, v, 80, 24)
					golden.RequireEqual(t, v)
				})
			}
		}
	}
}
