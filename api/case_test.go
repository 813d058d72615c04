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
					DriverVerified: true, OwnerVerified: true, SeenPoints: l.Points.Total}}
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
