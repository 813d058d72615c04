package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/model"
)

// explainScale is the province the index test loads: 10,000 people, about 7,700 vehicles and
// 50,000 violations, enough for PostgreSQL's planner to prefer an index on every table the hot
// queries read (on smaller tables a sequential scan of a few pages is cheaper, and chosen).
const explainScale = 0.005

// hotQuery is one query of a lookup, a processing or a payment, with the index its plan must use.
// Its SQL is never written here: run makes the store run it through its own code, and the test
// takes the statement the store sent (its trace hook), so the test follows the store's SQL.
type hotQuery struct {
	name string
	// run makes the store run the query, in a transaction that is rolled back; or store, for
	// what runs its own transaction.
	run   func(tx Tx) error
	store func(s Store) error
	// read makes the store run it in a read (where reads sent ahead are sent).
	read func(r Reader) error
	// pgOnly: only PostgreSQL sends this statement (reads sent ahead, locks taken together,
	// the nonces' table); SQLite runs the one-by-one statements checked above.
	pgOnly bool
	// sqliteOnly: only SQLite sends this statement (PostgreSQL sends it within another).
	sqliteOnly bool
	// only picks the statement to explain when run makes several (a substring of its SQL).
	only string
	// args are the statement's arguments, in order.
	args []any
	// indexes are the indexes the plan must use: an index's name as the schema gives it, or
	// "pk:TABLE" for the table's primary key.
	indexes []string
}

// explainSample is what the hot queries ask about: a person with a binding, the owner of the
// bound vehicle, their plates, and a paid violation with its decision.
type explainSample struct {
	driver, owner model.IDNumber
	plates        []model.Plate
	violation     string
	decision      model.DecisionNumber
	kiosk         string
}

