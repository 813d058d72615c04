package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/model"
)

// The flows of the vehicles screen on the real stack: server, kiosk store, sync engine and
// service, with the demo personas (dataset/personas.go).

// relationAtServer asks the server, as a fresh lookup, how p relates to the vehicle plate
// ("own", "bound", "followed", or "" for no relation).
func relationAtServer(t *testing.T, s *liveStack, p dataset.Persona, plate string) string {
	t.Helper()
	l, err := s.svc.Lookup(context.Background(), p.ID, p.File)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range l.Vehicles {
		if v.PlateNumber == plate {
			return v.Relation
		}
	}
	return ""
}

// bindThroughUI runs the whole bind flow for driver, with owner verifying, from the welcome
// screen to the result.
func bindThroughUI(t *testing.T, s *liveStack, driver, owner dataset.Persona, rest string, typ model.PlateType) *harness {
	t.Helper()
	h := newStackHarness(t, s)
	h.identifyAs(driver)
	h.openVehicles()
	h.typeText("1")
	h.enterPlate("00", rest, typ)
	h.enterOwnerVIN(owner.ID)
	h.mustShow(h.text(model.ZH, txtLinkStepReview))
	h.press(keyEnter)
	return h
}

// borrower-early binds owner-lent's car 粤B7Q2M5 at the kiosk: the owner verifies, the kiosk
// checks, the review shows nothing in full but the plate, the server applies it, and both the
// vehicles list and the overview show the vehicle as bound afterwards.
func TestBindIsAppliedAndShowsAsBound(t *testing.T) {
	s := newStack(t, "national")
	driver, owner := s.persona(t, "borrower-early"), s.persona(t, "owner-lent")
	h := newStackHarness(t, s)
	h.identifyAs(driver)
	h.openVehicles()
	h.mustShow(h.text(model.ZH, txtVehTitle), "粤BD36258", h.text(model.ZH, txtVehOptBind))
	h.mustNotShow("粤B7Q2M5")

	h.typeText("1")
	h.mustShow(h.text(model.ZH, txtBindFlow), ">00 粤") // the kiosk's province is offered first
	h.enterPlate("00", "b7q2m5", model.PlateSmallCar)  // lower case is upper-cased
	h.mustShow(h.text(model.ZH, txtBindStepOwner), "粤B7Q2M5 小型汽车")

	// The owner types; once the ID number is accepted it is masked, and it never shows in full
	// again on any screen.
	w := &screenWatch{h: h}
	h.mustShow(h.text(model.ZH, txtOwnerChoose), h.text(model.ZH, txtOwnerChoiceVIN), h.text(model.ZH, txtOwnerChoiceCert))
	h.mustNotShow(h.text(model.ZH, txtBindOwnerVerified)) // nothing is verified before the server says so
	h.typeText("1")
	h.typeText(string(owner.ID))
	w.secrets = []string{string(owner.ID), string(owner.ID[6:14]), string(driver.ID)}
	w.check()
	h.mustShow(owner.ID.Masked())
	h.mustNotShow(h.text(model.ZH, txtBindOwnerVerified))
	tail := string(h.demoVINTail())
	w.press(tail)
	h.press(keyEnter)
	w.check()
	h.mustShow(h.text(model.ZH, txtLinkStepReview), maskedName(owner.Name)+" "+owner.ID.Masked(), h.text(model.ZH, txtBindOwnerVerified),
		maskedName(driver.Name), driver.ID.Masked(), h.text(model.ZH, txtBindEffect))

	h.press(keyEnter)
	w.check()
	v := h.vehiclesScreen()
	if b, ok := v.flow.(*bindFlow); !ok || b.run == nil || !b.run.applied() {
		t.Fatalf("the server did not apply the binding:\n%s", h.view())
	}
	if !h.m.session.stale {
		t.Fatal("the session is not marked stale after a change")
	}
	h.mustShow(h.text(model.ZH, txtLinkStepResult), strings.Split(h.text(model.ZH, txtLinkBound, "time", "|"), "|")[0])
	if got := relationAtServer(t, s, driver, "粤B7Q2M5"); got != "bound" {
		t.Fatalf("the server has relation %q for 粤B7Q2M5", got)
	}

	h.press(keyEnter) // back to the list, which asks the server again
	w.check()
	h.mustShow("粤B7Q2M5 小型汽车", h.text(model.ZH, txtVehMyBinding, "owner", owner.ID.Masked(),
		"period", h.text(model.ZH, txtLinkSince, "date", h.now.In(model.ChinaZone()).Format("2006-01-02"))))

	// The kiosk now counts the new binding: a second self-service one is refused at once.
	h.typeText("1")
	h.enterPlate("00", "B9H6T1", model.PlateSmallCar)
	h.mustShow(h.reasonText(model.ZH, model.ReasonBindSelfService, model.Args{N: 1, Limit: 1}))
	h.typeText("2")

	h.press(keyEsc)
	if h.m.id != overviewID {
		t.Fatalf("Esc on the list did not return to the overview:\n%s", h.view())
	}
	h.mustShow("粤B7Q2M5 小型汽车 (" + h.text(model.ZH, txtRelationBound) + ")")
	w.check()
}

