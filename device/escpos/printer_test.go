package escpos

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hallkiosk/kiosk/device"
)

func TestNewRejectsBadSettings(t *testing.T) {
	if _, err := New("lpt1", Options{}); err == nil || !strings.Contains(err.Error(), "tcp://host:port") {
		t.Errorf("New(lpt1): %v, want an error listing the target forms", err)
	}
	if _, err := New("file:x", Options{Layout: Layout{Columns: 10}}); err == nil || !strings.Contains(err.Error(), "58 mm") {
		t.Errorf("New with 10 columns: %v, want an error naming the paper widths", err)
	}
}

func TestInfoNamesTheTarget(t *testing.T) {
	p, err := New("tcp://10.1.2.3:9100", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if info := p.Info(); info.Simulated || !strings.Contains(info.Name, "tcp://10.1.2.3:9100") {
		t.Errorf("Info = %+v, want a real device named by its target", info)
	}
}

// TestPrintFileAppends: each receipt is appended whole, concurrent prints do not interleave,
// and Print says which file it went to.
func TestPrintFileAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "receipts.bin")
	p, err := New("file:"+path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			where, err := p.Print(context.Background(), zhDoc())
			if err != nil || where != path {
				t.Errorf("Print = %q, %v; want %q", where, err, path)
			}
		})
	}
	wg.Wait()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	job, _ := Layout{}.Receipt(zhDoc())
	if !bytes.Equal(got, bytes.Repeat(job, n)) {
		t.Fatalf("file holds %d bytes, want %d whole receipts of %d", len(got), n, len(job))
	}
	if tr := transcript(got[:len(job)]); tr != readGolden(t, "zh_32") {
		t.Errorf("file receipt differs from golden zh_32:\n%s", tr)
	}
	if info, err := os.Stat(path); err == nil && info.Mode().Perm() != 0o600 {
		t.Errorf("receipt file mode %v, want 0600: receipts hold personal data", info.Mode().Perm())
	}
}

func TestPrintFileInMissingDirectory(t *testing.T) {
	p, err := New("file:"+filepath.Join(t.TempDir(), "no", "such", "receipts.bin"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Print(context.Background(), zhDoc())
	if err == nil || errors.Is(err, device.ErrPrinterOffline) || !strings.Contains(err.Error(), "directory exists") {
		t.Fatalf("Print: %v, want an error telling to check the directory", err)
	}
}
