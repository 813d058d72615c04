package ui

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/hallkiosk/kiosk/device"
	"github.com/hallkiosk/kiosk/model"
)

var keyPgDown = tea.KeyPressMsg{Code: tea.KeyPgDown}

// decisionRightsShown is what the end of the decision must show: where and by when to pay, the
// late fee, and review and lawsuit with their bodies.
func decisionRightsShown(h *harness) []string {
	if h.m.c.Lang == model.EN {
		return []string{"3% of the fine", "administrative review", "within 60", "basic people's court", "within 6 months"}
	}
	return []string{"罚款数额的3%", "行政复议", "60日内", "基层人民法院", "6个月内依法向"}
}

// TestDecisionScreenGolden pins the penalty decision on the result screen at 80x24, in both
// languages and both contrast modes: its top (number, person, vehicle, violation) and, paged
// down, its end (payment, late fee, review and lawsuit). Every line of the document is
// reachable by paging, and the position line says where the view stands.
func TestDecisionScreenGolden(t *testing.T) {
	for _, lang := range []model.Lang{model.ZH, model.EN} {
		for _, hc := range []bool{false, true} {
			for _, end := range []bool{false, true} {
				name := fmt.Sprintf("%s/hc=%v/end=%v", lang, hc, end)
				t.Run(name, func(t *testing.T) {
					st := flowStateNamed(t, "process_result")
					if end {
						st = flowStateNamed(t, "process_result_rights")
					}
					h := runFlowState(t, st, lang, 80, 24, func(o *Options) { o.HighContrast = hc })
					p := h.processScreen()
					r := p.outcome.result
					if r == nil || len(r.Decisions) != 1 {
						t.Fatalf("no decision: %+v", r)
					}
					shows := []string{r.Decisions[0].Number, h.m.c.T(txtDecisionTitle)}
					if end {
						shows = append(decisionRightsShown(h), r.Decisions[0].DueDate)
					}
					checkShows(t, h, shows)
					checkFits(t, name, fitsView(h), 80, 24)
					golden.RequireEqual(t, stableView(t, h))

					// Up comes back to the top, and going down from there shows every line of
					// the document.
					for i := 0; i < 40; i++ {
						h.press(tea.KeyPressMsg{Code: tea.KeyUp})
					}
					if p.docs.top != 0 {
						t.Errorf("Up does not come back to the top: %d", p.docs.top)
					}
					seen := map[string]bool{}
					for i := 0; i < 40; i++ {
						for _, l := range p.docs.lines[p.docs.top : p.docs.top+p.docs.room] {
							seen[l] = true
						}
						h.press(keyDown)
					}
					for _, l := range p.docs.lines {
						if !seen[l] {
							t.Errorf("line %q never shown", l)
						}
					}
				})
			}
		}
	}
}

// flowStateNamed is one of the process and pay flow's states.
func flowStateNamed(t *testing.T, name string) flowState {
	t.Helper()
	for _, st := range processFlowStates() {
		if st.name == name {
			return st
		}
	}
	t.Fatalf("no flow state %q", name)
	return flowState{}
}

// TestDecisionDocGolden pins the penalty decision as the printer receives it, in both
// languages: its text, and the document itself as JSON, which device/escpos lays out on paper
// for its transcript golden (TestDecisionTranscriptGolden). The operation id of the QR code is
// fixed so that the files are stable.
func TestDecisionDocGolden(t *testing.T) {
	for _, lang := range []model.Lang{model.ZH, model.EN} {
		t.Run(string(lang), func(t *testing.T) {
			h := runFlowState(t, flowStateNamed(t, "process_result"), lang, 80, 24)
			rec := h.processScreen().outcome.receipt
			rec.Op.ID = "0acb1808-6c6c-449c-8364-744adf69e05a"
			h.m.c.VerifyURL = "https://kiosk.example.gov.cn/r/" // the fixed stack has none
			docs := h.m.c.DecisionDocs(rec)
			if len(docs) != 1 {
				t.Fatalf("%d decision documents, want 1", len(docs))
			}
			d := docs[0]
			if d.QR == "" || !strings.HasSuffix(d.QR, rec.Op.ID) {
				t.Errorf("the decision's QR %q does not name the operation", d.QR)
			}
			t.Run("text", func(t *testing.T) { golden.RequireEqual(t, d.Text()+"\n") })
			t.Run("doc", func(t *testing.T) {
				b, err := json.MarshalIndent(d, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				golden.RequireEqual(t, string(b)+"\n")
			})
		})
	}
}

// A kiosk whose printer writes files puts no paper in the person's hand: the result says so,
// with where to get a copy, never "printed", and shows the receipt on the screen; the payment
// result too.
func TestPaperlessKioskDoesNotSayPrinted(t *testing.T) {
	states := map[string]flowState{}
	for _, st := range processFlowStates() {
		states[st.name] = st
	}
	for _, name := range []string{"process_result", "pay_done_card"} {
		for _, lang := range []model.Lang{model.ZH, model.EN} {
			st := states[name]
			h := runFlowState(t, st, lang, 80, 24, func(o *Options) {
				o.Devices.Printer = device.FilePrinter{Dir: t.TempDir()}
			})
			view := h.view()
			saved := string([]rune(h.text(lang, txtReceiptSaved, "op", "X"))[:8])
			if strings.Contains(view, h.text(lang, txtReceiptPrinted)) || !strings.Contains(strings.Join(strings.Fields(view), " "), saved) {
				t.Errorf("%s/%s: the screen says printed, or not what happened:\n%s", name, lang, view)
			}
			if !strings.Contains(view, "4403**********") { // the receipt's masked ID number
				t.Errorf("%s/%s: the receipt is not on the screen:\n%s", name, lang, view)
			}
			checkFits(t, name, fitsView(h), 80, 24)
		}
	}
}
