package ui

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/device"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server"
	"github.com/hallkiosk/kiosk/server/store"
	"github.com/hallkiosk/kiosk/service"
)

// newFixedStack is newStack on the test clock: the same real server with the demo data, the
// kiosk's store, sync engine and service, but the server (and the kiosk's API client, whose
// signatures the server checks against its own clock) run at testNow, and the data is generated
// at testNow. Everything the server computes from time (the points cycle, due dates, late fees,
// decision dates, payment times) and the personas' ID numbers are then the same on every run,
// which the golden screens need. The engine and the service keep the real clock: they only
// measure intervals (backoff, probes) that never reach the screen.
func newFixedStack(t *testing.T) *liveStack {
	t.Helper()
	ctx := context.Background()
	ref, err := model.LoadReference(assets.FS())
	if err != nil {
		t.Fatal(err)
	}
	const profile = "national"
	prof, err := ref.Profile(profile)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "server.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := func() time.Time { return testNow }
	srv, err := server.New(ctx, server.Config{Store: st, Reference: ref, DefaultProfile: profile, Now: clock,
		SimulatePayments: true})
	if err != nil {
		t.Fatal(err)
	}
	data := dataset.Demo(7, testNow, 20)
	if _, err := server.Import(ctx, st, prof, data); err != nil {
		t.Fatal(err)
	}
	kiosk, err := server.Enroll(ctx, st, ref, "demo kiosk", "demo hall", profile, testNow)
	if err != nil {
		t.Fatal(err)
	}
	demo := &server.Demo{Store: st, Reference: ref, Server: srv, Data: data, Kiosk: kiosk}
	s := &liveStack{demo: demo, http: httptest.NewServer(srv.Handler()), now: testNow, profile: prof,
		receipts: t.TempDir()}
	t.Cleanup(s.http.Close)
	secret, _ := hex.DecodeString(kiosk.Secret)
	s.startKiosk(t, api.NewClientWithClock(s.http.URL, kiosk.KioskID, secret, &http.Client{Timeout: 2 * time.Second}, clock), secret)
	return s
}

// newFixedStackHarness is newStackHarness on the test clock, with the enrolled kiosk's id on
// the receipts. svc replaces the stack's service when not nil (a wrapper around it).
func newFixedStackHarness(t *testing.T, s *liveStack, svc Services, mutate ...func(*Options)) *harness {
	t.Helper()
	h := &harness{t: t, now: testNow}
	opts := testOptions(t)
	opts.Profile = s.profile
	opts.Offline = &s.profile.Offline
	opts.KioskID = s.demo.Kiosk.KioskID
	opts.Devices = device.Set{Face: device.SimFace{}, Card: &device.SimCard{}, Printer: paperPrinter{device.FilePrinter{Dir: s.receipts}}}
	if svc == nil {
		svc = s.svc
	}
	h.start(opts, svc, mutate)
	return h
}

// unansweredService is the real service whose answers to queued operations never come in time:
// Await returns at once with nothing, as it does when the platform has not answered within
// awaitFor. The operation is still queued and sent; only the screen's wait is cut short.
type unansweredService struct{ *service.Service }

func (unansweredService) Await(context.Context, int64) (*api.OpResult, error) { return nil, nil }

// forgingService is a kiosk that claims an owner's verification it never got from the server:
// it sends a token of its own making in place of the server's.
type forgingService struct{ *service.Service }

func (f forgingService) Submit(op api.Op, receipt []byte, amount model.Fen) (api.Op, []model.Reason, error) {
	if op.Process != nil {
		p := *op.Process
		p.Owners = append([]api.OwnerProof(nil), p.Owners...)
		for i := range p.Owners {
			p.Owners[i].Token = "00000000000000000000000000000000"
		}
		op.Process = &p
	}
	return f.Service.Submit(op, receipt, amount)
}

// failingFace is a camera that does not match the person.
type failingFace struct{}

func (failingFace) Info() device.Info { return device.Info{Name: "test camera"} }
func (failingFace) Verify(context.Context, model.IDNumber) (device.FaceResult, error) {
	return device.FaceNoMatch, nil
}

// Masking. The goldens must be the same on every run, but a few things on these screens are
// random by design and come from the real kiosk and server: operation ids and phone-order ids
// (uplink.NewOpID, UUIDs), the kiosk's enrolled id, the references of simulated payments
// (SIMQR-/SIMCARD- with random hex) and the QR code, whose text carries a random token. Each is
// read from the model (never guessed with a pattern) and replaced on the stripped screen with
// a placeholder of the same width, so the golden keeps the screen's layout. A value cut at the
// edge of the screen is masked as far as it is shown.

// volatile is one random value shown on a screen and its placeholder's label.
type volatile struct {
	value, label string
}

// placeholder is label in angle brackets padded with '~' to n cells, or '~'s if it does not fit.
func placeholder(label string, n int) string {
	if n < len(label)+2 {
		return strings.Repeat("~", n)
	}
	return "<" + label + strings.Repeat("~", n-len(label)-2) + ">"
}

