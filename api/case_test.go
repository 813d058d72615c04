package api_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server"
)

// The kiosk judges with the lookup answer; the server judges the operation with its own data.
// For every licensed person of a demo data set, the kiosk's verdict on their first unprocessed
// violation must be the server's: eligible violations are applied, others refused.
func TestKioskAndServerAgree(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	demo, err := server.NewDemo(ctx, t.TempDir(), "national", 9, 40, now)
	if err != nil {
		t.Fatal(err)
	}
	defer demo.Close()
	hs := httptest.NewServer(demo.Server.Handler())
	defer hs.Close()
	secret, _ := hex.DecodeString(demo.Kiosk.Secret)
	client := api.NewClient(hs.URL, demo.Kiosk.KioskID, secret, nil)
	profile := demo.Reference.Profiles["national"]
	seq, agreed, eligible := int64(0), 0, 0
	files := map[string]string{} // the licence file numbers of the people who have one
	for _, p := range demo.Data.People {
		if p.Licence != nil {
			files[string(p.Driver.ID)] = string(p.Licence.FileNumber)
		}
	}
	for _, p := range demo.Data.People {
		if p.Licence == nil {
			continue
		}
		l, err := client.Lookup(ctx, api.Identify{IDNumber: string(p.Driver.ID), FileNumber: string(p.Licence.FileNumber)})
		if err != nil {
			t.Fatalf("lookup: %v", err)
		}
		c, vs, err := l.Case(profile, time.Now())
		if err != nil {
			t.Fatalf("case: %v", err)
		}
		e := model.NewEvaluator(c)
		for _, v := range vs {
			if v.Status != model.StatusRecorded {
				continue
			}
			verdict := e.Evaluate(v)
			seq++
			op := api.Op{ID: fmt.Sprintf("agree-%d", seq), Epoch: 1, Seq: seq, Type: api.OpProcess, At: time.Now(),
				Process: &api.ProcessOp{DriverID: l.Person.IDNumber, ViolationIDs: []string{v.ID},
					DriverFace: api.FaceMatch, SeenPoints: l.Points.Total}}
			if verdict.Verify == model.VerifyDriverAndOwner {
				// The owner verifies at the kiosk first, as the kiosk's flow has them do.
				owner := ownerOf(l, v.Plate)
				if files[owner] == "" {
					seq--
					continue // an owner without a licence cannot verify at a kiosk
				}
				ok, err := client.Verify(ctx, api.Identify{IDNumber: owner, FileNumber: files[owner], For: &api.OwnerCheckFor{
					DriverID: l.Person.IDNumber, PlateType: string(v.Plate.Type), PlateNumber: string(v.Plate.Number)}})
				if err != nil {
					t.Fatalf("owner verification: %v", err)
				}
				op.Process.Owners = []api.OwnerProof{{Token: ok.Token, Face: api.FaceMatch}}
			}
			resp, err := client.Ops(ctx, []api.Op{op})
			if err != nil {
				t.Fatal(err)
			}
			applied := resp.Results[0].Outcome != api.OutcomeRejected
			if applied != verdict.Eligible {
				t.Errorf("violation %s: kiosk says eligible=%v (reasons %v), server outcome %s %v",
					v.ID, verdict.Eligible, verdict.Reasons, resp.Results[0].Outcome, resp.Results[0].Reasons)
			} else {
				agreed++
			}
			if verdict.Eligible {
				eligible++
			}
			break // one per person: the next would need a fresh lookup (points have changed)
		}
	}
	if agreed < 10 || eligible == 0 || eligible == agreed {
		t.Errorf("%d verdicts agreed, %d of them eligible: the data set must exercise both answers", agreed, eligible)
	}
	t.Logf("%d verdicts compared, %d eligible", agreed, eligible)
}

// ownerOf is the owner's ID number of one of the looked-up vehicles.
func ownerOf(l api.Lookup, p model.Plate) string {
	for _, v := range l.Vehicles {
		if v.PlateType == string(p.Type) && v.PlateNumber == string(p.Number) {
			return v.OwnerID
		}
	}
	return ""
}
