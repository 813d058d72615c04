package model

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Every reason code the system declares can actually be produced by the rules or the parsers:
// one producer per code, run for real. A code without a producer, or a producer that yields a
// different code, fails the test.
func TestEveryReasonCodeIsProduced(t *testing.T) {
	national, chongqing := profile(t, "national"), profile(t, "chongqing")
	car := plate(t, PlateSmallCar, "粤B12345")
	own := RelatedVehicle{personalCar(car, idA), Relation{Kind: RelationOwn}}
	vday := day(2026, time.October, 10)
	judge := func(p *Profile, l Licence, points int, rv []RelatedVehicle, v Violation) []Reason {
		return NewEvaluator(Case{Profile: p, Licence: l, CyclePoints: points, Vehicles: rv, Now: testNow()}).Evaluate(v).Reasons
	}
	lic := licenceOf(idA, "C1", "粤B")
	v := camera("V", car, vday, 3, Yuan(200))
	with := func(mod func(*Violation)) Violation { w := v; mod(&w); return w }
	input := func(err error) []Reason {
		var ie *InputError
		if errors.As(err, &ie) {
			return []Reason{ie.Reason}
		}
		return nil
	}
	parseID := func(s string) []Reason { _, err := ParseIDNumber(s, testNow()); return input(err) }
	parsePlate := func(typ, n string) []Reason { _, err := ParsePlate(typ, n); return input(err) }
	capped := *national
	capped.Processing.MaxPointsPerViolation = 6
	bindReq := BindRequest{Driver: idA, Vehicle: personalCar(car, idB), OwnerRegistered: true, OwnerVerified: true, Channel: ChannelSelfService, At: testNow()}
	bound := func(d IDNumber, ch BindingChannel) Binding {
		return Binding{Driver: d, Plate: car, Owner: idB, Since: vday, Channel: ch}
	}
	cqCar := plate(t, PlateSmallCar, "渝A12345")
	follow := FollowRequest{Follower: idA, Vehicle: personalCar(cqCar, idB), OwnerConsented: true, At: testNow()}
	following := func(f IDNumber, p Plate) Follow {
		return Follow{Follower: f, Plate: p, Owner: idB, RequestedAt: vday, Since: vday, Until: vday.AddDate(1, 0, 0)}
	}

	producers := map[ReasonCode]func() []Reason{
		ReasonUnrelatedVehicle: func() []Reason { return judge(national, lic, 0, nil, v) },
		ReasonBoundAfterViolation: func() []Reason {
			return judge(national, lic, 0, []RelatedVehicle{{personalCar(car, idB), Relation{Kind: RelationBound, Since: testNow()}}}, v)
		},
		ReasonFollowNotAccepted: func() []Reason {
			return judge(national, lic, 0, []RelatedVehicle{{personalCar(car, idB), Relation{Kind: RelationFollowed, Since: vday, Until: testNow().AddDate(1, 0, 0)}}}, v)
		},
		ReasonFollowExpired: func() []Reason {
			return judge(chongqing, lic, 0, []RelatedVehicle{{personalCar(car, idB), Relation{Kind: RelationFollowed, Since: vday, Until: vday}}}, v)
		},
		ReasonOnSite: func() []Reason {
			return judge(national, lic, 0, []RelatedVehicle{own}, with(func(w *Violation) { w.Source = SourceOnSite }))
		},
		ReasonFineOverLimit: func() []Reason {
			return judge(national, lic, 0, []RelatedVehicle{own}, with(func(w *Violation) { w.Fine = Yuan(300) }))
		},
		ReasonProcedureMeasure: func() []Reason {
			c := Case{Profile: national, Licence: lic, Vehicles: []RelatedVehicle{own}, Now: testNow(), Catalogue: loadRef(t).Catalogue}
			return NewEvaluator(c).Evaluate(with(func(w *Violation) { w.Code, w.Points, w.Fine = "6086", 0, Yuan(100) })).Reasons
		},
		ReasonNotSimpleProcedure: func() []Reason {
			c := Case{Profile: national, Licence: lic, Vehicles: []RelatedVehicle{own}, Now: testNow(), Catalogue: loadRef(t).Catalogue}
			return NewEvaluator(c).Evaluate(with(func(w *Violation) { w.Code, w.Points = "1737", 0 })).Reasons
		},
		ReasonAlreadyProcessed: func() []Reason {
			return judge(national, lic, 0, []RelatedVehicle{own}, with(func(w *Violation) { w.Status = StatusProcessed }))
		},
		ReasonAlreadyPaid: func() []Reason {
			return judge(national, lic, 0, []RelatedVehicle{own}, with(func(w *Violation) { w.Status = StatusPaid }))
		},
		ReasonUnitOwned: func() []Reason {
			return judge(national, lic, 0, []RelatedVehicle{{Vehicle{Plate: car, OwnerKind: OwnerUnit, Use: UseNonOperating}, Relation{Kind: RelationOwn}}}, v)
		},
		ReasonOperatingVehicle: func() []Reason {
			return judge(national, lic, 0, []RelatedVehicle{{Vehicle{Plate: car, OwnerKind: OwnerPersonal, Owner: idA, Use: UseOperating}, Relation{Kind: RelationOwn}}}, v)
		},
		ReasonVehicleType: func() []Reason {
			trailer := plate(t, PlateTrailer, "粤B1234挂")
			return judge(national, licenceOf(idA, "A2", "粤B"), 0, []RelatedVehicle{{personalCar(trailer, idA), Relation{Kind: RelationOwn}}}, with(func(w *Violation) { w.Plate = trailer }))
		},
		ReasonLicenceStatus: func() []Reason {
			l := lic
			l.Status = "M"
			return judge(national, l, 0, []RelatedVehicle{own}, v)
		},
		ReasonLicenceClass: func() []Reason { return judge(national, licenceOf(idA, "E", "粤B"), 0, []RelatedVehicle{own}, v) },
		ReasonWouldReachFull: func() []Reason {
			e := NewEvaluator(Case{Profile: national, Licence: lic, CyclePoints: 6, Vehicles: []RelatedVehicle{own}, Now: testNow()})
			return e.EvaluateSet([]Violation{v, with(func(w *Violation) { w.ID = "V2" })}).Reasons
		},
		ReasonPointsReachFullAlone: func() []Reason { return judge(national, lic, 9, []RelatedVehicle{own}, v) },
		ReasonPointsAtFull: func() []Reason {
			return judge(national, lic, 12, []RelatedVehicle{own}, with(func(w *Violation) { w.Points = 0 }))
		},
		ReasonPointsFullScoreViolation: func() []Reason {
			return judge(national, lic, 0, []RelatedVehicle{own}, with(func(w *Violation) { w.Points = 12 }))
		},
		ReasonLicenceSuspended: func() []Reason {
			l := lic
			l.Status = StatusSuspended
			return judge(national, l, 0, []RelatedVehicle{own}, v)
		},
		ReasonLicenceOverPoints: func() []Reason {
			l := lic
			l.Status = StatusOverPoints
			return judge(national, l, 0, []RelatedVehicle{own}, v)
		},
		ReasonOverSingleCap: func() []Reason {
			return judge(&capped, lic, 0, []RelatedVehicle{own}, with(func(w *Violation) { w.Points = 9 }))
		},
		ReasonLicenceNotLocal: func() []Reason {
			return judge(chongqing, lic, 0, []RelatedVehicle{{personalCar(cqCar, idA), Relation{Kind: RelationOwn}}}, with(func(w *Violation) { w.Plate = cqCar }))
		},
		ReasonVehicleNotLocal: func() []Reason { return judge(chongqing, licenceOf(idA, "C1", "渝A"), 0, []RelatedVehicle{own}, v) },
		ReasonDisputed: func() []Reason {
			return judge(national, lic, 0, []RelatedVehicle{own}, with(func(w *Violation) { w.Status = StatusDisputed }))
		},
		ReasonPayNotDecided: func() []Reason { return PayCheck(v) },
		ReasonPayPaid:       func() []Reason { return PayCheck(with(func(w *Violation) { w.Status = StatusPaid })) },
		ReasonPayDisputed:   func() []Reason { return PayCheck(with(func(w *Violation) { w.Status = StatusDisputed })) },
		ReasonBindDisabled:  func() []Reason { return CheckBind(chongqing, bindReq, BindingHistory{}) },
		ReasonBindOwnVehicle: func() []Reason {
			r := bindReq
			r.Vehicle.Owner = idA
			return CheckBind(national, r, BindingHistory{})
		},
		ReasonBindUnitOwned: func() []Reason {
			r := bindReq
			r.Vehicle.OwnerKind = OwnerUnit
			return CheckBind(national, r, BindingHistory{})
		},
		ReasonBindVehicleType: func() []Reason {
			r := bindReq
			r.Vehicle.Plate = plate(t, PlateMotorcycle, "粤B12345")
			return CheckBind(national, r, BindingHistory{})
		},
		ReasonBindOwnerAbsent: func() []Reason {
			r := bindReq
			r.OwnerRegistered = false
			return CheckBind(national, r, BindingHistory{})
		},
		ReasonBindOwnerUnchecked: func() []Reason {
			r := bindReq
			r.OwnerVerified = false
			return CheckBind(national, r, BindingHistory{})
		},
		ReasonBindAlready: func() []Reason {
			return CheckBind(national, bindReq, BindingHistory{OfDriver: []Binding{bound(idA, ChannelCounter)}})
		},
		ReasonBindVehicleFull: func() []Reason {
			return CheckBind(national, bindReq, BindingHistory{OfVehicle: []Binding{bound(idC, ChannelCounter), bound("440524188001010014", ChannelCounter), bound("11010219840406970X", ChannelCounter)}})
		},
		ReasonBindDriverFull: func() []Reason {
			other := func(n string) Binding {
				b := bound(idA, ChannelCounter)
				b.Plate = plate(t, PlateSmallCar, n)
				return b
			}
			r := bindReq
			r.Channel = ChannelCounter
			return CheckBind(national, r, BindingHistory{OfDriver: []Binding{other("粤B00001"), other("粤B00002"), other("粤B00003")}})
		},
		ReasonBindSelfService: func() []Reason {
			b := bound(idA, ChannelSelfService)
			b.Plate = plate(t, PlateSmallCar, "粤B00001")
			return CheckBind(national, bindReq, BindingHistory{OfDriver: []Binding{b}})
		},
		ReasonBindOwnerHistory: func() []Reason {
			r := bindReq
			r.Channel = ChannelCounter
			var past []Binding
			for i, o := range []IDNumber{idC, "440524188001010014", "11010219840406970X", "53010219200508011X", "810000199408230021"} {
				past = append(past, Binding{Driver: idA, Plate: plate(t, PlateSmallCar, "粤B0000"+string(rune('1'+i))), Owner: o, Since: vday.AddDate(-3, 0, 0), Ended: vday.AddDate(-2, 0, 0)})
			}
			return CheckBind(national, r, BindingHistory{OfDriver: past})
		},
		ReasonUnbindNotFound:   func() []Reason { return CheckUnbind(idA, Binding{}, false, testNow()) },
		ReasonUnbindNotParty:   func() []Reason { return CheckUnbind(idC, bound(idA, ChannelCounter), true, testNow()) },
		ReasonFollowDisabled:   func() []Reason { return CheckFollow(national, follow, FollowHistory{}) },
		ReasonFollowOwnVehicle: func() []Reason { r := follow; r.Vehicle.Owner = idA; return CheckFollow(chongqing, r, FollowHistory{}) },
		ReasonFollowAlready: func() []Reason {
			return CheckFollow(chongqing, follow, FollowHistory{OfFollower: []Follow{following(idA, cqCar)}})
		},
		ReasonFollowUserFull: func() []Reason {
			return CheckFollow(chongqing, follow, FollowHistory{OfFollower: []Follow{following(idA, plate(t, PlateSmallCar, "渝A00001")), following(idA, plate(t, PlateSmallCar, "渝A00002"))}})
		},
		ReasonFollowRequestsUsed: func() []Reason {
			gone := func(n string) Follow {
				f := following(idA, plate(t, PlateSmallCar, n))
				f.Cancelled = vday.AddDate(0, 0, 1)
				return f
			}
			return CheckFollow(chongqing, follow, FollowHistory{OfFollower: []Follow{gone("渝A00001"), gone("渝A00002"), gone("渝A00003")}})
		},
		ReasonFollowVehicleFull: func() []Reason {
			return CheckFollow(chongqing, follow, FollowHistory{OfVehicle: []Follow{following(idC, cqCar), following("440524188001010014", cqCar), following("11010219840406970X", cqCar)}})
		},
		ReasonFollowNoConsent: func() []Reason {
			r := follow
			r.OwnerConsented = false
			return CheckFollow(chongqing, r, FollowHistory{})
		},
		ReasonUnfollowNotFound: func() []Reason { return CheckUnfollow(idA, Follow{}, false, testNow()) },
		ReasonUnfollowNotParty: func() []Reason { return CheckUnfollow(idC, following(idA, cqCar), true, testNow()) },
		ReasonFollowUnitOwned: func() []Reason {
			r := follow
			r.Vehicle.OwnerKind = OwnerUnit
			return CheckFollow(chongqing, r, FollowHistory{})
		},
		ReasonFollowVehicleType: func() []Reason {
			r := follow
			r.Vehicle.Plate = plate(t, PlateLargeCar, "渝A12345")
			return CheckFollow(chongqing, r, FollowHistory{})
		},
		ReasonFollowNotLocal: func() []Reason {
			r := follow
			r.Vehicle.Plate = plate(t, PlateSmallCar, "川A12345")
			return CheckFollow(chongqing, r, FollowHistory{})
		},
		ReasonFollowOperating: func() []Reason {
			r := follow
			r.Vehicle.Use = UseOperating
			return CheckFollow(chongqing, r, FollowHistory{})
		},
		ReasonOfflineNotAllowed: func() []Reason {
			return national.Offline.OfflineCheck("bind", 0, Queued{}, testNow(), testNow(), goodKiosk())
		},
		ReasonOfflineCount: func() []Reason {
			return national.Offline.OfflineCheck("process", 0, Queued{Count: map[string]int{"process": 10}}, testNow(), testNow(), goodKiosk())
		},
		ReasonOfflineAmount: func() []Reason {
			return national.Offline.OfflineCheck("pay", Yuan(200), Queued{Amount: map[string]Fen{"pay": Yuan(2900)}}, testNow(), testNow(), goodKiosk())
		},
		ReasonOfflineStoreFull: func() []Reason {
			return national.Offline.OfflineCheck("process", 0, Queued{}, testNow(), testNow(), KioskCondition{StoreFull: true})
		},
		ReasonOfflineClock: func() []Reason {
			return national.Offline.OfflineCheck("pay", Yuan(200), Queued{}, testNow(), testNow(), KioskCondition{})
		},
		ReasonOfflineTooLong: func() []Reason {
			return national.Offline.OfflineCheck("pay", Yuan(200), Queued{}, testNow().Add(-25*time.Hour), testNow(), goodKiosk())
		},
		InputIDLength:       func() []Reason { return parseID("4403081999011015") },
		InputIDChar:         func() []Reason { return parseID("44030819990110151A") },
		InputIDRegion:       func() []Reason { return parseID("990308199901101512") },
		InputIDBirthInvalid: func() []Reason { return parseID("440308199002301512") },
		InputIDBirthFuture:  func() []Reason { return parseID("440308209901101512") },
		InputIDCheck:        func() []Reason { return parseID("440308199901101513") },
		InputFileLength:     func() []Reason { _, err := ParseFileNumber("12345"); return input(err) },
		InputFileChar:       func() []Reason { _, err := ParseFileNumber("12345678901A"); return input(err) },
		InputPlateLength:    func() []Reason { return parsePlate("02", "粤B123") },
		InputPlateProvince:  func() []Reason { return parsePlate("02", "AB12345") },
		InputPlateOffice:    func() []Reason { return parsePlate("02", "粤112345") },
		InputPlateIO:        func() []Reason { return parsePlate("02", "粤B1O345") },
		InputPlateChar:      func() []Reason { return parsePlate("02", "粤B12#45") },
		InputPlateForm:      func() []Reason { return parsePlate("52", "粤B1D2345") },
		InputPlateType:      func() []Reason { return parsePlate("99", "粤B12345") },
		InputPlateTypeMatch: func() []Reason { return parsePlate("52", "粤B12345") },
		InputLicenceClass:   func() []Reason { _, err := ParseLicenceClasses("C9"); return input(err) },
		InputLicenceStatus:  func() []Reason { _, err := ParseLicenceStatus("Z"); return input(err) },
		InputViolationCode:  func() []Reason { _, err := ParseViolationCode("16X5"); return input(err) },
		InputDecisionNumber: func() []Reason { _, err := ParseDecisionNumber("12"); return input(err) },
		InputDecisionCheck: func() []Reason {
			n, _ := NewDecisionNumber("440304", 2026, 17)
			wrong := "0"
			if n[18] == '0' {
				wrong = "1"
			}
			_, err := ParseDecisionNumber(string(n[:18]) + wrong)
			return input(err)
		},
		InputVINLength:     func() []Reason { _, err := ParseVINTail("12345"); return input(err) },
		InputVINChar:       func() []Reason { _, err := ParseVINTail("12O456"); return input(err) },
		InputVINCheck:      func() []Reason { _, err := ParseVIN("1M8GDM9AXKP042789"); return input(err) },
		InputRegCertLength: func() []Reason { _, err := ParseRegCertNumber("44000123"); return input(err) },
		InputRegCertChar:   func() []Reason { _, err := ParseRegCertNumber("44000123456A"); return input(err) },
	}
	serverOnly := map[ReasonCode]bool{}
	for _, c := range ServerReasonCodes() {
		serverOnly[c] = true
	}
	for _, code := range AllReasonCodes() {
		if serverOnly[code] {
			continue // the server's tests produce these
		}
		produce, ok := producers[code]
		if !ok {
			t.Errorf("%s: no producer in this test: add one, or remove the code", code)
			continue
		}
		got := produce()
		found := false
		for _, r := range got {
			found = found || r.Code == code
		}
		if !found {
			t.Errorf("%s: producer gave %v", code, codes(got))
		}
	}
}

