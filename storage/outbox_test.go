package storage

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/hallkiosk/kiosk/api"
)

func TestEnqueueNumbersFromOneAndSurvivesReopen(t *testing.T) {
	s, c, path := newStore(t)
	for i, op := range opsOfEveryType("a") {
		got := mustEnqueue(t, s, op, receiptFor(op.ID))
		if got.Seq != int64(i+1) || got.Epoch != s.Epoch() || got.ID != op.ID {
			t.Fatalf("op %d stored as seq %d epoch %d id %s", i, got.Seq, got.Epoch, got.ID)
		}
	}
	_ = s.Close()
	s2, _ := openAt(t, path, testSecret(), Options{Now: c.Now})
	entries, err := s2.Entries()
	if err != nil {
		t.Fatal(err)
	}
	want := opsOfEveryType("a")
	if len(entries) != len(want) {
		t.Fatalf("%d entries after reopen, want %d", len(entries), len(want))
	}
	for i, e := range entries {
		if e.Seq != int64(i+1) || e.Op.Seq != e.Seq || e.Op.ID != want[i].ID || e.State != StateQueued ||
			!e.QueuedAt.Equal(c.Now()) || e.Op.Type != want[i].Type {
			t.Errorf("entry %d = %+v", i, e)
		}
	}
	if entries[1].Op.Pay == nil || entries[1].Op.Pay.PayerID != idNumber {
		t.Errorf("pay member did not round-trip: %+v", entries[1].Op.Pay)
	}
	for _, op := range want {
		if got, ok, err := s2.Receipt(op.ID); err != nil || !ok || !bytes.Equal(got, receiptFor(op.ID)) {
			t.Errorf("receipt of %s after reopen = %q %v %v", op.ID, got, ok, err)
		}
	}
	// Enqueue writes only the outbox entry: no journal event until the op is first sent.
	if got := journalEvents(t, s2); !slices.Equal(got, []string{EventCreated}) {
		t.Errorf("journal after Enqueue = %v, want only %s", got, EventCreated)
	}
	if got := mustEnqueue(t, s2, payOp("b-1"), nil); got.Seq != int64(len(want)+1) {
		t.Errorf("next seq after reopen = %d, want %d", got.Seq, len(want)+1)
	}
	if _, ok, err := s2.Receipt("b-1"); ok || err != nil {
		t.Errorf("nil receipt stored: ok=%v err=%v", ok, err)
	}
}

// snapshot captures everything a failed Enqueue must leave untouched: the outbox's entries, and
// a digest of every bucket's keys, values and sequence (the next outbox number among them).
type snapshot struct {
	outbox []int64
	digest string
}

func takeSnapshot(t *testing.T, s *Store) snapshot {
	t.Helper()
	entries, err := s.Entries()
	if err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	for _, e := range entries {
		seqs = append(seqs, e.Seq)
	}
	return snapshot{outbox: seqs, digest: fileDigest(t, s)}
}

