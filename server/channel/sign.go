package channel

// Signatures of the generic HTTP channel (docs/payment-channel.md, "Signatures"): RSA2 is
// RSASSA-PKCS1-v1_5 with SHA-256, SM2 is GB/T 32918.2 with SM3 and the default user id. Keys are
// PEM: PKCS#8 private keys, SubjectPublicKeyInfo public keys, several public keys in one file
// during a rotation.

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
)

// Algorithms, as the configuration names them.
const (
	RSA2 = "rsa2"
	SM2  = "sm2"
)

// Header names of a signed message.
const (
	HeaderMerchant  = "X-Pay-Merchant"
	HeaderTimestamp = "X-Pay-Timestamp"
	HeaderNonce     = "X-Pay-Nonce"
	HeaderSignType  = "X-Pay-Sign-Type"
	HeaderSignature = "X-Pay-Signature"
)

// sm2UID is the user id of Z_A, GM/T 0009's default: every Chinese SM2 implementation uses it
// unless told otherwise.
var sm2UID = []byte("1234567812345678")

// minRSABits is the smallest RSA key accepted: RSA2 channels issue 2048-bit keys.
const minRSABits = 2048

// signType is the header value of an algorithm.
func signType(alg string) string {
	switch alg {
	case RSA2:
		return "RSA2"
	case SM2:
		return "SM2"
	}
	return ""
}

// checkAlgorithm refuses an algorithm the protocol does not know.
func checkAlgorithm(alg string) error {
	if signType(alg) == "" {
		return fmt.Errorf("algorithm %q: use rsa2 or sm2", alg)
	}
	return nil
}

// PrivateKey signs messages with one algorithm.
type PrivateKey struct {
	alg string
	rsa *rsa.PrivateKey
	sm2 *sm2.PrivateKey
}

// Algorithm is RSA2 or SM2.
func (k *PrivateKey) Algorithm() string { return k.alg }

// GenerateKey makes a new key pair: 2048-bit RSA for rsa2, an SM2 key for sm2.
func GenerateKey(alg string) (*PrivateKey, error) {
	switch alg {
	case RSA2:
		k, err := rsa.GenerateKey(rand.Reader, minRSABits)
		if err != nil {
			return nil, err
		}
		return &PrivateKey{alg: alg, rsa: k}, nil
	case SM2:
		k, err := sm2.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		return &PrivateKey{alg: alg, sm2: k}, nil
	}
	return nil, checkAlgorithm(alg)
}

// Sign signs msg (a signature base string).
func (k *PrivateKey) Sign(msg []byte) ([]byte, error) {
	if k.rsa != nil {
		sum := sha256.Sum256(msg)
		return rsa.SignPKCS1v15(rand.Reader, k.rsa, crypto.SHA256, sum[:])
	}
	return k.sm2.SignWithSM2(rand.Reader, sm2UID, msg)
}

