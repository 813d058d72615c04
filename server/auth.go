package server

import (
	"context"
	"errors"
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
}

// authenticated checks a request's signature, timestamp and nonce before calling h. Every
// refusal is a 401 with the same body; the log line names the kiosk id and the reason, never
// anything from the request's content.
func (s *Server) authenticated(h func(http.ResponseWriter, *http.Request, *session)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(r)
		if err != nil {
			writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", "the request body is too large")
			return
		}
		now := s.now()
		sess, reason := s.verify(r, body, now)
		if reason != nil {
			s.metrics.authFailure(authReason(reason))
			s.log.Warn("request refused", "reason", authReason(reason), "kiosk", safeKioskID(r.Header.Get(api.HeaderKiosk)),
				"method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
			writeError(w, http.StatusUnauthorized, "unauthorized", "the request is not signed by an enrolled kiosk, or it is stale or replayed")
			return
		}
		h(w, r, sess)
	})
}

func (s *Server) verify(r *http.Request, body []byte, now time.Time) (*session, error) {
	c, err := api.ReadCredentials(r, now)
	if err != nil {
		return nil, err
	}
	k, err := s.kiosk(r.Context(), c.KioskID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, api.ErrUnknownKiosk
	} else if err != nil {
		return nil, err
	}
	if err := c.Verify(r, k.Secret, body); err != nil {
		return nil, err
	}
	// The nonce is remembered only after the signature holds, so that unsigned junk cannot
	// fill the table; it is kept for as long as its timestamp could still be accepted.
	fresh, err := s.store.RememberNonce(r.Context(), k.ID, c.Nonce, now, c.Timestamp.Add(api.MaxClockSkew+time.Minute))
	if err != nil {
		return nil, err
	}
	if !fresh {
		return nil, api.ErrReplayed
	}
	return &session{kiosk: k, body: body}, nil
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

// secretCache keeps enrolled kiosks in memory for a minute so that checking a signature does
// not cost a database read on every request.
type secretCache struct {
	mu      sync.Mutex
	entries map[string]cachedKiosk
}

type cachedKiosk struct {
	kiosk   store.Kiosk
	fetched time.Time
}

func newSecretCache() *secretCache { return &secretCache{entries: map[string]cachedKiosk{}} }

func (s *Server) kiosk(ctx context.Context, id string) (store.Kiosk, error) {
	now := s.now()
	s.secrets.mu.Lock()
	c, ok := s.secrets.entries[id]
	s.secrets.mu.Unlock()
	if ok && now.Sub(c.fetched) < time.Minute {
		return c.kiosk, nil
	}
	var k store.Kiosk
	err := s.store.Read(ctx, func(r store.Reader) error {
		var err error
		k, err = r.Kiosk(id)
		return err
	})
	if err != nil {
		return store.Kiosk{}, err
	}
	s.secrets.mu.Lock()
	s.secrets.entries[id] = cachedKiosk{kiosk: k, fetched: now}
	s.secrets.mu.Unlock()
	return k, nil
}