// hotQueries lists the queries whose plans the test checks. Update it here when the store's
// queries change: the test fails when a named query runs none or several statements that match.
func hotQueries(x explainSample) []hotQuery {
	plateArgs := func(ps []model.Plate) []any {
		var out []any
		for _, p := range ps {
			out = append(out, string(p.Type), string(p.Number))
		}
		return out
	}
	office, year := string(x.decision[:6]), string(x.decision[6:10])
	prefix := office + year
	yearNo, _ := strconv.Atoi(year)
	return []hotQuery{
		// A lookup.
		{name: "driver by id", run: func(tx Tx) error { _, err := tx.Driver(x.driver); return err },
			args: []any{string(x.driver)}, indexes: []string{"pk:drivers"}},
		{name: "vehicles owned by", run: func(tx Tx) error { _, err := tx.VehiclesOwnedBy(x.owner); return err },
			args: []any{string(x.owner)}, indexes: []string{"vehicles_owner"}},
		{name: "vehicle by plate", run: func(tx Tx) error { _, err := tx.Vehicle(x.plates[0]); return err },
			args: plateArgs(x.plates[:1]), indexes: []string{"pk:vehicles"}},
		{name: "bindings by driver", run: func(tx Tx) error { _, err := tx.Bindings(BindingFilter{Driver: x.driver}); return err },
			args: []any{string(x.driver)}, indexes: []string{"bindings_driver"}},
		{name: "bindings by owner", run: func(tx Tx) error { _, err := tx.Bindings(BindingFilter{Owner: x.owner}); return err },
			args: []any{string(x.owner)}, indexes: []string{"bindings_owner"}},
		{name: "follows by follower", run: func(tx Tx) error { _, err := tx.Follows(FollowFilter{Follower: x.driver}); return err },
			args: []any{string(x.driver)}, indexes: []string{"follows_follower"}},
		{name: "follows by owner", run: func(tx Tx) error { _, err := tx.Follows(FollowFilter{Owner: x.owner}); return err },
			args: []any{string(x.owner)}, indexes: []string{"follows_owner"}},
		{name: "unit drivers by driver", run: func(tx Tx) error {
			_, err := tx.UnitDrivers(UnitDriverFilter{Driver: x.driver})
			return err
		}, args: []any{string(x.driver)}, indexes: []string{"pk:unit_drivers"}},
		{name: "violations of plates", run: func(tx Tx) error { _, err := tx.ViolationsOfPlates(x.plates); return err },
			args: plateArgs(x.plates), indexes: []string{"violations_plate"}},
		{name: "violations decided against", run: func(tx Tx) error { _, err := tx.ViolationsDecidedAgainst(x.driver); return err },
			args: []any{string(x.driver)}, indexes: []string{"violations_driver"}},
		{name: "points entries", run: func(tx Tx) error { _, err := tx.PointsEntries(x.driver); return err },
			args: []any{string(x.driver)}, indexes: []string{"points_entries_driver"}},
		{name: "unread rejections", run: func(tx Tx) error { _, err := tx.UnreadRejections(x.driver, 20); return err },
			args: []any{string(x.driver)}, indexes: []string{"rejection_notices_person"}},
		// A lookup's reads sent ahead together (PostgreSQL; SQLite reads one by one, as above):
		// those that join or choose by a subquery.
		{name: "ahead: violations of related plates", pgOnly: true, read: func(r Reader) error { return r.PrefetchPerson(x.driver, 20) },
			only: "FROM violations WHERE (plate_type", args: []any{string(x.driver)},
			indexes: []string{"violations_plate", "vehicles_owner", "bindings_driver"}},
		{name: "ahead: vehicles of links", pgOnly: true, read: func(r Reader) error { return r.PrefetchPerson(x.driver, 20) },
			only: "FROM vehicles WHERE (plate_type", args: []any{string(x.driver)},
			indexes: []string{"pk:vehicles", "bindings_driver"}},
		{name: "ahead: people linked to vehicles", pgOnly: true, read: func(r Reader) error { return r.PrefetchPerson(x.owner, 20) },
			only: "FROM drivers WHERE id_number IN", args: []any{string(x.owner)},
			indexes: []string{"pk:drivers", "bindings_owner"}},
		// A processing.
		{name: "lock drivers", pgOnly: true, run: func(tx Tx) error { return tx.LockDrivers([]model.IDNumber{x.driver, x.owner}) },
			args: []any{[]string{string(x.driver), string(x.owner)}}, indexes: []string{"pk:drivers"}},
		{name: "lock violations", pgOnly: true, run: func(tx Tx) error { _, err := tx.LockViolations([]string{x.violation}); return err },
			args: []any{[]string{x.violation}}, indexes: []string{"pk:violations"}},
		{name: "lock driver", run: func(tx Tx) error { _, err := tx.LockDriver(x.driver); return err },
			args: []any{string(x.driver)}, indexes: []string{"pk:drivers"}},
		{name: "lock violation", run: func(tx Tx) error { _, err := tx.LockViolation(x.violation); return err },
			args: []any{x.violation}, indexes: []string{"pk:violations"}},
		{name: "highest decision number", sqliteOnly: true, run: func(tx Tx) error {
			_, err := tx.NextDecisionSeq(office, yearNo, 1)
			return err
		}, only: "FROM decisions", args: []any{prefix, prefix + ":"}, indexes: []string{"pk:decisions", "pk:points_entries"}},
		// PostgreSQL reads the highest number in the statement that draws the next one.
		{name: "draw over the highest decision number", pgOnly: true, run: func(tx Tx) error {
			_, err := tx.NextDecisionSeq(office, yearNo, 1)
			return err
		}, only: "FROM decisions", args: []any{office, yearNo, prefix, prefix + ":", len(prefix) + 9, len(prefix) + 1, 1},
			indexes: []string{"pk:decisions", "pk:points_entries"}},
		{name: "op by id", run: func(tx Tx) error {
			_, err := tx.Op("op-1")
			if errors.Is(err, ErrNotFound) {
				err = nil
			}
			return err
		}, args: []any{"op-1"}, indexes: []string{"pk:ops"}},
		// A payment.
		{name: "payments of a violation", run: func(tx Tx) error { _, err := tx.Payments(x.violation); return err },
			args: []any{x.violation}, indexes: []string{"payments_violation"}},
		// Writes that need no answer wait in the transaction on PostgreSQL: Flush sends them.
		{name: "mark points paid", run: func(tx Tx) error { return errors.Join(tx.MarkPointsPaid(x.decision, time.Now()), tx.Flush()) },
			args: []any{string(x.decision), time.Now().UnixMilli()}, indexes: []string{"pk:points_entries"}},
		{name: "update violation", run: func(tx Tx) error {
			v, err := tx.Violation(x.violation)
			if err != nil {
				return err
			}
			return errors.Join(tx.UpdateViolation(v), tx.Flush())
		}, only: "UPDATE violations", args: append([]any{x.violation}, make([]any, 15)...), indexes: []string{"pk:violations"}},
		// Every signed request.
		{name: "kiosk", store: func(s Store) error { _, err := s.Kiosk(context.Background(), x.kiosk); return err },
			args: []any{x.kiosk}, indexes: []string{"pk:kiosks"}},
		{name: "nonce upsert", pgOnly: true, store: func(s Store) error {
			_, err := s.RememberNonce(context.Background(), x.kiosk, "nonce-1", time.Now(), time.Now().Add(5*time.Minute))
			return err
		}, only: "INSERT INTO nonces", args: []any{x.kiosk, "nonce-1", int64(2), int64(1)}, indexes: []string{"pk:nonces"}},
	}
}

