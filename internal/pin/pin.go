// Package pin hashes and checks the staff maintenance PIN. Only an argon2id hash of the PIN is
// ever configured or stored, in the PHC string format
//
//	$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>
//
// (salt and hash in standard base64 without padding), so that the configuration file does not
// give the PIN away and a hash made by another argon2id tool can be used as it is.
package pin

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters and output sizes.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// Default is RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes): about a tenth of
// a second on a kiosk's CPU, and 64 MiB per guess for anyone who copies the configuration.
func Default() Params {
	return Params{Memory: 64 * 1024, Time: 3, Threads: 4, SaltLen: 16, KeyLen: 32}
}

// Limits on what Parse accepts: a hash from a configuration file decides how much memory and
// time Check spends, so an absurd one must be refused, not run.
const (
	maxMemory  = 1 << 20 // KiB: 1 GiB
	maxTime    = 64
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 64
)

// ErrFormat is wrapped by every error of Parse: the string is not an argon2id PHC hash this
// package accepts. The wrapping error says which part is wrong.
var ErrFormat = errors.New("not an argon2id PHC hash ($argon2id$v=19$m=...,t=...,p=...$salt$hash)")

// Hashed is a parsed PHC hash.
type Hashed struct {
	Params Params
	Salt   []byte
	Key    []byte
}

// Hash returns the PHC string of pin with the default parameters and a random salt.
func Hash(pin string) (string, error) { return HashWith(pin, Default()) }

// HashWith is Hash with other parameters (tests use cheap ones).
func HashWith(pin string, p Params) (string, error) {
	if err := p.check(); err != nil {
		return "", fmt.Errorf("pin: %w", err)
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("pin: salt: %w", err)
	}
	h := Hashed{Params: p, Salt: salt, Key: argon2.IDKey([]byte(pin), salt, p.Time, p.Memory, p.Threads, p.KeyLen)}
	return h.String(), nil
}

// Check reports whether pin matches the PHC hash. The comparison takes the same time wherever
// the two keys differ. An error means the hash itself is unusable (see Parse), not a mismatch.
func Check(hash, pin string) (bool, error) {
	h, err := Parse(hash)
	if err != nil {
		return false, err
	}
	p := h.Params
	got := argon2.IDKey([]byte(pin), h.Salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, h.Key) == 1, nil
}

// String encodes h in the PHC format.
func (h Hashed) String() string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.Params.Memory, h.Params.Time, h.Params.Threads, b64.EncodeToString(h.Salt), b64.EncodeToString(h.Key))
}

// Parse reads a PHC argon2id hash. Errors wrap ErrFormat and name the part that is wrong.
func Parse(s string) (Hashed, error) {
	bad := func(format string, a ...any) (Hashed, error) {
		return Hashed{}, fmt.Errorf("pin: %w: %s", ErrFormat, fmt.Sprintf(format, a...))
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return bad("want 5 fields separated by $, found %d", max(len(parts)-1, 0))
	}
	if parts[1] != "argon2id" {
		return bad("algorithm %q, want argon2id", clip(parts[1]))
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("version field %q, want v=%d", clip(parts[2]), argon2.Version)
	}
	var h Hashed
	if err := h.Params.parse(parts[3]); err != nil {
		return bad("parameters: %v", err)
	}
	var err error
	if h.Salt, err = decode(parts[4]); err != nil {
		return bad("salt: %v", err)
	}
	if h.Key, err = decode(parts[5]); err != nil {
		return bad("hash: %v", err)
	}
	h.Params.SaltLen, h.Params.KeyLen = uint32(len(h.Salt)), uint32(len(h.Key))
	if err := h.Params.check(); err != nil {
		return bad("%v", err)
	}
	return h, nil
}

// parse reads "m=65536,t=3,p=4": exactly these three, in this order, as PHC writes them.
func (p *Params) parse(s string) error {
	fields := strings.Split(s, ",")
	if len(fields) != 3 {
		return fmt.Errorf("%q: want m=...,t=...,p=...", clip(s))
	}
	vals := [3]uint64{}
	for i, name := range []string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(fields[i], name+"=")
		if !ok {
			return fmt.Errorf("field %d is %q, want %s=<number>", i+1, clip(fields[i]), name)
		}
		// Digits only: ParseUint would take "+1" and PHC has no signs or leading zeros.
		if v == "" || strings.Trim(v, "0123456789") != "" || (len(v) > 1 && v[0] == '0') {
			return fmt.Errorf("%s=%q is not a decimal number", name, clip(v))
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return fmt.Errorf("%s=%s is out of range", name, clip(v))
		}
		vals[i] = n
	}
	if vals[2] > 255 {
		return fmt.Errorf("p=%d: at most 255 lanes", vals[2])
	}
	p.Memory, p.Time, p.Threads = uint32(vals[0]), uint32(vals[1]), uint8(vals[2])
	return nil
}

// check holds parameters to what is sane to compute on a kiosk.
func (p Params) check() error {
	switch {
	case p.Threads < 1:
		return errors.New("p must be at least 1")
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("t=%d: want 1 to %d", p.Time, maxTime)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("m=%d KiB: want %d (8 per lane) to %d", p.Memory, 8*uint32(p.Threads), maxMemory)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt of %d bytes: want %d to %d", p.SaltLen, minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("hash of %d bytes: want %d to %d", p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}

// decode reads unpadded standard base64, the PHC encoding; padding or other alphabets are
// refused rather than guessed at, so that one hash has one spelling.
func decode(s string) ([]byte, error) {
	if strings.ContainsRune(s, '=') {
		return nil, errors.New("base64 must not be padded (PHC format)")
	}
	// Go's decoder skips \r and \n even in strict mode; a hash with line breaks inside is not
	// one spelling of the hash, so refuse anything outside the alphabet.
	if strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '/')
	}) >= 0 {
		return nil, errors.New("not unpadded standard base64")
	}
	b, err := base64.RawStdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, errors.New("not unpadded standard base64")
	}
	return b, nil
}

// clip shortens a quoted piece of a bad hash: an error message should not carry a whole file.
func clip(s string) string {
	if len(s) > 24 {
		return s[:24] + "..."
	}
	return s
}

// Valid reports whether pin is an acceptable maintenance PIN: 4 to 12 digits.
func Valid(pin string) error {
	if strings.Trim(pin, "0123456789") != "" {
		return fmt.Errorf("a PIN has digits only (%d to %d of them)", MinLen, MaxLen)
	}
	if len(pin) < MinLen || len(pin) > MaxLen {
		return fmt.Errorf("a PIN has %d to %d digits, this one has %d", MinLen, MaxLen, len(pin))
	}
	return nil
}

// Length bounds of a PIN.
const (
	MinLen = 4
	MaxLen = 12
)
