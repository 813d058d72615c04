package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// Enrollment is what an enrolled kiosk is configured with.
type Enrollment struct {
	KioskID string
	Secret  string // hex; shown once, stored on the kiosk
}

// refusedError is an admin command that cannot be done as asked (an unknown kiosk or profile,
// a revoked kiosk): the operator's mistake, not the server's.
type refusedError struct{ msg string }

func (e *refusedError) Error() string { return e.msg }

// Enroll registers a kiosk and returns its id and secret.
func Enroll(ctx context.Context, st store.Store, ref *model.Reference, name, hall, profile string, now time.Time) (Enrollment, error) {
	if _, err := ref.Profile(profile); err != nil {
		return Enrollment{}, &refusedError{err.Error()}
	}
	var id [8]byte
	secret := make([]byte, 32)
	if _, err := rand.Read(id[:]); err != nil {
		return Enrollment{}, err
	}
	if _, err := rand.Read(secret); err != nil {
		return Enrollment{}, err
	}
	k := store.Kiosk{ID: "k-" + hex.EncodeToString(id[:]), Name: name, Hall: hall, Profile: profile,
		Secret: secret, EnrolledAt: now, Epoch: 0, LastSeq: 0}
	if err := st.Tx(ctx, func(tx store.Tx) error { return tx.InsertKiosk(k) }); err != nil {
		return Enrollment{}, fmt.Errorf("enroll: %w", err)
	}
	return Enrollment{KioskID: k.ID, Secret: hex.EncodeToString(secret)}, nil
}

// Revoke refuses a kiosk's requests from now on, in every server process (they read the kiosk
// on every request). Its operations stay as they were.
func Revoke(ctx context.Context, st store.Store, kioskID string, now time.Time) error {
	err := st.Tx(ctx, func(tx store.Tx) error { return tx.RevokeKiosk(kioskID, now) })
	if errors.Is(err, store.ErrNotFound) {
		return &refusedError{fmt.Sprintf("revoke: no kiosk %q is enrolled", kioskID)}
	} else if err != nil {
		return fmt.Errorf("revoke: %w", err)
	}
	return nil
}

// Rotate gives a kiosk a new secret and returns it. The old one is refused from the next
// request on, so the new one must reach the kiosk's configuration at once: rotate when the
// kiosk is being reconfigured, or when its secret is known to be out (then the kiosk is as good
// as revoked until it gets the new one).
func Rotate(ctx context.Context, st store.Store, kioskID string) (Enrollment, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return Enrollment{}, err
	}
	err := st.Tx(ctx, func(tx store.Tx) error {
		k, err := tx.LockKiosk(kioskID)
		if err != nil {
			return err
		}
		if !k.RevokedAt.IsZero() {
			return &refusedError{"rotate: the kiosk is revoked: enroll a new one instead"}
		}
		return tx.SetKioskSecret(kioskID, secret)
	})
	var refused *refusedError
	if errors.Is(err, store.ErrNotFound) {
		return Enrollment{}, &refusedError{fmt.Sprintf("rotate: no kiosk %q is enrolled", kioskID)}
	} else if errors.As(err, &refused) {
		return Enrollment{}, refused
	} else if err != nil {
		return Enrollment{}, fmt.Errorf("rotate: %w", err)
	}
	return Enrollment{KioskID: kioskID, Secret: hex.EncodeToString(secret)}, nil
}

// Revoke revokes a kiosk through this server, which forgets what it kept of it.
func (s *Server) Revoke(ctx context.Context, kioskID string) error {
	defer s.forgetKiosk(kioskID)
	return Revoke(ctx, s.store, kioskID, s.now())
}

// Rotate rotates a kiosk's secret through this server, which forgets what it kept of it.
func (s *Server) Rotate(ctx context.Context, kioskID string) (Enrollment, error) {
	defer s.forgetKiosk(kioskID)
	return Rotate(ctx, s.store, kioskID)
}

// ImportSummary counts what an import wrote.
type ImportSummary struct {
	People, Vehicles, Bindings, Follows, Violations, Decisions, PointsEntries int
	UnitDrivers                                                               int
}

