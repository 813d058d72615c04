package device

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// FilePrinter writes each receipt to a file of its own in Dir (created 0700, files 0600): the
// receipt printer of a kiosk that has none yet, and the record staff can reprint from. Receipts
// hold masked data only.
type FilePrinter struct {
	Dir string
	Now func() time.Time
}

// Info names it.
func (p FilePrinter) Info() Info { return Info{Name: "receipt file " + p.Dir, NoPaper: true} }

// Print writes the receipt to Dir/receipt-YYYYMMDD-HHMMSS.txt (a number is added when that
// name is taken) and returns the file's path.
func (p FilePrinter) Print(_ context.Context, doc Doc) (string, error) {
	receipt := doc.Text() + "\n"
	if err := os.MkdirAll(p.Dir, 0o700); err != nil {
		return "", fmt.Errorf("receipt printer: %w", err)
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	base := "receipt-" + now().Format("20060102-150405")
	for n := 0; n < 1000; n++ {
		name := base + ".txt"
		if n > 0 {
			name = fmt.Sprintf("%s-%d.txt", base, n)
		}
		path := filepath.Join(p.Dir, name)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if os.IsExist(err) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("receipt printer: %w", err)
		}
		_, werr := f.WriteString(receipt)
		if serr := f.Sync(); werr == nil {
			werr = serr
		}
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return "", fmt.Errorf("receipt printer: %w", werr)
		}
		return path, nil
	}
	return "", fmt.Errorf("receipt printer: no free file name for %s in %s", base, p.Dir)
}
