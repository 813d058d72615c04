package ui

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/model"
)

// linkFake answers lookups like fakeService and plays the server's side of the link flows as
// a test sets it up: the owner's verification, the offline policy's refusal, and the answer.
type linkFake struct {
	*fakeService
	mu            sync.Mutex
	verifyErr     error
	unregistered  bool
	submitReasons []model.Reason
	result        *api.OpResult // nil: the server has not answered (pending)
	submitted     []api.Op
	receipts      []string
	verified      int
}

func (f *linkFake) Verify(context.Context, model.IDNumber, model.FileNumber) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.verified++
	return !f.unregistered, f.verifyErr
}

func (f *linkFake) VerifyOwner(ctx context.Context, id model.IDNumber, file model.FileNumber, _ model.IDNumber, _ model.Plate) (string, error) {
	if _, err := f.Verify(ctx, id, file); err != nil {
		return "", err
	}
	return "0123456789abcdef0123456789abcdef", nil
}

func (f *linkFake) Submit(op api.Op, receipt []byte, _ model.Fen) (api.Op, []model.Reason, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.submitReasons) > 0 {
		return api.Op{}, f.submitReasons, nil
	}
	f.submitted = append(f.submitted, op)
	f.receipts = append(f.receipts, string(receipt))
	op.Seq = int64(len(f.submitted))
	return op, nil, nil
}

func (f *linkFake) Await(context.Context, int64) (*api.OpResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.result, nil
}

func testProfile(t *testing.T, name string) *model.Profile {
	t.Helper()
	ref, err := model.LoadReference(assets.FS())
	if err != nil {
		t.Fatal(err)
	}
	p, err := ref.Profile(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// newLinkHarness is a harness on the fake, with the rules of profile.
func newLinkHarness(t *testing.T, profile string, mutate ...func(*Options)) (*harness, *linkFake) {
	t.Helper()
	f := &linkFake{fakeService: newFakeService(t), result: &api.OpResult{Outcome: api.OutcomeApplied, AppliedAt: testNow}}
	p := testProfile(t, profile)
	h := newHarness(t, append([]func(*Options){func(o *Options) {
		o.Profile = p
		o.Connect = func(context.Context) (Services, error) { return f, nil }
	}}, mutate...)...)
	return h, f
}

// openVehicles opens the vehicles screen of the identified person, as the overview's menu does.
func (h *harness) openVehicles() {
	h.t.Helper()
	h.send(navSession{id: vehiclesID, build: func(c *Common, s *session) Screen { return newVehicles(c, s) }})
	if h.m.id != vehiclesID {
		h.t.Fatalf("the vehicles screen did not open:\n%s", h.view())
	}
}

// vehiclesScreen is the screen under test.
func (h *harness) vehiclesScreen() *vehicles {
	h.t.Helper()
	v, ok := h.m.screen.(*vehicles)
	if !ok {
		h.t.Fatalf("not on the vehicles screen:\n%s", h.view())
	}
	return v
}

// enterPlate types a plate through the picker: province option, the rest, the type code.
func (h *harness) enterPlate(province, rest string, typ model.PlateType) {
	h.t.Helper()
	h.typeText(province)
	h.typeText(rest)
	h.press(keyEnter)
	h.typeText(string(typ))
}

// enterOwner types an owner's ID number and file number and confirms.
func (h *harness) enterOwner(id model.IDNumber, file model.FileNumber) {
	h.t.Helper()
	h.chooseOwnerProof(api.ProofFile)
	h.typeText(string(id))
	h.typeText(string(file))
	h.press(keyEnter)
}

// provinceNumber is the picker's stable number of a province character.
func provinceNumber(t *testing.T, name string) string {
	t.Helper()
	for i, p := range model.Provinces() {
		if p == name {
			return string(rune('0'+(i+1)/10)) + string(rune('0'+(i+1)%10))
		}
	}
	t.Fatalf("no province %q", name)
	return ""
}

// reasonText is a model reason's message in lang, for assertions.
func (h *harness) reasonText(lang model.Lang, code model.ReasonCode, args model.Args) string {
	return narrowSafe(h.m.c.Reasons.Reason(model.Reason{Code: code, Args: args}, lang).Message)
}

// screenWatch checks screens for secrets a person must never see on them.
type screenWatch struct {
	h       *harness
	secrets []string
}

func (w *screenWatch) check() {
	w.h.t.Helper()
	v := w.h.view()
	for _, s := range w.secrets {
		if strings.Contains(v, s) {
			w.h.t.Fatalf("the screen shows %q:\n%s", s, v)
		}
	}
}

// pressWatched presses keys one by one and checks the screen after each.
func (w *screenWatch) press(keys string) {
	w.h.t.Helper()
	for _, r := range keys {
		w.h.typeText(string(r))
		w.check()
	}
}

// Keys of the list and grid moves (named apart from other screens' test keys).
var (
	vkUp     = tea.KeyPressMsg{Code: tea.KeyUp}
	vkDown   = tea.KeyPressMsg{Code: tea.KeyDown}
	vkPgUp   = tea.KeyPressMsg{Code: tea.KeyPgUp}
	vkPgDown = tea.KeyPressMsg{Code: tea.KeyPgDown}
)

// binding is the bind or follow flow under way, nil when there is none.
func (v *vehicles) binding() *bindFlow {
	b, _ := v.flow.(*bindFlow)
	return b
}

// chooseOwnerProof picks a way for the owner to verify on the process screen's owner step.
func (h *harness) chooseOwnerProof(proof string) {
	h.t.Helper()
	p := h.processScreen()
	for i, pr := range p.ow.proofs {
		if pr == proof {
			h.typeText(strconv.Itoa(i + 1))
			return
		}
	}
	h.t.Fatalf("the owner is not offered %s (offered %v):\n%s", proof, p.ow.proofs, h.view())
}
