// Command kiosk runs the self-service terminal of a traffic-police service hall, and the central
// server those terminals sync with. One binary, several subcommands; see usage below.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/syslog"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"

	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/model"
)

// version is the release this source tree builds.
const version = "0.1.0-dev"

const usage = `kiosk: self-service traffic-violation terminal (交通违法自助处理终端)

Usage:
  kiosk [--config FILE] [--server URL --kiosk-id ID --secret-file FILE] [--data DIR]
        [--lang zh|en] [--profile NAME] [--hall NAME] [--idle 90s] [--high-contrast]
        [--exit-after-session]
                             start the terminal UI; without a server, demo mode: an in-process
                             server with demo data on loopback and a DEMO marker on every screen
                             (staff maintenance: Ctrl+Alt+M on the welcome screen, demo PIN 000000;
                             F1 then PgDn lists the demo identities; Ctrl+Alt+Q quits demo mode;
                             with --data DIR its temporary files go under DIR)
                             FILE is JSON with the keys server, kiosk_id, secret_file, data, lang,
                             profile, hall, idle, high_contrast, exit_after_session,
                             maintenance_pin_hash; flags override it. The secret comes from
                             --secret-file (a file only its owner may read), or KIOSK_SECRET, or
                             --secret HEX, which shows it to everyone in the process list
  kiosk pin-hash             read a maintenance PIN (4-12 digits) from stdin and print its
                             argon2id hash for the config file's maintenance_pin_hash
  kiosk check [--assets DIR] validate the reference data (profiles, catalogue, texts) and
                             print a summary; DIR replaces the embedded files, to test edits
  kiosk version              print the version
  kiosk help                 print this text

Central server:
  kiosk serve  [--addr HOST:PORT] [--data DIR | --store postgres://...] [--profile NAME]
               [--tls-cert FILE --tls-key FILE] [--log-level LEVEL] [--admin-socket PATH]
               [--channels FILE]
                             run the central server (loopback 127.0.0.1:8470 by default), with
                             an admin socket (DATA/admin.sock, mode 0600) for the commands below;
                             --channels names the payment channels' configuration (JSON, see
                             docs/DEPLOY.md); without it QR orders are simulated
  kiosk enroll --name NAME [--hall HALL] [--data DIR | --store URL] [--profile NAME]
                             register a kiosk; prints its id and secret
  kiosk import [--data DIR | --store URL] FILE.json
                             load people, vehicles, bindings, follows and violations
                             (all or nothing; see docs/import-format.md)
  kiosk revoke [--data DIR | --store URL] KIOSK_ID
                             refuse a kiosk's requests from its next one on (a stolen kiosk)
  kiosk rotate [--data DIR | --store URL] KIOSK_ID
                             give a kiosk a new secret; the old one is refused from now on
  kiosk kiosks [--data DIR | --store URL]
                             list the enrolled kiosks (never their secrets)
  kiosk refunds list [--state owed|issuing|issued|settled] [--json] [--data DIR | --store URL]
                             list money owed back, with each refund's steps and references
  kiosk refunds issue REFUND_ID --staff ID [--ref REFERENCE [--counter]]
                             pay a refund back: through the payment channel (money that came
                             through it), or record a payback at the counter with its reference
  kiosk refunds settle REFUND_ID --staff ID --ref REFERENCE
                             record that an issued refund reached the person
                             These go through a running server's admin socket
                             (--admin-socket, default DATA/admin.sock) and open the store
                             themselves only when no server answers there (a refund through
                             the payment channel is issued only by a running server)
  kiosk reconcile --channel NAME FILE [--json] [--admin-socket PATH]
                             match a payment channel's daily statement (CSV) against what the
                             server recorded: record payments only the channel knew, settle
                             refunds it paid back, flag differences for staff (a running
                             server only; docs/DEPLOY.md, "Daily reconciliation")
  kiosk demo-data [--seed N] [--people N] > FILE.json
                             generate a realistic demo data set in the import format
  kiosk province [--scale 1] [--seed 1] [--data DIR | --store postgres://...]
                             generate a province's data (scale 1: 2 million people, about 1.5
                             million vehicles, 10 million violations) and bulk-load it into an
                             empty store
  kiosk loadtest [--store URL] [--kiosks 200] [--rate 1500] [--duration 20s] [--drain 10000]
                             measure the server on loopback against a bare net/http baseline
  kiosk loadtest --replicas 3 --store postgres://... [--kiosks N] [--rate N] [--duration D]
        [--kill-at D] [--down-for 5s] [--pinned] [--kill-random]
                             several kiosk serve processes on one database, one killed with
                             SIGKILL mid-load and restarted: every operation applied once?
  kiosk sim --server URL --data DIR --kiosk-id ID --secret HEX (--work FILE | --drain)
                             a headless kiosk for the reliability suite: queue and sync operations
  kiosk channel-sim --merchant-public-key FILE --public-key-out FILE [--algorithm sm2|rsa2]
        [--addr 127.0.0.1:8480] [--merchant-id ID]
                             a payment channel simulator (docs/payment-channel.md) on loopback:
                             pay an order with "pay ORDER_ID [AMOUNT_FEN]" on stdin or
                             POST /sim/pay/ORDER_ID; "kiosk channel-sim keygen --algorithm A
                             --private FILE --public FILE" writes a key pair for the server
  kiosk journal verify|show [--data DIR] --secret HEX
                             check the kiosk's hash-chained journal, or list its latest entries
`

