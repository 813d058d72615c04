package ui

import (
	"strings"

	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/storage"
	"github.com/hallkiosk/kiosk/uplink"
)

// linkCondition is what the kiosk tells people about its link to the platform. The header, the
// notice line and every refusal derive their words from one value, so they never disagree:
// a network that is down, a platform that answers with errors, a clock or an enrolment the
// platform refuses and a failing local store leave different things working, and staff fix
// each in a different place.
type linkCondition int

const (
	linkStarting linkCondition = iota
	linkOnline
	linkUnstable    // the last exchange failed, an earlier one recently worked
	linkOffline     // the platform cannot be reached
	linkServer      // the platform answers, with errors
	linkClock       // the platform refuses the kiosk's clock
	linkNotEnrolled // the platform refuses the kiosk itself
	linkStore       // the kiosk's own store fails
)

// conditionOf sorts a status of the sync engine. known is false until the first status arrived.
func conditionOf(st uplink.Status, known bool) linkCondition {
	if !known {
		return linkStarting
	}
	if st.State == uplink.Online {
		return linkOnline
	}
	switch st.Problem {
	case uplink.ServerError:
		return linkServer
	case uplink.ClockOff:
		return linkClock
	case uplink.NotEnrolled:
		return linkNotEnrolled
	case uplink.LocalStore:
		return linkStore
	}
	if st.State == uplink.Degraded {
		return linkUnstable
	}
	return linkOffline
}

// headerText is the condition in the header's words ("网络：离线").
func (l linkCondition) headerText() textKey {
	return [...]textKey{txtNetStarting, txtNetOnline, txtNetDegraded, txtNetOffline, txtNetServer,
		txtNetClock, txtNetNotEnrolled, txtNetStore}[l]
}

// stateText is the condition as the start of a sentence ("网络离线"), for the notice line and
// for refusals, which must name the actual problem.
func (l linkCondition) stateText() textKey {
	return [...]textKey{txtNetStateOffline, txtNetStateOffline, txtNetStateUnstable, txtNetStateOffline,
		txtNetStateServer, txtNetStateClock, txtNetStateNotEnrolled, txtNetStateStore}[l]
}

// link is the current condition as the screens see it.
func (c *Common) link() linkCondition { return conditionOf(c.Net, c.NetKnown) }

// linkState words the condition for a refusal of online-only work ("网络离线", "平台故障").
// Online, an online call that just failed still means the platform could not be reached.
func (c *Common) linkState() string {
	l := c.link()
	if l == linkOnline || l == linkStarting {
		l = linkOffline
	}
	return c.T(l.stateText())
}

// clockFitForMoney mirrors the offline policy: money is taken offline only with a measured
// clock close enough to the platform's.
func clockFitForMoney(st uplink.Status) bool {
	return st.ClockKnown && st.ClockSkew <= model.MaxOfflineClockSkew && st.ClockSkew >= -model.MaxOfflineClockSkew
}

// noticeBanner is the notice line's account of the link and the store, "" when there is
// nothing to say: what the state is, that lookups are still tried live, which operations the
// offline policy still takes (confirmed later) and that the rest, online-only work such as
// binding among it, is paused. A store at its stop watermark takes no new work offline: the
// line then sends people to a counter. Each fits one line at 80 columns in both languages.
func (m *Model) noticeBanner() string {
	c := m.c
	if c.Services == nil || !m.netKnown {
		return ""
	}
	l := conditionOf(m.net, m.netKnown)
	full := m.net.Fill.Level == storage.LevelStop
	if l == linkOnline {
		if full {
			return c.T(txtNetBannerStoreFullOnline)
		}
		return ""
	}
	if m.opts.Offline == nil && !full {
		return ""
	}
	state := c.T(l.stateText())
	if full {
		return c.T(txtNetBannerStoreFull, "state", state)
	}
	works := m.offlineWorks(l)
	if len(works) == 0 {
		return c.T(txtNetBannerNone, "state", state)
	}
	return c.T(txtNetBanner, "state", state, "works", strings.Join(works, c.T(txtListSep)))
}

// offlineWorks names the operations the offline policy still takes in this condition.
func (m *Model) offlineWorks(l linkCondition) []string {
	if l == linkStore {
		return nil // nothing can be queued in a store that fails
	}
	names := map[string]textKey{"process": txtOpProcess, "pay": txtOpPay, "bind": txtOpBind,
		"unbind": txtOpUnbind, "follow": txtOpFollow, "unfollow": txtOpUnfollow}
	var works []string
	for _, op := range model.OpTypes() {
		if !m.opts.Offline.Ops[op].Allowed || (op == "pay" && !clockFitForMoney(m.net)) {
			continue
		}
		works = append(works, m.c.T(names[op]))
	}
	return works
}
