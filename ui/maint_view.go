package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/device"
	"github.com/hallkiosk/kiosk/internal/pin"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/service"
	"github.com/hallkiosk/kiosk/storage"
	"github.com/hallkiosk/kiosk/uplink"
)

// maintMenuItems are the menu's tasks in digit order.
func maintMenuItems() []textKey {
	return []textKey{txtMaintMenuSync, txtMaintMenuRejected, txtMaintMenuDevices, txtMaintMenuPrinter,
		txtMaintMenuCompact, txtMaintMenuJournal, txtMaintMenuExit}
}

// page is the title of each phase's page.
func (s *maint) page() textKey {
	switch s.phase {
	case maintMenu:
		return txtMaintMenu
	case maintSync:
		return txtMaintMenuSync
	case maintRejected, maintDismiss:
		return txtMaintMenuRejected
	case maintDevices:
		return txtMaintMenuDevices
	case maintPrint:
		return txtMaintMenuPrinter
	case maintCompact:
		return txtMaintMenuCompact
	case maintJournal:
		return txtMaintMenuJournal
	case maintExit:
		return txtMaintMenuExit
	}
	return ""
}

func (s *maint) View() string {
	c, st := s.c, s.c.Styles
	title := c.T(txtMaintTitle)
	if p := s.page(); p != "" {
		title = c.T(txtMaintTitleWith, "page", c.T(p))
	}
	blocks := []string{st.Title.Render(s.wrap(title))}
	var body []string
	switch s.phase {
	case maintNotSetUp:
		body = []string{st.Error.Render(s.wrap("! " + c.T(txtMaintNotSetUp)))}
	case maintNoStore:
		body = []string{st.Text.Render(s.wrap(c.T(txtMaintUnavailable)))}
	case maintPIN:
		body = s.pinView()
	case maintMenu:
		body = s.menuView()
	case maintSync:
		return s.syncView(blocks[0])
	case maintRejected, maintDismiss:
		return s.rejectedView(blocks[0])
	case maintDevices:
		body = s.devicesView()
	case maintPrint:
		body = []string{s.waiting(txtMaintPrintRunning)}
	case maintCompact:
		body = []string{s.waiting(txtMaintCompactRunning)}
	case maintJournal:
		body = []string{s.waiting(txtMaintJournalRunning)}
	case maintExit:
		body = []string{st.Value.Render(s.wrap(c.T(txtMaintExitConfirm)))}
	}
	blocks = append(blocks, body...)
	if n := s.noteView(); n != "" {
		blocks = append(blocks, n)
	}
	return stack(blocks, st.SpaceBetween, s.h)
}

func (s *maint) wrap(text string) string { return wrap(text, max(s.w, 20)) }

// noteView is the note: an answer, or what went wrong.
func (s *maint) noteView() string {
	if s.note == nil {
		return ""
	}
	text := s.c.T(s.note.text, s.note.kv...)
	if s.note.bad {
		return s.c.Styles.Error.Render(s.wrap("! " + text))
	}
	return s.c.Styles.Value.Render(s.wrap(text))
}

// waiting says a task runs while its answer is awaited.
func (s *maint) waiting(k textKey) string {
	if s.pending == 0 {
		return ""
	}
	return s.c.Styles.Text.Render(s.wrap(s.c.T(k)))
}

func (s *maint) pinView() []string {
	c, st := s.c, s.c.Styles
	if s.locked() {
		return []string{st.Error.Render(s.wrap("! " + c.T(txtMaintPINLocked, "time", clock(s.until))))}
	}
	fieldStyle := st.FieldActive
	value := strings.Repeat("*", len(s.pinBuf)) + "_"
	if s.pending != 0 {
		fieldStyle, value = st.Field, ""
	}
	return []string{
		st.Text.Render(s.wrap(c.T(txtMaintPINPrompt))),
		st.Label.Render(c.T(txtMaintPINLabel)) + "\n  " + field(fieldStyle, value, pin.MaxLen+1),
	}
}