// maskVolatile replaces each value in screen with its placeholder: first wherever it is shown
// whole, then, on a line that reaches the right edge of the screen's w cells, where the line
// ends with the value cut by the edge (a receipt line is cut, not wrapped). Only a cut at the
// edge is masked as a prefix: a shorter value that happens to be a prefix of a longer one
// (the order's short form is its id's first 8 characters) is masked as itself.
func maskVolatile(screen string, w int, vs ...volatile) string {
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		for _, v := range vs {
			if len(v.value) >= 4 {
				l = strings.ReplaceAll(l, v.value, placeholder(v.label, len(v.value)))
			}
		}
		trimmed := strings.TrimRight(l, " ")
		if ansi.StringWidth(trimmed) >= w-2 {
			for _, v := range vs {
				for n := len(v.value) - 1; n >= 4; n-- {
					if strings.HasSuffix(trimmed, v.value[:n]) {
						at := len(trimmed) - n
						l = l[:at] + placeholder(v.label, n) + l[at+n:]
						break
					}
				}
			}
		}
		lines[i] = l
	}
	return strings.Join(lines, "\n")
}

// maskQR replaces the QR code's rows on the stripped screen with a fixed block of the same
// size: its modules depend on the order's random token. The rows are found as the code's own
// rows, at the same column on consecutive lines.
func maskQR(t *testing.T, screen, qr string) string {
	t.Helper()
	if qr == "" {
		return screen
	}
	rows := strings.Split(ansi.Strip(qr), "\n")
	lines := strings.Split(screen, "\n")
	// The first row that is not blank places the code.
	first := -1
	for k, r := range rows {
		if strings.TrimSpace(r) != "" {
			first = k
			break
		}
	}
	if first < 0 {
		t.Fatal("the QR code is blank")
	}
	line, col := -1, -1
	for i, l := range lines {
		if c := strings.Index(l, rows[first]); c >= 0 {
			line, col = i-first, c
			break
		}
	}
	if line < 0 {
		t.Fatalf("the QR code is not on the screen:\n%s", screen)
	}
	w := ansi.StringWidth(rows[0])
	for k, r := range rows {
		i := line + k
		if i >= len(lines) || !strings.HasPrefix(lines[i][col:], r) {
			t.Fatalf("QR row %d is not on line %d at byte %d:\n%s", k, i+1, col, screen)
		}
		fill := strings.Repeat("#", w)
		if k == len(rows)/2 {
			fill = placeholder("QR code", w)
		}
		lines[i] = lines[i][:col] + fill + lines[i][col+len(r):]
	}
	return strings.Join(lines, "\n")
}

// volatiles lists the random values the current screen may show, read from the model.
func volatiles(h *harness) []volatile {
	vs := []volatile{{h.m.c.KioskID, "kiosk"}}
	switch s := h.m.screen.(type) {
	case *process:
		vs = append(vs, volatile{s.outcome.op.ID, "op-id"})
	case *pay:
		vs = append(vs, volatile{s.order.OrderID, "order-id"}, volatile{shortOrder(s.order.OrderID), "order"},
			volatile{s.order.Reference, "reference"}, volatile{s.cardOp.ID, "op-id"}, volatile{s.sub.op.ID, "op-id"})
		if s.sub.op.Pay != nil {
			vs = append(vs, volatile{s.sub.op.Pay.Reference, "reference"})
		}
	}
	return vs
}

// stableView is the screen as text, ANSI stripped, with its random values masked.
func stableView(t *testing.T, h *harness) string {
	t.Helper()
	v := maskVolatile(h.view(), h.m.termW, volatiles(h)...)
	if p, ok := h.m.screen.(*pay); ok && p.phase == payQR {
		v = maskQR(t, v, p.qr)
	}
	return v
}

// fitsView is the screen for checkFits: the QR code's half blocks are the one East-Asian
// ambiguous glyph the kiosk draws on purpose (the kiosk runs with the narrow rule; see qrBlock),
// so they are replaced with a narrow glyph of the same width before the check.
func fitsView(h *harness) string {
	return strings.NewReplacer("█", "#", "▀", "#", "▄", "#").Replace(h.view())
}

// sendNoRun delivers msg without running the command it returns: the screen stays in the state
// of waiting for an answer (face check, submission, card terminal) that would otherwise come
// at once in the synchronous harness.
func (h *harness) sendNoRun(msg tea.Msg) {
	h.t.Helper()
	h.m.Update(msg)
}

// navigateNoRun presses key, delivers the navigation it asks for, and runs nothing else: the
// new screen stays as its Init left it, waiting for what Init would fetch.
func (h *harness) navigateNoRun(key tea.KeyPressMsg) {
	h.t.Helper()
	_, cmd := h.m.Update(key)
	var find func(cmd tea.Cmd) bool
	find = func(cmd tea.Cmd) bool {
		if cmd == nil {
			return false
		}
		switch msg := cmd().(type) {
		case navSession:
			h.sendNoRun(msg)
			return true
		case tea.BatchMsg:
			for _, c := range msg {
				if find(c) {
					return true
				}
			}
		}
		return false
	}
	if !find(cmd) {
		h.t.Fatalf("the key did not navigate:\n%s", h.view())
	}
}

