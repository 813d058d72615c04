package service

import (
	"context"
	"errors"
	"testing"
	"time"
)

// The server's refusal after repeated failures comes back as RateLimited with the wait it
// asked for, never as a cached answer.
func TestLookupRateLimitedCarriesTheWait(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	if _, err := r.svc.Lookup(ctx, r.persona.ID, r.persona.File); err != nil { // now cached
		t.Fatal(err)
	}
	var err error
	for i := 0; i < 4 && (err == nil || errors.Is(err, ErrNoMatch)); i++ {
		_, err = r.svc.Lookup(ctx, r.persona.ID, "000000000000")
	}
	var limited *RateLimited
	if !errors.As(err, &limited) || limited.Wait <= 0 || limited.Wait > 15*time.Second {
		t.Fatalf("the fourth failure in a row: %v, want RateLimited with a wait of at most 15 s", err)
	}
	if got, err := r.svc.Lookup(ctx, r.persona.ID, r.persona.File); !errors.As(err, &limited) || got.FromCache {
		t.Errorf("the right number during the wait: %+v %v, want the refusal, not the cache", got.Person, err)
	}
}
