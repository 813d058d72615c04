package ui

import (
	"context"
	"errors"
	"strconv"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/device"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/service"
)

// identify asks for the ID number, then the licence file number, and looks the driver up.
// Input is typed on a numeric keypad: digits, X (or keypad *) for the ID number's check
// character, Backspace, Enter, Esc. What is typed shows in the clear while it is typed, so it
// can be checked against the card; once accepted it shows masked.
type identify struct {
	c    *Common
	w, h int

	phase   identifyPhase
	idBuf   []byte // ASCII digits and a final X
	fileBuf []byte
	id      model.IDNumber   // set once the ID number passed the model's checks
	file    model.FileNumber // set once the lookup starts
	prob    *problem         // what is wrong with the input; nil when nothing is
	pending uint64           // the lookup request waited for; 0 when none
	cardReq uint64           // the card reader's read waited for; 0 when none
	byCard  bool             // the ID number came from the card on the reader
	// refusedCard is a card the server found no licence for. It may well still lie on the
	// reader: reads of it are passed over, so that it is not looked up again and again.
	refusedCard model.IDNumber
}

type identifyPhase int

const (
	phaseID     identifyPhase = iota // typing the ID number
	phaseFile                        // typing the file number
	phaseLookup                      // waiting for the lookup
)

const (
	idLen         = 18
	idLenOld      = 15 // first-generation numbers, which the model upgrades
	fileLen       = 12
	lookupTimeout = 20 * time.Second
)

// problem is what the screen says is wrong: a model reason, worded from the reason catalogue,
// or a text of the UI's own. It is kept as a code, not as words, so that a language switch
// rewords it.
type problem struct {
	reason *model.Reason
	text   textKey
	args   []string // the text's placeholders, name and value pairs
	info   bool     // a hint, not a mistake: shown without the error's mark and colour
	// advice, when set, adds what the reason's own remedy cannot know (which items together
	// fit, what the profile offers), drawn at view time so that it follows the language.
	advice func(c *Common, w int) []string
}

func problemOf(err error) *problem {
	var ie *model.InputError
	if errors.As(err, &ie) {
		r := ie.Reason
		return &problem{reason: &r}
	}
	return &problem{text: txtIdentifyFailed}
}

// lookupDoneMsg is the answer to the lookup request req.
type lookupDoneMsg struct {
	req    uint64
	looked service.Looked
	err    error
}

func newIdentify(c *Common) *identify { return &identify{c: c} }

func (s *identify) Init() tea.Cmd          { return s.pollCard() }
func (s *identify) SetSize(w, h int)       { s.w, s.h = w, h }
func (s *identify) Timeout() time.Duration { return s.c.IdleTimeout }

func (s *identify) Help() []key.Binding {
	k := s.c.Keys
	switch s.phase {
	case phaseID:
		return []key.Binding{k.Confirm, k.Delete, k.X, k.Back}
	case phaseFile:
		return []key.Binding{k.Confirm, k.Delete, k.Back}
	}
	return []key.Binding{k.Back}
}

func (s *identify) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case lookupDoneMsg:
		return s, s.onLookup(msg)
	case cardReadMsg:
		return s, s.onCard(msg)
	case cardRetryMsg:
		if s.cardReq == 0 && s.phase != phaseLookup {
			return s, s.pollCard()
		}
	case tea.KeyPressMsg:
		return s, s.onKey(msg)
	}
	return s, nil
}

func (s *identify) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	if s.phase == phaseLookup {
		if key.Matches(msg, k.Back) {
			s.pending, s.phase = 0, phaseFile // the answer, when it comes, is dropped
		}
		return nil
	}
	if d, ok := digit(msg); ok {
		s.typeDigit(d)
		return nil
	}
	switch {
	case key.Matches(msg, k.X):
		s.typeX()
	case key.Matches(msg, k.Delete):
		s.deleteLast()
	case key.Matches(msg, k.Confirm):
		return s.confirm()
	case key.Matches(msg, k.Back):
		return s.back()
	}
	return nil
}

func (s *identify) typeDigit(d byte) {
	s.prob = nil
	switch s.phase {
	case phaseID:
		if len(s.idBuf) >= idLen {
			s.prob = &problem{text: txtIdentifyFull}
			return
		}
		s.idBuf = append(s.idBuf, d)
		if len(s.idBuf) == idLen {
			s.checkID() // live: the whole number is there, judge it now
			s.saidNowFile()
		}
	case phaseFile:
		if len(s.fileBuf) >= fileLen {
			s.prob = &problem{text: txtIdentifyFull}
			return
		}
		s.fileBuf = append(s.fileBuf, d)
	}
}

// typeX types the check character X. It can only be the 18th character, so it is refused
// anywhere else at once, with the reason, rather than when the number is complete.
func (s *identify) typeX() {
	s.prob = nil
	switch {
	case s.phase == phaseFile:
		s.prob = &problem{text: txtIdentifyFileDigits}
	default:
		var typed bool
		if s.idBuf, s.prob, typed = appendCheckX(s.idBuf); typed {
			s.checkID()
			s.saidNowFile()
		}
	}
}

func (s *identify) deleteLast() {
	s.prob = nil
	buf := &s.idBuf
	if s.phase == phaseFile {
		buf = &s.fileBuf
	}
	if n := len(*buf); n > 0 {
		(*buf)[n-1] = 0 // do not leave the digit in the backing array
		*buf = (*buf)[:n-1]
	}
}

// saidNowFile makes the move to the file number visible when the ID number's last character
// moved it: the person sees where the next keys go.
func (s *identify) saidNowFile() {
	if s.phase == phaseFile && s.prob == nil {
		s.prob = &problem{text: txtIdentifyNowFile, info: true}
	}
}

