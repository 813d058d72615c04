package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A cache value is expiry (8 bytes, big-endian unix nanoseconds, plain so that expired entries
// can be found without the secret; authenticated through the AAD) followed by the sealed value.
const cacheHeaderLen = 8

func expiryOf(v []byte) (time.Time, bool) {
	if len(v) < cacheHeaderLen {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(v[:cacheHeaderLen]))), true
}

// PutCache stores value under name until now+ttl. On disk the key is HMAC(name) and the value
// is sealed, so neither reveals the looked-up person.
func (s *Store) PutCache(name string, value []byte, ttl time.Duration) error {
	if name == "" || ttl <= 0 {
		return errors.New("storage: put cache: need a name and a positive TTL")
	}
	key := s.keys.cacheKey(name)
	header := binary.BigEndian.AppendUint64(nil, uint64(s.now().Add(ttl).UnixNano()))
	v, err := s.seal(bucketCache, key, header, value)
	if err != nil {
		return fmt.Errorf("storage: put cache: %w", err)
	}
	err = s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketCache)
		if err != nil {
			return err
		}
		return b.Put(key, v)
	})
	return wrapIf(err, "storage: put cache")
}

// GetCache returns the value stored under name; an expired entry reads as missing and is
// deleted.
func (s *Store) GetCache(name string) ([]byte, bool, error) {
	if !s.secretOK {
		// The naming key is wrong too: every name would simply read as missing.
		return nil, false, fmt.Errorf("storage: get cache: %w", ErrWrongSecret)
	}
	key := s.keys.cacheKey(name)
	var v []byte
	err := s.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketCache)
		if err == nil {
			v = clone(b.Get(key))
		}
		return err
	})
	if err != nil || v == nil {
		return nil, false, wrapIf(err, "storage: get cache")
	}
	if exp, ok := expiryOf(v); ok && !s.now().Before(exp) {
		if _, err := s.deleteExpired(key); err != nil {
			return nil, false, fmt.Errorf("storage: get cache: %w", err)
		}
		return nil, false, nil
	}
	_, plain, err := s.unseal(bucketCache, key, cacheHeaderLen, v)
	if err != nil {
		return nil, false, fmt.Errorf("storage: get cache: %w", err)
	}
	if plain == nil {
		plain = []byte{}
	}
	return plain, true, nil
}

// DeleteCache removes the entry under name, if any.
func (s *Store) DeleteCache(name string) error {
	if !s.secretOK {
		return fmt.Errorf("storage: delete cache: %w", ErrWrongSecret)
	}
	key := s.keys.cacheKey(name)
	err := s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketCache)
		if err != nil {
			return err
		}
		return b.Delete(key)
	})
	return wrapIf(err, "storage: delete cache")
}

// WipeCache deletes every cache entry (at the end of a session) and returns how many there were.
// It needs no secret, so a kiosk with a wrong secret can still wipe.
func (s *Store) WipeCache() (int, error) {
	n := 0
	err := s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketCache)
		if err != nil {
			return err
		}
		n = b.Stats().KeyN
		if err := tx.DeleteBucket([]byte(bucketCache)); err != nil {
			return err
		}
		_, err = tx.CreateBucket([]byte(bucketCache))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("storage: wipe cache: %w", err)
	}
	return n, nil
}

// WipeExpiredCache deletes every expired entry and returns how many.
func (s *Store) WipeExpiredCache() (int, error) {
	n, err := s.deleteExpired(nil)
	if err != nil {
		return 0, fmt.Errorf("storage: wipe expired cache: %w", err)
	}
	return n, nil
}

// deleteExpired deletes the expired entry under only, or every expired entry when only is nil.
// It decides again inside the write transaction, so an entry renewed meanwhile survives.
func (s *Store) deleteExpired(only []byte) (int, error) {
	now := s.now()
	n := 0
	err := s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketCache)
		if err != nil {
			return err
		}
		var expired [][]byte
		check := func(k, v []byte) error {
			if exp, ok := expiryOf(v); !ok || !now.Before(exp) {
				expired = append(expired, clone(k))
			}
			return nil
		}
		if only != nil {
			if v := b.Get(only); v != nil {
				_ = check(only, v)
			}
		} else if err := b.ForEach(check); err != nil {
			return err
		}
		for _, k := range expired {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(expired)
		return nil
	})
	return n, err
}