// Import loads a validated data set in one transaction: all of it or nothing. Importing the same
// file again changes nothing: records are replaced by key, and bindings, follows, decisions and
// points entries that already exist are kept.
func Import(ctx context.Context, st store.Store, p *model.Profile, d *dataset.Data) (ImportSummary, error) {
	var sum ImportSummary
	err := st.Tx(ctx, func(tx store.Tx) error {
		sum = ImportSummary{}
		for _, person := range d.People {
			if err := tx.PutDriver(store.Driver{Driver: person.Driver, Licence: person.Licence, Registered: person.Registered}); err != nil {
				return err
			}
			sum.People++
		}
		for _, v := range d.Vehicles {
			if err := tx.PutVehicle(store.Vehicle{Vehicle: v.Vehicle, OwnerName: v.OwnerName}); err != nil {
				return err
			}
			sum.Vehicles++
		}
		for _, v := range d.Violations {
			if err := importViolation(tx, p, v, &sum); err != nil {
				return err
			}
		}
		if err := importLinks(tx, d, &sum); err != nil {
			return err
		}
		if err := importUnitDrivers(tx, d, &sum); err != nil {
			return err
		}
		return importPoints(tx, d, &sum)
	})
	if err != nil {
		return ImportSummary{}, fmt.Errorf("import: %w", err)
	}
	// The records are in; statistics that describe them let the next requests use good plans
	// at once. A failure here loses nothing: autovacuum gathers them later.
	if err := st.Analyze(ctx); err != nil {
		return sum, fmt.Errorf("import: records stored, statistics not refreshed: %w", err)
	}
	return sum, nil
}

func importViolation(tx store.Tx, p *model.Profile, v model.Violation, sum *ImportSummary) error {
	if err := tx.PutViolation(v); err != nil {
		return err
	}
	sum.Violations++
	if v.Decision == "" {
		return nil
	}
	if _, err := tx.Decision(v.Decision); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	sum.Decisions++
	return tx.InsertDecision(importedDecision(p, v))
}

// importedDecision is the decision record of an imported decided violation: issued when it was
// decided, due under profile p.
func importedDecision(p *model.Profile, v model.Violation) model.Decision {
	return model.Decision{Number: v.Decision, ViolationID: v.ID, Driver: v.Driver, Plate: v.Plate,
		Points: v.Points, Fine: v.Fine, IssuedAt: v.DecidedAt, Due: model.DueDate(v.DecidedAt, p.Payment)}
}

func importLinks(tx store.Tx, d *dataset.Data, sum *ImportSummary) error {
	for _, b := range d.Bindings {
		have, err := tx.Bindings(store.BindingFilter{Driver: b.Driver})
		if err != nil {
			return err
		}
		if !containsBinding(have, b) {
			if _, err := tx.InsertBinding(b); err != nil {
				return err
			}
			sum.Bindings++
		}
	}
	for _, f := range d.Follows {
		have, err := tx.Follows(store.FollowFilter{Follower: f.Follower})
		if err != nil {
			return err
		}
		if !containsFollow(have, f) {
			if _, err := tx.InsertFollow(f); err != nil {
				return err
			}
			sum.Follows++
		}
	}
	return nil
}

func importPoints(tx store.Tx, d *dataset.Data, sum *ImportSummary) error {
	for _, e := range d.Points {
		have, err := tx.PointsEntries(e.Driver)
		if err != nil {
			return err
		}
		exists := false
		for _, h := range have {
			exists = exists || h.Decision == e.Decision
		}
		if !exists {
			if err := tx.InsertPointsEntry(e.Driver, e.PointsEntry); err != nil {
				return err
			}
			sum.PointsEntries++
		}
	}
	return nil
}

func containsBinding(have []store.Binding, b model.Binding) bool {
	for _, h := range have {
		if h.Plate == b.Plate && h.Since.Equal(b.Since) {
			return true
		}
	}
	return false
}

func containsFollow(have []store.Follow, f model.Follow) bool {
	for _, h := range have {
		if h.Plate == f.Plate && h.RequestedAt.Equal(f.RequestedAt) {
			return true
		}
	}
	return false
}
