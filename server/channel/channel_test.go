package channel

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2026, time.November, 21, 10, 3, 12, 0, time.UTC)

func mustKey(t testing.TB, alg string) *PrivateKey {
	t.Helper()
	k, err := GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustPublic(t testing.TB, keys ...*PrivateKey) *PublicKeys {
	t.Helper()
	var all []byte
	for _, k := range keys {
		p, err := k.PublicPEM()
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p...)
	}
	p, err := ParsePublicKeys(all, keys[0].Algorithm())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func noticeBody(amount int64) []byte {
	b, _ := json.Marshal(NoticeBody{NotifyID: "N1", EventType: EventPaid, MchID: "M1", OutTradeNo: "order-1",
		TransactionID: "4200001", TradeState: TradePaid, AmountFen: amount, Currency: Currency,
		SuccessTime: FormatTime(testNow)})
	return b
}

// Both algorithms sign and verify; anything else about the message fails verification.
func TestSignVerify(t *testing.T) {
	for _, alg := range []string{RSA2, SM2} {
		t.Run(alg, func(t *testing.T) {
			k := mustKey(t, alg)
			keys := mustPublic(t, k)
			body := noticeBody(20000)
			h := http.Header{}
			if err := SignMessage(h, k, body, testNow); err != nil {
				t.Fatal(err)
			}
			if h.Get(HeaderSignType) != strings.ToUpper(alg) {
				t.Errorf("sign type %q", h.Get(HeaderSignType))
			}
			s, err := VerifyMessage(keys, h, body, testNow.Add(MaxSkew))
			if err != nil || s.Nonce != h.Get(HeaderNonce) || !s.At.Equal(testNow) {
				t.Fatalf("verify: %+v %v", s, err)
			}
			other := mustKey(t, alg)
			otherAlg := mustKey(t, map[string]string{RSA2: SM2, SM2: RSA2}[alg])
			fails := map[string]func() error{
				"a changed byte": func() error {
					_, err := VerifyMessage(keys, h, noticeBody(20001), testNow)
					return err
				},
				"another key": func() error {
					h2 := http.Header{}
					_ = SignMessage(h2, other, body, testNow)
					_, err := VerifyMessage(keys, h2, body, testNow)
					return err
				},
				"the other algorithm": func() error {
					h2 := http.Header{}
					_ = SignMessage(h2, otherAlg, body, testNow)
					_, err := VerifyMessage(keys, h2, body, testNow)
					return err
				},
				"a request base": func() error {
					h2 := http.Header{}
					_ = SignRequest(h2, k, "M1", "POST", "/v1/orders", body, testNow)
					_, err := VerifyMessage(keys, h2, body, testNow)
					return err
				},
			}
			for name, f := range fails {
				if err := f(); !errors.Is(err, ErrSignature) {
					t.Errorf("%s: %v, want a signature error", name, err)
				}
			}
			if _, err := VerifyMessage(keys, h, body, testNow.Add(MaxSkew+time.Second)); !errors.Is(err, ErrStale) {
				t.Errorf("late: %v, want stale", err)
			}

			// A request verifies as a request, with its method and target.
			rh := http.Header{}
			if err := SignRequest(rh, k, "M1", "GET", "/gw/v1/orders/o1?mch_id=M1", nil, testNow); err != nil {
				t.Fatal(err)
			}
			if s, err := VerifyRequest(keys, rh, "GET", "/gw/v1/orders/o1?mch_id=M1", nil, testNow); err != nil || s.Merchant != "M1" {
				t.Errorf("request: %+v %v", s, err)
			}
			if _, err := VerifyRequest(keys, rh, "GET", "/gw/v1/orders/o2?mch_id=M1", nil, testNow); !errors.Is(err, ErrSignature) {
				t.Errorf("another target: %v", err)
			}
		})
	}
}

// A public key file may hold the old and the new key of a rotation: both verify.
func TestKeyRotation(t *testing.T) {
	old, cur := mustKey(t, SM2), mustKey(t, SM2)
	keys := mustPublic(t, old, cur)
	for _, k := range []*PrivateKey{old, cur} {
		h := http.Header{}
		_ = SignMessage(h, k, []byte("{}"), testNow)
		if _, err := VerifyMessage(keys, h, []byte("{}"), testNow); err != nil {
			t.Error(err)
		}
	}
}

// Key files: PEM round trips, the algorithm must match, our private key must be private.
func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	for _, alg := range []string{RSA2, SM2} {
		k := mustKey(t, alg)
		priv, err := k.PrivatePEM()
		if err != nil {
			t.Fatal(err)
		}
		pub, _ := k.PublicPEM()
		privFile, pubFile := filepath.Join(dir, alg+".key"), filepath.Join(dir, alg+".pub")
		if err := os.WriteFile(privFile, priv, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(pubFile, pub, 0o644); err != nil {
			t.Fatal(err)
		}
		k2, err := LoadPrivateKey(privFile, alg)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := LoadPublicKeys(pubFile, alg)
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		_ = SignMessage(h, k2, []byte("x"), testNow)
		if _, err := VerifyMessage(keys, h, []byte("x"), testNow); err != nil {
			t.Errorf("%s: a loaded key does not verify: %v", alg, err)
		}
		other := map[string]string{RSA2: SM2, SM2: RSA2}[alg]
		if _, err := LoadPrivateKey(privFile, other); err == nil {
			t.Errorf("%s private key accepted as %s", alg, other)
		}
		if _, err := LoadPublicKeys(pubFile, other); err == nil {
			t.Errorf("%s public key accepted as %s", alg, other)
		}
		if err := os.Chmod(privFile, 0o640); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadPrivateKey(privFile, alg); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("a group-readable private key: %v", err)
		}
	}
	if _, err := ParsePublicKeys([]byte("not a key"), RSA2); err == nil {
		t.Error("no PEM accepted")
	}
	if _, err := GenerateKey("md5"); err == nil {
		t.Error("an unknown algorithm accepted")
	}
}

