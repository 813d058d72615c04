package console

import (
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// The detail view of one kiosk: every fact the Source has of it, its devices, then its
// rejected operations in a list where `f` marks the highlighted one followed up.

func (m *Model) detailKiosk() (Kiosk, bool) {
	for _, k := range m.fleet {
		if k.ID == m.detail {
			return k, true
		}
	}
	return Kiosk{}, false
}

// when shows a time of today as 15:04:05 and another day's as 01-02 15:04; the zero time is
// "never".
func (m *Model) when(t time.Time) string {
	if t.IsZero() {
		return m.t(txtNever)
	}
	now := m.now()
	t = t.In(now.Location())
	if y, mo, d := t.Date(); y == now.Year() && mo == now.Month() && d == now.Day() {
		return t.Format("15:04:05")
	}
	return t.Format("01-02 15:04")
}

func (m *Model) ago(t time.Time) string { return m.tf(txtAgo, "t", short(m.now().Sub(t))) }

// fact is one labelled line of the detail view; warn draws it to catch the eye.
type fact struct {
	label textKey
	value string
	warn  bool
}

func (m *Model) facts(k Kiosk) []fact {
	sep := m.listSep()
	state := m.stateWord(k.State)
	if !k.Since.IsZero() {
		state = m.tf(txtVState, "state", state, "since", m.when(k.Since), "d", short(m.now().Sub(k.Since)))
	}
	seen := m.t(txtVNeverSeen)
	if !k.LastSeen.IsZero() {
		seen = m.tf(txtVLastSeen, "at", m.when(k.LastSeen), "ago", m.ago(k.LastSeen))
	}
	fs := []fact{{label: txtDState, value: state + sep + seen, warn: k.State == KioskOffline || k.State == KioskDegraded}}

	problems := m.t(txtDNoProblems)
	if len(k.Problems) > 0 {
		ws := make([]string, len(k.Problems))
		for i, p := range k.Problems {
			ws[i] = narrowSafe(ProblemText(p, m.lang))
		}
		problems = strings.Join(ws, sep)
	}
	fs = append(fs, fact{label: txtDProblems, value: problems, warn: len(k.Problems) > 0})

	sk := m.t(txtUnknown)
	if k.ClockSkewKnown {
		sk = skew(k.ClockSkew)
	}
	fs = append(fs, fact{label: txtDContact, value: m.tf(txtVContact, "hb", m.when(k.HeartbeatAt), "sync", m.when(k.LastSync),
		"n", strconv.FormatInt(k.FailedAttempts, 10), "skew", sk)})

	outbox := m.tf(txtVOutbox, "n", strconv.FormatInt(k.OutboxDepth, 10))
	if !k.OldestPending.IsZero() {
		outbox += m.commaSep() + m.tf(txtVOldest, "d", short(m.now().Sub(k.OldestPending)))
	}
	outbox += sep + m.tf(txtVRejected, "k", strconv.FormatInt(k.Rejected, 10), "open", strconv.Itoa(k.RejectedOpen))
	fs = append(fs, fact{label: txtDOutbox, value: outbox})

	store := m.t(txtVStoreUnknown)
	if k.StoreKnown {
		store = m.tf(txtVStore, "used", bytesText(k.StoreUsedBytes), "max", bytesText(k.StoreMaxBytes),
			"pct", strconv.FormatInt(percent(k.StoreUsedBytes, k.StoreMaxBytes), 10), "level", m.storeLevel(k.StoreLevel))
	}
	journal := m.t(txtVJournalUnk)
	if k.JournalKnown {
		journal = m.tf(txtVJournal, "seq", strconv.FormatInt(k.CheckpointSeq, 10), "at", m.when(k.CheckpointAt),
			"head", strconv.FormatInt(k.HeadSeq, 10))
	}
	if k.JournalRegressed {
		journal += m.commaSep() + m.t(txtDRegressed)
	}
	fs = append(fs, fact{label: txtDStore, value: store + sep + journal,
		warn: k.JournalRegressed || (k.StoreKnown && k.StoreLevel != "" && k.StoreLevel != "ok")})

	fs = append(fs, fact{label: txtDSoftware, value: m.tf(txtVSoftware, "v", narrowSafe(k.Version),
		"profile", narrowSafe(k.Profile), "n", strconv.Itoa(k.OpenCalls))})

	if len(k.Devices) == 0 {
		fs = append(fs, fact{label: txtDDevices, value: m.t(txtDNoDevices)})
	}
	for i, d := range k.Devices {
		kind := narrowSafe(d.Kind)
		if w, ok := deviceKindWords()[d.Kind]; ok {
			kind = m.pick(w)
		}
		v := m.tf(txtVDevice, "kind", kind, "state", m.deviceState(d.State))
		if !d.Since.IsZero() {
			v = m.tf(txtVDeviceSince, "kind", kind, "state", m.deviceState(d.State), "since", m.when(d.Since))
		}
		if d.Name != "" {
			v += sep + narrowSafe(d.Name)
		}
		label := textKey("")
		if i == 0 {
			label = txtDDevices
		}
		fs = append(fs, fact{label: label, value: v, warn: d.State != "ok" && d.State != "simulated"})
	}
	return fs
}

func (m *Model) storeLevel(level string) string {
	switch level {
	case "ok", "":
		return m.t(txtStoreOK)
	case "high":
		return m.t(txtStoreHigh)
	case "stop":
		return m.t(txtStoreStop)
	}
	return narrowSafe(level)
}

// factLines lays the facts out as a label column and wrapped values.
func (m *Model) factLines(k Kiosk) []string {
	fs := m.facts(k)
	labelW := 0
	for _, f := range fs {
		if f.label != "" {
			labelW = max(labelW, ansi.StringWidth(m.t(f.label)))
		}
	}
	labelW += 2
	var out []string
	for _, f := range fs {
		label := ""
		if f.label != "" {
			label = m.t(f.label)
		}
		valW := max(m.w-1-labelW, 8)
		for i, l := range strings.Split(wrap(f.value, valW), "\n") {
			lab := strings.Repeat(" ", labelW)
			if i == 0 {
				lab = m.st.Label.Render(fit(label, labelW))
			}
			val := fit(l, valW)
			if f.warn {
				val = m.st.Warn.Render(val)
			}
			out = append(out, fit(" "+lab+val, m.w))
		}
	}
	return out
}

// rejRows is how many rejections the detail view shows at a time.
func (m *Model) rejRows() int {
	k, ok := m.detailKiosk()
	if m.detail == "" || !ok {
		return 1
	}
	// header, title, facts, rule, the list's title and heads, status, keys
	used := 1 + 1 + len(m.factLines(k)) + 1 + 2 + m.statusHeight() + 1
	return max(m.h-used, 1)
}

func (m *Model) detailLines() []string {
	ls := []string{m.header()}
	k, ok := m.detailKiosk()
	if !ok {
		text := m.t(txtDetailGone)
		if !m.loaded {
			text = m.t(txtLoading)
		}
		ls = append(ls, fit(" "+text, m.w))
	} else {
		ls = append(ls, m.st.BandTitle.Render(fit(" "+m.tf(txtDetailTitle, "name", narrowSafe(k.Name), "id", narrowSafe(k.ID),
			"hall", narrowSafe(k.Hall)), m.w)))
		ls = append(ls, m.factLines(k)...)
		ls = append(ls, m.st.Rule.Render(strings.Repeat("-", m.w)))
		ls = append(ls, m.rejectionLines()...)
	}
	return m.bottom(ls)
}

// rejColumns are the widths of the rejection list's columns: operation id, type, time, reasons
// (which takes what is left) and who followed it up when.
func (m *Model) rejColumns() (op, typ, at, reasons, follow int) {
	op, typ, at, follow = 20, 8, 11, 16
	if m.w >= 120 {
		op = 36
	}
	reasons = max(m.w-2-op-typ-at-follow-4, 8)
	return
}

func (m *Model) rejectionLines() []string {
	open := 0
	for _, r := range m.rej {
		if r.FollowedUpAt.IsZero() {
			open++
		}
	}
	rows := m.rejRows()
	title := " " + m.tf(txtDRejections, "n", strconv.Itoa(len(m.rej)), "open", strconv.Itoa(open))
	ls := []string{m.st.BandTitle.Render(spread(title, rangeText(m.rejTop, rows, len(m.rej)), m.w))}
	switch {
	case m.rejErr != nil && m.rejFor == m.detail:
		ls[0] = m.st.Error.Render(fit(" "+m.tf(txtDRejFailed, "why", m.errText(m.rejErr)), m.w))
	case !m.rejLoaded:
		return append(ls, m.st.Dim.Render(fit("  "+m.t(txtDRejLoading), m.w)))
	case len(m.rej) == 0:
		return append(ls, m.st.Dim.Render(fit("  "+m.t(txtDNoRejections), m.w)))
	}
	opW, typW, atW, reasonsW, followW := m.rejColumns()
	heads := "  " + fit(m.t(txtColOp), opW) + " " + fit(m.t(txtColType), typW) + " " + fit(m.t(txtColAt), atW) + " " +
		fit(m.t(txtColReasons), reasonsW) + " " + fit(m.t(txtColFollow), followW)
	ls = append(ls, m.st.ColHeads.Render(fit(heads, m.w)))
	sel := m.rejIndex()
	for i := m.rejTop; i < len(m.rej) && i < m.rejTop+rows; i++ {
		r := m.rej[i]
		follow := m.t(txtDToFollow)
		if !r.FollowedUpAt.IsZero() {
			follow = m.tf(txtDFollowedBy, "who", narrowSafe(r.FollowedUpBy), "at", m.when(r.FollowedUpAt))
		}
		reasons := narrowSafe(strings.Join(r.Reasons, ","))
		line := "  " + fit(narrowSafe(r.OpID), opW) + " " + fit(narrowSafe(r.Type), typW) + " " +
			fit(r.At.In(m.now().Location()).Format("01-02 15:04"), atW) + " " + fit(reasons, reasonsW) + " "
		switch {
		case i == sel:
			ls = append(ls, m.st.Selected.Render(fit(">"+line[1:]+follow, m.w)))
		case r.FollowedUpAt.IsZero():
			ls = append(ls, fit(line+m.st.Warn.Render(fit(follow, followW)), m.w))
		default:
			ls = append(ls, m.st.Dim.Render(fit(line+follow, m.w)))
		}
	}
	return ls
}
