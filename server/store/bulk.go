package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// BulkChunk is one batch of records for BulkLoad: reference data as an import brings it, with
// the decisions of decided violations and the payments of paid ones already derived.
type BulkChunk struct {
	Drivers     []Driver
	Vehicles    []Vehicle
	Bindings    []model.Binding
	Follows     []model.Follow
	UnitDrivers []model.UnitDriver
	Violations  []model.Violation
	Decisions   []model.Decision
	Points      []DriverPoints
	Payments    []ViolationPayment
}

// DriverPoints is a points entry with the licence it is on.
type DriverPoints struct {
	Driver model.IDNumber
	model.PointsEntry
}

// ViolationPayment is a payment with the violation it pays.
type ViolationPayment struct {
	ViolationID string
	model.Payment
}

// BulkSource produces a load's chunks: it calls emit once per chunk, in order, and stops with
// emit's error when emit fails. BulkLoad runs it in a goroutine of its own, so that making the
// next chunk overlaps writing the last one.
type BulkSource func(emit func(*BulkChunk) error) error

// BulkSummary says what a bulk load wrote and where its time went.
type BulkSummary struct {
	Rows map[string]int64 // rows written, by table
	// Load is the time spent writing rows (making them included, as the two overlap); Finish
	// the time spent after the last row: indexes, constraints, statistics, checkpoint.
	Load, Finish time.Duration
}

// Total is the number of rows written.
func (s BulkSummary) Total() int64 {
	var n int64
	for _, r := range s.Rows {
		n += r
	}
	return n
}

