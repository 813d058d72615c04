package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// buildKiosk builds the module's binary into a temporary directory, as an installer would.
func buildKiosk(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "kiosk")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/hallkiosk/kiosk")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// run runs one of the binary's commands to its end and returns what it printed.
func run(tb testing.TB, bin string, args ...string) string {
	tb.Helper()
	var out, errOut bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		tb.Fatalf("kiosk %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String()
}

// freeAddr finds a loopback address nobody listens on.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// enrolled is a server with imported data and one enrolled kiosk.
type enrolled struct {
	url, kioskID, secretFile string
	data                     string        // the imported data file
	log                      *lockedBuffer // the server's log
}

// lockedBuffer is a buffer the server process's output is copied into while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startServer imports the demo data set into a fresh embedded store, enrolls a kiosk and runs
// `kiosk serve --simulate-payments` until the test ends. The server is a separate process, as
// in a hall: the kiosk reaches it only over HTTP.
func startServer(tb testing.TB, bin string) enrolled {
	tb.Helper()
	data := filepath.Join(tb.TempDir(), "data.json")
	if err := os.WriteFile(data, []byte(run(tb, bin, "demo-data", "--people", "40")), 0o600); err != nil {
		tb.Fatal(err)
	}
	return startServerWith(tb, bin, data)
}

// startServerWith is startServer with the data of the import file data.
func startServerWith(tb testing.TB, bin, data string) enrolled {
	tb.Helper()
	return startServerArgs(tb, bin, data, freeAddr(tb), "--simulate-payments")
}

// startServerArgs is startServer with the data of the import file data, listening on addr, and
// these further arguments of kiosk serve.
func startServerArgs(tb testing.TB, bin, data, addr string, serveArgs ...string) enrolled {
	tb.Helper()
	dir := tb.TempDir()
	store := filepath.Join(dir, "store")
	run(tb, bin, "import", "--data", store, data)
	e := enrolled{data: data}
	for _, line := range strings.Split(run(tb, bin, "enroll", "--data", store, "--name", "e2e 1号机", "--hall", "端到端测试大厅"), "\n") {
		if v, ok := strings.CutPrefix(line, "kiosk_id="); ok {
			e.kioskID = v
		}
		if v, ok := strings.CutPrefix(line, "secret="); ok {
			e.secretFile = filepath.Join(dir, "secret")
			if err := os.WriteFile(e.secretFile, []byte(v+"\n"), 0o600); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if e.kioskID == "" || e.secretFile == "" {
		tb.Fatal("kiosk enroll printed no kiosk_id or secret")
	}

	e.url = "http://" + addr
	e.log = &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	srv := exec.CommandContext(ctx, bin, append([]string{"serve", "--data", store, "--addr", addr}, serveArgs...)...)
	srv.Stdout, srv.Stderr = e.log, e.log
	if err := srv.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cancel(); _ = srv.Wait() })
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(e.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return e
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("the server did not answer /healthz within 15 s: %v\n%s", err, e.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kioskEnv is the environment the kiosk runs in on a hall terminal: a UTF-8 locale and the
// narrow width rule for East-Asian ambiguous glyphs.
func kioskEnv() []string {
	return []string{"LANG=C.UTF-8", "LC_ALL=C.UTF-8", "RUNEWIDTH_EASTASIAN=0", "TERM=xterm-256color"}
}

// channelSim is `kiosk channel-sim` running for the test: the payment channel "bank" the server
// creates its QR orders at, with its own SM2 key, and the server's key pair and channel
// configuration made as a hall would make them.
type channelSim struct {
	url    string        // the simulator's API and its /sim/ control
	config string        // the server's --channels file
	log    *lockedBuffer // what the simulator printed
}

// startChannelSim writes the server's key pair (kiosk channel-sim keygen), starts the simulator
// (which writes its public key) and writes the channel configuration for a server that will
// listen on serverAddr.
func startChannelSim(tb testing.TB, bin, serverAddr string) channelSim {
	tb.Helper()
	dir := tb.TempDir()
	file := func(name string) string { return filepath.Join(dir, name) }
	run(tb, bin, "channel-sim", "keygen", "--algorithm", "sm2", "--private", file("hall.key"), "--public", file("hall.pub"))
	addr := freeAddr(tb)
	cs := channelSim{url: "http://" + addr, config: file("channels.json"), log: &lockedBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	sim := exec.CommandContext(ctx, bin, "channel-sim", "--addr", addr, "--algorithm", "sm2", "--merchant-id", "M1000001",
		"--merchant-public-key", file("hall.pub"), "--public-key-out", file("bank.pub"))
	sim.Stdout, sim.Stderr = cs.log, cs.log
	if err := sim.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cancel(); _ = sim.Wait() })
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(cs.log.String(), "listening on") {
		if time.Now().After(deadline) {
			tb.Fatalf("the channel simulator did not start within 15 s:\n%s", cs.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	config := `{"order_channel": "bank", "channels": [{"name": "bank", "kind": "generic-http",
		"base_url": "` + cs.url + `", "merchant_id": "M1000001", "algorithm": "sm2",
		"channel_public_key_file": "bank.pub", "private_key_file": "hall.key",
		"notify_url": "http://` + serverAddr + `/v1/channels/bank/notify"}]}`
	if err := os.WriteFile(cs.config, []byte(config), 0o600); err != nil {
		tb.Fatal(err)
	}
	return cs
}

// scan plays a phone that scanned the QR text and paid: the simulator pays the order and
// notifies the server. It returns the channel's transaction id.
func (cs channelSim) scan(tb testing.TB, qr string) string {
	tb.Helper()
	resp, err := http.Post(cs.url+"/sim/scan?qr="+url.QueryEscape(qr), "application/json", nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var p struct {
		TransactionID string `json:"transaction_id"`
		Delivered     bool   `json:"delivered"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || resp.StatusCode != http.StatusOK || !p.Delivered ||
		p.TransactionID == "" {
		tb.Fatalf("the channel simulator paid %q: %d %+v %v\n%s", qr, resp.StatusCode, p, err, cs.log)
	}
	return p.TransactionID
}
