package model

import (
	"errors"
	"testing"
)

func TestDecisionNumber(t *testing.T) {
	n, err := NewDecisionNumber("440304", 2026, 17)
	if err != nil {
		t.Fatal(err)
	}
	if len(n) != 19 || n[:18] != "440304202600000017" {
		t.Fatalf("number = %s", n)
	}
	back, err := ParseDecisionNumber(string(n))
	if err != nil || back != n {
		t.Fatalf("parse(%s) = %s, %v", n, back, err)
	}
	// Every single-digit typo in the body is caught by the check character.
	for i := 0; i < 18; i++ {
		b := []byte(n)
		b[i] = '0' + (b[i]-'0'+1)%10
		var ie *InputError
		if _, err := ParseDecisionNumber(string(b)); !errors.As(err, &ie) || ie.Reason.Code != InputDecisionCheck {
			t.Errorf("typo at %d not caught: %v", i+1, err)
		}
	}
	var ie *InputError
	if _, err := ParseDecisionNumber("4403042026"); !errors.As(err, &ie) || ie.Reason.Code != InputDecisionNumber || ie.Reason.Args.N != 10 {
		t.Errorf("short number: %v", err)
	}
	for _, bad := range []struct {
		office string
		year   int
		seq    int64
	}{{"44030", 2026, 1}, {"44030A", 2026, 1}, {"440304", 1999, 1}, {"440304", 2026, 100000000}, {"440304", 2026, -1}} {
		if _, err := NewDecisionNumber(bad.office, bad.year, bad.seq); err == nil {
			t.Errorf("NewDecisionNumber(%q, %d, %d) accepted", bad.office, bad.year, bad.seq)
		}
	}
}
