package ui

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hallkiosk/kiosk/device/escpos"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/store"
)

// Text that reached the server's database without the importer's checks (here written straight
// into the store) must not reach the screen, a receipt file or the printer with anything that
// would act there: an escape sequence in a name, a bidi override in a place.
func TestServerTextIsCleanedAtEveryBoundary(t *testing.T) {
	const (
		evilName  = "\x1b[2J\x1b]0;pwned\x07许秀英"
		evilPlace = "深南\u202e口叉交道大"
	)
	s := newFixedStack(t)
	p := persona(t, "overdue")
	ctx := context.Background()
	err := s.demo.Store.Tx(ctx, func(tx store.Tx) error {
		d, err := tx.LockDriver(p.ID)
		if err != nil {
			return err
		}
		d.Name = evilName
		if err := tx.PutDriver(d); err != nil {
			return err
		}
		for _, v := range s.demo.Data.Violations {
			if v.Driver == p.ID && v.Decision != "" && v.Status != model.StatusPaid {
				v, err := tx.LockViolation(v.ID)
				if err != nil {
					return err
				}
				v.Place = evilPlace
				if err := tx.UpdateViolation(v); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// What must never appear: the escape sequences' introducers, BEL and the override.
	bad := []string{"\x1b[2J", "\x1b]", "\x07", "\u202e"}
	check := func(where, text string) {
		t.Helper()
		for _, b := range bad {
			if strings.Contains(text, b) {
				t.Errorf("%s holds %q", where, b)
			}
		}
	}

	// The lookup as the service hands it to the screens.
	looked, err := s.svc.Lookup(ctx, p.ID, p.File)
	if err != nil {
		t.Fatal(err)
	}
	if looked.Person.Name != "[2J]0;pwned许秀英" {
		t.Errorf("the name as the kiosk received it: %q", looked.Person.Name)
	}
	found := false
	for _, v := range looked.Violations {
		found = found || v.Place == "深南口叉交道大"
		check("a place in the lookup", v.Place)
	}
	if !found {
		t.Fatal("the lookup does not hold the place written to the store")
	}

	// The screens, through identify, the pay flow and its receipt.
	h := newFixedStackHarness(t, s, nil)
	h.identifyAs(p)
	check("the overview", h.m.View().Content)
	h.typeText("2")
	h.press(keyEnter)
	h.typeText("2")
	if ps := h.payScreen(); ps.phase != payDone {
		t.Fatalf("not done after the card:\n%s", h.view())
	}
	check("the receipt on screen", h.m.View().Content)

	// The receipt file the file printer wrote.
	files, _ := filepath.Glob(filepath.Join(s.receipts, "*"))
	if len(files) == 0 {
		t.Fatal("no receipt file")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		check("the receipt file", string(b))
		if bytes.IndexByte(b, 0x1b) >= 0 {
			t.Errorf("the receipt file holds an ESC byte")
		}
	}

	// The same receipt on an ESC/POS printer: the stream holds the layout's own commands only.
	doc := h.m.c.ReceiptDoc(h.payScreen().sub.receipt)
	doc.Lines = append(doc.Lines, evilName, evilPlace) // even text that skipped the client's cleaning
	stream, err := escpos.Layout{Columns: 48}.Receipt(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"\x1b[2J", "\x1b]0", "\x07"} {
		if bytes.Contains(stream, []byte(b)) {
			t.Errorf("the ESC/POS stream holds %q from the text", b)
		}
	}
	if !strings.Contains(doc.Text(), "[2J]0;pwned许秀英") || strings.ContainsAny(doc.Text(), "\x1b\u202e\x07") {
		t.Errorf("the receipt as text must keep the words and lose the controls:\n%q", doc.Text())
	}
}