func (s *maint) menuView() []string {
	c, st := s.c, s.c.Styles
	items := make([]string, 0, len(maintMenuItems()))
	for i, k := range maintMenuItems() {
		items = append(items, st.Option.Render("["+strconv.Itoa(i+1)+"]")+" "+st.Value.Render(c.T(k)))
	}
	return []string{strings.Join(items, "\n"), st.Text.Render(s.wrap(c.T(txtMaintMenuHint)))}
}

// syncView is the sync page: the title, then the sections' lines from the scroll position
// on, as many as fit, with a line saying where the window is when not all do.
func (s *maint) syncView(title string) string {
	c, st := s.c, s.c.Styles
	head := []string{title, ""}
	if s.sync == nil {
		head = append(head, s.waiting(txtMaintLoading))
		if n := s.noteView(); n != "" {
			head = append(head, "", n)
		}
		return strings.Join(head, "\n")
	}
	all := s.syncLines()
	foot := ""
	if n := s.noteView(); n != "" {
		foot = n
	}
	room := s.syncRoom(title, foot)
	shown, top := all, 0
	if len(all) > room {
		top = min(s.scroll, len(all)-(room-1))
		shown = all[top : top+room-1]
		more := c.T(txtMaintSyncMore, "from", strconv.Itoa(top+1), "to", strconv.Itoa(top+len(shown)),
			"n", strconv.Itoa(len(all)))
		shown = append(shown, st.Placeholder.Render(ansi.Truncate(more, max(s.w, 20), "")))
	}
	out := append(head, shown...)
	if foot != "" {
		out = append(out, "", foot)
	}
	return strings.Join(out, "\n")
}

// syncRoom is how many lines the sync page has for its sections under the title and above the
// note (a blank line before each).
func (s *maint) syncRoom(title, foot string) int {
	used := strings.Count(title, "\n") + 2
	if foot != "" {
		used += strings.Count(foot, "\n") + 2
	}
	return max(s.h-used, 2)
}

// syncScrollMax is the furthest the sync page scrolls: 0 when everything fits.
func (s *maint) syncScrollMax() int {
	if s.sync == nil {
		return 0
	}
	title := s.c.Styles.Title.Render(s.wrap(s.c.T(txtMaintTitleWith, "page", s.c.T(txtMaintMenuSync))))
	room, n := s.syncRoom(title, s.noteView()), len(s.syncLines())
	if n <= room {
		return 0
	}
	return n - (room - 1)
}

// syncLine is one statement of the sync page; warn marks what staff must act on.
type syncLine struct {
	text string
	warn bool
}

// syncSection is a labelled group of statements.
type syncSection struct {
	label textKey
	lines []syncLine
}

// syncLines lays the sections out: labels in a column as wide as the longest in the current
// language, statements wrapped beside them.
func (s *maint) syncLines() []string {
	c, st := s.c, s.c.Styles
	sections := s.syncSections()
	labelW := 0
	for _, sec := range sections {
		labelW = max(labelW, ansi.StringWidth(c.T(sec.label)))
	}
	labelW += 2
	valueW := max(s.w-labelW, 20)
	var out []string
	for _, sec := range sections {
		label := c.T(sec.label)
		first := true
		for _, l := range sec.lines {
			style := st.Text
			if l.warn {
				style = st.Error
			}
			for _, part := range strings.Split(wrap(l.text, valueW), "\n") {
				lead := strings.Repeat(" ", labelW)
				if first {
					lead = st.Label.Render(label) + strings.Repeat(" ", labelW-ansi.StringWidth(label))
					first = false
				}
				out = append(out, lead+style.Render(part))
			}
		}
	}
	return out
}

