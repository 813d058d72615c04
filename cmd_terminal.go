package main

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"
	"github.com/mattn/go-runewidth"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/device"
	"github.com/hallkiosk/kiosk/device/escpos"
	"github.com/hallkiosk/kiosk/device/idreader"
	"github.com/hallkiosk/kiosk/internal/pin"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server"
	"github.com/hallkiosk/kiosk/service"
	"github.com/hallkiosk/kiosk/storage"
	"github.com/hallkiosk/kiosk/ui"
	"github.com/hallkiosk/kiosk/uplink"
)

// terminalConfig is the configuration of `kiosk` (the terminal UI): the config file's values,
// overridden by the command line's flags.
type terminalConfig struct {
	server, data, lang, profile, kioskID, secret, hall string
	idle                                               time.Duration
	highContrast, exitAfterSession, simulatePayments   bool
	// secretFile holds the secret in hex (owner-only); secret is filled from it, from
	// KIOSK_SECRET or from --secret.
	secretFile   string
	maintPINHash string // argon2id PHC hash of the maintenance PIN; "" leaves maintenance unset
	// printer is where receipts go: "files" (text files under DATA/receipts), /dev/usb/lp0,
	// tcp://HOST:9100 or file:PATH (ESC/POS bytes); printerColumns is 32 or 48.
	printer, printerColumns string
	idReader                string // the ID-card reader's serial port; "" for none
	verifyURL               string // printed as a QR code on receipts, with the operation id
	// dataGiven says the data directory was chosen (--data or the file's data): demo mode then
	// keeps its temporary files under it instead of the system's temporary directory.
	dataGiven bool
}

// demoParent is where demo mode makes its temporary directory.
func (c terminalConfig) demoParent() string {
	if c.dataGiven {
		return c.data
	}
	return os.TempDir()
}

// demo reports whether no server is configured: then the kiosk brings its own.
func (c terminalConfig) demo() bool { return c.server == "" }

func defaultTerminalConfig() terminalConfig {
	return terminalConfig{data: "kiosk-data", lang: "zh", profile: "national", idle: 90 * time.Second,
		printer: "files", printerColumns: "48"}
}

// terminalFlags binds the flags to c, whose current values are the defaults: the config file's
// values, so that only the flags given override them.
func terminalFlags(c *terminalConfig, configPath *string) *flag.FlagSet {
	fset := newFlagSet("kiosk")
	fset.StringVar(configPath, "config", "", "configuration file (JSON); flags override it")
	fset.StringVar(&c.server, "server", c.server, "central server URL; none: demo mode")
	fset.StringVar(&c.data, "data", c.data, "kiosk data directory (its encrypted store)")
	fset.StringVar(&c.lang, "lang", c.lang, "language each session starts in: zh or en")
	fset.StringVar(&c.profile, "profile", c.profile, "policy profile")
	fset.StringVar(&c.kioskID, "kiosk-id", c.kioskID, "enrolled kiosk id")
	fset.StringVar(&c.secret, "secret", "", "kiosk secret (hex); visible in the process list: prefer --secret-file or KIOSK_SECRET")
	fset.StringVar(&c.secretFile, "secret-file", c.secretFile, "file holding the kiosk secret (hex), readable by its owner only")
	fset.StringVar(&c.hall, "hall", c.hall, "the hall's name as shown on the welcome screen")
	fset.DurationVar(&c.idle, "idle", c.idle, "idle timeout per screen (the warning comes 30 s before)")
	fset.BoolVar(&c.highContrast, "high-contrast", c.highContrast, "start in the large high-contrast mode")
	fset.BoolVar(&c.exitAfterSession, "exit-after-session", c.exitAfterSession, "exit when a session ends, for a fresh process per person")
	fset.StringVar(&c.printer, "printer", c.printer, "receipt printer: files, /dev/usb/lp0, tcp://HOST:9100 or file:PATH")
	fset.StringVar(&c.printerColumns, "printer-columns", c.printerColumns, "receipt width: 32 (58 mm paper) or 48 (80 mm)")
	fset.StringVar(&c.idReader, "id-reader", c.idReader, "serial port of the ID-card reader, e.g. /dev/ttyUSB0; none: keyboard only")
	fset.StringVar(&c.verifyURL, "verify-url", c.verifyURL, "start of the URL printed as a QR code on receipts, e.g. https://kiosk.example.gov.cn/r/")
	fset.BoolVar(&c.simulatePayments, "simulate-payments", c.simulatePayments,
		"F9 marks a QR payment paid (training; the server must run with --simulate-payments); always on in demo mode")
	return fset
}

