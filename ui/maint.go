package ui

import (
	"context"
	"errors"
	"strconv"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/device"
	"github.com/hallkiosk/kiosk/internal/pin"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/service"
	"github.com/hallkiosk/kiosk/storage"
)

// Maintenance is what the staff maintenance screen asks of the kiosk beyond Services. The
// screen finds it on Common.Services by type assertion (*service.Service implements it), so
// the flows' interface stays as it is. Nothing here returns personal data.
type Maintenance interface {
	SyncState() (service.SyncState, error)
	Rejected() ([]service.RejectedOp, error)
	DismissRejected(seq int64) error
	Compact() (before, after int64, err error)
	VerifyJournal() (int, error)
	// MaintLock and SetMaintLock keep the PIN's failure count and lock in the kiosk's store,
	// so that they survive the restart after every session.
	MaintLock() (failures int, until time.Time, err error)
	SetMaintLock(failures int, until time.Time) error
}

// The PIN lockout: after maxPINFailures wrong PINs in a row, no PIN is checked for pinLockFor.
const (
	maxPINFailures = 5
	pinLockFor     = 5 * time.Minute
	printTimeout   = 30 * time.Second
)

// maint is the staff maintenance screen: a PIN, then a menu of upkeep tasks. It opens only from
// the welcome screen, so no session's data can be reached from it, and it shows none itself.
type maint struct {
	c    *Common
	svc  Maintenance // nil when the store is not up yet
	hash string      // the PIN's argon2id hash; "" when maintenance is not set up
	w, h int

	phase   maintPhase
	pending uint64 // the request waited for; 0 when none
	note    *maintNote

	pinBuf []byte
	until  time.Time // the PIN lock's end as last read; zero when not locked

	sync     *service.SyncState
	scroll   int // the sync page's first line shown
	rejected []service.RejectedOp
	loaded   bool // rejected holds an answer
	sel      int  // the highlighted rejected op
}

type maintPhase int

const (
	maintNotSetUp maintPhase = iota // no PIN hash configured: says so, nothing else
	maintNoStore                    // the services are not up: no lock can be kept yet
	maintPIN
	maintMenu
	maintSync
	maintRejected
	maintDismiss // confirm dismissing the highlighted rejected op
	maintDevices
	maintPrint
	maintCompact
	maintJournal
	maintExit // confirm exiting the program
)

// maintNote is a line the screen says: a catalogue text with its placeholders' values (name,
// value pairs), kept as a code so that a language switch rewords it. The values are
// language-neutral: numbers, sizes, times, paths, an error's text for staff.
type maintNote struct {
	text textKey
	kv   []string
	bad  bool
}

func note(k textKey, kv ...string) *maintNote { return &maintNote{text: k, kv: kv} }
func badNote(k textKey, kv ...string) *maintNote {
	return &maintNote{text: k, kv: kv, bad: true}
}

// Results of the screen's requests; each carries the id of its request.
type (
	pinLockMsg struct {
		req   uint64
		until time.Time
		err   error
	}
	pinAttemptMsg struct {
		req     uint64
		outcome pinOutcome
		left    int       // tries before the lock, after a wrong PIN
		until   time.Time // the lock's end, when locked
		err     error
	}
	maintSyncMsg struct {
		req uint64
		st  service.SyncState
		err error
	}
	maintRejectedMsg struct {
		req  uint64
		list []service.RejectedOp
		err  error
	}
	maintDismissedMsg struct {
		req uint64
		seq int64
		err error
	}
	maintPrintedMsg struct {
		req   uint64
		where string
		err   error
	}
	maintCompactedMsg struct {
		req           uint64
		before, after int64
		err           error
	}
	maintVerifiedMsg struct {
		req uint64
		n   int
		err error
	}
)

type pinOutcome int

const (
	pinAccepted pinOutcome = iota
	pinWrong
	pinLocked
	pinFailed // the lock could not be read or written, or the hash is unusable
)

