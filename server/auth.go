package server

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"net/http"
	"sync"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/server/store"
)

// session is an authenticated request: which kiosk sent it, and its body, already read (the
// signature covers it).
type session struct {
	kiosk store.Kiosk
	body  []byte
	// identifyPending: the identification limiter holds counts of this request's kiosk and ID
	// number, which a success clears.
	identifyPending bool
	// claim is set while the request's nonce is yet to be claimed (a lookup claims it with its
	// reads); nothing may be answered before it is (claimGuard).
	claim *pendingClaim
}

// pendingClaim is what claiming a request's nonce later takes: the request's nonce and the
// expiry it is kept until, and the time the request was checked at.
type pendingClaim struct {
	nonce string
	until time.Time
	now   time.Time
}

// authenticated checks a request's signature, timestamp and nonce before calling h. Every
// refusal is a 401 with the same body, except one whose only fault is its timestamp (see
// staleRefusal); the log line names the kiosk id and the reason, never anything from the
// request's content. With deferClaim, a request whose signature holds on the kiosk's record
// kept in memory reaches h with its nonce not yet claimed (session.claim), for h to claim it
// in a round trip it makes anyway.
func (s *Server) authenticated(h func(http.ResponseWriter, *http.Request, *session), deferClaim bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(r)
		if err != nil {
			writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", "the request body is too large")
			return
		}
		now := s.now()
		sess, reason := s.verify(r, body, now, deferClaim)
		if reason != nil {
			s.refuseAuth(w, r, reason, now)
			return
		}
		h(w, r, sess)
	})
}