func parseTerminalFlags(args []string) (terminalConfig, error) {
	return parseTerminalConfig(args, os.Getenv)
}

// parseTerminalConfig reads --config first, then the file, then the flags again over it. The
// secret comes from, in this order: --secret or --secret-file on the command line, then
// KIOSK_SECRET, then the file's secret_file.
func parseTerminalConfig(args []string, getenv func(string) string) (terminalConfig, error) {
	var configPath string
	scratch := defaultTerminalConfig()
	if err := terminalFlags(&scratch, &configPath).Parse(args); err != nil {
		return terminalConfig{}, errUsage
	}
	c := defaultTerminalConfig()
	if configPath != "" {
		fc, err := readConfigFile(configPath)
		if err != nil {
			return terminalConfig{}, err
		}
		fc.apply(&c)
	}
	fset := terminalFlags(&c, &configPath)
	if err := fset.Parse(args); err != nil || fset.NArg() > 0 {
		return c, errUsage
	}
	given := map[string]bool{}
	fset.Visit(func(f *flag.Flag) { given[f.Name] = true })
	c.dataGiven = c.dataGiven || given["data"]
	if err := c.resolveSecret(given, getenv); err != nil {
		return c, err
	}
	if err := checkLang(c.lang); err != nil {
		return c, fmt.Errorf("--lang %w", err)
	}
	if c.idle <= minIdle {
		return c, fmt.Errorf("--idle %s: must be longer than 40s (the warning alone is 30 s)", c.idle)
	}
	if !c.demo() && (c.kioskID == "" || c.secret == "") {
		return c, fmt.Errorf("--server needs --kiosk-id and --secret (from kiosk enroll); " +
			"in a config file: kiosk_id and secret_file, or the secret in " + secretEnv)
	}
	if _, err := hex.DecodeString(c.secret); err != nil {
		return c, fmt.Errorf("--secret: not hex")
	}
	if err := checkPrinter(c.printer); err != nil {
		return c, fmt.Errorf("--printer %w", err)
	}
	if err := checkPrinterColumns(c.printerColumns); err != nil {
		return c, fmt.Errorf("--printer-columns %w", err)
	}
	if c.verifyURL != "" {
		if err := checkServerURL(c.verifyURL); err != nil {
			return c, fmt.Errorf("--verify-url %w", err)
		}
	}
	return c, nil
}

// resolveSecret fills c.secret: the command line wins, then the environment, then the file.
func (c *terminalConfig) resolveSecret(given map[string]bool, getenv func(string) string) error {
	switch {
	case given["secret"] && given["secret-file"]:
		return errors.New("give --secret or --secret-file, not both")
	case given["secret"]:
		return nil
	case !given["secret-file"] && getenv(secretEnv) != "":
		c.secret = strings.TrimSpace(getenv(secretEnv))
		if _, err := hex.DecodeString(c.secret); err != nil {
			return fmt.Errorf("%s: not hex", secretEnv)
		}
		return nil
	case c.secretFile != "":
		secret, err := readSecretFile(c.secretFile)
		if err != nil {
			return err
		}
		c.secret = secret
	}
	return nil
}

// errNoTerminal: the UI draws on a terminal; anything else gets nothing useful.
var errNoTerminal = errors.New("the terminal UI needs a terminal, and stdout is not one (终端界面需要在终端中运行); " +
	"for a summary of the reference data run `kiosk check`")

// startTerminal runs the UI until the service manager stops it (SIGTERM or SIGHUP), or in demo
// mode until Ctrl+Alt+Q. Ctrl+C, Ctrl+Z and Ctrl+\ arrive as keys in raw mode and the UI drops
// them; SIGINT, SIGQUIT and SIGTSTP sent from outside are ignored too, and so are SIGTTIN and
// SIGTTOU, which would stop a kiosk that lost the terminal's foreground.
func startTerminal(c terminalConfig, stdout io.Writer) error {
	out, ok := stdout.(*os.File)
	if !ok || !term.IsTerminal(out.Fd()) {
		return errNoTerminal
	}
	narrowAmbiguousWidth()
	if path := os.Getenv(cpuProfileEnv); path != "" {
		stop, err := startCPUProfile(path)
		if err != nil {
			return err
		}
		defer stop()
	}
	status := make(chan uplink.Status, 1)
	b := newBackend()
	defer b.close()
	opts, err := terminalOptions(c, b, status)
	if err != nil {
		return err
	}
	m, err := ui.New(opts)
	if err != nil {
		return err
	}
	signal.Ignore(os.Interrupt, syscall.SIGQUIT, syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU)
	return runProgram(m, out)
}