// checkID judges the ID number with the model; a good one moves on to the file number.
func (s *identify) checkID() {
	if s.id, s.prob = parseTypedID(s.c, s.idBuf); s.prob == nil {
		s.phase = phaseFile
	}
}

func (s *identify) confirm() tea.Cmd {
	if s.phase == phaseID {
		s.checkID()
		return nil
	}
	if len(s.fileBuf) == 0 {
		// The 18th character moved on by itself; the Enter the person meant for the ID number
		// lands here. Say where they are instead of reporting an empty number as a mistake.
		s.prob = &problem{text: txtIdentifyNowFile, info: true}
		return nil
	}
	file, err := model.ParseFileNumber(string(s.fileBuf))
	if err != nil {
		s.prob = problemOf(err)
		return nil
	}
	svc := s.c.Services
	if svc == nil {
		s.prob = &problem{text: txtIdentifyStarting}
		return nil
	}
	s.file, s.phase, s.prob = file, phaseLookup, nil
	s.pending = s.c.newRequest()
	req, id := s.pending, s.id
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
		defer cancel()
		l, err := svc.Lookup(ctx, id, file)
		return lookupDoneMsg{req: req, looked: l, err: err}
	}
}

// back steps from the file number to the ID number (kept, to be corrected), and from the ID
// number to the welcome screen, which ends the session and wipes what was typed.
func (s *identify) back() tea.Cmd {
	if s.phase == phaseFile {
		clear(s.fileBuf)
		s.fileBuf, s.id, s.phase, s.prob = nil, "", phaseID, nil
		return nil
	}
	return navigate(navWelcome{})
}

func (s *identify) onLookup(msg lookupDoneMsg) tea.Cmd {
	if msg.req != s.pending || s.phase != phaseLookup {
		return nil // an answer nobody waits for any more
	}
	s.pending, s.phase = 0, phaseFile
	var limited *service.RateLimited
	switch {
	case msg.err == nil:
		sess := newSession(s.c, s.id, s.file, msg.looked)
		sess.byCard = s.byCard
		return navigate(navOverview{session: sess})
	case errors.Is(msg.err, service.ErrNoMatch) && s.byCard:
		s.prob = &problem{text: txtIdentifyCardNoMatch}
	case errors.Is(msg.err, service.ErrNoMatch):
		s.prob = &problem{text: txtIdentifyNoMatch}
	case errors.Is(msg.err, service.ErrUnreachable):
		s.prob = &problem{text: txtIdentifyUnreachable}
	case errors.As(msg.err, &limited) && limited.Wait > 0:
		secs := int((limited.Wait + time.Second - 1) / time.Second)
		until := s.c.Now().Add(time.Duration(secs) * time.Second).In(model.ChinaZone()).Format("15:04:05")
		s.prob = &problem{text: txtIdentifyWait, args: []string{"s", strconv.Itoa(secs), "until", until}}
	default:
		s.prob = &problem{text: txtIdentifyFailed}
	}
	if s.byCard {
		// Nothing was typed: back to the empty number, and the reader waits for another card.
		s.refusedCard, s.id, s.byCard, s.phase = s.id, "", false, phaseID
		return s.c.After(time.Second, cardRetryMsg{})
	}
	if s.cardReq == 0 {
		return s.pollCard()
	}
	return nil
}

// cardReadMsg is what the ID card reader read (or why not) for the read request req.
type cardReadMsg struct {
	req  uint64
	card device.IDCard
	err  error
}

// cardRetryMsg asks the reader again a second after a card could not be read, so that a card
// that keeps failing does not keep the reader busy without a pause.
type cardRetryMsg struct{}

// cardPoll bounds one wait for a card: the screen asks again while it is shown, and an answer
// that comes after it is gone is dropped, so no read outlives the screen by more than this.
const cardPoll = 2 * time.Second

// pollCard waits a while for a card on the reader, if the kiosk has one.
func (s *identify) pollCard() tea.Cmd {
	r := s.c.Devices.IDReader
	if r == nil {
		return nil
	}
	s.cardReq = s.c.newRequest()
	req := s.cardReq
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), cardPoll)
		defer cancel()
		card, err := r.ReadCard(ctx)
		return cardReadMsg{req: req, card: card, err: err}
	}
}

// onCard looks the person up by the card that was read; a card that could not be read is said
// so, and typing stays possible throughout.
func (s *identify) onCard(msg cardReadMsg) tea.Cmd {
	if msg.req != s.cardReq {
		return nil
	}
	s.cardReq = 0
	switch {
	case s.phase == phaseLookup:
		return nil // a lookup is under way; the reader is asked again if it fails
	case errors.Is(msg.err, context.DeadlineExceeded):
		return s.pollCard()
	case msg.err != nil:
		s.prob = &problem{text: txtIdentifyCardFailed}
		return s.c.After(time.Second, cardRetryMsg{})
	}
	if msg.card.Number == s.refusedCard {
		return s.c.After(time.Second, cardRetryMsg{}) // the refused card still on the reader
	}
	svc := s.c.Services
	if svc == nil {
		s.prob = &problem{text: txtIdentifyStarting}
		return s.c.After(time.Second, cardRetryMsg{})
	}
	clear(s.idBuf)
	clear(s.fileBuf)
	s.idBuf, s.fileBuf, s.file = nil, nil, ""
	s.id, s.byCard, s.phase, s.prob = msg.card.Number, true, phaseLookup, nil
	s.pending = s.c.newRequest()
	req, id := s.pending, s.id
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
		defer cancel()
		l, err := svc.LookupCard(ctx, id)
		return lookupDoneMsg{req: req, looked: l, err: err}
	}
}
