package pgtest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// preferredVersion is the PostgreSQL major version of Debian 12, which CI installs.
const preferredVersion = "15"

// cluster is a running throwaway PostgreSQL cluster.
type cluster struct {
	bin  string // directory of initdb and pg_ctl
	dir  string // temporary directory: data, log and the Unix socket
	port int
	dsn  string
	asPG []string // command prefix that runs a program as the postgres user, when we are root
}

// findBinaries returns the bin directory of an installed Debian PostgreSQL, preferring
// preferredVersion and otherwise the newest.
func findBinaries() (string, bool) {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	var dirs []string
	for _, m := range matches {
		dir := filepath.Dir(m)
		if _, err := os.Stat(filepath.Join(dir, "pg_ctl")); err == nil {
			dirs = append(dirs, dir)
		}
	}
	if len(dirs) == 0 {
		return "", false
	}
	version := func(dir string) int {
		n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
		return n
	}
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if filepath.Base(filepath.Dir(d)) == preferredVersion {
			return d, true
		}
	}
	return dirs[0], true
}

// startCluster initialises and starts a cluster in a new temporary directory. initdb refuses to
// run as root, so as root every server program runs as the postgres user.
func startCluster(bin string) (*cluster, error) {
	c := &cluster{bin: bin}
	base := os.TempDir()
	if os.Geteuid() == 0 {
		c.asPG = []string{"runuser", "-u", "postgres", "--"}
		if !worldTraversable(base) {
			base = "/tmp"
		}
	}
	dir, err := os.MkdirTemp(base, "kiosk-pgtest-")
	if err != nil {
		return nil, err
	}
	c.dir = dir
	if err := c.initdb(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := c.start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	c.startWatchdog()
	return c, nil
}

func (c *cluster) initdb() error {
	if c.asPG != nil {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("running as root needs the postgres user (installed with PostgreSQL): %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(c.dir, uid, gid); err != nil {
			return err
		}
	}
	// No locale: sorting rules do not matter to the tests and C works on every machine. No sync
	// while initialising: the cluster is throwaway; the server itself runs with fsync on.
	return c.run(filepath.Join(c.bin, "initdb"), "-D", c.data(), "-U", "postgres",
		"--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync")
}

// start starts the server on a free loopback port. Another process can take the port between
// choosing and binding it, so a failed start is retried on a new port.
func (c *cluster) start() error {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if c.port, err = freePort(); err != nil {
			return err
		}
		opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200",
			c.port, c.dir)
		err = c.run(filepath.Join(c.bin, "pg_ctl"), "-D", c.data(), "-l", c.log(), "-w", "-t", "60",
			"-o", opts, "start")
		if err == nil {
			c.dsn = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
			return nil
		}
	}
	if tail, rerr := os.ReadFile(c.log()); rerr == nil {
		err = fmt.Errorf("%w\nserver log:\n%s", err, lastBytes(tail, 2000))
	}
	return err
}

// stop shuts the server down and removes its directory.
func (c *cluster) stop() {
	if err := c.run(filepath.Join(c.bin, "pg_ctl"), "-D", c.data(), "-m", "fast", "-w", "stop"); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: stop PostgreSQL: %v\n", err)
	}
	if err := os.RemoveAll(c.dir); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: remove %s: %v\n", c.dir, err)
	}
}

// startWatchdog starts a detached shell that stops the cluster and removes its directory once
// this process is gone. The normal path does that itself; the watchdog covers the paths that
// skip deferred calls: a test that panics, a -timeout, a kill.
func (c *cluster) startWatchdog() {
	pgctl := strings.Join(append(append([]string{}, c.asPG...), filepath.Join(c.bin, "pg_ctl")), " ")
	script := fmt.Sprintf(`while kill -0 %d 2>/dev/null; do sleep 1; done
if [ -d %[2]s ]; then %[3]s -D %[2]s/data -m immediate -w stop >/dev/null 2>&1; rm -rf %[2]s; fi`,
		os.Getpid(), shellQuote(c.dir), pgctl)
	cmd := exec.Command("sh", "-c", script)
	// Its own process group: an interrupt sent to the test's group must not kill it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: no cleanup watchdog: %v\n", err)
		return
	}
	_ = cmd.Process.Release()
}

func (c *cluster) data() string { return filepath.Join(c.dir, "data") }
func (c *cluster) log() string  { return filepath.Join(c.dir, "postgres.log") }

// run runs a server program (as the postgres user when we are root) and returns its output in
// the error when it fails.
func (c *cluster) run(prog string, args ...string) error {
	argv := append(append(append([]string{}, c.asPG...), prog), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = c.dir // the postgres user may not be allowed into our working directory
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", filepath.Base(prog), err, lastBytes(out.Bytes(), 2000))
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return 0, errors.New("listener address is not TCP")
	}
	return addr.Port, nil
}

// worldTraversable reports whether every directory from / down to dir lets others through, as
// the postgres user must reach its data directory.
func worldTraversable(dir string) bool {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == filepath.Dir(d) {
			return true
		}
	}
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func lastBytes(b []byte, n int) string {
	b = bytes.TrimSpace(b)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