func newMaint(c *Common, hash string) *maint {
	s := &maint{c: c, hash: hash, phase: maintPIN}
	s.svc, _ = c.Services.(Maintenance)
	switch {
	case hash == "":
		s.phase = maintNotSetUp
	case s.svc == nil:
		s.phase = maintNoStore
	}
	return s
}

func (s *maint) SetSize(w, h int)       { s.w, s.h = w, h }
func (s *maint) Timeout() time.Duration { return s.c.IdleTimeout }
func (s *maint) HelpText() textKey      { return txtHelpMaint }

// Init reads the PIN lock, so that a locked kiosk says so before anyone types.
func (s *maint) Init() tea.Cmd {
	if s.phase != maintPIN {
		return nil
	}
	svc, req, now := s.svc, s.c.newRequest(), s.c.Now()
	s.pending = req
	return func() tea.Msg {
		until, err := currentLock(svc, now)
		return pinLockMsg{req: req, until: until, err: err}
	}
}

// currentLock reads the lock in force at now (zero: none). A lock ending further away than
// pinLockFor means the clock was set back; it is shortened on disk to end pinLockFor from now,
// so that it does expire.
func currentLock(svc Maintenance, now time.Time) (time.Time, error) {
	failures, stored, err := svc.MaintLock()
	if err != nil {
		return time.Time{}, err
	}
	until := lockEnd(stored, now)
	if !until.IsZero() && !until.Equal(stored) {
		if err := svc.SetMaintLock(failures, until); err != nil {
			return time.Time{}, err
		}
	}
	return until, nil
}

func (s *maint) Help() []key.Binding {
	k := s.c.Keys
	switch s.phase {
	case maintPIN:
		return []key.Binding{k.Confirm, k.Delete, k.Back}
	case maintMenu:
		return []key.Binding{maintChooseKey(), k.Back}
	case maintSync:
		if s.syncScrollMax() > 0 {
			return []key.Binding{k.Up, k.Down, withHelp(k.Confirm, txtMaintKeyRefresh), k.Back}
		}
		return []key.Binding{withHelp(k.Confirm, txtMaintKeyRefresh), k.Back}
	case maintRejected:
		if len(s.rejected) > 0 {
			return []key.Binding{k.Up, k.Down, withHelp(k.Confirm, txtMaintKeyDismiss), k.Back}
		}
	case maintDismiss:
		return []key.Binding{withHelp(k.Confirm, txtMaintKeyDismiss), k.Back}
	case maintExit:
		return []key.Binding{withHelp(k.Confirm, txtMaintKeyExit), k.Back}
	}
	return []key.Binding{k.Back}
}

// maintChooseKey is the menu's digits in the key line.
func maintChooseKey() key.Binding {
	return key.NewBinding(key.WithKeys("1", "2", "3", "4", "5", "6", "7"),
		key.WithHelp("1-7", string(txtMaintKeyChoose)))
}

// withHelp is b described by another text (Enter that dismisses, Enter that exits).
func withHelp(b key.Binding, desc textKey) key.Binding {
	b.SetHelp(b.Help().Key, string(desc))
	return b
}

func (s *maint) Update(msg tea.Msg) (Screen, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		return s, s.onKey(k)
	}
	return s, s.onResult(msg)
}

func (s *maint) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	switch s.phase {
	case maintPIN:
		return s.onPINKey(msg)
	case maintMenu:
		if d, ok := digit(msg); ok {
			return s.open(d)
		}
		if key.Matches(msg, k.Back) {
			return navigate(navWelcome{})
		}
		return nil
	case maintRejected:
		return s.onRejectedKey(msg)
	case maintDismiss:
		switch {
		case key.Matches(msg, k.Confirm) && s.pending == 0:
			return s.dismiss()
		case key.Matches(msg, k.Back):
			s.phase, s.pending, s.note = maintRejected, 0, nil
		}
		return nil
	case maintSync:
		switch {
		case key.Matches(msg, k.Confirm):
			return s.loadSync()
		case key.Matches(msg, k.Up):
			s.scroll = max(min(s.scroll, s.syncScrollMax())-1, 0)
			return nil
		case key.Matches(msg, k.Down):
			s.scroll = min(s.scroll+1, s.syncScrollMax())
			return nil
		}
	case maintExit:
		if key.Matches(msg, k.Confirm) {
			return tea.Quit
		}
	}
	if key.Matches(msg, k.Back) {
		return s.back()
	}
	return nil
}

