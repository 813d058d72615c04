package main

// kiosk refunds list|issue|settle: money the platform owes back, through a running server's
// admin socket like the other admin commands (cmd_admin.go), or on the store itself when no
// server answers (then a refund of channel money cannot be issued: only the server holds the
// channel). Nothing printed names a person: staff find the money by the order or operation id
// on the person's receipt.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server"
	"github.com/hallkiosk/kiosk/server/store"
)

// runRefunds dispatches the refunds subcommands.
func runRefunds(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	switch args[0] {
	case "list":
		return runRefundsList(args[1:], stdout)
	case "issue":
		return runRefundsIssue(args[1:], stdout)
	case "settle":
		return runRefundsSettle(args[1:], stdout)
	}
	return errUsage
}

// parseWithID parses flags that may come before or after the one REFUND_ID argument.
func parseWithID(fs *flag.FlagSet, args []string) (string, error) {
	if err := fs.Parse(args); err != nil || fs.NArg() == 0 {
		return "", errUsage
	}
	id := fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil || fs.NArg() > 0 {
		return "", errUsage
	}
	return id, nil
}

func runRefundsList(args []string, stdout io.Writer) error {
	fs := newFlagSet("refunds list")
	var sf storeFlags
	sf.register(fs)
	sock := fs.String("admin-socket", "", "the running server's admin socket (default DATA/admin.sock)")
	state := fs.String("state", "", "only refunds in this state: owed, issuing, issued or settled")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return errUsage
	}
	var rs []server.AdminRefund
	err := adminCall(sf.adminSocketPath(*sock), "GET", "/refunds?state="+url.QueryEscape(*state), nil, &rs)
	if errors.Is(err, errNoServer) {
		err = withStore(&sf, func(ctx context.Context, st store.Store, _ *serverParts) error {
			rs, err = server.ReadAdminRefunds(ctx, st, *state)
			return err
		})
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rs)
	}
	return printRefunds(stdout, rs)
}

func runRefundsIssue(args []string, stdout io.Writer) error {
	fs := newFlagSet("refunds issue")
	var sf storeFlags
	sf.register(fs)
	sock := fs.String("admin-socket", "", "the running server's admin socket (default DATA/admin.sock)")
	staff := fs.String("staff", "", "your staff id, recorded with the step")
	ref := fs.String("ref", "", "the reference of a payback at the counter")
	counter := fs.Bool("counter", false, "pay back at the counter even though the money came through the channel")
	id, err := parseWithID(fs, args)
	if err != nil {
		return err
	}
	req := server.RefundIssue{RefundID: id, Staff: *staff, Ref: *ref, Counter: *counter}
	body, _ := json.Marshal(req)
	var res server.AdminRefundResult
	err = adminCall(sf.adminSocketPath(*sock), "POST", "/refunds/issue", body, &res)
	if errors.Is(err, errNoServer) {
		err = withStore(&sf, func(ctx context.Context, st store.Store, _ *serverParts) error {
			res, err = server.IssueRefund(ctx, st, req, time.Now)
			return err
		})
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, issueText(res))
	return nil
}

func runRefundsSettle(args []string, stdout io.Writer) error {
	fs := newFlagSet("refunds settle")
	var sf storeFlags
	sf.register(fs)
	sock := fs.String("admin-socket", "", "the running server's admin socket (default DATA/admin.sock)")
	staff := fs.String("staff", "", "your staff id, recorded with the step")
	ref := fs.String("ref", "", "the reference that proves the money reached the person")
	id, err := parseWithID(fs, args)
	if err != nil {
		return err
	}
	req := server.RefundSettle{RefundID: id, Staff: *staff, Ref: *ref}
	body, _ := json.Marshal(req)
	var res server.AdminRefundResult
	err = adminCall(sf.adminSocketPath(*sock), "POST", "/refunds/settle", body, &res)
	if errors.Is(err, errNoServer) {
		err = withStore(&sf, func(ctx context.Context, st store.Store, _ *serverParts) error {
			res, err = server.SettleRefundByStaff(ctx, st, req, time.Now)
			return err
		})
	}
	if err != nil {
		return err
	}
	r := res.Refund
	if !res.Changed {
		fmt.Fprintf(stdout, "refund %s was already settled at %s (%s); nothing changed\n", r.ID, when(r.SettledAt), refBy(r.SettledRef, r.SettledBy))
		return nil
	}
	fmt.Fprintf(stdout, "refund %s of %s is settled (%s)\n", r.ID, model.Fen(r.AmountFen), refBy(r.SettledRef, r.SettledBy))
	return nil
}