// refuseAuth answers a request that authentication refused for reason, or could not check.
func (s *Server) refuseAuth(w http.ResponseWriter, r *http.Request, reason error, now time.Time) {
	if authReason(reason) == "error" {
		// The store failed while checking (a full or read-only disk, a lost database): the
		// request may be perfectly good, so say so rather than "unauthorized".
		s.internalError(w, "authenticate", reason)
		return
	}
	s.metrics.authFailure(authReason(reason))
	s.log.Warn("request refused", "reason", authReason(reason), "kiosk", safeKioskID(r.Header.Get(api.HeaderKiosk)),
		"method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
	var stale *staleRefusal
	if errors.As(reason, &stale) {
		writeStale(w, stale, now)
		return
	}
	writeError(w, http.StatusUnauthorized, "unauthorized", "the request is not signed by an enrolled kiosk, or it is stale or replayed")
}

// settleClaim claims a session's deferred nonce the ordinary way: the request is checked again
// (verify, claiming) and, when refused, answered here (ok false). The session then holds the
// kiosk's record as the claim found it.
func (s *Server) settleClaim(w http.ResponseWriter, r *http.Request, sess *session) bool {
	pc := sess.claim
	if pc == nil {
		return true
	}
	sess.claim = nil
	checked, reason := s.verify(r, sess.body, pc.now, false)
	if reason != nil {
		s.refuseAuth(w, r, reason, pc.now)
		return false
	}
	sess.kiosk = checked.kiosk
	return true
}

// claimGuard keeps a handler whose session's nonce is not yet claimed from answering before it
// is: the first status or byte written settles the claim (settleClaim), and a refusal replaces
// the handler's answer, whose headers and body are then dropped. Once the handler has claimed
// the nonce itself (session.claim nil), it passes everything through.
type claimGuard struct {
	w       http.ResponseWriter
	s       *Server
	r       *http.Request
	sess    *session
	header  http.Header // the handler's headers until the claim is settled
	settled bool
	ok      bool
}

func (g *claimGuard) Header() http.Header {
	if g.settled && g.ok {
		return g.w.Header()
	}
	if g.header == nil {
		g.header = http.Header{}
	}
	return g.header
}

func (g *claimGuard) open() bool {
	if !g.settled {
		g.settled = true
		if g.ok = g.s.settleClaim(g.w, g.r, g.sess); g.ok {
			maps.Copy(g.w.Header(), g.header)
		}
	}
	return g.ok
}

func (g *claimGuard) WriteHeader(code int) {
	if g.open() {
		g.w.WriteHeader(code)
	}
}

func (g *claimGuard) Write(b []byte) (int, error) {
	if !g.open() {
		return len(b), nil
	}
	return g.w.Write(b)
}

// verify authenticates a request. A timestamp outside the window does not end the checks at
// once: the kiosk, its standing and the signature are checked first, so that only a request
// that is wrong in nothing else is told the server's time (staleRefusal). With deferClaim the
// nonce is left for the handler to claim (session.claim).
func (s *Server) verify(r *http.Request, body []byte, now time.Time, deferClaim bool) (*session, error) {
	c, err := api.ReadCredentials(r, now)
	stale := errors.Is(err, api.ErrStale)
	if err != nil && !stale {
		return nil, err
	}
	k, kept, err := s.kiosk(r.Context(), c.KioskID)
	if err != nil {
		return nil, err
	}
	sess, newer, err := s.verifyWith(r, c, stale, k, body, now, deferClaim)
	var staleErr *staleRefusal
	if newer == nil && kept && (errors.Is(err, api.ErrBadSignature) || errors.As(err, &staleErr)) {
		// The record kept in memory may predate a new secret or a revocation made through
		// another server process, which only the nonce's claim would have seen: a request
		// refused before the claim is refused on the store's record.
		cur, rerr := s.readKiosk(r.Context(), k.ID)
		if rerr != nil {
			return nil, rerr
		}
		if standingChanged(k, cur) {
			newer = &cur
		}
	}
	if newer != nil {
		// Checked once more, against the record as the store has it now; should it change
		// again meanwhile, the next request will find it settled.
		if sess, newer, err = s.verifyWith(r, c, stale, *newer, body, now, deferClaim); newer != nil {
			return nil, errKioskChanging
		}
	}
	return sess, err
}

// verifyWith checks a request against the kiosk's record k and claims its nonce. When the claim
// finds the record changed in its secret or revocation since k was read, nothing is claimed and
// newer is the record as it is now.
func (s *Server) verifyWith(r *http.Request, c api.Credentials, stale bool, k store.Kiosk, body []byte, now time.Time,
	deferClaim bool) (sess *session, newer *store.Kiosk, err error) {
	if !k.RevokedAt.IsZero() && !now.Before(k.RevokedAt) {
		return nil, nil, errRevoked
	}
	if err := c.Verify(r, k.Secret, body); err != nil {
		return nil, nil, err
	}
	if stale {
		// Not remembered: the request is refused, so its nonce opens nothing, and a stale
		// timestamp must not let a flood of signed requests fill the nonce table.
		return nil, nil, &staleRefusal{secret: k.Secret, nonce: c.Nonce}
	}
	// The nonce is remembered only after the signature holds, so that unsigned junk cannot
	// fill the table; it is kept for as long as its timestamp could still be accepted.
	until := c.Timestamp.Add(api.MaxClockSkew + time.Minute)
	if deferClaim {
		return &session{kiosk: k, body: body, claim: &pendingClaim{nonce: c.Nonce, until: until, now: now}}, nil, nil
	}
	cur, fresh, err := s.store.ClaimNonce(r.Context(), k, c.Nonce, now, until)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, nil, err
	}
	claimed := store.Claimed{Exists: err == nil, Kiosk: cur, Fresh: fresh}
	if newer, err = s.judgeClaim(k, claimed); newer != nil || err != nil {
		return nil, newer, err
	}
	return &session{kiosk: cur, body: body}, nil, nil
}

// judgeClaim judges the claim of the nonce of a request checked against the kiosk's record k:
// nil for a claimed nonce (the record holds the secret the request was checked with and no
// revocation in force, whatever else changed in it: a revocation scheduled for later); newer,
// the record as the claim read it, when its secret or revocation changed, for the request to be
// checked again; otherwise the refusal. The record is kept in memory, or forgotten when the
// kiosk is gone.
func (s *Server) judgeClaim(k store.Kiosk, c store.Claimed) (newer *store.Kiosk, err error) {
	if !c.Exists {
		s.forgetKiosk(k.ID)
		return nil, api.ErrUnknownKiosk
	}
	s.kiosks.put(c.Kiosk)
	switch {
	case c.Fresh:
		return nil, nil
	case standingChanged(k, c.Kiosk):
		return &c.Kiosk, nil
	}
	return nil, api.ErrReplayed
}

// standingChanged reports whether a kiosk's record changed in what authenticating it checks: its
// secret or its revocation.
func standingChanged(before, now store.Kiosk) bool {
	return !bytes.Equal(before.Secret, now.Secret) || !before.RevokedAt.Equal(now.RevokedAt)
}

