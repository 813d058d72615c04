package loadtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/internal/cputime"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server"
	"github.com/hallkiosk/kiosk/server/store"
)

// ReplicasConfig sets up a run of several `kiosk serve` processes on one PostgreSQL database,
// one of which is killed and restarted while kiosks are under load.
type ReplicasConfig struct {
	Bin      string // the kiosk binary, started as `kiosk serve`
	DSN      string // postgres://... : the database every server process shares
	Replicas int    // server processes
	Kiosks   int
	Rate     float64 // offered session requests a second, all kiosks together
	Duration time.Duration
	People   int
	Seed     int64
	// Camera is how many new violations arrive a second (0: Rate/8; negative: none).
	Camera int
	// KillAt is when, from the start of the load, one server is killed with SIGKILL (0: a third
	// of Duration); DownFor how long it stays down before it is started again on the same
	// address (0: 5 s). Kill is the index of that server.
	KillAt, DownFor time.Duration
	Kill            int
	// Pinned points each kiosk at one server: the kiosks of the killed one wait for it to come
	// back. Otherwise kiosks reach the servers through a front that skips a dead one.
	Pinned bool
	// RandomPoint kills the server at a random point of a batch's handling (mostly before its
	// commit: a batch takes milliseconds). Otherwise the front holds the server's next answer
	// to a batch and the server is killed then: committed, and the kiosk not told.
	RandomPoint bool
	// Dir holds the kiosks' stores and the servers' data directories and logs ("": a temporary
	// directory, removed at the end).
	Dir string
	// Settle bounds the wait, after the load, for every kiosk's outbox to drain (0: 60 s).
	Settle time.Duration
	// Window is the length of the report's time windows (0: 2 s).
	Window time.Duration
	// Progress, when set, receives a line at each stage of the run.
	Progress io.Writer
}

// ReplicasReport is the outcome of a replicas run.
type ReplicasReport struct {
	Replicas, Kiosks int
	Pinned           bool
	KioskDir         string
	// Load is the kiosks' session requests: lookups, and processing and payments from queueing
	// to the server's answer as the kiosk's outbox recorded it.
	Load   Result
	Camera int64
	// Killed is the index of the killed server; KilledAt and RestartedAt are from the start of
	// the load, Listening is how long the restarted process took to listen again.
	Killed                          int
	KilledAt, RestartedAt           time.Duration
	Listening                       time.Duration
	KillWindowEnd                   time.Duration
	KillWindowErrors, OutsideErrors map[string]int
	// AppliedWhileDown counts the processings and payments answered as applied between the
	// kill and the restart: the other servers carried the kiosks' work meanwhile.
	AppliedWhileDown int
	// KilledInFlight says the kill cut off a batch of operations the server had been handed and
	// whose answer its kiosk did not receive; CutOff are its op ids (when the front could read
	// them).
	KilledInFlight bool
	CutOff         []string
	// Connections is how many connections the fronts handed to each server, Refused how many
	// found no server.
	Connections []int64
	Refused     int64
	// Resent counts operations the kiosks' engines sent again after a failed exchange.
	Resent int
	// ServerCPU is the CPU time of the server processes over their lives; KioskCPU that of this
	// process (the kiosks, the fronts, the cameras) during the load; MachineCores how many cores
	// the whole machine kept busy during the load on average (PostgreSQL, and anything else that
	// shares it), 0 when unknown.
	ServerCPU, KioskCPU time.Duration
	MachineCores        float64
	// Outages are the times the kiosks' sync engines were cut off from the server, by kiosk.
	Outages []Outage
	// Drained is how long after the load the last outbox emptied; Stuck lists kiosks whose
	// outbox still held operations, or whose engine was not online, when Settle ran out.
	Drained time.Duration
	Stuck   []string
	Check   OnceCheck
}

// Outage is a stretch in which one kiosk's sync engine could not get an answer.
type Outage struct {
	Kiosk    string
	From, To time.Duration // from the start of the load; To is zero when it had not ended
}

