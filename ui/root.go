package ui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/uplink"
)

// Model is the root of the kiosk UI: it owns the shared state, shows one screen at a time inside
// a fixed frame, handles the keys that work everywhere, and runs the idle timer.
type Model struct {
	opts Options
	c    *Common

	termW, termH int
	id           screenID
	screen       Screen
	session      *session // the identified person; nil between sessions

	idle      idleTimer
	helpOpen  bool
	helpOnIDs bool    // the help shows the demo identities (PgDn from its first page)
	helpPage  int     // the first demo identity the help lists
	helpShown int     // how many it listed last time (the page's size)
	notice    textKey // a message over the key line ("the last session ended"); "" for none
	noticeGen int
	call      staffCall // the person's call for staff (call.go)
	// ending is set while the service records the end of a session (sessionEndedMsg clears it).
	ending bool

	net      uplink.Status
	netKnown bool  // a status has arrived
	fatal    error // Connect failed; Run returns and Err reports it
}

// Messages of the root's own machinery.
type (
	connectedMsg struct {
		svc Services
		err error
	}
	startConnectMsg  struct{}
	netStatusMsg     struct{ status uplink.Status }
	sessionEndedMsg  struct{}
	noticeExpiredMsg struct{ gen int }
)

// noticeFor is how long a notice such as "staff have been called" stays up.
const noticeFor = 60 * time.Second

// connectTimeout bounds the start of the services; a demo server with its data takes a second
// or two, a real kiosk's store opens at once.
const connectTimeout = time.Minute

// New builds the root model on the welcome screen.
func New(opts Options) (*Model, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	c := &Common{
		Lang: opts.Lang, Styles: NewStyles(opts.HighContrast), Keys: DefaultKeyMap(),
		Texts: opts.Texts, Reasons: opts.Reasons, Now: opts.Now, IdleTimeout: opts.IdleTimeout,
		Demo: opts.Demo, DemoIDs: opts.DemoIDs, SimulatedPayments: opts.SimulatedPayments, VerifyURL: opts.VerifyURL, Devices: opts.Devices, Profile: opts.Profile, Catalogue: opts.Catalogue,
		Hall: opts.Hall, KioskID: opts.KioskID, After: opts.After,
	}
	m := &Model{opts: opts, c: c, termW: 80, termH: 24}
	m.show(welcomeID, newWelcome(c, opts.Hall))
	return m, nil
}

// Err is the error that ended the program, if any (the services could not start).
func (m *Model) Err() error { return m.fatal }

// Init starts the services and the status feed. The welcome screen is drawn meanwhile.
func (m *Model) Init() tea.Cmd {
	start := m.connect()
	if m.opts.ConnectDelay > 0 && start != nil {
		start = m.opts.After(m.opts.ConnectDelay, startConnectMsg{})
	}
	return tea.Batch(start, m.waitStatus(), m.screen.Init())
}

// connect brings the services up, off the event loop.
func (m *Model) connect() tea.Cmd {
	connect := m.opts.Connect
	if connect == nil {
		return nil
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
		defer cancel()
		svc, err := connect(ctx)
		return connectedMsg{svc: svc, err: err}
	}
}

// waitStatus waits for the next status of the sync engine. The engine runs on its own
// goroutine; this is how its news enters the event loop without touching the model.
func (m *Model) waitStatus() tea.Cmd {
	ch := m.opts.Status
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		st, ok := <-ch
		if !ok {
			return nil
		}
		return netStatusMsg{status: st}
	}
}

// Update handles a message: the frame's own first, then the active screen's.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.termW, m.termH = msg.Width, msg.Height
		m.resize()
		return m, nil
	case tea.KeyPressMsg:
		return m, m.onKey(msg)
	case startConnectMsg:
		return m, m.connect()
	case connectedMsg:
		if msg.err != nil {
			m.fatal = msg.err
			return m, tea.Quit
		}
		m.c.Services = msg.svc
		return m, nil
	case netStatusMsg:
		m.net, m.netKnown = msg.status, true
		m.c.Net, m.c.NetKnown = msg.status, true
		return m, tea.Batch(m.waitStatus(), m.refreshCall())
	case callDoneMsg:
		return m, m.onCallDone(msg)
	case callTickMsg:
		return m, m.onCallTick(msg)
	case idleCheckMsg:
		return m, m.onIdleCheck(msg)
	case noticeExpiredMsg:
		if msg.gen == m.noticeGen {
			m.notice = ""
		}
		return m, nil
	case navWelcome:
		return m, m.endSession(msg.timedOut)
	case navIdentify:
		cmd := m.dropSession()
		return m, tea.Batch(cmd, m.show(identifyID, newIdentify(m.c)))
	case navOverview:
		if msg.session != nil {
			m.session = msg.session
		}
		if m.session == nil {
			return m, m.endSession(false)
		}
		return m, m.show(overviewID, newOverview(m.c, m.session))
	case navSession:
		if m.session == nil {
			return m, nil // the session ended meanwhile: nothing of it may be shown
		}
		return m, m.show(msg.id, msg.build(m.c, m.session))
	case sessionEndedMsg:
		if m.opts.ExitAfterSession {
			return m, tea.Quit
		}
		m.ending = false
		if screen := m.call.deferred; screen != "" {
			m.call.deferred = ""
			return m, m.makeCall(screen)
		}
		return m, nil
	}
	return m, m.updateScreen(msg)
}