// syncSections words the sync state: the link and its problem, the operations waiting and
// rejected, the store's fill, the journal's checkpoint, the clock and the outages.
func (s *maint) syncSections() []syncSection {
	c, state := s.c, s.sync
	status := state.Status
	plain := func(text string) syncLine { return syncLine{text: text} }

	link := c.T(conditionOf(status, true).headerText())
	if !status.Since.IsZero() {
		link += "  " + c.T(txtMaintSyncSince, "time", stamp(status.Since))
	}
	last := c.T(txtMaintSyncNever)
	if !status.LastSuccess.IsZero() {
		last = stamp(status.LastSuccess)
	}
	linkLines := []syncLine{{text: link, warn: status.State != uplink.Online}, plain(c.T(txtMaintSyncLast, "time", last))}
	if status.LastError != "" {
		linkLines = append(linkLines, plain(c.T(txtMaintSyncError, "error", narrowSafe(status.LastError))))
	}

	return []syncSection{
		{txtMaintSyncLabelLink, linkLines},
		{txtMaintSyncLabelOps, s.opsLines()},
		{txtMaintSyncLabelStore, s.storeLines()},
		{txtMaintSyncLabelJournal, []syncLine{plain(s.journalLine())}},
		{txtMaintSyncLabelClock, s.clockLines()},
		{txtMaintSyncLabelOutage, s.outageLines()},
	}
}

// opsLines are the operations waiting for the platform (an old file's "sent" ones count as
// waiting: they were never answered) with the oldest one's age, and the rejected ones.
func (s *maint) opsLines() []syncLine {
	c, ob, status := s.c, s.sync.Outbox, s.sync.Status
	waiting := ob[storage.StateQueued] + ob[storage.StateSent]
	n := strconv.Itoa(waiting)
	text := c.T(txtMaintSyncWaitingNone)
	switch {
	case waiting > 0 && !status.OldestPending.IsZero():
		text = c.T(txtMaintSyncWaitingOldest, "n", n, "age", s.span(c.Now().Sub(status.OldestPending)))
	case waiting > 0:
		text = c.T(txtMaintSyncWaiting, "n", n)
	}
	rejected := ob[storage.StateRejected]
	return []syncLine{{text: text},
		{text: c.T(txtMaintSyncRejected, "n", strconv.Itoa(rejected)), warn: rejected > 0}}
}

// storeLines are the store's fill: used and limit, the file, the disk and its reserve, and the
// level with what it means for the kiosk's work.
func (s *maint) storeLines() []syncLine {
	c, f := s.c, s.sync.Status.Fill
	if f.Level == "" { // the sync engine has not measured it yet
		return []syncLine{{text: c.T(txtMaintSyncStoreUnmeasured, "file", shortSize(s.sync.FileSize))}}
	}
	out := []syncLine{{text: c.T(txtMaintSyncStoreUsed, "used", shortSize(f.UsedBytes), "max", shortSize(f.MaxBytes),
		"file", shortSize(f.FileBytes))}}
	disk := c.T(txtMaintSyncDiskUnknown)
	if f.DiskFreeBytes >= 0 {
		disk = c.T(txtMaintSyncDisk, "free", shortSize(f.DiskFreeBytes))
	}
	reserve := c.T(txtMaintSyncReserveOut)
	if f.Reserve {
		reserve = c.T(txtMaintSyncReserveIn)
	}
	out = append(out, syncLine{text: disk + c.T(txtListSep) + reserve, warn: !f.Reserve})
	switch f.Level {
	case storage.LevelStop:
		out = append(out, syncLine{text: c.T(txtMaintSyncLevelStop), warn: true})
	case storage.LevelHigh:
		out = append(out, syncLine{text: c.T(txtMaintSyncLevelHigh), warn: true})
	default:
		out = append(out, syncLine{text: c.T(txtMaintSyncLevelOK)})
	}
	return out
}

// journalLine is the journal's checkpoint (the first 12 hex digits of its hash: enough to
// compare with what the platform holds) and head.
func (s *maint) journalLine() string {
	c, cp := s.c, s.sync.Status.Checkpoint
	head := strconv.FormatInt(cp.HeadSeq, 10)
	if cp.Seq == 0 {
		return c.T(txtMaintSyncNoCheckpoint, "head", head)
	}
	hash := cp.Hash
	if len(hash) > 12 {
		hash = hash[:12]
	}
	return c.T(txtMaintSyncCheckpoint, "seq", strconv.FormatInt(cp.Seq, 10), "hash", narrowSafe(hash),
		"time", stamp(cp.At), "kept", strconv.FormatInt(max(cp.HeadSeq-cp.Seq, 0), 10), "head", head)
}

