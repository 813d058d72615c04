package ui

import (
	"context"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/uplink"
)

// linkRun sends one confirmed change of a link (bind, unbind, follow, unfollow): it queues the
// operation durably, then waits a few seconds for the server's answer. Both steps run in
// commands; their answers carry the request id the run waits for, and any other is dropped.
type linkRun struct {
	c       *Common
	s       *session
	op      api.Op // as queued once submitted (sequence number set)
	stage   runStage
	refused []model.Reason // the offline policy said no: nothing was queued
	result  *api.OpResult  // the server's answer; nil while it has not come
	failed  bool           // the kiosk could not record it: nothing was queued
	pending uint64
	late    lateWaiter // the answer after the screen said "pending confirmation"
}

type runStage int

const (
	runSending runStage = iota // being queued
	runWaiting                 // queued; waiting for the server
	runDone                    // answered, refused, failed, or no longer waited for
)

// linkAwaitTimeout is how long the person waits for the server's answer; after it the screen
// says the operation is recorded and pending confirmation.
const linkAwaitTimeout = 5 * time.Second

type (
	linkSubmittedMsg struct {
		req     uint64
		op      api.Op
		reasons []model.Reason
		err     error
	}
	linkAnsweredMsg struct {
		req    uint64
		result *api.OpResult
		err    error
	}
)

// startLinkRun queues op with a receipt (plain text, masked) for the pending view.
func startLinkRun(c *Common, s *session, op api.Op, receipt string) (*linkRun, tea.Cmd) {
	r := &linkRun{c: c, s: s, op: op, pending: c.newRequest()}
	svc, req := c.Services, r.pending
	if svc == nil {
		r.failed, r.stage, r.pending = true, runDone, 0
		return r, nil
	}
	return r, func() tea.Msg {
		queued, reasons, err := svc.Submit(op, []byte(receipt), 0)
		return linkSubmittedMsg{req: req, op: queued, reasons: reasons, err: err}
	}
}

// newLinkOp is an operation of type typ confirmed now, with its id chosen here so that the
// receipt can name it.
func newLinkOp(c *Common, typ string) api.Op {
	return api.Op{ID: uplink.NewOpID(), Type: typ, At: c.Now()}
}

func (r *linkRun) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case linkSubmittedMsg:
		if msg.req != r.pending || r.stage != runSending {
			return nil
		}
		switch {
		case msg.err != nil:
			r.failed, r.stage, r.pending = true, runDone, 0
		case len(msg.reasons) > 0:
			r.refused, r.stage, r.pending = msg.reasons, runDone, 0
		default:
			r.op, r.stage = msg.op, runWaiting
			r.s.stale = true // the record changes: the overview asks the server again
			r.pending = r.c.newRequest()
			req, svc, seq := r.pending, r.c.Services, msg.op.Seq
			return func() tea.Msg {
				ctx, cancel := context.WithTimeout(context.Background(), linkAwaitTimeout)
				defer cancel()
				res, err := svc.Await(ctx, seq)
				return linkAnsweredMsg{req: req, result: res, err: err}
			}
		}
	case linkAnsweredMsg:
		if msg.req != r.pending || r.stage != runWaiting {
			return nil
		}
		// An error leaves the result nil: the operation is queued and its answer comes later.
		r.result, r.stage, r.pending = msg.result, runDone, 0
		if msg.result == nil && msg.err == nil {
			// The screen says "pending confirmation" and goes on waiting for the answer while
			// the person is on it (a store that failed to answer is not asked again).
			return r.late.start(r.c, r.op.Seq)
		}
	case lateAnswerMsg, lateRetryMsg:
		res, cmd := r.late.update(r.c, msg)
		if res != nil && r.stage == runDone && r.result == nil {
			r.result = res // the outcome replaces "pending confirmation" on the screen
		}
		return cmd
	}
	return nil
}