// When the list's own refresh did not happen (it failed, say), the session stays stale and
// the overview asks the server itself: the vehicle shows as bound there too.
func TestOverviewRefreshesAfterABinding(t *testing.T) {
	s := newStack(t, "national")
	driver, owner := s.persona(t, "borrower-early"), s.persona(t, "owner-lent")
	h := bindThroughUI(t, s, driver, owner, "B7Q2M5", model.PlateSmallCar)
	h.press(keyEsc) // leave the result without the list's own refresh...
	h.vehiclesScreen().refreshing = 0
	h.m.session.stale = true
	h.send(navOverview{}) // ...and the overview asks the server itself
	if h.m.session.stale {
		t.Fatal("the overview did not refresh the stale record")
	}
	h.mustShow("粤B7Q2M5 小型汽车 (" + h.text(model.ZH, txtRelationBound) + ")")
}

// A fourth driver cannot bind a vehicle three drivers are bound to. The kiosk cannot know the
// vehicle's other bindings, so the server refuses, and the screen words its reason.
func TestFourthBinderIsRefusedBeforeTheOwnerTypes(t *testing.T) {
	s := newStack(t, "national")
	owner := s.persona(t, "owner-lent")
	// 粤B7Q2M5 is bound by borrower-late already; two more make three.
	for _, key := range []string{"borrower-early", "nine-points"} {
		h := bindThroughUI(t, s, s.persona(t, key), owner, "B7Q2M5", model.PlateSmallCar)
		if !h.vehiclesScreen().binding().run.applied() {
			t.Fatalf("%s: not applied:\n%s", key, h.view())
		}
	}
	// The fourth is refused as soon as the plate is entered, with the server's reason, before
	// the owner is asked for anything.
	h := newStackHarness(t, s)
	h.identifyAs(s.persona(t, "fine-300"))
	h.openVehicles()
	h.typeText("1")
	h.enterPlate("00", "B7Q2M5", model.PlateSmallCar)
	h.mustShow(h.text(model.ZH, txtBindRefused, "plate", "粤B7Q2M5"),
		h.reasonText(model.ZH, model.ReasonBindVehicleFull, model.Args{N: 3, Limit: 3}))
	h.mustNotShow(h.text(model.ZH, txtOwnerChoose), h.text(model.ZH, txtPersonIDLabel))
	h.press(keyF2)
	h.mustShow(h.reasonText(model.EN, model.ReasonBindVehicleFull, model.Args{N: 3, Limit: 3}))
	if got := relationAtServer(t, s, s.persona(t, "fine-300"), "粤B7Q2M5"); got != "" {
		t.Fatalf("a refused binding is at the server: %q", got)
	}
}

