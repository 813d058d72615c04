package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/service"
	"github.com/hallkiosk/kiosk/storage"
	"github.com/hallkiosk/kiosk/uplink"
)

// fixedMaint is maintenance over a real store (for the PIN lock) whose sync state and
// compaction are the test's own, so that the page shows exactly what the test states.
type fixedMaint struct {
	Maintenance
	state         service.SyncState
	before, after int64
}

func (f *fixedMaint) SyncState() (service.SyncState, error) { return f.state, nil }
func (f *fixedMaint) Compact() (int64, int64, error)        { return f.before, f.after, nil }

// newFixedMaintHarness is a harness at w x h whose maintenance reports state.
func newFixedMaintHarness(t *testing.T, state service.SyncState, w, h int, mutate ...func(*Options)) (*harness, *fixedMaint) {
	t.Helper()
	st := openMaintStore(t, filepath.Join(t.TempDir(), "kiosk.db"))
	hash, fake := testPINHash(t), newFakeService(t)
	fm := &fixedMaint{Maintenance: service.New(service.Config{Store: st}), state: state}
	hr := newHarness(t, append([]func(*Options){func(o *Options) {
		o.MaintPINHash = hash
		o.Connect = func(context.Context) (Services, error) {
			return maintFake{fakeService: fake, Maintenance: fm}, nil
		}
	}}, mutate...)...)
	hr.svc = fake
	hr.send(tea.WindowSizeMsg{Width: w, Height: h})
	hr.send(netStatusMsg{status: state.Status}) // the header agrees with the page
	return hr, fm
}

// weekOffline is the sync state of a kiosk offline for days: operations waiting since two hours
// and five minutes before testNow, one rejected, the store at its stop watermark with the reserve
// given up, the journal trimmed to a checkpoint, the clock ten minutes fast.
func weekOffline() service.SyncState {
	return service.SyncState{
		Outbox: map[storage.State]int{storage.StateQueued: 40, storage.StateSent: 2, storage.StateAcked: 7,
			storage.StateRejected: 1},
		FileSize: 200 << 20,
		Status: uplink.Status{
			State: uplink.Offline, Problem: uplink.Unreachable, Since: testNow.Add(-6 * 24 * time.Hour),
			LastSuccess: testNow.Add(-6 * 24 * time.Hour), LastError: "unreachable",
			OldestPending: testNow.Add(-(2*time.Hour + 5*time.Minute)),
			ClockSkew:     600 * time.Second, ClockKnown: true,
			Fill: storage.Fill{FileBytes: 200 << 20, UsedBytes: 196 << 20, MaxBytes: 256 << 20,
				DiskFreeBytes: 20 << 20, Reserve: false, Level: storage.LevelStop},
			Checkpoint: storage.Checkpoint{Seq: 1200, Hash: "a1b2c3d4e5f60718293a4b5c6d7e8f90", At: testNow.Add(-3 * time.Hour),
				HeadSeq: 1342, HeadHash: "ffeeddccbbaa99887766554433221100"},
			LastOutage: 4321, OpsSent: 130, OpsDone: 88,
		},
	}
}

// openSync enters maintenance and opens the sync page.
func (h *harness) openSync() {
	h.t.Helper()
	h.enterMaint()
	h.typeText("1")
}

// all is every line of the sync page, scrolled through from the top: the page is read whole
// even where the screen shows a window of it.
func (h *harness) syncPageText() string {
	h.t.Helper()
	s := h.m.screen.(*maint)
	var b strings.Builder
	b.WriteString(h.view())
	for i := 0; i < s.syncScrollMax(); i++ {
		h.press(keyDown)
		b.WriteString(h.view())
	}
	return b.String()
}

