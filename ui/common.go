package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/device"
	"github.com/hallkiosk/kiosk/internal/pin"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/service"
	"github.com/hallkiosk/kiosk/storage"
	"github.com/hallkiosk/kiosk/uplink"
)

// Services is everything the screens ask of the world outside the UI. *service.Service
// implements it; tests use a fake. Every call runs inside a tea.Cmd, never in Update.
type Services interface {
	// Lookup identifies a driver by ID number and file number.
	Lookup(ctx context.Context, id model.IDNumber, file model.FileNumber) (service.Looked, error)
	// LookupCard identifies by an ID card read with the kiosk's reader, which stands in for
	// the file number.
	LookupCard(ctx context.Context, id model.IDNumber) (service.Looked, error)
	// VerifyOwner checks an owner's numbers to let driver process violations of the owner's
	// vehicle, and returns the server's token that proves the check to the process op.
	VerifyOwner(ctx context.Context, id model.IDNumber, file model.FileNumber, driver model.IDNumber, plate model.Plate) (string, error)
	// LinkCheck asks the server whether driver could bind (or follow) the vehicle whoever its
	// owner proves to be: the reasons it cannot, and the proofs by number the platform holds.
	LinkCheck(ctx context.Context, driver model.IDNumber, plate model.Plate, purpose string) ([]model.Reason, []string, error)
	// VerifyOwnerProof has the server judge an owner's proof (ID number with the VIN's last six
	// characters or the certificate number, or the ID card and face) for a binding or follow,
	// and returns its token; a refusal is a *service.OwnerRefusedError.
	VerifyOwnerProof(ctx context.Context, p service.OwnerProof) (service.OwnerVerified, error)
	// Submit queues an operation durably (the offline policy may refuse it: reasons, nothing
	// queued). When it returns the op, it is on disk and the receipt may say so.
	Submit(op api.Op, receipt []byte, amount model.Fen) (api.Op, []model.Reason, error)
	// Check applies the offline policy alone, before money is taken on a device.
	Check(opType string, amount model.Fen) ([]model.Reason, error)
	// Record queues a fact (a charged card) without the policy.
	Record(op api.Op, receipt []byte) (api.Op, error)
	// Await waits for the server's answer to the queued op seq; nil when ctx ended first.
	Await(ctx context.Context, seq int64) (*api.OpResult, error)
	// Unconfirmed lists one person's operations the server has not answered yet.
	Unconfirmed(person model.IDNumber) ([]storage.Entry, error)
	// AckRejections records that the person saw these rejected operations, at the kiosk and
	// then at the platform; an error after the kiosk recorded it is service.ErrUnreachable or
	// the platform's refusal.
	AckRejections(ctx context.Context, person model.IDNumber, opIDs []string) error
	// Phone payment orders (online only).
	CreatePayOrder(ctx context.Context, req api.PayOrderRequest) (api.PayOrder, error)
	PayOrder(ctx context.Context, id string) (api.PayOrder, error)
	CancelPayOrder(ctx context.Context, id string) (api.PayOrder, error)
	// SimulatePaid plays the phone in demo mode (a staff key).
	SimulatePaid(ctx context.Context, id string) (api.PayOrder, error)
	// EndSession ends the person's session: it ends their call for staff (staff learn they may
	// have gone) and forgets it, and wipes what the session left in the kiosk's cache.
	EndSession() error
	// ForgetPerson wipes what an identified person's lookups left in the cache when the kiosk
	// goes back to identification; the person is still there, and their call stands.
	ForgetPerson() error
	// CallStaff calls staff for the person at the kiosk from screen (F3), or rings their live
	// call again; when it returns, the call is saved and the sync engine sends it at once.
	CallStaff(screen string) (service.CallView, error)
	// Call is where the person's call stands; false when they made none.
	Call() (service.CallView, bool, error)
}

// DemoIdentity is a demo persona a presenter can sign in as; the help screen lists them in demo
// mode, because nobody can guess an ID number and file number that the demo data holds.
type DemoIdentity struct {
	Name string
	ID   model.IDNumber
	File model.FileNumber
	// StoryZH and StoryEN say what the kiosk shows for this person, so that a presenter can
	// pick the one that demonstrates what they want to show.
	StoryZH, StoryEN string
	// Vehicles are the persona's own vehicles with the numbers an owner verifies with, so that
	// a presenter can authorise a binding as the owner.
	Vehicles []DemoVehicle
}

// DemoVehicle is a demo vehicle and its owner's proofs by number.
type DemoVehicle struct {
	Plate   string
	VINTail string
	RegCert string
}