// OnceCheck is what the database holds against what the kiosks queued.
type OnceCheck struct {
	Queued   int            // operations in the kiosks' outboxes
	Stored   int64          // operations the server stored for the run's kiosks
	Outcomes map[string]int // stored outcomes of the queued operations
	// Decisions, LedgerEntries and Payments were found once each for the applied operations.
	Decisions, LedgerEntries, Payments int
	// CutOffStored counts the operations of the batch the kill cut off that the killed server
	// had stored before it died (their answer was lost and given again to a retry);
	// CutOffAfter those stored after the kill, by a retry.
	CutOffStored, CutOffAfter int
	Problems                  []string
}

// OK reports that every queued operation was applied exactly once.
func (c OnceCheck) OK() bool { return len(c.Problems) == 0 && int64(c.Queued) == c.Stored }

// RunReplicas starts cfg.Replicas server processes on the database, enrolls cfg.Kiosks kiosks
// (each with its own store, sync engine and service, as the terminal runs them), spreads them
// over the servers, offers the load, kills one server with SIGKILL mid-load and starts it again,
// waits for every outbox to drain, and checks the database against what the kiosks queued.
func RunReplicas(ctx context.Context, cfg ReplicasConfig) (rep ReplicasReport, err error) {
	if !strings.HasPrefix(cfg.DSN, "postgres://") && !strings.HasPrefix(cfg.DSN, "postgresql://") {
		return rep, errors.New("replicas: several server processes share one database only on PostgreSQL: " +
			"give --store postgres://...")
	}
	if cfg.Replicas < 2 || cfg.Kiosks < 1 || cfg.Rate <= 0 || cfg.Duration <= 0 {
		return rep, errors.New("replicas: need at least 2 servers, 1 kiosk, a positive rate and duration")
	}
	if cfg.Kill < 0 || cfg.Kill >= cfg.Replicas {
		return rep, fmt.Errorf("replicas: the server to kill must be 0 to %d", cfg.Replicas-1)
	}
	if cfg.KillAt == 0 {
		cfg.KillAt = cfg.Duration / 3
	}
	if cfg.DownFor == 0 {
		cfg.DownFor = 5 * time.Second
	}
	if cfg.KillAt < 0 || cfg.DownFor < 0 || cfg.KillAt+cfg.DownFor >= cfg.Duration {
		return rep, fmt.Errorf("replicas: the kill at %s and the %s down must end inside the %s of load: "+
			"give a longer --duration or an earlier --kill-at", cfg.KillAt, cfg.DownFor, cfg.Duration)
	}
	if cfg.Settle == 0 {
		cfg.Settle = time.Minute
	}
	if cfg.Window == 0 {
		cfg.Window = 2 * time.Second
	}
	progress := func(format string, args ...any) {
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, format+"\n", args...)
		}
	}
	if cfg.Dir == "" {
		if cfg.Dir, err = kioskTempDir(); err != nil {
			return rep, err
		}
		defer os.RemoveAll(cfg.Dir)
	}
	rep = ReplicasReport{Replicas: cfg.Replicas, Kiosks: cfg.Kiosks, Pinned: cfg.Pinned, KioskDir: cfg.Dir, Killed: cfg.Kill}

	st, err := store.Open(ctx, cfg.DSN)
	if err != nil {
		return rep, err
	}
	defer st.Close()
	ref, err := model.LoadReference(assets.FS())
	if err != nil {
		return rep, err
	}
	p, err := ref.Profile("national")
	if err != nil {
		return rep, err
	}
	data := dataset.Demo(cfg.Seed, time.Now(), cfg.People)
	if _, err := server.Import(ctx, st, p, data); err != nil {
		return rep, err
	}
	progress("imported %d people; starting %d servers", len(data.People), cfg.Replicas)

	servers := make([]*replica, cfg.Replicas)
	for i := range servers {
		addr, err := freeLoopback()
		if err != nil {
			return rep, err
		}
		servers[i] = &replica{bin: cfg.Bin, dsn: cfg.DSN, addr: addr, dir: filepath.Join(cfg.Dir, fmt.Sprintf("server-%d", i+1))}
	}
	defer func() {
		for _, s := range servers {
			if serr := s.stop(); serr != nil && err == nil {
				err = serr
			}
		}
	}()
	for _, s := range servers {
		if _, err := s.start(); err != nil {
			return rep, err
		}
	}
	// Kiosks reach the servers through fronts: one that spreads them over every server and skips
	// a dead one, or, pinned, one per server that only passes its traffic on. Either way a front
	// sees when a batch of operations is on its way to a server, so that the kill can cut one off.
	var fronts []*front
	defer func() {
		for _, fr := range fronts {
			fr.close()
		}
	}()
	addrs := make([]string, len(servers))
	for i, s := range servers {
		addrs[i] = s.addr
	}
	groups := [][]string{addrs}
	if cfg.Pinned {
		groups = nil
		for _, a := range addrs {
			groups = append(groups, []string{a})
		}
	}
	for _, g := range groups {
		fr, err := newFront(g)
		if err != nil {
			return rep, err
		}
		fronts = append(fronts, fr)
	}
	homes := make([]string, len(fronts))
	for i, fr := range fronts {
		homes[i] = fr.URL()
	}
	watch, watched := fronts[0], cfg.Kill
	if cfg.Pinned {
		watch, watched = fronts[cfg.Kill], 0
	}

	fleet, err := enrollFleet(ctx, st, ref, p, cfg, homes)
	if err != nil {
		return rep, err
	}
	defer fleet.close()
	progress("%d kiosks online (stores in %s); offering %.0f requests/s for %s", cfg.Kiosks, cfg.Dir, cfg.Rate, cfg.Duration)

	cam := newCamera(st, data, cfg.Seed)
	camCtx, stopCam := context.WithCancel(ctx)
	defer stopCam()
	camErr := make(chan error, 1)
	go func() { camErr <- cam.run(camCtx, cameraRate(Config{Rate: cfg.Rate, Camera: cfg.Camera})) }()

	start := time.Now()
	fleet.start = start
	self0 := cputime.Self()
	machine0, machineOK := cputime.Machine()
	killErr := make(chan error, 1)
	go func() { killErr <- rep.killAndRestart(ctx, cfg, servers[cfg.Kill], watch, watched, start, progress) }()
	var samples []sample
	rep.Load, samples = fleet.offer(ctx, cfg, data, rules{profile: p, catalogue: ref.Catalogue}, start)
	rep.KioskCPU = cputime.Self() - self0
	if machine1, ok := cputime.Machine(); ok && machineOK {
		rep.MachineCores = float64(machine1-machine0) / float64(time.Since(start))
	}
	stopCam()
	if err := <-camErr; err != nil {
		return rep, err
	}
	rep.Camera = cam.added.Load()
	if err := <-killErr; err != nil {
		return rep, err
	}
	if err := fleet.failure(); err != nil {
		return rep, err
	}
	loadEnd := time.Now()
	progress("load over; waiting for the outboxes to drain")
	rep.Stuck, err = fleet.settle(ctx, cfg.Settle)
	if err != nil {
		return rep, err
	}
	rep.Drained = time.Since(loadEnd)
	// The end of the kill window: the restarted server listening plus the engine's longest
	// backoff and a second, by when a kiosk that waited for its server has tried it again.
	rep.KillWindowEnd = rep.RestartedAt + rep.Listening + 5*time.Second
	rep.KillWindowErrors, rep.OutsideErrors = errorsAround(samples, rep.KilledAt, rep.KillWindowEnd)
	rep.AppliedWhileDown = appliedBetween(samples, rep.KilledAt, rep.RestartedAt)
	rep.Outages = fleet.outages()
	for _, fr := range fronts {
		rep.Connections = append(rep.Connections, fr.connections()...)
		rep.Refused += fr.refused.Load()
	}
	for _, k := range fleet.kiosks {
		st := k.engine.Status()
		rep.Resent += st.OpsSent - st.OpsDone
	}
	progress("checking the database against %d kiosks' outboxes", cfg.Kiosks)
	if rep.Check, err = checkOnce(ctx, st, fleet.kiosks, rep.CutOff, start.Add(rep.KilledAt)); err != nil {
		return rep, err
	}
	for _, s := range servers {
		if err := s.stop(); err != nil {
			return rep, err
		}
		rep.ServerCPU += s.cpu
	}
	return rep, nil
}

