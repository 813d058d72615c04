package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/ui"
)

// heavyDriver is the person of the key-press benchmark: 508 violations that are waiting to be
// processed, over ten own cars, added to the demo data set. No demo persona has that many (the
// demo's stories are small), so the benchmark brings its own.
type heavyDriver struct {
	ID   model.IDNumber
	File model.FileNumber
}

const heavyViolations = 508

// writeHeavyData writes the import file of the benchmark: `kiosk demo-data` with the heavy
// driver, their cars and their violations appended. The violations cycle through catalogue
// codes of 0, 1, 3 and 6 points, one every five hours back from now.
func writeHeavyData(tb testing.TB, bin, path string, now time.Time) heavyDriver {
	tb.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(run(tb, bin, "demo-data", "--people", "40")), &doc); err != nil {
		tb.Fatal(err)
	}
	body := "44030419860517093"
	d := heavyDriver{ID: model.IDNumber(body + string(model.Mod112(body))), File: "440300990517"}
	add := func(section string, item map[string]any) {
		doc[section] = append(doc[section].([]any), item)
	}
	add("people", map[string]any{"id_number": string(d.ID), "name": "韩振东", "registered": true,
		"licence": map[string]any{"file_number": string(d.File), "classes": "C1", "status": "A",
			"first_issued": "2008-06-15", "issuer": "粤B"}})
	var plates []string
	for i := range 10 {
		plate := fmt.Sprintf("粤BW%04d", 7300+i)
		plates = append(plates, plate)
		add("vehicles", map[string]any{"plate_type": "02", "plate_number": plate, "owner_kind": "personal",
			"owner_id": string(d.ID), "use": "non_operating"})
	}
	codes := []struct {
		code   string
		points int
		fine   int64
	}{{"1039", 0, 20000}, {"1117", 1, 10000}, {"1357", 3, 20000}, {"6095", 0, 10000}, {"1625", 6, 20000}}
	places := []string{"深圳市福田区深南大道与彩田路交叉口", "深圳市南山区科苑南路与高新南四道交叉口", "深圳市罗湖区红岭中路与笋岗路交叉口"}
	for i := range heavyViolations {
		c := codes[i%len(codes)]
		add("violations", map[string]any{"id": fmt.Sprintf("BENCH-%04d", i), "plate_type": "02",
			"plate_number": plates[i%len(plates)], "time": now.Add(-time.Duration(i+1) * 5 * time.Hour).Format(time.RFC3339),
			"place": places[i%len(places)], "code": c.code, "points": c.points, "fine_fen": c.fine,
			"source": "non_on_site", "status": "recorded", "office": "深圳市公安局交通警察支队福田大队",
			"office_code": "440304"})
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		tb.Fatal(err)
	}
	return d
}

// Keys as an xterm sends them.
const (
	keyUp   = "\x1b[A"
	keyDown = "\x1b[B"
	keyPgUp = "\x1b[5~"
	keyPgDn = "\x1b[6~"
)

// keyCycle keeps the list moving in both directions: keyCycleRounds rounds of Down, Down, PgDn,
// Up walk down the list, as many of Up, Up, PgUp, Down walk back to where they started. Every
// key moves the list (508 violations are longer than the walk at 160x48, about 20 a page), so
// every key is drawn.
func keyCycle() []string {
	var keys []string
	for range keyCycleRounds {
		keys = append(keys, keyDown, keyDown, keyPgDn, keyUp)
	}
	for range keyCycleRounds {
		keys = append(keys, keyUp, keyUp, keyPgUp, keyDown)
	}
	return keys
}

const keyCycleRounds = 12

// keyInterval paces the keys like a fast typist, or a key held down (auto-repeat is about 30
// a second), so that every key is drawn before the next one comes.
const keyInterval = 30 * time.Millisecond

// BenchmarkKeypressInTerminal is a key press end to end: the built kiosk in a pseudo-terminal,
// the heavy driver's 508 violations on the overview, and b.N keys that keep the list moving,
// each waited for until the kiosk has written its frame. It reports the CPU the whole kiosk
// process spent per key (reading the key, Update, View, drawing the frame on the terminal,
// the garbage collector, every thread), less what the same process spends idle over the same time,
// measured just before in the same run; the idle cost (timers, the program's frame ticker,
// the sync engine) is reported on its own. ns/op is the pacing, not a cost.
//
//	go test ./e2e -run '^$' -bench KeypressInTerminal -benchtime 600x
//
// With KIOSK_CPUPROFILE=FILE in the environment, each kiosk writes a CPU profile of its whole
// run to FILE.COLSxROWS.
func BenchmarkKeypressInTerminal(b *testing.B) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		b.Skip("reads the kiosk's CPU time from /proc")
	}
	if ptmx, tty, err := pty.Open(); err != nil {
		b.Skipf("no pseudo-terminal: %v", err)
	} else {
		ptmx.Close()
		tty.Close()
	}
	bin := buildKiosk(b)
	data := filepath.Join(b.TempDir(), "data.json")
	driver := writeHeavyData(b, bin, data, time.Now())
	srv := startServerWith(b, bin, data)
	texts := catalogue(b)
	for _, size := range []struct{ cols, rows uint16 }{{80, 24}, {160, 48}} {
		b.Run(fmt.Sprintf("%dx%d", size.cols, size.rows), func(b *testing.B) {
			k := startHeavySession(b, bin, srv, driver, texts, size.cols, size.rows)
			defer k.terminate()
			pid := k.cmd.Process.Pid
			keys := keyCycle()

			// Idle first: the same process, the same screen, as long as the keys will take.
			// (The garbage of the keys is collected while they are pressed, not after.)
			k.settle(time.Second)
			idleFor := time.Duration(b.N) * keyInterval
			idle0 := processCPU(b, pid)
			k.settle(idleFor)
			idle := processCPU(b, pid) - idle0

			b.ResetTimer()
			start := time.Now()
			cpu0 := processCPU(b, pid)
			written := 0 // bytes the kiosk wrote to the terminal
			for i := 0; i < b.N; i++ {
				if d := time.Until(start.Add(time.Duration(i) * keyInterval)); d > 0 {
					written += k.settle(d)
				}
				written += k.press(keys[i%len(keys)])
			}
			written += k.settle(time.Until(start.Add(idleFor)))
			spent := processCPU(b, pid) - cpu0
			wall := time.Since(start)
			b.StopTimer()

			idleRate := float64(idle) / float64(idleFor)   // CPU ns per wall ns
			net := float64(spent) - idleRate*float64(wall) // what the keys cost
			b.ReportMetric(net/float64(b.N), "cpu-ns/key")
			b.ReportMetric(float64(spent)/float64(b.N), "gross-cpu-ns/key")
			b.ReportMetric(idleRate*float64(time.Second)/1e3, "idle-cpu-µs/s")
			b.ReportMetric(float64(written)/float64(b.N), "bytes/key")
		})
	}
}

