package console

import (
	"context"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/hallkiosk/kiosk/model"
)

// Options configure a console. The zero value is usable: the real clock, a refresh every
// second, Chinese.
type Options struct {
	// Now is the clock; nil means time.Now. Times are shown in its location.
	Now func() time.Time
	// Refresh is how often the console asks the Source again; 0 means DefaultRefresh.
	Refresh time.Duration
	// Timeout bounds each round of reading and each action; 0 means DefaultTimeout.
	Timeout time.Duration
	// Lang is the language the console starts in (model.ZH or model.EN); "" means Chinese.
	Lang model.Lang
	// Context is the parent of the contexts of the Source's calls (the SSH session's, so that
	// a closed session cancels what it asked); nil means context.Background().
	Context context.Context
}

// Defaults of Options.
const (
	DefaultRefresh = time.Second
	DefaultTimeout = 5 * time.Second
)

// ClosingMsg tells the console that its session is about to end (the server is shutting
// down): it says so and quits.
type ClosingMsg struct{}

type focusArea int

const (
	focusCalls focusArea = iota
	focusFleet
)

// Model is the console of one member of staff: one per SSH session.
type Model struct {
	src   Source
	staff Staff
	opts  Options
	texts map[textKey]wording
	st    styles
	lang  model.Lang
	w, h  int

	focus  focusArea
	detail string // the kiosk of the detail view; "" on the main screen
	help   bool

	calls    []Call  // in display order: open, coming, closed
	fleet    []Kiosk // in the current sort order
	loaded   bool    // a first round of reading has arrived
	loadedAt time.Time
	loadErr  error // the last round's failure; the data shown is of loadedAt
	errAt    time.Time

	rejFor    string // the kiosk the rejections are of
	rej       []Rejection
	rejErr    error
	rejLoaded bool

	callSel, kioskSel, rejSel string // the highlighted call (callKey), kiosk (id), rejection (op id)
	callTop, fleetTop, rejTop int    // the first row shown of each list

	sortBy   sortKey
	names    *collate.Collator // orders kiosk names; the model is used by one goroutine only
	seenOpen map[string]bool   // calls already rung for

	// after delivers msg after d: tea.Tick; the tests that drive Update by hand replace it.
	after func(d time.Duration, msg tea.Msg) tea.Cmd

	fetching bool // a round of reading is under way
	again    bool // read again as soon as it is back (an action changed something meanwhile)
	tickGen  int  // the generation of the pending refresh tick; older ticks are dropped

	status   statusLine
	confirm  *Call // a call to close once the staff member presses y
	closing  bool  // ClosingMsg arrived
	bellRung int   // bells rung so far, for the tests of the bell's own accounting
}

type statusKind int

const (
	statusNone statusKind = iota
	statusInfo
	statusOK
	statusErr
)

type statusLine struct {
	kind statusKind
	text string
	at   time.Time
}

// Messages of the console's own machinery.
type (
	tickMsg   struct{ gen int }
	loadedMsg struct {
		calls    []Call
		fleet    []Kiosk
		err      error // Calls' or Fleet's failure
		rejFor   string
		rej      []Rejection
		rejErr   error
		at       time.Time
		hadCalls bool // calls were read (a failure of Fleet does not hide new calls)
	}
	actionMsg struct {
		kind  actionKind
		where string // the kiosk's name and hall, or the operation id
		err   error
	}
)

type actionKind int

const (
	actAck actionKind = iota
	actClose
	actFollow
)

// New builds the console of staff over src.
func New(src Source, staff Staff, opts Options) tea.Model {
	return newModel(src, staff, opts)
}

func newModel(src Source, staff Staff, opts Options) *Model {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Refresh <= 0 {
		opts.Refresh = DefaultRefresh
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Context == nil {
		opts.Context = context.Background()
	}
	lang := opts.Lang
	if lang != model.EN {
		lang = model.ZH
	}
	return &Model{
		src: src, staff: staff, opts: opts, texts: consoleTexts(), st: newStyles(), lang: lang,
		w: 80, h: 24, seenOpen: map[string]bool{}, names: collate.New(language.Chinese, collate.Numeric),
		after: func(d time.Duration, msg tea.Msg) tea.Cmd {
			return tea.Tick(d, func(time.Time) tea.Msg { return msg })
		},
	}
}

// Init reads the Source for the first time; the refresh tick starts when the answer is in.
func (m *Model) Init() tea.Cmd { return m.refresh() }

// Update handles a message. Nothing here waits: the Source is read and changed in commands.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = max(msg.Width, 1), max(msg.Height, 1)
		m.clampAll()
		return m, nil
	case tea.KeyPressMsg:
		return m, m.onKey(msg)
	case tickMsg:
		if msg.gen != m.tickGen || m.closing {
			return m, nil // a tick from before an immediate refresh
		}
		return m, m.refresh()
	case loadedMsg:
		return m, m.onLoaded(msg)
	case actionMsg:
		m.onAction(msg)
		return m, m.refresh()
	case ClosingMsg:
		m.closing = true
		return m, tea.Quit
	}
	return m, nil
}

// refresh reads the Source now, unless a round is under way: then it reads again once that
// round is back, so that the result of an action always shows.
func (m *Model) refresh() tea.Cmd {
	if m.fetching {
		m.again = true
		return nil
	}
	m.fetching = true
	m.tickGen++ // a tick already pending would read twice
	return m.load()
}

