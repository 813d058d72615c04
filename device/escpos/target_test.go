package escpos

import "testing"

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in   string
		want Target
	}{
		{"tcp://192.168.1.50:9100", Target{TCP, "192.168.1.50:9100", true}},
		{"tcp://printer.hall.local", Target{TCP, "printer.hall.local:9100", true}},
		{"tcp://[fe80::1]:9100", Target{TCP, "[fe80::1]:9100", true}},
		{"tcp://10.0.0.5:9100?status=optional", Target{TCP, "10.0.0.5:9100", false}},
		{"/dev/usb/lp0", Target{Device, "/dev/usb/lp0", false}},
		{"/dev/ttyUSB0?status=required", Target{Device, "/dev/ttyUSB0", true}},
		{"file:/var/lib/kiosk/receipts.bin", Target{File, "/var/lib/kiosk/receipts.bin", false}},
		{"file:///var/lib/kiosk/receipts.bin", Target{File, "/var/lib/kiosk/receipts.bin", false}},
		{"file:receipts.bin", Target{File, "receipts.bin", false}},
	}
	for _, tt := range tests {
		got, err := ParseTarget(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseTarget(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseTargetRejects(t *testing.T) {
	for _, in := range []string{
		"", "lp0", "usb://lp0", "tcp://", "tcp://:9100", "tcp://host:0", "tcp://host:99999",
		"tcp://host:port", "tcp://user@host:9100", "tcp://host:9100/path", "tcp://host:9100?status=maybe",
		"tcp://host:9100?timeout=3", "/dev/usb/lp0?status=", "file:", "tcp://ho st:9100",
		"tcp://::", "tcp://::1", "tcp://[zz::1]:9100",
	} {
		if got, err := ParseTarget(in); err == nil {
			t.Errorf("ParseTarget(%q) = %+v, want an error", in, got)
		}
	}
}

// FuzzParseTarget checks that any string parses without panic and that what parses prints
// back to a string that parses to the same target, so Info and logs name it faithfully.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"tcp://10.0.0.5:9100?status=optional", "/dev/usb/lp0", "file:///x", "file:a?b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		target, err := ParseTarget(s)
		if err != nil {
			return
		}
		again, err := ParseTarget(target.String())
		if err != nil || again != target {
			t.Fatalf("ParseTarget(%q) = %+v; its String %q parses to %+v, %v", s, target, target.String(), again, err)
		}
	})
}
