package console

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hallkiosk/kiosk/model"
)

// program is the console in a real tea.Program (teatest), refreshing every 10 ms of real time
// at the fixed test clock. It keeps everything the program wrote, so that the bells can be
// counted over the whole run.
type program struct {
	t   *testing.T
	tm  *teatest.TestModel
	src *fakeSource
	out bytes.Buffer
}

func newProgram(t *testing.T, src *fakeSource, staff Staff, lang model.Lang) *program {
	t.Helper()
	m := New(src, staff, Options{Now: func() time.Time { return testNow }, Refresh: 10 * time.Millisecond, Lang: lang})
	p := &program{t: t, src: src, tm: teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))}
	t.Cleanup(func() { p.tm.Quit() })
	return p
}

func (p *program) read() {
	buf := make([]byte, 4096)
	for {
		n, _ := p.tm.Output().Read(buf)
		if n == 0 {
			return
		}
		p.out.Write(buf[:n])
	}
}

// waitUntil polls cond for up to 5 seconds, reading the output meanwhile.
func (p *program) waitUntil(what string, cond func() bool) {
	p.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		p.read()
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.t.Fatalf("waited 5s for %s; output:\n%s", what, ansi.Strip(p.out.String()))
}

// waitText waits until text has been drawn. The output is a stream of cell changes, so only
// text that appears anew in one piece can be waited for.
func (p *program) waitText(text string) {
	p.t.Helper()
	p.waitUntil("the text "+text, func() bool { return strings.Contains(ansi.Strip(p.out.String()), text) })
}

// waitReads waits until the console has read the Source n more times.
func (p *program) waitReads(n int) {
	p.t.Helper()
	from := p.src.readCount()
	p.waitUntil("refreshes", func() bool { return p.src.readCount() >= from+n })
}

func (p *program) bells() int { p.read(); return strings.Count(p.out.String(), "\a") }

func (p *program) press(keys ...string) {
	for _, k := range keys {
		p.tm.Send(keyPress(k))
	}
}

