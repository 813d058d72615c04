// Package server is the central authority kiosks sync with: a versioned JSON API over HTTP
// (/v1/...), request authentication, rate limits, metrics, and the service logic that applies
// kiosks' operations exactly once, re-checking every rule with package model against current
// data. Persistent state lives behind the store package.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/channel"
	"github.com/hallkiosk/kiosk/server/store"
)

// Config is what a Server is built from.
type Config struct {
	Store     store.Store
	Reference *model.Reference
	// DefaultProfile judges operations of kiosks enrolled without a profile.
	DefaultProfile string
	Log            *slog.Logger
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Limits Limits
	// SimulatePayments serves POST /v1/payorders/{id}/simulate-paid, through which a kiosk
	// plays the payment channel and marks its own QR orders paid: for demos and end-to-end tests
	// only, never in production. Without it the route does not exist.
	SimulatePayments bool
	// Channels are the payment channels (package channel): new QR orders are created at
	// OrderChannel ("" for the first), and every channel's signed notices are accepted at
	// POST /v1/channels/{name}/notify. Without any, the server has one simulated channel named
	// channel.SimulatedName, whose orders only simulate-paid can pay.
	Channels     []channel.Channel
	OrderChannel string
	// MaxInFlight bounds the signed requests served at once (default 32); more wait up to
	// SlotWait (default 5 s) for a slot and are then answered 503 with Retry-After.
	MaxInFlight int
	SlotWait    time.Duration
}

// Server serves the API.
type Server struct {
	store          store.Store
	ref            *model.Reference
	defaultProfile string
	log            *slog.Logger
	now            func() time.Time
	metrics        *metrics
	limits         *limiter
	health         *health
	// simulatePayments: see Config.SimulatePayments.
	simulatePayments bool
	slots            inFlight
	slotWait         time.Duration
	kiosks           *kioskCache // nil: read kiosks on every request (a shared database)
	channels         map[string]channel.Channel
	orderChannel     channel.Channel
}

// New builds a server and brings the reference-data feed up to date with cfg.Reference.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Reference == nil {
		return nil, errors.New("server: a store and reference data are required")
	}
	if _, err := cfg.Reference.Profile(cfg.DefaultProfile); err != nil {
		return nil, fmt.Errorf("server: default profile: %w", err)
	}
	s := &Server{
		store: cfg.Store, ref: cfg.Reference, defaultProfile: cfg.DefaultProfile,
		log: cfg.Log, now: cfg.Now, metrics: newMetrics(), health: &health{}, kiosks: newKioskCache(),
		simulatePayments: cfg.SimulatePayments, slots: newInFlight(cfg.MaxInFlight), slotWait: cfg.SlotWait,
	}
	if s.slotWait <= 0 {
		s.slotWait = defaultSlotWait
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.setChannels(cfg.Channels, cfg.OrderChannel); err != nil {
		return nil, err
	}
	s.limits = newLimiter(cfg.Store, cfg.Limits.orDefault(), s.now)
	if err := s.syncReference(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Handler routes the API. Everything under /v1/ needs a signed request.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	// deferClaim: the handler claims the request's nonce itself, in a round trip it makes anyway
	// (a lookup, with its reads).
	v1 := func(pattern, route string, h func(http.ResponseWriter, *http.Request, *session), deferClaim ...bool) {
		mux.Handle(pattern, s.observe(route, s.bounded(s.authenticated(h, len(deferClaim) > 0 && deferClaim[0]))))
	}
	v1("POST /v1/lookup", "lookup", s.handleLookup, true)
	v1("POST /v1/verify", "verify", s.handleVerify)
	v1("POST /v1/linkcheck", "linkcheck", s.handleLinkCheck)
	v1("POST /v1/ops", "ops", s.handleOps)
	v1("GET /v1/changes", "changes", s.handleChanges)
	v1("POST /v1/heartbeat", "heartbeat", s.handleHeartbeat)
	v1("POST /v1/calls", "calls", s.handleCalls)
	v1("POST /v1/rejections/ack", "rejections_ack", s.handleAckRejections)
	v1("POST /v1/payorders", "payorder_create", s.handleCreatePayOrder)
	v1("GET /v1/payorders/{id}", "payorder", s.handlePayOrder())
	v1("POST /v1/payorders/{id}/cancel", "payorder_cancel", s.handleCancelPayOrder())
	if s.simulatePayments {
		// Registered only when asked for, so that a production server answers exactly as if
		// the route did not exist, signed or not.
		v1("POST /v1/payorders/{id}/simulate-paid", "payorder_simulate_paid", s.handleSimulatePaid())
	}
	// Public: a payment channel is no kiosk; its notices carry the channel's signature instead.
	mux.Handle("POST /v1/channels/{name}/notify", s.observe("channel_notify", s.bounded(http.HandlerFunc(s.handleChannelNotify))))
	mux.Handle("GET /healthz", s.observe("healthz", http.HandlerFunc(s.handleHealth)))
	// Public: the page a receipt's QR code opens (no personal data; see receipts.go).
	mux.Handle("GET /r/{id}", s.observe("receipt", http.HandlerFunc(s.handleReceipt)))
	mux.Handle("GET /metrics", http.HandlerFunc(s.handleMetrics))
	mux.Handle("/", s.observe("other", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint: see docs/openapi.json")
	})))
	return mux
}
