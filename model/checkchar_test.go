package model

import "testing"

func TestMod112KnownIDNumbers(t *testing.T) {
	for _, id := range []string{
		"11010519491231002X", "440524188001010014", "440308199901101512", "34052419800101001X",
		"11010219840406970X", "810000199408230021", "830000199201300022", "53010219200508011X",
		"440308202506151514", "610104196209276908",
	} {
		if got := Mod112(id[:17]); got != id[17] {
			t.Errorf("Mod112(%s) = %c, want %c", id[:17], got, id[17])
		}
	}
	for _, id := range []string{"440308199901101513", "340524198001010013", "810000199408230022", "830000199201300023"} {
		if got := Mod112(id[:17]); got == id[17] {
			t.Errorf("Mod112(%s) = %c accepts an invalid number", id[:17], got)
		}
	}
}

// A single 1 among zeros makes the remainder equal that position's weight, which pins the
// weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 of GB 11643 one by one.
func TestMod112Weights(t *testing.T) {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	for i, w := range weights {
		digits := []byte("00000000000000000")
		digits[i] = '1'
		if got, want := Mod112(string(digits)), "10X98765432"[w]; got != want {
			t.Errorf("position %d: Mod112(%s) = %c, want %c (weight %d)", i+1, digits, got, want, w)
		}
	}
}

// Other lengths use the same rule; ORCID identifiers are MOD 11-2 over 15 digits, and "079" is
// the worked example of ISO 7064.
func TestMod112OtherLengths(t *testing.T) {
	cases := []struct {
		digits string
		want   byte
	}{
		{"", '1'},
		{"079", 'X'},
		{"000000021825009", '7'}, // ORCID 0000-0002-1825-0097
		{"000000015109370", '0'}, // ORCID 0000-0001-5109-3700
		{"000000021694233", 'X'}, // ORCID 0000-0002-1694-233X
	}
	for _, c := range cases {
		if got := Mod112(c.digits); got != c.want {
			t.Errorf("Mod112(%q) = %c, want %c", c.digits, got, c.want)
		}
	}
}

func TestMod112NonDigitsDoNotPanic(t *testing.T) {
	for _, s := range []string{"abc", "\x00\xff", "12X45", "中文"} {
		if got := Mod112(s); got != 'X' && (got < '0' || got > '9') {
			t.Errorf("Mod112(%q) = %q, not a check character", s, got)
		}
	}
}
