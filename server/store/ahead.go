package store

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"

	"github.com/hallkiosk/kiosk/model"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Reads sent ahead.
//
// A lookup asks about a dozen questions of the store, each depending only on the person's ID
// number. Asked one after another over a network, each costs a round trip: on one machine two
// context switches and four system calls on each side, most of a lookup's time on PostgreSQL.
// PrefetchPerson sends them all at once in a pgx batch on the read transaction's own
// connection, within its snapshot, and keeps the answers; the Reader calls that follow are
// answered from them when their arguments match, and go to the database as before when they
// do not. What a call answers does not change, only when the database was asked.

// aheadRead is one read sent ahead: the SQL and arguments of a Reader call, and how its rows
// become the answer that call gives.
type aheadRead struct {
	key     string
	query   string
	args    []any
	collect func(rows pgx.Rows) (any, error)
}

// aheadOne is the answer of a read of one record, which may find none.
type aheadOne[T any] struct {
	v     T
	found bool
}

func listAhead[T any](key, what string, scan func(scanner) (T, error), query string, args ...any) aheadRead {
	return aheadRead{key: key, query: query, args: args, collect: func(rows pgx.Rows) (any, error) {
		return collect(rows, what, scan)
	}}
}

func oneAhead[T any](key, what string, scan func(scanner) (T, error), query string, args ...any) aheadRead {
	r := listAhead(key, what, scan, query, args...)
	collect := r.collect
	r.collect = func(rows pgx.Rows) (any, error) {
		v, err := collect(rows)
		if err != nil {
			return nil, err
		}
		if l := v.([]T); len(l) > 0 {
			return aheadOne[T]{v: l[0], found: true}, nil
		}
		return aheadOne[T]{}, nil
	}
	return r
}

// sendAhead runs the reads as one batch on the transaction's connection and keeps their
// answers. It does nothing where there is no round trip to save (SQLite) or outside a read.
func (c *conn) sendAhead(reads []aheadRead) error {
	if c.sealed {
		return errSnapshotReleased
	}
	if c.session == nil {
		return nil
	}
	if err := c.Flush(); err != nil {
		return err
	}
	return c.batchAhead("", reads, "", nil)
}

// aheadStmt is a statement a batch sends after its reads, and what reads its one row.
type aheadStmt struct {
	query string
	args  []any
	read  func(pgx.Row) error
}

// batchAhead sends the reads in one batch, after the statement first and before the statement
// last when they are given, and keeps their answers; then, when given, is sent after last.
func (c *conn) batchAhead(first string, reads []aheadRead, last string, then *aheadStmt) error {
	return c.sendBatch(func(queue func(string, []any)) {
		if first != "" {
			queue(first, nil)
		}
		for _, r := range reads {
			queue(r.query, r.args)
		}
		if last != "" {
			queue(last, nil)
		}
		if then != nil {
			queue(then.query, then.args)
		}
	}, func(res pgx.BatchResults) error {
		if first != "" {
			if _, err := res.Exec(); err != nil {
				return fmt.Errorf("store: read ahead: %w", err)
			}
		}
		if c.ahead == nil {
			c.ahead = make(map[string]any, len(reads))
		}
		for _, r := range reads {
			rows, err := res.Query()
			if err != nil {
				return fmt.Errorf("store: read ahead: %w", err)
			}
			v, err := r.collect(rows)
			rows.Close()
			if err != nil {
				return err
			}
			c.ahead[r.key] = v
		}
		if last != "" {
			if _, err := res.Exec(); err != nil {
				return fmt.Errorf("store: read ahead: %w", err)
			}
		}
		if then != nil {
			return then.read(res.QueryRow())
		}
		return nil
	})
}

// aheadOf returns the answer kept for key, if any.
func aheadOf[T any](c *conn, key string) (T, bool) {
	v, ok := c.ahead[key].(T)
	return v, ok
}

// aheadList returns a copy of a list answer kept for key, so that a caller changing it cannot
// change the next caller's answer.
func aheadList[T any](c *conn, key string) ([]T, bool) {
	l, ok := aheadOf[[]T](c, key)
	return slices.Clone(l), ok
}

// aheadRecord answers a read of one record from what was kept for key.
func aheadRecord[T any](c *conn, key, what string) (T, bool, error) {
	a, ok := aheadOf[aheadOne[T]](c, key)
	if !ok {
		return a.v, false, nil
	}
	if !a.found {
		return a.v, true, fmt.Errorf("store: %s: %w", what, ErrNotFound)
	}
	return a.v, true, nil
}

