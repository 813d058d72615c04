package escpos

import "testing"

// The answers below are the ones the Epson reference describes; 0x12 is "all clear".
func TestParsePrinterStatus(t *testing.T) {
	tests := []struct {
		b    byte
		want PrinterStatus
	}{
		{0x12, PrinterStatus{}},
		{0x1A, PrinterStatus{Offline: true}},
		{0x16, PrinterStatus{DrawerPin3High: true}},
		{0x3A, PrinterStatus{Offline: true, WaitingOnline: true}},
		{0x5A, PrinterStatus{Offline: true, FeedButton: true}},
	}
	for _, tt := range tests {
		got, err := ParsePrinterStatus(tt.b)
		if err != nil || got != tt.want {
			t.Errorf("ParsePrinterStatus(0x%02X) = %+v, %v; want %+v", tt.b, got, err, tt.want)
		}
	}
}

func TestParseOfflineCause(t *testing.T) {
	tests := []struct {
		b    byte
		want OfflineCause
	}{
		{0x12, OfflineCause{}},
		{0x16, OfflineCause{CoverOpen: true}},
		{0x1A, OfflineCause{FeedButton: true}},
		{0x32, OfflineCause{PaperEndStop: true}},
		{0x52, OfflineCause{Error: true}},
		{0x76, OfflineCause{CoverOpen: true, PaperEndStop: true, Error: true}},
	}
	for _, tt := range tests {
		got, err := ParseOfflineCause(tt.b)
		if err != nil || got != tt.want {
			t.Errorf("ParseOfflineCause(0x%02X) = %+v, %v; want %+v", tt.b, got, err, tt.want)
		}
	}
}

func TestParsePaperStatus(t *testing.T) {
	tests := []struct {
		b    byte
		want PaperStatus
	}{
		{0x12, PaperStatus{}},
		{0x1E, PaperStatus{NearEnd: true}},
		{0x72, PaperStatus{Out: true}},
		{0x7E, PaperStatus{NearEnd: true, Out: true}},
		{0x16, PaperStatus{NearEnd: true}}, // only one bit of the pair: still counts
		{0x32, PaperStatus{Out: true}},
	}
	for _, tt := range tests {
		got, err := ParsePaperStatus(tt.b)
		if err != nil || got != tt.want {
			t.Errorf("ParsePaperStatus(0x%02X) = %+v, %v; want %+v", tt.b, got, err, tt.want)
		}
	}
}

func TestStatusRejectsBytesThatAreNotStatus(t *testing.T) {
	for _, b := range []byte{0x00, 0xFF, 0x10, 0x02, 0x13, 0x92, '@'} {
		if _, err := ParsePrinterStatus(b); err == nil {
			t.Errorf("ParsePrinterStatus(0x%02X): no error", b)
		}
		if _, err := ParseOfflineCause(b); err == nil {
			t.Errorf("ParseOfflineCause(0x%02X): no error", b)
		}
		if _, err := ParsePaperStatus(b); err == nil {
			t.Errorf("ParsePaperStatus(0x%02X): no error", b)
		}
	}
}

// FuzzParseStatus checks the parsers accept exactly the bytes with the fixed bits right.
func FuzzParseStatus(f *testing.F) {
	f.Add(byte(0x12))
	f.Add(byte(0x7E))
	f.Fuzz(func(t *testing.T, b byte) {
		valid := b&0x93 == 0x12
		_, e1 := ParsePrinterStatus(b)
		_, e2 := ParseOfflineCause(b)
		_, e4 := ParsePaperStatus(b)
		for _, err := range []error{e1, e2, e4} {
			if (err == nil) != valid {
				t.Fatalf("byte 0x%02X: err = %v, valid = %v", b, err, valid)
			}
		}
	})
}
