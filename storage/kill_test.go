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

	bolt "go.etcd.io/bbolt"

	"github.com/hallkiosk/kiosk/api"
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
	done := map[int64]bool{}    // seqs a child printed as completed
	for round := range killRounds {
		// Every fifth round kills without waiting for Open, so that Open itself is hit too.
		waitReady := round%5 != 4
		delay := time.Duration(rng.IntN(40_000)) * time.Microsecond
		got := killRound(t, path, round, waitReady, delay)
		for id, seq := range got.acked {
			if _, dup := acked[id]; dup {
				t.Fatalf("op id %s printed twice", id)
			}
			acked[id] = seq
		}
		for seq := range got.done {
			done[seq] = true
		}
		verifyAfterKill(t, path, acked, got.acked, done)
	}
	t.Logf("%d rounds, %d acknowledged operations, %d completed", killRounds, len(acked), len(done))
	if len(acked) == 0 {
		t.Fatal("no child ever acknowledged an operation: the test tested nothing")
	}
}

// runKillChild is the child: open, say ready, enqueue forever, printing each op after Enqueue
// returned (the moment the kiosk would tell the user "recorded"). After every fourth op it
// records the server's answer for the last two (which journals their queued events, and those
// of any op before them without one) and prints their seqs once Complete returned.
func runKillChild(path, prefix string) {
	s, _, err := Open(path, testSecret(), Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(2)
	}
	fmt.Println("READY")
	for i := 0; ; i++ {
		id := fmt.Sprintf("%s-%06d", prefix, i)
		op, err := s.Enqueue(payOp(id), killReceipt(id))
		if err != nil {
			fmt.Fprintln(os.Stderr, "child enqueue:", err)
			os.Exit(3)
		}
		fmt.Printf("ACK %s %d\n", op.ID, op.Seq)
		if i%4 == 3 {
			err := s.Complete([]api.OpResult{{OpID: fmt.Sprintf("%s-%06d", prefix, i-1), Seq: op.Seq - 1, Outcome: api.OutcomeApplied},
				{OpID: op.ID, Seq: op.Seq, Outcome: api.OutcomeApplied}})
			if err != nil {
				fmt.Fprintln(os.Stderr, "child complete:", err)
				os.Exit(3)
			}
			fmt.Printf("DONE %d %d\n", op.Seq-1, op.Seq)
		}
	}
}

// killReceipt is the receipt the child stores with an op: 300 bytes naming the op.
func killReceipt(id string) []byte {
	return append([]byte(id+" "), bytes.Repeat([]byte("r"), 300-len(id)-1)...)
}

// killOutput is what a child printed before it died.
type killOutput struct {
	acked map[string]int64 // op id → seq
	done  map[int64]bool
}

