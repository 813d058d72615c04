package console

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// fleetNames are the kiosk names of the fleet list's rows, top to bottom.
func fleetNames(h *harness) []string {
	var names []string
	for _, k := range h.m.fleet {
		if h.line(k.Name) == "" {
			h.t.Fatalf("kiosk %s is not on the screen", k.Name)
		}
	}
	in := false
	for _, l := range strings.Split(h.view(), "\n") {
		if strings.HasPrefix(l, "2 ") {
			in = true
			continue
		}
		if !in {
			continue
		}
		for _, k := range h.m.fleet {
			if strings.Contains(l, " "+k.Name+" ") {
				names = append(names, k.Name)
			}
		}
	}
	return names
}

func TestSortCyclesThroughTheKeys(t *testing.T) {
	h := newHarness(t, fixtureSource(), staffA, 80, 24, model.ZH)
	h.press("2")
	orders := []struct {
		label string
		names []string
	}{
		{"排序：状态（最差在前）", []string{"西门1号机", "东门2号机", "西门2号机", "东门1号机", "旧机"}},
		{"排序：名称", []string{"东门1号机", "东门2号机", "旧机", "西门1号机", "西门2号机"}},
		{"排序：待发送（多在前）", []string{"西门1号机", "东门2号机", "西门2号机", "东门1号机", "旧机"}},
		{"排序：最久待发（久在前）", []string{"西门1号机", "东门2号机", "西门2号机", "东门1号机", "旧机"}},
		{"排序：被拒待跟进（多在前）", []string{"东门2号机", "东门1号机", "旧机", "西门1号机", "西门2号机"}},
		{"排序：状态（最差在前）", []string{"西门1号机", "东门2号机", "西门2号机", "东门1号机", "旧机"}},
	}
	for i, o := range orders {
		if i > 0 {
			h.press("s")
		}
		if h.line(o.label) == "" {
			t.Errorf("sort %d: no %q in the list's title:\n%s", i, o.label, h.view())
		}
		if got := fleetNames(h); !reflect.DeepEqual(got, o.names) {
			t.Errorf("sort %d (%s): rows %v, want %v", i, o.label, got, o.names)
		}
	}
	// The order holds across refreshes, and the highlight stays on its kiosk, not its row.
	h.press("down") // 东门2号机 under the state order
	h.press("s")    // by name: 东门2号机 is second still; by outbox it is second too
	h.press("s", "s", "s")
	if got := h.m.fleet[h.m.kioskIndex()].Name; got != "东门2号机" {
		t.Errorf("highlight moved to %s with the sort", got)
	}
	h.tick()
	if got := fleetNames(h)[0]; got != "东门2号机" {
		t.Errorf("after a refresh the first row under the rejected order is %s", got)
	}
}

func TestNamesSortByPinyinAndNumber(t *testing.T) {
	src := newFakeSource()
	for i, name := range []string{"西门10号机", "西门2号机", "东门1号机", "北门1号机"} {
		src.fleet = append(src.fleet, Kiosk{ID: fmt.Sprintf("K-%d", i), Name: name, Hall: hallA, State: KioskOnline})
	}
	h := newHarness(t, src, staffA, 80, 24, model.ZH)
	h.press("s")
	want := []string{"北门1号机", "东门1号机", "西门2号机", "西门10号机"}
	if got := fleetNames(h); !reflect.DeepEqual(got, want) {
		t.Errorf("by name: %v, want %v", got, want)
	}
}

