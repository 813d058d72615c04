package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/internal/pgtest"
	"github.com/hallkiosk/kiosk/server/store"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// buildKiosk compiles the binary once per test.
func buildKiosk(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kiosk")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func runBin(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("kiosk %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// served is a running `kiosk serve` process.
type served struct {
	cmd    *exec.Cmd
	base   string
	stdout *bufio.Reader // what the server prints after its first line
	logs   *strings.Builder
	mu     *sync.Mutex
	done   chan error
}

func startServe(t *testing.T, bin string, args ...string) *served {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	stdout, _ := cmd.StdoutPipe()
	s := &served{cmd: cmd, logs: &strings.Builder{}, mu: &sync.Mutex{}, done: make(chan error, 1)}
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			s.mu.Lock()
			s.logs.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
		}
	}()
	s.stdout = bufio.NewReader(stdout)
	line, err := s.stdout.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "listening on ") {
		cmd.Process.Kill()
		t.Fatalf("serve did not start: %q %v\n%s", line, err, s.logText())
	}
	s.base = strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-s.done
	})
	return s
}

func (s *served) logText() string { s.mu.Lock(); defer s.mu.Unlock(); return s.logs.String() }

func enrollWith(t *testing.T, bin string, storeArgs ...string) (string, []byte) {
	t.Helper()
	out := runBin(t, bin, append([]string{"enroll", "--name", "test kiosk"}, storeArgs...)...)
	var id, secret string
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "kiosk_id="); ok {
			id = v
		}
		if v, ok := strings.CutPrefix(line, "secret="); ok {
			secret = v
		}
	}
	key, err := hex.DecodeString(secret)
	if err != nil || id == "" {
		t.Fatalf("enroll printed %q", out)
	}
	return id, key
}

