package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
)

// withLinks gives the identified person (whose own car is 粤B7Q2M5) links of every kind, and
// extra own vehicles, each with a driver bound to it, so that the list is long.
func withLinks(h *harness, extra int) {
	h.t.Helper()
	l := &h.m.session.lookup
	me := string(h.m.session.id)
	since := testNow.AddDate(0, -2, -3)
	until := since.AddDate(1, 0, 0)
	parking, mother := persona(h.t, "parking"), persona(h.t, "parking-owner")
	rider, cqOwner := persona(h.t, "cq-rider"), persona(h.t, "cq-owner")
	l.BoundToMine = append(l.BoundToMine, api.Binding{DriverID: string(parking.ID), DriverName: parking.Name, PlateType: "02",
		PlateNumber: "粤B7Q2M5", OwnerID: me, Since: since})
	l.FollowsOfMine = append(l.FollowsOfMine, api.Follow{FollowerID: string(rider.ID), FollowerName: rider.Name, PlateType: "02",
		PlateNumber: "粤B7Q2M5", OwnerID: me, Since: since, Until: until})
	l.Vehicles = append(l.Vehicles,
		api.Vehicle{PlateType: "02", PlateNumber: "粤B9H6T1", OwnerID: string(mother.ID), OwnerName: mother.Name, Relation: "bound", Since: &since},
		api.Vehicle{PlateType: "02", PlateNumber: "渝B5J3Q8", OwnerID: string(cqOwner.ID), OwnerName: cqOwner.Name, Relation: "followed", Since: &since, Until: &until})
	l.MyBindings = append(l.MyBindings, api.Binding{DriverID: me, PlateType: "02", PlateNumber: "粤B9H6T1", OwnerID: string(mother.ID), Since: since})
	for i := range extra {
		plate := fmt.Sprintf("粤B%05d", 10000+i)
		l.Vehicles = append(l.Vehicles, api.Vehicle{PlateType: "02", PlateNumber: plate, Relation: "own"})
		l.BoundToMine = append(l.BoundToMine, api.Binding{DriverID: string(parking.ID), PlateType: "02", PlateNumber: plate,
			OwnerID: me, Since: since.Add(time.Duration(i) * time.Hour)})
	}
}