// killAndRestart kills the server with SIGKILL at cfg.KillAt, in the middle of a batch of
// operations (waiting up to 3 s for one), and starts it again on the same address cfg.DownFor
// later.
func (rep *ReplicasReport) killAndRestart(ctx context.Context, cfg ReplicasConfig, s *replica, watch *front, b int,
	start time.Time, progress func(string, ...any)) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Until(start.Add(cfg.KillAt))):
	}
	release := func() {}
	if cfg.RandomPoint {
		rep.cutAtRandom(cfg, watch, b)
	} else {
		// The server's next answer to a batch is held at the front: the kill comes after the
		// batch's commit, and the kiosk never hears of it. The answer is dropped, and the
		// kiosk's connection closed, once the server is dead.
		h := watch.holdNextAnswer(b)
		var once sync.Once
		release = func() { once.Do(func() { close(h.release) }) }
		defer release()
		select {
		case req := <-h.held:
			rep.CutOff, rep.KilledInFlight = opIDsOf(req), true
		case <-time.After(3 * time.Second):
			watch.disarm(b)
			select {
			case req := <-h.held: // caught just as it was taken back
				rep.CutOff, rep.KilledInFlight = opIDsOf(req), true
			default:
			}
		}
	}
	rep.KilledAt = time.Since(start)
	err := s.kill()
	release()
	if err != nil {
		return err
	}
	progress("server %d killed at %s (a batch of %d operations cut off: %v)", cfg.Kill+1,
		rep.KilledAt.Round(time.Millisecond), len(rep.CutOff), rep.KilledInFlight)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(cfg.DownFor):
	}
	rep.RestartedAt = time.Since(start)
	d, err := s.start()
	if err != nil {
		return fmt.Errorf("restart server %d: %w", cfg.Kill+1, err)
	}
	rep.Listening = d
	progress("server %d restarted at %s (listening after %s)", cfg.Kill+1, rep.RestartedAt.Round(time.Millisecond),
		d.Round(time.Millisecond))
	return nil
}

