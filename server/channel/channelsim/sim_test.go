package channelsim

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/server/channel"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// rig is a simulator and a merchant client of it, with a merchant notify endpoint.
type rig struct {
	sim     *Sim
	client  *channel.HTTP
	clock   *fakeClock
	mu      sync.Mutex
	waits   []time.Duration
	answers []int // statuses the merchant answers, in turn; then 200 SUCCESS
	got     []channel.NoticeBody
}

func newRig(t *testing.T, alg string) *rig {
	t.Helper()
	r := &rig{clock: &fakeClock{t: time.Date(2026, time.November, 21, 2, 0, 0, 0, time.UTC)}}
	chKey, err := channel.GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	mKey, err := channel.GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	pub := func(k *channel.PrivateKey) *channel.PublicKeys {
		b, _ := k.PublicPEM()
		p, err := channel.ParsePublicKeys(b, alg)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	merchant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if _, err := channel.VerifyMessage(pub(chKey), req.Header, body, r.clock.now()); err != nil {
			t.Errorf("the simulator's notice does not verify: %v", err)
		}
		var n channel.NoticeBody
		_ = json.Unmarshal(body, &n)
		r.mu.Lock()
		r.got = append(r.got, n)
		status := http.StatusOK
		if len(r.answers) > 0 {
			status, r.answers = r.answers[0], r.answers[1:]
		}
		r.mu.Unlock()
		code := channel.AnswerSuccess
		if status != http.StatusOK {
			code = channel.AnswerFail
		}
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(channel.Answer{Code: code})
	}))
	t.Cleanup(merchant.Close)
	after := func(d time.Duration) <-chan time.Time {
		r.mu.Lock()
		r.waits = append(r.waits, d)
		r.mu.Unlock()
		c := make(chan time.Time, 1)
		c <- r.clock.now()
		return c
	}
	r.sim = New(Config{MerchantID: "M1", Key: chKey, MerchantKeys: pub(mKey), Now: r.clock.now, After: after})
	t.Cleanup(r.sim.Close)
	srv := httptest.NewServer(r.sim.Handler())
	t.Cleanup(srv.Close)
	r.client, err = channel.NewHTTP(channel.HTTPConfig{Name: "bank", BaseURL: srv.URL, MerchantID: "M1",
		NotifyURL: merchant.URL + "/v1/channels/bank/notify", Key: mKey, ChannelKeys: pub(chKey), Now: r.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *rig) order(t *testing.T, id string, fen int64) channel.Created {
	t.Helper()
	c, err := r.client.CreateOrder(context.Background(), channel.Order{ID: id, AmountFen: fen, Subject: "交通违法罚款",
		ExpiresAt: r.clock.now().Add(3 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A notice the merchant does not take is sent again on the schedule until it is taken, each
// attempt signed afresh.
func TestNoticeRetries(t *testing.T) {
	r := newRig(t, channel.SM2)
	c := r.order(t, "order-1", 20000)
	if again := r.order(t, "order-1", 20000); again != c || !strings.HasPrefix(c.QR, "HKCS:") || len(c.QR) != 17 {
		t.Errorf("order %+v, again %+v: want the same QR text HKCS: and 12 characters", c, again)
	}
	if _, err := r.client.CreateOrder(context.Background(), channel.Order{ID: "order-1", AmountFen: 1,
		ExpiresAt: r.clock.now().Add(3 * time.Hour)}); err == nil {
		t.Error("the same order id with another amount was accepted")
	}
	r.answers = []int{http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusBadRequest}
	p, err := r.sim.Pay("order-1", 0)
	if err != nil || p.Delivered || p.AmountFen != 20000 {
		t.Fatalf("pay: %+v %v", p, err)
	}
	r.sim.Wait() // the fake waits return at once
	if want := RetrySchedule()[:3]; !reflect.DeepEqual(r.waits, want) {
		t.Errorf("waits %v, want %v", r.waits, want)
	}
	if len(r.got) != 4 || r.got[3] != r.got[0] || r.got[0].TransactionID != p.TransactionID {
		t.Errorf("notices: %+v", r.got)
	}
	if _, err := r.sim.Pay("order-1", 0); err != ErrPaid {
		t.Errorf("paying twice: %v", err)
	}
}

// A merchant that never takes the notice gets every attempt of the schedule, then no more.
func TestNoticeGivesUp(t *testing.T) {
	r := newRig(t, channel.RSA2)
	r.order(t, "order-1", 100)
	for range 40 {
		r.answers = append(r.answers, http.StatusInternalServerError)
	}
	if _, err := r.sim.Pay("order-1", 0); err != nil {
		t.Fatal(err)
	}
	r.sim.Wait()
	if len(r.got) != 16 || !reflect.DeepEqual(r.waits, RetrySchedule()) {
		t.Errorf("%d attempts with waits %v, want 16 on the schedule", len(r.got), r.waits)
	}
	var total time.Duration
	for _, d := range r.waits {
		total += d
	}
	if total != 24*time.Hour+4*time.Minute {
		t.Errorf("the schedule spans %v, want 24h4m", total)
	}
}

// The statement of a day lists its payments and refunds by time and ends in the summary.
func TestStatement(t *testing.T) {
	r := newRig(t, channel.SM2)
	r.order(t, "order-1", 20000)
	r.order(t, "order-2", 5000)
	p1, err := r.sim.Pay("order-1", 25000)
	if err != nil {
		t.Fatal(err)
	}
	r.clock.set(r.clock.now().Add(time.Hour))
	p2, err := r.sim.Pay("order-2", 0)
	if err != nil {
		t.Fatal(err)
	}
	r.clock.set(r.clock.now().Add(time.Hour))
	rf, err := r.client.Refund(context.Background(), channel.Refund{ID: "RF-1", OrderID: "order-1",
		TransactionID: p1.TransactionID, AmountFen: 5000, Reason: "overpaid"})
	if err != nil || rf.State != channel.RefundSucceeded {
		t.Fatalf("refund: %+v %v", rf, err)
	}
	if _, err := r.sim.Statement("2026-11-21"); err != ErrNotReady {
		t.Errorf("the same day: %v, want not ready", err)
	}
	r.clock.set(time.Date(2026, time.November, 22, 2, 0, 0, 0, time.UTC)) // 10:00 China time
	b, err := r.sim.Statement("2026-11-21")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatalf("not CSV of 7 columns: %v\n%s", err, b)
	}
	want := [][]string{
		strings.Split(StatementHeader, ","),
		{"PAY", p1.TransactionID, "order-1", "", "", "25000", "2026-11-21T10:00:00+08:00"},
		{"PAY", p2.TransactionID, "order-2", "", "", "5000", "2026-11-21T11:00:00+08:00"},
		{"REFUND", p1.TransactionID, "order-1", rf.Ref, "RF-1", "5000", "2026-11-21T12:00:00+08:00"},
		{"SUMMARY", "2026-11-21", "2", "1", "30000", "5000", "25000"},
	}
	if !reflect.DeepEqual(recs, want) {
		t.Errorf("statement:\n%s\nwant %v", b, want)
	}
	empty, _ := r.sim.Statement("2026-11-20")
	if string(empty) != StatementHeader+"\nSUMMARY,2026-11-20,0,0,0,0,0\n" {
		t.Errorf("an empty day: %q", empty)
	}
}
