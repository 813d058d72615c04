package service

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/storage"
)

// storeOnly is a service over a store alone: the maintenance calls need nothing else.
func storeOnly(t *testing.T) (*Service, *storage.Store) {
	t.Helper()
	st, _, err := storage.Open(filepath.Join(t.TempDir(), "kiosk.db"), []byte("maintenance test secret, 32 byte"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return New(Config{Store: st}), st
}

// A rejected operation reaches staff as number, type, times and reason codes; the values its
// reasons quote (here a plate and an ID number) are masked.
func TestRejectedCarriesNoPersonalData(t *testing.T) {
	svc, st := storeOnly(t)
	const id, plate = "110101199003074578", "京A12345"
	op, err := st.Enqueue(api.Op{ID: testOpID, Type: api.OpBind, At: time.Now(),
		Bind: &api.BindOp{DriverID: id, OwnerID: id, PlateType: "02", PlateNumber: plate}}, []byte("receipt of "+id))
	if err != nil {
		t.Fatal(err)
	}
	reason := api.Reason{Code: string(model.ReasonVehicleNotLocal), Want: "粤", Got: plate}
	if err := st.Complete([]api.OpResult{{OpID: op.ID, Seq: op.Seq, Outcome: api.OutcomeRejected,
		Reasons: []api.Reason{reason, {Code: string(model.ReasonWouldReachFull), N: 9, Limit: 12}}}}); err != nil {
		t.Fatal(err)
	}

	got, err := svc.Rejected()
	if err != nil || len(got) != 1 {
		t.Fatalf("Rejected = %+v %v", got, err)
	}
	r := got[0]
	if r.Seq != op.Seq || r.Type != api.OpBind || r.QueuedAt.IsZero() || r.DoneAt.IsZero() || len(r.Reasons) != 2 {
		t.Fatalf("rejected op %+v", r)
	}
	if a := r.Reasons[0].Args; a.Want != "*" || a.Got != "*" || r.Reasons[0].Code != model.ReasonVehicleNotLocal {
		t.Errorf("quoted values not masked: %+v", r.Reasons[0])
	}
	if a := r.Reasons[1].Args; a.N != 9 || a.Limit != 12 {
		t.Errorf("counts lost: %+v", a)
	}
	for _, s := range []string{id, plate} {
		if strings.Contains(strings.Join(flatten(got), " "), s) {
			t.Errorf("%q reached the maintenance data", s)
		}
	}

	sync, err := svc.SyncState()
	if err != nil || sync.Outbox[storage.StateRejected] != 1 || sync.FileSize == 0 {
		t.Fatalf("SyncState = %+v %v", sync, err)
	}
	if err := svc.DismissRejected(op.Seq); err != nil {
		t.Fatal(err)
	}
	if got, _ := svc.Rejected(); len(got) != 0 {
		t.Fatalf("still listed after dismissal: %+v", got)
	}
	if err := svc.DismissRejected(op.Seq); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("second dismissal: %v", err)
	}
}

func TestStoreUpkeepAndLock(t *testing.T) {
	svc, _ := storeOnly(t)
	before, after, err := svc.Compact()
	if err != nil || before <= 0 || after <= 0 {
		t.Fatalf("Compact = %d %d %v", before, after, err)
	}
	if n, err := svc.VerifyJournal(); err != nil || n < 2 {
		t.Fatalf("VerifyJournal = %d %v (created and compacted at least)", n, err)
	}
	until := time.Date(2026, 11, 21, 10, 35, 0, 0, time.UTC)
	if err := svc.SetMaintLock(0, until); err != nil {
		t.Fatal(err)
	}
	if n, u, err := svc.MaintLock(); err != nil || n != 0 || !u.Equal(until) {
		t.Fatalf("MaintLock = %d %v %v", n, u, err)
	}
}

// flatten lists every string a rejected op shows, reasons' arguments included.
func flatten(rs []RejectedOp) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Type)
		for _, re := range r.Reasons {
			out = append(out, string(re.Code), re.Args.Want, re.Args.Got, re.Args.Term)
		}
	}
	return out
}

// testOpID is a fixed op id of the form the store accepts.
const testOpID = "7d2c1e4a-0b6f-4c3e-9a1d-5e8f2b7c4a10"
