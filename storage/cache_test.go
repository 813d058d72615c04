package storage

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCacheTTL(t *testing.T) {
	s, c, _ := newStore(t)
	if err := s.PutCache(idNumber, []byte(nameZH), 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	c.Advance(10*time.Minute - time.Nanosecond)
	if got, ok, err := s.GetCache(idNumber); err != nil || !ok || string(got) != nameZH {
		t.Fatalf("before expiry: %q %v %v", got, ok, err)
	}
	c.Advance(time.Nanosecond)
	if got, ok, err := s.GetCache(idNumber); err != nil || ok || got != nil {
		t.Fatalf("at expiry: %q %v %v, want missing", got, ok, err)
	}
	if st, _ := s.Stats(); st.CacheEntries != 0 {
		t.Errorf("expired entry not deleted on read: %d entries", st.CacheEntries)
	}
	if err := s.PutCache(idNumber, []byte("x"), 0); err == nil {
		t.Error("PutCache with zero TTL succeeded")
	}
}

func TestCacheOverwriteDeleteAndWipes(t *testing.T) {
	s, c, _ := newStore(t)
	put := func(name, value string, ttl time.Duration) {
		t.Helper()
		if err := s.PutCache(name, []byte(value), ttl); err != nil {
			t.Fatal(err)
		}
	}
	put("a", "1", time.Minute)
	put("a", "2", time.Hour) // renews the TTL too
	put("b", "3", 10*time.Minute)
	put("c", "", time.Hour)
	if got, ok, _ := s.GetCache("c"); !ok || got == nil || len(got) != 0 {
		t.Errorf("empty value = %v %v, want present and empty", got, ok)
	}
	c.Advance(30 * time.Minute)
	n, err := s.WipeExpiredCache()
	if err != nil || n != 1 {
		t.Fatalf("WipeExpiredCache = %d %v, want 1 (b)", n, err)
	}
	if got, ok, _ := s.GetCache("a"); !ok || string(got) != "2" {
		t.Errorf("a = %q %v, want renewed value 2", got, ok)
	}
	if err := s.DeleteCache("a"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.GetCache("a"); ok {
		t.Error("deleted entry still readable")
	}
	put("d", "4", time.Hour)
	if n, err := s.WipeCache(); err != nil || n != 2 {
		t.Fatalf("WipeCache = %d %v, want 2 (c, d)", n, err)
	}
	if _, ok, _ := s.GetCache("d"); ok {
		t.Error("wiped entry still readable")
	}
	put("e", "5", time.Hour) // the bucket is usable after a wipe
	if st, _ := s.Stats(); st.CacheEntries != 1 {
		t.Errorf("after wipe and put: %d entries", st.CacheEntries)
	}
}

func TestWrongSecretFailsClearly(t *testing.T) {
	c := newClock()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	s, _ := openAt(t, path, testSecret(), Options{Now: c.Now})
	if err := s.PutCache(idNumber, []byte(nameZH), time.Hour); err != nil {
		t.Fatal(err)
	}
	mustEnqueue(t, s, payOp("op-1"), []byte("receipt"))
	_ = s.Close()

	wrong := []byte("another secret, also 32 bytes!!!")
	s2, rep := openAt(t, path, wrong, Options{Now: c.Now})
	if !rep.WrongSecret {
		t.Fatalf("report = %+v, want WrongSecret", rep)
	}
	_, _, err := s2.GetCache(idNumber)
	wantErr(t, err, ErrWrongSecret)
	if !strings.Contains(err.Error(), "secret does not match") {
		t.Errorf("error %q does not say the secret is wrong", err)
	}
	_, err = s2.Pending(0)
	wantErr(t, err, ErrWrongSecret)
	_, _, err = s2.Receipt("op-1")
	wantErr(t, err, ErrWrongSecret)
	_, err = s2.Enqueue(payOp("op-2"), nil)
	wantErr(t, err, ErrWrongSecret)
	wantErr(t, s2.PutCache("x", []byte("y"), time.Hour), ErrWrongSecret)
	wantErr(t, s2.DeleteCache(idNumber), ErrWrongSecret)
	// What needs no secret still works, so staff can see the state and the cache can be wiped.
	if d, err := s2.Depth(); err != nil || d != 1 {
		t.Errorf("Depth with wrong secret = %d %v", d, err)
	}
	if _, err := s2.VerifyJournal(); err != nil {
		t.Error(err)
	}
	if n, err := s2.WipeExpiredCache(); err != nil || n != 0 {
		t.Errorf("WipeExpiredCache with wrong secret = %d %v", n, err)
	}
	_ = s2.Close()

	s3, rep3 := openAt(t, path, testSecret(), Options{Now: c.Now})
	if rep3.WrongSecret {
		t.Fatal("right secret reported wrong")
	}
	if got, ok, err := s3.GetCache(idNumber); err != nil || !ok || string(got) != nameZH {
		t.Fatalf("with the right secret again: %q %v %v", got, ok, err)
	}
}
