package server

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/assets"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/internal/pgtest"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// A store filled by BulkImport answers every lookup as one filled by Import with the same data,
// and holds the payment of every paid violation besides.
func TestBulkImportAnswersAsImportDoes(t *testing.T) {
	now := time.Date(2026, 5, 20, 10, 0, 0, 0, model.ChinaZone())
	var chunks []*dataset.Data
	if _, err := dataset.Province(5, now, 0.00015, func(d *dataset.Data) error { chunks = append(chunks, d); return nil }); err != nil {
		t.Fatal(err)
	}
	ref, err := model.LoadReference(assets.FS())
	if err != nil {
		t.Fatal(err)
	}
	p, _ := ref.Profile("national")
	dsns := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "server.db") },
		"postgres": func(t *testing.T) string { return pgtest.New(t) },
	}
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			open := func() (store.Store, *Server) {
				st, err := store.Open(ctx, dsns[kind](t))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				srv, err := New(ctx, Config{Store: st, Reference: ref, DefaultProfile: "national", Now: func() time.Time { return now }})
				if err != nil {
					t.Fatal(err)
				}
				return st, srv
			}
			imported, importSrv := open()
			bulk, bulkSrv := open()
			for _, d := range chunks {
				if _, err := Import(ctx, imported, p, d); err != nil {
					t.Fatal(err)
				}
			}
			sum, err := BulkImport(ctx, bulk, p, func(emit func(*dataset.Data) error) error {
				for _, d := range chunks {
					if err := emit(d); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			compared := 0
			for _, d := range chunks {
				for _, person := range d.People {
					if person.Licence == nil {
						continue
					}
					c := credential{id: person.Driver.ID, file: person.Licence.FileNumber}
					a, _, errA := importSrv.lookup(ctx, p, c, nil)
					b, _, errB := bulkSrv.lookup(ctx, p, c, nil)
					ja, _ := json.Marshal(a)
					jb, _ := json.Marshal(b)
					if errA != nil || errB != nil || string(ja) != string(jb) {
						t.Fatalf("lookup differs: import %v, bulk %v\nimport: %s\nbulk:   %s", errA, errB, ja, jb)
					}
					compared++
				}
			}
			paid := 0
			err = bulk.Read(ctx, func(r store.Reader) error {
				for _, d := range chunks {
					for _, v := range d.Violations {
						if v.Status != model.StatusPaid {
							continue
						}
						ps, err := r.Payments(v.ID)
						if err != nil {
							return err
						}
						due := model.AmountAt(v.Fine, v.DecidedAt, v.PaidAt, p.Payment)
						if len(ps) != 1 || ps[0].Total() != due.Total() || !ps[0].PaidAt.Equal(v.PaidAt) || ps[0].Refund {
							t.Errorf("violation %s paid %s owing %d: payments %+v", v.ID, v.PaidAt, due.Total(), ps)
						}
						paid++
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if compared < 200 || paid < 200 || sum.Rows["payments"] != int64(paid) {
				t.Errorf("compared %d lookups and %d paid violations (%d payments loaded); want hundreds", compared, paid, sum.Rows["payments"])
			}
		})
	}
}
