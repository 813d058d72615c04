package server

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// reasonOf is the code of a result's first reason, or "" when it has none.
func reasonOf(r api.OpResult) string {
	if len(r.Reasons) == 0 {
		return ""
	}
	return r.Reasons[0].Code
}

// copyViolation stores a copy of a violation under another id (another of its vehicle's).
func (e *env) copyViolation(from, id string) {
	e.t.Helper()
	v := e.violation(from)
	v.ID = id
	if err := e.store.Tx(context.Background(), func(tx store.Tx) error { return tx.PutViolation(v) }); err != nil {
		e.t.Fatal(err)
	}
}

// The server takes no kiosk's word that an owner verified: only a token it issued at /v1/verify
// for this kiosk, driver and vehicle, by its current owner, recently and not for another op.
func TestOwnerVerificationIsProven(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		now := e.clock.Now()
		seq := int64(0)
		send := func(op api.Op) api.OpResult {
			t.Helper()
			return e.send(op)[0]
		}
		process := func(id string, at time.Time, violation string, owners ...api.OwnerProof) api.Op {
			seq++
			op := processOp(id, seq, at, 1, violation)
			op.Process.Owners = owners
			return op
		}
		proof := func(token string) api.OwnerProof { return api.OwnerProof{Token: token, Face: api.FaceMatch} }
		wantRefused := func(what string, r api.OpResult) {
			t.Helper()
			if r.Outcome != api.OutcomeRejected || reasonOf(r) != string(model.ReasonOwnerNotVerified) || r.Reasons[0].ViolationID != "V-B-AFTER" {
				t.Errorf("%s: %+v, want rejected with %s", what, r, model.ReasonOwnerNotVerified)
			}
		}

		// No proof, or a token the server never issued (the old "owner_verified: true").
		wantRefused("no token", send(process("o-1", now, "V-B-AFTER")))
		wantRefused("a token never issued", send(process("o-2", now, "V-B-AFTER", proof("0123456789abcdef0123456789abcdef"))))

		// A token of another kiosk.
		k2, err := Enroll(ctx, e.store, e.ref, "kiosk 2", "test hall", "national", now)
		if err != nil {
			t.Fatal(err)
		}
		v, err := e.newClient(k2).Verify(ctx, api.Identify{IDNumber: idB, FileNumber: fileB,
			For: &api.OwnerCheckFor{DriverID: idA, PlateType: "02", PlateNumber: "粤B12345"}})
		if err != nil || len(v.Token) != 32 {
			t.Fatalf("verify at kiosk 2: %+v, %v", v, err)
		}
		wantRefused("a token of another kiosk", send(process("o-3", now, "V-B-AFTER", proof(v.Token))))

		// A token for another driver.
		wantRefused("a token for driver C", send(process("o-4", now, "V-B-AFTER", proof(e.ownerToken(idC)))))

		// A token for another vehicle of the same owner.
		other := model.Plate{Type: model.PlateSmallCar, Number: "粤B67890"}
		if err := e.store.Tx(ctx, func(tx store.Tx) error {
			car, err := tx.Vehicle(model.Plate{Type: model.PlateSmallCar, Number: "粤B12345"})
			car.Plate = other
			return errors.Join(err, tx.PutVehicle(car))
		}); err != nil {
			t.Fatal(err)
		}
		v, err = e.client.Verify(ctx, api.Identify{IDNumber: idB, FileNumber: fileB,
			For: &api.OwnerCheckFor{DriverID: idA, PlateType: "02", PlateNumber: "粤B67890"}})
		if err != nil || v.Token == "" {
			t.Fatalf("verify for B's other car: %+v, %v", v, err)
		}
		wantRefused("a token for another vehicle", send(process("o-5", now, "V-B-AFTER", proof(v.Token))))

		// Issued after the op's time (beyond the clock skew a kiosk may have), and more than 30
		// minutes before it.
		token := e.ownerToken(idA)
		wantRefused("a token issued after the op", send(process("o-6", now.Add(-api.MaxClockSkew-time.Second), "V-B-AFTER", proof(token))))
		e.clock.Add(api.OwnerCheckMaxAge + time.Second)
		now = e.clock.Now()
		wantRefused("a token issued 30 minutes and a second before", send(process("o-7", now, "V-B-AFTER", proof(token))))

		// A fresh token: applied, and a resend of the op answers the same.
		e.copyViolation("V-B-AFTER", "V-B-LATER")
		token = e.ownerToken(idA)
		e.clock.Add(api.OwnerCheckMaxAge)
		now = e.clock.Now()
		ok := process("o-8", now, "V-B-AFTER", proof("0123456789abcdef0123456789abcdef"), proof(token))
		first := send(ok)
		if first.Outcome != api.OutcomeApplied || len(first.Decisions) != 1 {
			t.Fatalf("a valid token (30 minutes old): %+v", first)
		}
		if again := send(ok); !reflect.DeepEqual(again, first) {
			t.Errorf("resend: %+v, want the stored result %+v", again, first)
		}

		// Used by that op, it proves no other.
		r := send(process("o-9", now, "V-B-LATER", proof(token)))
		if r.Outcome != api.OutcomeRejected || reasonOf(r) != string(model.ReasonOwnerNotVerified) {
			t.Errorf("a token used by another op: %+v", r)
		}

		// A token of the vehicle's former owner: B sold the car to C after verifying.
		token = e.ownerToken(idA)
		if err := e.store.Tx(ctx, func(tx store.Tx) error {
			car, err := tx.Vehicle(model.Plate{Type: model.PlateSmallCar, Number: "粤B12345"})
			car.Owner = idC
			return errors.Join(err, tx.PutVehicle(car))
		}); err != nil {
			t.Fatal(err)
		}
		r = send(process("o-10", now, "V-B-LATER", proof(token)))
		if r.Outcome != api.OutcomeRejected || reasonOf(r) != string(model.ReasonOwnerNotVerified) {
			t.Errorf("a token of the former owner: %+v", r)
		}
	})
}