// updateScreen passes msg to the active screen. A screen's timeout may depend on its state (a
// payment under way waits longer than a list), and a key or an answer may have changed it: a
// QR payment confirmed by the server turns a 3-minute wait into a receipt with the normal
// timeout.
func (m *Model) updateScreen(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	m.screen, cmd = m.screen.Update(msg)
	if t := m.timeoutFor(m.screen); t != m.idle.timeout {
		cmd = tea.Batch(cmd, m.restartIdle(t))
	}
	return cmd
}

// onKey handles the keys that work everywhere, then passes the rest to the screen.
func (m *Model) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	switch {
	case key.Matches(msg, k.Swallowed):
		return nil
	case m.opts.Demo && key.Matches(msg, k.DemoQuit):
		return tea.Quit
	}
	if m.touchIdle() {
		return nil // the key answered "are you still there?" and does nothing else
	}
	switch {
	case m.id == welcomeID && key.Matches(msg, k.Maint):
		// Only from the welcome screen: no session's data can be reached from maintenance.
		return m.show(maintID, newMaint(m.c, m.opts.MaintPINHash))
	case key.Matches(msg, k.Lang):
		m.toggleLang()
		return nil
	case key.Matches(msg, k.Contrast):
		m.c.Styles = NewStyles(!m.c.Styles.HighContrast)
		m.resize()
		return nil
	case key.Matches(msg, k.Staff):
		return m.onStaffKey()
	case m.call.open && !m.helpOpen:
		m.call.open = false // any other key closes the call's panel; the call stays
		return nil
	case key.Matches(msg, k.Help):
		m.helpOpen, m.helpOnIDs, m.helpPage = !m.helpOpen, false, 0
		return nil
	case m.helpOpen:
		demo := m.c.Demo && len(m.c.DemoIDs) > 0
		switch {
		case key.Matches(msg, k.Back, k.Confirm):
			m.helpOpen = false
		case key.Matches(msg, k.PageDown, k.Down) && demo && !m.helpOnIDs:
			m.helpOnIDs, m.helpPage = true, 0
		case key.Matches(msg, k.PageDown, k.Down) && m.helpOnIDs && m.helpPage+m.helpShown < len(m.c.DemoIDs):
			m.helpPage += max(m.helpShown, 1)
		case key.Matches(msg, k.PageUp, k.Up) && m.helpOnIDs && m.helpPage == 0:
			m.helpOnIDs = false
		case key.Matches(msg, k.PageUp, k.Up) && m.helpOnIDs:
			m.helpPage = max(m.helpPage-max(m.helpShown, 1), 0)
		}
		return nil // the screen behind the help is not operated blind
	}
	return m.updateScreen(msg)
}

func (m *Model) toggleLang() {
	if m.c.Lang == model.EN {
		m.c.Lang = model.ZH
	} else {
		m.c.Lang = model.EN
	}
}

func (m *Model) showNotice(k textKey) tea.Cmd {
	m.notice = k
	m.noticeGen++
	return m.opts.After(noticeFor, noticeExpiredMsg{gen: m.noticeGen})
}

// show makes s the active screen and starts its idle timer.
func (m *Model) show(id screenID, s Screen) tea.Cmd {
	m.id, m.screen, m.helpOpen = id, s, false
	if id != welcomeID && m.notice == txtNoticeTimedOut {
		// It told the last person's leaving to whoever comes next; once someone starts, it is
		// no longer true of what is on the screen.
		m.notice = ""
		m.noticeGen++
	}
	m.resize()
	return tea.Batch(s.Init(), m.restartIdle(m.timeoutFor(s)))
}

// dropSession forgets the identified person and asks the service to wipe its cache. The person
// is still at the kiosk (going back to identification): their call for staff stands.
func (m *Model) dropSession() tea.Cmd {
	had := m.session != nil
	m.session = nil
	if !had || m.c.Services == nil {
		return nil
	}
	svc := m.c.Services
	return func() tea.Msg {
		_ = svc.ForgetPerson() // best effort: the cache's own TTL removes what this misses
		return nil
	}
}

// endSession wipes everything of the session and returns to the welcome screen: the person,
// every screen (rebuilt from nothing), the help and notices, the language the user chose, the
// call for staff (the service ends it, so staff learn the person may have gone), and the
// kiosk's cache of the lookup.
func (m *Model) endSession(timedOut bool) tea.Cmd {
	m.session = nil
	m.forgetCall()
	m.notice, m.helpOpen = "", false
	m.noticeGen++
	m.c.Lang = m.opts.Lang
	show := m.show(welcomeID, newWelcome(m.c, m.opts.Hall))
	if timedOut {
		// Says only that a session ended, never whose: the person who walked away may come back.
		show = tea.Batch(show, m.showNotice(txtNoticeTimedOut))
	}
	svc := m.c.Services
	if svc == nil {
		if m.opts.ExitAfterSession {
			return tea.Batch(show, tea.Quit)
		}
		return show
	}
	m.ending = true
	return tea.Batch(show, func() tea.Msg {
		_ = svc.EndSession()
		return sessionEndedMsg{}
	})
}

// resize tells the screen how much room the frame leaves it.
func (m *Model) resize() {
	w, h := m.bodySize()
	m.c.Width, m.c.Height = w, h
	m.screen.SetSize(w, h)
}