// stopWaiting gives up waiting for the answer; the operation stays queued.
func (r *linkRun) stopWaiting() {
	if r.stage == runWaiting {
		r.stage, r.pending = runDone, 0
	}
}

// queued reports whether the operation was recorded (the record changes, now or later).
func (r *linkRun) queued() bool { return r.op.Seq != 0 }

// applied reports whether the server applied the operation.
func (r *linkRun) applied() bool {
	return r.result != nil && (r.result.Outcome == api.OutcomeApplied || r.result.Outcome == api.OutcomeWithChanges)
}

// lines say where the operation stands: being sent, waiting, or its outcome in words, with
// every reason when it was refused or rejected.
func (r *linkRun) lines(w int) []string {
	c, st := r.c, r.c.Styles
	say := func(style func(...string) string, text string) []string {
		return styledLines(style, wrap(text, max(w, 10)))
	}
	switch {
	case r.stage == runSending:
		return say(st.Value.Render, c.T(txtLinkSending))
	case r.stage == runWaiting:
		return say(st.Value.Render, c.T(txtLinkWaiting))
	case r.failed:
		return say(st.Error.Render, "! "+c.T(txtLinkFailed))
	case len(r.refused) > 0:
		return append(say(st.Title.Render, c.T(txtLinkOfflineRefused, "state", c.linkState())), reasonLines(c, r.refused, w)...)
	case r.result == nil:
		return say(st.Value.Render, c.T(txtLinkPending, "op", r.op.ID))
	case r.result.Outcome == api.OutcomeRejected:
		return append(say(st.Title.Render, c.T(txtLinkRejected)), reasonLines(c, api.ModelReasons(r.result.Reasons), w)...)
	}
	return say(st.Value.Render, r.appliedText())
}

// appliedText says what took effect and from when.
func (r *linkRun) appliedText() string {
	c, op := r.c, r.op
	at := r.result.AppliedAt
	if at.IsZero() {
		at = op.At
	}
	when := at.In(model.ChinaZone()).Format("2006-01-02 15:04")
	switch {
	case op.Bind != nil:
		return c.T(txtLinkBound, "time", when)
	case op.Follow != nil:
		months := 12
		if c.Profile != nil {
			months = c.Profile.Follow.AuthorisationMonths
		}
		until := at.AddDate(0, months, 0).In(model.ChinaZone()).Format("2006-01-02")
		return c.T(txtLinkFollowed, "time", when, "date", until)
	case op.Unbind != nil && op.Unbind.ActorID == op.Unbind.DriverID:
		return c.T(txtLinkUnbound, "time", when)
	case op.Unbind != nil:
		return c.T(txtLinkRevokedBind, "id", model.IDNumber(op.Unbind.DriverID).Masked(), "time", when)
	case op.Unfollow != nil && op.Unfollow.ActorID == op.Unfollow.FollowerID:
		return c.T(txtLinkUnfollowed, "time", when)
	case op.Unfollow != nil:
		return c.T(txtLinkRevokedFollow, "id", model.IDNumber(op.Unfollow.FollowerID).Masked(), "time", when)
	}
	return ""
}

// linkReceipt is the receipt stored with a link operation, shown by the pending view until
// the server answers: what was asked, by whom (masked) and for which vehicle.
func linkReceipt(c *Common, s *session, op api.Op, what textKey, plate model.Plate) string {
	return strings.Join([]string{
		c.T(txtLinkReceiptTitle, "op", c.T(what)),
		c.T(txtReceiptTime, "time", op.At.In(model.ChinaZone()).Format("2006-01-02 15:04")),
		c.T(txtReceiptPerson, "name", maskedName(s.lookup.Person.Name), "id", s.id.Masked()),
		c.T(txtLinkReceiptPlate, "plate", plate.Masked(), "type", c.Term(plate.Type.Term())),
		c.T(txtLinkReceiptOp, "op", op.ID),
	}, "\n")
}