// runProgram runs the UI on the terminal out until it quits or SIGTERM or SIGHUP arrive. The
// frames are drawn by a lineScreen, not by bubbletea's renderer (see lineScreen for why), so
// the terminal's set-up is done here: raw input, the screen's modes, and its size.
func runProgram(m *ui.Model, out *os.File) error {
	in := os.Stdin
	if !term.IsTerminal(in.Fd()) {
		tty, _, err := tea.OpenTTY()
		if err != nil {
			return fmt.Errorf("terminal input: %w", err)
		}
		defer tty.Close()
		in = tty
	}
	// Raw mode: keys arrive one by one and Ctrl+C, Ctrl+Z and Ctrl+\ as keys, not signals.
	saved, err := term.MakeRaw(in.Fd())
	if err != nil {
		return fmt.Errorf("terminal: raw mode: %w", err)
	}
	defer func() { _ = term.Restore(in.Fd(), saved) }()
	w, h, err := term.GetSize(out.Fd())
	if err != nil {
		return fmt.Errorf("terminal size: %w", err)
	}
	screen := newLineScreen(out, h)
	if err := screen.start(); err != nil {
		return fmt.Errorf("terminal: %w", err)
	}
	defer func() { _ = screen.stop() }()
	dm := &drawnModel{ui: m, screen: screen}
	// Without a renderer the program's frame ticker only flushes output nobody queues here:
	// once a second is enough, instead of 60 wake-ups a second for nothing.
	p := tea.NewProgram(dm, tea.WithInput(in), tea.WithOutput(out), tea.WithoutRenderer(), tea.WithFPS(1),
		tea.WithWindowSize(w, h), tea.WithoutSignalHandler(), tea.WithFilter(kioskFilter))
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(stop)
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	defer signal.Stop(winch)
	ended := make(chan struct{})
	defer close(ended)
	go func() {
		for {
			select {
			case <-stop:
				p.Quit()
			case <-winch:
				if w, h, err := term.GetSize(out.Fd()); err == nil {
					p.Send(tea.WindowSizeMsg{Width: w, Height: h})
				}
			case <-ended:
				return
			}
		}
	}()
	if _, err := p.Run(); err != nil {
		return err
	}
	if m.Err() != nil {
		return fmt.Errorf("terminal: %w", m.Err())
	}
	return nil
}

// cpuProfileEnv names a file for a CPU profile of the terminal UI's run (`go tool pprof`),
// written when the UI ends cleanly (SIGTERM, or Ctrl+Alt+Q in demo mode). It is for measuring
// (docs/PERFORMANCE.md), an environment variable rather than a flag so that a hall's
// configuration and the usage stay as they are; the profile holds function names, no data.
const cpuProfileEnv = "KIOSK_CPUPROFILE"

// startCPUProfile starts the CPU profile into path; stop ends it and closes the file.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cpuProfileEnv, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("%s: %w", cpuProfileEnv, err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}

// kioskFilter drops the messages that would end or suspend the program on their own: nothing a
// person at the kiosk does may stop it.
func kioskFilter(_ tea.Model, msg tea.Msg) tea.Msg {
	switch msg.(type) {
	case tea.InterruptMsg, tea.SuspendMsg:
		return nil
	}
	return msg
}

// narrowAmbiguousWidth gives go-runewidth (used inside the charm libraries) the C.UTF-8 rule:
// East-Asian ambiguous glyphs are one cell, as lipgloss counts them. It reads the locale once at
// start, so in a zh_CN locale it would count them as two; this is the RUNEWIDTH_EASTASIAN=0
// the deployment notes ask for, applied whatever the environment says.
func narrowAmbiguousWidth() {
	runewidth.EastAsianWidth = false
	runewidth.DefaultCondition.EastAsianWidth = false
}