func digitKey(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Text: string(r)} }

// flowState is a state of the process or pay screen and how to reach it on the fixed stack.
type flowState struct {
	name  string
	want  screenID
	svc   func(s *liveStack) Services // nil: the stack's service
	opts  func(o *Options)
	setup func(t *testing.T, h *harness)
	// shows lists what the state must show, in the screen's language (see checkShows), so
	// that a golden written with -update cannot silently hold another state.
	shows func(t *testing.T, h *harness) []string
	// contrasts keeps a golden of the high-contrast mode too (<lang>_hc.golden).
	contrasts bool
}

// fragment is what of s must be on screen: its first line whole when it fits a line of the
// body (w cells, less a margin for a prefix), else its first 20 characters, which are never
// wrapped.
func fragment(s string, w int) string {
	first := strings.SplitN(s, "\n", 2)[0]
	if ansi.StringWidth(first) <= w-4 {
		return first
	}
	return firstRunes(first, 20)
}

// firstRunes is the first n characters of s.
func firstRunes(s string, n int) string {
	rs := []rune(s)
	return string(rs[:min(len(rs), n)])
}

// checkShows fails unless the screen shows each text (see fragment).
func checkShows(t *testing.T, h *harness, texts []string) {
	t.Helper()
	v := h.view()
	w, _ := h.m.bodySize()
	for _, s := range texts {
		if f := fragment(s, w); !strings.Contains(v, f) {
			t.Errorf("screen lacks %q:\n%s", f, v)
		}
	}
}

// forecastText is the process screen's running total as it must read now.
func forecastText(h *harness, n, adding, fine, current, after int) string {
	return h.m.c.T(txtProcessForecast, "n", fmt.Sprint(n), "adding", fmt.Sprint(adding), "fine",
		h.m.c.Money(model.Yuan(int64(fine))), "current", fmt.Sprint(current), "after", fmt.Sprint(after), "full", "12")
}

// problemText is the reason the process screen refuses with, after checking its code.
func problemText(t *testing.T, h *harness, code model.ReasonCode) string {
	t.Helper()
	p := h.processScreen()
	if p.prob == nil || p.prob.reason == nil || p.prob.reason.Code != code {
		t.Fatalf("problem %+v, want reason %s", p.prob, code)
	}
	return h.m.c.Reason(*p.prob.reason).Message
}

// processScreen is the process screen under test.
func (h *harness) processScreen() *process {
	h.t.Helper()
	p, ok := h.m.screen.(*process)
	if !ok {
		h.t.Fatalf("not on the process screen:\n%s", h.view())
	}
	return p
}

// payScreen is the pay screen under test.
func (h *harness) payScreen() *pay {
	h.t.Helper()
	p, ok := h.m.screen.(*pay)
	if !ok {
		h.t.Fatalf("not on the pay screen:\n%s", h.view())
	}
	return p
}

// tickPoints ticks the process candidate with these points.
func (h *harness) tickPoints(points int) {
	h.t.Helper()
	p := h.processScreen()
	k := p.candidateWithPoints(h.t, points)
	p.list.move(k - p.list.cursor)
	h.press(keySpace)
}