// The sync page words a kiosk offline for a week: the link and its problem, the operations
// waiting (an old file's "sent" ones among them) and the oldest one's age, the rejected ones,
// the store at its stop watermark (no new offline work, still draining) with its sizes and the
// missing reserve, the journal's checkpoint (12 hex digits of its hash) and head, the clock ten
// minutes fast with offline card payments off, and the last outage's failed attempts; and no
// "sent" count any more. A clock not measured since start says so, and that card payments
// are off offline.
func TestMaintSyncWordsAWeekOffline(t *testing.T) {
	for _, lang := range []model.Lang{model.ZH, model.EN} {
		h, fm := newFixedMaintHarness(t, weekOffline(), 80, 24, func(o *Options) { o.Lang = lang })
		h.openSync()
		text := h.syncPageText()
		tx := func(k textKey, kv ...string) string { return h.text(lang, k, kv...) }
		want := []string{
			tx(txtNetOffline),
			tx(txtMaintSyncWaitingOldest, "n", "42", "age", tx(txtMaintSpanHM, "h", "2", "m", "5")),
			tx(txtMaintSyncRejected, "n", "1"),
			tx(txtMaintSyncStoreUsed, "used", "196.0 MiB", "max", "256.0 MiB", "file", "200.0 MiB"),
			tx(txtMaintSyncDisk, "free", "20.0 MiB"),
			tx(txtMaintSyncReserveOut),
			tx(txtMaintSyncLevelStop),
			tx(txtMaintSyncClockFast, "span", tx(txtMaintSpanMS, "m", "10", "s", "0"), "secs", "+600"),
			tx(txtMaintSyncClockTooFar, "limit", tx(txtMaintSpanMS, "m", "1", "s", "0")),
			tx(txtMaintSyncOutage, "n", "4321"),
			tx(txtMaintSyncSentDone, "sent", "130", "done", "88"),
		}
		if lang == model.ZH {
			want = append(want, "最早一笔已等待 2 小时 5 分", "本机时钟快 10 分 0 秒", "（+600 秒）", "检查点第 1200 条",
				"a1b2c3d4e5f6，", "保留 142 条", "最新第 1342 条", "不再接受新的离线业务")
		} else {
			want = append(want, "the oldest for 2 h 5 min", "10 min 0 s fast (+600 s)", "checkpoint 1200 (a1b2c3d4e5f6,",
				"142 entries kept", "head 1342", "no new offline work")
		}
		flat := unwrapped(text)
		for _, w := range want {
			if !strings.Contains(flat, unwrapped(w)) {
				t.Errorf("%s: the sync page lacks %q:\n%s", lang, w, text)
			}
		}
		for _, bad := range []string{"a1b2c3d4e5f60", "已发送", " sent,", tx(txtMaintSyncClockUnknown)} {
			if strings.Contains(flat, unwrapped(bad)) {
				t.Errorf("%s: the sync page shows %q:\n%s", lang, bad, text)
			}
		}

		// The clock not measured since start; the skew of a slow clock has its sign.
		fm.state.Status.ClockKnown = false
		h.press(keyEnter)
		flat = unwrapped(h.syncPageText())
		if !strings.Contains(flat, unwrapped(tx(txtMaintSyncClockUnknown))) {
			t.Errorf("%s: an unmeasured clock is not said:\n%s", lang, h.view())
		}
		fm.state.Status.ClockKnown, fm.state.Status.ClockSkew = true, -30*time.Second
		h.press(keyEnter)
		flat = unwrapped(h.syncPageText())
		if !strings.Contains(flat, unwrapped(tx(txtMaintSyncClockSlow, "span", tx(txtMaintSpanS, "s", "30"), "secs", "-30"))) ||
			strings.Contains(flat, unwrapped(tx(txtMaintSyncClockTooFar, "limit", tx(txtMaintSpanMS, "m", "1", "s", "0")))) {
			t.Errorf("%s: a clock 30 s slow:\n%s", lang, flat)
		}
	}
}

// A fresh store: nothing waits, no checkpoint yet, the level ok with the reserve in place.
func TestMaintSyncWordsAQuietKiosk(t *testing.T) {
	st := service.SyncState{FileSize: 64 << 10, Outbox: map[storage.State]int{storage.StateAcked: 3},
		Status: uplink.Status{State: uplink.Online, ClockKnown: true,
			Fill:       storage.Fill{FileBytes: 64 << 10, UsedBytes: 20 << 10, MaxBytes: 256 << 20, DiskFreeBytes: -1, Reserve: true, Level: storage.LevelOK},
			Checkpoint: storage.Checkpoint{HeadSeq: 9}}}
	h, _ := newFixedMaintHarness(t, st, 160, 48)
	h.openSync()
	h.mustShow(h.text(model.ZH, txtNetOnline), h.text(model.ZH, txtMaintSyncWaitingNone),
		h.text(model.ZH, txtMaintSyncNoCheckpoint, "head", "9"), h.text(model.ZH, txtMaintSyncDiskUnknown),
		h.text(model.ZH, txtMaintSyncReserveIn), h.text(model.ZH, txtMaintSyncLevelOK),
		h.text(model.ZH, txtMaintSyncClockSame), h.text(model.ZH, txtMaintSyncOutageNone))
	h.mustNotShow(prefix(h.text(model.ZH, txtMaintSyncMore), 5))
}