// terminalOptions builds what the UI needs that is cheap to build: the text catalogues and the
// configuration. Everything slow (stores, the demo server, its data) waits for Connect.
func terminalOptions(c terminalConfig, b *backend, status chan uplink.Status) (ui.Options, error) {
	b.demoParent = c.demoParent()
	texts, err := ui.ParseTexts(assets.UITexts())
	if err != nil {
		return ui.Options{}, err
	}
	// Only the reason texts, not the whole reference data: the first screen must not wait for
	// the catalogue and profiles, which Connect loads anyway.
	raw, err := fs.ReadFile(assets.FS(), "texts.json")
	if err != nil {
		return ui.Options{}, err
	}
	reasons, err := model.ParseTexts(raw)
	if err != nil {
		return ui.Options{}, fmt.Errorf("texts.json: %w", err)
	}
	profileJSON, err := fs.ReadFile(assets.FS(), "profiles/"+c.profile+".json")
	if err != nil {
		return ui.Options{}, fmt.Errorf("profile %q: %w", c.profile, err)
	}
	prof, err := model.ParseProfile(profileJSON)
	if err != nil {
		return ui.Options{}, err
	}
	catJSON, err := fs.ReadFile(assets.FS(), "catalogue.json")
	if err != nil {
		return ui.Options{}, err
	}
	cat, err := model.ParseCatalogue(catJSON)
	if err != nil {
		return ui.Options{}, fmt.Errorf("catalogue.json: %w", err)
	}
	opts := ui.Options{Now: b.clock.Now, Texts: texts, Reasons: reasons, Lang: model.Lang(c.lang), Hall: c.hall, Offline: &prof.Offline,
		Demo: c.demo(), SimulatedPayments: c.demo() || c.simulatePayments, Status: status, IdleTimeout: c.idle, IdleWarning: 30 * time.Second,
		HighContrast: c.highContrast, ExitAfterSession: c.exitAfterSession, MaintPINHash: c.maintPINHash,
		Profile: prof, Catalogue: cat, KioskID: c.kioskID, VerifyURL: c.verifyURL}
	if c.demo() {
		opts.KioskID = "DEMO"
	}
	if c.demo() && opts.MaintPINHash == "" {
		// The demo's maintenance PIN is known (the help tells it); a real kiosk has none until
		// staff configure maintenance_pin_hash.
		// The demo PIN is printed in the help, so a costly hash protects nothing; the default
		// cost (64 MiB, 3 passes) would run before the first frame.
		demoCost := pin.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
		if opts.MaintPINHash, err = pin.HashWith(demoMaintPIN, demoCost); err != nil {
			return ui.Options{}, err
		}
		opts.MaintDemoPIN = demoMaintPIN
	}
	if opts.Devices, err = b.devices(c); err != nil {
		return ui.Options{}, err
	}
	if c.demo() {
		now := time.Now()
		for _, p := range dataset.Personas(now) {
			d := ui.DemoIdentity{Name: p.Name, ID: p.ID, File: p.File, StoryZH: p.Story, StoryEN: p.StoryEN}
			for _, plate := range p.Vehicles {
				vin, cert := dataset.DemoVehicleNumbers(plate)
				d.Vehicles = append(d.Vehicles, ui.DemoVehicle{Plate: string(plate.Number), VINTail: string(vin.Tail()), RegCert: string(cert)})
			}
			opts.DemoIDs = append(opts.DemoIDs, d)
		}
		opts.Connect = func(ctx context.Context) (ui.Services, error) { return b.connectDemo(ctx, c, now, status) }
		opts.ConnectDelay = 150 * time.Millisecond // the demo's start-up is CPU-heavy: draw first
	} else {
		opts.Connect = func(ctx context.Context) (ui.Services, error) { return b.connectRemote(ctx, c, status) }
	}
	return opts, nil
}

// demoMaintPIN is the maintenance PIN of demo mode.
const demoMaintPIN = "000000"