// importDemo generates demo data with the binary and imports it into the store.
func importDemo(t *testing.T, bin string, storeArgs ...string) *dataset.Data {
	t.Helper()
	file := filepath.Join(t.TempDir(), "demo.json")
	out, err := exec.Command(bin, "demo-data", "--people", "30").Output()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, out, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := runBin(t, bin, append(append([]string{"import"}, storeArgs...), file)...); !strings.HasPrefix(got, "imported ") {
		t.Fatalf("import: %s", got)
	}
	f, _ := os.Open(file)
	defer f.Close()
	d, err := dataset.Decode(f, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Two server processes on one PostgreSQL database receive the same operations at the same
// time: each operation applies once.
func TestTwoServerProcessesApplyEachOperationOnce(t *testing.T) {
	dsn := pgtest.New(t)
	bin := buildKiosk(t)
	data := importDemo(t, bin, "--store", dsn)
	id, secret := enrollWith(t, bin, "--store", dsn)
	// Two processes on one host: each has its own admin socket.
	a := startServe(t, bin, "--store", dsn, "--admin-socket", filepath.Join(t.TempDir(), "admin.sock"))
	b := startServe(t, bin, "--store", dsn, "--admin-socket", filepath.Join(t.TempDir(), "admin.sock"))

	// Payments for every violation with a decision: facts that must each be recorded once.
	var ops []api.Op
	for _, v := range data.Violations {
		if v.Decision != "" && len(ops) < 40 {
			seq := int64(len(ops) + 1)
			ops = append(ops, api.Op{ID: fmt.Sprintf("two-%d", seq), Epoch: 1, Seq: seq, Type: api.OpPay, At: time.Now(),
				Pay: &api.PayOp{Method: "card", Reference: fmt.Sprint(seq), Items: []api.PayItem{{ViolationID: v.ID, FineFen: int64(v.Fine)}}}})
		}
	}
	if len(ops) < 10 {
		t.Fatalf("demo data has only %d decided violations", len(ops))
	}
	results := make([][]api.OpResult, 4)
	var wg sync.WaitGroup
	for i := range results {
		base := []string{a.base, b.base}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := api.NewClient(base, id, secret, nil)
			for attempt := 0; attempt < 50; attempt++ {
				resp, err := c.Ops(context.Background(), ops)
				if err == nil && resp.Results[len(ops)-1].Outcome != api.OutcomeDeferred {
					results[i] = resp.Results
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
			t.Errorf("sender %d never got a full answer", i)
		}()
	}
	wg.Wait()
	for i := 1; i < len(results); i++ {
		for j := range ops {
			if results[i] == nil || fmt.Sprint(results[i][j]) != fmt.Sprint(results[0][j]) {
				t.Fatalf("sender %d got another answer for %s", i, ops[j].ID)
			}
		}
	}
	// Each answer names the payment recorded under the operation's id.
	for _, r := range results[0] {
		if len(r.Payments) == 0 || r.Payments[0].ID != r.OpID+"/1" {
			t.Errorf("op %s: payments %+v", r.OpID, r.Payments)
		}
	}
	assertOnePaymentEach(t, dsn, ops)
}

func TestServeShutsDownGracefullyOnSIGTERM(t *testing.T) {
	bin := buildKiosk(t)
	s := startServe(t, bin, "--data", t.TempDir())
	resp, err := http.Get(s.base + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("exit: %v\n%s", err, s.logText())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop within 15 s of SIGTERM")
	}
	s.done <- nil // for the cleanup
	if !strings.Contains(s.logText(), `"msg":"stopped"`) {
		t.Errorf("no orderly stop in the log:\n%s", s.logText())
	}
}

func TestServeTLS(t *testing.T) {
	bin := buildKiosk(t)
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	s := startServe(t, bin, "--data", dir, "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(s.base, "https://") {
		t.Fatalf("base %s", s.base)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := hc.Get(s.base + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz over TLS: %v %v", resp, err)
	}
	resp.Body.Close()
	// Plain HTTP to the TLS port gets net/http's 400 error page, never the API's answer.
	if resp, err := http.Get(strings.Replace(s.base, "https://", "http://", 1) + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP was answered by the API on the TLS port")
		}
	}
}

func selfSigned(t *testing.T, dir string) (string, string, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// assertOnePaymentEach checks in the database that each payment operation left exactly one
// payment record under its id.
func assertOnePaymentEach(t *testing.T, dsn string, ops []api.Op) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.Read(ctx, func(r store.Reader) error {
		for _, op := range ops {
			ps, err := r.Payments(op.Pay.Items[0].ViolationID)
			if err != nil {
				return err
			}
			n := 0
			for _, p := range ps {
				if p.ID == op.ID+"/1" {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%s: %d payment records, want 1", op.ID, n)
			}
		}
		counts, err := r.OpCounts()
		if err != nil {
			return err
		}
		total := int64(0)
		for _, c := range counts {
			total += c
		}
		if total != int64(len(ops)) {
			t.Errorf("%d operations stored, want %d", total, len(ops))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A file with a bad record is refused as a whole, with the record's path, and the store keeps
// nothing of it.
func TestImportIsAllOrNothing(t *testing.T) {
	bin := buildKiosk(t)
	dir := t.TempDir()
	good, err := exec.Command(bin, "demo-data", "--people", "5").Output()
	if err != nil {
		t.Fatal(err)
	}
	// Break one person's file number, far down the file.
	bad := strings.Replace(string(good), `"file_number": "`, `"file_number": "X`, 3)
	file := filepath.Join(dir, "bad.json")
	os.WriteFile(file, []byte(bad), 0o600)
	out, err := exec.Command(bin, "import", "--data", dir, file).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "nothing was imported") || !strings.Contains(string(out), "].licence.file_number") {
		t.Fatalf("bad import: %v\n%s", err, out)
	}
	// The file is checked whole before the database is even opened: nothing can be half-imported.
	if _, err := os.Stat(filepath.Join(dir, "server.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused import touched the database: %v", err)
	}
}

// --simulate-payments serves the simulated payment channel and says so in the log; without it
// the route does not exist.
func TestServeSimulatePayments(t *testing.T) {
	bin := buildKiosk(t)
	for _, simulate := range []bool{false, true} {
		args := []string{"--data", t.TempDir()}
		want := http.StatusNotFound
		if simulate {
			args, want = append(args, "--simulate-payments"), http.StatusUnauthorized // served, and unsigned
		}
		s := startServe(t, bin, args...)
		resp, err := http.Post(s.base+"/v1/payorders/order-1/simulate-paid", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("simulate %v: simulate-paid answered %d, want %d", simulate, resp.StatusCode, want)
		}
		warned := func() bool { return strings.Contains(s.logText(), "simulated payments are on") }
		for deadline := time.Now().Add(5 * time.Second); simulate && !warned() && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		if warned() != simulate {
			t.Errorf("simulate %v: warning in the log is %v:\n%s", simulate, warned(), s.logText())
		}
	}
}

// A request answered just before the embedded server is killed (SIGKILL: no shutdown, no
// flush) cannot be replayed to the server started again on the same data directory: its nonce
// reached the disk before the answer did.
func TestReplayAfterKillIsRefused(t *testing.T) {
	bin := buildKiosk(t)
	dir := t.TempDir()
	id, secret := enrollWith(t, bin, "--data", dir)
	s := startServe(t, bin, "--data", dir)
	for round := range 3 {
		body := []byte(`{"outbox_depth":0,"version":"1"}`)
		signed, _ := http.NewRequest("POST", s.base+"/v1/heartbeat", nil)
		if err := api.Sign(signed, id, secret, body, time.Now()); err != nil {
			t.Fatal(err)
		}
		send := func(base string) int {
			r, _ := http.NewRequest("POST", base+"/v1/heartbeat", bytes.NewReader(body))
			r.Header = signed.Header.Clone()
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp.StatusCode
		}
		if st := send(s.base); st != http.StatusOK {
			t.Fatalf("round %d: the first sending: %d\n%s", round, st, s.logText())
		}
		s.cmd.Process.Kill() // at once, as the answer arrives
		<-s.done
		s.done <- nil // for the cleanup
		s = startServe(t, bin, "--data", dir)
		if st := send(s.base); st != http.StatusUnauthorized {
			t.Fatalf("round %d: the replay after SIGKILL and a restart: %d, want 401", round, st)
		}
		for deadline := time.Now().Add(5 * time.Second); !strings.Contains(s.logText(), `"reason":"replayed"`); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: no replay in the log:\n%s", round, s.logText())
			}
		}
	}
}