// back goes up one level: from a task to the menu, from anything else out of maintenance.
func (s *maint) back() tea.Cmd {
	switch s.phase {
	case maintNotSetUp, maintNoStore, maintPIN, maintMenu:
		return navigate(navWelcome{})
	}
	s.phase, s.pending, s.note = maintMenu, 0, nil // a late answer is dropped
	return nil
}

func (s *maint) onPINKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	if key.Matches(msg, k.Back) {
		s.clearPIN()
		return navigate(navWelcome{})
	}
	if s.pending != 0 || s.locked() {
		return nil // checking, or locked: nothing typed counts
	}
	if d, ok := digit(msg); ok {
		s.note = nil
		if len(s.pinBuf) < pin.MaxLen {
			s.pinBuf = append(s.pinBuf, d)
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Delete):
		s.note = nil
		if n := len(s.pinBuf); n > 0 {
			s.pinBuf[n-1] = 0
			s.pinBuf = s.pinBuf[:n-1]
		}
	case key.Matches(msg, k.Confirm):
		return s.submitPIN()
	}
	return nil
}

// locked reports whether the last known lock is still in force.
func (s *maint) locked() bool { return !s.until.IsZero() && s.c.Now().Before(s.until) }

func (s *maint) clearPIN() {
	clear(s.pinBuf)
	s.pinBuf = s.pinBuf[:0]
}

func (s *maint) submitPIN() tea.Cmd {
	if len(s.pinBuf) < pin.MinLen {
		s.note = badNote(txtMaintPINLength, "min", strconv.Itoa(pin.MinLen), "max", strconv.Itoa(pin.MaxLen))
		return nil
	}
	typed := string(s.pinBuf)
	s.clearPIN()
	s.note = note(txtMaintPINChecking)
	svc, hash, now, req := s.svc, s.hash, s.c.Now(), s.c.newRequest()
	s.pending = req
	return func() tea.Msg {
		m := attemptPIN(svc, hash, typed, now)
		m.req = req
		return m
	}
}

// attemptPIN checks a typed PIN under the lockout. The failure is recorded before the hash is
// computed and cleared only after a match, so a process killed in between has used up a try;
// while locked no PIN is checked at all.
func attemptPIN(svc Maintenance, hash, typed string, now time.Time) pinAttemptMsg {
	until, err := currentLock(svc, now)
	if err != nil {
		return pinAttemptMsg{outcome: pinFailed, err: err}
	}
	if !until.IsZero() {
		return pinAttemptMsg{outcome: pinLocked, until: until}
	}
	failures, _, err := svc.MaintLock()
	if err != nil {
		return pinAttemptMsg{outcome: pinFailed, err: err}
	}
	failures++
	if err := svc.SetMaintLock(failures, time.Time{}); err != nil {
		return pinAttemptMsg{outcome: pinFailed, err: err}
	}
	ok, err := pin.Check(hash, typed)
	if err != nil {
		return pinAttemptMsg{outcome: pinFailed, err: err}
	}
	if ok {
		if err := svc.SetMaintLock(0, time.Time{}); err != nil {
			return pinAttemptMsg{outcome: pinFailed, err: err}
		}
		return pinAttemptMsg{outcome: pinAccepted}
	}
	if failures < maxPINFailures {
		return pinAttemptMsg{outcome: pinWrong, left: maxPINFailures - failures}
	}
	until = now.Add(pinLockFor)
	if err := svc.SetMaintLock(0, until); err != nil {
		return pinAttemptMsg{outcome: pinFailed, err: err}
	}
	return pinAttemptMsg{outcome: pinLocked, until: until}
}

