// Package sshtest makes SSH keys for tests of the staff console: a member of staff's key pair
// as the console's keys file and an ssh client need it.
package sshtest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"
)

// Key is an ed25519 key pair made for a test.
type Key struct {
	Signer  gossh.Signer       // for a Go ssh client
	Private ed25519.PrivateKey // for writing the key as ssh-keygen would
	Line    string             // the public key in authorized_keys form
}

// NewKey makes a key pair.
func NewKey(tb testing.TB) Key {
	tb.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		tb.Fatal(err)
	}
	sshPub, err := gossh.NewPublicKey(pub)
	if err != nil {
		tb.Fatal(err)
	}
	return Key{Signer: signer, Private: priv, Line: strings.TrimSpace(string(gossh.MarshalAuthorizedKey(sshPub)))}
}

// WritePrivate writes the private key in OpenSSH form, readable by its owner only, as
// dir/id_ed25519 (for the ssh command's -i), and returns the path.
func (k Key) WritePrivate(tb testing.TB, dir string) string {
	tb.Helper()
	block, err := gossh.MarshalPrivateKey(k.Private, "test key")
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(dir, "id_ed25519")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}
