package storage

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hallkiosk/kiosk/api"
)

// Personal data the tests put into the store and then look for in the raw file.
const (
	nameZH     = "张伟"
	nameZH2    = "欧阳秀英"
	nameASCII  = "Zhang Wei"
	idNumber   = "110101199003074578"
	idNumberX  = "11010519491231002X"
	plateZH    = "京A12345"
	plateZH2   = "粤B7X9K2"
	plateASCII = "QZ7734"
	phone      = "13812345678"
	phoneIntl  = "+8613987654321"
	fileNumber = "440300123456"
)

func personalStrings() []string {
	return []string{nameZH, nameZH2, nameASCII, idNumber, idNumberX, plateZH, plateZH2,
		plateASCII, phone, phoneIntl, fileNumber}
}

func testSecret() []byte { return []byte("test secret: 32 bytes of entropy") }

// clock is an injectable clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// openAt opens a store and closes it at the end of the test.
func openAt(t testing.TB, path string, secret []byte, opts Options) (*Store, OpenReport) {
	t.Helper()
	s, rep, err := Open(path, secret, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", filepath.Base(path), err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, rep
}

// newStore opens a fresh store in a temporary directory with an injected clock.
func newStore(t testing.TB) (*Store, *clock, string) {
	t.Helper()
	c := newClock()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	s, _ := openAt(t, path, testSecret(), Options{Now: c.Now})
	return s, c, path
}

func payOp(id string) api.Op {
	return api.Op{ID: id, Type: api.OpPay, At: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
		Pay: &api.PayOp{PayerID: idNumber, Method: "qr", Reference: "WX4200001234",
			Items: []api.PayItem{{ViolationID: "V-" + plateZH, FineFen: 20000, LateFeeFen: 600}}}}
}

// opsOfEveryType returns one operation of each type, each carrying personal data.
func opsOfEveryType(prefix string) []api.Op {
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	return []api.Op{
		{ID: prefix + "-process", Type: api.OpProcess, At: at, Process: &api.ProcessOp{
			DriverID: idNumber, ViolationIDs: []string{"V1-" + plateZH}, DriverFace: api.FaceMatch, SeenPoints: 3}},
		payOp(prefix + "-pay"),
		{ID: prefix + "-bind", Type: api.OpBind, At: at, Bind: &api.BindOp{DriverID: idNumberX,
			PlateType: "02", PlateNumber: plateZH2, OwnerID: idNumber, OwnerFile: fileNumber}},
		{ID: prefix + "-unbind", Type: api.OpUnbind, At: at, Unbind: &api.UnbindOp{ActorID: idNumber,
			DriverID: idNumberX, PlateType: "02", PlateNumber: plateASCII}},
		{ID: prefix + "-follow", Type: api.OpFollow, At: at, Follow: &api.FollowOp{FollowerID: idNumberX,
			PlateType: "02", PlateNumber: plateZH, OwnerID: idNumber, OwnerFile: fileNumber}},
		{ID: prefix + "-unfollow", Type: api.OpUnfollow, At: at, Unfollow: &api.UnfollowOp{
			ActorID: idNumber, FollowerID: idNumberX, PlateType: "02", PlateNumber: plateZH2}},
	}
}

// receiptFor is a printed receipt naming the person, as the kiosk would keep it.
func receiptFor(id string) []byte {
	return []byte("回执 " + id + " 姓名 " + nameZH + " / " + nameASCII + " 身份证 " + idNumber +
		" 号牌 " + plateZH + " 电话 " + phone + " " + phoneIntl)
}

func mustEnqueue(t testing.TB, s *Store, op api.Op, receipt []byte) api.Op {
	t.Helper()
	got, err := s.Enqueue(op, receipt)
	if err != nil {
		t.Fatalf("Enqueue(%s): %v", op.ID, err)
	}
	return got
}

// editRaw changes the closed file with bbolt directly, as an attacker or a bug would.
func editRaw(t testing.TB, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("bolt.Open: %v", err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatalf("raw edit: %v", err)
	}
}

func wantErr(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}

func journalEvents(t testing.TB, s *Store) []string {
	t.Helper()
	entries, err := s.Journal(0, 0)
	if err != nil {
		t.Fatalf("Journal: %v", err)
	}
	var events []string
	for _, e := range entries {
		events = append(events, e.Event)
	}
	return events
}
