package console

// Staff keys. The server's staff-keys file binds each SSH public key to a member of staff and
// the hall they serve, in the authorized_keys form operators know, with options in front:
//
//	staff=desk-01,hall="渝北车管所大厅" ssh-ed25519 AAAAC3Nza... desk 1, morning shift
//	staff=chief,admin ssh-ed25519 AAAAC3Nza... the hall supervisor
//
// The file is read again when it changes, so adding or removing a key needs no restart; a
// file that no longer reads keeps the keys read before (and the problem is logged), so a typing
// mistake never locks every desk out. A file others may write is refused, as sshd refuses one.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// Keys is the staff keys file, read again when it changes. It is safe for concurrent use.
type Keys struct {
	path string

	mu      sync.Mutex
	stamp   fileStamp
	byKey   map[string]Staff // by the key's wire form
	lastErr string           // the last problem reported, so that it is logged once
}

type fileStamp struct {
	mod  time.Time
	size int64
}

// OpenKeys reads the staff keys file. A missing file is an error naming the path and the
// form of a line; the server refuses to start without one, since a console nobody can enter is
// a mistake, not a choice.
func OpenKeys(path string) (*Keys, error) {
	k := &Keys{path: path}
	if err := k.reload(); err != nil {
		return nil, err
	}
	return k, nil
}

// Path is the file's path.
func (k *Keys) Path() string { return k.path }

// Count is the number of keys.
func (k *Keys) Count() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.byKey)
}

// Lookup returns the member of staff a public key belongs to. It first reads the file again
// if it changed; a problem with the new file is returned with the keys read before, for the
// caller to log.
func (k *Keys) Lookup(key gossh.PublicKey) (Staff, bool, error) {
	err := k.reload()
	k.mu.Lock()
	defer k.mu.Unlock()
	s, ok := k.byKey[string(key.Marshal())]
	return s, ok, err
}

// reload reads the file when its time or size changed since the last read.
func (k *Keys) reload() error {
	info, err := os.Stat(k.path)
	if err != nil {
		return k.problem(fmt.Errorf("staff keys %s: %w (one line per key: staff=ID,hall=\"HALL\" ssh-ed25519 AAAA...; "+
			"see docs/DEPLOY.md, \"Staff console\")", k.path, err))
	}
	stamp := fileStamp{info.ModTime(), info.Size()}
	k.mu.Lock()
	same := k.byKey != nil && stamp == k.stamp
	k.mu.Unlock()
	if same {
		return nil
	}
	if info.Mode().Perm()&0o022 != 0 {
		return k.problem(fmt.Errorf("staff keys %s: others may write it (mode %o), so anyone could add a key; "+
			"run chmod go-w %s", k.path, info.Mode().Perm(), k.path))
	}
	data, err := os.ReadFile(k.path)
	if err != nil {
		return k.problem(fmt.Errorf("staff keys: %w", err))
	}
	byKey, err := ParseKeys(data)
	if err != nil {
		return k.problem(fmt.Errorf("staff keys %s: %w", k.path, err))
	}
	k.mu.Lock()
	k.byKey, k.stamp, k.lastErr = byKey, stamp, ""
	k.mu.Unlock()
	return nil
}

// problem returns err the first time it is seen, and nil when it is the same as the last, so
// that a console refusing connections logs a broken file once, not at every connection.
func (k *Keys) problem(err error) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.byKey != nil && err.Error() == k.lastErr {
		return nil
	}
	k.lastErr = err.Error()
	return err
}

// ParseKeys reads a staff keys file: each line a key with the options staff=ID and either
// hall="HALL" or admin. Blank lines and lines starting with # are skipped. An error names the
// line and what is wrong with it.
func ParseKeys(data []byte) (map[string]Staff, error) {
	out := map[string]Staff{}
	type seen struct {
		staff Staff
		line  int
	}
	ids := map[string]seen{}
	for n, line := range bytes.Split(data, []byte("\n")) {
		lineNo := n + 1
		text := strings.TrimSpace(string(line))
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		key, _, options, rest, err := gossh.ParseAuthorizedKey([]byte(text))
		if err != nil || len(bytes.TrimSpace(rest)) != 0 {
			return nil, fmt.Errorf("line %d: not a key line: write staff=ID,hall=\"HALL\" (or staff=ID,admin) "+
				"then the public key as in authorized_keys (ssh-ed25519 AAAA...)", lineNo)
		}
		s, err := staffOf(options)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", lineNo, err)
		}
		wire := string(key.Marshal())
		if _, dup := out[wire]; dup {
			return nil, fmt.Errorf("line %d: this key is on an earlier line too; a key belongs to one member of staff", lineNo)
		}
		if first, dup := ids[s.ID]; dup && first.staff != s {
			return nil, fmt.Errorf("line %d: staff id %s is on line %d with another hall or role; "+
				"one person may have several keys, all with the same hall", lineNo, s.ID, first.line)
		} else if !dup {
			ids[s.ID] = seen{s, lineNo}
		}
		out[wire] = s
	}
	return out, nil
}

// staffOf reads a key line's options.
func staffOf(options []string) (Staff, error) {
	var s Staff
	for _, opt := range options {
		name, value, hasValue := strings.Cut(opt, "=")
		switch {
		case name == "staff" && hasValue:
			s.ID = value
		case name == "hall" && hasValue:
			hall, err := unquote(value)
			if err != nil {
				return Staff{}, err
			}
			s.Hall = hall
		case name == "admin" && !hasValue:
			s.Admin = true
		default:
			return Staff{}, fmt.Errorf("option %q is not staff=ID, hall=\"HALL\" or admin", name)
		}
	}
	switch {
	case !staffID(s.ID):
		return Staff{}, errors.New("staff=ID is missing or not 1 to 32 of A-Z a-z 0-9 . _ - (it is logged with each action)")
	case s.Admin && s.Hall != "":
		return Staff{}, errors.New("admin sees every hall: give admin or hall=, not both")
	case !s.Admin && s.Hall == "":
		return Staff{}, errors.New("hall=\"HALL\" is missing: the hall as kiosks were enrolled with --hall (or admin for every hall)")
	}
	return s, nil
}

// unquote reads a hall option's value: in double quotes (as authorized_keys options are), no
// control characters.
func unquote(v string) (string, error) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", errors.New("hall= must be in double quotes: hall=\"渝北车管所大厅\"")
	}
	v = strings.ReplaceAll(v[1:len(v)-1], `\"`, `"`)
	if v == "" || len(v) > 128 || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", errors.New("hall= must be 1 to 128 bytes of text without control characters")
	}
	return v, nil
}

func staffID(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