// Every open call the console has not seen rings the bell once, the first read included;
// refreshes, coming calls and calls seen before ring nothing.
func TestBellOncePerNewOpenCall(t *testing.T) {
	src := fixtureSource()
	h := newHarness(t, src, staffA, 80, 24, model.ZH)
	if h.bells != 2 {
		t.Fatalf("first read: %d bells for the 2 open calls", h.bells)
	}
	h.tick()
	h.tick()
	if h.bells != 2 {
		t.Fatalf("refreshes rang: %d bells", h.bells)
	}
	src.addCall(Call{KioskID: "K-01", KioskName: "东门1号机", Hall: hallA, ID: "call-9", Screen: "pay",
		MadeAt: ago(time.Second), State: CallComing, AckedBy: "s020", AckedAt: testNow})
	h.tick()
	if h.bells != 2 {
		t.Fatalf("a call already coming rang: %d bells", h.bells)
	}
	src.addCall(Call{KioskID: "K-03", KioskName: "西门1号机", Hall: hallA, ID: "call-10", Screen: "identify",
		MadeAt: ago(2 * time.Second), State: CallOpen})
	src.addCall(Call{KioskID: "K-01", KioskName: "东门1号机", Hall: hallA, ID: "call-11", Screen: "welcome",
		MadeAt: ago(time.Second), State: CallOpen})
	h.tick()
	if h.bells != 4 {
		t.Fatalf("two new calls: %d bells in all, want 4", h.bells)
	}
	h.tick()
	if h.bells != 4 || h.m.bellRung != 4 {
		t.Fatalf("after another refresh: %d bells (model counted %d)", h.bells, h.m.bellRung)
	}
}

func TestAcknowledgeAndCloseGoThroughTheSource(t *testing.T) {
	src := fixtureSource()
	h := newHarness(t, src, staffA, 80, 24, model.ZH)
	reads := src.readCount()
	h.press("a") // the first open call is the one waiting longest: 东门2号机
	want := []sourceCall{{Method: "Acknowledge", Staff: "s017", Kiosk: "K-02", ID: "call-3"}}
	if got := src.recorded("Acknowledge"); !reflect.DeepEqual(got, want) {
		t.Fatalf("acknowledge: %+v, want %+v", got, want)
	}
	if src.readCount() != reads+1 {
		t.Errorf("no refresh right after the action: %d reads, want %d", src.readCount(), reads+1)
	}
	if l := h.line("东门2号机  页面：缴款"); !strings.Contains(l, "赶来中") || !strings.Contains(l, "s017 14:02 响应") {
		t.Errorf("the acknowledged call reads %q", l)
	}
	if l := h.line("已响应"); !strings.Contains(l, "一号大厅 东门2号机") {
		t.Errorf("status line: %q\n%s", l, h.view())
	}

	// The highlight stays on the acknowledged call, which moved below the open one; c asks
	// first, and any key but y keeps the call.
	h.press("up", "c")
	if l := h.line("按 y 确认"); !strings.Contains(l, "西门2号机") {
		t.Fatalf("no question naming the call's kiosk:\n%s", h.view())
	}
	h.press("n")
	h.tick()
	if got := src.recorded("CloseCall"); len(got) != 0 {
		t.Fatalf("closed without y: %+v", got)
	}
	if h.line("已取消") == "" {
		t.Errorf("no word of the cancel:\n%s", h.view())
	}
	h.press("c", "y")
	want = []sourceCall{{Method: "CloseCall", Staff: "s017", Kiosk: "K-04", ID: "call-7"}}
	if got := src.recorded("CloseCall"); !reflect.DeepEqual(got, want) {
		t.Fatalf("close: %+v, want %+v", got, want)
	}
	if c := src.call("K-04", "call-7"); c.State != CallClosed {
		t.Errorf("call state %s", c.State)
	}
	if l := h.line("西门2号机  页面：身份识别"); !strings.Contains(l, "已关闭") {
		t.Errorf("the closed call reads %q", l)
	}
}

func TestCallKeysNeedTheCallsFocus(t *testing.T) {
	src := fixtureSource()
	h := newHarness(t, src, staffA, 80, 24, model.EN)
	h.press("tab", "a", "c")
	if len(src.recorded("Acknowledge"))+len(src.recorded("CloseCall")) != 0 || h.m.confirm != nil {
		t.Fatal("a or c acted on a call from the fleet list")
	}
	if h.line("Press Tab or 1") == "" {
		t.Errorf("no hint:\n%s", h.view())
	}
	h.press("1", "a")
	if len(src.recorded("Acknowledge")) != 1 {
		t.Error("a after 1 did not acknowledge")
	}
}

