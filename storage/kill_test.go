//go:build unix

package storage

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The kill test re-runs this test binary as a child that enqueues in a loop; these variables
// select the child mode and reproduce a run.
const (
	killChildEnv  = "KIOSK_STORAGE_KILL_CHILD"  // store path: act as the child
	killPrefixEnv = "KIOSK_STORAGE_KILL_PREFIX" // op id prefix of this child
	killSeedEnv   = "KIOSK_STORAGE_KILL_SEED"   // parent: fixed seed for the random delays
	killRounds    = 20
)

func TestKill9(t *testing.T) {
	if path := os.Getenv(killChildEnv); path != "" {
		runKillChild(path, os.Getenv(killPrefixEnv))
		return
	}
	if testing.Short() {
		t.Skip("kill -9 loop skipped in -short mode")
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv(killSeedEnv); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("seed %d (set %s to repeat)", seed, killSeedEnv)
	rng := rand.New(rand.NewPCG(seed, 0))
	path := filepath.Join(t.TempDir(), "kiosk.db")
	acked := map[string]int64{} // op id → seq, for every id a child printed
	for round := range killRounds {
		// Every fifth round kills without waiting for Open, so that Open itself is hit too.
		waitReady := round%5 != 4
		delay := time.Duration(rng.IntN(40_000)) * time.Microsecond
		for id, seq := range killRound(t, path, round, waitReady, delay) {
			if _, dup := acked[id]; dup {
				t.Fatalf("op id %s printed twice", id)
			}
			acked[id] = seq
		}
		verifyAfterKill(t, path, acked)
	}
	t.Logf("%d rounds, %d acknowledged operations", killRounds, len(acked))
	if len(acked) == 0 {
		t.Fatal("no child ever acknowledged an operation: the test tested nothing")
	}
}

// runKillChild is the child: open, say ready, enqueue forever, printing each op after Enqueue
// returned (the moment the kiosk would tell the user "recorded").
func runKillChild(path, prefix string) {
	s, _, err := Open(path, testSecret(), Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(2)
	}
	fmt.Println("READY")
	receipt := bytes.Repeat([]byte("r"), 300)
	for i := 0; ; i++ {
		op, err := s.Enqueue(payOp(fmt.Sprintf("%s-%06d", prefix, i)), receipt)
		if err != nil {
			fmt.Fprintln(os.Stderr, "child enqueue:", err)
			os.Exit(3)
		}
		fmt.Printf("ACK %s %d\n", op.ID, op.Seq)
	}
}

// killRound starts a child, SIGKILLs it after delay and returns what it acknowledged.
func killRound(t *testing.T, path string, round int, waitReady bool, delay time.Duration) map[string]int64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9$", "-test.count=1")
	cmd.Env = append(os.Environ(), killChildEnv+"="+path, fmt.Sprintf("%s=r%02d", killPrefixEnv, round))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1024)
	go readLines(stdout, lines)
	if waitReady {
		waitForReady(t, cmd, lines, &stderr)
		if round == 0 {
			assertInUseByChild(t, path)
		}
	}
	time.Sleep(delay)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("round %d: kill: %v", round, err)
	}
	got := map[string]int64{}
	for line := range lines {
		if id, seq, ok := parseAck(line); ok {
			got[id] = seq
		}
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("round %d: child ended with %v, not by SIGKILL; stderr: %s", round, err, stderr.String())
	}
	return got
}

// readLines forwards complete lines only: a line without its newline was never fully printed.
func readLines(r io.Reader, out chan<- string) {
	defer close(out)
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		out <- strings.TrimSuffix(line, "\n")
	}
}

func waitForReady(t *testing.T, cmd *exec.Cmd, lines <-chan string, stderr *bytes.Buffer) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				_ = cmd.Wait()
				t.Fatalf("child exited before READY; stderr: %s", stderr.String())
			}
			if line == "READY" {
				return
			}
		case <-timeout:
			_ = cmd.Process.Kill()
			t.Fatal("child not ready after 20 s")
		}
	}
}

// assertInUseByChild checks the cross-process lock: the child holds the file.
func assertInUseByChild(t *testing.T, path string) {
	t.Helper()
	start := time.Now()
	s, _, err := Open(path, testSecret(), Options{Timeout: 200 * time.Millisecond})
	if s != nil {
		_ = s.Close()
	}
	if !errors.Is(err, ErrInUse) || time.Since(start) > 2*time.Second {
		t.Fatalf("Open while a child holds the file: %v after %v, want ErrInUse quickly", err, time.Since(start))
	}
}

func parseAck(line string) (string, int64, bool) {
	f := strings.Fields(line)
	if len(f) != 3 || f[0] != "ACK" {
		return "", 0, false
	}
	seq, err := strconv.ParseInt(f[2], 10, 64)
	return f[1], seq, err == nil
}

// verifyAfterKill reopens the file and checks the invariants: a clean file, every acknowledged
// op stored once under its printed sequence number, gap-free numbering, one journal event and
// one receipt per entry, and a chain that verifies.
func verifyAfterKill(t *testing.T, path string, acked map[string]int64) {
	t.Helper()
	s, rep, err := Open(path, testSecret(), Options{})
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer s.Close()
	if rep.Quarantined != "" {
		t.Fatalf("reopen after kill quarantined the file: %+v", rep)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	entries, err := s.Entries()
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int64{}
	for i, e := range entries {
		if e.Seq != int64(i+1) || e.Op.Seq != e.Seq || e.Op.Epoch != s.Epoch() {
			t.Fatalf("entry %d has seq %d (op seq %d, epoch %d): numbering has a gap", i, e.Seq, e.Op.Seq, e.Op.Epoch)
		}
		if _, dup := stored[e.Op.ID]; dup {
			t.Fatalf("op %s stored twice", e.Op.ID)
		}
		stored[e.Op.ID] = e.Seq
		if _, ok, err := s.Receipt(e.Op.ID); !ok || err != nil {
			t.Fatalf("op %s has no receipt: %v", e.Op.ID, err)
		}
	}
	for id, seq := range acked {
		if got, ok := stored[id]; !ok || got != seq {
			t.Fatalf("acknowledged op %s (seq %d) is stored as %d, present %v", id, seq, got, ok)
		}
	}
	n, err := s.VerifyJournal()
	if err != nil {
		t.Fatal(err)
	}
	if n != len(entries)+1 {
		t.Fatalf("journal has %d entries for %d operations, want one each plus created", n, len(entries))
	}
}
