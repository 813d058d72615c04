package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"

	"github.com/hallkiosk/kiosk/storage"
)

// runJournal verifies or lists the kiosk's hash-chained journal, so that staff can prove what
// the kiosk did. The journal holds no personal data; the secret is only needed to open the store.
func runJournal(args []string, stdout io.Writer) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "show") {
		return errUsage
	}
	fs := newFlagSet("journal")
	data := fs.String("data", "kiosk-data", "kiosk data directory")
	secretHex := fs.String("secret", "", "kiosk secret (hex); needed to open the store")
	last := fs.Int("last", 20, "show: how many of the latest entries")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 {
		return errUsage
	}
	secret, err := hex.DecodeString(*secretHex)
	if err != nil || len(secret) == 0 {
		return fmt.Errorf("--secret: give the kiosk secret in hex")
	}
	st, _, err := storage.Open(filepath.Join(*data, "kiosk.db"), secret, storage.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	n, verr := st.VerifyJournal()
	if args[0] == "verify" {
		if verr != nil {
			return fmt.Errorf("journal broken after %d good entries: %w", n, verr)
		}
		cp, err := st.Checkpoint()
		if err != nil {
			return err
		}
		if cp.Seq == 0 {
			fmt.Fprintf(stdout, "journal intact: %d entries from the first, every link and hash checks\n", n)
			return nil
		}
		// The trimmed entries are gone from the file; what proves them is the checkpoint, which
		// the kiosk also reported to the server (compare with `kiosk kiosks` there).
		fmt.Fprintf(stdout, "journal intact: %d entries after checkpoint %d (hash %s, trimmed %s), every link and hash checks\n",
			n, cp.Seq, cp.Hash, cp.At.Format("2006-01-02 15:04:05 MST"))
		return nil
	}
	from := int64(max(n-*last+1, 1))
	entries, err := st.Journal(from, *last)
	if err != nil {
		return err
	}
	for _, e := range entries {
		fmt.Fprintf(stdout, "%6d %s %-10s %-8s %-36s %-20s %v %s\n", e.Seq, e.At.Format("2006-01-02 15:04:05"),
			e.Event, e.OpType, e.OpID, e.Outcome, e.Reasons, e.Detail)
	}
	if verr != nil {
		fmt.Fprintf(stdout, "WARNING: the chain is broken: %v\n", verr)
	}
	return nil
}
