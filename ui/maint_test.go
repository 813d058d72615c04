package ui

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/internal/pin"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/service"
	"github.com/hallkiosk/kiosk/storage"
	"github.com/hallkiosk/kiosk/uplink"
)

// testPIN is the maintenance PIN of these tests; its hash is cheap to compute (Check reads the
// cost from the hash), the real default costs a tenth of a second per try.
const testPIN = "246810"

func testPINHash(t *testing.T) string {
	t.Helper()
	h, err := pin.HashWith(testPIN, pin.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

var keyMaint = tea.KeyPressMsg{Code: 'm', Mod: tea.ModCtrl | tea.ModAlt}

// maintFake is the fake service with the maintenance calls of a real service over a real store
// (the lockout must be on disk to survive a restart).
type maintFake struct {
	*fakeService
	Maintenance
}

// openMaintStore opens a kiosk store at path (closed at the end of the test).
func openMaintStore(t *testing.T, path string) *storage.Store {
	t.Helper()
	st, _, err := storage.Open(path, []byte("maintenance ui test secret 32 by"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// newMaintHarness is a harness whose services have the maintenance calls over the store st.
func newMaintHarness(t *testing.T, st *storage.Store, mutate ...func(*Options)) *harness {
	t.Helper()
	hash, fake := testPINHash(t), newFakeService(t)
	h := newHarness(t, append([]func(*Options){func(o *Options) {
		o.MaintPINHash = hash
		o.Connect = func(context.Context) (Services, error) {
			return maintFake{fakeService: fake, Maintenance: service.New(service.Config{Store: st})}, nil
		}
	}}, mutate...)...)
	h.svc = fake
	return h
}

func (h *harness) openMaint() {
	h.t.Helper()
	h.press(keyMaint)
	if h.m.id != maintID {
		h.t.Fatalf("the chord did not open maintenance:\n%s", h.view())
	}
}

// enterMaint opens maintenance and types the right PIN: the menu shows.
func (h *harness) enterMaint() {
	h.t.Helper()
	h.openMaint()
	h.typeText(testPIN)
	h.press(keyEnter)
	h.mustShow(h.text(h.m.c.Lang, txtMaintMenuSync), h.text(h.m.c.Lang, txtMaintMenuExit))
}

// The chord works on the welcome screen only: from a session's screens it does nothing, so
// maintenance can never show what a person left on screen.
func TestMaintChordOnlyOnWelcome(t *testing.T) {
	h := newMaintHarness(t, openMaintStore(t, filepath.Join(t.TempDir(), "kiosk.db")))
	h.typeText("1")
	h.press(keyMaint)
	if h.m.id != identifyID {
		t.Fatalf("chord on the identify screen: screen %d", h.m.id)
	}
	h.identifyFromHere(persona(t, "borrower-late"))
	h.press(keyMaint)
	if h.m.id != overviewID || h.m.session == nil {
		t.Fatalf("chord on the overview: screen %d", h.m.id)
	}
	h.send(navWelcome{})
	h.openMaint()
	h.mustShow(h.text(model.ZH, txtMaintPINPrompt))
	h.press(keyEsc)
	if h.m.id != welcomeID {
		t.Fatalf("Esc on the PIN prompt: screen %d", h.m.id)
	}
	h.press(tea.KeyPressMsg{Code: 'm', Text: "m"}) // a plain m is nothing
	if h.m.id != welcomeID {
		t.Fatal("a plain m opened something")
	}
}

// Without a configured PIN the chord says how to set maintenance up, and nothing else.
func TestMaintNotSetUp(t *testing.T) {
	h := newHarness(t)
	h.openMaint()
	h.mustShow("maintenance_pin_hash", "kiosk pin-hash")
	h.mustNotShow(h.text(model.ZH, txtMaintPINLabel))
	h.typeText(testPIN)
	h.press(keyEnter)
	h.mustNotShow(h.text(model.ZH, txtMaintMenuSync), "*")
	h.press(keyF2)
	h.mustShow("Maintenance is not set up: configure maintenance_pin_hash")
	h.press(keyEsc)
	if h.m.id != welcomeID {
		t.Fatalf("Esc: screen %d", h.m.id)
	}
}

// Before the store is up no failure could be counted, so no PIN is taken.
func TestMaintWaitsForTheStore(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.MaintPINHash = testPINHash(t) }) // the fake has no store
	h.openMaint()
	h.mustShow(h.text(model.ZH, txtMaintUnavailable))
	h.typeText(testPIN)
	h.press(keyEnter)
	h.mustNotShow(h.text(model.ZH, txtMaintMenuSync))
}

// Five wrong PINs lock maintenance for five minutes, and the lock is on disk: a new process
// (a new Model on the same store) is locked too, and the right PIN does not open it.
func TestMaintPINLockout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.db")
	st := openMaintStore(t, path)
	h := newMaintHarness(t, st)
	h.openMaint()
	h.typeText("12")
	h.mustShow("[**_")
	h.mustNotShow("12")
	h.press(keyEnter)
	h.mustShow(h.text(model.ZH, txtMaintPINLength, "min", "4", "max", "12"))
	h.press(keyBack, keyBack)
	for left := 4; left >= 1; left-- {
		h.typeText("0000")
		h.press(keyEnter)
		h.mustShow(h.text(model.ZH, txtMaintPINWrong, "n", strconv.Itoa(left), "minutes", "5"))
		if n, _, _ := st.MaintLock(); n != 5-left {
			t.Fatalf("%d failures on disk, want %d", n, 5-left)
		}
	}
	h.typeText("0000")
	h.press(keyEnter)
	locked := h.text(model.ZH, txtMaintPINLocked, "time", "10:35:00")
	h.mustShow(locked)
	h.typeText(testPIN) // the right PIN, while locked: not even checked
	h.press(keyEnter)
	h.mustShow(locked)
	h.mustNotShow(h.text(model.ZH, txtMaintMenuSync))

	// The kiosk restarts for the next person: the lock is still there.
	h2 := newMaintHarness(t, st)
	h2.openMaint()
	h2.mustShow(locked)
	h2.press(keyF2)
	h2.mustShow("Too many wrong PINs: maintenance is locked until 10:35:00.")
	h2.typeText(testPIN)
	h2.press(keyEnter)
	h2.mustNotShow(h2.text(model.EN, txtMaintMenuSync))

	// Five minutes on, the right PIN opens the menu and the count starts again from zero.
	h2.press(keyEsc)
	h2.now = h2.now.Add(pinLockFor)
	h2.enterMaint()
	if n, until, _ := st.MaintLock(); n != 0 || !until.IsZero() {
		t.Fatalf("after the right PIN: %d failures, locked until %v", n, until)
	}
}

// A lock further ahead than five minutes means the clock was set back: it ends five minutes
// from now, not whenever the stored time says.
func TestMaintLockIsBoundedWhenTheClockGoesBack(t *testing.T) {
	st := openMaintStore(t, filepath.Join(t.TempDir(), "kiosk.db"))
	if err := st.SetMaintLock(0, testNow.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	h := newMaintHarness(t, st)
	h.openMaint()
	h.mustShow(h.text(model.ZH, txtMaintPINLocked, "time", "10:35:00"))
	h.typeText(testPIN)
	h.press(keyEnter)
	if _, until, _ := st.MaintLock(); !until.Equal(testNow.Add(pinLockFor)) {
		t.Fatalf("stored lock %v, want it shortened to %v", until, testNow.Add(pinLockFor))
	}
}

// Esc goes back one level; leaving the menu is the welcome screen; maintenance left alone
// times out like any screen.
func TestMaintNavigationAndTimeout(t *testing.T) {
	h := newMaintHarness(t, openMaintStore(t, filepath.Join(t.TempDir(), "kiosk.db")))
	h.enterMaint()
	h.typeText("3")
	h.mustShow(h.text(model.ZH, txtMaintDeviceFace), h.text(model.ZH, txtMaintDeviceNone))
	h.press(keyEsc)
	h.mustShow(h.text(model.ZH, txtMaintMenuHint))
	h.typeText("7")
	h.mustShow(prefix(h.text(model.ZH, txtMaintExitConfirm), 8))
	h.press(keyEsc)
	h.mustShow(h.text(model.ZH, txtMaintMenuHint))
	h.typeText("4")
	h.mustShow(h.text(model.ZH, txtMaintPrintNone))
	h.press(keyEsc, keyEsc)
	if h.m.id != welcomeID {
		t.Fatalf("Esc from the menu: screen %d", h.m.id)
	}

	h.enterMaint()
	h.advance(61 * time.Second)
	h.mustShow(h.text(model.ZH, txtIdleTitle))
	h.advance(30 * time.Second)
	if h.m.id != welcomeID {
		t.Fatalf("maintenance did not time out: screen %d", h.m.id)
	}
	h.openMaint()
	h.mustShow(h.text(model.ZH, txtMaintPINPrompt)) // the PIN again: nothing stays open
}

// A late answer of a task staff left is dropped: Esc back to the menu, the answer arrives.
func TestMaintDropsStaleAnswers(t *testing.T) {
	h := newMaintHarness(t, openMaintStore(t, filepath.Join(t.TempDir(), "kiosk.db")))
	h.enterMaint()
	_, cmd := h.m.Update(tea.KeyPressMsg{Code: '6', Text: "6"}) // verify; answer held back
	h.mustShow(h.text(model.ZH, txtMaintJournalRunning))
	h.press(keyEsc)
	h.run(cmd)
	h.mustShow(h.text(model.ZH, txtMaintMenuHint))
	h.mustNotShow(prefix(h.text(model.ZH, txtMaintJournalOK), 4))
}

// Every task on the real stack: a session queued operations (the server rejected one, one
// waits while the server is down); maintenance shows their counts and the rejection, dismisses
// it, shows the devices, prints a test page, compacts, verifies the journal and exits; and no
// screen of it shows the person's ID number, file number, name or plate.
func TestMaintOnTheRealStack(t *testing.T) {
	s := newStack(t, "national")
	hash := testPINHash(t)
	h := newStackHarness(t, s, func(o *Options) { o.MaintPINHash = hash })
	p := s.persona(t, "borrower-late")
	const plate = "粤B7Q2M5"

	h.identifyAs(p)
	looked, err := s.svc.Lookup(context.Background(), p.ID, p.File)
	if err != nil || len(looked.Violations) == 0 {
		t.Fatalf("lookup: %v", err)
	}
	op, reasons, err := s.svc.Submit(api.Op{Type: api.OpProcess, At: time.Now(), Process: &api.ProcessOp{
		DriverID: string(p.ID), ViolationIDs: []string{looked.Violations[0].ID}, DriverFace: api.FaceMatch}}, []byte("receipt "+p.Name), 0)
	if err != nil || len(reasons) > 0 {
		t.Fatalf("submit: %v %v", reasons, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := s.svc.Await(ctx, op.Seq)
	if err != nil || res == nil || res.Outcome != api.OutcomeRejected {
		t.Fatalf("the server was to reject the op: %+v %v", res, err)
	}
	h.send(navWelcome{})
	s.http.Close()
	for start := time.Now(); s.engine.Status().State != uplink.Offline; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatal("the kiosk never noticed the server is gone")
		}
	}
	if _, err := s.store.Enqueue(api.Op{ID: uplink.NewOpID(), Type: api.OpPay, At: time.Now(),
		Pay: &api.PayOp{PayerID: string(p.ID), Method: "card", Reference: "SIMCARD-1",
			Items: []api.PayItem{{ViolationID: looked.Violations[0].ID, FineFen: 10000}}}}, []byte(p.Name)); err != nil {
		t.Fatal(err)
	}

	var seen []string // every maintenance screen, for the personal-data check
	look := func() { seen = append(seen, h.view()) }
	h.enterMaint()
	look()

	h.typeText("1")
	h.mustShow(h.text(model.ZH, txtNetOffline), "1 笔等待平台确认", h.text(model.ZH, txtMaintSyncRejected, "n", "1"), "KiB")
	look()
	h.press(keyEsc)

	h.typeText("2")
	code := string(res.Reasons[0].Code)
	h.mustShow(h.text(model.ZH, txtMaintRejectedCount, "n", "1"), "第 "+strconv.Itoa(int(op.Seq))+" 号", h.text(model.ZH, txtOpProcess), code)
	look()
	h.press(keyF2)
	h.mustShow("No. "+strconv.Itoa(int(op.Seq))+"  processing  queued", code)
	look()
	h.press(keyEnter)
	h.mustShow("Dismiss rejected operation no. " + strconv.Itoa(int(op.Seq)))
	look()
	h.press(keyEsc)
	if left, _ := s.store.Entries(storage.StateRejected); len(left) != 1 {
		t.Fatal("Esc on the question dismissed the op")
	}
	h.press(keyEnter, keyEnter)
	h.mustShow("Operation no. "+strconv.Itoa(int(op.Seq))+" dismissed.", "No rejected operations.")
	look()
	if left, _ := s.store.Entries(storage.StateRejected); len(left) != 0 {
		t.Fatalf("still in the outbox: %+v", left)
	}
	h.press(keyF2, keyEsc)

	h.typeText("3")
	h.mustShow(h.text(model.ZH, txtMaintDeviceSimulated), "simulated camera", "paper printer (test)")
	look()
	h.press(keyEsc)

	h.typeText("4")
	files, _ := filepath.Glob(filepath.Join(s.receipts, "receipt-*.txt"))
	if len(files) != 1 {
		t.Fatalf("printed files: %v", files)
	}
	h.mustShow(prefix(h.text(model.ZH, txtMaintPrintDone), 7), filepath.Base(files[0]))
	page, _ := os.ReadFile(files[0])
	if !strings.Contains(string(page), "打印测试页") {
		t.Fatalf("test page:\n%s", page)
	}
	look()
	h.press(keyEsc)

	h.typeText("5")
	h.mustShow("整理完成", "B")
	look()
	journal, _ := s.store.Journal(0, 0)
	if last := journal[len(journal)-1]; last.Event != storage.EventCompacted {
		t.Fatalf("last journal event %q, want compacted", last.Event)
	}
	h.press(keyEsc)

	h.typeText("6")
	n, _ := s.store.VerifyJournal()
	h.mustShow(h.text(model.ZH, txtMaintJournalOK, "n", strconv.Itoa(n)))
	look()
	h.press(keyEsc)

	h.typeText("7")
	look()
	h.press(keyEnter)
	if !h.quit {
		t.Fatal("exit confirmed, the program goes on")
	}

	for i, v := range seen {
		for _, secret := range []string{string(p.ID), p.ID.Masked(), string(p.File), p.Name, plate, string(p.ID[6:14])} {
			if strings.Contains(v, secret) {
				t.Errorf("maintenance screen %d shows %q:\n%s", i, secret, v)
			}
		}
	}
}

// TestMaintGolden keeps the PIN prompt and the menu at 80x24 in both languages, in
// testdata/TestMaintGolden/<screen>/<lang>.golden (update with -update).
func TestMaintGolden(t *testing.T) {
	screens := []struct {
		name  string
		setup func(h *harness)
	}{
		{"pin_prompt", func(h *harness) { h.openMaint(); h.typeText("123") }},
		{"pin_wrong", func(h *harness) { h.openMaint(); h.typeText("0000"); h.press(keyEnter) }},
		{"menu", func(h *harness) { h.enterMaint() }},
		{"not_set_up", func(h *harness) { h.m.opts.MaintPINHash = ""; h.openMaint() }},
	}
	for _, sc := range screens {
		for _, lang := range []model.Lang{model.ZH, model.EN} {
			t.Run(sc.name+"/"+string(lang), func(t *testing.T) {
				st := openMaintStore(t, filepath.Join(t.TempDir(), "kiosk.db"))
				h := newMaintHarness(t, st, func(o *Options) { o.Lang = lang })
				sc.setup(h)
				v := h.view()
				checkFits(t, sc.name, v, 80, 24)
				golden.RequireEqual(t, v)
			})
		}
	}
}

// Each maintenance key line fits one line at 80 columns in both languages.
func TestMaintKeyLinesFit(t *testing.T) {
	h := newHarness(t)
	bodyW, _ := h.m.bodySize()
	s := &maint{c: h.m.c, rejected: []service.RejectedOp{{Seq: 1}}}
	for _, lang := range []model.Lang{model.ZH, model.EN} {
		h.m.c.Lang = lang
		for ph := maintNotSetUp; ph <= maintExit; ph++ {
			s.phase = ph
			if w := ansi.StringWidth(h.m.keyLine(s.Help())); w > bodyW {
				t.Errorf("%s, phase %d: key line of %d cells", lang, ph, w)
			}
		}
	}
}

// The demo help on the welcome screen tells the demo's maintenance PIN.
func TestMaintDemoHelp(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.MaintDemoPIN = "000000" })
	h.press(keyF1)
	h.mustShow("Ctrl+Alt+M", "000000")
	h.press(keyEsc)
	h.typeText("1")
	h.press(keyF1)
	h.mustNotShow("000000")
}

// A configured hash that is not a PHC argon2id hash stops the UI at start, with the reason.
func TestMaintBadHashRefusedAtStart(t *testing.T) {
	opts := testOptions(t)
	opts.MaintPINHash = "$2a$10$abcdefghijklmnopqrstuv"
	if _, err := New(opts); err == nil || !strings.Contains(err.Error(), "maintenance PIN hash") {
		t.Fatalf("New with a bcrypt hash: %v", err)
	}
}

// attemptPIN records the failure before it checks, so a kill during the check costs a try.
func TestAttemptPINCountsBeforeChecking(t *testing.T) {
	st := openMaintStore(t, filepath.Join(t.TempDir(), "kiosk.db"))
	svc := service.New(service.Config{Store: st})
	if got := attemptPIN(svc, "not a hash", testPIN, testNow); got.outcome != pinFailed {
		t.Fatalf("unusable hash: %+v", got)
	}
	if n, _, _ := st.MaintLock(); n != 1 {
		t.Fatalf("the failed check was not counted first: %d", n)
	}
	if got := attemptPIN(svc, testPINHash(t), testPIN, testNow); got.outcome != pinAccepted {
		t.Fatalf("right PIN: %+v", got)
	}
	if n, _, _ := st.MaintLock(); n != 0 {
		t.Fatalf("a match leaves %d failures", n)
	}
}

// prefix is the first n characters of s: enough of a text to know it is on screen when the
// whole may wrap.
func prefix(s string, n int) string { return string([]rune(s)[:n]) }
