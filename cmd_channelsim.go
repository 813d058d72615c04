package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hallkiosk/kiosk/server/channel"
	"github.com/hallkiosk/kiosk/server/channel/channelsim"
)

// runChannelSim runs the channel simulator (kiosk channel-sim): the other side of the generic
// HTTP payment channel, for integrators and the end-to-end test. It makes a key pair at start and
// writes the public half where the server's channel configuration points; `pay ORDER_ID
// [AMOUNT_FEN]` or `scan QR_TEXT` on stdin, or POST /sim/pay/ORDER_ID or /sim/scan?qr=TEXT,
// plays a person paying. `kiosk channel-sim
// keygen` writes a key pair for the server's side (its private_key_file).
func runChannelSim(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "keygen" {
		return runChannelKeygen(args[1:], stdout)
	}
	fs := newFlagSet("channel-sim")
	addr := fs.String("addr", "127.0.0.1:8480", "listen address (loopback only: the pay endpoint has no authentication)")
	alg := fs.String("algorithm", channel.SM2, "rsa2 or sm2")
	merchant := fs.String("merchant-id", "M1000001", "the merchant id the server uses (its merchant_id)")
	merchantKey := fs.String("merchant-public-key", "", "the server's public key file (PEM), which verifies its requests")
	pubOut := fs.String("public-key-out", "", "where to write this channel's public key (the server's channel_public_key_file)")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || *merchantKey == "" || *pubOut == "" {
		return errUsage
	}
	host, _, err := net.SplitHostPort(*addr)
	if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
		return fmt.Errorf("--addr %s: the simulator listens on a loopback address only (its pay endpoint has no authentication)", *addr)
	}
	log, err := newLogger(stderr, *level)
	if err != nil {
		return err
	}
	keys, err := channel.LoadPublicKeys(*merchantKey, *alg)
	if err != nil {
		return fmt.Errorf("--merchant-public-key: %w", err)
	}
	key, err := channel.GenerateKey(*alg)
	if err != nil {
		return err
	}
	pub, err := key.PublicPEM()
	if err != nil {
		return err
	}
	if err := os.WriteFile(*pubOut, pub, 0o644); err != nil {
		return fmt.Errorf("--public-key-out: %w", err)
	}
	sim := channelsim.New(channelsim.Config{MerchantID: *merchant, Key: key, MerchantKeys: keys, Log: log})
	defer sim.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hs := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	var out sync.Mutex // stdout is shared by the command reader and the start-up lines
	say := func(format string, a ...any) {
		out.Lock()
		defer out.Unlock()
		fmt.Fprintf(stdout, format+"\n", a...)
	}
	say("channel simulator (%s) listening on http://%s", *alg, ln.Addr())
	say("public key written to %s; commands: pay ORDER_ID [AMOUNT_FEN], scan QR_TEXT [AMOUNT_FEN], "+
		"statement YYYY-MM-DD", *pubOut)
	go readSimCommands(stdin, sim, say)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return hs.Shutdown(shutdown)
}

// readSimCommands serves the stdin commands until stdin ends (the simulator goes on serving).
func readSimCommands(stdin io.Reader, sim *channelsim.Sim, say func(string, ...any)) {
	sc := bufio.NewScanner(stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 0:
		case (f[0] == "pay" || f[0] == "scan") && (len(f) == 2 || len(f) == 3):
			var amount int64
			if len(f) == 3 {
				n, err := strconv.ParseInt(f[2], 10, 64)
				if err != nil || n < 1 {
					say("error: AMOUNT_FEN must be a positive number of fen")
					continue
				}
				amount = n
			}
			pay := sim.Pay
			if f[0] == "scan" {
				pay = sim.PayQR
			}
			p, err := pay(f[1], amount)
			if err != nil {
				say("error: %v", err)
				continue
			}
			say("paid %s transaction_id=%s amount_fen=%d delivered=%v", f[1], p.TransactionID, p.AmountFen, p.Delivered)
		case f[0] == "statement" && len(f) == 2:
			b, err := sim.Statement(f[1])
			if errors.Is(err, channelsim.ErrNotReady) || err != nil {
				say("error: %v", err)
				continue
			}
			say("%s", strings.TrimRight(string(b), "\n"))
		default:
			say("error: commands are: pay ORDER_ID [AMOUNT_FEN], scan QR_TEXT [AMOUNT_FEN], statement YYYY-MM-DD")
		}
	}
}

// runChannelKeygen writes a key pair: the private key (mode 0600) and its public key.
func runChannelKeygen(args []string, stdout io.Writer) error {
	fs := newFlagSet("channel-sim keygen")
	alg := fs.String("algorithm", channel.SM2, "rsa2 or sm2")
	privOut := fs.String("private", "", "the private key file to write (mode 0600)")
	pubOut := fs.String("public", "", "the public key file to write")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || *privOut == "" || *pubOut == "" {
		return errUsage
	}
	key, err := channel.GenerateKey(*alg)
	if err != nil {
		return err
	}
	priv, err := key.PrivatePEM()
	if err != nil {
		return err
	}
	pub, err := key.PublicPEM()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(*privOut, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("--private: %w (an existing key is never overwritten)", err)
	}
	if _, err := f.Write(priv); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(*pubOut, pub, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (private, %s) and %s (public)\n", *privOut, *alg, *pubOut)
	return nil
}
