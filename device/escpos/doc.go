// Package escpos prints receipts on ESC/POS thermal printers, the kind found in Chinese
// service halls, without cgo or vendor drivers.
//
// It owns three things: an [Encoder] that builds the command bytes (Chinese text as two-byte
// GB18030 in the printer's Chinese character mode, QR codes, cut), a [Layout] that turns a
// device.Doc into a receipt for a given paper width, and a [Printer] that sends a receipt to
// a raw TCP printer, a device file such as /dev/usb/lp0, or a file, with timeouts and a status
// check so that a person is told "out of paper" instead of waiting for a receipt that never
// comes.
//
// Command bytes follow the Epson "ESC/POS Command Reference" (TM series); the notes by each
// command say where cheap Chinese printers are known or suspected to differ.
package escpos