// Keys of the answers kept, one per Reader call and its arguments.
func driverKey(id model.IDNumber) string { return "driver\x00" + string(id) }
func vehicleKey(p model.Plate) string {
	return "vehicle\x00" + string(p.Type) + "\x00" + string(p.Number)
}
func ownedKey(id model.IDNumber) string   { return "owned\x00" + string(id) }
func pointsKey(id model.IDNumber) string  { return "points\x00" + string(id) }
func decidedKey(id model.IDNumber) string { return "decided\x00" + string(id) }
func unitKey(f UnitDriverFilter) string {
	return "units\x00" + string(f.Driver) + "\x00" + plateKey(f.Plate)
}
func plateKey(p model.Plate) string      { return string(p.Type) + "\x00" + string(p.Number) }
func bindingsKey(f BindingFilter) string { return "bindings\x00" + linkKey(f.Driver, f.Owner, f.Plate) }
func followsKey(f FollowFilter) string   { return "follows\x00" + linkKey(f.Follower, f.Owner, f.Plate) }
func rejectionsKey(id model.IDNumber, limit int) string {
	return fmt.Sprintf("rejections\x00%s\x00%d", id, limit)
}

func linkKey(person, owner model.IDNumber, p model.Plate) string {
	return string(person) + "\x00" + string(owner) + "\x00" + plateKey(p)
}

// Keys of answers that several calls draw on.
const (
	aheadLinkedVehicles = "linked vehicles"
	aheadLinkedPeople   = "linked people"
	aheadViolations     = "violations of related plates"
)

// linkedPlates are the other people's vehicles a person has to do with: bound, followed or
// designated, in force or not.
const linkedPlates = `SELECT plate_type, plate_number FROM bindings WHERE driver_id = $1
	UNION SELECT plate_type, plate_number FROM follows WHERE follower_id = $1
	UNION SELECT plate_type, plate_number FROM unit_drivers WHERE driver_id = $1`

// relatedPlates adds the person's own: a lookup asks for the violations of some of them.
const relatedPlates = `SELECT plate_type, plate_number FROM vehicles WHERE owner_id = $1
	UNION ` + linkedPlates

// relatedViolations is what the answer kept for aheadViolations holds.
type relatedViolations struct {
	plates map[model.Plate]bool
	vs     []model.Violation
}

// caseReads are the reads judging a person's operation makes: their points ledger, their
// vehicles, the vehicles they are bound to, follow or were designated for, and those links.
func caseReads(id model.IDNumber) []aheadRead {
	p := string(id)
	return []aheadRead{
		listAhead(pointsKey(id), "points entries", scanPointsEntry, pointsOfDriver, p),
		listAhead(ownedKey(id), "vehicles of owner", scanVehicle, vehiclesOfOwner, p),
		listAhead(bindingsKey(BindingFilter{Driver: id}), "bindings", scanBinding, bindingsWhere("driver_id = $1"), p),
		listAhead(followsKey(FollowFilter{Follower: id}), "follows", scanFollow, followsWhere("follower_id = $1"), p),
		listAhead(unitKey(UnitDriverFilter{Driver: id}), "unit drivers", scanUnitDriver, unitDriversWhere("driver_id = $1"), p),
		listAhead(aheadLinkedVehicles, "vehicles", scanVehicle,
			`SELECT `+vehicleColumns+` FROM vehicles WHERE (plate_type, plate_number) IN (`+linkedPlates+`)`, p),
	}
}

// PrefetchCase sends ahead, together, the reads judging an operation of this person makes
// (caseReads). In a read-write transaction the answers hold only until the next statement:
// after it, the database may hold newer ones.
func (c *conn) PrefetchCase(id model.IDNumber) error {
	if c.session == nil || id == "" {
		return nil
	}
	return c.readAhead(id, caseReads(id))
}

func (c *conn) PrefetchPerson(id model.IDNumber, rejections int) error {
	if c.sealed {
		return errSnapshotReleased
	}
	if c.session == nil || !c.readOnly || id == "" {
		return nil
	}
	return c.readAhead(id, personReads(id, rejections))
}

