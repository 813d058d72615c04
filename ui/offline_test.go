package ui

import (
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/storage"
	"github.com/hallkiosk/kiosk/uplink"
)

func nationalOffline(t *testing.T) *model.OfflineRules {
	t.Helper()
	raw, err := fs.ReadFile(assets.FS(), "profiles/national.json")
	if err != nil {
		t.Fatal(err)
	}
	p, err := model.ParseProfile(raw)
	if err != nil {
		t.Fatal(err)
	}
	return &p.Offline
}

// While the server is out of reach, a banner says plainly, from the profile's offline policy,
// what still works (pending confirmation) and what needs the network; it goes when the network
// comes back.
func TestOfflineBannerFollowsThePolicy(t *testing.T) {
	rules := nationalOffline(t)
	h := newHarness(t, func(o *Options) { o.Offline = rules })
	h.mustNotShow(h.text(model.ZH, txtOpProcess)) // online: no banner
	h.send(netStatusMsg{status: uplink.Status{State: uplink.Offline, Problem: uplink.Unreachable, ClockKnown: true}})
	h.mustShow("网络：离线", "网络离线：查询照常，可办理处理违法，缴款（平台稍后确认），其他业务暂停")
	h.mustNotShow(h.text(model.ZH, txtOpBind) + "，") // binding is not offered offline
	h.press(keyF2)
	h.mustShow("Network: offline", "Offline: lookups OK; processing, payment confirmed later; rest paused")
	h.send(netStatusMsg{status: uplink.Status{State: uplink.Online}})
	h.mustNotShow("Offline:", "lookups OK")
}

// The header and the notice line name the same condition, and the notice drops what that
// condition stops: money without a measured clock, everything when the store fails, new work
// when the store is at its stop watermark.
func TestNetworkStateWordsAgree(t *testing.T) {
	rules := nationalOffline(t)
	clock := func(st uplink.Status) uplink.Status { st.ClockKnown = true; return st }
	cases := []struct {
		name           string
		status         uplink.Status
		header, notice string
		absent         []string
	}{
		{"unstable", clock(uplink.Status{State: uplink.Degraded, Problem: uplink.Unreachable}),
			"网络：不稳定", "网络不稳定：查询照常，可办理处理违法，缴款（平台稍后确认）", nil},
		{"unreachable", clock(uplink.Status{State: uplink.Offline, Problem: uplink.Unreachable}),
			"网络：离线", "网络离线：查询照常，可办理处理违法，缴款", nil},
		{"server error", clock(uplink.Status{State: uplink.Offline, Problem: uplink.ServerError}),
			"平台：故障", "平台故障：查询照常，可办理处理违法，缴款", []string{"网络：离线"}},
		{"server error while degraded", clock(uplink.Status{State: uplink.Degraded, Problem: uplink.ServerError}),
			"平台：故障", "平台故障：", []string{"不稳定"}},
		{"clock refused", uplink.Status{State: uplink.Offline, Problem: uplink.ClockOff},
			"时钟：偏差", "时钟偏差：查询照常，可办理处理违法（平台稍后确认）", []string{"缴款"}},
		{"skew too large", uplink.Status{State: uplink.Offline, Problem: uplink.Unreachable, ClockKnown: true, ClockSkew: 2 * time.Minute},
			"网络：离线", "网络离线：查询照常，可办理处理违法（", []string{"缴款"}},
		{"not enrolled", clock(uplink.Status{State: uplink.Offline, Problem: uplink.NotEnrolled}),
			"本机：未注册", "本机未注册：查询照常", nil},
		{"local store", clock(uplink.Status{State: uplink.Offline, Problem: uplink.LocalStore}),
			"存储：故障", "本机存储故障：查询照常，其他业务请到窗口办理", []string{"可办理"}},
		{"store full offline", clock(uplink.Status{State: uplink.Offline, Problem: uplink.Unreachable, Fill: storage.Fill{Level: storage.LevelStop}}),
			"网络：离线", "网络离线，本机存储已满：查询照常，新业务请到窗口办理", []string{"可办理"}},
		{"store full online", uplink.Status{State: uplink.Online, Fill: storage.Fill{Level: storage.LevelStop}},
			"网络：在线", "本机存储将满：联网业务照常；断网时新业务请到窗口办理", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(o *Options) { o.Offline = rules })
			h.send(netStatusMsg{status: tc.status})
			h.mustShow(tc.header, tc.notice)
			if len(tc.absent) > 0 {
				h.mustNotShow(tc.absent...)
			}
			// A refusal of online-only work names the same condition as the notice line.
			if tc.status.State != uplink.Online {
				refusal := h.m.c.T(txtSubmitRefusedOffline, "state", h.m.c.linkState())
				if !strings.HasPrefix(tc.notice, strings.TrimSuffix(refusal, "，本次业务暂不能办理：")) {
					t.Errorf("%s: refusal %q names another condition than the notice %q", tc.name, refusal, tc.notice)
				}
			}
			for _, lang := range []model.Lang{model.ZH, model.EN} {
				h.m.c.Lang = lang
				screen := h.view()
				checkFits(t, tc.name, screen, 80, 24)
				if b := h.m.noticeBanner(); b == "" || !strings.Contains(screen, b) {
					t.Errorf("%s/%s: the notice %q is missing or cut:\n%s", tc.name, lang, b, screen)
				}
			}
		})
	}
}