// A Source's error is worded for staff (what happened, what to do), never shown as its Go text.
func TestSourceErrorsAreWorded(t *testing.T) {
	cases := []struct {
		err      error
		zh, en   string
		internal string
	}{
		{fmt.Errorf("store: update calls: %w", ErrNotAllowed), "这属于其他大厅", "belongs to another hall", "update calls"},
		{fmt.Errorf("store: %w", ErrNotFound), "它已不存在", "no longer exists", "store:"},
		{fmt.Errorf("call call-3: %w", ErrConflict), "其他工作人员已经处理过了", "someone else has done it already", "call-3"},
		{fmt.Errorf("acknowledge: %w", context.DeadlineExceeded), "服务器没有及时应答", "did not answer in time", "deadline"},
		{errors.New("pq: connection refused 10.0.0.5:5432"), "服务器出错", "the server failed", "pq:"},
	}
	for _, c := range cases {
		for _, lang := range []model.Lang{model.ZH, model.EN} {
			t.Run(c.internal+"/"+string(lang), func(t *testing.T) {
				src := fixtureSource()
				src.setErr("Acknowledge", c.err)
				src.setErr("FollowUp", c.err)
				h := newHarness(t, src, staffA, 80, 24, lang)
				want, fail := c.zh, "响应未成功"
				if lang == model.EN {
					want, fail = c.en, "Could not acknowledge"
				}
				h.press("a")
				_, text := h.m.statusContent()
				if !strings.Contains(text, fail) || !strings.Contains(text, want) || strings.Contains(h.view(), c.internal) {
					t.Errorf("status %q, want %q and no %q", text, want, c.internal)
				}
				checkStatusShown(t, h, text)
				if h.m.calls[0].State != CallOpen {
					t.Error("the call changed though the Source refused")
				}
				h.press("2", "down", "enter", "f")
				fail = "标记跟进未成功"
				if lang == model.EN {
					fail = "Could not mark it followed up"
				}
				if _, text := h.m.statusContent(); !strings.Contains(text, fail) || !strings.Contains(text, want) {
					t.Errorf("follow-up status %q, want %q", text, want)
				}
			})
		}
	}
}

// checkStatusShown fails unless the status text is on the screen whole, wrapped onto the lines
// above the keys rather than cut.
func checkStatusShown(t *testing.T, h *harness, text string) {
	t.Helper()
	ls := strings.Split(h.view(), "\n")
	n := h.m.statusHeight()
	sep := ""
	if h.m.lang == model.EN {
		sep = " "
	}
	var parts []string
	for _, l := range ls[len(ls)-1-n : len(ls)-1] {
		parts = append(parts, strings.TrimSpace(l))
	}
	if got := strings.Join(parts, sep); got != text {
		t.Errorf("status on the screen %q, want %q", got, text)
	}
	checkFits(t, "status", h.view(), h.m.w, h.m.h)
}

// When reading fails the console keeps what it showed and says since when; the next good read
// clears it.
func TestFailedReadKeepsTheDataAndSaysSo(t *testing.T) {
	src := fixtureSource()
	h := newHarness(t, src, staffA, 80, 24, model.ZH)
	src.setErr("Fleet", errors.New("sql: database is closed"))
	h.tick()
	_, text := h.m.statusContent()
	if !strings.Contains(text, "无法读取最新数据，显示的是 14:02:11 的数据") || !strings.Contains(text, "服务器出错") {
		t.Errorf("stale status %q", text)
	}
	checkStatusShown(t, h, text)
	if strings.Contains(h.view(), "sql:") {
		t.Errorf("the error's own text is shown:\n%s", h.view())
	}
	if len(fleetNames(h)) != 5 {
		t.Errorf("rows after a failed read: %v", fleetNames(h))
	}
	src.setErr("Fleet", nil)
	h.tick()
	if h.line("无法读取") != "" || h.line("数据更新于") == "" {
		t.Errorf("not cleared after a good read:\n%s", h.view())
	}
}