// devices are the kiosk's peripherals. There are no hardware drivers yet: receipts go to files
// (under the data directory; in demo mode under the demo's temporary directory, removed at
// exit), and demo mode simulates the camera and the card terminal. A real kiosk without them
// skips face verification (the operation says so) and offers no card payment.
func (b *backend) devices(c terminalConfig) (device.Set, error) {
	set := device.Set{Printer: device.FilePrinter{Dir: filepath.Join(c.data, "receipts")}}
	if c.printer != "files" {
		columns := escpos.Columns80mm
		if c.printerColumns == "32" {
			columns = escpos.Columns58mm
		}
		p, err := escpos.New(c.printer, escpos.Options{Layout: escpos.Layout{Columns: columns}})
		if err != nil {
			return device.Set{}, fmt.Errorf("printer: %w", err)
		}
		set.Printer = p
	}
	if c.demo() {
		dir, err := b.demoDirectory()
		if err != nil {
			return device.Set{}, err
		}
		set.Face, set.Card = device.SimFace{Delay: 800 * time.Millisecond}, &device.SimCard{Delay: time.Second}
		if c.printer == "files" { // a configured printer prints the demo's receipts too
			set.Printer = device.FilePrinter{Dir: filepath.Join(dir, "receipts")}
		}
	}
	if c.idReader != "" {
		r, err := idreader.Open(c.idReader, 0)
		if err != nil {
			return device.Set{}, fmt.Errorf("id_reader: %w", err)
		}
		b.onClose(func() { _ = r.Close() })
		set.IDReader = idreader.Device{Reader: r, Path: c.idReader}
	}
	// The monitor keeps each device's state for heartbeats: it asks the printer every minute
	// (never during a receipt) and hears of every receipt that fails; the UI prints through it.
	mon := device.NewMonitor(set, b.clock.Now)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { mon.Run(ctx, deviceProbeEvery); close(done) }()
	b.onClose(func() { cancel(); <-done })
	b.mu.Lock()
	b.devs = mon
	b.mu.Unlock()
	return mon.Set(), nil
}

// deviceProbeEvery is how often the device monitor asks the printer how it is.
const deviceProbeEvery = time.Minute

// backend is the world behind the UI: the kiosk's store and sync engine, and in demo mode a
// central server with demo data on loopback. It is built in a tea.Cmd (Connect) and torn down
// after the UI has stopped.
// newBackend returns a backend with the kiosk's own clock, not yet measured.
func newBackend() *backend { return &backend{clock: uplink.NewClock(nil)} }

type backend struct {
	demoParent string // where demoDirectory makes its directory ("": the system's temporary one)
	// clock is the kiosk's clock corrected by the server's: the UI dates operations with it, the
	// client signs with it, and the sync engine keeps it measured.
	clock   *uplink.Clock
	mu      sync.Mutex
	closers []func()        // run in reverse order
	demoDir string          // demo mode's temporary directory, removed by close
	devs    *device.Monitor // nil until devices has run
}

func (b *backend) onClose(f func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closers = append(b.closers, f)
}

// close stops everything, the sync engine before the store it writes to.
func (b *backend) close() {
	b.mu.Lock()
	fs := b.closers
	b.closers = nil
	b.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

// demoDirectory returns demo mode's temporary directory, made on first use under the data
// directory when one was given (else the system's temporary directory) and removed by close.
// Its name carries the process id, so that directories left by demo processes that were killed
// (a closer never ran) are removed by the next start.
func (b *backend) demoDirectory() (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.demoDir != "" {
		return b.demoDir, nil
	}
	parent := cmp.Or(b.demoParent, os.TempDir())
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return "", fmt.Errorf("demo directory: %w", err)
	}
	removeStaleDemoDirs(parent)
	dir, err := os.MkdirTemp(parent, fmt.Sprintf("kiosk-demo-%d-", os.Getpid()))
	if err != nil {
		return "", err
	}
	b.demoDir = dir
	b.closers = append(b.closers, func() { _ = os.RemoveAll(dir) })
	return dir, nil
}

const (
	demoSeed   = 1
	demoPeople = 200
	// statusGrace is how long the network state may say "starting" before the engine's own
	// state is shown, whatever it is.
	statusGrace = 3 * time.Second
)

// connectDemo starts a central server on loopback with the embedded store in a fresh temporary
// directory, loads demo data whose personas match the ones the help lists, enrols this kiosk,
// and connects the kiosk to it exactly as a real one connects to a real server.
func (b *backend) connectDemo(ctx context.Context, c terminalConfig, now time.Time, status chan uplink.Status) (ui.Services, error) {
	dir, err := b.demoDirectory()
	if err != nil {
		return nil, err
	}
	demo, err := server.NewDemo(ctx, dir, c.profile, demoSeed, demoPeople, now)
	if err != nil {
		return nil, err
	}
	b.onClose(func() { _ = demo.Close() })
	srv, enr := demo.Server, demo.Kiosk
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	b.onClose(func() { _ = hs.Close() })
	c.server, c.kioskID, c.secret = "http://"+ln.Addr().String(), enr.KioskID, enr.Secret
	c.data = filepath.Join(dir, "kiosk")
	return b.connectRemote(ctx, c, status)
}

