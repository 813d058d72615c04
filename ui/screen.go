package ui

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Screen is one step of the kiosk. The root model shows one screen at a time, draws the frame
// around it (header, notices, key line) and hands it the keys the frame does not use. A screen
// asks to move on by returning a navigation message (navIdentify, navOverview, navWelcome);
// it never builds another screen itself.
type Screen interface {
	Init() tea.Cmd
	Update(msg tea.Msg) (Screen, tea.Cmd)
	// View draws the body, at most the size given to SetSize.
	View() string
	// Help lists the screen's own keys for the key line; the frame adds the F-keys.
	Help() []key.Binding
	SetSize(width, height int)
	// Timeout is how long the screen may wait untouched before the session is wiped; 0 means
	// never (the welcome screen holds nothing of anyone).
	Timeout() time.Duration
}

// screenID names a screen: for help texts and tests.
type screenID int

const (
	welcomeID screenID = iota
	identifyID
	overviewID
	processID  // select, verify, confirm and submit violations to process
	payID      // choose what to pay, how, and pay
	vehiclesID // vehicles, bindings and follows
	pendingID  // operations waiting for the server
	receiptID  // a receipt on screen
	maintID    // staff maintenance
)

// helpTexter is a screen with its own F1 text; others get their screen id's.
type helpTexter interface{ HelpText() textKey }

// Navigation messages. Every screen change goes through the root's Update, which rebuilds the
// target screen from scratch, so no screen carries state from an earlier visit.
type (
	// navWelcome ends the session: everything of it is wiped.
	navWelcome struct{ timedOut bool }
	// navIdentify starts identification afresh (a looked-up record is dropped).
	navIdentify struct{}
	// navOverview shows a looked-up driver. A nil session keeps the current one (back from a
	// flow); the overview then asks the server again when the session is marked stale.
	navOverview struct{ session *session }
	// navSession opens a screen of the session's flows (process, pay, vehicles...). build gets
	// the shared state and the session; it runs in the root's Update, so a screen never holds a
	// session the root has dropped.
	navSession struct {
		id    screenID
		build func(c *Common, s *session) Screen
	}
)

// navigate returns a command that delivers a navigation message.
func navigate(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }
