package main

// The server-side admin commands: enroll, import, revoke, rotate and kiosks. Each first asks a
// running server through its admin socket (server/adminsock.go), and opens the store itself
// only when no server answers there: the embedded store is locked by the server that serves it,
// and on PostgreSQL going through a server keeps every change in one place that logs it.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/dataset"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server"
	"github.com/hallkiosk/kiosk/server/store"
)

// adminSocket is the flag of the admin socket's path; empty means DATA/admin.sock.
func (f *storeFlags) adminSocketPath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	return filepath.Join(f.data, "admin.sock")
}

// errNoServer: no server answers on the admin socket.
var errNoServer = errors.New("no server answers on the admin socket")

// adminCall sends one command to a running server's admin socket and decodes its answer into
// out. It returns errNoServer when nothing listens there.
func adminCall(path, method, route string, body []byte, out any) error {
	return adminRequest(path, method, route, "application/json", bytes.NewReader(body), 10*time.Minute, out)
}

// adminRequest sends a request with a body of the content type to the admin socket, waits up
// to timeout for the answer and decodes it into out; errNoServer when nothing listens there.
func adminRequest(path, method, route, contentType string, body io.Reader, timeout time.Duration, out any) error {
	client := &http.Client{Timeout: timeout, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}}}
	req, err := http.NewRequest(method, "http://admin"+route, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := client.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return errNoServer
		}
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e api.Error
		if json.Unmarshal(data, &e) == nil && e.Message != "" {
			return errors.New(e.Message)
		}
		return fmt.Errorf("the server answered %d", resp.StatusCode)
	}
	return json.Unmarshal(data, out)
}

func printEnrollment(stdout io.Writer, e server.Enrollment, what string) {
	fmt.Fprintf(stdout, "kiosk_id=%s\nsecret=%s\n", e.KioskID, e.Secret)
	fmt.Fprintf(stdout, "# Put %s in the kiosk's configuration; the secret is not shown again.\n", what)
}

// runEnroll registers a kiosk and prints its id and secret.
func runEnroll(args []string, stdout io.Writer) error {
	fs := newFlagSet("enroll")
	var sf storeFlags
	sf.register(fs)
	sock := fs.String("admin-socket", "", "the running server's admin socket (default DATA/admin.sock)")
	name := fs.String("name", "", "the kiosk's name, e.g. \"福田车管所 1号机\"")
	hall := fs.String("hall", "", "the hall the kiosk stands in")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || *name == "" {
		return errUsage
	}
	body, _ := json.Marshal(server.AdminEnroll{Name: *name, Hall: *hall, Profile: sf.profile})
	var e server.Enrollment
	err := adminCall(sf.adminSocketPath(*sock), "POST", "/enroll", body, &e)
	if errors.Is(err, errNoServer) {
		err = withStore(&sf, func(ctx context.Context, st store.Store, s *serverParts) error {
			e, err = server.Enroll(ctx, st, s.ref, *name, *hall, sf.profile, time.Now())
			return err
		})
	}
	if err != nil {
		return err
	}
	printEnrollment(stdout, e, "both")
	return nil
}

// runRevoke refuses a kiosk's requests from now on.
func runRevoke(args []string, stdout io.Writer) error {
	id, sf, sock, err := kioskCommand("revoke", args)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(server.AdminKioskID{KioskID: id})
	var out server.AdminKioskID
	err = adminCall(sock, "POST", "/revoke", body, &out)
	if errors.Is(err, errNoServer) {
		err = withStore(sf, func(ctx context.Context, st store.Store, _ *serverParts) error {
			return server.Revoke(ctx, st, id, time.Now())
		})
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "kiosk %s is revoked: the server refuses its requests from now on\n", id)
	return nil
}

// runRotate gives a kiosk a new secret.
func runRotate(args []string, stdout io.Writer) error {
	id, sf, sock, err := kioskCommand("rotate", args)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(server.AdminKioskID{KioskID: id})
	var e server.Enrollment
	err = adminCall(sock, "POST", "/rotate", body, &e)
	if errors.Is(err, errNoServer) {
		err = withStore(sf, func(ctx context.Context, st store.Store, _ *serverParts) error {
			e, err = server.Rotate(ctx, st, id)
			return err
		})
	}
	if err != nil {
		return err
	}
	printEnrollment(stdout, e, "the new secret (the old one is refused from now on)")
	return nil
}

// runKiosks lists the enrolled kiosks, never their secrets, with what each last reported.
func runKiosks(args []string, stdout io.Writer) error {
	fs := newFlagSet("kiosks")
	var sf storeFlags
	sf.register(fs)
	sock := fs.String("admin-socket", "", "the running server's admin socket (default DATA/admin.sock)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return errUsage
	}
	var ks []server.AdminKiosk
	err := adminCall(sf.adminSocketPath(*sock), "GET", "/kiosks", nil, &ks)
	if errors.Is(err, errNoServer) {
		err = withStore(&sf, func(ctx context.Context, st store.Store, _ *serverParts) error {
			ks, err = server.ReadAdminKiosks(ctx, st)
			return err
		})
	}
	if err != nil {
		return err
	}
	return printKiosks(stdout, ks, time.Now())
}

// printKiosks writes one line per kiosk: who it is, when it was last seen, and from its last
// heartbeat its outbox (depth, age of the oldest waiting operation, rejected operations, failed
// attempts of the current outage), its clock's skew, its store's fill and its journal
// checkpoint. "-" is what a kiosk has not reported.
func printKiosks(stdout io.Writer, ks []server.AdminKiosk, now time.Time) error {
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIOSK\tNAME\tHALL\tPROFILE\tLAST SEEN\tOUTBOX\tOLDEST\tREJECTED\tFAILED\tSKEW\tSTORE\tJOURNAL\tREVOKED")
	when := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.Local().Format("2006-01-02 15:04")
	}
	for _, k := range ks {
		outbox, oldest, rejected, failed, skew, fill, journal := "-", "-", "-", "-", "-", "-", "-"
		if st := k.Status; st != nil {
			outbox, rejected, failed = strconv.FormatInt(st.OutboxDepth, 10), strconv.FormatInt(st.Rejected, 10),
				strconv.FormatInt(st.FailedAttempts, 10)
			if st.OldestPending != nil {
				oldest = shortAge(now.Sub(*st.OldestPending))
			}
			if st.ClockSkewMS != nil {
				skew = skewText(*st.ClockSkewMS)
			}
			if s := st.Store; s != nil {
				fill = fmt.Sprintf("%s %s/%s", s.Level, mib(s.UsedBytes), mib(s.MaxBytes))
			}
			if j := st.Journal; j != nil {
				journal = checkpointText(j)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Hall, k.Profile,
			when(k.LastSeen), outbox, oldest, rejected, failed, skew, fill, journal, when(k.RevokedAt))
	}
	return tw.Flush()
}

// shortAge writes an age in its two largest units: 42s, 12m, 5h03m, 7d02h.
func shortAge(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%dd%02dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
}

// skewText writes a clock skew with its sign: +250ms, -10m0s.
func skewText(ms int64) string {
	d := time.Duration(ms) * time.Millisecond
	if d >= time.Second || d <= -time.Second {
		d = d.Round(time.Second)
	}
	if d >= 0 {
		return "+" + d.String()
	}
	return d.String()
}

// mib writes a byte count in MiB with one decimal.
func mib(n int64) string { return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + "MiB" }

// checkpointText writes a journal checkpoint: its sequence number, the first 12 hex digits of its
// hash and when it was made.
func checkpointText(j *api.JournalCheckpoint) string {
	if j.Seq == 0 {
		return "0"
	}
	h := j.Hash
	if len(h) > 12 {
		h = h[:12]
	}
	out := strconv.FormatInt(j.Seq, 10) + " " + h
	if !j.At.IsZero() {
		out += " " + j.At.Local().Format("01-02 15:04")
	}
	return out
}

// runImport loads a data file in one transaction, or reports every problem by path.
func runImport(args []string, stdout io.Writer) error {
	fs := newFlagSet("import")
	var sf storeFlags
	sf.register(fs)
	sock := fs.String("admin-socket", "", "the running server's admin socket (default DATA/admin.sock)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return errUsage
	}
	raw, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	var sum server.ImportSummary
	err = adminCall(sf.adminSocketPath(*sock), "POST", "/import", raw, &sum)
	if errors.Is(err, errNoServer) {
		data, derr := dataset.Decode(bytes.NewReader(raw), time.Now())
		if derr != nil {
			return fmt.Errorf("%s: nothing was imported:\n%w", fs.Arg(0), derr)
		}
		err = withStore(&sf, func(ctx context.Context, st store.Store, s *serverParts) error {
			p, _ := s.ref.Profile(sf.profile)
			sum, err = server.Import(ctx, st, p, data)
			return err
		})
	} else if err != nil {
		err = fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d people, %d vehicles, %d violations (%d decisions), %d bindings, %d follows, %d points entries, %d unit drivers\n",
		sum.People, sum.Vehicles, sum.Violations, sum.Decisions, sum.Bindings, sum.Follows, sum.PointsEntries, sum.UnitDrivers)
	return nil
}

// kioskCommand parses the flags of a command that names one kiosk.
func kioskCommand(name string, args []string) (string, *storeFlags, string, error) {
	fs := newFlagSet(name)
	sf := &storeFlags{}
	sf.register(fs)
	sock := fs.String("admin-socket", "", "the running server's admin socket (default DATA/admin.sock)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return "", nil, "", errUsage
	}
	return fs.Arg(0), sf, sf.adminSocketPath(*sock), nil
}

// serverParts is what a command that opened the store itself gets besides the store.
type serverParts struct{ ref *model.Reference }

// withStore opens the store named by the flags, for a command no server answered.
func withStore(sf *storeFlags, f func(ctx context.Context, st store.Store, s *serverParts) error) error {
	ctx := context.Background()
	st, ref, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return f(ctx, st, &serverParts{ref: ref})
}