// processFlowStates are the states of the process and pay screens, reached with the demo
// personas on the fixed stack.
func processFlowStates() []flowState {
	openProcess := func(t *testing.T, h *harness, who string) {
		t.Helper()
		h.identifyAs(persona(t, who))
		h.typeText("1")
		h.processScreen()
	}
	// nine-points ticks the 1-point violation and goes on to the review (the simulated camera
	// answers at once).
	toConfirm := func(t *testing.T, h *harness) {
		t.Helper()
		openProcess(t, h, "nine-points")
		h.tickPoints(1)
		h.press(keyEnter)
		if p := h.processScreen(); p.phase != procConfirm {
			t.Fatalf("not on the review: phase %d\n%s", p.phase, h.view())
		}
	}
	toResult := func(t *testing.T, h *harness) {
		t.Helper()
		toConfirm(t, h)
		h.typeText("1")
		if p := h.processScreen(); p.phase != procResult {
			t.Fatalf("no result: phase %d\n%s", p.phase, h.view())
		}
	}
	// toDecisionRights pages the penalty decision on the result down to the remedies at its end.
	toDecisionRights := func(t *testing.T, h *harness) {
		t.Helper()
		toResult(t, h)
		want := decisionRightsShown(h)
		for i := 0; i < 20 && !strings.Contains(h.view(), want[len(want)-1]); i++ {
			h.press(keyPgDown)
		}
	}
	// toOwner: borrower-early's violation on the owner's car needs the owner at the kiosk.
	toOwner := func(t *testing.T, h *harness) {
		t.Helper()
		openProcess(t, h, "borrower-early")
		h.tickPoints(3)
		h.press(keyEnter)
		if p := h.processScreen(); p.phase != procOwner {
			t.Fatalf("no owner verification: phase %d\n%s", p.phase, h.view())
		}
	}
	// overdue's decided red-light fine, with its late fee, on the pay screen.
	openPay := func(t *testing.T, h *harness) {
		t.Helper()
		h.identifyAs(persona(t, "overdue"))
		h.typeText("2")
		if p := h.payScreen(); p.phase != paySelect {
			t.Fatalf("pay screen in phase %d", p.phase)
		}
	}
	toMethod := func(t *testing.T, h *harness) {
		t.Helper()
		openPay(t, h)
		h.press(keyEnter)
		if p := h.payScreen(); p.phase != payMethod {
			t.Fatalf("no method choice: phase %d\n%s", p.phase, h.view())
		}
	}
	toQR := func(t *testing.T, h *harness) {
		t.Helper()
		toMethod(t, h)
		h.typeText("1")
		if p := h.payScreen(); p.phase != payQR || p.qr == "" {
			t.Fatalf("no QR code: phase %d, problem %+v\n%s", p.phase, p.prob, h.view())
		}
	}
	T := func(h *harness, k textKey, kv ...string) string { return h.m.c.T(k, kv...) }
	return []flowState{
		{name: "process_select", want: processID, setup: func(t *testing.T, h *harness) { openProcess(t, h, "nine-points") },
			shows: func(t *testing.T, h *harness) []string {
				return []string{T(h, txtProcessIntro), forecastText(h, 0, 0, 0, 9, 9), T(h, txtProcessNextHint), "[ ] ", "[-] "}
			}},
		{name: "process_select_one", want: processID, setup: func(t *testing.T, h *harness) {
			openProcess(t, h, "nine-points")
			h.tickPoints(1)
		}, shows: func(t *testing.T, h *harness) []string {
			return []string{"> [x] ", forecastText(h, 1, 1, 100, 9, 10), T(h, txtProcessNextHint)}
		}},
		{name: "process_select_refused", contrasts: true, want: processID, setup: func(t *testing.T, h *harness) {
			openProcess(t, h, "nine-points")
			h.tickPoints(3)
		}, shows: func(t *testing.T, h *harness) []string {
			return []string{"> [-] ", "! " + problemText(t, h, model.ReasonPointsReachFullAlone), forecastText(h, 0, 0, 0, 9, 9)}
		}},
		{name: "process_detail", want: processID, contrasts: true, setup: func(t *testing.T, h *harness) {
			openProcess(t, h, "nine-points")
			h.press(tea.KeyPressMsg{Code: tea.KeyRight})
		}, shows: func(t *testing.T, h *harness) []string {
			it := h.processScreen().detail.it
			return []string{T(h, txtDetailTitle), it.wire.Code, narrowSafe(it.wire.Office), T(h, txtDetailHere)}
		}},
		{name: "process_select_sum", want: processID, contrasts: true, setup: func(t *testing.T, h *harness) {
			openProcess(t, h, "many-points")
			p := h.processScreen()
			for _, k := range p.candidatesWithPoints(t, 6) {
				p.list.move(k - p.list.cursor)
				h.press(keySpace)
			}
		}, shows: func(t *testing.T, h *harness) []string {
			return []string{"! " + problemText(t, h, model.ReasonWouldReachFull), T(h, txtAdviceRoom, "room", "11")}
		}},
		{name: "process_select_suspended", want: processID, contrasts: true, setup: func(t *testing.T, h *harness) {
			openProcess(t, h, "suspended")
			h.press(keySpace)
		}, shows: func(t *testing.T, h *harness) []string {
			return []string{"! " + problemText(t, h, model.ReasonLicenceSuspended)}
		}},
		{name: "process_select_ineligible", want: processID, setup: func(t *testing.T, h *harness) {
			openProcess(t, h, "borrower-late")
			h.press(keySpace)
		}, shows: func(t *testing.T, h *harness) []string {
			return []string{"> [-] ", "! " + problemText(t, h, model.ReasonBoundAfterViolation)}
		}},
		{name: "process_select_nothing", want: processID, setup: func(t *testing.T, h *harness) {
			openProcess(t, h, "nine-points")
			h.press(keyEnter)
		}, shows: func(t *testing.T, h *harness) []string {
			return []string{"! " + T(h, txtProcessNothingSelected)}
		}},
		{name: "process_select_discard", want: processID, setup: func(t *testing.T, h *harness) {
			openProcess(t, h, "nine-points")
			h.tickPoints(1)
			h.press(keyEsc) // leaving would drop the ticked violation: asked first
		}, shows: func(t *testing.T, h *harness) []string {
			return []string{"> [x] ", "? " + T(h, txtDiscardAsk, "n", "1")}
		}},
		{name: "process_owner", want: processID, contrasts: true, setup: toOwner, shows: func(t *testing.T, h *harness) []string {
			return []string{T(h, txtOwnerIntro, "plate", "粤BD36258"), T(h, txtProcessStepOwner), T(h, txtOwnerChoiceVIN), T(h, txtOwnerChoiceFile)}
		}},
		{name: "process_owner_vin", want: processID, contrasts: true, setup: func(t *testing.T, h *harness) {
			toOwner(t, h)
			h.chooseOwnerProof(api.ProofVIN)
			h.typeText(string(persona(t, "owner-lent").ID))
		}, shows: func(t *testing.T, h *harness) []string {
			return []string{T(h, txtOwnerVINLabel), T(h, txtIdentifyAccepted)}
		}},
		{name: "process_owner_vin_mismatch", want: processID, contrasts: true, setup: func(t *testing.T, h *harness) {
			toOwner(t, h)
			h.chooseOwnerProof(api.ProofVIN)
			h.typeText(string(persona(t, "owner-lent").ID))
			h.typeText("000000")
			h.press(keyEnter)
		}, shows: func(t *testing.T, h *harness) []string {
			return []string{h.m.c.Reason(model.Reason{Code: model.ReasonOwnerProofMismatch}).Message}
		}},
		{name: "process_owner_not_owner", want: processID, setup: func(t *testing.T, h *harness) {
			toOwner(t, h)
			np := persona(t, "nine-points")
			h.enterOwner(np.ID, np.File)
		}, shows: func(t *testing.T, h *harness) []string {
			return []string{T(h, txtOwnerNotOwner)}
		}},
		{name: "process_no_camera_others", want: processID, opts: func(o *Options) { o.Devices.Face = nil },
			setup: func(t *testing.T, h *harness) {
				openProcess(t, h, "borrower-early")
				h.tickPoints(3)
				h.press(keyEnter) // refused at once: nobody types their numbers for nothing
				if p := h.processScreen(); p.phase != procSelect {
					t.Fatalf("phase %d, want the selection\n%s", p.phase, h.view())
				}
			}, shows: func(t *testing.T, h *harness) []string {
				return []string{"! " + problemText(t, h, model.ReasonNoCamera)}
			}},
		{name: "process_owner_not_verified", want: processID,
			svc: func(s *liveStack) Services { return forgingService{s.svc} },
			setup: func(t *testing.T, h *harness) {
				toOwner(t, h)
				owner := persona(t, "owner-lent")
				h.enterOwner(owner.ID, owner.File)
				if p := h.processScreen(); p.phase != procConfirm {
					t.Fatalf("not on the review: phase %d\n%s", p.phase, h.view())
				}
				h.typeText("1")
				if p := h.processScreen(); p.phase != procResult {
					t.Fatalf("no result: phase %d\n%s", p.phase, h.view())
				}
			}, shows: func(t *testing.T, h *harness) []string {
				r := h.processScreen().outcome.result
				if r == nil || r.Outcome != api.OutcomeRejected || len(r.Reasons) == 0 || r.Reasons[0].Code != string(model.ReasonOwnerNotVerified) {
					t.Fatalf("result %+v, want rejected with %s", r, model.ReasonOwnerNotVerified)
				}
				text := h.m.c.Reason(model.Reason{Code: model.ReasonOwnerNotVerified})
				return []string{T(h, txtProcessRejected), text.Message}
			}},
		{name: "process_face", want: processID, setup: func(t *testing.T, h *harness) {
			openProcess(t, h, "nine-points")
			h.tickPoints(1)
			h.sendNoRun(keyEnter)
		}, shows: func(t *testing.T, h *harness) []string {
			return []string{T(h, txtProcessStepFace), T(h, txtSimulatedDevice), T(h, txtFaceLooking)}
		}},
		{name: "process_face_failed", want: processID, opts: func(o *Options) { o.Devices.Face = failingFace{} },
			setup: func(t *testing.T, h *harness) {
				openProcess(t, h, "nine-points")
				h.tickPoints(1)
				h.press(keyEnter)
			}, shows: func(t *testing.T, h *harness) []string {
				return []string{T(h, txtFaceFailed), firstRunes(T(h, txtFaceCounter), 12)}
			}},
		{name: "process_confirm", contrasts: true, want: processID, setup: toConfirm, shows: func(t *testing.T, h *harness) []string {
			return []string{T(h, txtProcessReview), forecastText(h, 1, 1, 100, 9, 10), T(h, txtProcessLegal),
				"[1] " + T(h, txtProcessConfirm)}
		}},
		{name: "process_submitting", want: processID, setup: func(t *testing.T, h *harness) {
			toConfirm(t, h)
			h.sendNoRun(digitKey('1'))
		}, shows: func(t *testing.T, h *harness) []string {
			return []string{T(h, txtProcessStepSubmit), T(h, txtProcessSubmitting)}
		}},
		{name: "process_result", want: processID, setup: toResult, shows: func(t *testing.T, h *harness) []string {
			r := h.processScreen().outcome.result
			if r == nil || len(r.Decisions) != 1 || r.Decisions[0].Number == "" {
				t.Fatalf("no decision: %+v", r)
			}
			return []string{T(h, txtProcessApplied), r.Decisions[0].Number, T(h, txtProcessPointsNow, "n", "10"),
				T(h, txtReceiptPrinted), "[1] " + T(h, txtProcessPayNow)}
		}},
		{name: "process_result_rights", want: processID, setup: toDecisionRights, shows: func(t *testing.T, h *harness) []string {
			return decisionRightsShown(h)
		}},
		{name: "process_result_pending", want: processID,
			svc:   func(s *liveStack) Services { return unansweredService{s.svc} },
			setup: toResult, shows: func(t *testing.T, h *harness) []string {
				op := h.processScreen().outcome.op.ID
				if op == "" {
					t.Fatal("no operation id")
				}
				return []string{T(h, txtSubmitPending, "op", op), op, T(h, txtReceiptPrinted)}
			}},
		{name: "pay_select", want: payID, setup: openPay, shows: func(t *testing.T, h *harness) []string {
			return []string{"> [x] ", T(h, txtPayTotal, "n", "1", "amount", h.m.c.Money(model.Yuan(350))), T(h, txtPayNextHint)}
		}},
		{name: "pay_select_discard", want: payID, setup: func(t *testing.T, h *harness) {
			openPay(t, h)
			h.press(keySpace, keySpace) // untick and tick again: a choice of the person's own
			h.press(keyEsc)
		}, shows: func(t *testing.T, h *harness) []string {
			return []string{"> [x] ", "? " + T(h, txtDiscardAsk, "n", "1")}
		}},
		{name: "pay_loading", want: payID, setup: func(t *testing.T, h *harness) {
			toResult(t, h)
			h.navigateNoRun(digitKey('1')) // pay now: the record is asked again first
			if p := h.payScreen(); p.phase != payLoading {
				t.Fatalf("pay screen in phase %d", p.phase)
			}
		}, shows: func(t *testing.T, h *harness) []string {
			return []string{T(h, txtPayStepSelect), T(h, txtOverviewRefreshing)}
		}},
		{name: "pay_select_after_process", want: payID, setup: func(t *testing.T, h *harness) {
			toResult(t, h)
			h.typeText("1")
			h.payScreen()
		}, shows: func(t *testing.T, h *harness) []string {
			return []string{"> [x] ", T(h, txtPayTotal, "n", "1", "amount", h.m.c.Money(model.Yuan(100)))}
		}},
		{name: "pay_method", want: payID, setup: toMethod, shows: func(t *testing.T, h *harness) []string {
			return []string{"[1] " + T(h, txtPayByQR), "[2] " + T(h, txtPayByCard), "[3] " + T(h, txtPayLater)}
		}},
		{name: "pay_qr", contrasts: true, want: payID, setup: toQR, shows: func(t *testing.T, h *harness) []string {
			return []string{T(h, txtPayQRAmount, "amount", h.m.c.Money(model.Yuan(350))), T(h, txtPayQRWaiting),
				T(h, txtPayQROrder, "order", shortOrder(h.payScreen().order.OrderID)), T(h, txtPayQRDemo)}
		}},
		{name: "pay_qr_cancel_confirm", contrasts: true, want: payID, setup: func(t *testing.T, h *harness) {
			toQR(t, h)
			h.press(keyEsc)
		}, shows: func(t *testing.T, h *harness) []string {
			// Beside the code the text wraps at the code's side: its start only.
			return []string{firstRunes(T(h, txtPayQRCancelConfirm), 12), T(h, txtPayQRWaiting)}
		}},
		{name: "pay_card", want: payID, setup: func(t *testing.T, h *harness) {
			toMethod(t, h)
			h.sendNoRun(digitKey('2'))
		}, shows: func(t *testing.T, h *harness) []string {
			return []string{T(h, txtSimulatedDevice), T(h, txtPayCardInsert, "amount", h.m.c.Money(model.Yuan(350)))}
		}},
		{name: "pay_later", want: payID, setup: func(t *testing.T, h *harness) {
			toMethod(t, h)
			h.typeText("3")
		}, shows: func(t *testing.T, h *harness) []string {
			// The overdue fine: how late it is, and that it grows, instead of "pay by the due date".
			return []string{"粤B1M9X4", "2026-10-27", T(h, txtPayLaterRuleLate), "[0] " + T(h, txtMenuFinish)}
		}},
		{name: "pay_done_qr", want: payID, setup: func(t *testing.T, h *harness) {
			toQR(t, h)
			h.press(keyF9)
			if p := h.payScreen(); p.phase != payDone {
				t.Fatalf("not done after F9:\n%s", h.view())
			}
		}, shows: func(t *testing.T, h *harness) []string {
			return []string{T(h, txtPayDone), T(h, txtReceiptPay), T(h, txtReceiptPaidQR, "reference", h.payScreen().order.Reference),
				T(h, txtReceiptPrinted)}
		}},
		// A kiosk clock ten minutes ahead: the platform refuses the card payment's time, and the
		// person reads that, why, and what to do, not "payment complete".
		{name: "pay_card_time_refused", want: payID, opts: func(o *Options) {
			o.Now = func() time.Time { return testNow.Add(10 * time.Minute) }
		}, setup: func(t *testing.T, h *harness) {
			toMethod(t, h)
			h.typeText("2")
			if p := h.payScreen(); p.phase != payDone || p.sub.result == nil || p.sub.result.Outcome != api.OutcomeRejected {
				t.Fatalf("the card payment was not refused:\n%s", h.view())
			}
		}, shows: func(t *testing.T, h *harness) []string {
			return []string{T(h, txtPayRejected), "2026-11-21 10:40"}
		}},
		{name: "pay_done_card", want: payID, setup: func(t *testing.T, h *harness) {
			toMethod(t, h)
			h.typeText("2")
			if p := h.payScreen(); p.phase != payDone {
				t.Fatalf("not done after the card:\n%s", h.view())
			}
		}, shows: func(t *testing.T, h *harness) []string {
			return []string{T(h, txtPayDone), T(h, txtReceiptPay), T(h, txtReceiptConfirmed, "time", "2026-11-21 10:30"),
				"SIMCARD-", T(h, txtReceiptPrinted)}
		}},
	}
}