// staleRefusal is a request whose only fault is its timestamp: the kiosk is enrolled and not
// revoked, and the signature holds. Its answer carries the server's clock with a proof under the
// kiosk's secret (api.StaleProof over the request's nonce), so that a kiosk whose clock is off
// can correct it instead of being refused for ever; a forger, who lacks the secret, learns
// nothing it could not read from any clock, and cannot make a kiosk believe a wrong time.
type staleRefusal struct {
	secret []byte
	nonce  string
}

func (e *staleRefusal) Error() string { return api.ErrStale.Error() }
func (e *staleRefusal) Unwrap() error { return api.ErrStale }

// writeStale answers a staleRefusal: 401 with the server's time to the millisecond (what the
// proof covers) and the proof.
func writeStale(w http.ResponseWriter, stale *staleRefusal, now time.Time) {
	at := time.UnixMilli(now.UnixMilli()).UTC()
	writeJSON(w, http.StatusUnauthorized, api.Error{Code: api.CodeStaleTimestamp,
		Message:    "终端时钟与平台时间相差超过 5 分钟，终端将按本应答自动校正 / the kiosk's clock is more than 5 minutes off the server's; the kiosk corrects itself from this answer",
		ServerTime: &at, Proof: api.StaleProof(stale.secret, stale.nonce, at)})
}

func authReason(err error) string {
	switch {
	case errors.Is(err, api.ErrUnsigned):
		return "unsigned"
	case errors.Is(err, api.ErrBadSignature):
		return "bad_signature"
	case errors.Is(err, api.ErrStale):
		return "stale"
	case errors.Is(err, api.ErrReplayed):
		return "replayed"
	case errors.Is(err, api.ErrUnknownKiosk):
		return "unknown_kiosk"
	case errors.Is(err, errRevoked):
		return "revoked"
	case errors.Is(err, errKioskChanging):
		return "kiosk_changing"
	}
	return "error"
}

// safeKioskID keeps a kiosk id fit for a log line: ids are ours (hex), anything else is cut.
func safeKioskID(id string) string {
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') || i >= 40 {
			return "(invalid)"
		}
	}
	return id
}

// errRevoked: the kiosk was revoked.
var errRevoked = errors.New("kiosk revoked")

// errKioskChanging: the kiosk's record changed again while one request was checked against its
// new record.
var errKioskChanging = errors.New("kiosk record changed while the request was checked")

// kiosk returns an enrolled kiosk's record with its secret and revocation, from memory when this
// process has it. A revocation or a new secret must take effect on the very next request in
// every server process. The embedded store belongs to this process alone (a file lock keeps
// every other process out, and enroll, revoke and rotate come through this process's admin
// socket), so there the record in memory is the record, forgotten whenever this process changes
// it (forgetKiosk). On PostgreSQL, where several processes share the database and staff may
// change it directly, the record in memory (kept) is only the first guess: the nonce's claim
// reads the record again in the same statement and claims nothing if its secret or revocation
// changed (store.ClaimNonce), a request refused before the claim (its signature, its
// timestamp) is judged on the store's record, and verify checks the request again against a
// record found changed.
func (s *Server) kiosk(ctx context.Context, id string) (k store.Kiosk, kept bool, err error) {
	if k, ok := s.kiosks.get(id); ok {
		return k, true, nil
	}
	k, err = s.readKiosk(ctx, id)
	return k, false, err
}

// readKiosk reads a kiosk's record from the store and keeps it in memory.
func (s *Server) readKiosk(ctx context.Context, id string) (store.Kiosk, error) {
	k, err := s.store.Kiosk(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.forgetKiosk(id)
		return k, api.ErrUnknownKiosk
	case err != nil:
		return k, err
	}
	s.kiosks.put(k)
	return k, nil
}

// forgetKiosk drops a kiosk from memory after this process changed it, or found it gone.
func (s *Server) forgetKiosk(id string) { s.kiosks.drop(id) }

// kioskCache holds the records of enrolled kiosks in memory: no more of them than are
// enrolled, since only records the store found are kept.
type kioskCache struct {
	mu sync.Mutex
	m  map[string]store.Kiosk
}

func newKioskCache() *kioskCache { return &kioskCache{m: map[string]store.Kiosk{}} }

func (c *kioskCache) get(id string) (store.Kiosk, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.m[id]
	return k, ok
}

func (c *kioskCache) put(k store.Kiosk) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[k.ID] = k
}

func (c *kioskCache) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, id)
}