// clockLines are the kiosk's clock against the platform's, and whether card payments are
// taken offline with it (the offline policy's rule, clockFitForMoney).
func (s *maint) clockLines() []syncLine {
	c, status := s.c, s.sync.Status
	if !status.ClockKnown {
		return []syncLine{{text: c.T(txtMaintSyncClockUnknown), warn: true}}
	}
	skew := status.ClockSkew.Round(time.Second)
	secs := strconv.FormatInt(int64(skew/time.Second), 10)
	var text string
	switch {
	case skew > 0:
		text = c.T(txtMaintSyncClockFast, "span", s.span(skew), "secs", "+"+secs)
	case skew < 0:
		text = c.T(txtMaintSyncClockSlow, "span", s.span(-skew), "secs", secs)
	default:
		text = c.T(txtMaintSyncClockSame)
	}
	out := []syncLine{{text: text}}
	if !clockFitForMoney(status) {
		out[0].warn = true
		out = append(out, syncLine{text: c.T(txtMaintSyncClockTooFar, "limit", s.span(model.MaxOfflineClockSkew)), warn: true})
	}
	return out
}

// outageLines are the last outage's failed attempts and what the engine sent and had answered
// since it started (their difference is what outages cost in resending).
func (s *maint) outageLines() []syncLine {
	c, status := s.c, s.sync.Status
	text := c.T(txtMaintSyncOutageNone)
	if status.LastOutage > 0 {
		text = c.T(txtMaintSyncOutage, "n", strconv.Itoa(status.LastOutage))
	}
	return []syncLine{{text: text},
		{text: c.T(txtMaintSyncSentDone, "sent", strconv.Itoa(status.OpsSent), "done", strconv.Itoa(status.OpsDone))}}
}

// span is a duration in its two largest units ("2 小时 5 分", "10 min 0 s"), negative as zero.
func (s *maint) span(d time.Duration) string {
	d = max(d, 0).Round(time.Second)
	days, hours := int(d/(24*time.Hour)), int(d/time.Hour)%24
	mins, secs := int(d/time.Minute)%60, int(d/time.Second)%60
	n := strconv.Itoa
	switch {
	case days > 0:
		return s.c.T(txtMaintSpanDH, "d", n(days), "h", n(hours))
	case hours > 0:
		return s.c.T(txtMaintSpanHM, "h", n(hours), "m", n(mins))
	case mins > 0:
		return s.c.T(txtMaintSpanMS, "m", n(mins), "s", n(secs))
	}
	return s.c.T(txtMaintSpanS, "s", n(secs))
}

func (s *maint) devicesView() []string {
	c, st := s.c, s.c.Styles
	d := c.Devices
	var lines []string
	row := func(kind textKey, present bool, info func() device.Info) {
		state := c.T(txtMaintDeviceNone)
		name := ""
		if present {
			i := info()
			name = "  " + narrowSafe(i.Name)
			state = c.T(txtMaintDeviceOK)
			if i.Simulated {
				state = c.T(txtMaintDeviceSimulated)
			}
		}
		lines = append(lines, st.Label.Render(c.T(kind))+"  "+st.Value.Render(state)+st.Text.Render(name))
	}
	row(txtMaintDeviceFace, d.Face != nil, func() device.Info { return d.Face.Info() })
	row(txtMaintDeviceCard, d.Card != nil, func() device.Info { return d.Card.Info() })
	row(txtMaintDevicePrinter, d.Printer != nil, func() device.Info { return d.Printer.Info() })
	row(txtMaintDeviceIDReader, d.IDReader != nil, func() device.Info { return d.IDReader.Info() })
	return []string{strings.Join(lines, "\n")}
}