// The owner's numbers are checked by the server before anything is queued; wrong ones are
// said in the model's words and can be corrected in place.
func TestBindWithTheOwnersWrongFileNumberIsRefused(t *testing.T) {
	s := newStack(t, "national")
	driver, owner := s.persona(t, "borrower-early"), s.persona(t, "owner-lent")
	h := newStackHarness(t, s)
	h.identifyAs(driver)
	h.openVehicles()
	h.typeText("1")
	h.enterPlate("00", "B7Q2M5", model.PlateSmallCar)
	right := string(h.demoVINTail())
	wrong := "000000"
	if right == wrong {
		wrong = "000001"
	}
	h.typeText("1" + string(owner.ID) + wrong)
	h.press(keyEnter)
	h.mustShow(h.reasonText(model.ZH, model.ReasonOwnerProofMismatch, model.Args{}), h.text(model.ZH, txtBindStepOwner))
	h.mustNotShow(h.text(model.ZH, txtBindOwnerVerified))
	h.mustNotShow(string(owner.ID))
	if h.m.session.stale {
		t.Fatal("nothing was submitted, yet the session is stale")
	}
	// Corrected on the spot: six Backspaces, the right characters, Enter.
	for range 6 {
		h.press(keyBack)
	}
	h.typeText(right)
	h.press(keyEnter)
	h.mustShow(h.text(model.ZH, txtLinkStepReview))
}

// What the rules forbid is refused at the kiosk, with every reason and what to do instead,
// before the owner is asked to come and type anything.
func TestKioskRefusesWhatTheRulesForbid(t *testing.T) {
	s := newStack(t, "national")
	tests := []struct {
		name, persona, rest string
		typ                 model.PlateType
		code                model.ReasonCode
		args                model.Args
	}{
		// borrower-late holds a self-service binding already; the limit is one.
		{"self-service limit", "borrower-late", "BD36258", model.PlateSmallNEV, model.ReasonBindSelfService, model.Args{N: 1, Limit: 1}},
		{"own vehicle", "owner-lent", "B7Q2M5", model.PlateSmallCar, model.ReasonBindOwnVehicle, model.Args{}},
		{"large car", "borrower-early", "B12345", model.PlateLargeCar, model.ReasonBindVehicleType, model.Args{Term: model.PlateLargeCar.Term()}},
		{"already bound", "borrower-early", "BD36258", model.PlateSmallNEV, model.ReasonBindAlready, model.Args{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newStackHarness(t, s)
			h.identifyAs(s.persona(t, tt.persona))
			h.openVehicles()
			h.typeText("1")
			h.enterPlate("00", tt.rest, tt.typ)
			want := h.reasonText(model.ZH, tt.code, tt.args)
			if tt.code == model.ReasonBindAlready { // its date is the binding's
				want = strings.Fields(want)[0]
			}
			remedy := narrowSafe(h.m.c.Reasons.Reason(model.Reason{Code: tt.code}, model.ZH).Remedy)
			h.mustShow(h.text(model.ZH, txtBindRefused, "plate", "粤"+tt.rest), want, remedy)
			h.mustNotShow(h.text(model.ZH, txtPersonIDLabel))
			h.typeText("1") // back to correct the plate
			h.mustShow(h.text(model.ZH, txtPlatePickType))
			h.press(keyEsc, keyEsc, keyEsc) // type -> number -> province -> leave?
			h.mustShow(h.text(model.ZH, txtBindDiscardQuestion))
			h.typeText("1")
			h.mustShow(h.text(model.ZH, txtVehTitle))
			if h.m.session.stale {
				t.Fatal("a refusal marked the session stale")
			}
		})
	}
}

