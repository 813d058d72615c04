package ui

import (
	"strings"
	"testing"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/service"
)

// The bind flow's own behaviour, with a fake server that answers as each test needs.

// toOwnerStep goes from the welcome screen to the owner's step of a binding of 粤B9H6T1.
func toOwnerStep(h *harness) {
	h.t.Helper()
	h.identifyAs(persona(h.t, "borrower-late"))
	h.openVehicles()
	h.typeText("1")
	h.enterPlate("00", "B9H6T1", model.PlateSmallCar)
	h.mustShow(h.text(h.m.c.Lang, txtBindStepOwner))
	if f, ok := h.m.c.Services.(*ownerFake); ok && f.reader != nil {
		f.reader.armed = true // the owner's card, from here on
	}
}

// Leaving a half-done flow asks first; leaving an untouched one does not. Discarding zeroes
// what was typed.
func TestLeavingAHalfDoneBindAsksFirst(t *testing.T) {
	h, _ := newLinkHarness(t, "national")
	h.identifyAs(persona(t, "borrower-late"))
	h.openVehicles()
	h.typeText("1")
	h.press(keyEsc) // nothing typed: straight back
	if h.vehiclesScreen().binding() != nil {
		t.Fatalf("an untouched flow asked before leaving:\n%s", h.view())
	}
	h.typeText("1")
	h.typeText("00B12")
	rest := h.vehiclesScreen().binding().plate.rest[:plateRestMax]
	h.press(keyEsc) // number -> province
	h.mustShow("粤B12", h.text(model.ZH, txtPlateLabel))
	h.press(keyEsc)
	h.mustShow(h.text(model.ZH, txtBindDiscardQuestion), h.text(model.ZH, txtBindDiscardYes))
	h.press(keyEsc) // carry on: nothing lost
	h.mustNotShow(h.text(model.ZH, txtBindDiscardQuestion))
	h.mustShow("粤B12")
	h.press(keyEsc)
	h.typeText("1")
	if h.vehiclesScreen().binding() != nil {
		t.Fatal("1 did not discard")
	}
	h.mustShow(h.text(model.ZH, txtVehTitle))
	if strings.Trim(string(rest), "\x00") != "" {
		t.Fatalf("discarding left %q in the plate buffer", rest)
	}

	// The owner's digits are wiped when the flow steps back from the owner.
	h.typeText("1")
	h.enterPlate("00", "B9H6T1", model.PlateSmallCar)
	owner := persona(t, "owner-lent")
	h.typeText("1" + string(owner.ID[:9]))
	buf := h.vehiclesScreen().binding().owner.idBuf[:idLen]
	h.press(keyEsc)
	h.mustShow(h.text(model.ZH, txtOwnerChoose))
	if strings.Trim(string(buf), "\x00") != "" {
		t.Fatalf("stepping back left %q of the owner's ID number", buf)
	}
}

// An answer that comes after the person went back is dropped, for the verification and for
// the wait for the server; Esc while waiting leaves the operation queued and says so.
func TestLateAnswersAreDropped(t *testing.T) {
	h, f := newLinkHarness(t, "national")
	toOwnerStep(h)
	owner := persona(t, "owner-lent")
	h.typeText("1" + string(owner.ID) + "123456")
	_, verify := h.m.Update(keyEnter) // the answer is not delivered yet
	h.mustShow(h.text(model.ZH, txtBindVerifying))
	h.press(keyEsc)
	h.run(verify)
	h.mustShow(h.text(model.ZH, txtBindStepOwner))
	h.mustNotShow(h.text(model.ZH, txtLinkStepReview))

	h.press(keyEnter) // verify again, answered this time
	h.mustShow(h.text(model.ZH, txtLinkStepReview))
	_, submit := h.m.Update(keyEnter)
	_, await := h.m.Update(submit())
	h.mustShow(h.text(model.ZH, txtLinkWaiting))
	h.press(keyEsc) // stop waiting
	pending := h.text(model.ZH, txtLinkPending, "op", f.submitted[0].ID)
	h.mustShow(pending[:strings.Index(pending, "。")])
	h.run(await) // "applied", too late
	h.mustNotShow(strings.Split(h.text(model.ZH, txtLinkBound, "time", "|"), "|")[0])
	if !h.m.session.stale {
		t.Fatal("a queued operation did not mark the session stale")
	}
}