// PrivatePEM is the key as a PKCS#8 PEM block, for a file only its owner may read.
func (k *PrivateKey) PrivatePEM() ([]byte, error) {
	var key any = k.rsa
	if k.sm2 != nil {
		key = k.sm2
	}
	der, err := smx509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// PublicPEM is the public half as a SubjectPublicKeyInfo PEM block.
func (k *PrivateKey) PublicPEM() ([]byte, error) {
	var pub any
	if k.rsa != nil {
		pub = &k.rsa.PublicKey
	} else {
		pub = &k.sm2.PublicKey
	}
	der, err := smx509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ParsePrivateKey reads a PKCS#8 PEM private key of the algorithm (an RSA key also as PKCS#1).
func ParsePrivateKey(data []byte, alg string) (*PrivateKey, error) {
	if err := checkAlgorithm(alg); err != nil {
		return nil, err
	}
	b, _ := pem.Decode(data)
	if b == nil {
		return nil, errors.New("no PEM block: want -----BEGIN PRIVATE KEY-----")
	}
	var key any
	var err error
	switch b.Type {
	case "PRIVATE KEY":
		key, err = smx509.ParsePKCS8PrivateKey(b.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
	default:
		return nil, fmt.Errorf("PEM block %q: want PRIVATE KEY (PKCS#8)", b.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if alg != RSA2 {
			return nil, fmt.Errorf("an RSA key, but the algorithm is %s", alg)
		}
		if k.N.BitLen() < minRSABits {
			return nil, fmt.Errorf("RSA key of %d bits: use at least %d", k.N.BitLen(), minRSABits)
		}
		return &PrivateKey{alg: alg, rsa: k}, nil
	case *sm2.PrivateKey:
		if alg != SM2 {
			return nil, fmt.Errorf("an SM2 key, but the algorithm is %s", alg)
		}
		return &PrivateKey{alg: alg, sm2: k}, nil
	}
	return nil, fmt.Errorf("a %T key: want RSA or SM2", key)
}

// LoadPrivateKey reads a private key file, which only its owner may read.
func LoadPrivateKey(path, alg string) (*PrivateKey, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s may be read by others (mode %v): chmod 600 it", path, st.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParsePrivateKey(data, alg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// PublicKeys verifies signatures of one algorithm by any of its keys (more than one during a
// key rotation).
type PublicKeys struct {
	alg string
	rsa []*rsa.PublicKey
	sm2 []*ecdsa.PublicKey
}

// ParsePublicKeys reads one or more PUBLIC KEY PEM blocks, all of the algorithm.
func ParsePublicKeys(data []byte, alg string) (*PublicKeys, error) {
	if err := checkAlgorithm(alg); err != nil {
		return nil, err
	}
	p := &PublicKeys{alg: alg}
	for n := 1; ; n++ {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("PEM block %d is %q: want PUBLIC KEY", n, b.Type)
		}
		key, err := smx509.ParsePKIXPublicKey(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("public key %d: %w", n, err)
		}
		switch k := key.(type) {
		case *rsa.PublicKey:
			if alg != RSA2 {
				return nil, fmt.Errorf("public key %d is RSA, but the algorithm is %s", n, alg)
			}
			if k.N.BitLen() < minRSABits {
				return nil, fmt.Errorf("public key %d: RSA of %d bits, want at least %d", n, k.N.BitLen(), minRSABits)
			}
			p.rsa = append(p.rsa, k)
		case *ecdsa.PublicKey:
			if alg != SM2 || !sm2.IsSM2PublicKey(k) {
				return nil, fmt.Errorf("public key %d is an elliptic-curve key but not SM2 under algorithm %s", n, alg)
			}
			p.sm2 = append(p.sm2, k)
		default:
			return nil, fmt.Errorf("public key %d: a %T key, want RSA or SM2", n, key)
		}
	}
	if len(p.rsa)+len(p.sm2) == 0 {
		return nil, errors.New("no PEM block: want -----BEGIN PUBLIC KEY-----")
	}
	return p, nil
}

// LoadPublicKeys reads a public key file.
func LoadPublicKeys(path, alg string) (*PublicKeys, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, err := ParsePublicKeys(data, alg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// Verify checks sig over msg, which must be signed with the keys' algorithm (named as in the
// X-Pay-Sign-Type header).
func (p *PublicKeys) Verify(headerSignType string, msg, sig []byte) error {
	if headerSignType != signType(p.alg) {
		return fmt.Errorf("%w: sign type %q, want %s", ErrSignature, clip(headerSignType), signType(p.alg))
	}
	for _, k := range p.rsa {
		sum := sha256.Sum256(msg)
		if rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], sig) == nil {
			return nil
		}
	}
	for _, k := range p.sm2 {
		if sm2.VerifyASN1WithSM2(k, sm2UID, msg, sig) {
			return nil
		}
	}
	return fmt.Errorf("%w: the signature does not verify with the configured key", ErrSignature)
}

// MessageBase is the signature base string of a channel's message (answer, notification,
// statement): TIMESTAMP\nNONCE\nBODY\n.
func MessageBase(timestamp, nonce string, body []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(timestamp) + len(nonce) + len(body) + 3)
	b.WriteString(timestamp)
	b.WriteByte('\n')
	b.WriteString(nonce)
	b.WriteByte('\n')
	b.Write(body)
	b.WriteByte('\n')
	return b.Bytes()
}

// RequestBase is the signature base string of a merchant's request:
// METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n, TARGET being the path and query as sent.
func RequestBase(method, target, timestamp, nonce string, body []byte) []byte {
	return append([]byte(method+"\n"+target+"\n"), MessageBase(timestamp, nonce, body)...)
}

// newNonce draws a nonce: 26 characters of base32's alphabet.
func newNonce() string { return rand.Text() }

// SignMessage sets the signature headers of a channel's message with body at now.
func SignMessage(h http.Header, k *PrivateKey, body []byte, now time.Time) error {
	ts, nonce := strconv.FormatInt(now.Unix(), 10), newNonce()
	return setSignature(h, k, ts, nonce, MessageBase(ts, nonce, body))
}

// SignRequest sets the headers of a merchant's request.
func SignRequest(h http.Header, k *PrivateKey, merchant, method, target string, body []byte, now time.Time) error {
	ts, nonce := strconv.FormatInt(now.Unix(), 10), newNonce()
	h.Set(HeaderMerchant, merchant)
	return setSignature(h, k, ts, nonce, RequestBase(method, target, ts, nonce, body))
}

func setSignature(h http.Header, k *PrivateKey, ts, nonce string, base []byte) error {
	sig, err := k.Sign(base)
	if err != nil {
		return err
	}
	h.Set(HeaderTimestamp, ts)
	h.Set(HeaderNonce, nonce)
	h.Set(HeaderSignType, signType(k.alg))
	h.Set(HeaderSignature, base64.StdEncoding.EncodeToString(sig))
	return nil
}

// Signed is what a verified message's headers said.
type Signed struct {
	At       time.Time
	Nonce    string
	Merchant string // X-Pay-Merchant (requests only)
}

// VerifyMessage checks the signature headers of a channel's message over body, and that its
// timestamp is within MaxSkew of now.
func VerifyMessage(keys *PublicKeys, h http.Header, body []byte, now time.Time) (Signed, error) {
	return verify(keys, h, now, func(ts, nonce string) []byte { return MessageBase(ts, nonce, body) })
}

// VerifyRequest checks a merchant's request likewise.
func VerifyRequest(keys *PublicKeys, h http.Header, method, target string, body []byte, now time.Time) (Signed, error) {
	s, err := verify(keys, h, now, func(ts, nonce string) []byte { return RequestBase(method, target, ts, nonce, body) })
	s.Merchant = h.Get(HeaderMerchant)
	return s, err
}

func verify(keys *PublicKeys, h http.Header, now time.Time, base func(ts, nonce string) []byte) (Signed, error) {
	ts, nonce, st, sig64 := h.Get(HeaderTimestamp), h.Get(HeaderNonce), h.Get(HeaderSignType), h.Get(HeaderSignature)
	if ts == "" || nonce == "" || st == "" || sig64 == "" {
		return Signed{}, fmt.Errorf("%w: the %s, %s, %s and %s headers are required", ErrSignature,
			HeaderTimestamp, HeaderNonce, HeaderSignType, HeaderSignature)
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(ts) > 12 || secs <= 0 {
		return Signed{}, fmt.Errorf("%w: %s must be Unix seconds", ErrSignature, HeaderTimestamp)
	}
	if !validNonce(nonce) {
		return Signed{}, fmt.Errorf("%w: %s must be 16 to 64 letters or digits", ErrSignature, HeaderNonce)
	}
	sig, err := base64.StdEncoding.DecodeString(sig64)
	if err != nil || len(sig) == 0 || len(sig) > 1024 {
		return Signed{}, fmt.Errorf("%w: %s must be standard base64", ErrSignature, HeaderSignature)
	}
	if err := keys.Verify(st, base(ts, nonce), sig); err != nil {
		return Signed{}, err
	}
	// Judged after the signature, so that only the channel learns that its clock is off.
	at := time.Unix(secs, 0)
	if d := now.Sub(at); d > MaxSkew || d < -MaxSkew {
		return Signed{}, fmt.Errorf("%w: signed at %s, more than %v from our clock", ErrStale,
			at.UTC().Format(time.RFC3339), MaxSkew)
	}
	return Signed{At: at, Nonce: nonce}, nil
}

func validNonce(s string) bool {
	if len(s) < 16 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// clip shortens a value from a message for an error text.
func clip(s string) string {
	if len(s) > 16 {
		return s[:16] + "..."
	}
	return s
}
