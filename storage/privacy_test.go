package storage

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
)

// fillWithPersonalData puts personal data everywhere the kiosk would: operations of every type,
// receipts, cache entries (named by ID number), server results quoting the person.
func fillWithPersonalData(t *testing.T, s *Store) {
	t.Helper()
	ops := opsOfEveryType("p")
	var seqs []int64
	for _, op := range ops {
		seqs = append(seqs, mustEnqueue(t, s, op, receiptFor(op.ID)).Seq)
	}
	before, after := 12, 9
	err := s.Complete([]api.OpResult{
		{OpID: ops[0].ID, Seq: seqs[0], Outcome: api.OutcomeWithChanges, PointsBefore: &before, PointsAfter: &after,
			Reasons:   []api.Reason{{Code: "points_changed", Want: nameZH, Got: idNumber, Term: plateZH}},
			Decisions: []api.Decision{{Number: "4403001234567890123", ViolationID: "V1-" + plateZH}}},
		{OpID: ops[2].ID, Seq: seqs[2], Outcome: api.OutcomeRejected,
			Reasons: []api.Reason{{Code: "owner_mismatch", Want: idNumberX, Got: nameASCII + " " + phone}}},
		{OpID: ops[3].ID, Seq: seqs[3], Outcome: api.OutcomeDeferred},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{idNumber, idNumberX, phone, plateZH} {
		value := "{\"name\":\"" + nameZH + "\",\"name_en\":\"" + nameASCII + "\",\"phone\":\"" + phoneIntl +
			"\",\"plates\":[\"" + plateZH + "\",\"" + plateZH2 + "\",\"" + plateASCII + "\"],\"file\":\"" +
			fileNumber + "\",\"other\":\"" + nameZH2 + "\"}"
		if err := s.PutCache(name, []byte(value), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	// The guard keeps personal data out of the plain journal.
	for _, p := range []string{nameZH, idNumber, idNumberX, phone, phoneIntl, plateZH} {
		if err := s.AppendJournal(JournalEntry{Event: "lookup", Detail: "for " + p}); err == nil {
			t.Errorf("AppendJournal accepted personal data %q", p)
		}
	}
	// A plain marker proves the scan sees plain values at all.
	if err := s.PutReference("c", true, []RefDoc{{Kind: "texts", Key: "zh", Body: []byte("PLAIN-MARKER")}}); err != nil {
		t.Fatal(err)
	}
}

// assertNoPersonalData reads every file in dir byte for byte.
func assertNoPersonalData(t *testing.T, dir string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no files in %s: %v", dir, err)
	}
	sawMarker := false
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sawMarker = sawMarker || bytes.Contains(raw, []byte("PLAIN-MARKER"))
		for _, p := range personalStrings() {
			if bytes.Contains(raw, []byte(p)) {
				t.Errorf("%s holds %q in plain bytes", filepath.Base(f), p)
			}
		}
	}
	if !sawMarker {
		t.Fatal("the plain marker was not found: the scan does not see the file's contents")
	}
}

func TestNoPersonalDataInTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kiosk.db")
	c := newClock()
	s, _ := openAt(t, path, testSecret(), Options{Now: c.Now})
	fillWithPersonalData(t, s)
	if got, ok, err := s.Receipt("p-pay"); err != nil || !ok || !bytes.Contains(got, []byte(nameZH)) {
		t.Fatalf("receipt does not read back: %v %v", ok, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	assertNoPersonalData(t, dir)

	s2, _ := openAt(t, path, testSecret(), Options{Now: c.Now})
	if _, _, err := s2.Compact(); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := s2.GetCache(idNumber); err != nil || !ok || !bytes.Contains(got, []byte(nameZH)) {
		t.Fatalf("cache does not read back after Compact: %v %v", ok, err)
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	assertNoPersonalData(t, dir)
}

func TestJournalGuard(t *testing.T) {
	s, _, _ := newStore(t)
	bad := []JournalEntry{
		{Event: "lookup", Detail: nameZH},
		{Event: "lookup", Detail: "id " + idNumber},
		{Event: "lookup", Detail: "id " + idNumberX},
		{Event: "lookup", Reasons: []string{"call " + phone}},
		{Event: "lookup", OpType: plateZH},
		{Event: "lookup\n"},
		{},
	}
	for _, e := range bad {
		if err := s.AppendJournal(e); err == nil {
			t.Errorf("AppendJournal(%+v) succeeded", e)
		}
	}
	ok := JournalEntry{Event: "session_end", OpID: "3f1c2a9e-0b7d-4c55-9e21-446655440000",
		Outcome: "ok", Reasons: []string{"timeout"}, Detail: "screen idle 120 s, cache wiped"}
	if err := s.AppendJournal(ok); err != nil {
		t.Fatal(err)
	}
	entries, _ := s.Journal(2, 0)
	if len(entries) != 1 || entries[0].Event != "session_end" || entries[0].Detail != ok.Detail {
		t.Fatalf("journal = %+v", entries)
	}
}