// killRound starts a child, SIGKILLs it after delay and returns what it acknowledged.
func killRound(t *testing.T, path string, round int, waitReady bool, delay time.Duration) killOutput {
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
	got := killOutput{acked: map[string]int64{}, done: map[int64]bool{}}
	for line := range lines {
		if id, seq, ok := parseAck(line); ok {
			got.acked[id] = seq
		}
		if f := strings.Fields(line); len(f) == 3 && f[0] == "DONE" {
			for _, v := range f[1:] {
				seq, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					t.Fatalf("round %d: bad line %q", round, line)
				}
				got.done[seq] = true
			}
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

// verifyAfterKill reopens the file and checks the invariants: a clean file; every acknowledged
// op in the outbox exactly once, under its printed seq, with its receipt; gap-free numbering;
// every printed completion recorded; a journal whose queued events cover seqs 1 to some mark,
// each once and in order, with every answered entry's queued event before its outcome; after
// JournalQueued (what maintenance or shutdown would call) a queued event for every op; and a
// chain that verifies.
func verifyAfterKill(t *testing.T, path string, acked, ackedThisRound map[string]int64, done map[int64]bool) {
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
	records := outboxRecords(t, s)
	stored := map[string]int64{}
	for i, r := range records {
		if r.Seq != int64(i+1) || r.Op.Seq != r.Seq || r.Op.Epoch != s.Epoch() {
			t.Fatalf("entry %d has seq %d (op seq %d, epoch %d): numbering has a gap", i, r.Seq, r.Op.Seq, r.Op.Epoch)
		}
		if _, dup := stored[r.Op.ID]; dup {
			t.Fatalf("op %s stored twice", r.Op.ID)
		}
		stored[r.Op.ID] = r.Seq
		if !bytes.Equal(r.receipt, killReceipt(r.Op.ID)) {
			t.Fatalf("op %s has receipt %q", r.Op.ID, r.receipt)
		}
		if r.State != StateQueued && r.State != StateAcked || done[r.Seq] && r.State != StateAcked {
			t.Fatalf("entry %d: state %s (printed as completed: %v)", r.Seq, r.State, done[r.Seq])
		}
	}
	for id, seq := range acked {
		if got, ok := stored[id]; !ok || got != seq {
			t.Fatalf("acknowledged op %s (seq %d) is stored as %d, present %v", id, seq, got, ok)
		}
	}
	// The public path too, for this round's ops (the newest, so Receipt's scan is short).
	for id := range ackedThisRound {
		if got, ok, err := s.Receipt(id); err != nil || !ok || !bytes.Equal(got, killReceipt(id)) {
			t.Fatalf("Receipt(%s) = %q %v %v", id, got, ok, err)
		}
	}
	mark := checkKillJournal(t, s, records, false)
	for _, r := range records {
		if r.State == StateAcked && r.Seq > mark {
			t.Fatalf("entry %d was answered but has no queued event (journaled through %d)", r.Seq, mark)
		}
	}
	if err := s.JournalQueued(); err != nil {
		t.Fatal(err)
	}
	checkKillJournal(t, s, records, true)
	if _, err := s.VerifyJournal(); err != nil {
		t.Fatal(err)
	}
}

// outboxRecords reads every outbox entry with its receipt.
func outboxRecords(t *testing.T, s *Store) []record {
	t.Helper()
	var out []record
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucketOutbox)).ForEach(func(k, v []byte) error {
			r, err := s.decodeRecord(k, v)
			out = append(out, r)
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkKillJournal checks the journal's queued and acked events against the outbox and returns
// the highest seq with a queued event: queued events cover 1 to it, each once, in seq order, and
// name the op stored there; every acked event follows its op's queued event, and an entry has
// one acked event if it is acked and none otherwise. With all, every entry must have its queued
// event.
func checkKillJournal(t *testing.T, s *Store, records []record, all bool) int64 {
	t.Helper()
	entries, err := s.Journal(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var mark int64
	ackedEvents := map[int64]int{}
	for _, e := range entries {
		var seq int64
		switch e.Event {
		case EventQueued:
			if _, err := fmt.Sscanf(e.Detail, "seq %d", &seq); err != nil || seq != mark+1 {
				t.Fatalf("queued event %d for %q after seq %d: want seq %d", e.Seq, e.Detail, mark, mark+1)
			}
			if seq > int64(len(records)) || records[seq-1].Op.ID != e.OpID || !records[seq-1].QueuedAt.Equal(e.At) {
				t.Fatalf("queued event %+v does not match the outbox entry", e)
			}
			mark = seq
		case EventAcked:
			if _, err := fmt.Sscanf(e.Detail, "seq %d", &seq); err != nil || seq > mark {
				t.Fatalf("acked event %+v before its queued event (queued through %d)", e, mark)
			}
			ackedEvents[seq]++
		}
	}
	for _, r := range records {
		if want := map[bool]int{true: 1}[r.State == StateAcked]; ackedEvents[r.Seq] != want {
			t.Fatalf("entry %d (%s): %d acked events", r.Seq, r.State, ackedEvents[r.Seq])
		}
	}
	if all && mark != int64(len(records)) {
		t.Fatalf("after JournalQueued, queued events cover seqs 1 to %d of %d", mark, len(records))
	}
	return mark
}
