package escpos

import (
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Replacement is printed in place of any character the printer cannot show. It is "□"
// (U+25A1, GB2312 A1F5), the mark Chinese print uses for a missing character (虚缺号): it
// takes the same two columns as a Chinese character, so the layout does not shift, and it
// tells the reader something is there instead of silently dropping it.
const Replacement = '□'

// replacementGB is Replacement in GB18030.
var replacementGB = [2]byte{0xA1, 0xF5}

// glyph is one character as the printer receives it: one byte (ASCII, one column) or two
// bytes (a GB code, two columns in Chinese character mode). Never more: Chinese printers
// only know the one- and two-byte GB18030 areas, and a four-byte sequence would print as
// two wrong characters.
type glyph struct {
	b [2]byte
	n uint8
}

// width is the columns the glyph takes on paper at normal size.
func (g glyph) width() int { return int(g.n) }

func (g glyph) isSpace() bool { return g.n == 1 && g.b[0] == ' ' }

// EncodeText turns s into printer bytes: ASCII as is, other characters as two-byte GB18030.
// Each character of s (each invalid UTF-8 byte too) becomes exactly one character on paper:
// control characters (which would be taken as printer commands), private-use characters
// (which print as blanks or garbage), and characters that GB18030 only has as four bytes
// (CJK Extension B such as 𠮷, emoji) become [Replacement].
func EncodeText(s string) []byte {
	gs := encodeGlyphs(s)
	out := make([]byte, 0, 2*len(gs))
	for _, g := range gs {
		out = append(out, g.b[:g.n]...)
	}
	return out
}

// encodeGlyphs is EncodeText kept as characters, for wrapping by width.
func encodeGlyphs(s string) []glyph {
	enc := simplifiedchinese.GB18030.NewEncoder()
	gs := make([]glyph, 0, len(s))
	for _, r := range s {
		gs = append(gs, encodeRune(enc, r))
	}
	return gs
}

// encodeRune encodes one character, falling back to Replacement.
func encodeRune(enc *encoding.Encoder, r rune) glyph {
	switch {
	case r < 0x20 || r == 0x7F || (r >= 0x80 && r < 0xA0):
		return glyph{b: replacementGB, n: 2}
	case r < 0x80:
		return glyph{b: [2]byte{byte(r)}, n: 1}
	case r >= 0xE000 && r <= 0xF8FF: // private use: GB18030 maps it to user-defined codes
		return glyph{b: replacementGB, n: 2}
	case r == '¥':
		// The yen/yuan sign of English amounts (U+00A5) is a four-byte code in GB18030; the
		// full-width sign (U+FFE5, GB2312 A3A4) is the one Chinese printers have.
		r = '￥'
	}
	var src [utf8.UTFMax]byte
	var dst [8]byte
	enc.Reset()
	n, _, err := enc.Transform(dst[:], src[:utf8.EncodeRune(src[:], r)], true)
	if err != nil || n != 2 || !isDoubleByte(dst[0], dst[1]) {
		return glyph{b: replacementGB, n: 2}
	}
	return glyph{b: [2]byte{dst[0], dst[1]}, n: 2}
}

// isDoubleByte reports whether lead, trail is a two-byte GB18030 code (GB18030-2022 §6:
// lead 81–FE, trail 40–7E or 80–FE; a trail of 30–39 would start a four-byte code).
func isDoubleByte(lead, trail byte) bool {
	return lead >= 0x81 && lead <= 0xFE && trail >= 0x40 && trail <= 0xFE && trail != 0x7F
}
