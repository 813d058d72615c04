// Package service is what the terminal UI calls to reach the outside world: identify a driver
// (online, or from the encrypted cache while offline when the profile allows it), queue an
// operation durably under the offline policy, wait a moment for the server's answer, and wipe a
// session's data at its end. The UI never touches bbolt or HTTP itself; every call here is
// meant to run inside a tea.Cmd, never in Update.
package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/storage"
	"github.com/hallkiosk/kiosk/uplink"
)

// Online is the part of the API the service calls synchronously; *api.Client implements it.
type Online interface {
	Lookup(ctx context.Context, id api.Identify) (api.Lookup, error)
	Verify(ctx context.Context, id api.Identify) (api.Verified, error)
	LinkCheck(ctx context.Context, req api.LinkCheck) (api.LinkChecked, error)
	CreatePayOrder(ctx context.Context, req api.PayOrderRequest) (api.PayOrder, error)
	PayOrder(ctx context.Context, id string) (api.PayOrder, error)
	CancelPayOrder(ctx context.Context, id string) (api.PayOrder, error)
	SimulatePaid(ctx context.Context, id string) (api.PayOrder, error)
	AckRejections(ctx context.Context, ack api.RejectionAck) (api.RejectionAckReply, error)
	// StaleClock reads the server's proven time from a refusal of a stale timestamp.
	StaleClock(err error) (time.Time, bool)
}

// Config sets up a Service.
type Config struct {
	Store   *storage.Store
	Client  Online
	Engine  *uplink.Engine
	Profile *model.Profile
	Now     func() time.Time
}

// Service serves one kiosk.
type Service struct {
	cfg Config
	// inSession is set by an identification and cleared by EndSession: the sync engine's
	// upkeep compacts the store only while nobody is being served.
	inSession atomic.Bool
	// callMu guards callID, the current person's call for staff ("" for none; see calls.go).
	callMu sync.Mutex
	callID string
}

// Idle reports that nobody is being served.
func (s *Service) Idle() bool { return !s.inSession.Load() }

// New builds a service. The calls for staff an earlier process left open are ended: their
// sessions are over, since every process starts on the welcome screen.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Store != nil {
		// A failure leaves those calls open for staff, who close them; nothing is lost, and
		// the kiosk must start whatever its store says.
		_, _ = cfg.Store.EndOpenCalls(cfg.Now())
	}
	return &Service{cfg: cfg}
}

// ErrNoMatch is the neutral answer to a failed identification.
var ErrNoMatch = errors.New("the ID number and file number do not match a licence")

// ErrUnreachable means the server could not be asked and nothing usable was cached.
var ErrUnreachable = errors.New("the platform cannot be reached and this person was not looked up recently")

// RateLimited is the server's refusal of an identification after too many attempts: the person
// may try again after Wait (0 when the server did not say how long), or go to a counter.
type RateLimited struct {
	Wait time.Duration
}

func (e *RateLimited) Error() string {
	return fmt.Sprintf("too many identification attempts: wait %v", e.Wait)
}

// Looked is a lookup's answer and where it came from.
type Looked struct {
	api.Lookup
	FromCache bool // the server could not be reached: this is what it said at CachedAt
	CachedAt  time.Time
	// Pending names the violations that operations waiting at this kiosk change: the Lookup
	// above already shows them as those operations will leave them (see overlay).
	Pending map[string]Pending
	// Rejections are the person's operations the platform rejected and the person has not
	// acknowledged (see Rejections).
	Rejections []Rejection
}

type cached struct {
	Lookup api.Lookup `json:"lookup"`
	At     time.Time  `json:"at"`
}

func cacheName(id model.IDNumber, file model.FileNumber) string {
	return "lookup:" + string(id) + ":" + string(file)
}