// /v1/verify issues a token only to the vehicle's owner. Wrong numbers get the neutral
// no_match; a person the numbers identify (ID number and file number prove who they are) who
// does not own the vehicle, or a plate nobody registered, is told owner.not_owner: that tells
// the proven person about themselves only.
func TestVerifyForIssuesTokensToOwnersOnly(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		verify := func(id, file, plate string) (api.Verified, error) {
			return e.client.Verify(ctx, api.Identify{IDNumber: id, FileNumber: file,
				For: &api.OwnerCheckFor{DriverID: idA, PlateType: "02", PlateNumber: plate}})
		}
		var a *api.StatusError
		notOwner, err := verify(idC, fileC, "粤B12345")
		if !errors.As(err, &a) || a.Status != http.StatusNotFound || a.Body.Code != api.CodeOwnerNotOwner || notOwner.Token != "" {
			t.Errorf("a person verifying for a vehicle they do not own: %+v %v", notOwner, err)
		}
		if _, err := verify(idC, fileB, "粤B12345"); !errors.As(err, &a) || a.Status != http.StatusNotFound || a.Body.Code != "no_match" {
			t.Errorf("wrong numbers: %v", err)
		}
		if _, err := verify(idC, fileC, "粤B99999"); !errors.As(err, &a) || a.Status != http.StatusNotFound || a.Body.Code != api.CodeOwnerNotOwner {
			t.Errorf("a vehicle nobody registered: %v", err)
		}
		if _, err := verify(idB, fileB, "粤B1234"); !errors.As(err, &a) || a.Status != http.StatusBadRequest {
			t.Errorf("a malformed plate: %v, want 400", err)
		}
		if _, err := e.client.Lookup(ctx, api.Identify{IDNumber: idB, FileNumber: fileB,
			For: &api.OwnerCheckFor{DriverID: idA, PlateType: "02", PlateNumber: "粤B12345"}}); !errors.As(err, &a) || a.Status != http.StatusBadRequest {
			t.Errorf("a lookup with for: %v, want 400", err)
		}
		// Without for, a verification issues no token, and no name.
		if v, err := e.client.Verify(ctx, api.Identify{IDNumber: idB, FileNumber: fileB}); err != nil || v.Token != "" || !v.Registered || v.OwnerName != "" {
			t.Errorf("a plain verification: %+v, %v", v, err)
		}
		// The owner, proven, gets the token and their name for the review.
		var owner store.Driver
		if err := e.store.Read(ctx, func(r store.Reader) (err error) {
			owner, err = r.Driver(idB)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if v, err := verify(idB, fileB, "粤B12345"); err != nil || !validOwnerCheckToken(v.Token) || v.OwnerName == "" || v.OwnerName != owner.Name {
			t.Errorf("the owner: %+v, %v", v, err)
		}
	})
}

// What each face check found decides, with the profile, whether the kiosk could do the
// processing: the national profile accepts a kiosk without a camera for the driver's own
// vehicles, never for another's.
func TestNoCameraFollowsTheProfile(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		now := e.clock.Now()
		own := processOp("f-1", 1, now, 1, "V-A-1")
		own.Process.DriverFace = api.FaceNoCamera
		if r := e.send(own)[0]; r.Outcome != api.OutcomeApplied {
			t.Errorf("no camera, own vehicle: %+v", r)
		}
		driver := withOwner(processOp("f-2", 2, now, 2, "V-B-AFTER"), e.ownerToken(idA), api.FaceMatch)
		driver.Process.DriverFace = api.FaceNoCamera
		owner := withOwner(processOp("f-3", 3, now, 2, "V-B-AFTER"), e.ownerToken(idA), api.FaceNoCamera)
		for i, r := range e.send(driver, owner) {
			if r.Outcome != api.OutcomeRejected || reasonOf(r) != string(model.ReasonNoCamera) {
				t.Errorf("no camera for the %s, another's vehicle: %+v", []string{"driver", "owner"}[i], r)
			}
		}
		// An owner's card read at a kiosk without a camera is recorded so: the op claiming a
		// face match afterwards does not make it one.
		card, err := e.client.Verify(context.Background(), api.Identify{IDNumber: idB, CardRead: true, Face: api.FaceNoCamera,
			For: &api.OwnerCheckFor{DriverID: idA, PlateType: "02", PlateNumber: "粤B12345"}})
		if err != nil || card.Token == "" {
			t.Fatalf("the owner's card: %+v, %v", card, err)
		}
		claimed := withOwner(processOp("f-4", 4, now, 2, "V-B-AFTER"), card.Token, api.FaceMatch)
		if r := e.send(claimed)[0]; r.Outcome != api.OutcomeRejected || reasonOf(r) != string(model.ReasonNoCamera) {
			t.Errorf("a card recorded without a camera, claimed matched in the op: %+v", r)
		}
		// The tokens of the refused ops were not used: with faces checked, one still proves the owner.
		ok := withOwner(processOp("f-5", 5, now, 2, "V-B-AFTER"), owner.Process.Owners[0].Token, api.FaceMatch)
		if r := e.send(ok)[0]; r.Outcome != api.OutcomeApplied {
			t.Errorf("faces checked: %+v", r)
		}
	})
}
