package loadtest

import (
	"math/rand/v2"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
)

// rules is what a simulated kiosk judges a lookup with, as a real kiosk does before it lets a
// driver submit: the profile and the catalogue.
type rules struct {
	profile   *model.Profile
	catalogue *model.Catalogue
}

// pick chooses one or two violations the driver may process now by the model's rules (their
// own vehicle, eligible, only the driver to verify, the set below the full score), or none.
// The server judges again, so a choice it refuses shows up as a rejection in the report.
func (r rules) pick(l *api.Lookup, rng *rand.Rand, now time.Time) []string {
	c, vs, err := l.Case(r.profile, now)
	if err != nil {
		return nil
	}
	c.Catalogue = r.catalogue
	eval := model.NewEvaluator(c)
	els := eval.EvaluateAll(vs)
	want := 1 + rng.IntN(2)
	var chosen []model.Violation
	for i, el := range els {
		if len(chosen) == want {
			break
		}
		if !el.Eligible || el.Action != model.ActionProcess || el.Verify != model.VerifyDriver {
			continue
		}
		try := append(chosen[:len(chosen):len(chosen)], vs[i])
		if eval.EvaluateSet(try).Allowed {
			chosen = try
		}
	}
	ids := make([]string, len(chosen))
	for i, v := range chosen {
		ids[i] = v.ID
	}
	return ids
}
