package ui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/storage"
)

// pending lists the person's operations that the platform has not confirmed yet: while the
// kiosk is offline they wait in its outbox, and each one's receipt says "pending confirmation"
// with its operation number. Only this person's operations are listed.
type pending struct {
	c       *Common
	s       *session
	w, h    int
	req     uint64
	loaded  bool
	entries []storage.Entry
	failed  bool
}

type pendingMsg struct {
	req     uint64
	entries []storage.Entry
	err     error
}

func newPending(c *Common, s *session) *pending { return &pending{c: c, s: s} }

func (p *pending) Init() tea.Cmd {
	if p.c.Services == nil {
		return nil
	}
	p.req = p.c.newRequest()
	req, svc, id := p.req, p.c.Services, p.s.id
	return func() tea.Msg {
		es, err := svc.Unconfirmed(id)
		return pendingMsg{req: req, entries: es, err: err}
	}
}

func (p *pending) SetSize(w, h int)       { p.w, p.h = w, h }
func (p *pending) Timeout() time.Duration { return p.c.IdleTimeout }
func (p *pending) HelpText() textKey      { return txtHelpPending }
func (p *pending) Help() []key.Binding    { return []key.Binding{p.c.Keys.Back, p.c.Keys.Finish} }

func (p *pending) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case pendingMsg:
		if msg.req == p.req {
			p.loaded, p.entries, p.failed = true, msg.entries, msg.err != nil
		}
	case tea.KeyPressMsg:
		if key.Matches(msg, p.c.Keys.Back) {
			return p, navigate(navOverview{})
		}
		if d, ok := digit(msg); ok && d == '0' {
			return p, navigate(navWelcome{})
		}
	}
	return p, nil
}

func (p *pending) View() string {
	c, st, w := p.c, p.c.Styles, max(p.w, 20)
	out := []string{stepLine(c, 2, txtStepPending), ""}
	switch {
	case !p.loaded:
		out = append(out, st.Placeholder.Render(c.T(txtPendingLoading)))
	case p.failed:
		out = append(out, st.Error.Render(c.T(txtPendingFailed)))
	case len(p.entries) == 0:
		out = append(out, st.Text.Render(wrap(c.T(txtPendingNone), w)))
	default:
		out = append(out, st.Text.Render(wrap(c.T(txtPendingIntro), w)), "")
		room := max(p.h-len(out)-1, 1)
		for i, e := range p.entries {
			if i >= room {
				break
			}
			at := e.QueuedAt.In(model.ChinaZone()).Format("2006-01-02 15:04")
			out = append(out, "  "+c.T(txtPendingItem, "time", at, "what", c.T(opName(e.Op.Type)), "op", e.Op.ID))
		}
	}
	return strings.Join(out, "\n")
}

// opName names an operation type.
func opName(t string) textKey {
	switch t {
	case "process":
		return txtOpProcess
	case "pay":
		return txtOpPay
	case "bind":
		return txtOpBind
	case "unbind":
		return txtOpUnbind
	case "follow":
		return txtOpFollow
	}
	return txtOpUnfollow
}
