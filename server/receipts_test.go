package server

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/hallkiosk/kiosk/api"
)

// getPage fetches a public page without signing, as a phone scanning a receipt would.
func (e *env) getPage(path string) (int, string) {
	e.t.Helper()
	resp, err := http.Get(e.http.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The QR code on a receipt opens /r/{id}: a processed operation shows its decision numbers and
// a payment its amount, with no name, ID number or plate; an unknown id says there is no such
// receipt.
func TestReceiptVerificationPage(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		now := e.clock.Now()
		res := e.send(processOp("op-r1", 1, now, 1, "V-A-1"))[0]
		if res.Outcome == api.OutcomeRejected || len(res.Decisions) != 1 {
			t.Fatalf("process: %+v", res)
		}
		status, page := e.getPage("/r/op-r1")
		if status != http.StatusOK || !strings.Contains(page, res.Decisions[0].Number) || !strings.Contains(page, "有效") {
			t.Fatalf("process receipt: %d\n%s", status, page)
		}
		pay := e.send(payOp("op-r2", 2, now, "V-A-1", res.Decisions[0].FineFen, 0))[0]
		if pay.Outcome == api.OutcomeRejected {
			t.Fatalf("pay: %+v", pay)
		}
		status, page = e.getPage("/r/op-r2")
		if status != http.StatusOK || !strings.Contains(page, "已缴款 50.00元") {
			t.Fatalf("payment receipt: %d\n%s", status, page)
		}
		for _, personal := range []string{idA, "张伟", "粤B54321"} {
			if strings.Contains(page, personal) {
				t.Errorf("the public page shows %q", personal)
			}
		}
		if status, page = e.getPage("/r/no-such-op"); status != http.StatusNotFound || !strings.Contains(page, "unknown_receipt") {
			t.Errorf("unknown receipt: %d\n%s", status, page)
		}
		if status, _ = e.getPage("/r/" + strings.Repeat("x", 100)); status != http.StatusNotFound {
			t.Errorf("an over-long id: %d", status)
		}
	})
}