// vehicleStates are the screens of the vehicles flows, reached by keys on the fake server.
func vehicleStates(t *testing.T) []struct {
	name    string
	profile string
	setup   func(h *harness, f *linkFake)
} {
	owner := persona(t, "owner-lent")
	bind := func(h *harness) {
		h.identifyAs(persona(t, "borrower-late"))
		withLinks(h, 0)
		h.openVehicles()
	}
	toReview := func(h *harness) {
		bind(h)
		h.typeText("1")
		h.enterPlate("26", "B2E8N7", model.PlateSmallCar)
		h.enterOwnerVIN(owner.ID)
	}
	return []struct {
		name    string
		profile string
		setup   func(h *harness, f *linkFake)
	}{
		{"list", "national", func(h *harness, _ *linkFake) { bind(h) }},
		{"list_long", "national", func(h *harness, _ *linkFake) {
			h.identifyAs(persona(t, "borrower-late"))
			withLinks(h, 30)
			h.openVehicles()
			h.press(vkPgDown)
		}},
		{"list_empty", "national", func(h *harness, _ *linkFake) {
			h.identifyAs(persona(t, "borrower-late"))
			h.m.session.lookup.Vehicles = nil
			h.openVehicles()
		}},
		{"province", "national", func(h *harness, _ *linkFake) { bind(h); h.typeText("1") }},
		{"number", "national", func(h *harness, _ *linkFake) { bind(h); h.typeText("100B12O") }},
		{"number_refused", "national", func(h *harness, _ *linkFake) { bind(h); h.typeText("100B12O45"); h.press(keyEnter) }},
		{"type", "national", func(h *harness, _ *linkFake) { bind(h); h.typeText("100BD12345"); h.press(keyEnter) }},
		{"type_mismatch", "national", func(h *harness, _ *linkFake) { bind(h); h.typeText("100BD12345"); h.press(keyEnter); h.typeText("02") }},
		{"owner", "national", func(h *harness, _ *linkFake) {
			bind(h)
			h.typeText("1")
			h.enterPlate("00", "B2E8N7", model.PlateSmallCar)
			h.typeText(string(owner.ID[:7]))
		}},
		{"owner_wrong", "national", func(h *harness, _ *linkFake) {
			bind(h)
			h.typeText("1")
			h.enterPlate("00", "B2E8N7", model.PlateSmallCar)
			h.typeText(string(owner.ID[:17]) + wrongCheck(owner.ID))
		}},
		{"refused", "national", func(h *harness, _ *linkFake) {
			bind(h)
			h.typeText("1")
			h.enterPlate("00", "B12345", model.PlateLargeCar) // a type that cannot be bound
		}},
		{"discard", "national", func(h *harness, _ *linkFake) { bind(h); h.typeText("100B1"); h.press(keyEsc, keyEsc) }},
		{"review", "national", func(h *harness, _ *linkFake) { toReview(h) }},
		{"applied", "national", func(h *harness, _ *linkFake) { toReview(h); h.press(keyEnter) }},
		{"pending", "national", func(h *harness, f *linkFake) { f.result = nil; toReview(h); h.press(keyEnter) }},
		{"rejected", "national", func(h *harness, f *linkFake) {
			f.result = &api.OpResult{Outcome: api.OutcomeRejected, Reasons: []api.Reason{
				api.FromReason(model.Reason{Code: model.ReasonBindVehicleFull, Args: model.Args{N: 3, Limit: 3}}, ""),
				api.FromReason(model.Reason{Code: model.ReasonBindOwnerHistory, Args: model.Args{N: 5, Limit: 5}}, "")}}
			toReview(h)
			h.press(keyEnter)
		}},
		{"end_confirm", "national", func(h *harness, _ *linkFake) { bind(h); h.press(keyEnter) }},
		{"end_result", "national", func(h *harness, _ *linkFake) { bind(h); h.press(keyEnter, keyEnter) }},
		{"follow_review", "chongqing", func(h *harness, _ *linkFake) {
			h.identifyAs(persona(t, "borrower-late"))
			h.openVehicles()
			h.typeText("1")
			h.enterPlate("04", "B5J3Q8", model.PlateSmallCar)
			h.enterOwnerVIN(owner.ID)
		}},
	}
}

// Every screen of the flows fits 80x24 and 160x48, in both languages and both contrast modes,
// without ambiguous-width glyphs; at 80 columns the key lines need no cutting.
func TestVehicleScreensFit(t *testing.T) {
	sizes := [][2]int{{80, 24}, {160, 48}}
	for _, st := range vehicleStates(t) {
		for _, lang := range []model.Lang{model.ZH, model.EN} {
			for _, size := range sizes {
				for _, hc := range []bool{false, true} {
					name := fmt.Sprintf("%s/%s/%dx%d/hc=%v", st.name, lang, size[0], size[1], hc)
					t.Run(name, func(t *testing.T) {
						h, f := newLinkHarness(t, st.profile, func(o *Options) { o.Lang = lang; o.HighContrast = hc })
						h.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
						st.setup(h, f)
						if h.m.id != vehiclesID {
							t.Fatalf("left the vehicles screen:\n%s", h.view())
						}
						checkFits(t, name, h.view(), size[0], size[1])
						if size[0] == 80 {
							bodyW, _ := h.m.bodySize()
							if w := ansi.StringWidth(h.m.keyLine(h.m.screenHelp())); w > bodyW {
								t.Errorf("key line is %d cells: %q", w, ansi.Strip(h.m.keyLine(h.m.screenHelp())))
							}
						}
						// The whole body must be drawn: nothing cut at the bottom.
						body := h.m.screen.View()
						if n := strings.Count(body, "\n") + 1; n > h.m.c.Height {
							t.Errorf("body has %d lines, room for %d:\n%s", n, h.m.c.Height, ansi.Strip(body))
						}
					})
				}
			}
		}
	}
}

