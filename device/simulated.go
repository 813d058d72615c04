package device

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hallkiosk/kiosk/model"
)

// SimFace is a simulated camera for demo mode: after Delay it answers Result, a match when
// Result is unset, so that a presenter can also show where a failed check leads.
type SimFace struct {
	Delay  time.Duration
	Result FaceResult
}

// Info says it is simulated.
func (SimFace) Info() Info { return Info{Name: "simulated camera", Simulated: true} }

// Verify answers after the delay.
func (f SimFace) Verify(ctx context.Context, _ model.IDNumber) (FaceResult, error) {
	if err := sleep(ctx, f.Delay); err != nil {
		return 0, err
	}
	if f.Result == 0 {
		return FaceMatch, nil
	}
	return f.Result, nil
}

// SimCard is a simulated bank card terminal for demo mode: it approves every amount after
// Delay, with a reference that says it is simulated, and declines amounts above Limit (when
// Limit is set) so that a presenter can show a declined card. It remembers its charges, so
// Status and Refund answer as a real terminal's would. Use it by pointer; the zero value works.
type SimCard struct {
	Delay time.Duration
	Limit model.Fen

	mu      sync.Mutex
	charges map[string]simCharge // by order
}

type simCharge struct {
	state     ChargeState
	reference string
	amount    model.Fen
	refunded  model.Fen
}

// Info says it is simulated.
func (*SimCard) Info() Info { return Info{Name: "simulated card terminal", Simulated: true} }

// Charge approves after the delay, or declines above the limit.
func (c *SimCard) Charge(ctx context.Context, amount model.Fen, order string) (string, error) {
	if err := sleep(ctx, c.Delay); err != nil {
		return "", err
	}
	if c.Limit > 0 && amount > c.Limit {
		c.record(order, simCharge{state: ChargeDeclined})
		return "", ErrDeclined
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	ref := "SIMCARD-" + hex.EncodeToString(b[:])
	c.record(order, simCharge{state: ChargeApproved, reference: ref, amount: amount})
	return ref, nil
}

func (c *SimCard) record(order string, ch simCharge) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.charges == nil {
		c.charges = map[string]simCharge{}
	}
	c.charges[order] = ch
}

// Status tells what became of an order's charge.
func (c *SimCard) Status(_ context.Context, order string) (ChargeState, string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := c.charges[order]
	return ch.state, ch.reference, nil
}

// Refund gives back up to what a charge took.
func (c *SimCard) Refund(ctx context.Context, reference string, amount model.Fen) error {
	if err := sleep(ctx, c.Delay); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for order, ch := range c.charges {
		if ch.reference != reference || ch.state != ChargeApproved {
			continue
		}
		if amount <= 0 || ch.refunded+amount > ch.amount {
			return fmt.Errorf("refund of %s: more than the %s charged", amount.YuanText(), ch.amount.YuanText())
		}
		ch.refunded += amount
		c.charges[order] = ch
		return nil
	}
	return errors.New("refund: no approved charge with this reference")
}
