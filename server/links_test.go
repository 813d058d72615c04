package server

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

func bindOp(id string, seq int64, e *env, driver, plate, owner, ownerFile string) api.Op {
	return api.Op{ID: id, Epoch: 1, Seq: seq, Type: api.OpBind, At: e.clock.Now(), Bind: &api.BindOp{
		DriverID: driver, PlateType: "02", PlateNumber: plate, OwnerID: owner, OwnerFile: ownerFile}}
}

func TestBindAndUnbind(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		// C binds A's car with A present: allowed.
		r := e.send(bindOp("op-1", 1, e, idC, "粤B54321", idA, fileA))[0]
		if r.Outcome != api.OutcomeApplied || r.BindingID == 0 {
			t.Fatalf("bind: %+v", r)
		}
		// A second self-service binding for C is refused (1 through self-service).
		r = e.send(bindOp("op-2", 2, e, idC, "粤B12345", idB, fileB))[0]
		if r.Outcome != api.OutcomeRejected || r.Reasons[0].Code != string(model.ReasonBindSelfService) {
			t.Errorf("second self-service binding: %+v", r)
		}
		// The owner's verification is checked again by the server.
		r = e.send(bindOp("op-3", 3, e, idC, "粤B54321", idA, fileB))[0]
		if r.Outcome != api.OutcomeRejected || r.Reasons[0].Code != string(model.ReasonOwnerCheckFailed) {
			t.Errorf("wrong owner file number: %+v", r)
		}
		// The owner revokes.
		un := api.Op{ID: "op-4", Epoch: 1, Seq: 4, Type: api.OpUnbind, At: e.clock.Now(), Unbind: &api.UnbindOp{
			ActorID: idA, DriverID: idC, PlateType: "02", PlateNumber: "粤B54321"}}
		if r = e.send(un)[0]; r.Outcome != api.OutcomeApplied {
			t.Fatalf("unbind: %+v", r)
		}
		un.ID, un.Seq = "op-5", 5
		if r = e.send(un)[0]; r.Outcome != api.OutcomeRejected || r.Reasons[0].Code != string(model.ReasonUnbindNotFound) {
			t.Errorf("unbinding twice: %+v", r)
		}
	})
}

func TestFollowNeedsAProfileThatAllowsIt(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		follow := func(c *api.Client, id string, seq int64, plate string) api.OpResult {
			resp, err := c.Ops(context.Background(), []api.Op{{ID: id, Epoch: 1, Seq: seq, Type: api.OpFollow, At: e.clock.Now(),
				Follow: &api.FollowOp{FollowerID: idC, PlateType: "02", PlateNumber: plate, OwnerID: idB, OwnerFile: fileB}}})
			if err != nil {
				t.Fatal(err)
			}
			return resp.Results[0]
		}
		if r := follow(e.client, "op-1", 1, "粤B12345"); r.Outcome != api.OutcomeRejected || r.Reasons[0].Code != string(model.ReasonFollowDisabled) {
			t.Errorf("national kiosk: %+v", r)
		}
		// B also owns a Chongqing car and a Chongqing ride-hailing car.
		if err := e.store.Tx(context.Background(), func(tx store.Tx) error {
			car, err := tx.Vehicle(model.Plate{Type: model.PlateSmallCar, Number: "粤B12345"})
			local, operating := car, car
			local.Plate.Number, operating.Plate.Number, operating.Use = "渝A12345", "渝A54321", model.UseOperating
			return errors.Join(err, tx.PutVehicle(local), tx.PutVehicle(operating))
		}); err != nil {
			t.Fatal(err)
		}
		cq, err := Enroll(context.Background(), e.store, e.ref, "cq kiosk", "渝北", "chongqing", e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		c := e.newClient(cq)
		// The Chongqing rules never process a vehicle registered elsewhere, or an operating one,
		// so following them is refused at the server too, and uses up no follow request.
		if r := follow(c, "op-cq-1", 1, "粤B12345"); r.Outcome != api.OutcomeRejected || r.Reasons[0].Code != string(model.ReasonFollowNotLocal) ||
			r.Reasons[0].Want != "渝" || r.Reasons[0].Got != "粤" {
			t.Errorf("chongqing kiosk, 粤 car: %+v", r)
		}
		if r := follow(c, "op-cq-2", 2, "渝A54321"); r.Outcome != api.OutcomeRejected || r.Reasons[0].Code != string(model.ReasonFollowOperating) {
			t.Errorf("chongqing kiosk, operating car: %+v", r)
		}
		if r := follow(c, "op-cq-3", 3, "渝A12345"); r.Outcome != api.OutcomeApplied || r.FollowID == 0 {
			t.Errorf("chongqing kiosk, 渝 car: %+v", r)
		}
		var fs []store.Follow
		err = e.store.Read(context.Background(), func(r store.Reader) (err error) {
			fs, err = r.Follows(store.FollowFilter{Follower: idC})
			return err
		})
		if err != nil || len(fs) != 1 {
			t.Errorf("follows of C: %d, %v; want only the applied one", len(fs), err)
		}
	})
}