// A driver ends their own binding.
func TestUnbind(t *testing.T) {
	s := newStack(t, "national")
	driver := s.persona(t, "borrower-early")
	h := newStackHarness(t, s)
	h.identifyAs(driver)
	h.openVehicles()
	h.mustShow("> 粤BD36258", h.text(model.ZH, txtVehOptUnbind, "plate", "粤BD36258"))
	h.press(keyEnter)
	h.mustShow(h.text(model.ZH, txtEndFlowUnbind), h.text(model.ZH, txtEndAfterUnbind), h.text(model.ZH, txtEndConfirmUnbind))
	h.typeText("1")
	h.mustShow(strings.Split(h.text(model.ZH, txtLinkUnbound, "time", "|"), "|")[0])
	if got := relationAtServer(t, s, driver, "粤BD36258"); got != "" {
		t.Fatalf("still %q at the server", got)
	}
	h.press(keyEnter)
	h.mustShow(h.text(model.ZH, txtVehNoLinked))
	h.mustNotShow("粤BD36258")
}

// An owner revokes someone's binding of their vehicle; the bound driver's record no longer
// has it.
func TestOwnerRevokesABinding(t *testing.T) {
	s := newStack(t, "national")
	owner, borrower := s.persona(t, "owner-lent"), s.persona(t, "borrower-late")
	h := newStackHarness(t, s)
	h.identifyAs(owner)
	h.openVehicles()
	// Owner-lent's cars are bound by borrower-late (粤B7Q2M5) and borrower-early (粤BD36258).
	// Named as a masked name and a masked ID number: 邓*航 4403**********0718.
	h.mustShow(h.text(model.ZH, txtVehOptRevokeBind, "plate", "粤B7Q2M5", "id", maskedName(borrower.Name)+" "+borrower.ID.Masked()))
	h.mustNotShow(string(borrower.ID), borrower.Name)
	h.typeText("2")
	h.mustShow(h.text(model.ZH, txtEndFlowRevokeBind), borrower.ID.Masked(), h.text(model.ZH, txtEndAfterRevokeBind))
	h.typeText("1")
	h.mustShow(h.text(model.ZH, txtLinkRevokedBind, "id", borrower.ID.Masked(), "time", "")[:30])
	if got := relationAtServer(t, s, borrower, "粤B7Q2M5"); got != "" {
		t.Fatalf("borrower-late still has relation %q", got)
	}
	h.press(keyEnter)
	h.mustNotShow(borrower.ID.Masked())
	h.mustShow(s.persona(t, "borrower-early").ID.Masked()) // the other binding stays
}

// localCarToFollow finds, in the demo data, a personal non-operating small car registered in
// Chongqing whose owner holds a licence (so can verify with the file number) and which follower
// neither owns nor follows yet.
func localCarToFollow(t *testing.T, s *liveStack, follower dataset.Persona) (model.Plate, model.IDNumber, model.FileNumber) {
	t.Helper()
	followed := map[model.Plate]bool{}
	for _, f := range s.demo.Data.Follows {
		followed[f.Plate] = true
	}
	files := map[model.IDNumber]model.FileNumber{}
	for _, p := range s.demo.Data.People {
		if p.Licence != nil {
			files[p.Driver.ID] = p.Licence.FileNumber
		}
	}
	for _, v := range s.demo.Data.Vehicles {
		file, ok := files[v.Owner]
		if ok && v.OwnerKind == model.OwnerPersonal && v.Use == model.UseNonOperating && v.Plate.Type == model.PlateSmallCar &&
			v.Plate.Number.Province() == "渝" && v.Owner != follower.ID && !followed[v.Plate] {
			return v.Plate, v.Owner, file
		}
	}
	t.Fatal("the demo data has no Chongqing car to follow")
	return model.Plate{}, "", ""
}