// personReads are the reads a lookup of this person makes (PrefetchPerson).
func personReads(id model.IDNumber, rejections int) []aheadRead {
	p := string(id)
	return append(caseReads(id),
		oneAhead(driverKey(id), "driver", scanDriver, driverByID, p),
		listAhead(bindingsKey(BindingFilter{Owner: id}), "bindings", scanBinding, bindingsWhere("owner_id = $1"), p),
		listAhead(followsKey(FollowFilter{Owner: id}), "follows", scanFollow, followsWhere("owner_id = $1"), p),
		listAhead(aheadViolations, "violations of plates", scanViolation,
			`SELECT `+violationColumns+` FROM violations WHERE (plate_type, plate_number) IN (`+relatedPlates+`)`, p),
		listAhead(decidedKey(id), "violations decided against driver", scanViolation, violationsDecidedAgainst, p),
		listAhead(rejectionsKey(id, rejections), "unread rejections", scanRejectionNotice, unreadRejections(rejections), p),
		listAhead(aheadLinkedPeople, "drivers", scanDriver, `SELECT `+driverColumns+` FROM drivers WHERE id_number IN (
			SELECT driver_id FROM bindings WHERE owner_id = $1 UNION SELECT follower_id FROM follows WHERE owner_id = $1)`, p),
	)
}

// A snapshot read in one round trip (ReadPerson).
//
// A read transaction on PostgreSQL is three waits for the database: BEGIN, the reads sent
// ahead, COMMIT. When the reads sent ahead are all a read needs, BEGIN and COMMIT can travel
// with them: the snapshot is taken by the first read and released by the last statement, and
// the connection goes back to the pool before the caller has looked at an answer. What the
// caller reads is then only what was kept; should it ask for anything else, that fails with
// errSnapshotReleased, and ReadPerson runs the caller again in a read that stays open.

// errSnapshotReleased: a read asked for something a snapshot released already had not read.
var errSnapshotReleased = errors.New("store: read outside the snapshot read ahead")

// Statements around the reads of a snapshot sent in one batch; the isolation is readOpts'.
const (
	beginSnapshot  = `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`
	commitSnapshot = `COMMIT`
)

func (s *db) ReadPerson(ctx context.Context, id model.IDNumber, rejections int, attempt *IdentifyAttempt,
	fn func(Reader) error) (Attempted, error) {
	switch {
	case attempt == nil:
		return Attempted{}, s.readPerson(ctx, id, rejections, fn)
	case s.d.kind != kindPostgres || id == "":
		return s.readPersonThenAttempt(ctx, id, rejections, *attempt, fn)
	}
	var decided Attempted
	var ran bool
	err := s.retry(ctx, func() error {
		c, a, err := s.snapshotPerson(ctx, id, rejections, attempt)
		if err != nil {
			return err
		}
		decided, ran = a, true
		if attempt.Claim != nil && !decided.Decided {
			return nil // not claimed: the reads must not be looked at
		}
		return fn(c)
	})
	if !ran {
		return Attempted{}, err
	}
	if decided.Claim != nil {
		// As ClaimNonce does: lookups are most requests, and expired nonces go only this way.
		s.maybePruneNonces(ctx, attempt.Now)
	}
	if decided.Decided && errors.Is(err, errSnapshotReleased) {
		err = s.Read(ctx, s.openPerson(id, rejections, fn))
	}
	return decided, err
}

// readPerson is ReadPerson without an attempt.
func (s *db) readPerson(ctx context.Context, id model.IDNumber, rejections int, fn func(Reader) error) error {
	open := s.openPerson(id, rejections, fn)
	if s.d.kind != kindPostgres || id == "" {
		return s.Read(ctx, open)
	}
	err := s.retry(ctx, func() error {
		c, _, err := s.snapshotPerson(ctx, id, rejections, nil)
		if err != nil {
			return err
		}
		return fn(c)
	})
	if errors.Is(err, errSnapshotReleased) {
		return s.Read(ctx, open)
	}
	return err
}

// openPerson is fn in a read that stays open, with the person's reads sent ahead first.
func (s *db) openPerson(id model.IDNumber, rejections int, fn func(Reader) error) func(Reader) error {
	return func(r Reader) error {
		if err := r.PrefetchPerson(id, rejections); err != nil {
			return err
		}
		return fn(r)
	}
}

