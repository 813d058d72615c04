package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Client calls the server's API as one enrolled kiosk, signing every request.
type Client struct {
	base    string
	kioskID string
	secret  []byte
	http    *http.Client
	now     func() time.Time
}

// NewClient builds a client for the server at base (e.g. "https://server:8470").
func NewClient(base, kioskID string, secret []byte, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	return &Client{base: base, kioskID: kioskID, secret: secret, http: hc, now: time.Now}
}

// NewClientWithClock is NewClient with the clock that timestamps requests (tests, simulations).
func NewClientWithClock(base, kioskID string, secret []byte, hc *http.Client, now func() time.Time) *Client {
	c := NewClient(base, kioskID, secret, hc)
	c.now = now
	return c
}

// StatusError is a non-2xx answer.
type StatusError struct {
	Status int
	Body   Error
	// RetryAfter is the server's Retry-After header in seconds (a refused identification, a
	// server that cannot write now), or 0.
	RetryAfter time.Duration
	// Nonce is the nonce the refused request was signed with: what a stale refusal's proof
	// covers (see VerifyStaleProof).
	Nonce string
	// Sent is the timestamp the refused request was signed with.
	Sent time.Time
}

// StaleClock returns the server's clock reading from a refusal of a stale timestamp, when the
// refusal proves it with this kiosk's secret; ok is false for every other error.
func (c *Client) StaleClock(err error) (serverTime time.Time, ok bool) {
	var se *StatusError
	if !errors.As(err, &se) || se.Status != http.StatusUnauthorized || se.Body.Code != CodeStaleTimestamp ||
		se.Body.ServerTime == nil || !VerifyStaleProof(c.secret, se.Nonce, *se.Body.ServerTime, se.Body.Proof) {
		return time.Time{}, false
	}
	return *se.Body.ServerTime, true
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("server answered %d %s: %s", e.Status, e.Body.Code, e.Body.Message)
}

// Lookup identifies a driver and returns what the kiosk shows them.
func (c *Client) Lookup(ctx context.Context, id Identify) (Lookup, error) {
	var out Lookup
	err := c.do(ctx, http.MethodPost, "/v1/lookup", id, &out)
	out.Clean()
	return out, err
}

// Verify checks an owner's ID number and file number.
func (c *Client) Verify(ctx context.Context, id Identify) (Verified, error) {
	var out Verified
	return out, c.do(ctx, http.MethodPost, "/v1/verify", id, &out)
}

// LinkCheck asks whether a driver could bind or follow a vehicle, before its owner verifies.
func (c *Client) LinkCheck(ctx context.Context, req LinkCheck) (LinkChecked, error) {
	var out LinkChecked
	return out, c.do(ctx, http.MethodPost, "/v1/linkcheck", req, &out)
}

// Ops sends a batch of operations.
func (c *Client) Ops(ctx context.Context, ops []Op) (OpsResponse, error) {
	var out OpsResponse
	err := c.do(ctx, http.MethodPost, "/v1/ops", OpsRequest{Ops: ops}, &out)
	for i := range out.Results {
		out.Results[i].Clean()
	}
	return out, err
}

// AckRejections marks rejections of the identified person as read.
func (c *Client) AckRejections(ctx context.Context, ack RejectionAck) (RejectionAckReply, error) {
	var out RejectionAckReply
	return out, c.do(ctx, http.MethodPost, "/v1/rejections/ack", ack, &out)
}

// Changes pulls reference-data changes since a cursor ("" for everything).
func (c *Client) Changes(ctx context.Context, since string) (Changes, error) {
	var out Changes
	return out, c.do(ctx, http.MethodGet, "/v1/changes?since="+url.QueryEscape(since), nil, &out)
}

// Calls sends the kiosk's calls for staff and returns what became of each.
func (c *Client) Calls(ctx context.Context, req CallsRequest) (CallsReply, error) {
	var out CallsReply
	return out, c.do(ctx, http.MethodPost, "/v1/calls", req, &out)
}

// Heartbeat reports the kiosk's state.
func (c *Client) Heartbeat(ctx context.Context, hb Heartbeat) (HeartbeatReply, error) {
	var out HeartbeatReply
	return out, c.do(ctx, http.MethodPost, "/v1/heartbeat", hb, &out)
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	sent := c.now()
	if err := Sign(req, c.kioskID, c.secret, body, sent); err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		se := &StatusError{Status: resp.StatusCode, Nonce: req.Header.Get(HeaderNonce), Sent: sent}
		if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 {
			se.RetryAfter = time.Duration(secs) * time.Second
		}
		_ = json.Unmarshal(data, &se.Body)
		clean(&se.Body.Code)
		clean(&se.Body.Message)
		return se
	}
	return json.Unmarshal(data, out)
}
