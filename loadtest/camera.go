package loadtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// camera keeps new violations arriving while the load runs, as a province's cameras do: without
// it the drivers' processable violations run out within seconds and the processing and payment
// figures describe the first seconds only. Each new record copies a camera violation of the
// data set (its code, fine, points and office, so that the rules judge it as they judge real
// ones) onto a licensed driver's own, local, non-operating vehicle, dated a few minutes ago.
type camera struct {
	st        store.Store
	templates []model.Violation
	plates    []model.Plate
	rng       *rand.Rand
	seq       int
	added     atomic.Int64
}

func newCamera(st store.Store, data *dataset.Data, seed int64) *camera {
	c := &camera{st: st, rng: rand.New(rand.NewPCG(uint64(seed), 7))}
	licensed := map[model.IDNumber]bool{}
	for _, p := range data.People {
		if p.Licence != nil {
			licensed[p.Driver.ID] = true
		}
	}
	for _, v := range data.Vehicles {
		if cameraPlate(v.Vehicle) && licensed[v.Owner] {
			c.plates = append(c.plates, v.Plate)
		}
	}
	for _, v := range data.Violations {
		if cameraTemplate(v) {
			c.templates = append(c.templates, v)
		}
	}
	return c
}

// cameraPlate reports whether the cameras record new violations on v: a personal vehicle not
// used for hire, whose owner processes its violations at a kiosk.
func cameraPlate(v model.Vehicle) bool {
	return v.OwnerKind == model.OwnerPersonal && v.Use == model.UseNonOperating
}

// cameraTemplate reports whether v may be copied as a new camera violation: a camera record of
// at most 3 points and 200 yuan, which the rules let a driver process at a kiosk.
func cameraTemplate(v model.Violation) bool {
	return v.Source == model.SourceCamera && v.Points > 0 && v.Points <= 3 && v.Fine <= model.Yuan(200)
}

// cameraCopy is template v recorded anew, as the seq'th camera violation, on plate, a few
// minutes before now, and not yet processed.
func cameraCopy(v model.Violation, seq int, plate model.Plate, now time.Time, rng *rand.Rand) model.Violation {
	v.ID = fmt.Sprintf("CAM-%09d", seq)
	v.Plate = plate
	v.Time = now.Add(-time.Duration(5+rng.IntN(55)) * time.Minute)
	v.Status, v.Decision, v.Driver, v.DecidedAt, v.PaidAt = model.StatusRecorded, "", "", time.Time{}, time.Time{}
	return v
}

// putViolations records vs in one transaction.
func putViolations(ctx context.Context, st store.Store, vs []model.Violation) error {
	err := st.Tx(ctx, func(tx store.Tx) error {
		for _, v := range vs {
			if err := tx.PutViolation(v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("camera feed: %w", err)
	}
	return nil
}

// run adds perSecond new violations a second, in batches every 100 ms, until ctx ends.
func (c *camera) run(ctx context.Context, perSecond int) error {
	if len(c.plates) == 0 || len(c.templates) == 0 || perSecond <= 0 {
		return nil
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	carry := 0.0
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		carry += float64(perSecond) / 10
		n := int(carry)
		carry -= float64(n)
		if n == 0 {
			continue
		}
		if err := c.add(ctx, n); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
}

// add records n new violations in one transaction.
func (c *camera) add(ctx context.Context, n int) error {
	if len(c.plates) == 0 || len(c.templates) == 0 {
		return nil
	}
	batch := make([]model.Violation, n)
	now := time.Now()
	for i := range batch {
		c.seq++
		batch[i] = cameraCopy(c.templates[c.rng.IntN(len(c.templates))], c.seq, c.plates[c.rng.IntN(len(c.plates))], now, c.rng)
	}
	if err := putViolations(ctx, c.st, batch); err != nil {
		return err
	}
	c.added.Add(int64(n))
	return nil
}
