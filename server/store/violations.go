package store

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/hallkiosk/kiosk/model"
)

const violationColumns = `id, plate_type, plate_number, occurred_at, place, code, points, fine, source,
	status, office, office_code, decision, driver_id, decided_at, paid_at`

// platesPerQuery bounds the placeholders of one ViolationsOfPlates query, well under both
// databases' limits.
const platesPerQuery = 200

func scanViolation(r scanner) (model.Violation, error) {
	var (
		v                                           model.Violation
		typ, number, code, source, status, dec, drv string
		at, fine, decided, paid                     int64
	)
	err := r.Scan(&v.ID, &typ, &number, &at, &v.Place, &code, &v.Points, &fine, &source,
		&status, &v.Office, &v.OfficeCode, &dec, &drv, &decided, &paid)
	if err != nil {
		return model.Violation{}, err
	}
	v.Plate = plateOf(typ, number)
	v.Time = fromMillis(at)
	v.Code = model.ViolationCode(code)
	v.Fine = model.Fen(fine)
	v.Source = model.Source(source)
	v.Status = model.ViolationStatus(status)
	v.Decision = model.DecisionNumber(dec)
	v.Driver = model.IDNumber(drv)
	v.DecidedAt = fromMillis(decided)
	v.PaidAt = fromMillis(paid)
	return v, nil
}

// violationArgs lays out a violation in violationColumns order.
func violationArgs(v model.Violation) []any {
	return []any{v.ID, string(v.Plate.Type), string(v.Plate.Number), millis(v.Time), v.Place,
		string(v.Code), v.Points, int64(v.Fine), string(v.Source), string(v.Status), v.Office,
		v.OfficeCode, string(v.Decision), string(v.Driver), millis(v.DecidedAt), millis(v.PaidAt)}
}

func (c *conn) Violation(id string) (model.Violation, error) {
	return getOne(c, "violation", scanViolation,
		`SELECT `+violationColumns+` FROM violations WHERE id = $1`, id)
}

func (c *conn) LockViolation(id string) (model.Violation, error) {
	return getOne(c, "lock violation", scanViolation,
		`SELECT `+violationColumns+` FROM violations WHERE id = $1`+c.d.forUpdate(), id)
}

// ViolationsOfPlates queries in batches for long plate lists, so the order is restored at the
// end rather than left to each query.
func (c *conn) ViolationsOfPlates(plates []model.Plate) ([]model.Violation, error) {
	plates = uniquePlates(plates)
	if vs, ok := c.violationsAhead(plates); ok {
		return vs, nil
	}
	out := []model.Violation{}
	for len(plates) > 0 {
		batch := plates[:min(len(plates), platesPerQuery)]
		plates = plates[len(batch):]
		where, args := "", make([]any, 0, 2*len(batch))
		for i, p := range batch {
			if i > 0 {
				where += " OR "
			}
			where += fmt.Sprintf("(plate_type = $%d AND plate_number = $%d)", 2*i+1, 2*i+2)
			args = append(args, string(p.Type), string(p.Number))
		}
		vs, err := list(c, "violations of plates", scanViolation,
			`SELECT `+violationColumns+` FROM violations WHERE `+where, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	slices.SortFunc(out, func(a, b model.Violation) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

func uniquePlates(plates []model.Plate) []model.Plate {
	seen := make(map[model.Plate]bool, len(plates))
	out := make([]model.Plate, 0, len(plates))
	for _, p := range plates {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

func (c *conn) ViolationsDecidedAgainst(driver model.IDNumber) ([]model.Violation, error) {
	if driver == "" {
		// Undecided violations have no driver; they are decided against nobody.
		return []model.Violation{}, nil
	}
	if l, ok := aheadList[model.Violation](c, decidedKey(driver)); ok {
		return l, nil
	}
	return list(c, "violations decided against driver", scanViolation, violationsDecidedAgainst, string(driver))
}

const violationsDecidedAgainst = `SELECT ` + violationColumns + ` FROM violations WHERE driver_id = $1 ORDER BY occurred_at, id`

func (c *conn) PutViolation(v model.Violation) error {
	_, err := c.exec(`INSERT INTO violations (`+violationColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
		ON CONFLICT (id) DO UPDATE SET plate_type = EXCLUDED.plate_type,
			plate_number = EXCLUDED.plate_number, occurred_at = EXCLUDED.occurred_at,
			place = EXCLUDED.place, code = EXCLUDED.code, points = EXCLUDED.points,
			fine = EXCLUDED.fine, source = EXCLUDED.source, status = EXCLUDED.status,
			office = EXCLUDED.office, office_code = EXCLUDED.office_code,
			decision = EXCLUDED.decision, driver_id = EXCLUDED.driver_id,
			decided_at = EXCLUDED.decided_at, paid_at = EXCLUDED.paid_at`,
		violationArgs(v)...)
	if err != nil {
		return fmt.Errorf("store: put violation: %w", err)
	}
	return nil
}

func (c *conn) UpdateViolation(v model.Violation) error {
	return c.later("update violation", true, `UPDATE violations SET plate_type = $2, plate_number = $3,
		occurred_at = $4, place = $5, code = $6, points = $7, fine = $8, source = $9, status = $10,
		office = $11, office_code = $12, decision = $13, driver_id = $14, decided_at = $15,
		paid_at = $16
		WHERE id = $1`, violationArgs(v)...)
}