func TestDetailShowsRejectionsAndFollowsUp(t *testing.T) {
	src := fixtureSource()
	h := newHarness(t, src, staffA, 80, 24, model.ZH)
	h.press("2", "down", "enter")
	if got := src.recorded("Rejections"); len(got) != 1 || got[0].Kiosk != "K-02" {
		t.Fatalf("rejections read: %+v", got)
	}
	for _, want := range []string{"东门2号机（K-02）", "打印机：缺纸", "日志检查点 #880", "时差 -2s", "已用 415M / 512M（81%，偏满）",
		"pay.amount_mismatch", "process.points_ful", "s020 12-04 18:02", "被拒绝的操作（3 条，2 条待跟进）"} {
		if h.line(want) == "" {
			t.Errorf("detail lacks %q:\n%s", want, h.view())
		}
	}
	h.press("down", "f")
	want := []sourceCall{{Method: "FollowUp", Staff: "s017", Kiosk: "K-02", ID: "op-K02-000940"}}
	if got := src.recorded("FollowUp"); !reflect.DeepEqual(got, want) {
		t.Fatalf("follow-up: %+v, want %+v", got, want)
	}
	if l := h.line("op-K02-000940"); !strings.Contains(l, "s017 14:02:11") {
		t.Errorf("followed-up row reads %q", l)
	}
	if h.line("已标记跟进：操作 op-K02-000940") == "" {
		t.Errorf("no outcome:\n%s", h.view())
	}
	// Marking one already followed up asks the Source nothing and says who did it.
	h.press("down", "f")
	if got := src.recorded("FollowUp"); len(got) != 1 {
		t.Errorf("followed up twice: %+v", got)
	}
	if h.line("已由 s020 跟进") == "" {
		t.Errorf("no word of who followed it up:\n%s", h.view())
	}
	reads := len(src.recorded("Rejections"))
	h.press("esc")
	if h.m.detail != "" || h.line("2 自助机 5 台") == "" {
		t.Errorf("Esc did not go back:\n%s", h.view())
	}
	h.tick()
	if got := src.recorded("Rejections"); len(got) != reads {
		t.Errorf("rejections read on the main screen: %d reads", len(got))
	}
}

// A kiosk that leaves the list while its detail is open is said to have gone.
func TestDetailOfAKioskThatLeft(t *testing.T) {
	src := fixtureSource()
	h := newHarness(t, src, staffA, 80, 24, model.ZH)
	h.press("2", "enter") // 西门1号机, K-03, first under the state order
	src.mu.Lock()
	for i, k := range src.fleet {
		if k.ID == "K-03" {
			src.fleet = append(src.fleet[:i], src.fleet[i+1:]...)
			break
		}
	}
	src.mu.Unlock()
	h.tick()
	if h.line("这台自助机已不在您的列表中") == "" {
		t.Errorf("no word of the kiosk's leaving:\n%s", h.view())
	}
}

func TestResizeFitsEverySize(t *testing.T) {
	h := newHarness(t, fixtureSource(), admin, 80, 24, model.ZH)
	for _, size := range [][2]int{{160, 48}, {60, 20}, {40, 10}, {120, 30}, {20, 5}, {10, 3}, {1, 1}, {80, 24}} {
		h.send(teaSize(size[0], size[1]))
		for _, screen := range []string{"main", "detail", "help"} {
			switch screen {
			case "detail":
				h.press("2", "down", "enter")
			case "help":
				h.press("?")
			}
			checkFits(t, fmt.Sprintf("%s at %dx%d", screen, size[0], size[1]), h.view(), size[0], size[1])
			switch screen {
			case "detail":
				h.press("esc")
			case "help":
				h.press("?")
			}
		}
	}
}

