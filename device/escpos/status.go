package escpos

import "fmt"

// StatusKind is the n of DLE EOT n: which real-time status byte to send back.
type StatusKind byte

const (
	StatusPrinter      StatusKind = 1 // online/offline
	StatusOfflineCause StatusKind = 2 // why it is offline: cover, paper end, error
	StatusErrorCause   StatusKind = 3 // cutter and other mechanical errors
	StatusPaper        StatusKind = 4 // roll paper sensors
)

// Bit meanings below are from the Epson "ESC/POS Command Reference", DLE EOT (real-time
// status transmission), as published for the TM-T88/TM-T20 series and copied by the
// programmer manuals of Chinese 58/80 mm printers (e.g. the "POS-80XX" manual):
//
//	every answer: bit 0 = 0, bit 1 = 1, bit 4 = 1, bit 7 = 0 (so it is 0x12 when all is well)
//	n=1 printer:       bit 2 drawer pin 3 high, bit 3 offline, bit 5 waiting for online
//	                   recovery, bit 6 paper feed button pressed
//	n=2 offline cause: bit 2 cover open, bit 3 paper being fed by the button, bit 5 printing
//	                   stopped by paper end, bit 6 an error occurred
//	n=4 paper:         bits 2–3 roll near end (both set), bits 5–6 roll end, no paper
//	                   (both set)
//
// Epson defines each sensor as a pair of bits that are set together; printers have been
// seen to set only one, so either bit of a pair counts. Printers without a near-end
// sensor always report "adequate".
const (
	fixedMask  = 0x93 // bits 0, 1, 4, 7
	fixedValue = 0x12 // bits 1 and 4 set
)

// PrinterStatus is the answer to DLE EOT 1.
type PrinterStatus struct {
	Offline        bool // not printing: cover open, paper out, error or feeding
	WaitingOnline  bool // recovering by itself (e.g. after the cover was closed)
	FeedButton     bool // the paper feed button is held down
	DrawerPin3High bool // cash drawer sensor; meaningless at a kiosk
}

// OfflineCause is the answer to DLE EOT 2.
type OfflineCause struct {
	CoverOpen    bool
	FeedButton   bool // paper is being fed by the button
	PaperEndStop bool // printing stopped because the roll ran out
	Error        bool // see DLE EOT 3
}

// PaperStatus is the answer to DLE EOT 4.
type PaperStatus struct {
	NearEnd bool // the roll is nearly used up: replace it soon
	Out     bool // no paper at the print head
}

// ParsePrinterStatus reads the answer to DLE EOT 1.
func ParsePrinterStatus(b byte) (PrinterStatus, error) {
	if err := checkFixed(b, StatusPrinter); err != nil {
		return PrinterStatus{}, err
	}
	return PrinterStatus{
		DrawerPin3High: b&0x04 != 0,
		Offline:        b&0x08 != 0,
		WaitingOnline:  b&0x20 != 0,
		FeedButton:     b&0x40 != 0,
	}, nil
}

// ParseOfflineCause reads the answer to DLE EOT 2.
func ParseOfflineCause(b byte) (OfflineCause, error) {
	if err := checkFixed(b, StatusOfflineCause); err != nil {
		return OfflineCause{}, err
	}
	return OfflineCause{
		CoverOpen:    b&0x04 != 0,
		FeedButton:   b&0x08 != 0,
		PaperEndStop: b&0x20 != 0,
		Error:        b&0x40 != 0,
	}, nil
}

// ParsePaperStatus reads the answer to DLE EOT 4.
func ParsePaperStatus(b byte) (PaperStatus, error) {
	if err := checkFixed(b, StatusPaper); err != nil {
		return PaperStatus{}, err
	}
	return PaperStatus{
		NearEnd: b&0x0C != 0,
		Out:     b&0x60 != 0,
	}, nil
}

// checkFixed rejects a byte that cannot be a DLE EOT answer (a stray byte, or a printer that
// speaks another protocol), rather than reading meaning into it.
func checkFixed(b byte, k StatusKind) error {
	if b&fixedMask != fixedValue {
		return fmt.Errorf("answer 0x%02X to DLE EOT %d is not an ESC/POS status byte (bits 1 and 4 must be set, 0 and 7 clear)", b, byte(k))
	}
	return nil
}