// runFlowState builds a fixed stack and a harness of w x h cells in lang and brings it to st.
func runFlowState(t *testing.T, st flowState, lang model.Lang, w, hgt int, mutate ...func(*Options)) *harness {
	t.Helper()
	s := newFixedStack(t)
	var svc Services
	if st.svc != nil {
		svc = st.svc(s)
	}
	h := newFixedStackHarness(t, s, svc, append([]func(*Options){func(o *Options) {
		o.Lang = lang
		if st.opts != nil {
			st.opts(o)
		}
	}}, mutate...)...)
	h.send(tea.WindowSizeMsg{Width: w, Height: hgt})
	st.setup(t, h)
	if h.m.id != st.want {
		t.Fatalf("on screen %d, want %d:\n%s", h.m.id, st.want, h.view())
	}
	return h
}

// TestProcessPayGolden keeps every state of the process and pay screens as they look at 80x24
// in both languages, ANSI stripped, in testdata/TestProcessPayGolden/<state>/<lang>.golden
// (update with -update). The states are reached with the demo personas on the real server at
// the fixed test clock (newFixedStack); the few random values are masked (see volatiles). Each
// state must also show what its name says (flowState.shows) and fit 80x24 (checkFits).
func TestProcessPayGolden(t *testing.T) {
	for _, st := range processFlowStates() {
		for _, lang := range []model.Lang{model.ZH, model.EN} {
			if st.contrasts {
				t.Run(st.name+"/"+string(lang)+"_hc", func(t *testing.T) {
					h := runFlowState(t, st, lang, 80, 24, func(o *Options) { o.HighContrast = true })
					checkShows(t, h, st.shows(t, h))
					checkFits(t, st.name, fitsView(h), 80, 24)
					golden.RequireEqual(t, stableView(t, h))
				})
			}
			t.Run(st.name+"/"+string(lang), func(t *testing.T) {
				h := runFlowState(t, st, lang, 80, 24)
				checkShows(t, h, st.shows(t, h))
				checkFits(t, st.name, fitsView(h), 80, 24)
				golden.RequireEqual(t, stableView(t, h))
			})
		}
	}
}

