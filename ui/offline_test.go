package ui

import (
	"io/fs"
	"testing"

	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/uplink"
)

// While the server is out of reach, a banner says plainly, from the profile's offline policy,
// what still works (pending confirmation) and what needs the network; it goes when the network
// comes back.
func TestOfflineBannerFollowsThePolicy(t *testing.T) {
	raw, err := fs.ReadFile(assets.FS(), "profiles/national.json")
	if err != nil {
		t.Fatal(err)
	}
	p, err := model.ParseProfile(raw)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(o *Options) { o.Offline = &p.Offline })
	h.mustNotShow(h.text(model.ZH, txtOpProcess)) // online: no banner
	h.send(netStatusMsg{status: uplink.Status{State: uplink.Offline}})
	h.mustShow("离线：可办理处理违法，缴款（平台稍后确认），其他业务需联网")
	h.mustNotShow(h.text(model.ZH, txtOpBind) + "，") // binding is not offered offline
	h.press(keyF2)
	h.mustShow("Offline: processing, payment work, confirmed later; the rest needs the network")
	h.send(netStatusMsg{status: uplink.Status{State: uplink.Online}})
	h.mustNotShow("Offline:")
}
