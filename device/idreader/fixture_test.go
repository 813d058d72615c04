package idreader

import (
	"encoding/binary"
	"fmt"
	"time"
	"unicode/utf16"
)

// The test person is invented: a Beijing Chaoyang region code, a birth date, an odd (male)
// sequence number 123, and the GB 11643 check digit computed for them (see
// TestFixtureNumberCheckDigit).
const testNumber = "110105198804121238"

// testToday is the day the tests judge "born in the future" against; the package never reads
// the clock for that.
var testToday = time.Date(2026, time.May, 1, 10, 0, 0, 0, time.UTC)

func testCard() Card {
	return Card{
		Name:      "欧阳明远",
		Sex:       "1",
		Nation:    "01",
		Birth:     "19880412",
		Address:   "北京市朝阳区望京街道花园路17号院3号楼2单元501室",
		Number:    testNumber,
		Issuer:    "北京市公安局朝阳分局",
		ValidFrom: "20160520",
		ValidTo:   "20360520",
		Photo:     testPhoto(),
	}
}

// testPhoto stands in for a WLT photo: 1024 bytes the package must pass on untouched. It holds
// a preamble and every byte value, so a decoder that looked inside a frame's data for frames,
// or a line that mangled bytes (XON/XOFF, CR/LF), would show.
func testPhoto() []byte {
	p := make([]byte, 1024)
	for i := range p {
		p[i] = byte(i*7 + i/256)
	}
	copy(p[100:], preamble+"\x00\x03\x20\x01\x22")
	return p
}

// encodeText lays a card out as the chip's 256-byte text block, fields padded with spaces.
func encodeText(c Card) []byte {
	out := make([]byte, 0, textLen)
	put := func(s string, n int) {
		u := utf16.Encode([]rune(s))
		if 2*len(u) > n {
			panic(fmt.Sprintf("field %q longer than %d bytes", s, n))
		}
		for len(u)*2 < n {
			u = append(u, ' ')
		}
		for _, v := range u {
			out = binary.LittleEndian.AppendUint16(out, v)
		}
	}
	put(c.Name, nameLen)
	put(c.Sex, sexLen)
	put(c.Nation, nationLen)
	put(c.Birth, birthLen)
	put(c.Address, addressLen)
	put(c.Number, numberLen)
	put(c.Issuer, issuerLen)
	put(c.ValidFrom, validLen)
	put(c.ValidTo, validLen)
	put("", docTypeOff-len(out))
	put(c.DocType, 2)
	put("", textLen-len(out))
	return out
}

// encodeCardData is the data of a 30 01 reply: text length, photo length, text, photo.
func encodeCardData(c Card) []byte {
	text := encodeText(c)
	out := binary.BigEndian.AppendUint16(nil, uint16(len(text)))
	out = binary.BigEndian.AppendUint16(out, uint16(len(c.Photo)))
	out = append(out, text...)
	return append(out, c.Photo...)
}