// rejectedView lists the rejected operations, the highlighted one marked, as many as fit; in
// the dismiss phase the question replaces the count.
func (s *maint) rejectedView(title string) string {
	c, st := s.c, s.c.Styles
	head := []string{title}
	switch {
	case !s.loaded && s.note == nil:
		head = append(head, s.waiting(txtMaintLoading))
		return stack(head, st.SpaceBetween, s.h)
	case s.phase == maintDismiss:
		seq := strconv.FormatInt(s.rejected[s.sel].Seq, 10)
		head = append(head, st.Value.Render(s.wrap(c.T(txtMaintRejectedConfirm, "seq", seq))))
	case len(s.rejected) == 0:
		head = append(head, st.Text.Render(c.T(txtMaintRejectedNone)))
	default:
		head = append(head, st.Text.Render(c.T(txtMaintRejectedCount, "n", strconv.Itoa(len(s.rejected)))))
	}
	if n := s.noteView(); n != "" {
		head = append(head, n)
	}
	top := stack(head, 0, s.h)
	room := s.h - strings.Count(top, "\n") - 2 // a blank line between head and list
	if len(s.rejected) == 0 || room < 1 {
		return top
	}
	items := make([]string, len(s.rejected))
	for i, r := range s.rejected {
		items[i] = s.rejectedItem(r, i == s.sel)
	}
	var shown []string
	used := 0
	for _, it := range items[firstShown(items, s.sel, room):] {
		h := strings.Count(it, "\n") + 1
		if used+h > room && used > 0 {
			break
		}
		shown = append(shown, it)
		used += h
	}
	return top + "\n\n" + strings.Join(shown, "\n")
}

// firstShown is the first item drawn: the list starts at the top and scrolls only as far as it
// must for the highlighted item to be drawn whole (View draws; it changes nothing).
func firstShown(items []string, sel, room int) int {
	top, height := 0, 0
	for i := 0; i <= sel; i++ {
		height += strings.Count(items[i], "\n") + 1
	}
	for top < sel && height > room {
		height -= strings.Count(items[top], "\n") + 1
		top++
	}
	return top
}

// rejectedItem is one rejected operation: number, type, when queued, and the server's
// reasons worded from the reason catalogue. Nothing of the person: the op itself is not here.
func (s *maint) rejectedItem(r service.RejectedOp, selected bool) string {
	c, st := s.c, s.c.Styles
	marker, style := "  ", st.Text
	if selected {
		marker, style = "> ", st.FieldActive
	}
	line := c.T(txtMaintRejectedLine, "seq", strconv.FormatInt(r.Seq, 10), "type", s.opName(r.Type),
		"queued", stamp(r.QueuedAt))
	out := []string{marker + style.Render(line)}
	w := max(s.w-4, 16)
	if len(r.Reasons) == 0 {
		out = append(out, "    "+st.Text.Render(c.T(txtMaintRejectedNoReason)))
	}
	for _, reason := range r.Reasons {
		text := string(reason.Code) + ": " + c.Reason(reason).Message
		out = append(out, indent(st.Remedy.Render(wrap(text, w)), 4))
	}
	return strings.Join(out, "\n")
}

// opName names an operation type; an unknown one shows as its code.
func (s *maint) opName(t string) string {
	names := map[string]textKey{api.OpProcess: txtOpProcess, api.OpPay: txtOpPay, api.OpBind: txtOpBind,
		api.OpUnbind: txtOpUnbind, api.OpFollow: txtOpFollow, api.OpUnfollow: txtOpUnfollow}
	if k, ok := names[t]; ok {
		return s.c.T(k)
	}
	return narrowSafe(t)
}

// stamp is a moment as the hall's clock shows it.
func stamp(t time.Time) string { return t.In(model.ChinaZone()).Format("2006-01-02 15:04:05") }

// clock is a time of day as the hall's clock shows it (a lock's end: minutes away).
func clock(t time.Time) string { return t.In(model.ChinaZone()).Format("15:04:05") }

// shortSize is a size to read at a glance ("7.5 MiB"); the exact bytes are in byteSize.
func shortSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// byteSize is a file size for staff: exact bytes, and KiB or MiB to read at a glance.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d B (%.1f MiB)", n, float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d B (%.1f KiB)", n, float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
