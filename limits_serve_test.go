package main

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/internal/pgtest"
	"github.com/hallkiosk/kiosk/model"
	_ "github.com/jackc/pgx/v5/stdlib"
)

// Two `kiosk serve` processes on one PostgreSQL database limit identifications as one process
// would: a kiosk's failures through either count together, and so do its identifications
// against its bucket. (Each process once kept its own counts, which doubled every rate.)
func TestTwoServerProcessesShareIdentificationLimits(t *testing.T) {
	dsn := pgtest.New(t)
	bin := buildKiosk(t)
	data := importDemo(t, bin, "--store", dsn)
	id, secret := enrollWith(t, bin, "--store", dsn)
	a := startServe(t, bin, "--store", dsn, "--console", "", "--admin-socket", filepath.Join(t.TempDir(), "admin.sock"))
	b := startServe(t, bin, "--store", dsn, "--console", "", "--admin-socket", filepath.Join(t.TempDir(), "admin.sock"))
	clients := []*api.Client{api.NewClient(a.base, id, secret, nil), api.NewClient(b.base, id, secret, nil)}
	ctx := context.Background()
	var person model.IDNumber
	var file model.FileNumber
	for _, p := range data.People {
		if p.Licence != nil {
			person, file = p.Driver.ID, p.Licence.FileNumber
			break
		}
	}
	status := func(_ api.Lookup, err error) (int, time.Duration) {
		var se *api.StatusError
		if err == nil {
			return http.StatusOK, 0
		}
		if !errors.As(err, &se) {
			t.Fatalf("lookup: %v", err)
		}
		return se.Status, se.RetryAfter
	}

	// Three wrong file numbers, spread over the two processes: the free failures of this ID
	// number at this kiosk, in total. The kiosk's bucket refills from the first of them on.
	for i := range 3 {
		if got, _ := status(clients[i%2].Lookup(ctx, api.Identify{IDNumber: string(person), FileNumber: "999999999999"})); got != http.StatusNotFound {
			t.Fatalf("failure %d through process %d: status %d", i+1, i%2, got)
		}
	}
	// The next attempt waits, through either process (process b has seen one failure only),
	// the right number too.
	for i, c := range clients {
		got, wait := status(c.Lookup(ctx, api.Identify{IDNumber: string(person), FileNumber: string(file)}))
		if got != http.StatusTooManyRequests || wait <= 0 || wait > 15*time.Second {
			t.Errorf("after three failures in total, through process %d: status %d, wait %v; want 429 and at most 15 s",
				i, got, wait)
		}
	}
	// The card on the reader is not refused for failures, and clears them.
	if got, _ := status(clients[1].Lookup(ctx, api.Identify{IDNumber: string(person), CardRead: true})); got != http.StatusOK {
		t.Fatalf("the card after failures: status %d", got)
	}
	if got, _ := status(clients[0].Lookup(ctx, api.Identify{IDNumber: string(person), FileNumber: string(file)})); got != http.StatusOK {
		t.Fatalf("the right number after the card cleared the failures: status %d", got)
	}

	// The kiosk's bucket (120 identifications a minute, refilled at 2 a second) is one for both
	// processes: 300 card reads sent at once, half through each, get about 120 through, not
	// 240, and both processes refuse some. The bound is the bucket as the store holds it: its
	// tokens and the time it was last brought up to before the burst, and that time after. The
	// servers refill by their wall clocks, which a time service may step while the test runs.
	bucket := openBucket(t, dsn, id)
	tokens0, at0 := bucket()
	start := time.Now()
	var mu sync.Mutex
	passed, refused := 0, [2]int{}
	var wg sync.WaitGroup
	for w := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 30 {
				p := (w + i) % 2
				got, _ := status(clients[p].Lookup(ctx, api.Identify{IDNumber: string(person), CardRead: true}))
				mu.Lock()
				switch got {
				case http.StatusOK:
					passed++
				case http.StatusTooManyRequests:
					refused[p]++
				default:
					t.Errorf("a card read: status %d", got)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	_, at1 := bucket()
	refill := time.Duration(at1-at0) * time.Millisecond
	most := int(tokens0 + 2*refill.Seconds() + 1e-9) // the store computes in doubles alike
	if passed > most || refused[0] == 0 || refused[1] == 0 {
		t.Errorf("%d of 300 card reads passed in %v (the bucket held %.2f tokens and refilled for %v: at most %d), refused %v by each process",
			passed, elapsed.Round(time.Millisecond), tokens0, refill, most, refused)
	}
	// Five identifications were admitted before the burst, so the bucket held fewer than 120.
	if tokens0 > 117 {
		t.Errorf("the bucket held %.2f tokens after five identifications, want at most 117", tokens0)
	}
	t.Logf("%d of 300 card reads passed in %v (the servers' clocks: %v); refused by each process: %v",
		passed, elapsed.Round(time.Millisecond), refill, refused)
}

// openBucket reads the kiosk's bucket from the limiter's table on PostgreSQL: its tokens, as of
// the time in milliseconds the last identification brought it up to.
func openBucket(t *testing.T, dsn, kioskID string) func() (tokens float64, at int64) {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return func() (tokens float64, at int64) {
		t.Helper()
		if err := db.QueryRow(`SELECT tokens, at FROM limit_kiosks WHERE kiosk_id = $1`, kioskID).Scan(&tokens, &at); err != nil {
			t.Fatalf("read the kiosk's bucket: %v", err)
		}
		return tokens, at
	}
}