// load returns the command of one round of reading. It captures what it needs, so that it
// never touches the model from its goroutine.
func (m *Model) load() tea.Cmd {
	src, staff, now := m.src, m.staff, m.opts.Now
	parent, timeout, detail := m.opts.Context, m.opts.Timeout, m.detail
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, timeout)
		defer cancel()
		var msg loadedMsg
		msg.calls, msg.err = src.Calls(ctx, staff)
		msg.hadCalls = msg.err == nil
		fleet, err := src.Fleet(ctx, staff)
		if msg.err == nil {
			msg.fleet, msg.err = fleet, err
		}
		if detail != "" {
			msg.rejFor = detail
			msg.rej, msg.rejErr = src.Rejections(ctx, staff, detail)
		}
		msg.at = now()
		return msg
	}
}

// onLoaded takes a round of reading in, rings the bell for each call that is new and open,
// and arms the next tick.
func (m *Model) onLoaded(msg loadedMsg) tea.Cmd {
	m.fetching = false
	var bell tea.Cmd
	if msg.hadCalls {
		if n := m.newOpenCalls(msg.calls); n > 0 {
			m.bellRung += n
			bell = tea.Raw(strings.Repeat("\a", n))
		}
		m.calls = orderCalls(msg.calls)
	}
	if msg.err == nil {
		if !m.loaded && len(m.calls) == 0 {
			m.focus = focusFleet // nobody waits: the keys start on the kiosks
		}
		m.fleet = append([]Kiosk(nil), msg.fleet...)
		m.sortFleet()
		m.loaded, m.loadedAt, m.loadErr = true, msg.at, nil
	} else {
		m.loadErr, m.errAt = msg.err, msg.at
	}
	if msg.rejFor != "" && msg.rejFor == m.detail {
		if msg.rejErr == nil || m.rejFor != msg.rejFor {
			m.rej = msg.rej
		}
		m.rejFor, m.rejErr, m.rejLoaded = msg.rejFor, msg.rejErr, true
	}
	m.clampAll()
	var next tea.Cmd
	if m.again {
		m.again = false
		next = m.refresh()
	} else {
		m.tickGen++
		next = m.after(m.opts.Refresh, tickMsg{gen: m.tickGen})
	}
	return tea.Batch(bell, next)
}

// newOpenCalls counts the open calls of calls not seen before and remembers every call seen,
// forgetting those no longer listed (so that the set stays as small as the list).
func (m *Model) newOpenCalls(calls []Call) int {
	n := 0
	seen := make(map[string]bool, len(calls))
	for _, c := range calls {
		k := callKey(c)
		if c.State == CallOpen && !m.seenOpen[k] {
			n++
		}
		seen[k] = true
	}
	m.seenOpen = seen
	return n
}

// callKey identifies a call among all kiosks' (call ids are the kiosk's own).
func callKey(c Call) string { return c.KioskID + "\x00" + c.ID }

// orderCalls puts open calls first (longest waiting first), then coming ones, then the
// recently closed, the latest closed first.
func orderCalls(in []Call) []Call {
	out := append([]Call(nil), in...)
	rank := func(c Call) int {
		switch c.State {
		case CallOpen:
			return 0
		case CallComing:
			return 1
		}
		return 2
	}
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := rank(out[i]), rank(out[j])
		if ri != rj {
			return ri < rj
		}
		if ri == 2 {
			return out[i].ClosedAt.After(out[j].ClosedAt)
		}
		return callStart(out[i]).Before(callStart(out[j]))
	})
	return out
}

// callStart is when the person began waiting: when F3 was pressed by the kiosk's corrected
// clock, or when the server received the call if the kiosk's time is missing.
func callStart(c Call) time.Time {
	if c.MadeAt.IsZero() {
		return c.ReceivedAt
	}
	return c.MadeAt
}

// onAction shows an action's outcome.
func (m *Model) onAction(msg actionMsg) {
	if msg.err != nil {
		fail := map[actionKind]textKey{actAck: txtFailAck, actClose: txtFailClose, actFollow: txtFailFollow}[msg.kind]
		m.setStatus(statusErr, m.t(fail)+m.colon()+m.errText(msg.err))
		return
	}
	switch msg.kind {
	case actAck:
		m.setStatus(statusOK, m.tf(txtAcked, "where", msg.where))
	case actClose:
		m.setStatus(statusOK, m.tf(txtClosed, "where", msg.where))
	case actFollow:
		m.setStatus(statusOK, m.tf(txtFollowedUp, "op", msg.where))
	}
}

func (m *Model) setStatus(kind statusKind, text string) {
	m.status = statusLine{kind: kind, text: text, at: m.opts.Now()}
}

// act runs one change through the Source in a command and reports its outcome.
func (m *Model) act(kind actionKind, where string, do func(ctx context.Context) error) tea.Cmd {
	m.setStatus(statusInfo, m.t(txtWorking))
	parent, timeout := m.opts.Context, m.opts.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, timeout)
		defer cancel()
		return actionMsg{kind: kind, where: where, err: do(ctx)}
	}
}

func (m *Model) acknowledge(c Call) tea.Cmd {
	src, staff := m.src, m.staff
	return m.act(actAck, m.callWhere(c), func(ctx context.Context) error {
		return src.Acknowledge(ctx, staff, c.KioskID, c.ID)
	})
}

func (m *Model) closeCall(c Call) tea.Cmd {
	src, staff := m.src, m.staff
	return m.act(actClose, m.callWhere(c), func(ctx context.Context) error {
		return src.CloseCall(ctx, staff, c.KioskID, c.ID)
	})
}

func (m *Model) followUp(kioskID string, r Rejection) tea.Cmd {
	src, staff := m.src, m.staff
	return m.act(actFollow, narrowSafe(r.OpID), func(ctx context.Context) error {
		return src.FollowUp(ctx, staff, kioskID, r.OpID)
	})
}

// callWhere names where a call was made: hall and kiosk.
func (m *Model) callWhere(c Call) string {
	return narrowSafe(c.Hall) + " " + narrowSafe(c.KioskName)
}