// BulkLoad writes a large data set (a province: millions of people, tens of millions of rows)
// into a store whose reference tables are all empty, in minutes rather than the hours row by
// row upserts would take. It is all or nothing: one transaction from the first row to the last
// index, so a load that fails leaves the tables empty and the schema as it was.
//
// The tables' secondary indexes (and, on PostgreSQL, their foreign keys) are dropped for the
// load and created again from their own definitions at the end, read from the database's
// catalogue, so the load follows whatever the migrations made; then the planner's statistics
// are gathered. PostgreSQL writes with COPY and vacuums the tables after the commit, so that
// the first requests find visibility maps and hint bits set. SQLite writes with prepared
// statements on the writer connection with synchronous=OFF and foreign keys off for the load
// (checked with foreign_key_check before the commit); that connection is closed afterwards, so
// the next one starts with the store's usual settings.
//
// The records are taken as given: the caller validates them (as the import does) and derives
// decisions and payments. No server may use the store meanwhile: the tables are locked (and,
// on SQLite, the writer is held) for the whole load.
func BulkLoad(ctx context.Context, st Store, src BulkSource) (BulkSummary, error) {
	s, ok := st.(*db)
	if !ok {
		return BulkSummary{}, errors.New("store: bulk load needs a store from Open")
	}
	if err := s.requireEmpty(ctx); err != nil {
		return BulkSummary{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	f := startFeed(ctx, src)
	sum := BulkSummary{Rows: map[string]int64{}}
	var err error
	if s.d.kind == kindPostgres {
		err = s.bulkPostgres(ctx, f, &sum)
	} else {
		err = s.bulkSQLite(ctx, f, &sum)
	}
	cancel()
	if ferr := f.finish(); err == nil {
		err = ferr
	}
	if err != nil {
		return BulkSummary{}, fmt.Errorf("store: bulk load: %w", err)
	}
	return sum, nil
}

// bulkTables are the tables a bulk load fills, parents before children, with the columns it
// writes (in the order of the column lists the store reads and writes them with elsewhere) and
// how a chunk's records become rows. Generated keys (bindings' and follows' ids) are left to
// the database.
func bulkTables() []bulkTable {
	return []bulkTable{
		{"drivers", columns(driverColumns), func(c *BulkChunk) int { return len(c.Drivers) },
			func(c *BulkChunk, i int) ([]any, error) { return driverArgs(c.Drivers[i]) }},
		{"vehicles", columns(vehicleColumns), func(c *BulkChunk) int { return len(c.Vehicles) },
			func(c *BulkChunk, i int) ([]any, error) {
				v := c.Vehicles[i]
				return []any{string(v.Plate.Type), string(v.Plate.Number), string(v.OwnerKind), string(v.Owner),
					string(v.Use), v.OwnerName, string(v.VIN), string(v.RegCert)}, nil
			}},
		{"bindings", columns(bindingColumns)[1:], func(c *BulkChunk) int { return len(c.Bindings) },
			func(c *BulkChunk, i int) ([]any, error) {
				b := c.Bindings[i]
				return []any{string(b.Driver), string(b.Plate.Type), string(b.Plate.Number), string(b.Owner),
					millis(b.Since), millis(b.Ended), string(b.Channel)}, nil
			}},
		{"follows", columns(followColumns)[1:], func(c *BulkChunk) int { return len(c.Follows) },
			func(c *BulkChunk, i int) ([]any, error) {
				f := c.Follows[i]
				return []any{string(f.Follower), string(f.Plate.Type), string(f.Plate.Number), string(f.Owner),
					millis(f.RequestedAt), millis(f.Since), millis(f.Until), millis(f.Cancelled)}, nil
			}},
		{"unit_drivers", columns(unitDriverColumns), func(c *BulkChunk) int { return len(c.UnitDrivers) },
			func(c *BulkChunk, i int) ([]any, error) {
				u := c.UnitDrivers[i]
				return []any{string(u.Driver), string(u.Plate.Type), string(u.Plate.Number), millis(u.Since),
					millis(u.Ended)}, nil
			}},
		{"violations", columns(violationColumns), func(c *BulkChunk) int { return len(c.Violations) },
			func(c *BulkChunk, i int) ([]any, error) { return violationArgs(c.Violations[i]), nil }},
		{"decisions", columns(decisionColumns), func(c *BulkChunk) int { return len(c.Decisions) },
			func(c *BulkChunk, i int) ([]any, error) {
				d := c.Decisions[i]
				return []any{string(d.Number), d.ViolationID, string(d.Driver), string(d.Plate.Type),
					string(d.Plate.Number), d.Points, int64(d.Fine), millis(d.IssuedAt), dateText(d.Due)}, nil
			}},
		{"points_entries", columns(pointsColumns), func(c *BulkChunk) int { return len(c.Points) },
			func(c *BulkChunk, i int) ([]any, error) {
				e := c.Points[i]
				return []any{string(e.Decision), string(e.Driver), e.Points, millis(e.EnteredAt), millis(e.PaidAt)}, nil
			}},
		{"payments", append([]string{"violation_id"}, columns(paymentColumns)...), func(c *BulkChunk) int { return len(c.Payments) },
			func(c *BulkChunk, i int) ([]any, error) {
				p := c.Payments[i]
				return []any{p.ViolationID, p.ID, string(p.Decision), int64(p.Fine), int64(p.LateFee), millis(p.PaidAt),
					string(p.Method), p.Refund}, nil
			}},
	}
}

// pointsColumns are the columns of points_entries, in InsertPointsEntry's order.
const pointsColumns = `decision, driver_id, points, entered_at, paid_at`

// bulkTable is one table a bulk load fills.
type bulkTable struct {
	name    string
	columns []string
	count   func(c *BulkChunk) int
	row     func(c *BulkChunk, i int) ([]any, error)
}

// columns splits a column list constant.
func columns(list string) []string {
	out := strings.Split(list, ",")
	for i := range out {
		out[i] = strings.TrimSpace(out[i])
	}
	return out
}

func bulkTableNames() []string {
	var out []string
	for _, t := range bulkTables() {
		out = append(out, t.name)
	}
	return out
}

// requireEmpty refuses a store that holds any record of the tables a bulk load fills: a load
// adds to nothing, which is what makes dropping their indexes for it safe.
func (s *db) requireEmpty(ctx context.Context) error {
	for _, t := range bulkTableNames() {
		var n int
		if err := s.writer.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM `+t+` LIMIT 1) x`).Scan(&n); err != nil {
			return fmt.Errorf("store: bulk load: read %s: %w", t, err)
		}
		if n > 0 {
			return fmt.Errorf("store: bulk load: table %s already holds records; a bulk load fills an empty store "+
				"(use kiosk import to add to one that has data)", t)
		}
	}
	return nil
}

// feed carries a source's chunks from its goroutine to the loader.
type feed struct {
	ch   chan *BulkChunk
	done chan error
	err  error
	over bool
}

// startFeed runs src in a goroutine; the loader reads its chunks with next. Two chunks may
// wait, so the source makes the next one while the loader writes.
func startFeed(ctx context.Context, src BulkSource) *feed {
	f := &feed{ch: make(chan *BulkChunk, 2), done: make(chan error, 1)}
	go func() {
		err := src(func(c *BulkChunk) error {
			select {
			case f.ch <- c:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		close(f.ch)
		f.done <- err
	}()
	return f
}

// next returns the next chunk, or nil once the source is done, with its error: a loader commits
// only when the source ended well.
func (f *feed) next() (*BulkChunk, error) {
	if c, ok := <-f.ch; ok {
		return c, nil
	}
	if !f.over {
		f.over, f.err = true, <-f.done
	}
	if f.err != nil {
		return nil, fmt.Errorf("making the records: %w", f.err)
	}
	return nil, nil
}

// finish waits for the source's goroutine (whose context the caller cancelled) and reports
// the source's error if the loader stopped before it saw it; the cancellation it caused is no
// error of the source's.
func (f *feed) finish() error {
	for range f.ch {
	}
	if !f.over {
		f.over, f.err = true, <-f.done
		if f.err != nil && !errors.Is(f.err, context.Canceled) {
			return fmt.Errorf("making the records: %w", f.err)
		}
	}
	return nil
}