// final quits and returns the last screen, ANSI stripped.
func (p *program) final() (*Model, string) {
	p.t.Helper()
	p.tm.Quit()
	m := p.tm.FinalModel(p.t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	return m, ansi.Strip(m.View().Content)
}

func TestProgramNewCallShowsOnTopAndRingsOnce(t *testing.T) {
	src := fixtureSource()
	src.calls = nil
	p := newProgram(t, src, staffA, model.ZH)
	p.waitText("没有人在等工作人员")
	p.waitReads(3)
	if n := p.bells(); n != 0 {
		t.Fatalf("%d bells with no call", n)
	}
	src.addCall(Call{KioskID: "K-01", KioskName: "东门1号机", Hall: hallA, ID: "call-20", Screen: "process",
		MadeAt: ago(2 * time.Minute), State: CallComing, AckedBy: "s020", AckedAt: ago(time.Minute)})
	src.addCall(Call{KioskID: "K-03", KioskName: "西门1号机", Hall: hallA, ID: "call-21", Screen: "pay",
		MadeAt: ago(5 * time.Second), State: CallOpen})
	p.waitUntil("the bell", func() bool { return p.bells() == 1 })
	p.waitText("待响应")
	p.waitReads(10)
	if n := p.bells(); n != 1 {
		t.Fatalf("%d bells after refreshes, want 1", n)
	}
	src.addCall(Call{KioskID: "K-02", KioskName: "东门2号机", Hall: hallA, ID: "call-22", Screen: "identify",
		MadeAt: ago(time.Second), State: CallOpen})
	p.waitUntil("the second bell", func() bool { return p.bells() == 2 })
	p.waitReads(5)
	if n := p.bells(); n != 2 {
		t.Fatalf("%d bells for two calls", n)
	}

	_, v := p.final()
	ls := strings.Split(v, "\n")
	if !strings.Contains(ls[1], "2 个待响应，1 个赶来中") {
		t.Errorf("calls title %q", ls[1])
	}
	for i, want := range []string{"待响应 已等 00:05       一号大厅 西门1号机  页面：缴款", "待响应 已等 00:01       一号大厅 东门2号机",
		"赶来中 s020 14:01 响应  一号大厅 东门1号机"} {
		if !strings.Contains(ls[2+i], want) {
			t.Errorf("call row %d: %q, want %q", i+1, ls[2+i], want)
		}
	}
}

func TestProgramAcknowledgeAndClose(t *testing.T) {
	src := fixtureSource()
	p := newProgram(t, src, staffA, model.ZH)
	p.waitText("呼叫：2 个待响应")
	p.press("a")
	p.waitUntil("the acknowledgement", func() bool { return len(src.recorded("Acknowledge")) == 1 })
	want := []sourceCall{{Method: "Acknowledge", Staff: "s017", Kiosk: "K-02", ID: "call-3"}}
	if got := src.recorded("Acknowledge"); !reflect.DeepEqual(got, want) {
		t.Fatalf("acknowledge: %+v, want %+v", got, want)
	}
	p.waitText("已响应")

	p.press("up", "c")
	p.waitText("按 y 确认")
	p.waitReads(3)
	if got := src.recorded("CloseCall"); len(got) != 0 {
		t.Fatalf("closed before y: %+v", got)
	}
	p.press("y")
	p.waitUntil("the close", func() bool { return len(src.recorded("CloseCall")) == 1 })
	want = []sourceCall{{Method: "CloseCall", Staff: "s017", Kiosk: "K-04", ID: "call-7"}}
	if got := src.recorded("CloseCall"); !reflect.DeepEqual(got, want) {
		t.Fatalf("close: %+v, want %+v", got, want)
	}
	p.waitReads(2)
	m, v := p.final()
	if !strings.Contains(v, "已关闭 一号大厅 西门2号机 的呼叫。") {
		t.Errorf("no outcome on the status line:\n%s", v)
	}
	for _, c := range m.calls {
		if c.ID == "call-7" && c.State != CallClosed || c.ID == "call-3" && c.State != CallComing {
			t.Errorf("call %s is %s", c.ID, c.State)
		}
	}
}

func TestProgramSortAndDetailFollowUp(t *testing.T) {
	src := fixtureSource()
	p := newProgram(t, src, staffA, model.EN)
	p.waitText("sort: state (worst first)")
	p.press("2", "s")
	p.waitText("sort: name")
	p.press("home", "down", "enter") // by name: 东门1号机, then 东门2号机 (the highlight followed 西门1号机)
	p.waitUntil("the rejections", func() bool { return len(src.recorded("Rejections")) > 0 })
	if got := src.recorded("Rejections")[0]; got.Kiosk != "K-02" || got.Staff != "s017" {
		t.Fatalf("rejections read for %+v", got)
	}
	p.waitText("op-K02-000951")
	p.press("f")
	p.waitUntil("the follow-up", func() bool { return len(src.recorded("FollowUp")) == 1 })
	want := []sourceCall{{Method: "FollowUp", Staff: "s017", Kiosk: "K-02", ID: "op-K02-000951"}}
	if got := src.recorded("FollowUp"); !reflect.DeepEqual(got, want) {
		t.Fatalf("follow-up: %+v, want %+v", got, want)
	}
	p.waitText("Marked followed up")
	p.waitReads(2)
	_, v := p.final()
	for _, l := range strings.Split(v, "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, "> "), "op-K02-000951") && !strings.Contains(l, "s017 14:02:11") {
			t.Errorf("followed-up row reads %q", l)
		}
	}
	if !strings.Contains(v, "Rejected operations (3, 1 to follow up)") {
		t.Errorf("detail:\n%s", v)
	}
}

// Update never waits for the Source: while a read hangs, keys still work.
func TestProgramKeysWorkWhileTheSourceIsSlow(t *testing.T) {
	src := fixtureSource()
	src.gate = make(chan struct{})
	p := newProgram(t, src, staffA, model.ZH)
	p.waitText("正在读取数据")
	p.press("?")
	p.waitText("有新呼叫时终端会响铃")
	p.press("?")
	close(src.gate)
	p.waitText("呼叫：2 个待响应")
	p.tm.Send(tea.WindowSizeMsg{Width: 160, Height: 48})
	p.waitText("上次联系") // a column only the wide screen has
}
