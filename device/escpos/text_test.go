package escpos

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestEncodeText(t *testing.T) {
	rep := []byte{0xA1, 0xF5} // □
	tests := []struct {
		name string
		in   string
		want []byte
	}{
		{"ASCII as is", "ID 0718", []byte("ID 0718")},
		{"Chinese as two-byte GB", "张", []byte{0xD5, 0xC5}},
		{"masked name", "张*", []byte{0xD5, 0xC5, '*'}},
		{"plate with middle dot", "京A·12345", []byte{0xBE, 0xA9, 'A', 0xA1, 0xA4, '1', '2', '3', '4', '5'}},
		{"full-width punctuation", "：（）", []byte{0xA3, 0xBA, 0xA3, 0xA8, 0xA3, 0xA9}},
		{"yuan sign after amount", "100.00元", []byte{'1', '0', '0', '.', '0', '0', 0xD4, 0xAA}},
		{"yuan sign before an English amount prints full width", "¥6", []byte{0xA3, 0xA4, '6'}},
		{"euro is GB18030, not GBK's 0x80", "€", []byte{0xA2, 0xE3}},
		{"the replacement itself", "□", rep},
		{"CJK Extension B (4-byte GB18030)", "𠮷", rep},
		{"emoji", "😀", rep},
		{"Ext-B inside a name", "张𠮷", append([]byte{0xD5, 0xC5}, rep...)},
		{"escape cannot inject a command", "\x1b@", append(append([]byte{}, rep...), '@')},
		{"line feed and DEL", "\n\x7f", append(append([]byte{}, rep...), rep...)},
		{"C1 control", "\u0085", rep},
		{"private use", "\ue000", rep},
		{"invalid UTF-8 byte", "a\xffb", []byte{'a', 0xA1, 0xF5, 'b'}},
		{"empty", "", []byte{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EncodeText(tt.in); !bytes.Equal(got, tt.want) {
				t.Errorf("EncodeText(%q) = % X, want % X", tt.in, got, tt.want)
			}
		})
	}
}

func TestReplacementConstantMatchesBytes(t *testing.T) {
	got, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(string(Replacement)))
	if err != nil || !bytes.Equal(got, replacementGB[:]) {
		t.Fatalf("GB18030(%q) = % X, %v; replacementGB is % X", Replacement, got, err, replacementGB)
	}
}

// FuzzEncodeText checks that any string encodes without panic into what a Chinese printer
// can print: no control bytes, only one- and two-byte GB18030 codes (never four), exactly
// one printed character per input character, each either the input character, its documented
// stand-in (the yen sign ¥ as the full-width ￥, which GB18030 has as two bytes), or □.
func FuzzEncodeText(f *testing.F) {
	for _, s := range []string{"交通违法处理凭证", "粤B·12345", "𠮷😀", "\x1b@\n", "a\xff\xfe", "\ue000€"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := EncodeText(s)
		var printed []rune
		for i := 0; i < len(out); {
			c := out[i]
			switch {
			case c < 0x20 || c == 0x7F:
				t.Fatalf("EncodeText(%q) has control byte %02X at %d: % X", s, c, i, out)
			case c < 0x80:
				printed = append(printed, rune(c))
				i++
			case i+1 < len(out) && isDoubleByte(c, out[i+1]):
				r, err := simplifiedchinese.GB18030.NewDecoder().Bytes(out[i : i+2])
				if err != nil {
					t.Fatalf("EncodeText(%q): % X at %d does not decode: %v", s, out[i:i+2], i, err)
				}
				dr, _ := utf8.DecodeRune(r)
				printed = append(printed, dr)
				i += 2
			default:
				t.Fatalf("EncodeText(%q) has a byte that starts no one- or two-byte code at %d: % X", s, i, out)
			}
		}
		in := []rune(s)
		if len(printed) != len(in) {
			t.Fatalf("EncodeText(%q) prints %d characters for %d", s, len(printed), len(in))
		}
		for i := range in {
			if printed[i] != in[i] && printed[i] != Replacement && !(in[i] == '¥' && printed[i] == '￥') {
				t.Fatalf("EncodeText(%q): character %d %q printed as %q", s, i, in[i], printed[i])
			}
		}
	})
}
