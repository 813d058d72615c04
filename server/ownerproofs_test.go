package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// D owns a car and holds no driving licence: an owner who can never verify with a file number.
const (
	idD      = "440524188001010014"
	plateD   = "粤B88888"
	certD    = "440001234567"
	vinDBody = "LSVAU2180N2183294"
)

// vinOf makes the body a valid VIN by putting its check character in place.
func vinOf(t testing.TB, body string) model.VIN {
	t.Helper()
	c, ok := model.VINCheckChar(body)
	if !ok {
		t.Fatalf("VIN body %q", body)
	}
	v, err := model.ParseVIN(body[:8] + string(c) + body[9:])
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// addOwnerD stores D (no licence, registered) and D's car with its VIN and certificate number,
// and gives carB (B's) a VIN too.
func addOwnerD(t *testing.T, e *env) model.VIN {
	t.Helper()
	vin := vinOf(t, vinDBody)
	if err := e.store.Tx(context.Background(), func(tx store.Tx) error {
		if err := tx.PutDriver(store.Driver{Driver: model.Driver{ID: idD, Name: "赵敏"}, Registered: true}); err != nil {
			return err
		}
		car := store.Vehicle{Vehicle: model.Vehicle{Plate: model.Plate{Type: model.PlateSmallCar, Number: plateD},
			OwnerKind: model.OwnerPersonal, Owner: idD, Use: model.UseNonOperating, VIN: vin, RegCert: certD}}
		return tx.PutVehicle(car)
	}); err != nil {
		t.Fatal(err)
	}
	return vin
}

func forD(purpose string) *api.OwnerCheckFor {
	return &api.OwnerCheckFor{DriverID: idC, PlateType: "02", PlateNumber: plateD, Purpose: purpose}
}

func statusCode(err error) (int, string) {
	var se *api.StatusError
	if errors.As(err, &se) {
		return se.Status, se.Body.Code
	}
	return 0, ""
}

func tokenBind(id string, seq int64, e *env, plate, token string) api.Op {
	return api.Op{ID: id, Epoch: 1, Seq: seq, Type: api.OpBind, At: e.clock.Now(), Bind: &api.BindOp{
		DriverID: idC, PlateType: "02", PlateNumber: plate, OwnerToken: token}}
}

// An owner without a licence authorises a binding with the VIN's last six characters, the
// certificate number or the ID card; the op carries the server's token, and the binding is made.
func TestOwnerProofsWithoutLicence(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		vin := addOwnerD(t, e)
		for i, r := range []struct {
			name string
			req  api.Identify
		}{
			{"vin", api.Identify{IDNumber: idD, VINTail: string(vin.Tail()), For: forD(api.PurposeBind)}},
			{"vin in lower case", api.Identify{IDNumber: idD, VINTail: " " + lower(string(vin.Tail())), For: forD(api.PurposeBind)}},
			{"certificate", api.Identify{IDNumber: idD, RegCert: certD, For: forD(api.PurposeBind)}},
			{"card and face", api.Identify{IDNumber: idD, CardRead: true, Face: api.FaceMatch, For: forD(api.PurposeBind)}},
			{"card, no camera", api.Identify{IDNumber: idD, CardRead: true, Face: api.FaceNoCamera, For: forD(api.PurposeBind)}},
		} {
			v, err := e.client.Verify(ctx, r.req)
			if err != nil || !validOwnerCheckToken(v.Token) || !v.Registered {
				t.Fatalf("%s: %+v %v", r.name, v, err)
			}
			seq := int64(2*i + 1)
			res := e.send(tokenBind(fmt.Sprintf("b-%d", i), seq, e, plateD, v.Token))[0]
			if res.Outcome != api.OutcomeApplied {
				t.Fatalf("%s: bind with the token: %+v", r.name, res)
			}
			// The token proved one op: another op citing it is not verified.
			// Ended (by staff, so that no self-service limit counts), the binding could be made
			// again: but the used token proves no other op.
			if err := e.store.Tx(ctx, func(tx store.Tx) error {
				bs, err := tx.Bindings(store.BindingFilter{Driver: idC})
				if err != nil || len(bs) == 0 {
					return errors.Join(err, errors.New("no binding"))
				}
				return tx.EndBinding(bs[len(bs)-1].ID, e.clock.Now())
			}); err != nil {
				t.Fatal(err)
			}
			again := e.send(tokenBind(fmt.Sprintf("b2-%d", i), seq+1, e, plateD, v.Token))[0]
			if again.Outcome != api.OutcomeRejected || reasonOf(again) != string(model.ReasonBindOwnerUnchecked) {
				t.Errorf("%s: a used token bound again: %+v", r.name, again)
			}
			e.clock.Add(time.Second)
		}
	})
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// A typed proof that fails is one answer whichever part was wrong (no_match would not do: the
// owner has no licence), so that nobody learns who owns the vehicle or that a VIN guess was
// right; a card's holder is told they are not the owner; a proof the platform holds nothing to
// compare with is named; malformed numbers are refused with their input reason.
func TestOwnerProofRefusals(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		vin := addOwnerD(t, e)
		wrongTail := "000000"
		if vin.Tail() == "000000" {
			wrongTail = "000001"
		}
		for _, r := range []struct {
			name   string
			req    api.Identify
			status int
			code   string
		}{
			{"right ID, wrong VIN", api.Identify{IDNumber: idD, VINTail: wrongTail, For: forD(api.PurposeBind)}, 404, api.CodeOwnerProofMismatch},
			{"right VIN, wrong ID", api.Identify{IDNumber: idB, VINTail: string(vin.Tail()), For: forD(api.PurposeBind)}, 404, api.CodeOwnerProofMismatch},
			{"unknown ID, right VIN", api.Identify{IDNumber: "11010219840406970X", VINTail: string(vin.Tail()), For: forD(api.PurposeBind)}, 404, api.CodeOwnerProofMismatch},
			{"right ID, wrong certificate", api.Identify{IDNumber: idD, RegCert: "440001234568", For: forD(api.PurposeBind)}, 404, api.CodeOwnerProofMismatch},
			{"card of another person", api.Identify{IDNumber: idB, CardRead: true, Face: api.FaceMatch, For: forD(api.PurposeBind)}, 404, api.CodeOwnerNotOwner},
			{"no VIN on file", api.Identify{IDNumber: idB, VINTail: "123456",
				For: &api.OwnerCheckFor{DriverID: idC, PlateType: "02", PlateNumber: "粤B12345", Purpose: api.PurposeBind}}, 404, api.CodeOwnerNotOnFile},
			{"VIN with an O", api.Identify{IDNumber: idD, VINTail: "12O456", For: forD(api.PurposeBind)}, 400, string(model.InputVINChar)},
			{"short VIN", api.Identify{IDNumber: idD, VINTail: "12345", For: forD(api.PurposeBind)}, 400, string(model.InputVINLength)},
			{"certificate with a letter", api.Identify{IDNumber: idD, RegCert: "44000123456A", For: forD(api.PurposeBind)}, 400, string(model.InputRegCertChar)},
			{"VIN without for", api.Identify{IDNumber: idD, VINTail: string(vin.Tail())}, 400, "bad_request"},
			{"two proofs", api.Identify{IDNumber: idD, VINTail: string(vin.Tail()), RegCert: certD, For: forD(api.PurposeBind)}, 400, "bad_request"},
			{"card without face", api.Identify{IDNumber: idD, CardRead: true, For: forD(api.PurposeBind)}, 400, "bad_request"},
			{"face without card", api.Identify{IDNumber: idD, VINTail: string(vin.Tail()), Face: api.FaceMatch, For: forD(api.PurposeBind)}, 400, "bad_request"},
			{"unknown purpose", api.Identify{IDNumber: idD, VINTail: string(vin.Tail()), For: forD("lend")}, 400, "bad_request"},
		} {
			v, err := e.client.Verify(ctx, r.req)
			if status, code := statusCode(err); status != r.status || code != r.code || v.Token != "" {
				t.Errorf("%s: %+v %v, want %d %s", r.name, v, err, r.status, r.code)
			}
			e.clock.Add(time.Minute) // past the per-ID delays
		}
	})
}