// issueText says what an issue did, and what to do next.
func issueText(res server.AdminRefundResult) string {
	r := res.Refund
	amount := model.Fen(r.AmountFen)
	switch {
	case !res.Changed && r.State == store.RefundIssuing:
		return fmt.Sprintf("refund %s is being issued: the payment channel was asked and has not answered; nothing was asked again. List it again later.", r.ID)
	case !res.Changed:
		return fmt.Sprintf("refund %s was already %s (%s); nothing was asked or recorded", r.ID, r.State, refBy(r.IssuedRef, r.IssuedBy))
	case r.State == store.RefundOwed:
		return fmt.Sprintf("refund %s of %s failed at the payment channel (%s): it is owed again. Issue it again later, or pay it back at the counter (--counter --ref VOUCHER).", r.ID, amount, r.Failure)
	case r.State == store.RefundSettled:
		return fmt.Sprintf("refund %s of %s is issued and settled by the payment channel (%s)", r.ID, amount, refBy(r.IssuedRef, r.IssuedBy))
	case r.IssuedBy == "channel":
		return fmt.Sprintf("refund %s of %s is issued by the payment channel (%s); it is settled when the channel confirms it", r.ID, amount, refBy(r.IssuedRef, r.IssuedBy))
	}
	return fmt.Sprintf("refund %s of %s is recorded as paid back at the counter (%s); settle it with the transfer's or the signed voucher's reference", r.ID, amount, refBy(r.IssuedRef, r.IssuedBy))
}

// printRefunds writes one line per refund, then how many are in each state. "-" is what a
// refund does not have (yet).
func printRefunds(stdout io.Writer, rs []server.AdminRefund) error {
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REFUND\tAMOUNT\tSTATE\tREASON\tMETHOD\tFROM\tCREATED\tISSUED\tISSUE REF\tSETTLED\tSETTLE REF\tLAST FAILURE")
	counts := map[string]int{}
	for _, r := range rs {
		counts[r.State]++
		from := "-"
		switch {
		case r.OrderID != "":
			from = "order " + r.OrderID
		case r.OpID != "":
			from = "op " + r.OpID
		}
		failure := "-"
		if r.FailedAt != nil {
			failure = r.Failure + " " + when(r.FailedAt)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, model.Fen(r.AmountFen), r.State, dash(r.Reason),
			r.Method, from, when(&r.CreatedAt), when(r.IssuedAt), refBy(r.IssuedRef, r.IssuedBy), when(r.SettledAt),
			refBy(r.SettledRef, r.SettledBy), failure)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	states := make([]string, 0, len(counts))
	for s := range counts {
		states = append(states, s)
	}
	sort.Slice(states, func(i, j int) bool { return stateOrder(states[i]) < stateOrder(states[j]) })
	parts := make([]string, 0, len(states))
	for _, s := range states {
		parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
	}
	if len(parts) == 0 {
		parts = append(parts, "no refunds")
	}
	_, err := fmt.Fprintln(stdout, strings.Join(parts, ", "))
	return err
}

func stateOrder(s string) int {
	for i, v := range store.RefundStates() {
		if v == s {
			return i
		}
	}
	return len(store.RefundStates())
}

func when(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// refBy writes a reference with who gave it: "RFD-0001 (channel)".
func refBy(ref, by string) string {
	switch {
	case ref == "" && by == "":
		return "-"
	case by == "":
		return ref
	case ref == "":
		return "(" + by + ")"
	}
	return ref + " (" + by + ")"
}
