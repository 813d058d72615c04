package main

// kiosk reconcile --channel NAME FILE: the daily reconciliation of a payment channel's
// statement (docs/payment-channel.md, "Daily statement"; docs/DEPLOY.md, "Daily
// reconciliation"). The file is checked here first, so a malformed one is refused without a
// server, and then sent to the running server's admin socket, which matches it: recording a
// payment only the channel knew needs the server's rules (recordChannelPayment) and its
// metrics, so without a server nothing is reconciled. The report names orders, transactions,
// refunds and amounts, never a person.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server"
	"github.com/hallkiosk/kiosk/server/reconcile"
)

func runReconcile(args []string, stdout io.Writer) error {
	fs := newFlagSet("reconcile")
	var sf storeFlags
	sf.register(fs)
	sock := fs.String("admin-socket", "", "the running server's admin socket (default DATA/admin.sock)")
	name := fs.String("channel", "", "the payment channel's name in the server's --channels configuration")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	file, err := parseWithID(fs, args)
	if err != nil {
		return err
	}
	if *name == "" {
		return errors.New("reconcile: name the payment channel the statement is from: --channel NAME (its name in the server's --channels file)")
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	defer f.Close()
	if err := checkStatement(f); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	path := sf.adminSocketPath(*sock)
	var rep server.ReconcileReport
	err = adminRequest(path, "POST", "/reconcile?channel="+url.QueryEscape(*name), "text/csv; charset=utf-8", f, time.Hour, &rep)
	if errors.Is(err, errNoServer) {
		return fmt.Errorf("reconcile: no server answers on the admin socket %s, and nothing was reconciled: a payment only the channel "+
			"knew is recorded with the running server's rules and counted in its metrics. Start the server (kiosk serve), or give its "+
			"socket with --admin-socket PATH", path)
	}
	if err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return printReconcileReport(stdout, rep)
}

// checkStatement reads the whole statement with the server's parser, so that a malformed file
// is refused here with its line and column, before anything is sent.
func checkStatement(f io.Reader) error {
	r := reconcile.NewReader(f)
	for {
		_, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var bad *reconcile.Error
		if errors.As(err, &bad) {
			return fmt.Errorf("reconcile: nothing was reconciled: %w", err)
		}
		if err != nil {
			return fmt.Errorf("reconcile: %w", err)
		}
	}
}

// outcomeText says an outcome in the report's words.
func outcomeText(o string) string {
	switch o {
	case server.OutcomeRecorded:
		return "recorded from the statement"
	case server.OutcomeRefundSettled:
		return "refund settled from the statement"
	}
	return strings.ReplaceAll(o, "_", " ")
}

// printReconcileReport writes the report: the statement's totals, the count of each outcome
// that occurred, and one line per item with what to do.
func printReconcileReport(w io.Writer, rep server.ReconcileReport) error {
	st := rep.Statement
	fmt.Fprintf(w, "Reconciliation of payment channel %s, %s (China time)\n", rep.Channel, rep.Day)
	fmt.Fprintf(w, "statement: %d payments %s, %d refunds %s, net %s\n", st.Pays, model.Fen(st.PayTotalFen),
		st.Refunds, model.Fen(st.RefundTotalFen), model.Fen(st.NetFen))
	var counts []string
	for _, o := range []string{server.OutcomeMatched, server.OutcomeRecorded, server.OutcomeAmountDiffers, server.OutcomeOrderDiffers,
		server.OutcomeUnknownOrder, server.OutcomeOtherChannel, server.OutcomeMissingAtChannel, server.OutcomeRefundMatched,
		server.OutcomeRefundSettled, server.OutcomeRefundUnknown, server.OutcomeRefundDiffers, server.OutcomeRefundNotIssued,
		server.OutcomeRefundTwice, server.OutcomeRefundMissing, server.OutcomeRefundPending} {
		if n := rep.Outcomes[o]; n > 0 {
			counts = append(counts, fmt.Sprintf("%s %d", outcomeText(o), n))
		}
	}
	if len(counts) == 0 {
		counts = append(counts, "nothing on the statement or recorded that day")
	}
	fmt.Fprintln(w, strings.Join(counts, ", "))
	fmt.Fprintf(w, "%d recorded or settled by this run, %d flagged for staff\n", rep.Recorded, rep.Flagged)
	if len(rep.Items) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LINE\tOUTCOME\tORDER\tTRANSACTION\tREFUND\tSTATEMENT\tRECORDED\tWHAT TO DO")
	for _, it := range rep.Items {
		line := "-"
		if it.Line > 0 {
			line = fmt.Sprint(it.Line)
		}
		outcome := outcomeText(it.Outcome)
		if it.Flagged {
			outcome = "FLAGGED " + outcome
		}
		refund := dash(it.RefundID)
		if it.ChannelRefundID != "" {
			refund += " (" + it.ChannelRefundID + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", line, outcome, dash(it.OrderID), dash(it.TransactionID), refund,
			fenOrDash(it.StatementFen), fenOrDash(it.RecordedFen), it.Note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if rep.ItemsLeftOut > 0 {
		fmt.Fprintf(w, "%d more items are not listed: deal with these, then run the reconciliation again to see the rest\n", rep.ItemsLeftOut)
	}
	return nil
}

func fenOrDash(f int64) string {
	if f == 0 {
		return "-"
	}
	return model.Fen(f).String()
}