// connectRemote opens the kiosk's store and starts its sync engine against c.server.
func (b *backend) connectRemote(ctx context.Context, c terminalConfig, status chan uplink.Status) (ui.Services, error) {
	secret, err := hex.DecodeString(c.secret)
	if err != nil || len(secret) == 0 {
		return nil, errors.New("kiosk secret: not hex")
	}
	ref, err := model.LoadReference(assets.FS())
	if err != nil {
		return nil, err
	}
	p, err := ref.Profile(c.profile)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(c.data, 0o700); err != nil {
		return nil, err
	}
	st, _, err := storage.Open(filepath.Join(c.data, "kiosk.db"), secret, storage.Options{})
	if err != nil {
		return nil, err
	}
	b.onClose(func() { _ = st.Close() })
	// Each person gets a fresh process: the clock's last measurement is kept beside the store.
	if _, err := b.clock.Persist(uplink.ClockFile(c.data)); err != nil {
		return nil, err
	}
	client := api.NewClientWithClock(c.server, c.kioskID, secret, nil, b.clock.Now)
	b.mu.Lock()
	devs := b.devs
	b.mu.Unlock()
	log, err := b.openLog(c.data)
	if err != nil {
		return nil, err
	}
	log.Info("kiosk started", "kiosk_id", c.kioskID, "version", version, "server", c.server, "profile", c.profile)
	var svc *service.Service
	eng := uplink.New(uplink.Config{Store: st, Client: client, OnStatus: latestStatus(status), Version: version,
		Devices: deviceStates(devs), Log: log, Clock: b.clock, Idle: func() bool { return svc.Idle() }})
	svc = service.New(service.Config{Store: st, Client: client, Engine: eng, Profile: p, Now: b.clock.Now})
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = eng.Run(runCtx); close(done) }()
	b.onClose(func() { cancel(); <-done })
	// The engine reports changes only, and it starts offline: a server that is down at boot
	// would never be reported. After the first attempts have had time, say where things stand.
	go func() {
		select {
		case <-time.After(statusGrace):
			if report := latestStatus(status); report != nil {
				report(eng.Status())
			}
		case <-runCtx.Done():
		}
	}()
	return svc, nil
}

// deviceStates is the heartbeat's report of the devices: none before the monitor exists.
func deviceStates(m *device.Monitor) func() map[string]api.DeviceStatus {
	if m == nil {
		return nil
	}
	return m.States
}

// openLog opens DIR/kiosk.log (JSON lines, appended, owner-only): the screen belongs to the
// person at the kiosk, so what the sync engine has to say goes to the file. Nothing personal
// is ever logged (operation ids and error categories only); a test greps the log after a full
// flow for the people it served.
func (b *backend) openLog(dir string) (*slog.Logger, error) {
	f, err := os.OpenFile(filepath.Join(dir, "kiosk.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("kiosk log: %w", err)
	}
	b.onClose(func() { _ = f.Close() })
	return slog.New(slog.NewJSONHandler(f, nil)), nil
}

// latestStatus hands the engine's status changes to the UI without ever blocking the engine: a
// status nobody has read yet is replaced by the newer one.
func latestStatus(ch chan uplink.Status) func(uplink.Status) {
	if ch == nil {
		return nil
	}
	return func(s uplink.Status) {
		for {
			select {
			case ch <- s:
				return
			default:
			}
			select {
			case <-ch:
			default:
			}
		}
	}
}

// removeStaleDemoDirs removes the demo directories in parent whose process is gone.
func removeStaleDemoDirs(parent string) {
	names, _ := filepath.Glob(filepath.Join(parent, "kiosk-demo-*"))
	for _, name := range names {
		var pid int
		if _, err := fmt.Sscanf(filepath.Base(name), "kiosk-demo-%d-", &pid); err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if processGone(pid) {
			_ = os.RemoveAll(name)
		}
	}
}