// lockEnd is the end of a lock still in force at now, or zero. A lock ending further away than
// pinLockFor (the clock was set back) ends pinLockFor from now.
func lockEnd(until, now time.Time) time.Time {
	if until.IsZero() || !now.Before(until) {
		return time.Time{}
	}
	return minTime(until, now.Add(pinLockFor))
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// open starts the menu's task d ('1'..'7').
func (s *maint) open(d byte) tea.Cmd {
	s.note, s.pending = nil, 0
	switch d {
	case '1':
		s.phase, s.sync, s.scroll = maintSync, nil, 0
		return s.loadSync()
	case '2':
		s.phase, s.sel = maintRejected, 0
		return s.loadRejected()
	case '3':
		s.phase = maintDevices
	case '4':
		s.phase = maintPrint
		return s.printTest()
	case '5':
		s.phase = maintCompact
		return s.compact()
	case '6':
		s.phase = maintJournal
		return s.verify()
	case '7':
		s.phase = maintExit
	}
	return nil
}

func (s *maint) loadSync() tea.Cmd {
	svc, req := s.svc, s.c.newRequest()
	s.pending = req
	return func() tea.Msg {
		st, err := svc.SyncState()
		return maintSyncMsg{req: req, st: st, err: err}
	}
}

func (s *maint) loadRejected() tea.Cmd {
	svc, req := s.svc, s.c.newRequest()
	s.pending, s.loaded = req, false
	return func() tea.Msg {
		list, err := svc.Rejected()
		return maintRejectedMsg{req: req, list: list, err: err}
	}
}

func (s *maint) onRejectedKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	switch {
	case key.Matches(msg, k.Up) && s.sel > 0:
		s.sel--
	case key.Matches(msg, k.Down) && s.sel < len(s.rejected)-1:
		s.sel++
	case key.Matches(msg, k.Confirm) && s.pending == 0 && s.sel < len(s.rejected):
		s.phase, s.note = maintDismiss, nil
	case key.Matches(msg, k.Back):
		return s.back()
	}
	return nil
}

func (s *maint) dismiss() tea.Cmd {
	seq := s.rejected[s.sel].Seq
	svc, req := s.svc, s.c.newRequest()
	s.pending = req
	return func() tea.Msg {
		return maintDismissedMsg{req: req, seq: seq, err: svc.DismissRejected(seq)}
	}
}

// printTest prints a test page on the kiosk's printer, which may take a while (paper, a
// slow device): it runs in a command like everything else that waits.
func (s *maint) printTest() tea.Cmd {
	p := s.c.Devices.Printer
	if p == nil {
		s.note = badNote(txtMaintPrintNone)
		return nil
	}
	page := device.Doc{Title: s.c.T(txtMaintTestPage, "time", s.c.Now().In(model.ChinaZone()).Format("2006-01-02 15:04:05")),
		QR: s.c.verifyURL("test")}
	req := s.c.newRequest()
	s.pending = req
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), printTimeout)
		defer cancel()
		where, err := p.Print(ctx, page)
		return maintPrintedMsg{req: req, where: where, err: err}
	}
}

func (s *maint) compact() tea.Cmd {
	svc, req := s.svc, s.c.newRequest()
	s.pending = req
	return func() tea.Msg {
		before, after, err := svc.Compact()
		return maintCompactedMsg{req: req, before: before, after: after, err: err}
	}
}

func (s *maint) verify() tea.Cmd {
	svc, req := s.svc, s.c.newRequest()
	s.pending = req
	return func() tea.Msg {
		n, err := svc.VerifyJournal()
		return maintVerifiedMsg{req: req, n: n, err: err}
	}
}

