package ui

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/service"
	"github.com/hallkiosk/kiosk/storage"
)

// pending lists the person's operations that the platform has not confirmed yet (while the
// kiosk is offline they wait in its outbox, and each one's receipt says "pending confirmation"
// with its operation number) and those the platform rejected and the person has not yet been
// told of, here or at another kiosk: each with its date, where it was done and the platform's
// reasons. A key acknowledges the rejections. Only this person's operations are listed.
type pending struct {
	c       *Common
	s       *session
	w, h    int
	req     uint64
	loaded  bool
	entries []storage.Entry
	failed  bool
	// rejected is what the screen lists (the session's rejections when it opened); ack is
	// the outcome of acknowledging them.
	rejected []service.Rejection
	acking   uint64
	ack      ackOutcome
}

type ackOutcome int

const (
	ackNone     ackOutcome = iota
	ackTold                // recorded here and the platform was told
	ackLater               // recorded here; the platform will be told at the next lookup online
	ackNotSaved            // the kiosk could not record it
)

type pendingMsg struct {
	req     uint64
	entries []storage.Entry
	err     error
}

type ackedMsg struct {
	req uint64
	err error
}

func newPending(c *Common, s *session) *pending {
	return &pending{c: c, s: s, rejected: s.rejected}
}

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
	case ackedMsg:
		if msg.req == p.acking {
			p.acking = 0
			p.onAcked(msg.err)
		}
	case tea.KeyPressMsg:
		if key.Matches(msg, p.c.Keys.Back) {
			return p, navigate(navOverview{})
		}
		if d, ok := digit(msg); ok {
			switch {
			case d == '0':
				return p, navigate(navWelcome{})
			case d == '1' && p.canAck():
				return p, p.acknowledge()
			}
		}
	}
	return p, nil
}

func (p *pending) canAck() bool {
	return len(p.rejected) > 0 && p.ack == ackNone && p.acking == 0 && p.c.Services != nil
}

// acknowledge tells the kiosk, then the platform, that the person has seen the listed
// rejections, so that neither shows them again.
func (p *pending) acknowledge() tea.Cmd {
	ids := make([]string, len(p.rejected))
	for i, r := range p.rejected {
		ids[i] = r.OpID
	}
	p.acking = p.c.newRequest()
	req, svc, person := p.acking, p.c.Services, p.s.id
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
		defer cancel()
		return ackedMsg{req: req, err: svc.AckRejections(ctx, person, ids)}
	}
}

// onAcked sorts the outcome: the kiosk recorded the acknowledgement unless its store failed
// (the platform's refusal and an unreachable platform both come after the kiosk's record).
func (p *pending) onAcked(err error) {
	var se *api.StatusError
	switch {
	case err == nil:
		p.ack = ackTold
	case errors.Is(err, service.ErrUnreachable), errors.As(err, &se):
		p.ack = ackLater
	default:
		p.ack = ackNotSaved
		return
	}
	p.s.rejected = nil // the overview no longer announces them
}

func (p *pending) View() string {
	c, st, w := p.c, p.c.Styles, max(p.w, 20)
	out := []string{stepLine(c, 2, txtStepPending), ""}
	out = append(out, p.rejectedLines(w)...)
	switch {
	case !p.loaded:
		out = append(out, st.Placeholder.Render(c.T(txtPendingLoading)))
	case p.failed:
		out = append(out, st.Error.Render(c.T(txtPendingFailed)))
	case len(p.entries) == 0 && len(p.rejected) == 0:
		out = append(out, st.Text.Render(wrap(c.T(txtPendingNone), w)))
	case len(p.entries) == 0:
		out = append(out, st.Text.Render(wrap(c.T(txtPendingNoneWaiting), w)))
	default:
		out = append(out, st.Text.Render(wrap(c.T(txtPendingIntro), w)), "")
		room := max(p.h-len(out)-1, 1)
		for i, e := range p.entries {
			if i >= room {
				break
			}
			out = append(out, "  "+c.T(txtPendingItem, "time", chinaStamp(e.QueuedAt), "what", c.T(opName(e.Op.Type)), "op", e.Op.ID))
		}
	}
	return strings.Join(out, "\n")
}

// rejectedLines lists the rejections with their reasons, then the key that acknowledges them or
// what came of it.
func (p *pending) rejectedLines(w int) []string {
	if len(p.rejected) == 0 {
		return nil
	}
	c, st := p.c, p.c.Styles
	out := styledLines(st.Error.Render, wrap(c.T(txtRejectedTitle, "n", strconv.Itoa(len(p.rejected))), w))
	for _, r := range p.rejected {
		where := c.T(txtRejectedHere)
		if !r.Here && r.Kiosk != "" {
			where = narrowSafe(r.Kiosk)
		}
		out = append(out, "  "+st.Value.Render(c.T(txtRejectedItem, "time", chinaStamp(r.At), "what",
			c.T(opName(r.OpType)), "where", where)))
		for _, l := range reasonLines(c, r.Reasons, w-4) {
			out = append(out, "    "+l)
		}
	}
	switch p.ack {
	case ackTold:
		out = append(out, st.Value.Render(wrap(c.T(txtRejectedAckTold), w)))
	case ackLater:
		out = append(out, st.Value.Render(wrap(c.T(txtRejectedAckLater), w)))
	case ackNotSaved:
		out = append(out, st.Error.Render(wrap(c.T(txtRejectedAckFailed), w)))
	default:
		out = append(out, st.Option.Render("[1]")+" "+st.Text.Render(c.T(txtRejectedAck)))
	}
	return append(out, "")
}

// chinaStamp is a time as people in the hall read it.
func chinaStamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(model.ChinaZone()).Format("2006-01-02 15:04")
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