// TestFlowProcessPaySizes: every state of the process and pay screens fits 80x24 and 160x48
// exactly (every line within the width, exactly the height, no ambiguous-width glyph besides
// the QR code's), in both languages and both contrast modes, and shows what it must; the
// screen's own body is never cut at the bottom; at 80 columns the key line needs no cutting;
// at 160 columns the violation lines are whole (points, fine and place).
func TestFlowProcessPaySizes(t *testing.T) {
	for _, st := range processFlowStates() {
		for _, lang := range []model.Lang{model.ZH, model.EN} {
			for _, size := range [][2]int{{80, 24}, {160, 48}} {
				for _, hc := range []bool{false, true} {
					name := fmt.Sprintf("%s/%s/%dx%d/hc=%v", st.name, lang, size[0], size[1], hc)
					t.Run(name, func(t *testing.T) {
						t.Parallel() // each state has its own stack and model
						h := runFlowState(t, st, lang, size[0], size[1], func(o *Options) { o.HighContrast = hc })
						checkShows(t, h, st.shows(t, h))
						checkFits(t, name, fitsView(h), size[0], size[1])
						if p, ok := h.m.screen.(*process); size[0] >= 160 || (ok && p.phase == procConfirm) {
							checkWholeItems(t, h)
						}
						body := h.m.screen.View()
						if n := strings.Count(body, "\n") + 1; n > h.m.c.Height {
							t.Errorf("body has %d lines, room for %d:\n%s", n, h.m.c.Height, ansi.Strip(body))
						}
						if size[0] == 80 {
							bodyW, _ := h.m.bodySize()
							if w := ansi.StringWidth(h.m.keyLine(h.m.screenHelp())); w > bodyW {
								t.Errorf("key line is %d cells: %q", w, ansi.Strip(h.m.keyLine(h.m.screenHelp())))
							}
						}
					})
				}
			}
		}
	}
}