func TestTextsRenderBothLanguages(t *testing.T) {
	texts := loadRef(t).Texts
	for _, r := range []struct {
		reason Reason
		zh, en string
	}{
		{Reason{Code: ReasonFineOverLimit, Args: Args{Fen: Yuan(300), LimitFen: Yuan(200)}},
			"罚款 300.00元 超过自助处理上限 200.00元，不适用简易程序。",
			"The fine of ¥300.00 is above the self-service limit of ¥200.00; the simple procedure does not apply."},
		{Reason{Code: InputIDLength, Args: Args{N: 17, Limit: 18}}, "证件号码应为 18 位，您输入了 17 位。", "An ID number has 18 characters; you entered 17."},
		{Reason{Code: InputIDCheck, Args: Args{Want: "X", Got: "3"}}, "校验码应为 X，您输入的是 3。", "The check character should be X, not 3."},
		{Reason{Code: InputIDBirthInvalid, Args: Args{Got: "1990-02-30"}}, "出生日期 1990-02-30 不存在。", "Birth date 1990-02-30 does not exist."},
		{Reason{Code: ReasonBoundAfterViolation, Args: Args{At: time.Date(2026, 10, 20, 1, 0, 0, 0, ChinaZone()).UTC()}},
			"违法发生在您备案这辆车（2026-10-20）之前，备案只覆盖备案之日起的违法。",
			"This violation happened before you bound the vehicle (2026-10-20); a binding covers only violations from that day on."},
		{Reason{Code: ReasonLicenceStatus, Args: Args{Term: LicenceStatus("D").Term()}},
			"您的驾驶证状态为“暂扣”，只有状态正常的驾驶证才能处理违法。",
			`Your licence status is "suspended"; only a licence in normal status can process violations.`},
	} {
		if got := texts.Reason(r.reason, ZH).Message; got != r.zh {
			t.Errorf("%s zh = %q, want %q", r.reason.Code, got, r.zh)
		}
		if got := texts.Reason(r.reason, EN).Message; got != r.en {
			t.Errorf("%s en = %q, want %q", r.reason.Code, got, r.en)
		}
	}
	if got := texts.Reason(Reason{Code: ReasonDisputed, Args: Args{Got: "福田大队"}}, ZH).Remedy; got != "请到福田大队的违法处理窗口办理。" {
		t.Errorf("disputed remedy names the counter: %q", got)
	}
}

