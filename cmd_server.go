package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/console"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server"
	"github.com/hallkiosk/kiosk/server/channel"
	"github.com/hallkiosk/kiosk/server/store"
)

// storeFlags are the flags every server-side command shares.
type storeFlags struct {
	data, dsn, profile string
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.data, "data", "kiosk-data", "data directory of the embedded store")
	fs.StringVar(&f.dsn, "store", "", "postgres://... for PostgreSQL; default: the embedded store DATA/server.db")
	fs.StringVar(&f.profile, "profile", "national", "default policy profile")
}

func (f *storeFlags) open(ctx context.Context) (store.Store, *model.Reference, error) {
	ref, err := model.LoadReference(assets.FS())
	if err != nil {
		return nil, nil, err
	}
	if _, err := ref.Profile(f.profile); err != nil {
		return nil, nil, err
	}
	dsn := f.dsn
	if dsn == "" {
		dsn = filepath.Join(f.data, "server.db")
	}
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	return st, ref, nil
}

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// runServe runs the central server until SIGINT or SIGTERM, then drains requests and stops.
func runServe(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve")
	var sf storeFlags
	sf.register(fs)
	addr := fs.String("addr", "127.0.0.1:8470", "listen address (loopback by default)")
	cert := fs.String("tls-cert", "", "TLS certificate file (PEM)")
	key := fs.String("tls-key", "", "TLS key file (PEM)")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	adminSock := fs.String("admin-socket", "", "the admin socket for enroll, import, revoke, rotate and kiosks "+
		"against this running server (default DATA/admin.sock)")
	simulate := fs.Bool("simulate-payments", false,
		"let kiosks mark their own QR payment orders paid (POST /v1/payorders/{id}/simulate-paid): "+
			"for demos and end-to-end tests only; never in production")
	channels := fs.String("channels", "", "the payment channels' configuration file (JSON: docs/DEPLOY.md, "+
		"\"Payment channels\"); without it QR orders are made by the simulated channel")
	consoleAddr := fs.String("console", "127.0.0.1:2222", "where the staff console listens for ssh (\"\": no console)")
	staffKeys := fs.String("staff-keys", "", "the staff keys file of the console (default DATA/staff_keys; docs/DEPLOY.md, "+
		"\"The staff console\")")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || (*cert == "") != (*key == "") {
		return errUsage
	}
	log, err := newLogger(stderr, *level)
	if err != nil {
		return err
	}
	var set channel.Set
	if *channels != "" {
		if set, err = channel.Load(*channels, nil); err != nil {
			return err
		}
		for _, ch := range set.Channels {
			log.Info("payment channel", "name", ch.Name(), "kind", ch.Kind(), "orders", ch.Name() == set.OrderChannel)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	st, ref, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if *simulate {
		log.Warn("simulated payments are on: kiosks can mark their own QR payment orders paid without receiving money; never use this in production")
	} else if *channels == "" {
		log.Warn("no payment channel is configured (--channels): QR orders are simulated and nobody can pay them")
	}
	srv, err := server.New(ctx, server.Config{Store: st, Reference: ref, DefaultProfile: sf.profile, Log: log,
		SimulatePayments: *simulate, Channels: set.Channels, OrderChannel: set.OrderChannel})
	if err != nil {
		return err
	}
	if err := st.Warm(ctx, api.MaxRejections); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	sockPath := sf.adminSocketPath(*adminSock)
	if err := os.MkdirAll(filepath.Dir(sockPath), 0o750); err != nil {
		return fmt.Errorf("admin socket: %w", err)
	}
	adminErr := make(chan error, 1)
	go func() { adminErr <- server.ServeAdmin(ctx, sockPath, srv.AdminHandler()) }()
	cons, err := startConsole(*consoleAddr, *staffKeys, sf.data, srv, log)
	if err != nil {
		return err
	}
	consoleErr := make(chan error, 1)
	if cons != nil {
		defer cons.Close()
		go func() { consoleErr <- cons.Serve() }()
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	scheme := "http"
	if *cert != "" {
		scheme = "https"
	}
	log.Info("serving", "addr", ln.Addr().String(), "scheme", scheme, "store", st.Kind(), "profile", sf.profile,
		"admin_socket", sockPath)
	fmt.Fprintf(stdout, "listening on %s://%s\n", scheme, ln.Addr())
	if cons != nil {
		fmt.Fprintf(stdout, "staff console on ssh://%s\n", cons.Addr())
	}
	errc := make(chan error, 1)
	go func() {
		if *cert != "" {
			errc <- hs.ServeTLS(ln, *cert, *key)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case err := <-adminErr:
		return err
	case err := <-consoleErr:
		return fmt.Errorf("staff console: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: use debug, info, warn or error", level)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// runDemoData writes a generated demo data set in the import format.
func runDemoData(args []string, stdout io.Writer) error {
	fs := newFlagSet("demo-data")
	seed := fs.Int64("seed", 1, "random seed: the same seed gives the same data")
	people := fs.Int("people", 200, "how many people besides the fixed demo personas")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || *people < 0 {
		return errUsage
	}
	return dataset.Encode(stdout, dataset.Demo(*seed, time.Now(), *people))
}

// startConsole opens the staff console's SSH listener, or returns nil when it is off: asked off
// (addr ""), or no staff keys file at the default place (said in the log: nobody could enter).
// A keys file named on the command line must exist, and any keys file must read.
func startConsole(addr, keysPath, data string, srv *server.Server, log *slog.Logger) (*console.SSHServer, error) {
	if addr == "" {
		return nil, nil
	}
	named := keysPath != ""
	if !named {
		keysPath = filepath.Join(data, "staff_keys")
	}
	if _, err := os.Stat(keysPath); errors.Is(err, os.ErrNotExist) && !named {
		log.Warn("staff console off: no staff keys file; add one to let hall staff in (docs/DEPLOY.md, \"The staff console\")",
			"event", "console_off", "staff_keys", keysPath)
		return nil, nil
	}
	keys, err := console.OpenKeys(keysPath)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(data, 0o750); err != nil {
		return nil, fmt.Errorf("staff console: the host key's directory: %w", err)
	}
	src := srv.StaffSource()
	now := func() time.Time { return time.Now().In(model.ChinaZone()) }
	cons, err := console.Listen(console.ServeConfig{Addr: addr, HostKeyPath: filepath.Join(data, "console_host_ed25519"),
		Keys: keys, Log: log, NewModel: func(ctx context.Context, staff console.Staff) tea.Model {
			return console.New(src, staff, console.Options{Now: now, Context: ctx})
		}})
	if err != nil {
		return nil, err
	}
	return cons, nil
}