// A check is proof for what it was made for only: a token for processing does not bind, and a
// binding token does not prove an owner to a process op.
func TestOwnerCheckPurpose(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		vin := addOwnerD(t, e)
		v, err := e.client.Verify(ctx, api.Identify{IDNumber: idD, VINTail: string(vin.Tail()), For: forD(api.PurposeProcess)})
		if err != nil {
			t.Fatal(err)
		}
		if r := e.send(tokenBind("p-1", 1, e, plateD, v.Token))[0]; r.Outcome != api.OutcomeRejected ||
			reasonOf(r) != string(model.ReasonBindOwnerUnchecked) {
			t.Errorf("a processing token used to bind: %+v", r)
		}
		// B's binding token for carB does not prove B to A's processing of carB.
		b, err := e.client.Verify(ctx, api.Identify{IDNumber: idB, FileNumber: fileB,
			For: &api.OwnerCheckFor{DriverID: idA, PlateType: "02", PlateNumber: "粤B12345", Purpose: api.PurposeBind}})
		if err != nil {
			t.Fatal(err)
		}
		op := withOwner(processOp("p-2", 2, e.clock.Now(), 1, "V-B-AFTER"), b.Token, api.FaceMatch)
		if r := e.send(op)[0]; r.Outcome != api.OutcomeRejected || reasonOf(r) != string(model.ReasonOwnerNotVerified) {
			t.Errorf("a binding token used to process: %+v", r)
		}
		// A token older than OwnerCheckMaxAge binds nothing.
		v, err = e.client.Verify(ctx, api.Identify{IDNumber: idD, RegCert: certD, For: forD(api.PurposeBind)})
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Add(api.OwnerCheckMaxAge + time.Minute)
		if r := e.send(tokenBind("p-3", 3, e, plateD, v.Token))[0]; r.Outcome != api.OutcomeRejected ||
			reasonOf(r) != string(model.ReasonBindOwnerUnchecked) {
			t.Errorf("an old token: %+v", r)
		}
	})
}