// What the flow submits, and how each outcome reads: offline refusal (nothing queued), no
// answer yet (pending), rejected by the server.
func TestBindOutcomes(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(f *linkFake)
		show   []string
		stale  bool
		queued int
	}{
		{"offline refusal", func(f *linkFake) {
			f.submitReasons = []model.Reason{{Code: model.ReasonOfflineNotAllowed, Args: model.Args{Term: "op_type.bind"}}}
		}, []string{"link.offline_refused", "reason:offline.not_allowed"}, false, 0},
		{"pending", func(f *linkFake) { f.result = nil }, []string{"link.pending"}, true, 1},
		{"rejected", func(f *linkFake) {
			f.result = &api.OpResult{Outcome: api.OutcomeRejected,
				Reasons: []api.Reason{api.FromReason(model.Reason{Code: model.ReasonBindDriverFull, Args: model.Args{N: 3, Limit: 3}}, "")}}
		}, []string{"link.rejected", "reason:bind.driver_full"}, true, 1},
		{"applied", func(*linkFake) {}, []string{"link.bound"}, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, f := newLinkHarness(t, "national")
			tt.setup(f)
			driver, owner := persona(t, "borrower-late"), persona(t, "owner-lent")
			toOwnerStep(h)
			h.enterOwnerVIN(owner.ID)
			h.press(keyEnter)
			for _, s := range tt.show {
				var want string
				switch {
				case strings.HasPrefix(s, "reason:"):
					want = h.reasonText(model.ZH, model.ReasonCode(s[len("reason:"):]), model.Args{N: 3, Limit: 3, Term: "op_type.bind"})
				default:
					want = h.text(model.ZH, textKey(s), "time", "|", "op", "|", "state", "网络离线")
					want = strings.Split(want, "|")[0]
				}
				h.mustShow(want)
			}
			if h.m.session.stale != tt.stale || len(f.submitted) != tt.queued {
				t.Fatalf("stale %v, %d queued", h.m.session.stale, len(f.submitted))
			}
			if tt.queued == 0 {
				return
			}
			op := f.submitted[0]
			b := op.Bind
			// The op carries the server's token for the owner's check, not the owner's numbers.
			if op.Type != api.OpBind || b == nil || b.DriverID != string(driver.ID) || b.OwnerID != "" ||
				b.OwnerFile != "" || b.OwnerToken != fakeToken || b.PlateType != "02" || b.PlateNumber != "粤B9H6T1" || !op.At.Equal(testNow) {
				t.Fatalf("submitted %+v %+v", op, b)
			}
			// The receipt kept with it is masked.
			r := f.receipts[0]
			for _, secret := range []string{string(driver.ID), string(owner.ID), driver.Name, "粤B9H6T1"} {
				if strings.Contains(r, secret) {
					t.Fatalf("the receipt holds %q:\n%s", secret, r)
				}
			}
			if !strings.Contains(r, driver.ID.Masked()) || !strings.Contains(r, op.ID) {
				t.Fatalf("receipt:\n%s", r)
			}
			h.press(keyEnter)
			h.mustShow(h.text(model.ZH, txtVehTitle))
		})
	}
}

// The owner's side: the driver's own numbers are refused at once, an unreachable server and
// an owner the platform does not know are said plainly.
func TestOwnerVerificationProblems(t *testing.T) {
	h, f := newLinkHarness(t, "national")
	toOwnerStep(h)
	me := persona(t, "borrower-late")
	h.enterOwnerVIN(me.ID)
	h.mustShow(h.text(model.ZH, txtBindOwnerIsYou))
	if f.verified != 0 {
		t.Fatal("the driver's own numbers were sent for verification")
	}

	owner := persona(t, "owner-lent")
	h, f = newLinkHarness(t, "national")
	f.verifyErr = service.ErrUnreachable
	toOwnerStep(h)
	h.enterOwnerVIN(owner.ID)
	h.mustShow(h.text(model.ZH, txtBindVerifyUnreachable)[:30])

	h, f = newLinkHarness(t, "national")
	f.unregistered = true
	toOwnerStep(h)
	h.enterOwnerVIN(owner.ID)
	h.mustShow(h.text(model.ZH, txtBindRefused, "plate", "粤B9H6T1"),
		h.reasonText(model.ZH, model.ReasonBindOwnerAbsent, model.Args{}))
	h.typeText("1") // back to the owner's step, numbers wiped
	h.mustShow(h.text(model.ZH, txtBindStepOwner), h.text(model.ZH, txtOwnerChoose))
	if h.vehiclesScreen().binding().ownerID != "" {
		t.Fatal("the verified owner was kept after going back")
	}
}

// A profile with neither binding nor following says so and offers nothing.
func TestNoLinkOfferWithoutTheRules(t *testing.T) {
	h, _ := newLinkHarness(t, "national", func(o *Options) {
		p := *o.Profile
		p.Binding.Enabled, p.Follow.Enabled = false, false
		o.Profile = &p
	})
	h.identifyAs(persona(t, "borrower-late"))
	h.openVehicles()
	h.mustShow(h.reasonText(model.ZH, model.ReasonBindDisabled, model.Args{})[:20])
	h.mustNotShow("[1]")
	h.typeText("1")
	if h.vehiclesScreen().binding() != nil {
		t.Fatal("1 started a flow the rules do not offer")
	}
}
