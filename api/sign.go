// Package api holds the contract between kiosks and the central server: the JSON types of the
// versioned HTTP API (/v1/...), their conversion to and from the model, and request signing.
// Both sides import it, so the contract is written once.
package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// Headers of a signed request.
const (
	HeaderKiosk     = "X-Kiosk-Id"
	HeaderTimestamp = "X-Kiosk-Timestamp"
	HeaderNonce     = "X-Kiosk-Nonce"
	HeaderSignature = "X-Kiosk-Signature"
)

// MaxClockSkew is how far a request's timestamp may be from the server's clock.
const MaxClockSkew = 5 * time.Minute

// StringToSign is what a kiosk signs: method, path with query, timestamp, nonce and the
// SHA-256 of the body, one per line. Binding the body's hash means a captured signature cannot
// be reused for other content.
func StringToSign(method, pathAndQuery, timestamp, nonce string, body []byte) string {
	sum := sha256.Sum256(body)
	return method + "\n" + pathAndQuery + "\n" + timestamp + "\n" + nonce + "\n" + hex.EncodeToString(sum[:])
}

// Signature computes the hex HMAC-SHA256 of the string to sign under the kiosk's secret.
func Signature(secret []byte, stringToSign string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(stringToSign))
	return hex.EncodeToString(m.Sum(nil))
}

// Sign sets the authentication headers on r for body, which must be the exact bytes sent.
func Sign(r *http.Request, kioskID string, secret, body []byte, now time.Time) error {
	var n [16]byte
	if _, err := rand.Read(n[:]); err != nil {
		return err
	}
	nonce := hex.EncodeToString(n[:])
	ts := strconv.FormatInt(now.Unix(), 10)
	r.Header.Set(HeaderKiosk, kioskID)
	r.Header.Set(HeaderTimestamp, ts)
	r.Header.Set(HeaderNonce, nonce)
	r.Header.Set(HeaderSignature, Signature(secret, StringToSign(r.Method, r.URL.RequestURI(), ts, nonce, body)))
	return nil
}

// Why a signed request was refused. The server logs these codes, never the request's content.
var (
	ErrUnsigned     = errors.New("unsigned request")
	ErrBadSignature = errors.New("bad signature")
	ErrStale        = errors.New("timestamp outside the allowed window")
	ErrReplayed     = errors.New("nonce already used")
	ErrUnknownKiosk = errors.New("unknown kiosk")
)

// Credentials are the signing headers of a request, parsed.
type Credentials struct {
	KioskID   string
	Timestamp time.Time
	Nonce     string
	Signature string
	rawTS     string
}

// ReadCredentials extracts the signing headers, checking their form and the timestamp window.
func ReadCredentials(r *http.Request, now time.Time) (Credentials, error) {
	c := Credentials{
		KioskID: r.Header.Get(HeaderKiosk), rawTS: r.Header.Get(HeaderTimestamp),
		Nonce: r.Header.Get(HeaderNonce), Signature: r.Header.Get(HeaderSignature),
	}
	if c.KioskID == "" || c.rawTS == "" || c.Nonce == "" || c.Signature == "" {
		return c, ErrUnsigned
	}
	if len(c.Nonce) < 16 || len(c.Nonce) > 64 || len(c.KioskID) > 64 {
		return c, ErrBadSignature
	}
	secs, err := strconv.ParseInt(c.rawTS, 10, 64)
	if err != nil {
		return c, ErrBadSignature
	}
	c.Timestamp = time.Unix(secs, 0)
	if d := now.Sub(c.Timestamp); d > MaxClockSkew || d < -MaxClockSkew {
		return c, ErrStale
	}
	return c, nil
}

// Verify checks the signature of a request whose body has been read into body.
func (c Credentials) Verify(r *http.Request, secret, body []byte) error {
	want := Signature(secret, StringToSign(r.Method, r.URL.RequestURI(), c.rawTS, c.Nonce, body))
	if !hmac.Equal([]byte(want), []byte(c.Signature)) {
		return ErrBadSignature
	}
	return nil
}

// StaleProof is the server's proof, on a refusal of a stale timestamp, that serverTime is its
// clock's reading: an HMAC under the kiosk's secret over the refused request's nonce and the
// time in Unix milliseconds. Only the server (and the kiosk) know the secret, and the nonce is
// the kiosk's fresh random value, so a proof can neither be forged nor replayed.
func StaleProof(secret []byte, nonce string, serverTime time.Time) string {
	return Signature(secret, "stale\n"+nonce+"\n"+strconv.FormatInt(serverTime.UnixMilli(), 10))
}

// VerifyStaleProof checks a stale refusal's proof for the nonce the kiosk sent.
func VerifyStaleProof(secret []byte, nonce string, serverTime time.Time, proof string) bool {
	want := StaleProof(secret, nonce, serverTime)
	return hmac.Equal([]byte(want), []byte(proof))
}