func main() {
	if err := hardenProcess(); err != nil {
		fmt.Fprintln(os.Stderr, "kiosk:", err)
		os.Exit(1)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// errUsage marks a command line that could not be understood; it exits with status 2.
var errUsage = errors.New("usage")

// run executes one command line and returns the process exit status.
func run(args []string, stdout, stderr io.Writer) int {
	cmd := ""
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "":
		err = runTerminal(args, stdout)
	case "check":
		err = runCheck(args, stdout)
	case "serve":
		err = runServe(args, stdout, stderr)
	case "enroll":
		err = runEnroll(args, stdout)
	case "import":
		err = runImport(args, stdout)
	case "revoke":
		err = runRevoke(args, stdout)
	case "rotate":
		err = runRotate(args, stdout)
	case "kiosks":
		err = runKiosks(args, stdout)
	case "refunds":
		err = runRefunds(args, stdout)
	case "reconcile":
		err = runReconcile(args, stdout)
	case "demo-data":
		err = runDemoData(args, stdout)
	case "province":
		err = runProvince(args, stdout)
	case "loadtest":
		err = runLoadtest(args, stdout)
	case "sim":
		err = runSim(args, stdout)
	case "journal":
		err = runJournal(args, stdout)
	case "pin-hash":
		err = runPinHash(args, os.Stdin, stdout, stderr)
	case "channel-sim":
		err = runChannelSim(args, os.Stdin, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "kiosk %s\n", version)
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
	default:
		if !strings.HasPrefix(cmd, "-") {
			fmt.Fprintf(stderr, "kiosk: unknown command %q\n\n%s", cmd, usage)
			return 2
		}
		err = runTerminal(append([]string{cmd}, args...), stdout) // kiosk --server URL ...
	}
	switch {
	case errors.Is(err, errUsage):
		fmt.Fprint(stderr, usage)
		return 2
	case err != nil:
		fmt.Fprintf(stderr, "kiosk: %v\n", err)
		return 1
	}
	return 0
}

// runTerminal starts the terminal UI (cmd_terminal.go): against the server given by --server,
// or in demo mode, with a central server and demo data in-process on loopback, when none is.
func runTerminal(args []string, stdout io.Writer) error {
	c, err := parseTerminalFlags(args)
	if err == nil {
		err = startTerminal(c, stdout)
	}
	if err != nil && !errors.Is(err, errUsage) && !errors.Is(err, errNoTerminal) {
		reportTerminalFailure(err, stdout)
	}
	return err
}

// reportTerminalFailure makes a kiosk that cannot start visible to staff. On a hall terminal
// its own window (foot under cage) closes as soon as it exits and the service manager starts it
// again, so the message also goes to the system log (journalctl -t kiosk) and, under the service
// manager (INVOCATION_ID is set), stays on the screen for a while before the exit. A developer
// at a shell gets the message at once. Configuration errors never quote personal data.
func reportTerminalFailure(err error, stdout io.Writer) {
	if w, serr := syslog.New(syslog.LOG_ERR|syslog.LOG_DAEMON, "kiosk"); serr == nil {
		_ = w.Err("the kiosk could not start: " + err.Error())
		_ = w.Close()
	}
	if out, ok := stdout.(*os.File); ok && term.IsTerminal(out.Fd()) && os.Getenv("INVOCATION_ID") != "" {
		fmt.Fprintf(out, "\r\nkiosk: %v\r\n(this window closes in %d s; the message is also in: journalctl -t kiosk)\r\n",
			err, int(failureShownFor.Seconds()))
		time.Sleep(failureShownFor)
	}
}

// failureShownFor is how long a start-up error stays on a terminal before the kiosk exits.
const failureShownFor = 15 * time.Second

func runCheck(args []string, stdout io.Writer) error {
	fset := flag.NewFlagSet("check", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	dir := fset.String("assets", "", "directory with profiles/*.json, catalogue.json and texts.json")
	if err := fset.Parse(args); err != nil || fset.NArg() > 0 {
		return errUsage
	}
	var fsys fs.FS = assets.FS()
	if *dir != "" {
		fsys = os.DirFS(*dir)
	}
	ref, err := model.LoadReference(fsys)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "profiles:  %s\n", strings.Join(ref.ProfileNames(), ", "))
	fmt.Fprintf(stdout, "catalogue: %d violation codes\n", ref.Catalogue.Len())
	fmt.Fprintf(stdout, "texts:     %d reason codes in %d languages\n", len(model.AllReasonCodes()), len(model.Langs()))
	return nil
}