// cutAtRandom waits for a batch of operations to reach the server and lets a random part of
// its handling pass (some runs kill before its commit, some after): a batch answered in the
// meantime does not count.
func (rep *ReplicasReport) cutAtRandom(cfg ReplicasConfig, watch *front, b int) {
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 77))
	for give := time.Now().Add(3 * time.Second); time.Now().Before(give); {
		if !watch.opsInFlight(b) {
			time.Sleep(200 * time.Microsecond)
			continue
		}
		time.Sleep(time.Duration(rng.Int64N(int64(10 * time.Millisecond))))
		if watch.opsInFlight(b) {
			rep.CutOff, rep.KilledInFlight = watch.lastOpIDs(b), true
			return
		}
	}
}

// kioskTempDir is where a run keeps its kiosks' stores: on a memory file system when there is
// one. Every kiosk of a hall has a disk of its own; a hundred and fifty of them fsyncing on this
// machine's one disk would measure that disk, not the servers.
func kioskTempDir() (string, error) {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "kiosk-replicas-"); err == nil {
			return d, nil
		}
	}
	return os.MkdirTemp("", "kiosk-replicas-")
}

func freeLoopback() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// replica is one `kiosk serve` process, started again on the same address after a kill.
type replica struct {
	bin, dsn, addr, dir string
	cmd                 *exec.Cmd
	log                 *os.File
	cpu                 time.Duration // CPU time of its processes that have ended
}

// ended adds the CPU time of an ended process.
func (r *replica) ended(cmd *exec.Cmd) {
	if ps := cmd.ProcessState; ps != nil {
		r.cpu += ps.UserTime() + ps.SystemTime()
	}
}