// Lookup identifies a driver by ID number and file number. Online, it asks the server and
// caches the answer, encrypted, for the profile's TTL. When the server cannot be reached, a
// cached answer for the same ID number and file number is returned, marked as such.
func (s *Service) Lookup(ctx context.Context, id model.IDNumber, file model.FileNumber) (Looked, error) {
	return s.lookup(ctx, api.Identify{IDNumber: string(id), FileNumber: string(file)}, cacheName(id, file))
}

// LookupCard identifies a driver by the ID card the kiosk's reader read: the card stands in for
// the file number. Its cache entry is its own, so a typed ID number alone never reaches it.
func (s *Service) LookupCard(ctx context.Context, id model.IDNumber) (Looked, error) {
	return s.lookup(ctx, api.Identify{IDNumber: string(id), CardRead: true}, "lookup-card:"+string(id))
}

func (s *Service) lookup(ctx context.Context, req api.Identify, cache string) (Looked, error) {
	got, err := s.lookupRaw(ctx, req, cache)
	if err != nil {
		return got, err
	}
	// A session begins with a person identified (a failed attempt is not one: no EndSession
	// would follow it to clear the flag).
	s.inSession.Store(true)
	waiting, rejected, err := s.personEntries(got.Person.IDNumber)
	if err != nil {
		return Looked{}, err
	}
	got.Pending = overlay(&got.Lookup, waiting)
	got.Rejections = rejections(got.Lookup, rejected)
	return got, nil
}

// lookupRaw asks the server, or the cache when the server cannot be reached.
func (s *Service) lookupRaw(ctx context.Context, req api.Identify, cache string) (Looked, error) {
	var l api.Lookup
	err := s.online(func() (err error) { l, err = s.cfg.Client.Lookup(ctx, req); return err })
	var se *api.StatusError
	switch {
	case err == nil:
		b, merr := json.Marshal(cached{Lookup: l, At: s.cfg.Now()})
		if merr == nil {
			ttl := time.Duration(s.cfg.Profile.Offline.CacheTTLMinutes) * time.Minute
			if perr := s.cfg.Store.PutCache(cache, b, ttl); perr != nil {
				return Looked{}, fmt.Errorf("cache lookup: %w", perr)
			}
		}
		return Looked{Lookup: l}, nil
	case errors.As(err, &se) && se.Status == 404:
		return Looked{}, ErrNoMatch
	case errors.As(err, &se) && se.Status == http.StatusTooManyRequests:
		return Looked{}, &RateLimited{Wait: se.RetryAfter} // the cache must not bypass it either
	case errors.As(err, &se) && se.Status < 500:
		return Looked{}, err // refused (rate limit, bad input): the cache must not bypass it
	}
	b, ok, cerr := s.cfg.Store.GetCache(cache)
	if cerr != nil || !ok {
		return Looked{}, ErrUnreachable
	}
	var c cached
	if json.Unmarshal(b, &c) != nil {
		return Looked{}, ErrUnreachable
	}
	return Looked{Lookup: c.Lookup, FromCache: true, CachedAt: c.At}, nil
}

// Submit queues an operation. While the server is not reachable, the profile's offline policy
// decides first (Check); its reasons come back and nothing is queued when they say no. When it
// returns the queued op, the operation is on disk and the user may be told it is recorded
// (pending confirmation until the server answers).
func (s *Service) Submit(op api.Op, receipt []byte, amount model.Fen) (api.Op, []model.Reason, error) {
	rs, err := s.Check(op.Type, amount)
	if err != nil || len(rs) > 0 {
		return api.Op{}, rs, err
	}
	queued, err := s.Record(op, receipt)
	if storage.IsFull(err) {
		// The store filled between the last measurement and this write: nothing was queued,
		// and the person is told what a store at its stop level tells them.
		return api.Op{}, []model.Reason{{Code: model.ReasonOfflineStoreFull}}, nil
	}
	return queued, nil, err
}

