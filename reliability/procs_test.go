package reliability

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/model"
)

// world is a server data directory with demo data and an enrolled kiosk, and the binary.
type world struct {
	t               *testing.T
	bin, dir        string
	serverData      string
	kioskData       string
	addr            string // fixed, so that a restarted server keeps its address
	kioskID, secret string
	workFile        string
	data            *dataset.Data
	server          *exec.Cmd
	serverKills     int
}

func newWorld(t *testing.T) *world {
	t.Helper()
	dir := t.TempDir()
	w := &world{t: t, dir: dir, bin: filepath.Join(dir, "kiosk-bin"), serverData: filepath.Join(dir, "server-data"), kioskData: filepath.Join(dir, "kiosk-data")}
	if out, err := exec.Command("go", "build", "-o", w.bin, "github.com/hallkiosk/kiosk").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	demo := filepath.Join(dir, "demo.json")
	out, err := exec.Command(w.bin, "demo-data", "--people", "80", "--seed", "7").Output()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(demo, out, 0o600)
	w.run("import", "--data", w.serverData, demo)
	enrolled := w.run("enroll", "--data", w.serverData, "--name", "crash kiosk")
	for _, line := range strings.Split(enrolled, "\n") {
		if v, ok := strings.CutPrefix(line, "kiosk_id="); ok {
			w.kioskID = v
		}
		if v, ok := strings.CutPrefix(line, "secret="); ok {
			w.secret = v
		}
	}
	f, _ := os.Open(demo)
	defer f.Close()
	if w.data, err = dataset.Decode(f, time.Now()); err != nil {
		t.Fatal(err)
	}
	w.workFile = filepath.Join(dir, "work.json")
	b, _ := json.Marshal(workOf(w.data))
	os.WriteFile(w.workFile, b, 0o600)
	w.addr = freeAddr(t)
	return w
}

func (w *world) run(args ...string) string {
	w.t.Helper()
	out, err := exec.Command(w.bin, args...).CombinedOutput()
	if err != nil {
		w.t.Fatalf("kiosk %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServer starts `kiosk serve` and waits until it listens.
func (w *world) startServer() {
	w.t.Helper()
	cmd := exec.Command(w.bin, "serve", "--data", w.serverData, "--addr", w.addr, "--log-level", "error")
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "listening on") {
		cmd.Process.Kill()
		cmd.Wait()
		w.t.Fatalf("server did not start: %q %v", line, err)
	}
	go io.Copy(io.Discard, stdout)
	w.server = cmd
}

func (w *world) killServer() {
	w.server.Process.Kill()
	w.server.Wait()
	w.serverKills++
}

func (w *world) stopServer() {
	w.server.Process.Signal(os.Interrupt)
	w.server.Wait()
}

func (w *world) url() string { return "http://" + w.addr }

// sim starts `kiosk sim` and collects the ids it reports as durably queued.
type sim struct {
	cmd    *exec.Cmd
	stderr *strings.Builder
	mu     sync.Mutex
	queued []string
	done   chan struct{}
	last   string // the last complete line
}

func (w *world) startSim(args ...string) *sim {
	w.t.Helper()
	base := []string{"sim", "--server", w.url(), "--data", w.kioskData, "--kiosk-id", w.kioskID, "--secret", w.secret}
	cmd := exec.Command(w.bin, append(base, args...)...)
	stdout, _ := cmd.StdoutPipe()
	s := &sim{cmd: cmd, done: make(chan struct{}), stderr: &strings.Builder{}}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() { // only complete lines: a line cut by SIGKILL is not an acknowledgement
			line := sc.Text()
			s.mu.Lock()
			s.last = line
			if id, ok := strings.CutPrefix(line, "QUEUED "); ok {
				s.queued = append(s.queued, id)
			}
			s.mu.Unlock()
		}
	}()
	return s
}

// kill SIGKILLs the sim and returns what it acknowledged.
func (s *sim) kill() []string {
	s.cmd.Process.Kill()
	s.cmd.Wait()
	<-s.done
	return s.queued
}

// wait waits for the sim to exit by itself; an error carries what it wrote to stderr.
func (s *sim) wait() (string, error) {
	<-s.done
	err := s.cmd.Wait()
	if err != nil {
		err = fmt.Errorf("%w: %s", err, s.stderr.String())
	}
	return s.last, err
}

// workOf picks, from the demo data, drivers with unprocessed camera violations on their own
// vehicles, and violations to pay.
func workOf(d *dataset.Data) map[string]any {
	owner := map[model.Plate]model.IDNumber{}
	for _, v := range d.Vehicles {
		owner[v.Plate] = v.Owner
	}
	licensed := map[model.IDNumber]bool{}
	for _, p := range d.People {
		licensed[p.Driver.ID] = p.Licence != nil
	}
	byDriver := map[model.IDNumber][]string{}
	var pay []map[string]any
	for _, v := range d.Violations {
		o := owner[v.Plate]
		if v.Status == model.StatusRecorded && v.Source == model.SourceCamera && licensed[o] {
			byDriver[o] = append(byDriver[o], v.ID)
		}
		pay = append(pay, map[string]any{"violation_id": v.ID, "fine_fen": int64(v.Fine)})
	}
	var process []map[string]any
	for drv, vs := range byDriver {
		for i := 0; i < len(vs); i += 2 {
			process = append(process, map[string]any{"driver_id": string(drv), "violations": vs[i:min(i+2, len(vs))]})
		}
	}
	return map[string]any{"process": process, "pay": pay}
}