// checkWholeItems: on a wide screen the violation lines of the lists and of the review are
// whole, none cut at the edge: each shows its points and fine and, last, its full place.
func checkWholeItems(t *testing.T, h *harness) {
	t.Helper()
	var items []judged
	switch s := h.m.screen.(type) {
	case *process:
		switch {
		case s.detail.open:
			// The detail pane covers the list and shows one violation in full.
		case s.phase == procSelect:
			for _, i := range s.cands {
				items = append(items, s.s.judged.items[i])
			}
		case s.phase == procConfirm:
			items = s.chosen()
		}
	case *pay:
		if s.phase == paySelect {
			for _, i := range s.cands {
				items = append(items, s.s.judged.items[i])
			}
		}
	}
	v := h.view()
	if p, ok := h.m.screen.(*process); ok && p.phase == procConfirm {
		checkReviewWhole(t, h, items)
		return
	}
	for _, it := range items {
		c := h.m.c
		want := c.T(txtViolationFacts, "points", fmt.Sprint(it.wire.Points), "fine", c.Money(model.Fen(it.wire.FineFen))) +
			"  " + narrowSafe(it.wire.Place)
		if !strings.Contains(v, want) {
			t.Errorf("the line of %s is not whole: lacks %q\n%s", it.wire.ID, want, v)
		}
	}
}