func TestLanguageSwitch(t *testing.T) {
	h := newHarness(t, fixtureSource(), staffA, 80, 24, model.ZH)
	h.press("l")
	if h.line("CALLS: 2 open") == "" {
		t.Errorf("l did not switch to English:\n%s", h.view())
	}
	h.press("f2")
	if h.line("呼叫：2 个待响应") == "" {
		t.Errorf("F2 did not switch back:\n%s", h.view())
	}
}

func TestQuitAndClosing(t *testing.T) {
	for _, keys := range [][]string{{"q"}, {"ctrl+c"}, {"?", "q"}, {"2", "enter", "q"}, {"c", "ctrl+c"}} {
		h := newHarness(t, fixtureSource(), staffA, 80, 24, model.ZH)
		h.press(keys...)
		if !h.quit {
			t.Errorf("%v did not quit", keys)
		}
	}
	h := newHarness(t, fixtureSource(), staffA, 80, 24, model.ZH)
	h.press("c", "q") // q answers the question: the call stays, the console too
	if h.quit || len(h.src.recorded("CloseCall")) != 0 {
		t.Error("q at the y/n question quit or closed the call")
	}
	h.send(ClosingMsg{})
	if !h.quit || h.line("服务器正在关闭") == "" {
		t.Errorf("ClosingMsg: quit %v\n%s", h.quit, h.view())
	}
}

// A refresh asked for while one is under way runs once that one is back, never alongside it.
func TestRefreshesNeverOverlap(t *testing.T) {
	src := fixtureSource()
	m := newModel(src, staffA, Options{Now: func() time.Time { return testNow }})
	first := m.refresh()
	if first == nil || m.refresh() != nil || !m.again {
		t.Fatal("a second refresh started while the first was under way")
	}
	gen := m.tickGen
	next := m.onLoaded(first().(loadedMsg))
	if next == nil || !m.fetching || m.tickGen == gen {
		t.Fatal("the refresh asked for meanwhile did not start when the first came back")
	}
	if _, cmd := m.Update(tickMsg{gen: gen}); cmd != nil {
		t.Error("a stale tick started a read")
	}
}

// With nobody waiting at the start the keys start on the kiosks; a call arriving later rings
// but does not take the focus from under the staff member's keys.
func TestFocusStartsOnTheKiosksWhenNobodyWaits(t *testing.T) {
	src := fixtureSource()
	calls := src.calls
	src.calls = nil
	h := newHarness(t, src, staffA, 80, 24, model.ZH)
	if l := h.line("西门1号机    离线"); !strings.HasPrefix(l, "> 1") {
		t.Fatalf("first kiosk row %q is not highlighted", l)
	}
	src.addCall(calls[0])
	h.tick()
	if h.bells != 1 || h.m.focus != focusFleet {
		t.Errorf("after a call: %d bells, focus %d", h.bells, h.m.focus)
	}
	h.press("enter")
	if h.m.detail != "K-03" {
		t.Errorf("Enter opened %q, want the highlighted kiosk K-03", h.m.detail)
	}
}

// Names and codes from the Source are shown as text: no placeholder of ours is filled inside
// them, and no control character reaches the terminal.
func TestSourceTextIsInert(t *testing.T) {
	src := fixtureSource()
	src.fleet[1].Name = "{at}\x1b[31m"
	src.fleet[1].Problems = []string{"new\x07code"}
	for i := range src.calls {
		if src.calls[i].KioskID == "K-02" {
			src.calls[i].KioskName = "{at}\x1b[31m"
		}
	}
	h := newHarness(t, src, staffA, 80, 24, model.ZH)
	if h.line("{at} [31m  页面：缴款") == "" {
		t.Errorf("the call's kiosk name is not shown as it is:\n%s", h.view())
	}
	h.press("2", "down", "enter")
	if h.line("new code") == "" {
		t.Errorf("the unknown problem code is not shown:\n%s", h.view())
	}
	if v := h.m.View().Content; strings.ContainsAny(v, "\x07") || strings.Contains(v, "\x1b[31m") {
		t.Error("a control character from the Source reached the screen")
	}
}