// Options configure the UI.
type Options struct {
	Texts   *Texts       // the UI catalogue (required)
	Reasons *model.Texts // the reason catalogue (required)
	Lang    model.Lang   // the language each session starts in
	Hall    string       // the hall's name as it should appear; "" shows the catalogue's default
	Demo    bool         // show the DEMO marker and the demo personas
	DemoIDs []DemoIdentity
	// SimulatedPayments lets the staff key F9 play the phone of a QR payment, through the
	// server's simulation: in demo mode, and against a training server started with
	// --simulate-payments. The QR screen then says so.
	SimulatedPayments bool

	// Connect brings up the services (storage, sync engine, demo server). It runs in a tea.Cmd
	// started by Init, so the first screen is drawn before any slow work; until it returns, the
	// network state shows "starting". An error ends the program: the service manager restarts it.
	Connect func(ctx context.Context) (Services, error)
	// ConnectDelay holds Connect back so that the first frame is drawn before heavy start-up
	// work competes with the renderer for the CPU (the demo's data generation takes a second of
	// CPU; on a loaded two-core machine it pushed the first frame from 80 ms to over 700 ms).
	ConnectDelay time.Duration
	// KioskID is printed on receipts, so staff can trace an operation to the kiosk.
	KioskID string
	// VerifyURL is the start of the address printed as a QR code on receipts: the receipt's
	// operation or order id completes it. "" prints no code.
	VerifyURL string
	// Devices are the kiosk's peripherals; a nil member is one the kiosk lacks (no camera: the
	// face step is skipped and the operation says so; no card terminal: no card option).
	Devices device.Set
	// Reference is the rule data the screens judge with (profile, catalogue); required for the
	// flows after identification.
	Profile *model.Profile
	// Catalogue lets the kiosk refuse, as the server does, a code the law never decides by the
	// simple procedure or that carries a measure; nil judges by the fine alone.
	Catalogue *model.Catalogue
	// Status delivers the sync engine's status changes; nil when there is none.
	Status <-chan uplink.Status

	Now          func() time.Time                     // the clock; nil means time.Now
	After        func(time.Duration, tea.Msg) tea.Cmd // a timer; nil means tea.Tick. Tests replace it.
	IdleTimeout  time.Duration                        // per screen of a session [90s]
	IdleWarning  time.Duration                        // warning shown this long before [30s, at least 20s]
	HighContrast bool                                 // start in the high-contrast large mode
	// Offline is the profile's offline policy: while the server cannot be reached, a banner says
	// plainly which operations still work (pending confirmation) and which need the network.
	// nil shows no banner.
	Offline *model.OfflineRules
	// ExitAfterSession ends the program when a session ends (timeout or finish), so that the
	// service manager starts a fresh process and no copy of the session's strings survives.
	ExitAfterSession bool
	// MaintPINHash is the staff maintenance PIN as an argon2id PHC hash (internal/pin); ""
	// leaves maintenance unset: Ctrl+Alt+M then says how to set it up. The failure count and
	// lock live in the kiosk's store, through the services (see Maintenance).
	MaintPINHash string
	// MaintDemoPIN is the demo's maintenance PIN, which the demo help tells; "" outside demo.
	MaintDemoPIN string
}

// minIdleWarning is WCAG 2.2.1's floor: a user gets at least 20 seconds to ask for more time.
const minIdleWarning = 20 * time.Second

func (o *Options) check() error {
	if o.Texts == nil || o.Reasons == nil {
		return errors.New("ui: the UI and reason text catalogues are required")
	}
	if o.Lang != model.EN {
		o.Lang = model.ZH
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.After == nil {
		o.After = func(d time.Duration, msg tea.Msg) tea.Cmd {
			return tea.Tick(d, func(time.Time) tea.Msg { return msg })
		}
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 90 * time.Second
	}
	if o.IdleWarning < minIdleWarning {
		o.IdleWarning = minIdleWarning
	}
	if o.IdleWarning >= o.IdleTimeout {
		return errors.New("ui: the idle warning must come before the timeout")
	}
	if o.MaintPINHash != "" {
		if _, err := pin.Parse(o.MaintPINHash); err != nil {
			return fmt.Errorf("ui: maintenance PIN hash: %w", err)
		}
	}
	return nil
}

// Common is the state every screen shares, owned by the root model and changed only in its
// Update. Screens hold a pointer to it and read it when they draw.
type Common struct {
	Width, Height int // the body area a screen draws in
	Lang          model.Lang
	Styles        Styles
	Keys          KeyMap
	Texts         *Texts
	Reasons       *model.Texts
	Now           func() time.Time
	// Services is nil until Connect has returned.
	Services Services
	// Net is the sync engine's last status, NetKnown whether one has arrived: screens word a
	// refusal of online-only work after the link's actual condition (see linkCondition).
	Net         uplink.Status
	NetKnown    bool
	IdleTimeout time.Duration
	Demo        bool
	DemoIDs     []DemoIdentity
	// SimulatedPayments: see Options.
	SimulatedPayments bool
	Devices           device.Set
	Profile           *model.Profile
	Catalogue         *model.Catalogue
	// After delivers msg after d (tea.Tick; tests replace it).
	After   func(time.Duration, tea.Msg) tea.Cmd
	Hall    string // the hall's name for receipts
	KioskID string // this kiosk's id for receipts
	// VerifyURL: see Options.
	VerifyURL string

	lastRequest uint64
}

// T returns the catalogue text k in the current language.
func (c *Common) T(k textKey, kv ...string) string { return c.Texts.Get(c.Lang, k, kv...) }

// Reason words a model reason in the current language.
func (c *Common) Reason(r model.Reason) model.Rendered {
	out := c.Reasons.Reason(r, c.Lang)
	return model.Rendered{Message: narrowSafe(out.Message), Remedy: narrowSafe(out.Remedy)}
}

// Money writes an amount the way the language reads it: 200.00元, ¥200.00.
func (c *Common) Money(f model.Fen) string {
	if c.Lang == model.EN {
		return f.String()
	}
	return f.YuanText()
}

// Term names a model term (a licence status, a plate type...) in the current language.
func (c *Common) Term(key string) string { return narrowSafe(c.Reasons.Term(key, c.Lang)) }

// newRequest returns a fresh request id. An async result carries the id of its request; a
// screen keeps the id it waits for and drops any result with another, so an answer that arrives
// after the user went back, or after a timeout wiped the session, is never shown.
func (c *Common) newRequest() uint64 {
	c.lastRequest++
	return c.lastRequest
}

// paperless reports that the kiosk's receipt printer puts no paper in the person's hand (it
// writes files): the screens then show the receipt and never say "printed".
func (c *Common) paperless() bool {
	return c.Devices.Printer != nil && c.Devices.Printer.Info().NoPaper
}
