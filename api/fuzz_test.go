package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The ops body a kiosk sends: whatever decodes re-encodes to something that decodes the same.
func FuzzDecodeOps(f *testing.F) {
	f.Add([]byte(`{"ops":[{"op_id":"a","epoch":1,"seq":1,"type":"pay","at":"2026-11-21T10:00:00+08:00","pay":{"method":"qr","reference":"r","items":[{"violation_id":"v","fine_fen":100,"late_fee_fen":0}]}}]}`))
	f.Add([]byte(`{"ops":[{"op_id":"b","epoch":2,"seq":9,"type":"process","at":"2026-11-21T10:00:00Z","process":{"driver_id":"x","violation_ids":["v1","v2"],"driver_verified":true,"owner_verified":false,"seen_points":3}}]}`))
	f.Add([]byte(`{"ops":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var req OpsRequest
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if dec.Decode(&req) != nil {
			return
		}
		again, err := json.Marshal(req)
		if err != nil {
			t.Fatalf("a decoded request does not encode: %v", err)
		}
		var back OpsRequest
		if err := json.Unmarshal(again, &back); err != nil {
			t.Fatalf("re-encoded request does not decode: %v", err)
		}
		if b, _ := json.Marshal(back); !bytes.Equal(b, again) {
			t.Fatalf("encoding is not stable:\n%s\n%s", again, b)
		}
	})
}

// The signing headers: never panic; a request signed by Sign always verifies, and any change
// of the signed parts fails.
func FuzzCredentials(f *testing.F) {
	f.Add("k-1", "1763690400", "0123456789abcdef", "deadbeef", "POST", "/v1/ops?x=1", []byte(`{}`))
	f.Fuzz(func(t *testing.T, kiosk, ts, nonce, sig, method, path string, body []byte) {
		now := time.Unix(1763690400, 0)
		r, err := http.NewRequest(http.MethodPost, "http://h/v1/lookup", bytes.NewReader(body))
		if err != nil {
			return
		}
		r.Header.Set(HeaderKiosk, kiosk)
		r.Header.Set(HeaderTimestamp, ts)
		r.Header.Set(HeaderNonce, nonce)
		r.Header.Set(HeaderSignature, sig)
		if c, err := ReadCredentials(r, now); err == nil {
			_ = c.Verify(r, []byte("secret"), body)
		}
		if !validMethod(method) || !strings.HasPrefix(path, "/") {
			return
		}
		signed, err := http.NewRequest(method, "http://h"+path, bytes.NewReader(body))
		if err != nil {
			return
		}
		if err := Sign(signed, "k-1", []byte("secret"), body, now); err != nil {
			t.Fatal(err)
		}
		c, err := ReadCredentials(signed, now)
		if err != nil || c.Verify(signed, []byte("secret"), body) != nil {
			t.Fatalf("a signed request does not verify: %v", err)
		}
		if c.Verify(signed, []byte("secret"), append(body, 'x')) == nil {
			t.Fatal("a changed body verified")
		}
	})
}

func validMethod(m string) bool {
	switch m {
	case "GET", "POST", "PUT", "DELETE":
		return true
	}
	return false
}
