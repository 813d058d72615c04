package server

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// Demo is a central server with generated demo data and one enrolled kiosk, inside this
// process: what demo mode, the sync tests and the reliability suite all stand on. It does not
// listen: callers serve Server.Handler() where they need it (a fixed address, behind a proxy).
type Demo struct {
	Store     store.Store
	Reference *model.Reference
	Server    *Server
	Data      *dataset.Data
	Kiosk     Enrollment
}

// NewDemo creates the embedded store in dir, loads demo data (dataset.Demo with seed and
// people) and enrols one kiosk under profile. Its server simulates the payment channel of
// phone payments (Config.SimulatePayments).
func NewDemo(ctx context.Context, dir, profile string, seed int64, people int, now time.Time) (*Demo, error) {
	ref, err := model.LoadReference(assets.FS())
	if err != nil {
		return nil, err
	}
	p, err := ref.Profile(profile)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, filepath.Join(dir, "server.db"))
	if err != nil {
		return nil, err
	}
	d := &Demo{Store: st, Reference: ref, Data: dataset.Demo(seed, now, people)}
	fail := func(err error) (*Demo, error) { return nil, errors.Join(err, st.Close()) }
	// Demo mode has no payment channel: the kiosk's staff key marks its QR payments paid.
	d.Server, err = New(ctx, Config{Store: st, Reference: ref, DefaultProfile: profile, SimulatePayments: true})
	if err != nil {
		return fail(err)
	}
	if _, err := Import(ctx, st, p, d.Data); err != nil {
		return fail(fmt.Errorf("demo data: %w", err))
	}
	if d.Kiosk, err = Enroll(ctx, st, ref, "demo kiosk", "demo hall", profile, now); err != nil {
		return fail(err)
	}
	return d, nil
}

// Close closes the store.
func (d *Demo) Close() error { return d.Store.Close() }
