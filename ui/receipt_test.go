package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
)

// A receipt of a queued operation says it is pending confirmation and carries the operation
// id; a confirmed one carries its decision; identity is masked in both.
func TestReceiptSaysPendingWithTheOperationID(t *testing.T) {
	h := newHarness(t)
	plate, err := model.ParsePlate("02", "粤B12345")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 21, 10, 30, 0, 0, model.ChinaZone())
	r := Receipt{Hall: "福田车管所", KioskID: "k-0011", Name: "李娜", ID: "11010519491231002X",
		Op:    api.Op{ID: "5f0c2b1e-7a4d-4e8b-9c3f-000000000001", Type: api.OpPay, At: at},
		Items: []ReceiptItem{{ViolationID: "V1", Plate: plate, Code: "1625", Points: 6, Fine: model.Yuan(200), LateFee: model.Yuan(6)}}}
	pending := h.m.c.RenderReceipt(r)
	for _, want := range []string{"待确认", "业务编号：5f0c2b1e-7a4d-4e8b-9c3f-000000000001", "合计：206.00元", "粤B***45", "1101**********002X", "李*"} {
		if !strings.Contains(pending, want) {
			t.Errorf("pending receipt lacks %q:\n%s", want, pending)
		}
	}
	for _, secret := range []string{"11010519491231002X", "粤B12345", "李娜"} {
		if strings.Contains(pending, secret) {
			t.Errorf("receipt shows %q unmasked", secret)
		}
	}
	r.Result = &api.OpResult{Outcome: api.OutcomeApplied, AppliedAt: at.Add(time.Minute),
		Decisions: []api.Decision{{Number: "4403042026000000170", DueDate: "2026-12-06"}}}
	h.m.c.Lang = model.EN
	done := h.m.c.RenderReceipt(r)
	for _, want := range []string{"Confirmed by the platform at 2026-11-21 10:31", "Penalty decision 4403042026000000170", "Total: ¥206.00"} {
		if !strings.Contains(done, want) {
			t.Errorf("confirmed receipt lacks %q:\n%s", want, done)
		}
	}
	if strings.Contains(done, "Pending") {
		t.Error("a confirmed receipt must not say pending")
	}
}