func TestVerifyOwner(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		v, err := e.client.Verify(context.Background(), api.Identify{IDNumber: idB, FileNumber: fileB})
		if err != nil || !v.Registered {
			t.Errorf("owner B: %+v %v", v, err)
		}
		v, err = e.client.Verify(context.Background(), api.Identify{IDNumber: idC, FileNumber: fileC})
		if err != nil || v.Registered {
			t.Errorf("C is not registered: %+v %v", v, err)
		}
	})
}

// Every reason code only the server produces is reachable through real operations.
func TestServerReasonCodesAreProduced(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/server.db")
	now := e.clock.Now()
	seen := map[string]bool{}
	collect := func(rs []api.OpResult) {
		for _, r := range rs {
			for _, reason := range r.Reasons {
				seen[reason.Code] = true
			}
		}
	}
	unknownDriver := processOp("op-2", 2, now, 1, "V-A-1")
	unknownDriver.Process.DriverID = "440524188001010014"
	unverified := processOp("op-4", 4, now, 1, "V-B-AFTER")
	noCamera := withOwner(processOp("op-16", 16, now, 1, "V-B-AFTER"), e.ownerToken(idA), api.FaceMatch)
	noCamera.Process.DriverFace = api.FaceNoCamera
	badBind := bindOp("op-6", 6, e, idC, "粤B99999", idA, fileA)
	malformed := api.Op{ID: "op-7", Epoch: 1, Seq: 7, Type: "teleport", At: now}
	collect(e.send(processOp("op-1", 1, now, 0, "V-A-1"))) // points changed: A had 1
	collect(e.send(unknownDriver, processOp("op-3", 3, now, 2, "NO-SUCH"), unverified))
	collect(e.send(processOp("op-5", 5, now, 2, "V-A-1"), badBind, malformed))
	collect(e.send(payOp("op-8", 8, now, "NO-SUCH", 100, 0), payOp("op-9", 9, now, "V-A-1", 100, 0), payOp("op-10", 10, now, "V-A-1", 10000, 0)))
	collect(e.send(bindOp("op-11", 11, e, idC, "粤B54321", idA, fileB)))
	collect(e.send(processOp("op-13", 13, now, 2, "V-A-6")))
	collect(e.send(processOp("op-1", 1, now, 0, "V-A-6")))
	// Times outside the accepted window (V-A-1 was decided at now by op-1).
	collect(e.send(payOp("op-12", 12, now.Add(-time.Hour), "V-A-1", 100, 0),
		payOp("op-13b", 13, now.Add(10*time.Minute), "V-A-1", 100, 0),
		payOp("op-14", 14, now.Add(-8*24*time.Hour), "V-A-1", 100, 0)))
	// A record that already holds the name of the operation's payment: the database refuses it.
	if err := e.store.Tx(context.Background(), func(tx store.Tx) error {
		return tx.InsertPayment("V-A-1", model.Payment{ID: "op-15/1", Fine: 1, PaidAt: now, Method: model.PayCard})
	}); err != nil {
		t.Fatal(err)
	}
	collect(e.send(payOp("op-15", 15, now, "V-A-1", 100, 0)))
	// The owner proved, but the driver's face was not checked: not acceptable for another's car.
	collect(e.send(noCamera))
	// Owners' checks that fail answer with reason codes of their own.
	t.Run("owner checks", func(t *testing.T) {
		addOwnerD(t, e)
		verify := func(req api.Identify) {
			_, err := e.client.Verify(context.Background(), req)
			if _, code := statusCode(err); code != "" {
				seen[code] = true
			}
			e.clock.Add(time.Minute)
		}
		verify(api.Identify{IDNumber: idB, CardRead: true, Face: api.FaceMatch, For: forD(api.PurposeBind)})
		verify(api.Identify{IDNumber: idB, VINTail: "123456", For: &api.OwnerCheckFor{DriverID: idC, PlateType: "02", PlateNumber: "粤B12345"}})
		for i := 0; i <= ownerProofsPerVehicle; i++ {
			verify(api.Identify{IDNumber: idD, VINTail: "00000" + string(rune('0'+i)), For: forD(api.PurposeBind)})
		}
	})
	for _, code := range model.ServerReasonCodes() {
		if !seen[string(code)] {
			t.Errorf("%s was not produced", code)
		}
	}
}