// snapshotPerson reads a person's reads (personReads) in one batch between BEGIN and COMMIT, on
// a connection of the reading pool, and answers a transaction sealed with them; with an
// attempt, the batch ends with its decision (lookupAttemptSQL).
func (s *db) snapshotPerson(ctx context.Context, id model.IDNumber, rejections int, attempt *IdentifyAttempt) (*conn, Attempted, error) {
	sc, err := s.reader.Conn(ctx)
	if err != nil {
		return nil, Attempted{}, fmt.Errorf("store: read snapshot: %w", err)
	}
	defer sc.Close()
	var then *aheadStmt
	var decided Attempted
	if attempt != nil {
		then = s.lookupAttemptStmt(id, *attempt, &decided)
	}
	c, err := s.snapshotOn(ctx, sc, id, rejections, then)
	return c, decided, err
}

// snapshotOn is snapshotPerson on the connection sc.
func (s *db) snapshotOn(ctx context.Context, sc *sql.Conn, id model.IDNumber, rejections int, then *aheadStmt) (*conn, error) {
	c := &conn{ctx: ctx, session: sc, readOnly: true, d: s.d, trace: s.trace}
	if err := c.batchAhead(beginSnapshot, personReads(id, rejections), commitSnapshot, then); err != nil {
		return nil, errors.Join(err, endSnapshot(ctx, sc))
	}
	c.fileAhead(id)
	c.session, c.sealed = nil, true
	return c, nil
}

// endSnapshot rolls back a snapshot's transaction that a failed statement left open, before its
// connection goes back to the pool; a connection that cannot be cleaned is not given back.
// (pgx's stdlib would discard it at its next use, and the pool would start a new backend.)
func endSnapshot(ctx context.Context, sc *sql.Conn) error {
	return sc.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok || pc.Conn().PgConn().TxStatus() == 'I' {
			return nil
		}
		if _, err := pc.Conn().Exec(ctx, "ROLLBACK"); err != nil {
			return driver.ErrBadConn
		}
		return nil
	})
}

// readAhead sends a person's reads ahead and files their answers.
func (c *conn) readAhead(id model.IDNumber, reads []aheadRead) error {
	if err := c.sendAhead(reads); err != nil {
		return err
	}
	c.fileAhead(id)
	return nil
}

// fileAhead files the answers several calls draw on under the keys of those calls.
func (c *conn) fileAhead(id model.IDNumber) {
	owned, _ := aheadOf[[]Vehicle](c, ownedKey(id))
	linked, _ := aheadOf[[]Vehicle](c, aheadLinkedVehicles)
	for _, v := range append(slices.Clone(owned), linked...) {
		c.ahead[vehicleKey(v.Plate)] = aheadOne[Vehicle]{v: v, found: true}
	}
	people, _ := aheadOf[[]Driver](c, aheadLinkedPeople)
	for _, d := range people {
		c.ahead[driverKey(d.ID)] = aheadOne[Driver]{v: d, found: true}
	}
	// The plates whose violations were read: those of the answers just kept, which come from
	// the same snapshot as the subquery that chose them.
	rv := relatedViolations{plates: map[model.Plate]bool{}}
	for _, v := range owned {
		rv.plates[v.Plate] = true
	}
	bs, _ := aheadOf[[]Binding](c, bindingsKey(BindingFilter{Driver: id}))
	for _, b := range bs {
		rv.plates[b.Plate] = true
	}
	fs, _ := aheadOf[[]Follow](c, followsKey(FollowFilter{Follower: id}))
	for _, f := range fs {
		rv.plates[f.Plate] = true
	}
	us, _ := aheadOf[[]model.UnitDriver](c, unitKey(UnitDriverFilter{Driver: id}))
	for _, u := range us {
		rv.plates[u.Plate] = true
	}
	if vs, ok := aheadOf[[]model.Violation](c, aheadViolations); ok {
		rv.vs = vs
		c.ahead[aheadViolations] = rv
	}
}

// violationsAhead answers ViolationsOfPlates from the violations read ahead when every plate
// asked about was among them.
func (c *conn) violationsAhead(plates []model.Plate) ([]model.Violation, bool) {
	rv, ok := aheadOf[relatedViolations](c, aheadViolations)
	if !ok {
		return nil, false
	}
	want := make(map[model.Plate]bool, len(plates))
	for _, p := range plates {
		if !rv.plates[p] {
			return nil, false
		}
		want[p] = true
	}
	out := []model.Violation{}
	for _, v := range rv.vs {
		if want[v.Plate] {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b model.Violation) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.ID, b.ID))
	})
	return out, true
}