// start starts the process and waits until it listens; it returns how long that took.
func (r *replica) start() (time.Duration, error) {
	if err := os.MkdirAll(r.dir, 0o700); err != nil {
		return 0, err
	}
	lf, err := os.OpenFile(filepath.Join(r.dir, "serve.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	began := time.Now()
	// Its own data directory keeps its admin socket apart from the others'; no staff console.
	cmd := exec.Command(r.bin, "serve", "--store", r.dsn, "--addr", r.addr, "--data", r.dir, "--console", "",
		"--log-level", "error")
	cmd.Stderr = lf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		lf.Close()
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		lf.Close()
		return 0, err
	}
	lines := make(chan string, 1)
	go func() {
		rd := bufio.NewReader(stdout)
		line, _ := rd.ReadString('\n')
		lines <- line
		_, _ = io.Copy(io.Discard, rd)
	}()
	select {
	case line := <-lines:
		if strings.HasPrefix(line, "listening on") {
			r.cmd, r.log = cmd, lf
			return time.Since(began), nil
		}
	case <-time.After(30 * time.Second):
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	lf.Close()
	tail, _ := os.ReadFile(filepath.Join(r.dir, "serve.log"))
	return 0, fmt.Errorf("kiosk serve on %s did not start; its log ends:\n%s", r.addr, lastLines(string(tail), 5))
}

// kill ends the process with SIGKILL: no shutdown, requests in flight cut off.
func (r *replica) kill() error {
	if r.cmd == nil {
		return errors.New("kill: the server is not running")
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.ended(r.cmd)
	r.cmd = nil
	return r.log.Close()
}

// stop ends a running process as an operator does (SIGTERM); a server that does not stop
// within 30 s is killed and that is an error.
func (r *replica) stop() error {
	if r.cmd == nil {
		return nil
	}
	cmd := r.cmd
	r.cmd = nil
	defer r.log.Close()
	defer r.ended(cmd)
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("kiosk serve on %s: %w", r.addr, err)
		}
		return nil
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("kiosk serve on %s did not stop within 30 s of SIGTERM", r.addr)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// errorsAround counts failed and degraded answers (by kind and outcome) seen in [from, to) and
// outside it, by the time the kiosk saw them.
func errorsAround(samples []sample, from, to time.Duration) (inside, outside map[string]int) {
	inside, outside = map[string]int{}, map[string]int{}
	for _, s := range samples {
		if !s.err && s.outcome != outcomeCached && s.outcome != outcomePending && s.outcome != outcomeOfflineNo {
			continue
		}
		key := s.kind + " " + s.outcome
		if seen := s.at + s.latency; seen >= from && seen < to {
			inside[key]++
		} else {
			outside[key]++
		}
	}
	return inside, outside
}

// appliedBetween counts the processings and payments answered as applied within [from, to).
func appliedBetween(samples []sample, from, to time.Duration) int {
	n := 0
	for _, s := range samples {
		if seen := s.at + s.latency; (s.kind == "process" || s.kind == "pay") && s.outcome == api.OutcomeApplied &&
			seen >= from && seen < to {
			n++
		}
	}
	return n
}

// Text renders the report for a terminal and for docs/PERFORMANCE.md.
func (r ReplicasReport) Text() string {
	var b strings.Builder
	how := "through a front that hands each new connection to the next live server"
	if r.Pinned {
		how = "each pinned to one server"
	}
	fmt.Fprintf(&b, "%d kiosk serve processes on one PostgreSQL; %d kiosks (store, sync engine, service) %s; kiosk stores in %s\n",
		r.Replicas, r.Kiosks, how, r.KioskDir)
	fmt.Fprintf(&b, "%s\n", r.Load)
	fmt.Fprintf(&b, "CPU: servers %.1f s over their lives, kiosks and load generator %.1f s during the load; "+
		"the machine kept %.2f of %d cores busy during the load\n", r.ServerCPU.Seconds(), r.KioskCPU.Seconds(),
		r.MachineCores, runtime.NumCPU())
	fmt.Fprintf(&b, "mix: %v, p99 by kind: %v\n", r.Load.ByKind, r.Load.P99ByKind)
	fmt.Fprintf(&b, "outcomes: %v\n", r.Load.Outcomes)
	fmt.Fprintf(&b, "cameras added %d violations\n", r.Camera)
	fmt.Fprintf(&b, "server %d killed (SIGKILL) at %s, restarted at %s, listening %s later\n", r.Killed+1,
		r.KilledAt.Round(time.Millisecond), r.RestartedAt.Round(time.Millisecond), r.Listening.Round(time.Millisecond))
	if r.KilledInFlight {
		fmt.Fprintf(&b, "the kill cut off a batch of %d operations: %d stored before the kill (answer lost, given again to "+
			"the retry), %d stored after it by the retry\n", len(r.CutOff), r.Check.CutOffStored, r.Check.CutOffAfter)
	} else {
		b.WriteString("no batch of operations was in flight to the killed server at the kill\n")
	}
	fmt.Fprintf(&b, "operations the kiosks' engines sent again after a failed exchange: %d\n", r.Resent)
	fmt.Fprintf(&b, "processings and payments applied while the server was down: %d\n", r.AppliedWhileDown)
	fmt.Fprintf(&b, "failed or degraded answers from the kill to %s: %v; at other times: %v\n",
		r.KillWindowEnd.Round(time.Millisecond), r.KillWindowErrors, r.OutsideErrors)
	fmt.Fprintf(&b, "connections handed to each server: %v, found no server: %d\n", r.Connections, r.Refused)
	fmt.Fprintf(&b, "%s\n", outageSummary(r.Outages, r.KilledAt, r.KillWindowEnd))
	fmt.Fprintf(&b, "outboxes drained %s after the load; stuck kiosks: %d %v\n", r.Drained.Round(time.Millisecond),
		len(r.Stuck), r.Stuck)
	c := r.Check
	fmt.Fprintf(&b, "operations queued at the kiosks %d, stored by the servers %d, outcomes %v\n", c.Queued, c.Stored, c.Outcomes)
	fmt.Fprintf(&b, "decisions %d, points ledger entries %d, payment records %d, each found once\n", c.Decisions,
		c.LedgerEntries, c.Payments)
	if c.OK() {
		b.WriteString("exactly once: every queued operation stored once, nothing stored that no kiosk queued\n")
	} else {
		fmt.Fprintf(&b, "exactly once: %d problems:\n  %s\n", len(c.Problems), strings.Join(c.Problems, "\n  "))
	}
	b.WriteString("mix by window:\n")
	for _, w := range r.Load.Windows {
		fmt.Fprintf(&b, "  %5s  %v\n", w.Start, w.Counts)
	}
	return b.String()
}

// outageSummary says how many kiosks lost their server around the kill and how long they took
// to get an answer again.
func outageSummary(outages []Outage, from, to time.Duration) string {
	var back, fromKill []time.Duration
	kiosks := map[string]bool{}
	others, open := 0, 0
	for _, o := range outages {
		switch {
		case o.To == 0:
			open++
		case o.From >= from && o.From < to:
			kiosks[o.Kiosk] = true
			back = append(back, o.To-o.From)
			fromKill = append(fromKill, o.To-from)
		default:
			others++
		}
	}
	if len(back) == 0 {
		return fmt.Sprintf("no kiosk's sync engine lost the server around the kill; outages at other times %d, not over %d",
			others, open)
	}
	return fmt.Sprintf("%d kiosks' sync engines lost the server around the kill; online again after p50 %s, max %s "+
		"(from the kill: p50 %s, max %s); outages at other times %d, not over %d",
		len(kiosks), percentile(back, 50).Round(time.Millisecond), slices.Max(back).Round(time.Millisecond),
		percentile(fromKill, 50).Round(time.Millisecond), slices.Max(fromKill).Round(time.Millisecond), others, open)
}