// Typed proofs of a vehicle are limited: five failures a day per vehicle, from any kiosk, pause
// them until the first leaves the window (the card still works, and the right numbers are
// refused too while paused: the pause is no oracle); ten failures an hour at one kiosk pause
// them there for any vehicle.
func TestOwnerProofLockout(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		vin := addOwnerD(t, e)
		other, err := Enroll(ctx, e.store, e.ref, "second kiosk", "test hall", "national", e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		second := e.newClient(other)
		start := e.clock.Now()
		guess := func(c *api.Client, tail string) (int, string) {
			_, err := c.Verify(ctx, api.Identify{IDNumber: idD, VINTail: tail, For: forD(api.PurposeBind)})
			e.clock.Add(time.Minute) // past the per-ID delays: this test is about the vehicle's
			return statusCode(err)
		}
		for i := 0; i < ownerProofsPerVehicle; i++ {
			c := e.client
			if i%2 == 1 {
				c = second // the count is the vehicle's, across kiosks
			}
			if s, code := guess(c, "00000"+string(rune('0'+i))); s != 404 || code != api.CodeOwnerProofMismatch {
				t.Fatalf("guess %d: %d %s", i+1, s, code)
			}
		}
		_, err = e.client.Verify(ctx, api.Identify{IDNumber: idD, VINTail: string(vin.Tail()), For: forD(api.PurposeBind)})
		var se *api.StatusError
		if !errors.As(err, &se) || se.Status != http.StatusTooManyRequests || se.Body.Code != api.CodeOwnerProofLocked {
			t.Fatalf("the right VIN after five failures: %v, want 429 %s", err, api.CodeOwnerProofLocked)
		}
		if want := start.Add(ownerProofVehicleWindow).Sub(e.clock.Now()); se.RetryAfter < want-time.Second || se.RetryAfter > want+time.Second {
			t.Errorf("Retry-After %v, want about %v (until the first failure is a day old)", se.RetryAfter, want)
		}
		if _, err := e.client.Verify(ctx, api.Identify{IDNumber: idD, CardRead: true, Face: api.FaceMatch, For: forD(api.PurposeBind)}); err != nil {
			t.Errorf("the card while proofs by number are paused: %v", err)
		}
		// A day after the first failure, one attempt is free again.
		e.clock.Add(start.Add(ownerProofVehicleWindow).Sub(e.clock.Now()) + time.Second)
		if v, err := e.client.Verify(ctx, api.Identify{IDNumber: idD, VINTail: string(vin.Tail()), For: forD(api.PurposeBind)}); err != nil || v.Token == "" {
			t.Errorf("the right VIN a day later: %v", err)
		}

		// The kiosk's count: ten failures an hour on ten vehicles' proofs pause that kiosk only.
		if err := e.store.Tx(ctx, func(tx store.Tx) error {
			for i := 0; i < ownerProofsPerKiosk; i++ {
				if err := tx.InsertOwnerProofFailure(model.Plate{Type: model.PlateSmallCar, Number: model.PlateNumber("粤B5000" + string(rune('0'+i)))},
					e.kiosk.KioskID, e.clock.Now()); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if s, code := guess(e.client, string(vin.Tail())); s != 429 || code != api.CodeOwnerProofLocked {
			t.Errorf("after ten failures at this kiosk: %d %s", s, code)
		}
		if v, err := second.Verify(ctx, api.Identify{IDNumber: idD, VINTail: string(vin.Tail()), For: forD(api.PurposeBind)}); err != nil || v.Token == "" {
			t.Errorf("another kiosk is not paused: %v", err)
		}
	})
}

// /v1/linkcheck refuses, before the owner types anything, what no owner can change, with the
// model's reasons, and names the proofs by number the platform can check.
func TestLinkCheck(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		addOwnerD(t, e)
		if err := e.store.Tx(ctx, func(tx store.Tx) error {
			unit := store.Vehicle{Vehicle: model.Vehicle{Plate: model.Plate{Type: model.PlateSmallCar, Number: "粤B77777"},
				OwnerKind: model.OwnerUnit, Use: model.UseNonOperating}, OwnerName: "某公司"}
			if err := tx.PutVehicle(unit); err != nil {
				return err
			}
			// carD already has three binders.
			for _, d := range []model.IDNumber{idA, idB, "11010219840406970X"} {
				if _, err := tx.InsertBinding(model.Binding{Driver: d, Plate: model.Plate{Type: model.PlateSmallCar, Number: "粤B12345"},
					Owner: idB, Since: e.clock.Now().Add(-time.Hour), Channel: model.ChannelCounter}); err != nil && d != idA {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		check := func(driver, plate string) api.LinkChecked {
			t.Helper()
			out, err := e.client.LinkCheck(ctx, api.LinkCheck{DriverID: driver, PlateType: "02", PlateNumber: plate, Purpose: api.PurposeBind})
			if err != nil {
				t.Fatalf("%s: %v", plate, err)
			}
			return out
		}
		codes := func(c api.LinkChecked) []string {
			var out []string
			for _, r := range c.Reasons {
				out = append(out, r.Code)
			}
			return out
		}
		if c := check(idC, plateD); len(c.Reasons) != 0 || len(c.Proofs) != 2 || c.Proofs[0] != api.ProofVIN || c.Proofs[1] != api.ProofRegCert {
			t.Errorf("D's car: %+v", c)
		}
		for _, r := range []struct{ driver, plate, want string }{
			{idC, "粤B77777", string(model.ReasonBindUnitOwned)},
			{idC, "粤B12345", string(model.ReasonBindVehicleFull)},
			{idB, "粤B12345", string(model.ReasonBindOwnVehicle)},
			{idC, "粤B99999", string(model.ReasonVehicleUnknown)},
			{idD, plateD, string(model.ReasonDriverUnknown)}, // D has no licence
		} {
			if got := codes(check(r.driver, r.plate)); len(got) == 0 || got[0] != r.want {
				t.Errorf("%s binding %s: %v, want %s", r.driver, r.plate, got, r.want)
			}
		}
		_, err := e.client.LinkCheck(ctx, api.LinkCheck{DriverID: idC, PlateType: "02", PlateNumber: plateD, Purpose: "lend"})
		if s, _ := statusCode(err); s != 400 {
			t.Errorf("unknown purpose: %v", err)
		}
	})
}