// current reports whether req is the request the screen waits for, and stops waiting.
func (s *maint) current(req uint64) bool {
	if req == 0 || req != s.pending {
		return false // an answer nobody waits for any more
	}
	s.pending = 0
	return true
}

func (s *maint) onResult(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case pinLockMsg:
		if s.current(msg.req) && s.phase == maintPIN {
			s.until = msg.until
			if msg.err != nil {
				s.note = badNote(txtMaintPINError, "error", errText(msg.err))
			}
		}
	case pinAttemptMsg:
		if s.current(msg.req) && s.phase == maintPIN {
			s.onAttempt(msg)
		}
	case maintSyncMsg:
		if s.current(msg.req) && s.phase == maintSync {
			if msg.err != nil {
				s.note = badNote(txtMaintFailed, "error", errText(msg.err))
				return nil
			}
			s.sync = &msg.st
		}
	case maintRejectedMsg:
		if s.current(msg.req) && s.phase == maintRejected {
			if msg.err != nil {
				s.note = badNote(txtMaintFailed, "error", errText(msg.err))
				return nil
			}
			s.rejected, s.loaded = msg.list, true
			s.sel = min(s.sel, max(len(s.rejected)-1, 0))
		}
	case maintDismissedMsg:
		if s.current(msg.req) && s.phase == maintDismiss {
			s.phase = maintRejected
			if msg.err != nil && !errors.Is(msg.err, storage.ErrNotFound) {
				s.note = badNote(txtMaintFailed, "error", errText(msg.err))
				return nil
			}
			cmd := s.loadRejected() // a dismissal shows in a fresh list
			s.note = note(txtMaintRejectedDismissed, "seq", strconv.FormatInt(msg.seq, 10))
			return cmd
		}
	case maintPrintedMsg:
		if s.current(msg.req) && s.phase == maintPrint {
			if msg.err != nil {
				s.note = badNote(txtMaintPrintFailed, "error", errText(msg.err))
			} else {
				s.note = note(txtMaintPrintDone, "where", narrowSafe(msg.where))
			}
		}
	case maintCompactedMsg:
		if s.current(msg.req) && s.phase == maintCompact {
			if msg.err != nil {
				s.note = badNote(txtMaintFailed, "error", errText(msg.err))
			} else {
				s.note = note(txtMaintCompactDone, "before", byteSize(msg.before), "after", byteSize(msg.after),
					"freed", shortSize(max(msg.before-msg.after, 0)))
			}
		}
	case maintVerifiedMsg:
		if s.current(msg.req) && s.phase == maintJournal {
			s.note = journalNote(msg)
		}
	}
	return nil
}

func (s *maint) onAttempt(msg pinAttemptMsg) {
	s.note = nil
	switch msg.outcome {
	case pinAccepted:
		s.phase, s.until = maintMenu, time.Time{}
	case pinWrong:
		s.note = badNote(txtMaintPINWrong, "n", strconv.Itoa(msg.left), "minutes", strconv.Itoa(int(pinLockFor/time.Minute)))
	case pinLocked:
		s.until = msg.until
	default:
		s.note = badNote(txtMaintPINError, "error", errText(msg.err))
	}
}

func journalNote(msg maintVerifiedMsg) *maintNote {
	var ce *storage.ChainError
	switch {
	case msg.err == nil:
		return note(txtMaintJournalOK, "n", strconv.Itoa(msg.n))
	case errors.As(msg.err, &ce):
		return badNote(txtMaintJournalBroken, "seq", strconv.FormatInt(ce.Seq, 10), "problem", narrowSafe(ce.Problem))
	}
	return badNote(txtMaintFailed, "error", errText(msg.err))
}

// errText is an error for staff: maintenance shows what went wrong in the words of the part
// that failed (the store, the printer), which hold no personal data; a person at the kiosk never
// sees these.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return narrowSafe(err.Error())
}