// bigTables are the tables a province makes large: none of them may be read whole.
func bigTables() []string {
	return []string{"drivers", "vehicles", "bindings", "follows", "unit_drivers", "violations", "decisions",
		"points_entries", "payments", "rejection_notices", "ops", "nonces"}
}

func TestHotQueriesUseIndexesAtProvinceScale(t *testing.T) {
	var chunks []*BulkChunk
	var x explainSample
	now := time.Now()
	if _, err := dataset.Province(1, now, explainScale, func(d *dataset.Data) error {
		chunks = append(chunks, chunkOf(d))
		if x.driver == "" && len(d.Bindings) > 0 {
			x = sampleOf(d)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		if _, err := BulkLoad(ctx, s, sourceOf(chunks, nil)); err != nil {
			t.Fatal(err)
		}
		x.kiosk = addRejections(t, s, chunks[0], now)
		d := s.(*db)
		// The check itself: a query no index serves is caught reading a big table whole.
		if _, _, scanned := explain(t, d, d.d.rebind(`SELECT id FROM violations WHERE place = $1`), []any{"x"}); !slices.Equal(scanned, []string{"violations"}) {
			t.Fatalf("a query by an unindexed column reads %v whole, want violations", scanned)
		}
		for _, q := range hotQueries(x) {
			if q.pgOnly && d.d.kind != kindPostgres || q.sqliteOnly && d.d.kind == kindPostgres {
				continue
			}
			t.Run(strings.ReplaceAll(q.name, " ", "_"), func(t *testing.T) {
				query := captureQuery(t, d, q)
				plan, used, scanned := explain(t, d, query, q.args)
				var missing []string
				for _, want := range q.indexes {
					if !slices.ContainsFunc(used, func(u string) bool { return indexMatches(d.d.kind, want, u) }) {
						missing = append(missing, want)
					}
				}
				if len(missing) > 0 || len(scanned) > 0 {
					t.Errorf("%s does not use index %v, reads whole tables %v\nSQL: %s\nplan:\n%s", q.name, missing, scanned,
						query, plan)
				}
			})
		}
	})
}

// captureQuery runs q with the store's trace hook set and returns the one statement it sent
// that q names.
func captureQuery(t *testing.T, d *db, q hotQuery) string {
	t.Helper()
	var mu sync.Mutex
	var sent []string
	d.trace = func(query string) {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, query)
	}
	defer func() { d.trace = nil }()
	rollback := errors.New("rolled back")
	var err error
	switch {
	case q.store != nil:
		err = q.store(d)
	case q.read != nil:
		err = d.Read(context.Background(), q.read)
	default:
		err = d.Tx(context.Background(), func(tx Tx) error {
			if err := q.run(tx); err != nil {
				return err
			}
			return rollback
		})
		if errors.Is(err, rollback) {
			err = nil
		}
	}
	if err != nil {
		t.Fatalf("running %s: %v", q.name, err)
	}
	mu.Lock()
	defer mu.Unlock()
	var ran, picked []string
	for _, sql := range sent {
		ran = append(ran, sql)
		if strings.HasPrefix(strings.TrimSpace(strings.ToUpper(sql)), "SET ") || !strings.Contains(sql, q.only) {
			continue
		}
		picked = append(picked, sql)
	}
	if len(picked) != 1 {
		sort.Strings(ran)
		t.Fatalf("%s ran %d statements that match %q; update hotQueries. It ran:\n%s", q.name, len(picked), q.only,
			strings.Join(ran, "\n"))
	}
	return picked[0]
}

