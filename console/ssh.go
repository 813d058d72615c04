package console

// Serving the console over SSH (charm.land/wish/v2): each connection whose public key is in
// the staff keys file gets its own Bubble Tea program, as the member of staff the key names.
// Nothing is installed at the desk; `ssh -p PORT console@SERVER` is the whole client.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	"charm.land/wish/v2/activeterm"
	wishtea "charm.land/wish/v2/bubbletea"
	gossh "golang.org/x/crypto/ssh"
)

// ServeConfig sets up the console's SSH server.
type ServeConfig struct {
	// Addr is where to listen (host:port); a loopback or hall-network address, never the
	// internet's.
	Addr string
	// HostKeyPath is the server's SSH host key (ed25519), created at the first start. Staff
	// compare its fingerprint (logged at start) when their ssh first asks.
	HostKeyPath string
	Keys        *Keys
	Log         *slog.Logger
	// NewModel makes the program of one session for the member of staff; ctx ends with the
	// session.
	NewModel func(ctx context.Context, staff Staff) tea.Model
}

// SSHServer is the console's running SSH server.
type SSHServer struct {
	srv *ssh.Server
	ln  net.Listener
	log *slog.Logger
}

// Listen opens the console's listener and prepares the server; Serve runs it.
func Listen(cfg ServeConfig) (*SSHServer, error) {
	if cfg.Keys == nil || cfg.NewModel == nil {
		return nil, errors.New("console: no staff keys or no model")
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	srv, err := wish.NewServer(
		wish.WithHostKeyPath(cfg.HostKeyPath),
		wish.WithPublicKeyAuth(func(ctx ssh.Context, key ssh.PublicKey) bool {
			staff, ok, err := cfg.Keys.Lookup(key)
			if err != nil {
				log.Error("staff console: the staff keys file does not read; the keys read before stay in use",
					"event", "staff_keys_invalid", "err", err)
			}
			if !ok {
				log.Warn("staff console: a key not in the staff keys file was refused", "event", "staff_key_refused",
					"fingerprint", gossh.FingerprintSHA256(key), "remote", ctx.RemoteAddr().String())
				return false
			}
			return staff.ID != ""
		}),
		// The last middleware runs first: log the session, insist on a terminal, then run the
		// program.
		wish.WithMiddleware(
			wishtea.Middleware(func(sess ssh.Session) (tea.Model, []tea.ProgramOption) {
				staff, ok := sessionStaff(sess, cfg.Keys)
				if !ok {
					wish.Fatalln(sess, "This key is no longer in the staff keys file. Ask the server's operator.")
					return nil, nil
				}
				return cfg.NewModel(sess.Context(), staff), nil
			}),
			activeterm.Middleware(),
			sessionLog(log, cfg.Keys),
		),
	)
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("console: listen on %s: %w", cfg.Addr, err)
	}
	for _, signer := range srv.HostSigners {
		log.Info("staff console listening", "event", "console_listening", "addr", ln.Addr().String(),
			"host_key", gossh.FingerprintSHA256(signer.PublicKey()), "staff_keys", cfg.Keys.Count())
	}
	return &SSHServer{srv: srv, ln: ln, log: log}, nil
}

// sessionStaff is the member of staff of a session, by the key that authenticated it (the
// library keeps that key, not the last one offered) read against the current file, so that a
// key removed between the handshake and the session is refused.
func sessionStaff(sess ssh.Session, keys *Keys) (Staff, bool) {
	key := sess.PublicKey()
	if key == nil {
		return Staff{}, false
	}
	staff, ok, _ := keys.Lookup(key)
	return staff, ok
}

// sessionLog logs each session's start and end with the staff id.
func sessionLog(log *slog.Logger, keys *Keys) wish.Middleware {
	return func(next ssh.Handler) ssh.Handler {
		return func(sess ssh.Session) {
			staff, _ := sessionStaff(sess, keys)
			began := time.Now()
			log.Info("staff console session began", "event", "console_session", "staff", staff.ID,
				"remote", sess.RemoteAddr().String())
			next(sess)
			log.Info("staff console session ended", "event", "console_session_ended", "staff", staff.ID,
				"seconds", int(time.Since(began).Seconds()))
		}
	}
}

// Addr is the address the console listens on.
func (s *SSHServer) Addr() string { return s.ln.Addr().String() }

// Serve serves until Close; it returns nil after a Close.
func (s *SSHServer) Serve() error {
	err := s.srv.Serve(s.ln)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops taking connections and ends the open sessions: sessions are long-lived (a
// console watches all day), so they are ended rather than waited for.
func (s *SSHServer) Close() error {
	err := s.srv.Close()
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}
