package escpos

import (
	"bytes"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxingqr "github.com/makiuchi-d/gozxing/qrcode"
	"github.com/skip2/go-qrcode"
)

func TestQRCommandBytes(t *testing.T) {
	var e Encoder
	if err := e.QR("abc", QRLevelM, 6); err != nil {
		t.Fatal(err)
	}
	want := []byte{
		0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00, // fn 65: model 2
		0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x06, // fn 67: module 6 dots
		0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31, // fn 69: level M
		0x1D, 0x28, 0x6B, 0x06, 0x00, 0x31, 0x50, 0x30, 'a', 'b', 'c', // fn 80: 3 bytes + 3
		0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30, // fn 81: print
	}
	if !bytes.Equal(e.Bytes(), want) {
		t.Errorf("QR bytes\n got % X\nwant % X", e.Bytes(), want)
	}
}

func TestQRStoreLengthUsesHighByte(t *testing.T) {
	var e Encoder
	data := strings.Repeat("x", 300) // 303 = 0x012F: pL 0x2F, pH 0x01
	if err := e.QR(data, QRLevelL, 3); err != nil {
		t.Fatal(err)
	}
	store := []byte{0x1D, 0x28, 0x6B, 0x2F, 0x01, 0x31, 0x50, 0x30}
	if !bytes.Contains(e.Bytes(), append(store, data...)) {
		t.Errorf("store command with pL 2F pH 01 not found in % X", e.Bytes()[:40])
	}
	if got := transcript(e.Bytes()); got != `[QR L size 3 "`+data+`"]` {
		t.Errorf("transcript = %s", got)
	}
}

func TestQRRejectsWhatThePrinterCannotTake(t *testing.T) {
	var e Encoder
	for _, c := range []struct {
		data   string
		level  QRLevel
		module int
	}{
		{"", QRLevelM, 6},
		{strings.Repeat("x", maxQRStore+1), QRLevelM, 6},
		{"x", 0, 6},
		{"x", QRLevelM, 0},
		{"x", QRLevelM, 17},
	} {
		if err := e.QR(c.data, c.level, c.module); err == nil {
			t.Errorf("QR(%d bytes, %d, %d): no error", len(c.data), c.level, c.module)
		}
	}
	if len(e.Bytes()) != 0 {
		t.Errorf("rejected QR codes left bytes: % X", e.Bytes())
	}
}

// storedQR takes the QR code's data, level and module size out of a job, as the printer
// would hold them when told to print.
func storedQR(t *testing.T, job []byte) (string, QRLevel, int) {
	t.Helper()
	d := decoder{in: job}
	d.run()
	if !d.qr.stored || !strings.Contains(d.out.String(), "[QR ") {
		t.Fatalf("no QR code printed in %s", d.out.String())
	}
	return string(d.qr.data), d.qr.level, d.qr.module
}

// TestReceiptQRDecodesToURL renders the stored QR data with an independent encoder and
// reads the image back with ZXing: what the printer would draw carries the verification URL.
func TestReceiptQRDecodesToURL(t *testing.T) {
	job, err := Layout{}.Receipt(zhDoc())
	if err != nil {
		t.Fatal(err)
	}
	data, level, module := storedQR(t, job)
	if data != verifyURL || level != QRLevelM || module != 6 {
		t.Fatalf("stored QR = %q level %s size %d, want %q level M size 6", data, level, module, verifyURL)
	}
	levels := map[QRLevel]qrcode.RecoveryLevel{QRLevelL: qrcode.Low, QRLevelM: qrcode.Medium, QRLevelQ: qrcode.High, QRLevelH: qrcode.Highest}
	code, err := qrcode.New(data, levels[level])
	if err != nil {
		t.Fatal(err)
	}
	img := code.Image(256)
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("ZXing cannot read the QR code: %v", err)
	}
	if res.GetText() != verifyURL {
		t.Errorf("QR code reads %q, want %q", res.GetText(), verifyURL)
	}
}

// TestQRCapacityTable checks the byte capacities used to size the symbol against go-qrcode:
// a payload of exactly the capacity needs that version, one byte more the next.
func TestQRCapacityTable(t *testing.T) {
	levels := []struct {
		ours   QRLevel
		theirs qrcode.RecoveryLevel
	}{{QRLevelL, qrcode.Low}, {QRLevelM, qrcode.Medium}, {QRLevelQ, qrcode.High}, {QRLevelH, qrcode.Highest}}
	for _, l := range levels {
		for v, capacity := range qrByteCapacity[l.ours-QRLevelL] {
			for _, n := range []int{capacity, capacity + 1} {
				want := v + 1
				if n > capacity {
					want++
				}
				code, err := qrcode.New(strings.Repeat("x", n), l.theirs) // lower case: byte mode
				if err != nil {
					t.Fatal(err)
				}
				if code.VersionNumber != want {
					t.Errorf("level %s, %d bytes: go-qrcode uses version %d, our table says %d", l.ours, n, code.VersionNumber, want)
				}
			}
		}
	}
}

func TestLayoutShrinksQRToFitThePaper(t *testing.T) {
	doc := zhDoc()
	doc.QR = "https://kiosk.example.gov.cn/r/" + strings.Repeat("a", 180) // 211 bytes: version 10, 57 modules
	job, err := Layout{Columns: Columns58mm, QRModule: 16}.Receipt(doc)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, module := storedQR(t, job); module != 384/57 {
		t.Errorf("module = %d dots, want %d so that 57 modules fit 384 dots", module, 384/57)
	}
	doc.QR = strings.Repeat("a", 700) // more than version 20 holds at level M
	if _, err := (Layout{}).Receipt(doc); err == nil || !strings.Contains(err.Error(), "shorter URL") {
		t.Errorf("oversized QR: err = %v, want one asking for a shorter URL", err)
	}
}
