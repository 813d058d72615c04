package escpos

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Transport is how a receipt reaches the printer.
type Transport int

const (
	// TCP is a network printer's raw port (JetDirect style, usually 9100).
	TCP Transport = iota + 1
	// Device is a character device such as /dev/usb/lp0 (Linux usblp) or a serial port.
	Device
	// File appends the bytes to a file: for tests, and for halls without a printer.
	File
)

// DefaultPort is the raw printing port almost every network receipt printer listens on.
const DefaultPort = "9100"

// Target is a parsed printer address.
type Target struct {
	Transport Transport
	// Addr is host:port for TCP and a path otherwise.
	Addr string
	// RequireStatus makes a printer that does not answer the status query count as
	// offline. On by default over TCP: a connection that is accepted but never read (a
	// print server whose printer is off) takes a receipt into its buffers without error, and
	// the status answer is the only sign the printer is there. Off by default on a device
	// file, as many USB printers cannot answer. "?status=required" or "?status=optional"
	// after the target overrides it.
	RequireStatus bool
}

// ParseTarget reads a printer target:
//
//	tcp://host:port          raw TCP (port 9100 when omitted)
//	/dev/usb/lp0             a device file (any absolute path)
//	file:PATH                append to a file
//
// TCP and device targets may end in "?status=required" or "?status=optional".
func ParseTarget(s string) (Target, error) {
	switch {
	case strings.HasPrefix(s, "tcp://"):
		return parseTCP(s)
	case strings.HasPrefix(s, "/"):
		path, query, _ := strings.Cut(s, "?")
		t := Target{Transport: Device, Addr: path}
		err := t.applyQuery(s, query)
		return t, err
	case strings.HasPrefix(s, "file:"):
		path := strings.TrimPrefix(s, "file:")
		if strings.HasPrefix(path, "///") { // file:///var/… written as a URL
			path = path[2:]
		}
		if path == "" {
			return Target{}, fmt.Errorf("printer target %q: no file path after \"file:\"", s)
		}
		return Target{Transport: File, Addr: path}, nil
	}
	return Target{}, fmt.Errorf("printer target %q: want tcp://host:port, a device path such as /dev/usb/lp0, or file:PATH", s)
}

func parseTCP(s string) (Target, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Target{}, fmt.Errorf("printer target %q: %w", s, err)
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.Fragment != "" || u.Hostname() == "" {
		return Target{}, fmt.Errorf("printer target %q: want tcp://host:port and nothing else", s)
	}
	port := u.Port()
	if port == "" {
		port = DefaultPort
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return Target{}, fmt.Errorf("printer target %q: port %q is not a number from 1 to 65535", s, port)
	}
	host := u.Hostname()
	if strings.Trim(host, hostChars) != "" {
		return Target{}, fmt.Errorf("printer target %q: host %q has characters a host name or IP address cannot have", s, host)
	}
	if strings.Contains(host, ":") && (net.ParseIP(host) == nil || !strings.HasPrefix(u.Host, "[")) {
		return Target{}, fmt.Errorf("printer target %q: write an IPv6 address in brackets, as in tcp://[fd00::5]:9100", s)
	}
	t := Target{Transport: TCP, Addr: net.JoinHostPort(host, port), RequireStatus: true}
	err = t.applyQuery(s, u.RawQuery)
	return t, err
}

// hostChars are the characters of host names and IPv4/IPv6 addresses (zones excluded).
const hostChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:"

// applyQuery reads the optional "status=" setting; anything else is a mistake worth
// reporting rather than ignoring.
func (t *Target) applyQuery(s, query string) error {
	if query == "" {
		return nil
	}
	switch query {
	case "status=required":
		t.RequireStatus = true
	case "status=optional":
		t.RequireStatus = false
	default:
		return fmt.Errorf("printer target %q: unknown setting %q; the only one is status=required or status=optional", s, query)
	}
	return nil
}

// String is the target in the form ParseTarget reads, with the status setting only when it
// is not the default.
func (t Target) String() string {
	switch t.Transport {
	case TCP:
		if !t.RequireStatus {
			return "tcp://" + t.Addr + "?status=optional"
		}
		return "tcp://" + t.Addr
	case Device:
		if t.RequireStatus {
			return t.Addr + "?status=required"
		}
		return t.Addr
	case File:
		if strings.HasPrefix(t.Addr, "/") {
			return "file://" + t.Addr // so that ParseTarget's URL form gives it back
		}
		return "file:" + t.Addr
	}
	return fmt.Sprintf("Target(%d, %q)", int(t.Transport), t.Addr)
}