// longListService is the fake platform with a long record: besides the fake's own two
// violations, n camera violations without points on the driver's own car (each processable
// here, one line in the list) and n decided, unpaid ones (each payable).
type longListService struct {
	*fakeService
	n int
}

func (f longListService) Lookup(ctx context.Context, id model.IDNumber, file model.FileNumber) (service.Looked, error) {
	l, err := f.fakeService.Lookup(ctx, id, file)
	if err != nil {
		return l, err
	}
	for i := range f.n {
		at := testNow.AddDate(0, 0, -1-i)
		decided := at.Add(2 * time.Hour)
		l.Lookup.Violations = append(l.Lookup.Violations,
			api.Violation{ID: fmt.Sprintf("r%02d", i), Status: string(model.StatusRecorded), FineFen: 5000,
				PlateType: "02", PlateNumber: "粤B7Q2M5", Code: "1039", Source: string(model.SourceCamera), Time: at,
				Place: "深南大道", CatalogueZH: "违反规定停放", CatalogueEN: "Illegal parking"},
			api.Violation{ID: fmt.Sprintf("d%02d", i), Status: string(model.StatusProcessed), FineFen: 5000,
				PlateType: "02", PlateNumber: "粤B7Q2M5", Code: "1039", Source: string(model.SourceCamera), Time: at,
				Place: "福华路", CatalogueZH: "违反规定停放", CatalogueEN: "Illegal parking",
				Decision: fmt.Sprintf("44030520260000%04d", i), DriverID: string(id), DecidedAt: &decided})
	}
	return l, nil
}

// listedItems counts the list's items on screen: every item's first line has its box.
func listedItems(v string) int {
	n := 0
	for _, l := range strings.Split(v, "\n") {
		if strings.Contains(l, "[ ] ") || strings.Contains(l, "[x] ") || strings.Contains(l, "[-] ") {
			n++
		}
	}
	return n
}

// A large screen is used: the long lists of the process and pay screens show at least twice
// as many items at 160x48 as at 80x24 (each fits its screen), and still not all of them.
func TestFlowProcessPayLongList(t *testing.T) {
	const n = 60 // more than a 160x48 screen holds
	open := func(t *testing.T, w, hgt int, lang model.Lang, key string) *harness {
		t.Helper()
		f := longListService{fakeService: newFakeService(t), n: n}
		h := newHarness(t, func(o *Options) {
			o.Lang = lang
			o.Connect = func(context.Context) (Services, error) { return f, nil }
		})
		h.send(tea.WindowSizeMsg{Width: w, Height: hgt})
		h.identifyAs(persona(t, "borrower-late"))
		h.typeText(key)
		checkFits(t, fmt.Sprintf("%dx%d", w, hgt), h.view(), w, hgt)
		return h
	}
	for _, lang := range []model.Lang{model.ZH, model.EN} {
		for _, tc := range []struct {
			name, key string
			want      screenID
		}{{"process", "1", processID}, {"pay", "2", payID}} {
			t.Run(tc.name+"/"+string(lang), func(t *testing.T) {
				small, big := open(t, 80, 24, lang, tc.key), open(t, 160, 48, lang, tc.key)
				if small.m.id != tc.want || big.m.id != tc.want {
					t.Fatalf("not on the %s screen:\n%s", tc.name, small.view())
				}
				s, b := listedItems(small.view()), listedItems(big.view())
				if s < 5 || b < 2*s || b >= n {
					t.Fatalf("80x24 shows %d items, 160x48 %d (of %d+):\n%s\n%s", s, b, n, small.view(), big.view())
				}
			})
		}
	}
}

// checkReviewWhole: the confirmation screen shows each chosen violation's description and place
// in full, wrapped rather than cut (compared without spaces and line breaks, which wrapping
// moves).
func checkReviewWhole(t *testing.T, h *harness, items []judged) {
	t.Helper()
	squash := func(s string) string { return strings.Join(strings.Fields(ansi.Strip(s)), "") }
	v := squash(h.view())
	for _, it := range items {
		what := it.wire.CatalogueZH
		if h.m.c.Lang == model.EN {
			what = it.wire.CatalogueEN
		}
		for _, want := range []string{narrowSafe(what), narrowSafe(it.wire.Place)} {
			if !strings.Contains(v, squash(want)) {
				t.Errorf("the review of %s lacks %q in full\n%s", it.wire.ID, want, h.view())
			}
		}
	}
}