// The configuration file: keys from files next to it, every problem named at once.
func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	ours, theirs := mustKey(t, SM2), mustKey(t, SM2)
	priv, _ := ours.PrivatePEM()
	pub, _ := theirs.PublicPEM()
	_ = os.WriteFile(filepath.Join(dir, "our.key"), priv, 0o600)
	_ = os.WriteFile(filepath.Join(dir, "bank.pub"), pub, 0o644)
	good := `{"order_channel": "bank", "channels": [
		{"name": "bank", "kind": "generic-http", "base_url": "https://pay.bank.example/gw", "merchant_id": "M1000001",
		 "algorithm": "sm2", "channel_public_key_file": "bank.pub", "private_key_file": "our.key",
		 "notify_url": "https://pay.hall.example/v1/channels/bank/notify"},
		{"name": "training", "kind": "simulated"}]}`
	set, err := Parse([]byte(good), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if set.OrderChannel != "bank" || len(set.Channels) != 2 || set.Channels[0].Kind() != KindGenericHTTP ||
		set.Channels[1].Kind() != KindSimulated || set.Channels[1].Name() != "training" {
		t.Errorf("set: %+v", set)
	}
	bad := `{"order_channel": "nope", "channels": [
		{"name": "bank", "kind": "generic-http", "base_url": "http://pay.bank.example/gw", "merchant_id": "M1000001",
		 "algorithm": "sm2", "channel_public_key_file": "bank.pub", "private_key_file": "our.key",
		 "notify_url": "https://pay.hall.example/v1/channels/bank/notify"},
		{"name": "b2", "kind": "generic-http", "base_url": "https://x.example", "merchant_id": "M1",
		 "algorithm": "rsa2", "channel_public_key_file": "bank.pub", "private_key_file": "our.key", "notify_url": "https://h/n"},
		{"name": "t", "kind": "simulated", "base_url": "https://x"},
		{"name": "bank", "kind": "simulated"},
		{"name": "x", "kind": "ftp"}]}`
	_, err = Parse([]byte(bad), dir, nil)
	for _, want := range []string{"channels[0] (bank): base_url must use https", "channels[1] (b2): channel_public_key_file",
		"channels[2] (t): a simulated channel has only", "channels[3] (bank): name given twice",
		`channels[4] (x): kind "ftp"`, `order_channel "nope"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("problems %v: want %q", err, want)
		}
	}
	if _, err := Parse([]byte(`{"channels": [], "extra": 1}`), dir, nil); err == nil {
		t.Error("an unknown key accepted")
	}
	// http is for a simulator on loopback only.
	local := strings.Replace(good, "https://pay.bank.example/gw", "http://127.0.0.1:8480", 1)
	if _, err := Parse([]byte(local), dir, nil); err != nil {
		t.Errorf("loopback http: %v", err)
	}
}

// FuzzVerifyNotice feeds the notice parser any headers and body: it never panics, and whatever
// it accepts is a well-formed notice signed by the channel's key.
func FuzzVerifyNotice(f *testing.F) {
	k := mustKey(f, RSA2)
	keys := mustPublic(f, k)
	ch, err := NewHTTP(HTTPConfig{Name: "bank", BaseURL: "https://bank.example", MerchantID: "M1",
		NotifyURL: "https://hall.example/n", Key: k, ChannelKeys: keys})
	if err != nil {
		f.Fatal(err)
	}
	good := noticeBody(20000)
	h := http.Header{}
	_ = SignMessage(h, k, good, testNow)
	f.Add(good, h.Get(HeaderTimestamp), h.Get(HeaderNonce), h.Get(HeaderSignType), h.Get(HeaderSignature))
	f.Add([]byte(`{"amount_fen":1e9}`), "1795226592", "AAAAAAAAAAAAAAAA", "SM2", "AAAA")
	f.Add([]byte(`{}`), "-1", "", "RSA2", "%%%")
	f.Fuzz(func(t *testing.T, body []byte, ts, nonce, st, sig string) {
		h := http.Header{}
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderNonce, nonce)
		h.Set(HeaderSignType, st)
		h.Set(HeaderSignature, sig)
		n, err := ch.VerifyNotice(h, body, testNow)
		if err != nil {
			if !errors.Is(err, ErrSignature) && !errors.Is(err, ErrStale) && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrNotOurs) {
				t.Fatalf("an error of no kind: %v", err)
			}
			return
		}
		if !bytes.Equal(body, good) {
			// Only the seeded signature is the channel's: no other body can verify.
			t.Fatalf("an altered body verified: %q", body)
		}
		if !ValidID(n.TransactionID, 64) || !ValidID(n.OrderID, 64) || n.AmountFen < 1 || n.AmountFen > MaxAmountFen ||
			n.PaidAt.IsZero() || n.Channel != "bank" {
			t.Fatalf("accepted a malformed notice: %+v", n)
		}
		// The body parser alone agrees.
		if _, _, err := ParseNoticeBody(body, "M1"); err != nil {
			t.Fatalf("VerifyNotice accepted what ParseNoticeBody refuses: %v", err)
		}
	})
}

// BenchmarkVerifyMessage is the signature's share of a notice.
//
//	go test ./server/channel -run '^$' -bench VerifyMessage
func BenchmarkVerifyMessage(b *testing.B) {
	for _, alg := range []string{RSA2, SM2} {
		b.Run(alg, func(b *testing.B) {
			k := mustKey(b, alg)
			keys := mustPublic(b, k)
			body := noticeBody(20000)
			h := http.Header{}
			if err := SignMessage(h, k, body, testNow); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := VerifyMessage(keys, h, body, testNow); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