// A long list scrolls with Up/Down/PgUp/PgDn, keeps the highlight in view and says what is
// hidden; a large screen shows more of it.
func TestVehicleListScrolls(t *testing.T) {
	visible := func(h *harness) int { return strings.Count(h.view(), "粤B1") }
	h, _ := newLinkHarness(t, "national")
	h.identifyAs(persona(t, "borrower-late"))
	withLinks(h, 30)
	h.openVehicles()
	h.mustShow(h.text(model.ZH, txtVehMoreBelow))
	small := visible(h)
	v := h.vehiclesScreen()
	first := v.cursor
	h.press(vkPgDown)
	if v.cursor <= first+3 || !v.rows[v.cursor].actionable() {
		t.Fatalf("PgDn moved the highlight from %d to %d", first, v.cursor)
	}
	h.mustShow(">", h.text(model.ZH, txtVehMoreBoth))
	for range 100 {
		h.press(vkDown)
	}
	h.mustShow(h.text(model.ZH, txtVehMoreAbove), "> 渝B5J3Q8") // the last row is my follow
	for range 10 {
		h.press(vkPgUp)
	}
	if v.cursor != first {
		t.Fatalf("PgUp to the top stopped at %d, not %d", v.cursor, first)
	}
	h.press(vkUp) // nothing above: stays
	if v.cursor != first {
		t.Fatal("Up at the top moved")
	}

	big, _ := newLinkHarness(t, "national")
	big.send(tea.WindowSizeMsg{Width: 160, Height: 48})
	big.identifyAs(persona(t, "borrower-late"))
	withLinks(big, 30)
	big.openVehicles()
	if got := visible(big); got < 2*small {
		t.Fatalf("160x48 shows %d rows of the list, 80x24 %d", got, small)
	}
}

// F1 explains what is on screen: the list, the binding, the follow request, ending a link.
func TestVehicleHelpTexts(t *testing.T) {
	check := func(h *harness, k textKey) {
		t.Helper()
		h.press(keyF1)
		h.mustShow(wrap(h.text(model.ZH, k), 200)[:24])
		h.press(keyF1)
	}
	h, _ := newLinkHarness(t, "national")
	h.identifyAs(persona(t, "borrower-late"))
	withLinks(h, 0)
	h.openVehicles()
	check(h, txtVehHelpList)
	h.press(keyEnter)
	check(h, txtVehHelpEnd)
	h.press(keyEsc)
	h.typeText("1")
	check(h, txtVehHelpBind)

	h, _ = newLinkHarness(t, "chongqing")
	h.identifyAs(persona(t, "borrower-late"))
	h.openVehicles()
	h.typeText("1")
	check(h, txtVehHelpFollow)
}

// TestVehiclesGoldenScreens keeps the list and the review screen of a binding as they look at
// 80x24 in both languages (update with -update).
func TestVehiclesGoldenScreens(t *testing.T) {
	states := map[string]bool{"list": true, "review": true}
	for _, st := range vehicleStates(t) {
		if !states[st.name] {
			continue
		}
		for _, lang := range []model.Lang{model.ZH, model.EN} {
			for _, hc := range []bool{false, true} {
				name := st.name + "/" + string(lang)
				if hc {
					name += "_hc" // the high-contrast mode
				}
				t.Run(name, func(t *testing.T) {
					h, f := newLinkHarness(t, st.profile, func(o *Options) { o.Lang, o.HighContrast = lang, hc })
					st.setup(h, f)
					v := h.view()
					checkFits(t, st.name, v, 80, 24)
					golden.RequireEqual(t, v)
				})
			}
		}
	}
}
