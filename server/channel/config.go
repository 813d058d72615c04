package channel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The server's channel configuration (kiosk serve --channels FILE) is strict JSON:
//
//	{
//	  "order_channel": "bank",
//	  "channels": [
//	    {"name": "bank", "kind": "generic-http", "base_url": "https://pay.bank.example/gw",
//	     "merchant_id": "M1000001", "algorithm": "sm2",
//	     "channel_public_key_file": "bank-sm2.pub", "private_key_file": "our-sm2.key",
//	     "notify_url": "https://pay.hall.example.gov.cn/v1/channels/bank/notify"},
//	    {"name": "training", "kind": "simulated"}
//	  ]
//	}
//
// Keys are only ever in files (relative paths are taken from the configuration's directory),
// never in the configuration or on the command line; our private key file must be readable by
// its owner only. New QR orders are created at order_channel (default: the first channel); every
// listed channel's notices are accepted, so that orders created before a change of channel are
// still paid.

// FileConfig is the configuration file as written.
type FileConfig struct {
	OrderChannel string   `json:"order_channel"`
	Channels     []Config `json:"channels"`
}

// Config is one channel of the file.
type Config struct {
	Name                 string `json:"name"`
	Kind                 string `json:"kind"`
	BaseURL              string `json:"base_url,omitempty"`
	MerchantID           string `json:"merchant_id,omitempty"`
	Algorithm            string `json:"algorithm,omitempty"`
	ChannelPublicKeyFile string `json:"channel_public_key_file,omitempty"`
	PrivateKeyFile       string `json:"private_key_file,omitempty"`
	NotifyURL            string `json:"notify_url,omitempty"`
}

// Set is the configured channels.
type Set struct {
	Channels []Channel
	// OrderChannel names the channel new orders are created at.
	OrderChannel string
}

// Load reads the configuration file and builds its channels, loading their keys. Every problem
// is reported at once, each named by the channel and key. now is the channels' clock (nil:
// time.Now).
func Load(path string, now func() time.Time) (Set, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Set{}, fmt.Errorf("channels: %w", err)
	}
	set, err := Parse(data, filepath.Dir(path), now)
	if err != nil {
		return Set{}, fmt.Errorf("channels %s: %w", path, err)
	}
	return set, nil
}

// Parse is Load of the file's bytes; relative key paths are taken from dir.
func Parse(data []byte, dir string, now func() time.Time) (Set, error) {
	var fc FileConfig
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fc); err != nil {
		return Set{}, fmt.Errorf("not the JSON object of docs/DEPLOY.md (\"Payment channels\"): %w", err)
	}
	if dec.More() {
		return Set{}, errors.New("something follows the JSON object")
	}
	if len(fc.Channels) == 0 {
		return Set{}, errors.New("channels: list at least one channel")
	}
	var (
		problems []string
		set      Set
		seen     = map[string]bool{}
	)
	for i, c := range fc.Channels {
		where := fmt.Sprintf("channels[%d] (%s)", i, c.Name)
		if seen[c.Name] {
			problems = append(problems, where+": name given twice")
			continue
		}
		seen[c.Name] = true
		ch, err := build(c, dir, now)
		if err != nil {
			problems = append(problems, where+": "+err.Error())
			continue
		}
		set.Channels = append(set.Channels, ch)
	}
	set.OrderChannel = fc.OrderChannel
	if set.OrderChannel == "" {
		set.OrderChannel = fc.Channels[0].Name
	} else if !seen[set.OrderChannel] {
		problems = append(problems, fmt.Sprintf("order_channel %q: no channel of that name is listed", fc.OrderChannel))
	}
	if len(problems) > 0 {
		return Set{}, errors.New(strings.Join(problems, "; "))
	}
	return set, nil
}

// build checks one channel's entry and builds it.
func build(c Config, dir string, now func() time.Time) (Channel, error) {
	if !ValidID(c.Name, 32) {
		return nil, errors.New("name must be 1 to 32 letters, digits, '_' or '-'")
	}
	switch c.Kind {
	case KindSimulated:
		if c != (Config{Name: c.Name, Kind: c.Kind}) {
			return nil, errors.New("a simulated channel has only a name and a kind")
		}
		return NewSimulated(c.Name, now), nil
	case KindGenericHTTP:
	default:
		return nil, fmt.Errorf("kind %q: use %s or %s", c.Kind, KindGenericHTTP, KindSimulated)
	}
	if err := checkAlgorithm(c.Algorithm); err != nil {
		return nil, err
	}
	if c.ChannelPublicKeyFile == "" || c.PrivateKeyFile == "" {
		return nil, errors.New("channel_public_key_file (the channel's public key) and private_key_file (ours) are required")
	}
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	keys, err := LoadPublicKeys(abs(c.ChannelPublicKeyFile), c.Algorithm)
	if err != nil {
		return nil, fmt.Errorf("channel_public_key_file: %w", err)
	}
	key, err := LoadPrivateKey(abs(c.PrivateKeyFile), c.Algorithm)
	if err != nil {
		return nil, fmt.Errorf("private_key_file: %w", err)
	}
	return NewHTTP(HTTPConfig{Name: c.Name, BaseURL: c.BaseURL, MerchantID: c.MerchantID, NotifyURL: c.NotifyURL,
		Key: key, ChannelKeys: keys, Now: now})
}
