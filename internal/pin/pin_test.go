package pin

import (
	"errors"
	"strings"
	"testing"
)

// cheap keeps the tests fast; Check reads the parameters from the hash, so it works the same.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashAndCheck(t *testing.T) {
	h, err := HashWith("246810", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("not PHC: %s", h)
	}
	for _, tt := range []struct {
		pin  string
		want bool
	}{{"246810", true}, {"246811", false}, {"24681", false}, {"2468100", false}, {"", false}} {
		ok, err := Check(h, tt.pin)
		if err != nil || ok != tt.want {
			t.Errorf("Check(%q) = %v, %v; want %v", tt.pin, ok, err, tt.want)
		}
	}
	again, _ := HashWith("246810", cheap)
	if again == h {
		t.Fatal("two hashes of one PIN are equal: the salt is not random")
	}
}

// The default parameters make a hash that checks, and say what they are in the string.
func TestDefaultHash(t *testing.T) {
	h, err := Hash("000000")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=4$") {
		t.Fatalf("default hash %s", h)
	}
	if ok, err := Check(h, "000000"); !ok || err != nil {
		t.Fatalf("default hash does not check: %v %v", ok, err)
	}
}

// A hash written by another tool (the reference argon2 CLI: echo -n password | argon2 somesalt
// -id -t 2 -m 16 -p 4 -l 32 -e) checks here.
func TestCheckKnownVector(t *testing.T) {
	const h = "$argon2id$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$GpZ3sK/oH9p7VIiV56G/64Zo/8GaUw434IimaPqxwCo"
	ok, err := Check(h, "password")
	if err != nil || !ok {
		t.Fatalf("known vector: %v %v", ok, err)
	}
	if ok, _ := Check(h, "Password"); ok {
		t.Fatal("wrong password accepted")
	}
}

func TestParseNamesWhatIsWrong(t *testing.T) {
	good, _ := HashWith("1234", cheap)
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	tests := []struct{ name, hash, want string }{
		{"empty", "", "want 5 fields"},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234", "want 5 fields"},
		{"argon2i", "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key, `algorithm "argon2i"`},
		{"old version", "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key, "want v=19"},
		{"params order", "$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key, "want m=<number>"},
		{"params missing", "$argon2id$v=19$m=64,t=1$" + salt + "$" + key, "want m=...,t=...,p=..."},
		{"signed", "$argon2id$v=19$m=+64,t=1,p=1$" + salt + "$" + key, "not a decimal number"},
		{"leading zero", "$argon2id$v=19$m=064,t=1,p=1$" + salt + "$" + key, "not a decimal number"},
		{"huge memory", "$argon2id$v=19$m=4194304,t=1,p=1$" + salt + "$" + key, "m=4194304 KiB"},
		{"overflow", "$argon2id$v=19$m=99999999999,t=1,p=1$" + salt + "$" + key, "out of range"},
		{"zero time", "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key, "t=0"},
		{"zero lanes", "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key, "p must be at least 1"},
		{"too many lanes", "$argon2id$v=19$m=64,t=1,p=256$" + salt + "$" + key, "at most 255"},
		{"padded salt", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key, "must not be padded"},
		{"url alphabet", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + strings.NewReplacer("+", "-", "/", "_").Replace(key) + "-_", "hash: not unpadded"},
		{"short salt", "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + key, "salt of 4 bytes"},
		{"short hash", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$c2FsdA", "hash of 4 bytes"},
		{"trailing field", good + "$x", "want 5 fields"},
		{"spaces", " " + good, "want 5 fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.hash)
			if err == nil || !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse(%q) = %v, want ErrFormat with %q", tt.hash, err, tt.want)
			}
			if _, err := Check(tt.hash, "1234"); err == nil {
				t.Fatal("Check accepted an unusable hash")
			}
		})
	}
}

func TestValid(t *testing.T) {
	for _, ok := range []string{"0000", "000000", "123456789012"} {
		if err := Valid(ok); err != nil {
			t.Errorf("Valid(%q): %v", ok, err)
		}
	}
	for in, want := range map[string]string{"": "4 to 12 digits", "123": "this one has 3", "1234567890123": "this one has 13",
		"12a4": "digits only", "１２３４": "digits only", "1234\n": "digits only"} {
		if err := Valid(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Valid(%q) = %v, want %q", in, err, want)
		}
	}
}

// Whatever Parse accepts it writes back exactly (one hash, one spelling), within the limits
// that keep Check affordable.
func FuzzParse(f *testing.F) {
	good, _ := HashWith("1234", cheap)
	f.Add(good)
	f.Add("$argon2id$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$GpZ3sK/oH9p7VIiV56G/64Zo/8GaUw434IimaPqxwCo")
	f.Add("$argon2id$v=19$m=64,t=1,p=1$$")
	f.Add("$argon2i$v=19$m=,t=1,p=1$c29tZXNhbHQ=$x")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error without ErrFormat: %v", err)
			}
			return
		}
		if h.String() != s {
			t.Fatalf("round trip: %q -> %q", s, h.String())
		}
		if h.Params.check() != nil || h.Params.Memory > maxMemory || h.Params.Time > maxTime {
			t.Fatalf("accepted parameters out of bounds: %+v", h.Params)
		}
	})
}