// explain returns the plan of query with args as text, the indexes it uses and the big tables
// it reads whole.
func explain(t *testing.T, d *db, query string, args []any) (string, []string, []string) {
	t.Helper()
	ctx := context.Background()
	if d.d.kind == kindPostgres {
		plan, used, scanned := explainPG(t, d, query, args, false)
		if len(scanned) > 0 && smallTables(t, d, scanned) {
			// At the test's size these tables are a few pages, which PostgreSQL rightly reads
			// whole; with sequential scans priced out, the plan shows the index a province's
			// size makes it take (a query without a usable index still scans).
			t.Logf("%v too small for an index to pay at this size; explained with enable_seqscan off", scanned)
			return explainPG(t, d, query, args, true)
		}
		return plan, used, scanned
	}
	rows, err := d.writer.QueryContext(ctx, `EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatalf("explain: %v\n%s", err, query)
	}
	defer rows.Close()
	aliases := tableAliases(query)
	var lines, used, scanned []string
	using := regexp.MustCompile(`USING (?:COVERING )?INDEX (\S+)|USING (INTEGER PRIMARY KEY|PRIMARY KEY)`)
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
		fields := strings.Fields(detail)
		if len(fields) >= 2 && (fields[0] == "SEARCH" || fields[0] == "SCAN") {
			table := aliases[fields[1]]
			for _, m := range using.FindAllStringSubmatch(detail, -1) {
				if m[1] != "" {
					used = append(used, m[1])
				} else {
					used = append(used, "pk:"+table)
				}
			}
			// A SCAN of a table, even through a covering index, reads all of it.
			if fields[0] == "SCAN" && slices.Contains(bigTables(), table) {
				scanned = append(scanned, table)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n"), used, scanned
}

// explainPG explains a query on PostgreSQL, with sequential scans priced out when noSeq.
func explainPG(t *testing.T, d *db, query string, args []any, noSeq bool) (string, []string, []string) {
	t.Helper()
	ctx := context.Background()
	tx, err := d.writer.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if noSeq {
		if _, err := tx.ExecContext(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
			t.Fatal(err)
		}
	}
	var plan string
	if err := tx.QueryRowContext(ctx, `EXPLAIN (FORMAT JSON) `+query, args...).Scan(&plan); err != nil {
		t.Fatalf("explain: %v\n%s", err, query)
	}
	var doc []struct{ Plan pgPlan }
	if err := json.Unmarshal([]byte(plan), &doc); err != nil || len(doc) != 1 {
		t.Fatalf("explain's JSON: %v\n%s", err, plan)
	}
	var used, scanned []string
	doc[0].Plan.walk(func(n *pgPlan) {
		switch n.NodeType {
		case "Index Scan", "Index Only Scan", "Bitmap Index Scan":
			used = append(used, n.IndexName)
		case "Seq Scan":
			if slices.Contains(bigTables(), n.RelationName) {
				scanned = append(scanned, n.RelationName)
			}
		}
		used = append(used, n.ArbiterIndexes...)
	})
	return plan, used, scanned
}

// smallTables reports whether every one of the tables fits in a few pages (under 16), as the
// planner's statistics have it.
func smallTables(t *testing.T, d *db, tables []string) bool {
	t.Helper()
	for _, table := range tables {
		var pages int64
		if err := d.writer.QueryRow(`SELECT relpages FROM pg_class WHERE oid = $1::regclass`, table).Scan(&pages); err != nil {
			t.Fatal(err)
		}
		if pages >= 16 {
			return false
		}
	}
	return true
}

// pgPlan is a node of PostgreSQL's JSON plan.
type pgPlan struct {
	NodeType       string   `json:"Node Type"`
	RelationName   string   `json:"Relation Name"`
	IndexName      string   `json:"Index Name"`
	ArbiterIndexes []string `json:"Conflict Arbiter Indexes"`
	Plans          []pgPlan `json:"Plans"`
}

func (p *pgPlan) walk(f func(*pgPlan)) {
	f(p)
	for i := range p.Plans {
		p.Plans[i].walk(f)
	}
}

// tableAliases maps the names a query gives its tables (the table's own name, or an alias) to
// the tables, as SQLite's plan names them.
func tableAliases(query string) map[string]string {
	out := map[string]string{}
	from := regexp.MustCompile(`(?i)\b(?:FROM|JOIN|UPDATE|INTO)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?`)
	for _, m := range from.FindAllStringSubmatch(query, -1) {
		out[m[1]] = m[1]
		switch strings.ToUpper(m[2]) {
		case "", "WHERE", "SET", "ON", "JOIN", "ORDER", "LIMIT", "GROUP", "UNION", "VALUES", "LEFT", "INNER":
		default:
			out[m[2]] = m[1]
		}
	}
	return out
}

// indexMatches reports whether an index the plan used is the one wanted; "pk:TABLE" is the
// table's primary key, whatever the database calls it.
func indexMatches(kind, want, used string) bool {
	table, pk := strings.CutPrefix(want, "pk:")
	switch {
	case !pk:
		return used == want
	case kind == kindPostgres:
		return used == table+"_pkey"
	}
	return used == want || used == "sqlite_autoindex_"+table+"_1"
}

// addRejections enrols a kiosk and stores rejection notices of its operations for people of
// the chunk, so that the notices' table is not empty; it returns the kiosk's id.
func addRejections(t *testing.T, s Store, c *BulkChunk, now time.Time) string {
	t.Helper()
	k := kiosk("K-EXPLAIN")
	mustTx(t, s, func(tx Tx) error {
		if err := tx.InsertKiosk(k); err != nil {
			return err
		}
		for i := range 2000 {
			op := OpRecord{OpID: fmt.Sprintf("op-%d", i+1), KioskID: k.ID, Epoch: 1, Seq: int64(i + 1), Type: "process",
				RequestHash: "h", Outcome: "rejected", Result: []byte(`{}`), AppliedAt: now}
			if _, err := tx.InsertOp(op); err != nil {
				return err
			}
			n := RejectionNotice{OpID: op.OpID, Person: c.Drivers[i%len(c.Drivers)].ID, KioskID: k.ID, OpType: "process",
				OpAt: now, RejectedAt: now.Add(time.Duration(i) * time.Second), Reasons: []byte(`[]`)}
			if err := tx.InsertRejectionNotice(n); err != nil {
				return err
			}
		}
		return nil
	})
	d := s.(*db)
	stmt := `ANALYZE`
	if d.d.kind == kindPostgres {
		// Nonces are many on a busy server: a day's worth of a few hundred kiosks' requests.
		if _, err := d.writer.Exec(`INSERT INTO nonces (kiosk_id, nonce, expires)
			SELECT 'K-' || (i % 300), md5(i::text), i FROM generate_series(1, 20000) i`); err != nil {
			t.Fatal(err)
		}
		stmt = `ANALYZE ops, rejection_notices, kiosks, nonces`
	}
	if _, err := d.writer.Exec(stmt); err != nil {
		t.Fatal(err)
	}
	return k.ID
}

// sampleOf picks the test's person from a chunk: the first bound driver, the owner of their
// vehicle, three plates with violations, and a paid violation.
func sampleOf(d *dataset.Data) explainSample {
	b := d.Bindings[0]
	x := explainSample{driver: b.Driver, owner: b.Owner, plates: []model.Plate{b.Plate}}
	for _, v := range d.Violations {
		if len(x.plates) < 3 && !slices.Contains(x.plates, v.Plate) {
			x.plates = append(x.plates, v.Plate)
		}
		if x.violation == "" && v.Status == model.StatusPaid && v.Points > 0 {
			x.violation, x.decision = v.ID, v.Decision
		}
	}
	return x
}

// chunkOf turns generated data into the store's records, as server.BulkImport does (with a
// fixed 15 days to pay and no late fees: plans do not depend on them).
func chunkOf(d *dataset.Data) *BulkChunk {
	c := &BulkChunk{Bindings: d.Bindings, Follows: d.Follows, UnitDrivers: d.UnitDrivers, Violations: d.Violations}
	for _, p := range d.People {
		c.Drivers = append(c.Drivers, Driver{Driver: p.Driver, Licence: p.Licence, Registered: p.Registered})
	}
	for _, v := range d.Vehicles {
		c.Vehicles = append(c.Vehicles, Vehicle{Vehicle: v.Vehicle, OwnerName: v.OwnerName})
	}
	for _, e := range d.Points {
		c.Points = append(c.Points, DriverPoints{Driver: e.Driver, PointsEntry: e.PointsEntry})
	}
	for _, v := range d.Violations {
		if v.Decision == "" {
			continue
		}
		c.Decisions = append(c.Decisions, model.Decision{Number: v.Decision, ViolationID: v.ID, Driver: v.Driver,
			Plate: v.Plate, Points: v.Points, Fine: v.Fine, IssuedAt: v.DecidedAt, Due: model.DateOf(v.DecidedAt).AddDays(15)})
		if v.Status == model.StatusPaid {
			c.Payments = append(c.Payments, ViolationPayment{ViolationID: v.ID, Payment: model.Payment{ID: "import:" + v.ID,
				Decision: v.Decision, Fine: v.Fine, PaidAt: v.PaidAt, Method: model.PayQR}})
		}
	}
	return c
}
