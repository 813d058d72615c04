package store

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
)

// loadIdentifyKey reads the key of the ID numbers' hashes after the migrations.
func (s *db) loadIdentifyKey(ctx context.Context) error {
	return s.runTx(ctx, s.writer, s.txOpts, func(c *conn) error {
		v, ok, err := c.Meta(identifyKeyMeta)
		if err == nil && !ok {
			err = errors.New("missing")
		}
		if err == nil {
			s.identifyKey, err = hex.DecodeString(v)
		}
		if err != nil {
			return fmt.Errorf("store: identification limits key: %w", err)
		}
		return nil
	})
}
