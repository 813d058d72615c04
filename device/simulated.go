package device

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// SimFace is a simulated camera for demo mode: it matches everyone after Delay.
type SimFace struct{ Delay time.Duration }

// Info says it is simulated.
func (SimFace) Info() Info { return Info{Name: "simulated camera", Simulated: true} }

// Verify matches after the delay.
func (f SimFace) Verify(ctx context.Context, _ model.IDNumber) (bool, error) {
	if err := sleep(ctx, f.Delay); err != nil {
		return false, err
	}
	return true, nil
}

// SimCard is a simulated bank card terminal for demo mode: it approves every amount after
// Delay, with a reference that says it is simulated, and declines amounts above Limit (when
// Limit is set) so that a presenter can show a declined card.
type SimCard struct {
	Delay time.Duration
	Limit model.Fen
}

// Info says it is simulated.
func (SimCard) Info() Info { return Info{Name: "simulated card terminal", Simulated: true} }

// Charge approves after the delay.
func (c SimCard) Charge(ctx context.Context, amount model.Fen, _ string) (string, error) {
	if err := sleep(ctx, c.Delay); err != nil {
		return "", err
	}
	if c.Limit > 0 && amount > c.Limit {
		return "", ErrDeclined
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return "SIMCARD-" + hex.EncodeToString(b[:]), nil
}
