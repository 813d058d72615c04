package store

import (
	"errors"
	"slices"

	"github.com/hallkiosk/kiosk/model"
)

// LockDrivers holds the people with these ID numbers (those that exist) until the transaction
// ends. On PostgreSQL it is one statement that takes the locks in the byte order of the ID
// numbers (COLLATE "C", the order of Go's sort), one round trip for a whole batch of
// operations; elsewhere each person is read in that order.
func (c *conn) LockDrivers(ids []model.IDNumber) error {
	ids = slices.Sorted(slices.Values(ids))
	if len(ids) == 0 {
		return nil
	}
	if c.session == nil {
		for _, id := range ids {
			if _, err := c.LockDriver(id); err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		return nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = string(id)
	}
	_, err := list(c, "lock drivers", scanDriver, `SELECT `+driverColumns+` FROM drivers
		WHERE id_number = ANY($1) ORDER BY id_number COLLATE "C" FOR UPDATE`, keys)
	return err
}

// LockViolations holds the violations with these IDs (those that exist) and returns them, in
// the byte order of their IDs, taking the locks in that order as LockDrivers does.
func (c *conn) LockViolations(ids []string) ([]model.Violation, error) {
	ids = slices.Sorted(slices.Values(ids))
	if len(ids) == 0 {
		return []model.Violation{}, nil
	}
	if c.session == nil {
		out := []model.Violation{}
		for _, id := range ids {
			v, err := c.LockViolation(id)
			if errors.Is(err, ErrNotFound) {
				continue
			} else if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	return list(c, "lock violations", scanViolation, `SELECT `+violationColumns+` FROM violations
		WHERE id = ANY($1) ORDER BY id COLLATE "C" FOR UPDATE`, ids)
}
