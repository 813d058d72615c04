package store

import (
	"errors"
	"fmt"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// errFilter is returned for a filter that does not set exactly one field.
var errFilter = errors.New("filter must set exactly one of its fields")

// filterWhere turns a filter with exactly one of a person column and a plate set into a WHERE
// clause and its arguments.
func filterWhere(person string, personID model.IDNumber, owner model.IDNumber, plate model.Plate) (string, []any, error) {
	set := 0
	for _, ok := range []bool{personID != "", owner != "", plate != (model.Plate{})} {
		if ok {
			set++
		}
	}
	switch {
	case set != 1:
		return "", nil, errFilter
	case personID != "":
		return person + " = $1", []any{string(personID)}, nil
	case owner != "":
		return "owner_id = $1", []any{string(owner)}, nil
	}
	return "plate_type = $1 AND plate_number = $2", []any{string(plate.Type), string(plate.Number)}, nil
}

const bindingColumns = `id, driver_id, plate_type, plate_number, owner_id, since, ended, channel`

func scanBinding(r scanner) (Binding, error) {
	var (
		b                                   Binding
		driver, typ, number, owner, channel string
		since, ended                        int64
	)
	if err := r.Scan(&b.ID, &driver, &typ, &number, &owner, &since, &ended, &channel); err != nil {
		return Binding{}, err
	}
	b.Binding = model.Binding{
		Driver:  model.IDNumber(driver),
		Plate:   plateOf(typ, number),
		Owner:   model.IDNumber(owner),
		Since:   fromMillis(since),
		Ended:   fromMillis(ended),
		Channel: model.BindingChannel(channel),
	}
	return b, nil
}

func (c *conn) Bindings(f BindingFilter) ([]Binding, error) {
	where, args, err := filterWhere("driver_id", f.Driver, f.Owner, f.Plate)
	if err != nil {
		return nil, fmt.Errorf("store: bindings: %w", err)
	}
	if l, ok := aheadList[Binding](c, bindingsKey(f)); ok {
		return l, nil
	}
	return list(c, "bindings", scanBinding, bindingsWhere(where), args...)
}

func bindingsWhere(where string) string {
	return `SELECT ` + bindingColumns + ` FROM bindings WHERE ` + where + ` ORDER BY since, id`
}

func (c *conn) InsertBinding(b model.Binding) (int64, error) {
	var id int64
	err := c.queryRow(`INSERT INTO bindings (driver_id, plate_type, plate_number, owner_id, since,
		ended, channel) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		string(b.Driver), string(b.Plate.Type), string(b.Plate.Number), string(b.Owner),
		millis(b.Since), millis(b.Ended), string(b.Channel)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: insert binding: %w", err)
	}
	return id, nil
}

// updateOrExists runs a conditional update of one record by key ($1). When it changes nothing,
// the record either does not exist (ErrNotFound) or is already in the state the update would
// leave alone (nil).
func (c *conn) updateOrExists(what, update, exists string, key any, args ...any) error {
	res, err := c.exec(update, append([]any{key}, args...)...)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	if n > 0 {
		return nil
	}
	var count int
	if err := c.queryRow(exists, key).Scan(&count); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	if count == 0 {
		return fmt.Errorf("store: %s: %w", what, ErrNotFound)
	}
	return nil
}

// EndBinding leaves a binding that has already ended as it is (the first end counts); it reports
// ErrNotFound for an unknown ID.
func (c *conn) EndBinding(id int64, at time.Time) error {
	return c.updateOrExists("end binding",
		`UPDATE bindings SET ended = $2 WHERE id = $1 AND ended = 0`,
		`SELECT count(*) FROM bindings WHERE id = $1`, id, millis(at))
}

const followColumns = `id, follower_id, plate_type, plate_number, owner_id, requested_at, since,
	until_at, cancelled`

func scanFollow(r scanner) (Follow, error) {
	var (
		f                          Follow
		follower, typ, number, own string
		req, since, until, cancel  int64
	)
	err := r.Scan(&f.ID, &follower, &typ, &number, &own, &req, &since, &until, &cancel)
	if err != nil {
		return Follow{}, err
	}
	f.Follow = model.Follow{
		Follower:    model.IDNumber(follower),
		Plate:       plateOf(typ, number),
		Owner:       model.IDNumber(own),
		RequestedAt: fromMillis(req),
		Since:       fromMillis(since),
		Until:       fromMillis(until),
		Cancelled:   fromMillis(cancel),
	}
	return f, nil
}

func (c *conn) Follows(f FollowFilter) ([]Follow, error) {
	where, args, err := filterWhere("follower_id", f.Follower, f.Owner, f.Plate)
	if err != nil {
		return nil, fmt.Errorf("store: follows: %w", err)
	}
	if l, ok := aheadList[Follow](c, followsKey(f)); ok {
		return l, nil
	}
	return list(c, "follows", scanFollow, followsWhere(where), args...)
}

func followsWhere(where string) string {
	return `SELECT ` + followColumns + ` FROM follows WHERE ` + where + ` ORDER BY requested_at, id`
}

func (c *conn) InsertFollow(f model.Follow) (int64, error) {
	var id int64
	err := c.queryRow(`INSERT INTO follows (follower_id, plate_type, plate_number, owner_id,
		requested_at, since, until_at, cancelled) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		RETURNING id`,
		string(f.Follower), string(f.Plate.Type), string(f.Plate.Number), string(f.Owner),
		millis(f.RequestedAt), millis(f.Since), millis(f.Until), millis(f.Cancelled)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: insert follow: %w", err)
	}
	return id, nil
}

// CancelFollow leaves a follow that is already cancelled as it is (the first cancellation
// counts); it reports ErrNotFound for an unknown ID.
func (c *conn) CancelFollow(id int64, at time.Time) error {
	return c.updateOrExists("cancel follow",
		`UPDATE follows SET cancelled = $2 WHERE id = $1 AND cancelled = 0`,
		`SELECT count(*) FROM follows WHERE id = $1`, id, millis(at))
}
