package model

import (
	"strings"
	"testing"
	"time"
)

func TestOfflinePolicy(t *testing.T) {
	off := profile(t, "national").Offline
	now := testNow()
	synced := now.Add(-time.Hour)
	for _, r := range []struct {
		name   string
		op     string
		amount Fen
		q      Queued
		last   time.Time
		want   []ReasonCode
		kiosk  *KioskCondition // nil: goodKiosk()
	}{
		{"a payment offline within bounds", "pay", Yuan(200), Queued{Count: map[string]int{"pay": 29}, Amount: map[string]Fen{"pay": Yuan(2800)}}, synced, nil, nil},
		{"the 31st payment", "pay", Yuan(1), Queued{Count: map[string]int{"pay": 30}}, synced, []ReasonCode{ReasonOfflineCount}, nil},
		{"payments above 3,000 yuan in all", "pay", Yuan(201), Queued{Amount: map[string]Fen{"pay": Yuan(2800)}}, synced, []ReasonCode{ReasonOfflineAmount}, nil},
		{"offline for a day and an hour", "process", 0, Queued{}, now.Add(-25 * time.Hour), []ReasonCode{ReasonOfflineTooLong}, nil},
		{"a kiosk that never synced", "process", 0, Queued{}, time.Time{}, []ReasonCode{ReasonOfflineTooLong}, nil},
		{"binding needs the network", "bind", 0, Queued{}, synced, []ReasonCode{ReasonOfflineNotAllowed}, nil},
		{"an unknown operation", "teleport", 0, Queued{}, synced, []ReasonCode{ReasonOfflineNotAllowed}, nil},
		{"a full store takes nothing", "process", 0, Queued{}, synced, []ReasonCode{ReasonOfflineStoreFull},
			&KioskCondition{StoreFull: true, ClockKnown: true}},
		{"a clock never measured takes no money", "pay", Yuan(1), Queued{}, synced, []ReasonCode{ReasonOfflineClock},
			&KioskCondition{}},
		{"a clock never measured still processes", "process", 0, Queued{}, synced, nil, &KioskCondition{}},
		{"a clock 61 s fast takes no money", "pay", Yuan(1), Queued{}, synced, []ReasonCode{ReasonOfflineClock},
			&KioskCondition{ClockKnown: true, ClockSkew: 61 * time.Second}},
		{"a clock 61 s slow takes no money", "pay", Yuan(1), Queued{}, synced, []ReasonCode{ReasonOfflineClock},
			&KioskCondition{ClockKnown: true, ClockSkew: -61 * time.Second}},
		{"a clock a minute off still takes money", "pay", Yuan(1), Queued{}, synced, nil,
			&KioskCondition{ClockKnown: true, ClockSkew: time.Minute}},
	} {
		k := goodKiosk()
		if r.kiosk != nil {
			k = *r.kiosk
		}
		if got := off.OfflineCheck(r.op, r.amount, r.q, r.last, now, k); !sameCodes(codes(got), r.want) {
			t.Errorf("%s: %v, want %v", r.name, codes(got), r.want)
		}
	}
	if off.CacheTTLMinutes != 30 || !off.KeepCacheOffline {
		t.Errorf("national offline rules: %+v", off)
	}
}

func TestOfflineRulesValidation(t *testing.T) {
	base := profile(t, "national").Offline
	for _, r := range []struct {
		name string
		mod  func(*OfflineRules)
		want string
	}{
		{"ttl", func(o *OfflineRules) { o.CacheTTLMinutes = 0 }, "offline.cache_ttl_minutes"},
		{"missing type", func(o *OfflineRules) { delete(o.Ops, "pay") }, "offline.ops.pay: missing"},
		{"unknown type", func(o *OfflineRules) { o.Ops["teleport"] = OfflineOp{} }, "offline.ops.teleport"},
		{"allowed without bounds", func(o *OfflineRules) { o.Ops["bind"] = OfflineOp{Allowed: true} }, "offline.ops.bind"},
		{"no acceptance bound", func(o *OfflineRules) { o.AcceptAgeHours = 0 }, "offline.accept_age_hours"},
		{"acceptance bound over a month", func(o *OfflineRules) { o.AcceptAgeHours = 721 }, "offline.accept_age_hours"},
		{"queueing longer than the server accepts", func(o *OfflineRules) { o.AcceptAgeHours = 12 },
			"offline.ops.process.max_age_hours: 24 is longer than offline.accept_age_hours (12)"},
	} {
		o := base
		o.Ops = map[string]OfflineOp{}
		for k, v := range base.Ops {
			o.Ops[k] = v
		}
		r.mod(&o)
		if err := o.validate(); err == nil || !strings.Contains(err.Error(), r.want) {
			t.Errorf("%s: %v", r.name, err)
		}
	}
}

// goodKiosk is a kiosk whose store has room and whose clock was measured and is right.
func goodKiosk() KioskCondition { return KioskCondition{ClockKnown: true} }
