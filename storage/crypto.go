package storage

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

const (
	// minSecretLen refuses secrets too short to be a key; enrolment issues 32 random bytes.
	minSecretLen = 16
	// sealVersion prefixes every sealed value so that a later key or format can coexist.
	sealVersion byte = 1
	// HKDF info strings separate the two keys from each other and from other uses of the
	// same kiosk secret (request signing).
	infoSealKey = "hallkiosk storage v1: value sealing key (AES-256-GCM)"
	infoNameKey = "hallkiosk storage v1: cache naming key (HMAC-SHA256)"
	// keyCheckPlain is sealed into meta at creation; opening it proves the secret is right.
	keyCheckPlain = "hallkiosk storage key check v1"
)

// keys holds the two keys derived from the kiosk secret.
type keys struct {
	aead cipher.AEAD // random 12-byte nonce prepended by Seal
	name []byte      // HMAC-SHA256 key for cache names
}

func deriveKeys(secret []byte) (keys, error) {
	if len(secret) < minSecretLen {
		return keys{}, fmt.Errorf("storage: kiosk secret has %d bytes, need at least %d",
			len(secret), minSecretLen)
	}
	sealKey, err := hkdf.Key(sha256.New, secret, nil, infoSealKey, 32)
	if err != nil {
		return keys{}, fmt.Errorf("storage: derive sealing key: %w", err)
	}
	nameKey, err := hkdf.Key(sha256.New, secret, nil, infoNameKey, 32)
	if err != nil {
		return keys{}, fmt.Errorf("storage: derive naming key: %w", err)
	}
	block, err := aes.NewCipher(sealKey)
	if err != nil {
		return keys{}, fmt.Errorf("storage: AES key: %w", err)
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return keys{}, fmt.Errorf("storage: GCM: %w", err)
	}
	return keys{aead: aead, name: nameKey}, nil
}

// cacheKey names a cache entry on disk: the name itself (an ID number, say) never is.
func (k keys) cacheKey(name string) []byte {
	m := hmac.New(sha256.New, k.name)
	m.Write([]byte(name))
	return m.Sum(nil)
}

// aad binds a sealed value to its bucket, its key and its plain header, so that a value copied
// to another key, or a header edited on disk, fails authentication.
func aad(bucketName string, key, header []byte) []byte {
	a := make([]byte, 0, len(bucketName)+len(key)+len(header)+12)
	a = append(a, bucketName...)
	a = append(a, 0) // bucket names hold no NUL
	a = binary.AppendUvarint(a, uint64(len(key)))
	a = append(a, key...)
	return append(a, header...)
}

// seal returns header || version || nonce || ciphertext+tag.
func (k keys) seal(bucketName string, key, header, plain []byte) []byte {
	out := make([]byte, 0, len(header)+1+k.aead.Overhead()+len(plain))
	out = append(out, header...)
	out = append(out, sealVersion)
	return k.aead.Seal(out, nil, plain, aad(bucketName, key, header))
}

// open reverses seal for a value whose plain header has headerLen bytes.
func (k keys) open(bucketName string, key []byte, headerLen int, value []byte) (header, plain []byte, err error) {
	if len(value) < headerLen+1 {
		return nil, nil, fmt.Errorf("%s value is %d bytes, too short: %w", bucketName, len(value), ErrDecrypt)
	}
	header = value[:headerLen]
	if v := value[headerLen]; v != sealVersion {
		return nil, nil, fmt.Errorf("%s value has seal version %d: %w", bucketName, v, ErrDecrypt)
	}
	plain, err = k.aead.Open(nil, nil, value[headerLen+1:], aad(bucketName, key, header))
	if err != nil {
		return nil, nil, fmt.Errorf("%s value: %w", bucketName, ErrDecrypt)
	}
	return header, plain, nil
}

// seal and unseal on the Store refuse to work with a secret that failed the key check, so that
// values sealed under two keys never mix in one file and reads say why they fail.
func (s *Store) seal(bucketName string, key, header, plain []byte) ([]byte, error) {
	if !s.secretOK {
		return nil, ErrWrongSecret
	}
	return s.keys.seal(bucketName, key, header, plain), nil
}

func (s *Store) unseal(bucketName string, key []byte, headerLen int, value []byte) ([]byte, []byte, error) {
	if !s.secretOK {
		return nil, nil, ErrWrongSecret
	}
	return s.keys.open(bucketName, key, headerLen, value)
}

// checkKey tells whether the sealed key check in meta opens with these keys.
func (k keys) checkKey(sealed []byte) bool {
	_, plain, err := k.open(bucketMeta, []byte(metaKeyCheck), 0, sealed)
	return err == nil && string(plain) == keyCheckPlain
}