// Check applies the offline policy to an operation of this type and amount: no reasons online,
// or when the policy allows it offline. A payment taken on a device is checked before the
// money is taken, because afterwards it must be recorded whatever the policy says.
func (s *Service) Check(opType string, amount model.Fen) ([]model.Reason, error) {
	st := s.cfg.Engine.Status()
	if st.State == uplink.Online {
		return nil, nil
	}
	q, err := s.queued()
	if err != nil {
		return nil, err
	}
	// The engine measures the fill on its upkeep rounds; new work offline is judged on the fill
	// as it is now, which a few receipts can move from high to stop between rounds.
	fill := st.Fill
	if f, err := s.cfg.Store.Fill(); err == nil {
		fill = f
	}
	k := model.KioskCondition{StoreFull: fill.Level == storage.LevelStop, ClockKnown: st.ClockKnown, ClockSkew: st.ClockSkew}
	return s.cfg.Profile.Offline.OfflineCheck(opType, amount, q, st.LastSuccess, s.cfg.Now(), k), nil
}

// Record queues an operation without the policy: for a fact that has happened (a card was
// charged). When it returns, the operation is on disk.
func (s *Service) Record(op api.Op, receipt []byte) (api.Op, error) {
	if op.ID == "" {
		op.ID = uplink.NewOpID()
	}
	queued, err := s.cfg.Store.Enqueue(op, receipt)
	if err != nil {
		return api.Op{}, err
	}
	s.cfg.Engine.Wake()
	return queued, nil
}

// queued counts what waits in the outbox by type, and the money of waiting payments.
func (s *Service) queued() (model.Queued, error) {
	q := model.Queued{Count: map[string]int{}, Amount: map[string]model.Fen{}}
	pending, err := s.cfg.Store.Pending(10000)
	if err != nil {
		return q, err
	}
	for _, e := range pending {
		q.Count[e.Op.Type]++
		if e.Op.Pay != nil {
			for _, it := range e.Op.Pay.Items {
				q.Amount[e.Op.Type] += model.Fen(it.FineFen + it.LateFeeFen)
			}
		}
	}
	return q, nil
}

// Await waits until the server has answered the operation with this sequence number, or ctx
// ends; a nil result means it is still pending (the receipt then says "pending confirmation").
func (s *Service) Await(ctx context.Context, seq int64) (*api.OpResult, error) {
	for {
		e, err := s.cfg.Store.EntryAt(seq)
		if err != nil {
			return nil, err
		}
		if e.State == storage.StateAcked || e.State == storage.StateRejected {
			return e.Result, nil
		}
		select {
		case <-ctx.Done():
			return nil, nil
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// EndSession ends the person's session: their call for staff, if still live, is ended (the
// engine tells staff they may have gone) and forgotten, so that the next person never sees it;
// and the looked-up records are wiped as ForgetPerson does.
func (s *Service) EndSession() error {
	callErr := s.endCall()
	return errors.Join(s.ForgetPerson(), callErr)
}

// ForgetPerson wipes the looked-up records when the identified person is dropped (the kiosk
// goes back to identification, or the session ends), unless the kiosk is offline and the
// profile keeps them so that people who looked up before an outage can still be served. The
// person may still be at the kiosk: their call for staff stands.
func (s *Service) ForgetPerson() error {
	s.inSession.Store(false)
	if s.cfg.Engine.Status().State != uplink.Online && s.cfg.Profile.Offline.KeepCacheOffline {
		_, err := s.cfg.Store.WipeExpiredCache()
		return err
	}
	_, err := s.cfg.Store.WipeCache()
	return err
}

// online makes a call to the server; when the server refuses it as stale and proves its time,
// the kiosk's clock is corrected (as the sync engine would on its next exchange) and the call
// made once more, so that a person is not refused for the kiosk's clock.
func (s *Service) online(call func() error) error {
	if s.cfg.Engine == nil {
		return call()
	}
	clock := s.cfg.Engine.Clock()
	sent := clock.Local()
	err := call()
	if server, ok := s.cfg.Client.StaleClock(err); ok {
		clock.Observe(server, sent, clock.Local())
		err = call()
	}
	return err
}