// Every code renders in both languages with no placeholder left and no ambiguous-width glyph.
func TestTextsCompleteAndTerminalSafe(t *testing.T) {
	texts := loadRef(t).Texts
	args := Args{Want: "W", Got: "G", Pos: 3, N: 4, Limit: 5, Fen: 100, LimitFen: 200, At: testNow(), Term: PlateSmallCar.Term()}
	for _, code := range AllReasonCodes() {
		for _, lang := range Langs() {
			r := texts.Reason(Reason{Code: code, Args: args}, lang)
			for _, s := range []string{r.Message, r.Remedy} {
				if s == "" || strings.ContainsAny(s, "{}") || strings.ContainsAny(s, "·…─│•█") || s == string(code) {
					t.Errorf("%s/%s: %q", code, lang, s)
				}
			}
		}
	}
	for _, key := range TermKeys() {
		if texts.Term(key, ZH) == key || texts.Term(key, EN) == key {
			t.Errorf("term %s missing", key)
		}
	}
}

func TestParseTextsRefusesGaps(t *testing.T) {
	for _, r := range []struct{ name, data, want string }{
		{"empty", `{"reasons":{},"terms":{}}`, "relation.unrelated: missing"},
		{"unknown code", `{"reasons":{"relation.unknown":{"zh":"a","en":"b","remedy_zh":"c","remedy_en":"d"}},"terms":{}}`, "relation.unknown: not a reason code"},
		{"bad placeholder", `{"reasons":{"relation.unrelated":{"zh":"{fine}","en":"b","remedy_zh":"c","remedy_en":"d"}},"terms":{}}`, "unknown placeholder {fine}"},
		{"unknown field", `{"reasons":{},"terms":{},"extra":1}`, "unknown field"},
	} {
		if _, err := ParseTexts([]byte(r.data)); err == nil || !strings.Contains(err.Error(), r.want) {
			t.Errorf("%s: %v, want %q", r.name, err, r.want)
		}
	}
}

func TestMoney(t *testing.T) {
	for _, r := range []struct {
		f     Fen
		s, zh string
	}{{Yuan(200), "¥200.00", "200.00元"}, {150, "¥1.50", "1.50元"}, {5, "¥0.05", "0.05元"}, {-Yuan(3), "¥-3.00", "-3.00元"}} {
		if r.f.String() != r.s || r.f.YuanText() != r.zh {
			t.Errorf("%d: %s / %s", r.f, r.f, r.f.YuanText())
		}
	}
}
