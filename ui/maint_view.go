package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

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
		body = s.syncView()
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

func (s *maint) syncView() []string {
	c, st := s.c, s.c.Styles
	if s.sync == nil {
		return []string{s.waiting(txtMaintLoading)}
	}
	status := s.sync.Status
	state := map[uplink.State]textKey{uplink.Online: txtNetOnline, uplink.Degraded: txtNetDegraded,
		uplink.Offline: txtNetOffline}[status.State]
	first := st.Value.Render(c.T(state))
	if !status.Since.IsZero() {
		first += "  " + st.Text.Render(c.T(txtMaintSyncSince, "time", stamp(status.Since)))
	}
	last := c.T(txtMaintSyncNever)
	if !status.LastSuccess.IsZero() {
		last = stamp(status.LastSuccess)
	}
	lines := []string{first, st.Text.Render(c.T(txtMaintSyncLast, "time", last))}
	if status.LastError != "" {
		lines = append(lines, st.Text.Render(c.T(txtMaintSyncError, "error", narrowSafe(status.LastError))))
	}
	ob := s.sync.Outbox
	n := func(state storage.State) string { return strconv.Itoa(ob[state]) }
	lines = append(lines,
		st.Text.Render(s.wrap(c.T(txtMaintSyncOutbox, "queued", n(storage.StateQueued), "sent", n(storage.StateSent),
			"acked", n(storage.StateAcked)))),
		st.Value.Render(c.T(txtMaintSyncRejected, "n", n(storage.StateRejected))),
		st.Text.Render(c.T(txtMaintSyncFile, "size", byteSize(s.sync.FileSize))),
	)
	return []string{strings.Join(lines, "\n")}
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