// The sync page scrolls where it does not fit (a short terminal): Up and Down move it a line
// at a time, within its length, the key line offers them, and the last line says which lines
// show.
func TestMaintSyncScrolls(t *testing.T) {
	h, _ := newFixedMaintHarness(t, weekOffline(), 80, 16, func(o *Options) { o.Lang = model.EN })
	h.openSync()
	s := h.m.screen.(*maint)
	end := s.syncScrollMax()
	if end == 0 {
		t.Fatalf("the page fits 80x16 whole:\n%s", h.view())
	}
	h.mustShow("Up/Down scrolls: lines 1 to", "[Up]", "[Down]", h.text(model.EN, txtNetOffline))
	h.mustNotShow(h.text(model.EN, txtMaintSyncOutage, "n", "4321"))
	h.press(tea.KeyPressMsg{Code: tea.KeyUp})
	if s.scroll != 0 {
		t.Fatalf("scrolled above the top: %d", s.scroll)
	}
	for i := 0; i < end+3; i++ {
		h.press(keyDown)
	}
	if s.scroll != end {
		t.Fatalf("scrolled to %d, the end is %d", s.scroll, end)
	}
	n := len(s.syncLines())
	h.mustShow(fmt.Sprintf("of %d.", n), h.text(model.EN, txtMaintSyncSentDone, "sent", "130", "done", "88"))
}

// The compaction's result says the sizes before and after, and what it freed.
func TestMaintCompactionSaysSizes(t *testing.T) {
	h, fm := newFixedMaintHarness(t, weekOffline(), 80, 24, func(o *Options) { o.Lang = model.EN })
	fm.before, fm.after = 200<<20, 150<<20
	h.enterMaint()
	h.typeText("5")
	h.mustShow("Before: 209715200 B (200.0 MiB)", "After: 157286400 B (150.0 MiB)", "Freed: 50.0 MiB")
	h.press(keyF2)
	h.mustShow("整理前：209715200 B (200.0 MiB)", "整理后：157286400 B (150.0 MiB)", "释放：50.0 MiB")
}

// TestMaintSyncGolden keeps the sync page and the compaction's result at 80x24 and 160x48 in
// both languages, in testdata/TestMaintSyncGolden/<screen>_<size>/<lang>.golden.
func TestMaintSyncGolden(t *testing.T) {
	screens := []struct {
		name  string
		setup func(h *harness, fm *fixedMaint)
	}{
		{"sync", func(h *harness, _ *fixedMaint) { h.openSync() }},
		{"sync_end", func(h *harness, _ *fixedMaint) {
			h.openSync()
			for i := h.m.screen.(*maint).syncScrollMax(); i > 0; i-- {
				h.press(keyDown)
			}
		}},
		{"sync_clock_unknown", func(h *harness, fm *fixedMaint) {
			fm.state.Status.ClockKnown = false
			fm.state.Status.Fill.Level, fm.state.Status.Fill.Reserve = storage.LevelHigh, true
			h.openSync()
		}},
		{"compact", func(h *harness, fm *fixedMaint) {
			fm.before, fm.after = 200<<20, 150<<20
			h.enterMaint()
			h.typeText("5")
		}},
	}
	for _, sc := range screens {
		for _, size := range [][2]int{{80, 24}, {160, 48}} {
			for _, lang := range []model.Lang{model.ZH, model.EN} {
				name := fmt.Sprintf("%s_%dx%d/%s", sc.name, size[0], size[1], lang)
				t.Run(name, func(t *testing.T) {
					h, fm := newFixedMaintHarness(t, weekOffline(), size[0], size[1], func(o *Options) { o.Lang = lang })
					sc.setup(h, fm)
					v := h.view()
					checkFits(t, name, v, size[0], size[1])
					golden.RequireEqual(t, v)
				})
			}
		}
	}
}

// unwrapped is text with its line breaks, the frame's margins and the label column's padding
// taken out, so that a sentence wrapped over lines is found whole.
func unwrapped(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		b.WriteString(strings.Join(strings.Fields(l), ""))
	}
	return b.String()
}