// startHeavySession starts the kiosk against srv in a cols x rows pseudo-terminal and signs
// the heavy driver in, up to the overview of their violations.
func startHeavySession(b *testing.B, bin string, srv enrolled, d heavyDriver, texts *ui.Texts, cols, rows uint16) *ptyKiosk {
	b.Helper()
	if p := os.Getenv(cpuProfileEnv); p != "" {
		b.Setenv(cpuProfileEnv, fmt.Sprintf("%s.%dx%d", p, cols, rows))
	}
	k := startPtyKioskSize(b, bin, cols, rows, "--server", srv.url, "--kiosk-id", srv.kioskID,
		"--secret-file", srv.secretFile, "--data", b.TempDir(), "--idle", "10m")
	k.waitText(texts.Text(model.ZH, "welcome.title"), 10*time.Second)
	k.waitText(texts.Text(model.ZH, "net.online"), 15*time.Second)
	k.send("1")
	k.waitText(texts.Text(model.ZH, "identify.id_label"), 5*time.Second)
	k.send(string(d.ID))
	k.send(string(d.File))
	k.send("\r")
	k.waitText(strconv.Itoa(heavyViolations), 15*time.Second)
	return k
}

// cpuProfileEnv is the kiosk's environment variable for a CPU profile (cmd_terminal.go).
const cpuProfileEnv = "KIOSK_CPUPROFILE"

// send writes keys to the kiosk's terminal.
func (k *ptyKiosk) send(keys string) {
	k.t.Helper()
	if _, err := k.tty.Write([]byte(keys)); err != nil {
		k.t.Fatal(err)
	}
}

// press sends one key and waits until the kiosk has written something back: its next frame.
// It returns how many bytes it read.
func (k *ptyKiosk) press(key string) int {
	k.t.Helper()
	k.send(key)
	select {
	case b, ok := <-k.out:
		if !ok {
			k.t.Fatal("the terminal closed")
		}
		return len(b)
	case err := <-k.done:
		k.t.Fatalf("the kiosk exited: %v", err)
	case <-time.After(2 * time.Second):
		k.t.Fatalf("the kiosk drew nothing within 2 s after key %q: the list did not move", key)
	}
	return 0
}

// settle reads what the kiosk writes for d without keeping it, so that it never waits on a
// full terminal, and returns how many bytes it read.
func (k *ptyKiosk) settle(d time.Duration) (n int) {
	end := time.After(d)
	for {
		select {
		case b, ok := <-k.out:
			if !ok {
				k.t.Fatal("the terminal closed")
			}
			n += len(b)
		case <-end:
			return n
		}
	}
}

// terminate ends the kiosk with SIGTERM, as the service manager does, so that a CPU profile
// is written, and waits for it.
func (k *ptyKiosk) terminate() {
	_ = k.cmd.Process.Signal(syscall.SIGTERM)
	end := time.After(5 * time.Second)
	for {
		select {
		case <-k.done:
			return
		case _, ok := <-k.out:
			if !ok {
				k.out = nil
			}
		case <-end:
			k.t.Error("SIGTERM did not end the kiosk within 5 s")
			return
		}
	}
}

// processCPU is the CPU time process pid has used so far, all its threads: the sum of the
// threads' run times from /proc/PID/task/*/schedstat (nanoseconds), or, where the kernel has
// no schedstat, utime and stime from /proc/PID/stat (clock ticks of 10 ms).
func processCPU(tb testing.TB, pid int) time.Duration {
	tb.Helper()
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	var sum time.Duration
	for _, t := range tasks {
		raw, err := os.ReadFile(t)
		if err != nil {
			continue // a thread that ended; Go's runtime keeps its threads
		}
		f := strings.Fields(string(raw))
		if len(f) == 0 {
			continue
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			tb.Fatalf("%s: %q", t, raw)
		}
		sum += time.Duration(ns)
	}
	if sum > 0 {
		return sum
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Fatal(err)
	}
	// The command name in parentheses may hold spaces; the fields after it are fixed.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