// fileDigest hashes the store's logical contents: bucket names, sequences, keys and values.
func fileDigest(t *testing.T, s *Store) string {
	t.Helper()
	h := sha256.New()
	err := s.view(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			fmt.Fprintf(h, "bucket %q seq %d\n", name, b.Sequence())
			return b.ForEach(func(k, v []byte) error {
				fmt.Fprintf(h, "%x=%x\n", k, v)
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func TestFailedEnqueueWritesNothing(t *testing.T) {
	c := newClock()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	// MaxSize makes a huge receipt fail at commit, after every Put of the transaction.
	s, _ := openAt(t, path, testSecret(), Options{Now: c.Now, MaxSize: 1 << 20})
	mustEnqueue(t, s, payOp("first"), []byte("first receipt"))

	noMember := payOp("no-member")
	noMember.Pay = nil
	twoMembers := payOp("two-members")
	twoMembers.Bind = &api.BindOp{DriverID: idNumber}
	unknown := payOp("unknown-type")
	unknown.Type = "refund"
	cases := []struct {
		name    string
		op      api.Op
		receipt []byte
		want    error
	}{
		{"empty id", payOp(""), []byte("r"), ErrInvalidOp},
		{"personal id", payOp(idNumber + nameZH), []byte("r"), ErrInvalidOp},
		{"id of 65", payOp(strings.Repeat("a", 65)), []byte("r"), ErrInvalidOp},
		{"id with a colon (the server's own names)", payOp("payorder:po-1"), []byte("r"), ErrInvalidOp},
		{"id with a slash", payOp("../x"), []byte("r"), ErrInvalidOp},
		{"id with ESC", payOp("\x1b[2J"), []byte("r"), ErrInvalidOp},
		{"no member", noMember, nil, ErrInvalidOp},
		{"two members", twoMembers, nil, ErrInvalidOp},
		{"unknown type", unknown, nil, ErrInvalidOp},
		{"commit fails", payOp("too-big"), bytes.Repeat([]byte("x"), 4<<20), berrors.ErrMaxSizeReached},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := takeSnapshot(t, s)
			_, err := s.Enqueue(tc.op, tc.receipt)
			if err == nil {
				t.Fatal("Enqueue succeeded")
			}
			wantErr(t, err, tc.want)
			for _, p := range personalStrings() {
				if strings.Contains(err.Error(), p) {
					t.Errorf("error text quotes personal data: %v", err)
				}
			}
			if after := takeSnapshot(t, s); !slices.Equal(after.outbox, before.outbox) ||
				after.digest != before.digest {
				t.Fatalf("state changed: before %+v after %+v", before, after)
			}
		})
	}
	if got, _, _ := s.Receipt("first"); string(got) != "first receipt" {
		t.Errorf("receipt of the first op = %q", got)
	}
	if got := mustEnqueue(t, s, payOp("second"), nil); got.Seq != 2 {
		t.Errorf("seq after failures = %d, want 2 (no number used)", got.Seq)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	// Enqueue journals nothing: the chain still holds only the created event.
	if n, err := s.VerifyJournal(); err != nil || n != 1 {
		t.Fatalf("VerifyJournal = %d %v, want 1 entry", n, err)
	}
}

// The store does not detect a reused op id (it keeps no op-id index; ids are random UUIDs and
// the server refuses a reused one): both entries are stored under their own seq, and results,
// which name the seq, reach the right one.
func TestReusedOpIDIsStoredTwiceAndToldApartBySeq(t *testing.T) {
	s, _, _ := newStore(t)
	first := mustEnqueue(t, s, payOp("same"), []byte("first receipt"))
	second := mustEnqueue(t, s, payOp("same"), []byte("second receipt"))
	if first.Seq != 1 || second.Seq != 2 {
		t.Fatalf("seqs = %d %d, want 1 2", first.Seq, second.Seq)
	}
	if got, ok, err := s.Receipt("same"); err != nil || !ok || string(got) != "second receipt" {
		t.Fatalf("Receipt = %q %v %v, want the newer entry's", got, ok, err)
	}
	// As the server answers a reused id: the second one refused.
	err := s.Complete([]api.OpResult{{OpID: "same", Seq: 1, Outcome: api.OutcomeApplied},
		{OpID: "same", Seq: 2, Outcome: api.OutcomeRejected, Reasons: []api.Reason{{Code: "op.id_reused"}}}})
	if err != nil {
		t.Fatal(err)
	}
	wantStates(t, s, "ar")
}

func TestStateMachine(t *testing.T) {
	s, c, _ := newStore(t)
	for i := 1; i <= 4; i++ {
		mustEnqueue(t, s, payOp(fmt.Sprintf("op-%d", i)), nil)
	}
	wantStates(t, s, "qqqq")
	// Sending writes nothing: a batch answered only with deferrals changes neither the file nor
	// the journal.
	before := fileDigest(t, s)
	if err := s.Complete([]api.OpResult{{OpID: "op-1", Seq: 1, Outcome: api.OutcomeDeferred},
		{OpID: "op-2", Seq: 2, Outcome: api.OutcomeDeferred}}); err != nil {
		t.Fatal(err)
	}
	if fileDigest(t, s) != before {
		t.Error("a batch of deferrals changed the file")
	}
	c.Advance(time.Minute)
	err := s.Complete([]api.OpResult{
		{OpID: "op-1", Seq: 1, Outcome: api.OutcomeApplied},
		{OpID: "op-2", Seq: 2, Outcome: api.OutcomeRejected, Reasons: []api.Reason{
			{Code: "already_paid", Want: idNumber, Got: nameZH}}},
		{OpID: "op-3", Seq: 3, Outcome: api.OutcomeDeferred},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantStates(t, s, "arqq")
	if d, _ := s.Depth(); d != 2 {
		t.Errorf("Depth = %d, want 2", d)
	}
	pending, _ := s.Pending(1)
	if len(pending) != 1 || pending[0].Seq != 3 {
		t.Errorf("Pending(1) = %+v, want seq 3", pending)
	}
	done, _ := s.Entries(StateAcked, StateRejected)
	if len(done) != 2 || done[0].Result == nil || done[0].Result.Outcome != api.OutcomeApplied ||
		!done[0].DoneAt.Equal(c.Now()) || done[1].Result.Reasons[0].Code != "already_paid" {
		t.Errorf("done entries = %+v", done)
	}

	refusedTransitions(t, s)
	wantStates(t, s, "arqq")

	// Queued events come with the first outcome, for every op up to it; op-3 (deferred) and
	// op-4, after the last outcome, have none yet.
	events := journalEvents(t, s)
	wantEvents := []string{EventCreated, EventQueued, EventQueued, EventAcked, EventRejected}
	if !slices.Equal(events, wantEvents) {
		t.Fatalf("journal events = %v\nwant %v", events, wantEvents)
	}
	entries, _ := s.Journal(5, 1)
	if e := entries[0]; e.OpID != "op-2" || e.Outcome != api.OutcomeRejected ||
		!slices.Equal(e.Reasons, []string{"already_paid"}) {
		t.Errorf("rejected event = %+v", e)
	}
}

// refusedTransitions tries changes the state machine refuses; each must change nothing (the
// caller compares states afterwards). Entries 1..4 are acked, rejected, queued, queued.
func refusedTransitions(t *testing.T, s *Store) {
	t.Helper()
	before := fileDigest(t, s)
	// Results find their entry by seq: none there, none given, or another op there.
	wantErr(t, s.Complete([]api.OpResult{{OpID: "op-4", Seq: 4, Outcome: api.OutcomeApplied},
		{OpID: "nobody", Seq: 99, Outcome: api.OutcomeApplied}}), ErrNotFound)
	wantErr(t, s.Complete([]api.OpResult{{OpID: "op-4", Seq: 4, Outcome: api.OutcomeApplied},
		{OpID: "op-3", Outcome: api.OutcomeApplied}}), ErrNotFound)
	wantErr(t, s.Complete([]api.OpResult{{OpID: "op-4", Seq: 4, Outcome: api.OutcomeApplied},
		{OpID: "nobody", Seq: 3, Outcome: api.OutcomeApplied}}), ErrState)
	wantErr(t, s.Complete([]api.OpResult{{OpID: "op-4", Seq: 3, Outcome: api.OutcomeApplied}}), ErrState)
	wantErr(t, s.Complete([]api.OpResult{{OpID: "op-4", Seq: 4, Outcome: "maybe"}}), ErrState)
	// A retry's stored answer for a done entry changes nothing.
	if err := s.Complete([]api.OpResult{{OpID: "op-1", Seq: 1, Outcome: api.OutcomeRejected}}); err != nil {
		t.Fatal(err)
	}
	if after := fileDigest(t, s); after != before {
		t.Fatal("a refused transition (or a retry's answer) changed the file")
	}
}

// wantStates compares the outbox with one letter per entry: q, s, a, r.
func wantStates(t *testing.T, s *Store, want string) {
	t.Helper()
	entries, err := s.Entries()
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, e := range entries {
		got += string(stateCode(e.State))
	}
	if got != want {
		t.Fatalf("states = %q, want %q", got, want)
	}
}

func TestPruneAndDismiss(t *testing.T) {
	s, c, _ := newStore(t)
	for i := 1; i <= 4; i++ {
		mustEnqueue(t, s, payOp(fmt.Sprintf("op-%d", i)), []byte(fmt.Sprintf("receipt %d", i)))
	}
	complete := func(seq int64, outcome string) {
		t.Helper()
		err := s.Complete([]api.OpResult{{OpID: fmt.Sprintf("op-%d", seq), Seq: seq, Outcome: outcome}})
		if err != nil {
			t.Fatal(err)
		}
	}
	complete(1, api.OutcomeApplied)
	complete(3, api.OutcomeRejected)
	c.Advance(2 * time.Hour)
	complete(2, api.OutcomeWithChanges)
	c.Advance(23 * time.Hour) // op-1 done 25 h ago, op-2 23 h ago

	n, err := s.Prune(24 * time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("Prune = %d %v, want 1", n, err)
	}
	wantStates(t, s, "arq")
	if _, ok, _ := s.Receipt("op-1"); ok {
		t.Error("pruned entry's receipt is still there")
	}
	// Receipts stay with their entries through Complete (acked, rejected, queued).
	for i := 2; i <= 4; i++ {
		id := fmt.Sprintf("op-%d", i)
		if got, ok, err := s.Receipt(id); !ok || err != nil || string(got) != fmt.Sprintf("receipt %d", i) {
			t.Errorf("receipt of %s: %q ok=%v err=%v", id, got, ok, err)
		}
	}
	if n, _ := s.Prune(24 * time.Hour); n != 0 {
		t.Errorf("second Prune deleted %d", n)
	}

	wantErr(t, s.DismissRejected(2), ErrState)
	wantErr(t, s.DismissRejected(1), ErrNotFound)
	if err := s.DismissRejected(3); err != nil {
		t.Fatal(err)
	}
	wantStates(t, s, "aq")
	if _, ok, _ := s.Receipt("op-3"); ok {
		t.Error("dismissed entry's receipt is still there")
	}
	events := journalEvents(t, s)
	if last := events[len(events)-2:]; !slices.Equal(last, []string{EventPruned, EventDismissed}) {
		t.Errorf("last journal events = %v", last)
	}
	if _, err := s.VerifyJournal(); err != nil {
		t.Fatal(err)
	}
}

// A receipt is sealed in its entry after the entry's JSON and a NUL byte; any bytes, NULs
// included, and an empty receipt round-trip, through state changes too; nil stores none.
func TestReceiptBytesRoundTrip(t *testing.T) {
	s, _, _ := newStore(t)
	receipts := map[string][]byte{
		"none":   nil,
		"empty":  {},
		"nul":    {0, 0, '{', '}', 0, 0xff},
		"json":   []byte(`{"seq":99,"state":"acked"}`),
		"binary": bytes.Repeat([]byte{0, 1, 2, 0xfe}, 1000),
	}
	ids := []string{"none", "empty", "nul", "json", "binary"}
	for _, id := range ids {
		mustEnqueue(t, s, payOp(id), receipts[id])
	}
	check := func(when string) {
		t.Helper()
		for _, id := range ids {
			got, ok, err := s.Receipt(id)
			want := receipts[id]
			if err != nil || ok != (want != nil) || !bytes.Equal(got, want) || ok && got == nil {
				t.Errorf("%s: Receipt(%s) = %q %v %v, want %q", when, id, got, ok, err, want)
			}
		}
	}
	check("queued")
	err := s.Complete([]api.OpResult{{OpID: "none", Seq: 1, Outcome: api.OutcomeApplied},
		{OpID: "empty", Seq: 2, Outcome: api.OutcomeRejected}, {OpID: "nul", Seq: 3, Outcome: api.OutcomeDeferred}})
	if err != nil {
		t.Fatal(err)
	}
	check("after Complete")
	wantStates(t, s, "arqqq")
}

func TestEntryAt(t *testing.T) {
	s, _, _ := newStore(t)
	op, err := s.Enqueue(payOp("entry-at"), []byte("r"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.EntryAt(op.Seq)
	if err != nil || e.Op.ID != "entry-at" || e.State != StateQueued {
		t.Fatalf("EntryAt(%d) = %+v, %v", op.Seq, e, err)
	}
	if _, err := s.EntryAt(op.Seq + 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("a missing seq: %v", err)
	}
}