// Under the Chongqing rules binding is off and following is on: the same flow asks to follow,
// says so at every step, and the owner consents by verifying. A car registered elsewhere could
// never be processed here, so following it is refused before any owner is asked.
func TestFollowUnderChongqing(t *testing.T) {
	s := newStack(t, "chongqing")
	rider := s.persona(t, "cq-rider")
	car, ownerID, _ := localCarToFollow(t, s, rider)
	number := string(car.Number)
	h := newStackHarness(t, s)
	h.identifyAs(rider)
	h.openVehicles()
	h.mustShow(h.text(model.ZH, txtVehOptFollow), "渝B5J3Q8")
	h.mustNotShow(h.text(model.ZH, txtVehOptBind))
	h.typeText("1")
	h.mustShow(h.text(model.ZH, txtFollowFlow), ">00 渝", "29 川")
	h.enterPlate(provinceNumber(t, "川"), "A8R6L2", model.PlateSmallCar)
	h.mustShow(h.text(model.ZH, txtFollowRefused, "plate", "川A8R6L2"),
		strings.Split(h.reasonText(model.ZH, model.ReasonFollowNotLocal, model.Args{Want: "渝", Got: "川"}), "，")[0])
	h.mustNotShow(h.text(model.ZH, txtFollowStepOwner))
	h.typeText("2") // back to the vehicles list, then start again with a local car
	h.typeText("1")
	h.enterPlate(provinceNumber(t, "渝"), strings.TrimPrefix(number, "渝"), model.PlateSmallCar)
	h.mustShow(h.text(model.ZH, txtFollowStepOwner), h.text(model.ZH, txtFollowOwnerIntro))
	h.enterOwnerVIN(ownerID)
	h.mustShow(h.text(model.ZH, txtLinkFactFollower), ownerID.Masked())
	h.mustNotShow(string(ownerID))
	h.press(keyEnter)
	h.mustShow(strings.Split(h.text(model.ZH, txtLinkFollowed, "time", "|", "date", ""), "|")[0])
	if got := relationAtServer(t, s, rider, number); got != "followed" {
		t.Fatalf("relation at the server: %q", got)
	}
	h.press(keyEnter)
	h.mustShow(number + " 小型汽车")

	// The follow limit (two) is now reached: a third is refused at the kiosk, before any
	// owner is asked; so is following one's own motorcycle.
	h.typeText("1")
	h.enterPlate("00", "B12345", model.PlateSmallCar)
	h.mustShow(h.text(model.ZH, txtFollowRefused, "plate", "渝B12345"),
		h.reasonText(model.ZH, model.ReasonFollowUserFull, model.Args{N: 2, Limit: 2}))
	h.press(keyEsc, keyEsc) // back to the type, then to the number
	h.press(keyBack, keyBack, keyBack, keyBack, keyBack, keyBack)
	h.typeText("A7H215")
	h.press(keyEnter)
	h.typeText("07")
	h.mustShow(h.reasonText(model.ZH, model.ReasonFollowOwnVehicle, model.Args{}))
}

// A follower cancels a follow; an owner revokes one.
func TestUnfollowAndRevokeAFollow(t *testing.T) {
	for _, who := range []string{"cq-rider", "cq-owner"} {
		t.Run(who, func(t *testing.T) {
			s := newStack(t, "chongqing")
			rider := s.persona(t, "cq-rider")
			h := newStackHarness(t, s)
			h.identifyAs(s.persona(t, who))
			h.openVehicles()
			flow, done := txtEndFlowUnfollow, h.text(model.ZH, txtLinkUnfollowed, "time", "")
			if who == "cq-owner" {
				h.mustShow(h.text(model.ZH, txtVehOptRevokeFollow, "plate", "渝B5J3Q8", "id", maskedName(rider.Name)+" "+rider.ID.Masked()))
				flow, done = txtEndFlowRevokeFollow, h.text(model.ZH, txtLinkRevokedFollow, "id", rider.ID.Masked(), "time", "")
			} else {
				h.mustShow(h.text(model.ZH, txtVehOptUnfollow, "plate", "渝B5J3Q8"))
			}
			h.press(keyEnter)
			h.mustShow(h.text(model.ZH, flow))
			h.press(keyEnter)
			h.mustShow(done[:strings.Index(done, "（")])
			if got := relationAtServer(t, s, rider, "渝B5J3Q8"); got != "" {
				t.Fatalf("cq-rider still has relation %q", got)
			}
		})
	}
}
