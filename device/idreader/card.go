package idreader

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"

	"github.com/hallkiosk/kiosk/model"
)

// Card is what a resident ID card's chip holds. Every text field is as the chip has it, with the
// padding spaces trimmed: Sex and Nation are codes (Sex "1" male, "2" female; Nation "01" Han ...
// "56", "97", "98"), dates are YYYYMMDD, and ValidTo may be "长期" (no end date).
//
// All of it is personal data: keep it out of logs. String hides it from %v for that reason.
type Card struct {
	Name      string
	Sex       string
	Nation    string
	Birth     string
	Address   string
	Number    string // as printed; use IDNumber to get it validated
	Issuer    string
	ValidFrom string
	ValidTo   string
	// DocType is "" for a resident ID card and "J" for a residence permit of a Hong Kong,
	// Macau or Taiwan resident, which shares the layout.
	DocType string
	// Photo is the chip's photo in WLT form (1024 bytes on a standard card), untouched: only
	// the vendor's licensed decoder can turn it into an image.
	Photo []byte
}

// Layout of the text block: fixed-width UCS-2LE fields, padded with spaces.
const (
	textLen = 256

	nameLen, sexLen, nationLen, birthLen, addressLen = 30, 2, 4, 16, 70
	numberLen, issuerLen, validLen                   = 36, 30, 16

	// docTypeOff is where the card type mark sits inside the 36 reserved bytes at the end of
	// the block: one UCS-2 character, a space on resident ID cards. Foreign permanent resident
	// cards ("I", and "Y" for the 2023 design) use an entirely different layout.
	docTypeOff = 248

	// dataHeaderLen is the two big-endian lengths (text, photo) that start the reply's data.
	dataHeaderLen = 4
)

// Payload errors.
var (
	ErrPayload         = errors.New("the ID card's data arrived malformed; place the card on the reader again, or type the ID number instead")
	ErrUnsupportedCard = errors.New("this kind of card cannot be read here (foreign permanent resident ID card); type the number instead or go to a staffed counter")
	ErrBadNumber       = errors.New("the ID number on the card failed its check; type the ID number instead or go to a staffed counter")
)

// ParseCard decodes the data of a "read text and photo" (30 01) reply: a text length and a
// photo length, both two bytes big-endian, then the text block and the photo. The lengths are
// read, not assumed, so that a reader sending a longer block still lines up with its photo;
// they are checked against what actually arrived before anything is sliced.
func ParseCard(data []byte) (Card, error) {
	if len(data) < dataHeaderLen {
		return Card{}, fmt.Errorf("idreader: card data: %w (%d bytes, no length header)", ErrPayload, len(data))
	}
	tl := int(binary.BigEndian.Uint16(data[0:2]))
	pl := int(binary.BigEndian.Uint16(data[2:4]))
	body := data[dataHeaderLen:]
	if tl < textLen || tl+pl > len(body) {
		return Card{}, fmt.Errorf("idreader: card data: %w (text %d + photo %d bytes declared, %d present, text needs %d)",
			ErrPayload, tl, pl, len(body), textLen)
	}
	c := parseText(body[:textLen])
	if c.DocType == "I" || c.DocType == "Y" {
		return Card{}, fmt.Errorf("idreader: card data: %w (type %s)", ErrUnsupportedCard, c.DocType)
	}
	if pl > 0 {
		c.Photo = bytes.Clone(body[tl : tl+pl])
	}
	return c, nil
}

// parseText reads the fixed fields of a text block of exactly textLen bytes.
func parseText(t []byte) Card {
	off := 0
	next := func(n int) string {
		s := ucs2(t[off : off+n])
		off += n
		return s
	}
	var c Card
	c.Name = next(nameLen)
	c.Sex = next(sexLen)
	c.Nation = next(nationLen)
	c.Birth = next(birthLen)
	c.Address = next(addressLen)
	c.Number = next(numberLen)
	c.Issuer = next(issuerLen)
	c.ValidFrom = next(validLen)
	c.ValidTo = next(validLen)
	c.DocType = ucs2(t[docTypeOff : docTypeOff+2])
	return c
}

// ucs2 decodes little-endian UCS-2 and trims the padding: spaces as the standard says, and NULs
// and ideographic spaces as some issuers' writers left them. A lone surrogate (never valid in
// UCS-2) becomes U+FFFD rather than an error: one odd character must not lose the whole card.
func ucs2(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return strings.TrimFunc(string(utf16.Decode(u)), func(r rune) bool {
		return r == 0 || unicode.IsSpace(r)
	})
}

// IDNumber validates the card's number with the model's parser (length, region, birth date
// not after today, check digit). A chip read is trustworthy in itself, so a failure means a
// misread or an unusual card: the person should type the number or go to a counter.
//
// The error unwraps to both ErrBadNumber and the model's *model.InputError (for its reason
// code), but its text holds neither the number nor any part of it: the model's error text
// may quote the input, and ours may end up in a log.
func (c Card) IDNumber(today time.Time) (model.IDNumber, error) {
	n, err := model.ParseIDNumber(c.Number, today)
	if err != nil {
		return "", &numberError{cause: err}
	}
	return n, nil
}

type numberError struct{ cause error }

func (e *numberError) Error() string {
	var in *model.InputError
	if errors.As(e.cause, &in) {
		return "idreader: " + ErrBadNumber.Error() + " (" + string(in.Reason.Code) + ")"
	}
	return "idreader: " + ErrBadNumber.Error()
}

func (e *numberError) Unwrap() []error { return []error{ErrBadNumber, e.cause} }

// String keeps a card's content out of logs and error text built with %v or %+v by mistake.
func (c Card) String() string {
	return fmt.Sprintf("idreader.Card{redacted, photo %d bytes}", len(c.Photo))
}

// GoString does the same for %#v.
func (c Card) GoString() string { return c.String() }
